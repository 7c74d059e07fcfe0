//! Exponential moving average (TA-Lib `EMA`, default compatibility mode).
//!
//! Seeded with the SMA of the first `period` values (as TA-Lib), then each step is
//! `ema = fma(ema, 1 - k, k * x)` with `k = 2 / (period + 1)`.
//!
//! TA-Lib 0.8 writes the step `fma(x - ema, k, ema)`: a subtraction then a fused
//! multiply-add on the chain from one average to the next, whose latency bounds the
//! whole series. Weighting the previous average by `1 - k` leaves one fused
//! multiply-add on that chain (`k * x` is computed beside it). Both are the same
//! average, rounded differently; the recurrence damps each rounding by `1 - k` per bar,
//! so they stay within about `period` units in the last place (docs/indicators.md).
//!
//! `f64::mul_add` is always the correctly rounded fused operation, in hardware or in
//! software, so the result does not depend on the CPU; the batch loop is compiled a
//! second time with the `fma` target feature and picked at run time only for speed.

use super::lanes::{Inputs, Lane, Lane4, Outputs};
use super::support::column;
use super::{check_period, ParamError, Streaming, MAX_PERIOD};

/// Streaming EMA.
#[derive(Debug, Clone)]
pub struct Ema {
    period: usize,
    k: f64,
    seen: usize,
    /// The running sum while seeding, then the current average.
    value: f64,
}

impl Ema {
    pub const NAME: &'static str = "ema";

    pub fn new(period: usize) -> Result<Self, ParamError> {
        let period = check_period(Self::NAME, "period", period, 1, MAX_PERIOD)?;
        Ok(Self::new_unchecked(period))
    }

    /// For composite indicators (MACD's signal line accepts period 1).
    pub(crate) fn new_unchecked(period: usize) -> Self {
        Ema {
            period,
            k: smoothing(period),
            seen: 0,
            value: 0.0,
        }
    }
}

/// TA-Lib's `PER_TO_K`.
#[inline]
pub(crate) fn smoothing(period: usize) -> f64 {
    2.0 / (period + 1) as f64
}

/// One EMA step: `fma(prev, 1 - k, k * x)`, one rounding on the chain through `prev`.
/// (`1 - k` is the same at every bar of a loop, which computes it once.)
#[inline(always)]
pub(crate) fn ema_step<L: Lane>(prev: L, x: L, k: L) -> L {
    prev.mul_add(L::splat(1.0) - k, x * k)
}

/// One EMA step in TA-Lib 0.8's own rounding: `fma(x - prev, k, prev)`.
///
/// For MACD, whose line is the difference of two EMAs of the same input: where they
/// nearly cancel (the MACD of a volume series of millions, say), a last-place
/// difference in either EMA is a large share of the line. With [`ema_step`] it reached
/// five times the 1e-9 parity bound on the shared dataset; in TA-Lib's order the line
/// is TA-Lib's, bit for bit.
#[inline(always)]
pub(crate) fn talib_ema_step<L: Lane>(prev: L, x: L, k: L) -> L {
    (x - prev).mul_add(k, prev)
}

/// Whether the CPU has a fused multiply-add instruction, so that loops built around
/// [`f64::mul_add`] can run a copy compiled with it instead of calling the C library's
/// `fma`. Both give the same, correctly rounded, result. (Other targets with `mul_add`
/// in hardware, such as aarch64, use it directly.)
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn hardware_fma() -> bool {
    std::arch::is_x86_feature_detected!("fma")
}

impl Streaming for Ema {
    type Input = f64;
    type Output = f64;

    #[inline]
    fn update(&mut self, x: f64) -> f64 {
        if self.seen >= self.period {
            self.value = ema_step(self.value, x, self.k);
            return self.value;
        }
        self.seen += 1;
        self.value += x;
        if self.seen < self.period {
            return f64::NAN;
        }
        self.value /= self.period as f64;
        self.value
    }

    fn lookback(&self) -> usize {
        self.period - 1
    }
}

