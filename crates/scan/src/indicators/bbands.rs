//! Bollinger Bands (TA-Lib `BBANDS` with its default moving average, the SMA).
//!
//! TA-Lib's SMA fast path runs two independent recurrences in one pass: the SMA's
//! running total (the middle band, `total / period`, stepped as our
//! [`SMA`](mod@super::sma)) and the shifted-sum population variance of [`mod@super::stddev`] (same rebuilds, same floor).
//! Then, per bar:
//!
//! * the deviation is `sqrt(variance)`, skipped (0) only where the variance is exactly 0;
//! * if `nbdev_up == nbdev_dn`: `t = dev * nbdev_up`, upper `= middle + t`,
//!   lower `= middle - t`;
//! * otherwise: upper `= fma(dev, nbdev_up, middle)` (one rounding) but lower
//!   `= middle - dev * nbdev_dn` (two roundings). The asymmetry is TA-Lib 0.8's, and it
//!   shows in the last bit, so it is reproduced.

use super::lanes::{Inputs, Lane, Lane4, Outputs};
use super::sma::window_step;
use super::stddev::{check_real, variance_block, variance_lanes, VarCore};
#[cfg(target_arch = "x86_64")]
use super::support::hardware_avx2_fma;
use super::support::{Window, BLOCK};
use super::{check_period, ParamError, Streaming, MAX_PERIOD};
use crate::columns::{named_columns, Columns};
use std::mem::MaybeUninit;

/// One bar's bands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BbandsValue {
    pub upper: f64,
    pub middle: f64,
    pub lower: f64,
}

named_columns!(
    /// Whole-column bands, one value per input bar.
    BbandsSeries { upper: 0, middle: 1, lower: 2 }
);

/// The band arithmetic of one bar (or one bar of each lane), in TA-Lib's order.
#[inline(always)]
fn bands<L: Lane>(variance: L, middle: L, up: f64, dn: f64) -> (L, L) {
    let zero = L::splat(0.0);
    let dev = variance.ne_or(zero, variance.sqrt(), zero);
    if up == dn {
        let t = dev * L::splat(up);
        (middle + t, middle - t)
    } else {
        (
            dev.mul_add(L::splat(up), middle),
            middle - dev * L::splat(dn),
        )
    }
}

fn check(period: usize, up: f64, dn: f64) -> Result<(usize, f64, f64), ParamError> {
    Ok((
        check_period(Bbands::NAME, "period", period, 2, MAX_PERIOD)?,
        check_real(Bbands::NAME, "nbdev_up", up)?,
        check_real(Bbands::NAME, "nbdev_dn", dn)?,
    ))
}

/// Streaming Bollinger Bands.
#[derive(Debug, Clone)]
pub struct Bbands {
    period: usize,
    nbdev_up: f64,
    nbdev_dn: f64,
    ma_total: f64,
    core: VarCore,
    window: Window,
}

impl Bbands {
    pub const NAME: &'static str = "bbands";

    pub fn new(period: usize, nbdev_up: f64, nbdev_dn: f64) -> Result<Self, ParamError> {
        let (period, nbdev_up, nbdev_dn) = check(period, nbdev_up, nbdev_dn)?;
        Ok(Bbands {
            period,
            nbdev_up,
            nbdev_dn,
            ma_total: 0.0,
            core: VarCore::new(period),
            window: Window::new(period),
        })
    }
}

impl Streaming for Bbands {
    type Input = f64;
    type Output = BbandsValue;

    #[inline]
    fn update(&mut self, x: f64) -> BbandsValue {
        let leaving = if self.window.is_full() {
            self.window.oldest()
        } else {
            0.0
        };
        self.window.push(x);
        self.ma_total = window_step(self.ma_total, x, leaving);
        if !self.window.is_full() {
            self.core.prime(x);
            return BbandsValue {
                upper: f64::NAN,
                middle: f64::NAN,
                lower: f64::NAN,
            };
        }
        let middle = self.ma_total / self.period as f64;
        let variance = self
            .core
            .step(x, self.window.oldest(), self.window.halves());
        let (upper, lower) = bands(variance, middle, self.nbdev_up, self.nbdev_dn);
        BbandsValue {
            upper,
            middle,
            lower,
        }
    }

    fn lookback(&self) -> usize {
        self.period - 1
    }
}

