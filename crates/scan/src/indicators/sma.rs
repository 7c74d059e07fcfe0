//! Simple moving average (TA-Lib `SMA`).
//!
//! A running total of the window, divided by the period. TA-Lib adds the newest value,
//! divides, then subtracts the value leaving the window: two dependent additions per
//! bar, whose latency bounds the whole series. We add the difference of the two values
//! instead ([`window_step`]), one addition on that chain. The totals are the same sums
//! rounded differently and agree with TA-Lib's within the parity bound
//! (docs/indicators.md). Period 1 is the input itself, as in TA-Lib.

use super::lanes::{Divisor, Inputs, Lane, Lane4, Outputs};
#[cfg(target_arch = "x86_64")]
use super::support::hardware_avx2_fma;
use super::support::{filled_column, BLOCK};
use super::{check_period, ParamError, Streaming, MAX_PERIOD};
use std::mem::MaybeUninit;

/// The window total's step from one bar to the next: `total + (entering - leaving)`,
/// the difference computed beside the chain. While the first window fills, `leaving` is
/// `0.0`, so the first total is the plain sum of the first `period` values.
#[inline(always)]
pub(crate) fn window_step<L: Lane>(total: L, entering: L, leaving: L) -> L {
    total + (entering - leaving)
}

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
        Ok(Sma {
            window: vec![0.0; period],
            total: SmaTotal::default(),
        })
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
        // Zero until the window is full, then the value `period` bars back.
        let leaving = std::mem::replace(&mut window[self.next], value);
        self.total = window_step(self.total, value, leaving);
        self.next += 1;
        if self.next == period {
            self.next = 0;
        }
        if self.seen + 1 < period {
            self.seen += 1;
            return f64::NAN;
        }
        if period == 1 {
            return value;
        }
        self.total / period as f64
    }
}

/// SMA of `input`; the first `period - 1` outputs are `NaN`.
pub fn sma(input: &[f64], period: usize) -> Result<Vec<f64>, ParamError> {
    let period = check_period(Sma::NAME, "period", period, 1, MAX_PERIOD)?;
    Ok(sma_unchecked(input, period))
}

pub(crate) fn sma_unchecked(input: &[f64], period: usize) -> Vec<f64> {
    if period == 1 {
        return input.to_vec();
    }
    let fill_all = |[slots]: [&mut [MaybeUninit<f64>]; 1]| {
        if input.len() < period {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if hardware_avx2_fma() {
            // SAFETY: the CPU was just checked to support these features.
            return unsafe { fill_avx2(input, period, slots) };
        }
        fill(input, period, slots)
    };
    // SAFETY: `fill` writes every slot whenever there are any (`len >= period`).
    unsafe { filled_column(input.len(), period - 1, fill_all) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fill_avx2(input: &[f64], period: usize, slots: &mut [MaybeUninit<f64>]) {
    fill(input, period, slots)
}

/// Writes all `input.len() - (period - 1)` slots; `input.len() >= period >= 2`.
///
/// Block by block ([`BLOCK`]): the totals' chain into a stack buffer, then the
/// divisions, slower than the chain's addition and off it, vectorised. The leaving
/// values come straight from the input instead of a ring buffer.
#[inline(always)]
fn fill(input: &[f64], period: usize, slots: &mut [MaybeUninit<f64>]) {
    let divisor = period as f64;
    // The first window's steps: nothing leaves (`x - 0.0` is `x`).
    let mut total = input[..period].iter().fold(0.0, |sum, &x| sum + x);
    slots[0].write(total / divisor);
    let mut totals = [0.0; BLOCK];
    // Slot `1 + i` takes `input[period + i]` in and `input[i]` out.
    let blocks = input[period..].chunks(BLOCK).zip(input.chunks(BLOCK));
    for (slots, (entering, leaving)) in slots[1..].chunks_mut(BLOCK).zip(blocks) {
        for (sum, (&x, &old)) in totals.iter_mut().zip(entering.iter().zip(leaving)) {
            total = window_step(total, x, old);
            *sum = total;
        }
        for (slot, &sum) in slots.iter_mut().zip(&totals) {
            slot.write(sum / divisor);
        }
    }
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
    if period == 1 {
        for i in 0..len {
            out.set(i, x.at::<L>(i));
        }
        return;
    }
    let divisor = Divisor::<L>::new(period);
    let mut total = L::splat(0.0);
    for i in 0..period {
        total += x.at(i);
    }
    out.set(lookback, divisor.divide(total));
    // Exact chunks of the interleaved columns: no bounds check per bar.
    let count = len - period;
    let bars = x.bars(period, count).chunks_exact(4);
    let leaving = x.bars(0, count).chunks_exact(4);
    for (slot, (v, leaving)) in out
        .bars(period, count)
        .chunks_exact_mut(4)
        .zip(bars.zip(leaving))
    {
        total = window_step(total, L::load(v), L::load(leaving));
        divisor.divide(total).store(slot);
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