/// EMA of `input`; the first `period - 1` outputs are `NaN`.
pub fn ema(input: &[f64], period: usize) -> Result<Vec<f64>, ParamError> {
    let period = check_period(Ema::NAME, "period", period, 1, MAX_PERIOD)?;
    Ok(ema_unchecked(input, period, smoothing(period)))
}

/// EMA with an explicit smoothing factor, seeded on the first `period` values.
pub(crate) fn ema_unchecked(input: &[f64], period: usize, k: f64) -> Vec<f64> {
    let mut out = column(input.len(), period - 1);
    if input.len() < period {
        return out;
    }
    #[cfg(target_arch = "x86_64")]
    if hardware_fma() {
        // SAFETY: the CPU was just checked to support the `fma` feature.
        unsafe { ema_fill_fma(input, period, k, &mut out) };
        return out;
    }
    ema_fill(input, period, k, &mut out);
    out
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
unsafe fn ema_fill_fma(input: &[f64], period: usize, k: f64, out: &mut Vec<f64>) {
    ema_fill(input, period, k, out)
}

/// Pushes the EMA from index `period - 1` on; `input.len() >= period`.
#[inline(always)]
fn ema_fill(input: &[f64], period: usize, k: f64, out: &mut Vec<f64>) {
    let mut value = input[..period].iter().fold(0.0, |sum, x| sum + x) / period as f64;
    out.push(value);
    out.extend(input[period..].iter().map(|&x| {
        value = ema_step(value, x, k);
        value
    }));
}

/// EMA of four series of equal length at once, into outputs already holding `NaN`;
/// each lane computes exactly what [`ema`] does.
#[inline(always)]
pub(crate) fn ema_lanes<L: Lane4>(x: Inputs, period: usize, [mut out]: [Outputs; 1]) {
    let len = x.len();
    if len < period {
        return;
    }
    let mut value = L::splat(0.0);
    for i in 0..period {
        value += x.at(i);
    }
    value /= L::splat(period as f64);
    out.set(period - 1, value);
    let k = L::splat(smoothing(period));
    // Exact chunks of the interleaved columns: no bounds check per bar.
    let count = len - period;
    let bars = x.bars(period, count).chunks_exact(4);
    for (slot, v) in out.bars(period, count).chunks_exact_mut(4).zip(bars) {
        value = ema_step(value, L::load(v), k);
        value.store(slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::run_streaming;
    use crate::indicators::support::AAPL_CLOSE;

    #[test]
    fn seeds_with_the_sma_then_smooths() {
        let out = ema(&[1.0, 2.0, 3.0, 6.0], 3).unwrap();
        assert!(out[0].is_nan() && out[1].is_nan());
        assert_eq!(out[2], 2.0);
        assert_eq!(out[3], 2.0 * 0.5 + 6.0 * 0.5);
    }

    #[test]
    fn steps_with_one_rounding_on_the_chain() {
        let out = ema(&[0.1, 0.1, 1.48], 2).unwrap();
        let k = 2.0 / 3.0;
        assert_eq!(out[2], 0.1f64.mul_add(1.0 - k, 1.48 * k));
        // TA-Lib 0.8's fma(x - prev, k, prev) rounds to the neighbouring value.
        assert_eq!(out[2], 1.02);
        assert_eq!((1.48f64 - 0.1).mul_add(k, 0.1), 1.0199999999999998);
    }

    #[test]
    fn matches_talib_on_aapl() {
        let out = ema(&AAPL_CLOSE, 12).unwrap();
        // The seed is TA-Lib's bit for bit, the smoothed values within a few units in
        // the last place.
        assert_eq!(out[11], 110.27333386739095);
        let talib = 127.19894957684075;
        assert!((out[39] - talib).abs() <= 1e-13 * talib, "{}", out[39]);
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let input: Vec<f64> = (0..400)
            .map(|i| ((i * 7919) % 113) as f64 * 0.37 + 1e-3)
            .collect();
        for period in [2, 3, 12, 26, 399, 400, 401] {
            let batch = ema(&input, period).unwrap();
            let streamed = run_streaming(Ema::new(period).unwrap(), input.iter().copied());
            for (a, b) in batch.iter().zip(&streamed) {
                assert_eq!(a.to_bits(), b.to_bits(), "period {period}");
            }
        }
    }
}
