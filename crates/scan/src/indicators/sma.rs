//! Simple moving average (TA-Lib `SMA`).
//!
//! TA-Lib keeps a running total: add the newest value, divide, then subtract the value
//! leaving the window. Doing the same additions in the same order is what makes our
//! output identical to TA-Lib's rather than merely close.

use super::lanes::{Divisor, Inputs, Lane4, Outputs};
use super::support::filled_column;
use super::{check_period, ParamError, Streaming, MAX_PERIOD};

/// Streaming SMA over a window of `period` values.
#[derive(Debug, Clone)]
pub struct Sma {
    window: Vec<f64>,
    total: SmaTotal,
}

impl Sma {
    pub const NAME: &'static str = "sma";

    pub fn new(period: usize) -> Result<Self, ParamError> {
        let period = check_period(Self::NAME, "period", period, 1, MAX_PERIOD)?;
        Ok(Self::new_unchecked(period))
    }

    /// For composite indicators whose own checks already bound the period (≥ 1).
    pub(crate) fn new_unchecked(period: usize) -> Self {
        Sma {
            window: vec![0.0; period],
            total: SmaTotal::default(),
        }
    }
}

impl Streaming for Sma {
    type Input = f64;
    type Output = f64;

    #[inline]
    fn update(&mut self, value: f64) -> f64 {
        self.total.update(&mut self.window, value)
    }

    fn lookback(&self) -> usize {
        self.window.len() - 1
    }
}

/// The streaming SMA's running total, apart from its window of the last `period`
/// values, which the caller keeps: a market stream keeps the windows of all of a
/// symbol's steps in one block, beside the rest of its state.
#[derive(Debug, Clone, Default)]
pub struct SmaTotal {
    /// Index in the window of the next write; once full, also the oldest value.
    next: usize,
    seen: usize,
    total: f64,
}

impl SmaTotal {
    /// Takes the next value; `window` (of `period` values, zero at first) must be the
    /// same one at every call.
    #[inline]
    pub fn update(&mut self, window: &mut [f64], value: f64) -> f64 {
        let period = window.len();
        self.total += value;
        window[self.next] = value;
        self.next += 1;
        if self.next == period {
            self.next = 0;
        }
        if self.seen + 1 < period {
            self.seen += 1;
            return f64::NAN;
        }
        let out = self.total / period as f64;
        self.total -= window[self.next];
        out
    }
}

/// SMA of `input`; the first `period - 1` outputs are `NaN`.
pub fn sma(input: &[f64], period: usize) -> Result<Vec<f64>, ParamError> {
    let period = check_period(Sma::NAME, "period", period, 1, MAX_PERIOD)?;
    Ok(sma_unchecked(input, period))
}

/// The batch loop reads the leaving value straight from the input instead of a ring
/// buffer; the arithmetic is the streaming state's, operation for operation. Its speed
/// is bounded by the two dependent additions per bar (the order TA-Lib rounds in), so
/// the loop carries nothing else: the zip has no bounds checks, the output no capacity
/// checks, and the division is off the chain.
pub(crate) fn sma_unchecked(input: &[f64], period: usize) -> Vec<f64> {
    let lookback = period - 1;
    // SAFETY: when `input.len() >= period` the zip runs over all `len - lookback` slots
    // (`input[lookback..]` has that many values, `input` more); otherwise there are none.
    let out = unsafe {
        filled_column(input.len(), lookback, |[slots]| {
            if input.len() < period {
                return;
            }
            let divisor = period as f64;
            let mut total = input[..lookback].iter().fold(0.0, |sum, x| sum + x);
            for ((slot, &x), &leaving) in slots.iter_mut().zip(&input[lookback..]).zip(input) {
                total += x;
                slot.write(total / divisor);
                total -= leaving;
            }
        })
    };
    out
}

/// SMA of four series of equal length at once, into outputs already holding `NaN`;
/// each lane computes exactly what [`sma`] does.
#[inline(always)]
pub(crate) fn sma_lanes<L: Lane4>(x: Inputs, period: usize, [mut out]: [Outputs; 1]) {
    let len = x.len();
    if len < period {
        return;
    }
    let lookback = period - 1;
    let divisor = Divisor::<L>::new(period);
    let mut total = L::splat(0.0);
    for i in 0..lookback {
        total += x.at(i);
    }
    // Exact chunks of the interleaved columns: no bounds check per bar.
    let count = len - lookback;
    let bars = x.bars(lookback, count).chunks_exact(4);
    let leaving = x.bars(0, count).chunks_exact(4);
    for (slot, (v, leaving)) in out
        .bars(lookback, count)
        .chunks_exact_mut(4)
        .zip(bars.zip(leaving))
    {
        total += L::load(v);
        divisor.divide(total).store(slot);
        total -= L::load(leaving);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::run_streaming;

    #[test]
    fn averages_the_window() {
        let out = sma(&[1.0, 2.0, 3.0, 4.0, 5.0], 3).unwrap();
        assert!(out[0].is_nan() && out[1].is_nan());
        assert_eq!(&out[2..], &[2.0, 3.0, 4.0]);
    }

    #[test]
    fn period_one_is_the_input_and_zero_is_refused() {
        let input = [1.5, 2.25, 0.1];
        assert_eq!(sma(&input, 1).unwrap(), input);
        let err = sma(&input, 0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "sma: period must be between 1 and 100000, got 0"
        );
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let input: Vec<f64> = (0..500)
            .map(|i| ((i * 7919) % 113) as f64 * 0.37 + 1e-3)
            .collect();
        for period in [2, 3, 14, 200, 499, 500, 501] {
            let batch = sma(&input, period).unwrap();
            let streamed = run_streaming(Sma::new(period).unwrap(), input.iter().copied());
            assert_eq!(batch.len(), streamed.len());
            for (a, b) in batch.iter().zip(&streamed) {
                assert_eq!(a.to_bits(), b.to_bits(), "period {period}");
            }
        }
    }
}
