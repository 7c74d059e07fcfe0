//! On-balance volume (TA-Lib `OBV`).
//!
//! TA-Lib seeds with the first bar's volume (not 0) and has no lookback: every bar has
//! a value. After that the bar's volume is added when the close rose, subtracted when
//! it fell, and nothing changes on an equal close.

use super::bar_common::common_len;
use super::support::column_in;
use super::{Hlcv, Streaming};

/// Streaming OBV. It takes a whole [`Hlcv`] bar like the other bar indicators so one
/// bar can feed them all; only `close` and `volume` are read.
#[derive(Debug, Clone, Default)]
pub struct Obv {
    prev_close: Option<f64>,
    value: f64,
}

impl Obv {
    pub const NAME: &'static str = "obv";

    pub fn new() -> Self {
        Self::default()
    }
}

impl Streaming for Obv {
    type Input = Hlcv;
    type Output = f64;

    #[inline]
    fn update(&mut self, bar: Hlcv) -> f64 {
        match self.prev_close.replace(bar.close) {
            None => self.value = bar.volume,
            Some(prev) if bar.close > prev => self.value += bar.volume,
            Some(prev) if bar.close < prev => self.value -= bar.volume,
            Some(_) => {}
        }
        self.value
    }

    fn lookback(&self) -> usize {
        0
    }
}

/// OBV of the closes and volumes, one value per bar from the first. Columns of unequal
/// length are read up to the shorter.
pub fn obv(close: &[f64], volume: &[f64]) -> Vec<f64> {
    obv_in(Vec::new(), close, volume)
}

/// [`obv`] written into `room` (see `support::column_in`).
pub(crate) fn obv_in(room: Vec<f64>, close: &[f64], volume: &[f64]) -> Vec<f64> {
    let n = common_len(&[close, volume]);
    let mut out = column_in(room, n, 0);
    if n == 0 {
        return out;
    }
    let mut value = volume[0];
    out.push(value);
    let steps = close[1..n].iter().zip(&close[..n - 1]).zip(&volume[1..n]);
    // On a random walk the up/down/equal choice is a coin toss, so a branch would
    // mispredict on every other bar. Instead each bar adds a selected delta and the
    // selects compile to compare masks. An equal close adds -0.0, not 0.0: `x + -0.0`
    // is `x` for every `x` (`-0.0 + 0.0` would turn a -0.0 total into +0.0), and
    // `x + (-v)` is `x - v` exactly, so the totals are the branchy loop's bits.
    out.extend(steps.map(|((&close, &prev), &volume)| {
        let up = if close > prev { volume } else { -0.0 };
        let delta = if close < prev { -volume } else { up };
        value += delta;
        value
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::bar_common::{assert_bits_eq, columns, sample_bars};
    use crate::indicators::run_streaming;

    #[test]
    fn seeds_with_the_first_volume() {
        let close = [10.0, 11.0, 11.0, 9.0, 9.5];
        let volume = [100.0, 20.0, 30.0, 50.0, 0.0];
        assert_eq!(obv(&close, &volume), [100.0, 120.0, 120.0, 70.0, 70.0]);
        assert!(obv(&[], &[]).is_empty());
        assert_eq!(obv(&close, &volume[..2]), [100.0, 120.0]);
    }

    #[test]
    fn negative_zero_totals_survive_equal_closes() {
        let close = [1.0, 1.0, 2.0, 2.0, 1.0, 1.0];
        let volume = [-0.0, 5.0, -0.0, 3.0, 0.0, 7.0];
        let batch = obv(&close, &volume);
        assert_eq!(batch[1].to_bits(), (-0.0f64).to_bits());
        assert_eq!(batch[2].to_bits(), (-0.0f64).to_bits());
        let bars = close.iter().zip(&volume).map(|(&close, &volume)| Hlcv {
            high: close,
            low: close,
            close,
            volume,
        });
        assert_bits_eq(&batch, &run_streaming(Obv::new(), bars), "obv");
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let bars = sample_bars(300);
        let [_, _, close, volume] = columns(&bars);
        let batch = obv(&close, &volume);
        let streamed = run_streaming(Obv::new(), bars.iter().copied());
        assert_bits_eq(&batch, &streamed, "obv");
        assert_eq!(Obv::new().lookback(), 0);
    }
}
