//! Relative strength index (TA-Lib `RSI`, Wilder smoothing, no unstable period).
//!
//! With TA-Lib 0.8's seeding, output rule and lookback:
//!
//! * the first `period` changes are summed into an average gain and an average loss
//!   (a change adds `max(d, 0)` to the gain and `max(d, 0) - d` to the loss), both then
//!   scaled by the precomputed `1 / period`, as TA-Lib does;
//! * each later change: `avg = avg * ((period - 1) / period) + change * (1 / period)`,
//!   the first product and the sum fused into one multiply-add;
//! * the output is `100 * (gain / (gain + loss))`, or `0` when `gain + loss` is not
//!   positive. The test is exact: TA-Lib 0.8 dropped the old `TA_IS_ZERO` band
//!   (±1e-8, later 1e-14), which zeroed the RSI of anything quoted in tiny units. A flat
//!   window therefore gives 0 (not 50), and a `NaN` input gives 0 from then on.
//!
//! The smoothing step is the one place that departs from TA-Lib's operations. TA-Lib
//! writes `avg *= period - 1; avg += change; avg *= 1 / period`: three dependent
//! roundings per bar, whose latency bounds the whole series. One fused multiply-add is a
//! third of that chain. Both are the same average; the recurrence damps each rounding by
//! `(period - 1) / period` per bar, so the two stay within about `period` units in the
//! last place of each other (measured on the shared dataset: docs/indicators.md), far
//! inside the 1e-9 parity bound.
//!
//! The first output is at index `period` (the lookback), since it needs `period` changes.

use super::lanes::{Inputs, Lane, Lane4, Outputs};
#[cfg(target_arch = "x86_64")]
use super::support::hardware_avx2_fma;
use super::support::{filled_column, BLOCK};
use super::{check_period, ParamError, Streaming, MAX_PERIOD};
use std::mem::MaybeUninit;

/// Wilder's averages for one series (`f64`) or several at once (a [`Lane`] vector).
#[derive(Debug, Clone)]
struct RsiCore<L> {
    inv_period: L,
    /// `(period - 1) / period`, the share of the previous average kept at each bar.
    retain: L,
    gain: L,
    loss: L,
}

impl<L: Lane> RsiCore<L> {
    fn new(period: usize) -> Self {
        RsiCore {
            inv_period: L::splat(1.0 / period as f64),
            retain: L::splat((period - 1) as f64 / period as f64),
            gain: L::splat(0.0),
            loss: L::splat(0.0),
        }
    }

    /// The gain of a change: `max(change, 0)`, `0` for `NaN`.
    #[inline(always)]
    fn gain_of(change: L) -> L {
        change.max_gt(L::splat(0.0))
    }

    /// Adds one of the first `period` changes.
    #[inline(always)]
    fn seed(&mut self, change: L) {
        let gain = Self::gain_of(change);
        self.gain += gain;
        self.loss += gain - change;
    }

    /// Turns the seeded sums into averages.
    #[inline(always)]
    fn finish_seed(&mut self) -> L {
        self.loss *= self.inv_period;
        self.gain *= self.inv_period;
        self.value()
    }

    /// Moves both averages one change on (one fused multiply-add each on the chain).
    #[inline(always)]
    fn advance(&mut self, change: L) {
        let gain = Self::gain_of(change);
        self.gain = self.gain.mul_add(self.retain, gain * self.inv_period);
        self.loss = self
            .loss
            .mul_add(self.retain, (gain - change) * self.inv_period);
    }

    #[inline(always)]
    fn smooth(&mut self, change: L) -> L {
        self.advance(change);
        self.value()
    }

    #[inline(always)]
    fn value(&self) -> L {
        Self::value_of(self.gain, self.loss)
    }

    #[inline(always)]
    fn value_of(gain: L, loss: L) -> L {
        let total = gain + loss;
        let zero = L::splat(0.0);
        total.gt_or(zero, L::splat(100.0) * (gain / total), zero)
    }
}

/// Streaming RSI.
#[derive(Debug, Clone)]
pub struct Rsi {
    period: usize,
    core: RsiCore<f64>,
    prev: f64,
    seen: usize,
}

impl Rsi {
    pub const NAME: &'static str = "rsi";

    pub fn new(period: usize) -> Result<Self, ParamError> {
        let period = check_period(Self::NAME, "period", period, 2, MAX_PERIOD)?;
        Ok(Rsi {
            period,
            core: RsiCore::new(period),
            prev: 0.0,
            seen: 0,
        })
    }
}

impl Streaming for Rsi {
    type Input = f64;
    type Output = f64;

    #[inline]
    fn update(&mut self, x: f64) -> f64 {
        let change = x - self.prev;
        self.prev = x;
        if self.seen > self.period {
            return self.core.smooth(change);
        }
        self.seen += 1;
        if self.seen == 1 {
            return f64::NAN;
        }
        self.core.seed(change);
        if self.seen <= self.period {
            f64::NAN
        } else {
            self.core.finish_seed()
        }
    }

    fn lookback(&self) -> usize {
        self.period
    }
}

