//! Williams' %R (TA-Lib `WILLR`).
//!
//! `((highest - close) / (highest - lowest)) * -100` over the last `period` bars, in
//! that order: the wheel's TA-Lib 0.8.1 divides by the range itself and scales after
//! (older releases divided by `range / -100`, which rounds differently), then clamps
//! the result into [-100, 0] — unlike STOCH, a close outside its window's range is
//! pinned to the bound. A flat window gives 0; as in STOCH, "flat" means the range is
//! within `1e-14 * (|highest| + |lowest|)` (measured on the wheel: 167 ulps of range
//! at 1e9 is flat, 168 is not).

use super::bar_common::{common_len, zero_if_scaled_zero};
use super::lanes::{Inputs, Lane, Lane4, Outputs};
use super::support::column;
#[cfg(target_arch = "x86_64")]
use super::support::hardware_avx2_fma;
use super::window_range::{for_each_window_block, for_each_window_block_lanes, WindowRange};
use super::{check_period, Hlcv, ParamError, Streaming, MAX_PERIOD};

#[inline(always)]
fn williams_r<L: Lane>(close: L, highest: L, lowest: L) -> L {
    let range = highest - lowest;
    let value = ((highest - close) / range) * L::splat(-100.0);
    // `clamp(-100.0, 0.0)` as `f64::clamp` does it: the minimum first, NaN kept.
    let (min, max) = (L::splat(-100.0), L::splat(0.0));
    let value = min.max_gt(value);
    let value = max.min_lt(value);
    zero_if_scaled_zero(range, highest.abs() + lowest.abs(), value)
}

/// Streaming Williams' %R; volume is ignored. Lookback `period - 1`.
#[derive(Debug, Clone)]
pub struct Willr {
    window: WindowRange,
    period: usize,
}

impl Willr {
    pub const NAME: &'static str = "willr";

    pub fn new(period: usize) -> Result<Self, ParamError> {
        let period = check_period(Self::NAME, "period", period, 2, MAX_PERIOD)?;
        Ok(Willr {
            window: WindowRange::new(period),
            period,
        })
    }
}

impl Streaming for Willr {
    type Input = Hlcv;
    type Output = f64;

    #[inline]
    fn update(&mut self, bar: Hlcv) -> f64 {
        match self.window.push(bar.high, bar.low) {
            Some((hh, ll)) => williams_r(bar.close, hh, ll),
            None => f64::NAN,
        }
    }

    fn lookback(&self) -> usize {
        self.period - 1
    }
}

/// Williams' %R of the bars; the first `period - 1` outputs are `NaN`.
pub fn willr(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
) -> Result<Vec<f64>, ParamError> {
    let period = check_period(Willr::NAME, "period", period, 2, MAX_PERIOD)?;
    #[cfg(target_arch = "x86_64")]
    if hardware_avx2_fma() {
        // SAFETY: the CPU was just checked to support AVX2 and FMA.
        return Ok(unsafe { willr_columns_avx2(high, low, close, period) });
    }
    Ok(willr_columns(high, low, close, period))
}

/// [`willr_columns`] compiled with AVX2, so that its per-window pass runs four
/// windows per instruction.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn willr_columns_avx2(high: &[f64], low: &[f64], close: &[f64], period: usize) -> Vec<f64> {
    willr_columns(high, low, close, period)
}

/// The batch loop, in two passes per block of windows: the window scan finds the
/// block's extremes, then the formula runs over the whole block. The formula's
/// division is independent from window to window, so the compiler vectorises that
/// pass, where interleaved with the scan it was one scalar division per bar. The
/// values are the same: IEEE division is correctly rounded in every lane width, and
/// the selects compare as the scalar code does.
#[inline(always)]
fn willr_columns(high: &[f64], low: &[f64], close: &[f64], period: usize) -> Vec<f64> {
    let n = common_len(&[high, low, close]);
    let mut out = column(n, period - 1);
    for_each_window_block(high, low, n, period, |first, highest, lowest| {
        let closes = &close[first..first + highest.len()];
        let slots = &mut out.spare_capacity_mut()[..highest.len()];
        let windows = closes.iter().zip(highest).zip(lowest);
        for (slot, ((&close, &hh), &ll)) in slots.iter_mut().zip(windows) {
            slot.write(williams_r(close, hh, ll));
        }
        // SAFETY: the loop initialised the `highest.len()` slots after the current
        // length (`first`: the blocks come in order, after the `period - 1` NaNs), and
        // the capacity is `n`, past the block's last window.
        unsafe { out.set_len(first + highest.len()) };
    });
    out
}

/// WILLR of four series of equal length at once, into outputs already holding `NaN`;
/// each lane computes exactly what [`willr`] does.
#[inline(always)]
pub(crate) fn willr_lanes<L: Lane4>(
    [high, low, close]: [Inputs; 3],
    period: usize,
    [mut out]: [Outputs; 1],
) {
    for_each_window_block_lanes::<L>(
        high,
        low,
        period,
        #[inline(always)]
        |first, highest, lowest| {
            let count = highest.len();
            let closes = close.bars(first, count).chunks_exact(4);
            let windows = closes.zip(highest).zip(lowest);
            for (slot, ((close, &hh), &ll)) in
                out.bars(first, count).chunks_exact_mut(4).zip(windows)
            {
                williams_r(L::load(close), hh, ll).store(slot);
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::bar_common::{assert_bits_eq, columns, sample_bars};
    use crate::indicators::run_streaming;

    #[test]
    fn distance_from_the_high_in_percent_of_the_range() {
        let high = [10.0, 12.0, 11.0];
        let low = [8.0, 9.0, 10.0];
        let close = [9.0, 12.0, 10.5];
        let out = willr(&high, &low, &close, 2).unwrap();
        assert!(out[0].is_nan());
        assert_eq!(out[1], 0.0);
        assert_eq!(out[2], ((12.0 - 10.5) / 3.0) * -100.0);
        assert_eq!(out[2], -50.0);
    }

    #[test]
    fn clamped_into_minus_100_to_0() {
        // Closes below and above the window's range.
        let high = [10.0, 10.0, 10.0];
        let low = [8.0, 8.0, 8.0];
        let out = willr(&high, &low, &[9.0, 7.0, 12.0], 2).unwrap();
        assert_eq!(&out[1..], &[-100.0, 0.0]);
    }

    #[test]
    fn flat_windows_give_zero() {
        let flat = [3.5; 6];
        assert!(willr(&flat, &flat, &flat, 3).unwrap()[2..]
            .iter()
            .all(|v| *v == 0.0));
        let high = [1e9 + 1.2e-7; 4];
        let low = [1e9; 4];
        assert!(willr(&high, &low, &low, 2).unwrap()[1..]
            .iter()
            .all(|v| *v == 0.0));
    }

    #[test]
    fn short_inputs_and_ranges() {
        let x = [1.0, 2.0];
        assert!(willr(&x, &x, &x, 3).unwrap().iter().all(|v| v.is_nan()));
        assert_eq!(willr(&x, &x, &x[..1], 2).unwrap().len(), 1);
        assert!(willr(&x, &x, &x, 1).is_err());
        assert!(Willr::new(100_001).is_err());
        assert_eq!(Willr::new(14).unwrap().lookback(), 13);
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let bars = sample_bars(300);
        let [high, low, close, _] = columns(&bars);
        for period in [2, 3, 14, 150, 299, 300, 301] {
            let batch = willr(&high, &low, &close, period).unwrap();
            let streamed = run_streaming(Willr::new(period).unwrap(), bars.iter().copied());
            assert_bits_eq(&batch, &streamed, &format!("willr({period})"));
        }
    }
}
