//! Money flow index (TA-Lib `MFI`).
//!
//! Each bar after the first has a money flow `typical * volume`, with typical price
//! `(high + low + close) / 3`, counted as positive when the typical price rose, negative
//! when it fell. MFI is `100 * positive / (positive + negative)` over the last `period`
//! flows, so the first value is at bar `period`.
//!
//! What TA-Lib 0.8.1 (the wheel's build) does, and we reproduce:
//!
//! * the flows sit in a ring and the two sums are kept by subtract-oldest-then-add,
//!   in that order;
//! * "no movement" is a scaled dead zone, `|tp - prev_tp| <= 1e-14 * (|tp| + |prev_tp|)`:
//!   such a bar's flow is 0 (not the older exact `== 0` test);
//! * an empty window is recognized by counting bars that put nothing in (no movement,
//!   or zero volume): after `period` of them in a row the sums are reset to exactly 0,
//!   dropping the add/subtract residue;
//! * the result is 0 when the total is not `> 0` (not the older "total < 1" rule, which
//!   zeroed small quotes and volumes), and the positive sum is clamped into
//!   `[0, total]` before dividing.

use super::bar_common::{common_len, is_zero_scaled};
use super::{check_period, Hlcv, ParamError, Streaming, MAX_PERIOD};

/// Streaming MFI. Lookback `period`.
#[derive(Debug, Clone)]
pub struct Mfi {
    positive: Vec<f64>,
    negative: Vec<f64>,
    /// Ring slot of the oldest flow, where the next one goes.
    slot: usize,
    prev_typical: Option<f64>,
    positive_sum: f64,
    negative_sum: f64,
    /// Consecutive flows that were exactly 0, capped at `period`.
    null_run: usize,
    flows: usize,
}

impl Mfi {
    pub const NAME: &'static str = "mfi";

    pub fn new(period: usize) -> Result<Self, ParamError> {
        let period = check_period(Self::NAME, "period", period, 2, MAX_PERIOD)?;
        Ok(Mfi {
            positive: vec![0.0; period],
            negative: vec![0.0; period],
            slot: 0,
            prev_typical: None,
            positive_sum: 0.0,
            negative_sum: 0.0,
            null_run: 0,
            flows: 0,
        })
    }
}

impl Streaming for Mfi {
    type Input = Hlcv;
    type Output = f64;

    #[inline]
    fn update(&mut self, bar: Hlcv) -> f64 {
        let period = self.positive.len();
        let typical = (bar.high + bar.low + bar.close) / 3.0;
        let Some(prev) = self.prev_typical.replace(typical) else {
            return f64::NAN;
        };
        if self.flows >= period {
            self.positive_sum -= self.positive[self.slot];
            self.negative_sum -= self.negative[self.slot];
        }
        let change = typical - prev;
        let flow = if is_zero_scaled(change, typical.abs() + prev.abs()) {
            0.0
        } else {
            typical * bar.volume
        };
        let (up, down) = if change < 0.0 {
            (0.0, flow)
        } else {
            (flow, 0.0)
        };
        self.positive[self.slot] = up;
        self.negative[self.slot] = down;
        self.positive_sum += up;
        self.negative_sum += down;
        self.null_run = if flow == 0.0 { self.null_run + 1 } else { 0 };
        if self.null_run >= period {
            self.null_run = period;
            self.positive_sum = 0.0;
            self.negative_sum = 0.0;
        }
        self.slot += 1;
        if self.slot == period {
            self.slot = 0;
        }
        if self.flows < period {
            self.flows += 1;
            if self.flows < period {
                return f64::NAN;
            }
        }
        let total = self.positive_sum + self.negative_sum;
        let positive = if self.positive_sum < 0.0 {
            0.0
        } else if self.positive_sum > total {
            total
        } else {
            self.positive_sum
        };
        if total <= 0.0 {
            0.0
        } else {
            100.0 * (positive / total)
        }
    }

    fn lookback(&self) -> usize {
        self.positive.len()
    }
}

/// MFI of the bars; the first `period` outputs are `NaN`. Columns of unequal length
/// are read up to the shortest.
pub fn mfi(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    period: usize,
) -> Result<Vec<f64>, ParamError> {
    let mut state = Mfi::new(period)?;
    let n = common_len(&[high, low, close, volume]);
    if n <= period {
        return Ok(vec![f64::NAN; n]);
    }
    let bars = high[..n]
        .iter()
        .zip(&low[..n])
        .zip(&close[..n])
        .zip(&volume[..n]);
    Ok(bars
        .map(|(((&high, &low), &close), &volume)| {
            state.update(Hlcv {
                high,
                low,
                close,
                volume,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::bar_common::{assert_bits_eq, columns, sample_bars};
    use crate::indicators::run_streaming;

    #[test]
    fn positive_share_of_the_money_flow() {
        // Typical prices 10, 11, 10.5, 12 (h = l = c), volumes 1, 2, 4, 1.
        let p = [10.0, 11.0, 10.5, 12.0];
        let v = [1.0, 2.0, 4.0, 1.0];
        let out = mfi(&p, &p, &p, &v, 2).unwrap();
        assert!(out[..2].iter().all(|x| x.is_nan()));
        // Bar 2: +22, -42.
        assert_eq!(out[2], 100.0 * (22.0 / 64.0));
        // Bar 3: 22 leaves, +12 enters: +12 (after 22 - 22 + 12), -42.
        assert_eq!(out[3], 100.0 * (12.0 / 54.0));
    }

    #[test]
    fn no_movement_or_no_volume_gives_zero() {
        let flat = [5.0; 8];
        let v = [100.0; 8];
        assert!(mfi(&flat, &flat, &flat, &v, 3).unwrap()[3..]
            .iter()
            .all(|x| *x == 0.0));
        let [high, low, close, _] = columns(&sample_bars(40));
        let none = [0.0; 40];
        assert!(mfi(&high, &low, &close, &none, 5).unwrap()[5..]
            .iter()
            .all(|x| *x == 0.0));
    }

    #[test]
    fn small_quotes_and_volumes_are_not_zeroed() {
        let [high, low, close, volume] = columns(&sample_bars(60));
        let tiny = |v: &[f64]| v.iter().map(|x| x * 1e-9).collect::<Vec<_>>();
        let a = mfi(&high, &low, &close, &volume, 14).unwrap();
        let b = mfi(&tiny(&high), &tiny(&low), &tiny(&close), &tiny(&volume), 14).unwrap();
        assert!(a[14..]
            .iter()
            .zip(&b[14..])
            .all(|(x, y)| (x - y).abs() < 1e-9));
        assert!(b[14..].iter().all(|x| *x > 0.0 && *x < 100.0));
    }

    #[test]
    fn short_inputs_and_ranges() {
        let x = [1.0, 2.0, 3.0];
        assert!(mfi(&x, &x, &x, &x, 3).unwrap().iter().all(|v| v.is_nan()));
        assert_eq!(mfi(&x, &x, &x, &x[..2], 2).unwrap().len(), 2);
        assert!(mfi(&x, &x, &x, &x, 1).is_err());
        assert!(Mfi::new(100_001).is_err());
        assert_eq!(Mfi::new(14).unwrap().lookback(), 14);
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let bars = sample_bars(300);
        let [high, low, close, volume] = columns(&bars);
        for period in [2, 3, 14, 298, 299, 300] {
            let batch = mfi(&high, &low, &close, &volume, period).unwrap();
            let streamed = run_streaming(Mfi::new(period).unwrap(), bars.iter().copied());
            assert_bits_eq(&batch, &streamed, &format!("mfi({period})"));
        }
    }
}