/// Bollinger Bands of `input`; the first `period - 1` bars are `NaN` in all three.
pub fn bbands(
    input: &[f64],
    period: usize,
    nbdev_up: f64,
    nbdev_dn: f64,
) -> Result<BbandsSeries, ParamError> {
    let (period, up, dn) = check(period, nbdev_up, nbdev_dn)?;
    let n = input.len();
    let fill_all = |slots: Slots| {
        if n < period {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if hardware_avx2_fma() {
            // SAFETY: the CPU was just checked to support these features.
            return unsafe { fill_avx2(input, period, up, dn, slots) };
        }
        fill(input, period, up, dn, slots)
    };
    // SAFETY: `fill` writes every slot whenever there are any (`n >= period`).
    Ok(BbandsSeries(unsafe {
        Columns::build(n, period - 1, fill_all)
    }))
}

/// The three output columns' slots after the lookback: upper, middle, lower.
type Slots<'a> = [&'a mut [MaybeUninit<f64>]; 3];

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fill_avx2(input: &[f64], period: usize, up: f64, dn: f64, slots: Slots) {
    fill(input, period, up, dn, slots)
}

/// The fused pass, writing all `input.len() - (period - 1)` slots of each column;
/// `input.len() >= period`.
///
/// Block by block: first the two recurrences (the SMA's running total and the
/// variance's sums), keeping each bar's total and variance in stack buffers; then the
/// division, square root and bands of the block, which are off those chains and
/// vectorise. Division and square root are the slowest instructions here; one at a time
/// they, not the recurrences, would bound the loop.
#[inline(always)]
fn fill(input: &[f64], period: usize, up: f64, dn: f64, [upper, middle, lower]: Slots) {
    let lookback = period - 1;
    let divisor = period as f64;
    let mut ma_total = 0.0;
    let mut core = VarCore::new(period);
    for &x in &input[..lookback] {
        ma_total += x;
        core.prime(x);
    }
    let (mut totals, mut variances) = ([0.0; BLOCK], [0.0; BLOCK]);
    // The value `period` bars before the current one: none for the first window.
    let mut leaving = 0.0;
    let blocks = upper
        .chunks_mut(BLOCK)
        .zip(middle.chunks_mut(BLOCK))
        .zip(lower.chunks_mut(BLOCK));
    for (b, ((upper, middle), lower)) in blocks.enumerate() {
        // The block's windows: as many as its slots (the three chunks are equally long).
        let start = b * BLOCK;
        let windows = input[start..start + upper.len() + lookback].windows(period);
        variance_block(&mut core, windows, &mut variances, |i, window| {
            ma_total = window_step(ma_total, window[lookback], leaving);
            totals[i] = ma_total;
            leaving = window[0];
        });
        let rows = upper
            .iter_mut()
            .zip(middle.iter_mut())
            .zip(lower.iter_mut())
            .zip(totals.iter().zip(&variances));
        for (((u, m), l), (&total, &variance)) in rows {
            let mid = total / divisor;
            let (hi, lo) = bands(variance, mid, up, dn);
            u.write(hi);
            m.write(mid);
            l.write(lo);
        }
    }
}