/// RSI of `input`; the first `period` outputs are `NaN`.
pub fn rsi(input: &[f64], period: usize) -> Result<Vec<f64>, ParamError> {
    let period = check_period(Rsi::NAME, "period", period, 2, MAX_PERIOD)?;
    let fill_all = |[slots]: [&mut [MaybeUninit<f64>]; 1]| {
        if input.len() <= period {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if hardware_avx2_fma() {
            // SAFETY: the CPU was just checked to support these features.
            return unsafe { fill_avx2(input, period, slots) };
        }
        fill(input, period, slots)
    };
    // SAFETY: `fill` writes every slot whenever there are any (`len > period`).
    Ok(unsafe { filled_column(input.len(), period, fill_all) })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fill_avx2(input: &[f64], period: usize, slots: &mut [MaybeUninit<f64>]) {
    fill(input, period, slots)
}

/// Writes all `input.len() - period` slots; `input.len() > period`.
///
/// Block by block ([`BLOCK`]): the averages' chain into two stack buffers, then the
/// outputs, whose division is slower than the chain's step and off it, vectorised.
#[inline(always)]
fn fill(input: &[f64], period: usize, slots: &mut [MaybeUninit<f64>]) {
    let mut core = RsiCore::<f64>::new(period);
    for pair in input[..=period].windows(2) {
        core.seed(pair[1] - pair[0]);
    }
    slots[0].write(core.finish_seed());
    let (mut gains, mut losses) = ([0.0; BLOCK], [0.0; BLOCK]);
    // Slot `1 + i` is the change from `input[period + i]` to `input[period + 1 + i]`.
    let blocks = input[period + 1..]
        .chunks(BLOCK)
        .zip(input[period..].chunks(BLOCK));
    for (slots, (bars, previous)) in slots[1..].chunks_mut(BLOCK).zip(blocks) {
        let averages = gains.iter_mut().zip(losses.iter_mut());
        for ((gain, loss), (&x, &prev)) in averages.zip(bars.iter().zip(previous)) {
            core.advance(x - prev);
            (*gain, *loss) = (core.gain, core.loss);
        }
        for (slot, (&gain, &loss)) in slots.iter_mut().zip(gains.iter().zip(&losses)) {
            slot.write(RsiCore::value_of(gain, loss));
        }
    }
}

/// RSI of four series of equal length at once, into outputs already holding `NaN`;
/// each lane computes exactly what [`rsi`] does.
#[inline(always)]
pub(crate) fn rsi_lanes<L: Lane4>(x: Inputs, period: usize, [mut out]: [Outputs; 1]) {
    let len = x.len();
    if len <= period {
        return;
    }
    let mut core = RsiCore::<L>::new(period);
    for i in 1..=period {
        core.seed(x.at::<L>(i) - x.at(i - 1));
    }
    out.set(period, core.finish_seed());
    // Exact chunks of the interleaved columns: no bounds check per bar.
    let count = len - (period + 1);
    let bars = x.bars(period + 1, count).chunks_exact(4);
    let previous = x.bars(period, count).chunks_exact(4);
    for (slot, (v, prev)) in out
        .bars(period + 1, count)
        .chunks_exact_mut(4)
        .zip(bars.zip(previous))
    {
        core.smooth(L::load(v) - L::load(prev)).store(slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::run_streaming;
    use crate::indicators::support::AAPL_CLOSE;

    #[test]
    fn seeds_then_smooths() {
        // Changes +2, -1 → gain 1, loss 0.5 → 66.67; then +3: gain (1+3)/2, loss 0.25.
        let out = rsi(&[10.0, 12.0, 11.0, 14.0], 2).unwrap();
        assert!(out[0].is_nan() && out[1].is_nan());
        assert_eq!(out[2], 100.0 * (1.0 / 1.5));
        assert_eq!(out[3], 100.0 * (2.0 / 2.25));
    }

    #[test]
    fn matches_talib_on_aapl() {
        let out = rsi(&AAPL_CLOSE, 14).unwrap();
        // The first value is TA-Lib's bit for bit (the same seed); the smoothed ones
        // within a few units in the last place.
        assert_eq!(out[14], 66.0396681578429);
        for (i, talib) in [(25, 77.12005431942151), (39, 49.970880582612345)] {
            assert!(
                (out[i] - talib).abs() <= 1e-13 * talib,
                "bar {i}: {}",
                out[i]
            );
        }
    }

    #[test]
    fn flat_series_is_zero() {
        let out = rsi(&[5.0; 30], 14).unwrap();
        assert!(out[..14].iter().all(|v| v.is_nan()));
        assert!(out[14..].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn tiny_prices_are_not_flattened() {
        // TA-Lib < 0.8 returned 0 here (gain + loss under its 1e-8 / 1e-14 band).
        let out = rsi(&[0.0, 1e-300, 0.0], 2).unwrap();
        assert_eq!(out[2], 50.0);
    }

    #[test]
    fn nan_input_gives_zero_from_then_on() {
        let out = rsi(&[1.0, 2.0, f64::NAN, 3.0, 4.0, 5.0], 2).unwrap();
        assert!(out[0].is_nan() && out[1].is_nan());
        assert_eq!(&out[2..], &[0.0; 4]);
    }

    #[test]
    fn short_input_is_all_nan() {
        assert!(rsi(&[1.0, 2.0, 3.0], 3).unwrap().iter().all(|v| v.is_nan()));
    }

    #[test]
    fn period_one_is_refused_as_in_talib() {
        assert_eq!(
            rsi(&[1.0], 1).unwrap_err().to_string(),
            "rsi: period must be between 2 and 100000, got 1"
        );
        assert!(rsi(&[1.0], 100_001).is_err());
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let input: Vec<f64> = (0..600)
            .map(|i| ((i * 7919) % 113) as f64 * 0.37 + 1e-3)
            .collect();
        for period in [2, 3, 14, 200, 599, 600, 601] {
            let batch = rsi(&input, period).unwrap();
            let streamed = run_streaming(Rsi::new(period).unwrap(), input.iter().copied());
            assert_eq!(batch.len(), streamed.len());
            for (a, b) in batch.iter().zip(&streamed) {
                assert_eq!(a.to_bits(), b.to_bits(), "period {period}");
            }
        }
    }
}
