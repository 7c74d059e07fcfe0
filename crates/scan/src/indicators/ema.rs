//! Exponential moving average (TA-Lib `EMA`, default compatibility mode).
//!
//! Seeded with the SMA of the first `period` values, then
//! `ema = (x - ema) * k + ema` with `k = 2 / (period + 1)`, written in exactly that
//! form because TA-Lib does and the rounding differs from `k*x + (1-k)*ema`.

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
        let period = check_period(Self::NAME, "period", period, 2, MAX_PERIOD)?;
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

impl Streaming for Ema {
    type Input = f64;
    type Output = f64;

    #[inline]
    fn update(&mut self, x: f64) -> f64 {
        if self.seen >= self.period {
            self.value = (x - self.value) * self.k + self.value;
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
    let period = check_period(Ema::NAME, "period", period, 2, MAX_PERIOD)?;
    Ok(ema_unchecked(input, period, smoothing(period)))
}

/// EMA with an explicit smoothing factor, seeded on the first `period` values.
pub(crate) fn ema_unchecked(input: &[f64], period: usize, k: f64) -> Vec<f64> {
    let mut out = vec![f64::NAN; input.len()];
    if input.len() < period {
        return out;
    }
    let mut value = input[..period].iter().fold(0.0, |sum, x| sum + x) / period as f64;
    out[period - 1] = value;
    for i in period..input.len() {
        value = (input[i] - value) * k + value;
        out[i] = value;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::run_streaming;

    #[test]
    fn seeds_with_the_sma_then_smooths() {
        let out = ema(&[1.0, 2.0, 3.0, 6.0], 3).unwrap();
        assert!(out[0].is_nan() && out[1].is_nan());
        assert_eq!(out[2], 2.0);
        assert_eq!(out[3], (6.0 - 2.0) * 0.5 + 2.0);
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
