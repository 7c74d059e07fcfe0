//! Rate of change in percent (TA-Lib `ROC`): `(x / x[period bars ago] - 1) * 100`.
//!
//! Written in that order (divide, subtract 1, scale) because TA-Lib does, rather than
//! `(x - prev) / prev * 100`, which rounds differently. Where the earlier value is
//! exactly zero TA-Lib outputs 0 instead of an infinity or `NaN`, and so do we.

use super::support::{column_in, Window};
use super::{check_period, ParamError, Streaming, MAX_PERIOD};

#[inline(always)]
fn rate(x: f64, prev: f64) -> f64 {
    if prev != 0.0 {
        (x / prev - 1.0) * 100.0
    } else {
        0.0
    }
}

/// Streaming ROC.
#[derive(Debug, Clone)]
pub struct Roc {
    window: Window,
}

impl Roc {
    pub const NAME: &'static str = "roc";

    pub fn new(period: usize) -> Result<Self, ParamError> {
        let period = check_period(Self::NAME, "period", period, 1, MAX_PERIOD)?;
        Ok(Roc {
            window: Window::new(period),
        })
    }
}

impl Streaming for Roc {
    type Input = f64;
    type Output = f64;

    #[inline]
    fn update(&mut self, x: f64) -> f64 {
        let out = if self.window.is_full() {
            rate(x, self.window.oldest())
        } else {
            f64::NAN
        };
        self.window.push(x);
        out
    }

    fn lookback(&self) -> usize {
        self.window.capacity()
    }
}

/// ROC of `input`; the first `period` outputs are `NaN`.
pub fn roc(input: &[f64], period: usize) -> Result<Vec<f64>, ParamError> {
    let period = check_period(Roc::NAME, "period", period, 1, MAX_PERIOD)?;
    Ok(roc_in(Vec::new(), input, period))
}

/// [`roc`] with a checked period, written into `room` (see `support::column_in`).
pub(crate) fn roc_in(room: Vec<f64>, input: &[f64], period: usize) -> Vec<f64> {
    let mut out = column_in(room, input.len(), period);
    if input.len() > period {
        out.extend(
            input[period..]
                .iter()
                .zip(input)
                .map(|(&x, &prev)| rate(x, prev)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::run_streaming;
    use crate::indicators::support::AAPL_CLOSE;

    #[test]
    fn percent_change_over_the_period() {
        let out = roc(&[50.0, 80.0, 100.0, 60.0], 2).unwrap();
        assert!(out[0].is_nan() && out[1].is_nan());
        assert_eq!(&out[2..], &[100.0, (60.0 / 80.0 - 1.0) * 100.0]);
    }

    #[test]
    fn matches_talib_on_aapl() {
        let out = roc(&AAPL_CLOSE, 10).unwrap();
        assert_eq!(
            (out[10], out[39]),
            (-0.1006870575300356, -5.7955633947452405)
        );
    }

    #[test]
    fn zero_base_gives_zero() {
        let out = roc(&[0.0, 5.0, -0.0, 7.0], 1).unwrap();
        assert_eq!(&out[1..], &[0.0, -100.0, 0.0]);
    }

    #[test]
    fn flat_series_is_zero() {
        assert!(roc(&[3.3; 20], 5).unwrap()[5..].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn short_input_is_all_nan() {
        assert!(roc(&[1.0, 2.0], 2).unwrap().iter().all(|v| v.is_nan()));
    }

    #[test]
    fn period_one_is_allowed_as_in_talib() {
        assert!(roc(&[1.0], 0).is_err());
        assert!(roc(&[1.0], 100_001).is_err());
        assert_eq!(roc(&[1.0, 1.5], 1).unwrap()[1], 50.0);
        assert_eq!(Roc::new(10).unwrap().lookback(), 10);
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let mut input: Vec<f64> = (0..500)
            .map(|i| ((i * 7919) % 113) as f64 * 0.37 - 3.0)
            .collect();
        input[40] = 0.0;
        for period in [1, 2, 10, 499, 500, 501] {
            let batch = roc(&input, period).unwrap();
            let streamed = run_streaming(Roc::new(period).unwrap(), input.iter().copied());
            for (a, b) in batch.iter().zip(&streamed) {
                assert_eq!(a.to_bits(), b.to_bits(), "period {period}");
            }
        }
    }
}