/// BBANDS of four series of equal length at once, into outputs already holding `NaN`;
/// each lane computes exactly what [`bbands`] does.
#[inline(always)]
pub(crate) fn bbands_lanes<L: Lane4>(
    x: Inputs,
    period: usize,
    up: f64,
    dn: f64,
    [mut upper, mut middle, mut lower]: [Outputs; 3],
) {
    if x.len() < period {
        return;
    }
    let lookback = period - 1;
    let divisor = L::splat(period as f64);
    let mut ma_total = L::splat(0.0);
    for i in 0..lookback {
        ma_total += x.at::<L>(i);
    }
    // Forced inline: out of line, the closure would lose the kernel's AVX2.
    variance_lanes::<L>(
        x,
        period,
        #[inline(always)]
        |i, variance| {
            let leaving = if i == lookback {
                L::splat(0.0)
            } else {
                x.at::<L>(i - period)
            };
            ma_total = window_step(ma_total, x.at::<L>(i), leaving);
            let mid = ma_total / divisor;
            let (hi, lo) = bands(variance, mid, up, dn);
            upper.set(i, hi);
            middle.set(i, mid);
            lower.set(i, lo);
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::support::AAPL_CLOSE;
    use crate::indicators::{run_streaming, sma, stddev};

    #[test]
    fn middle_is_the_sma_and_bands_the_scaled_deviation() {
        let input = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0, 9.0];
        let out = bbands(&input, 8, 2.0, 1.0).unwrap();
        assert!(out.upper()[..7].iter().all(|v| v.is_nan()));
        assert_eq!(out.middle()[7], 5.0);
        assert_eq!(out.upper()[7], 9.0);
        assert_eq!(out.lower()[7], 3.0);
        assert_eq!(out.middle()[7..], sma(&input, 8).unwrap()[7..]);
    }

    #[test]
    fn matches_talib_on_aapl() {
        let out = bbands(&AAPL_CLOSE, 10, 2.5, 1.5).unwrap();
        assert_eq!(
            (out.upper()[9], out.middle()[9], out.lower()[9]),
            (115.62744623057755, 109.88300094604492, 106.43633377532534)
        );
        assert_eq!(
            (out.upper()[39], out.middle()[39], out.lower()[39]),
            (132.06894485061864, 127.93199920654297, 125.44983182009757)
        );
        let out = bbands(&AAPL_CLOSE, 10, 2.0, 2.0).unwrap();
        assert_eq!(
            (out.upper()[9], out.lower()[9]),
            (114.47855717367102, 105.28744471841881)
        );
        assert_eq!(
            (out.upper()[39], out.lower()[39]),
            (131.2415557218035, 124.62244269128243)
        );
    }

    #[test]
    fn flat_series_collapses_the_bands() {
        let out = bbands(&[0.1; 300], 49, 2.0, 2.0).unwrap();
        for i in 48..300 {
            assert_eq!(out.upper()[i], out.middle()[i]);
            assert_eq!(out.lower()[i], out.middle()[i]);
        }
    }

    #[test]
    fn upper_band_is_fused_lower_band_is_not() {
        // Chosen so that fusing changes the last bit of the upper band.
        let input: Vec<f64> = (0..400)
            .map(|i| 100.0 + ((i * 7919) % 113) as f64 * 0.37)
            .collect();
        let out = bbands(&input, 20, 2.5, 1.5).unwrap();
        let dev = stddev(&input, 20, 1.0).unwrap();
        let mut fused_differs = false;
        for (i, &d) in dev.iter().enumerate().skip(19) {
            let mid = out.middle()[i];
            assert_eq!(out.upper()[i].to_bits(), d.mul_add(2.5, mid).to_bits());
            assert_eq!(out.lower()[i].to_bits(), (mid - d * 1.5).to_bits());
            fused_differs |= d.mul_add(2.5, mid) != mid + d * 2.5;
        }
        assert!(fused_differs);
    }

    #[test]
    fn short_input_is_all_nan() {
        let out = bbands(&[1.0, 2.0, 3.0], 4, 2.0, 2.0).unwrap();
        assert!(out
            .upper()
            .iter()
            .chain(out.middle())
            .chain(out.lower())
            .all(|v| v.is_nan()));
    }

    #[test]
    fn parameters_are_checked_as_in_talib() {
        assert_eq!(bbands(&[1.0], 1, 2.0, 2.0).unwrap_err().param, "period");
        assert!(bbands(&[1.0], 2, 3e37, -3e37).is_ok());
        assert_eq!(
            bbands(&[1.0], 5, 3.5e37, 2.0).unwrap_err().param,
            "nbdev_up"
        );
        assert_eq!(
            bbands(&[1.0], 5, 2.0, f64::NAN).unwrap_err().param,
            "nbdev_dn"
        );
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let mut input: Vec<f64> = (0..2500)
            .map(|i| ((i * 7919) % 113) as f64 * 0.37 + 1e-3)
            .collect();
        input[900] = 5e8;
        for (period, up, dn) in [
            (2, 2.0, 2.0),
            (5, 2.5, 1.5),
            (20, 1.0, 3.0),
            (64, -1.0, 0.5),
        ] {
            let batch = bbands(&input, period, up, dn).unwrap();
            let streamed =
                run_streaming(Bbands::new(period, up, dn).unwrap(), input.iter().copied());
            for (i, s) in streamed.iter().enumerate() {
                for (a, b) in [
                    (batch.upper()[i], s.upper),
                    (batch.middle()[i], s.middle),
                    (batch.lower()[i], s.lower),
                ] {
                    assert_eq!(a.to_bits(), b.to_bits(), "period {period}, bar {i}");
                }
            }
        }
    }
}
