//! Standard deviation (TA-Lib `STDDEV`: `sqrt(VAR) * nbdev`, population variance).
//!
//! TA-Lib 0.8 no longer computes the variance as `E[x²] - E[x]²` over raw running sums
//! (which cancels catastrophically at price scale). Its `VAR` keeps the running sums of
//! the deviations from a *shift* near the window, `Σ(x - shift)` and `Σ(x - shift)²`,
//! and re-anchors them with a fresh two-pass over the window when they go stale:
//!
//! * the shift starts as the first value of the first window;
//! * after each output, once the leaving value is removed, the sums are rebuilt if the
//!   variance fell below `1e-6` of the mean squared deviation it came from, or the value
//!   that just left dwarfed the remaining sum of squares (`> 1e6` times), or `32 * period`
//!   bars have passed since the last rebuild;
//! * a rebuild re-anchors the shift at the window mean, recomputes the variance from the
//!   fresh sums, and zeroes it if it is below `1e-12` of the mean squared deviation (the
//!   only dead-zone left, scale-relative, so tiny prices keep their deviation).
//!
//! `VarCore` reproduces that operation for operation (it is shared with BBANDS), so the
//! square root taken here needs no guard: the variance is never negative.

use super::lanes::{Inputs, Lane4, Outputs};
#[cfg(target_arch = "x86_64")]
use super::support::hardware_avx2_fma;
use super::support::{filled_column, Window, BLOCK};
use super::{check_period, ParamError, Streaming, MAX_PERIOD};
use std::mem::MaybeUninit;
use std::slice::Windows;

/// TA-Lib's `TA_REAL_MIN`/`TA_REAL_MAX`, the range of its real-valued parameters.
pub(crate) const TA_REAL_MIN: f64 = -3e37;
pub(crate) const TA_REAL_MAX: f64 = 3e37;

/// Checks a real parameter against TA-Lib's range for it; `NaN` is refused, as TA-Lib
/// does. (TA-Lib also maps the exact value `-4e37`, its "default" marker, to the default;
/// that value is outside the range and refused here.)
pub(crate) fn check_real(
    indicator: &'static str,
    param: &'static str,
    value: f64,
) -> Result<f64, ParamError> {
    if (TA_REAL_MIN..=TA_REAL_MAX).contains(&value) {
        Ok(value)
    } else {
        Err(ParamError {
            indicator,
            param,
            value,
            min: TA_REAL_MIN,
            max: TA_REAL_MAX,
        })
    }
}

/// The running state of TA-Lib's shifted-sum variance over a window of `period` values.
///
/// Feed the first `period - 1` values to [`prime`](Self::prime), then each further
/// value to [`step`](Self::step) together with the value leaving the window and the
/// whole current window (only read when the sums are rebuilt).
#[derive(Debug, Clone)]
pub(crate) struct VarCore {
    period: usize,
    inv_period: f64,
    shift: f64,
    primed: usize,
    total1: f64,
    total2: f64,
    bars_since_reseed: usize,
}

impl VarCore {
    pub(crate) fn new(period: usize) -> Self {
        VarCore {
            period,
            inv_period: 1.0 / period as f64,
            shift: 0.0,
            primed: 0,
            total1: 0.0,
            total2: 0.0,
            bars_since_reseed: 32 * period,
        }
    }

    /// Adds one of the first `period - 1` values (`period >= 2`); the first one becomes
    /// the shift.
    #[inline(always)]
    pub(crate) fn prime(&mut self, x: f64) {
        if self.primed == 0 {
            self.shift = x;
        }
        self.primed += 1;
        let d = x - self.shift;
        self.total1 += d;
        self.total2 += d * d;
    }

    /// Adds `newest`, returns the variance of the window ending with it, and removes
    /// `oldest` (the window's first value). `window` is the whole window, oldest first,
    /// split in two slices (a ring buffer's halves; the second may be empty).
    #[inline(always)]
    pub(crate) fn step(&mut self, newest: f64, oldest: f64, window: (&[f64], &[f64])) -> f64 {
        match self.advance(newest, oldest) {
            Some(variance) => variance,
            None => self.reseed(window),
        }
    }

    /// [`step`](Self::step) without the rebuild: `None` where TA-Lib rebuilds the sums
    /// at this bar, and the caller must then call [`reseed`](Self::reseed) with the
    /// window for the bar's variance. Lets a batch loop keep the rebuild, a function
    /// call, out of its innermost loop: no vector register survives a call, so with a
    /// call in the loop the compiler keeps part of the running state on the stack.
    #[inline(always)]
    pub(crate) fn advance(&mut self, newest: f64, oldest: f64) -> Option<f64> {
        let d = newest - self.shift;
        self.total1 += d;
        self.total2 += d * d;
        let mean1 = self.total1 * self.inv_period;
        let variance = self.total2 * self.inv_period - mean1 * mean1;

        let d = oldest - self.shift;
        self.total1 -= d;
        let d2 = d * d;
        self.total2 -= d2;

        self.bars_since_reseed -= 1;
        if stale(variance, self.total2, d2, self.inv_period) || self.bars_since_reseed == 0 {
            return None;
        }
        Some(variance)
    }

    /// The rebuild after [`advance`](Self::advance) returned `None`; returns the
    /// variance of `window` (the same window as for `step`).
    #[inline(always)]
    pub(crate) fn reseed(&mut self, window: (&[f64], &[f64])) -> f64 {
        self.bars_since_reseed = 32 * self.period;
        let (shift, total1, total2, variance) = rebuild(self.inv_period, window);
        self.shift = shift;
        self.total1 = total1;
        self.total2 = total2;
        variance
    }
}

/// TA-Lib's test for sums gone stale after a bar: the variance fell below `1e-6` of the
/// mean squared deviation, or the value that just left (`d2`, its squared deviation)
/// dwarfed the remaining sum of squares.
#[inline(always)]
fn stale(variance: f64, total2: f64, d2: f64, inv_period: f64) -> bool {
    variance < COLLAPSED * (total2 * inv_period) || d2 > DWARFED * total2
}

const COLLAPSED: f64 = 0.000001;
const DWARFED: f64 = 1000000.0;

/// Re-anchors the shift at the window mean and rebuilds the sums with a two-pass over
/// the window; returns the new shift, the sums with the window's first value removed
/// again (so the carried state matches the ordinary path), and the window's variance.
///
/// A free function rather than a method so that the hot loop's state never has its
/// address taken and stays in registers.
#[cold]
#[inline(never)]
fn rebuild(inv_period: f64, (a, b): (&[f64], &[f64])) -> (f64, f64, f64, f64) {
    let mut sum = 0.0;
    for &x in a.iter().chain(b) {
        sum += x;
    }
    let shift = sum * inv_period;
    let (mut total1, mut total2) = (0.0, 0.0);
    for &x in a.iter().chain(b) {
        let d = x - shift;
        total1 += d;
        total2 += d * d;
    }
    let mean1 = total1 * inv_period;
    let mut variance = total2 * inv_period - mean1 * mean1;
    if variance < 0.000000000001 * (total2 * inv_period) {
        variance = 0.0;
    }
    let first = if a.is_empty() { b[0] } else { a[0] };
    let d = first - shift;
    total1 -= d;
    total2 -= d * d;
    (shift, total1, total2, variance)
}

/// Streaming STDDEV.
#[derive(Debug, Clone)]
pub struct Stddev {
    nbdev: f64,
    core: VarCore,
    window: Window,
}

impl Stddev {
    pub const NAME: &'static str = "stddev";

    pub fn new(period: usize, nbdev: f64) -> Result<Self, ParamError> {
        let period = check_period(Self::NAME, "period", period, 2, MAX_PERIOD)?;
        let nbdev = check_real(Self::NAME, "nbdev", nbdev)?;
        Ok(Stddev {
            nbdev,
            core: VarCore::new(period),
            window: Window::new(period),
        })
    }
}

impl Streaming for Stddev {
    type Input = f64;
    type Output = f64;

    #[inline]
    fn update(&mut self, x: f64) -> f64 {
        self.window.push(x);
        if !self.window.is_full() {
            self.core.prime(x);
            return f64::NAN;
        }
        let variance = self
            .core
            .step(x, self.window.oldest(), self.window.halves());
        variance.sqrt() * self.nbdev
    }

    fn lookback(&self) -> usize {
        self.core.period - 1
    }
}

/// STDDEV of `input` (population), times `nbdev`; the first `period - 1` outputs are
/// `NaN`. TA-Lib skips the multiplication when `nbdev == 1`, which is the same number.
pub fn stddev(input: &[f64], period: usize, nbdev: f64) -> Result<Vec<f64>, ParamError> {
    let period = check_period(Stddev::NAME, "period", period, 2, MAX_PERIOD)?;
    let nbdev = check_real(Stddev::NAME, "nbdev", nbdev)?;
    let fill_all = |[slots]: [&mut [MaybeUninit<f64>]; 1]| {
        if input.len() < period {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if hardware_avx2_fma() {
            // SAFETY: the CPU was just checked to support these features.
            return unsafe { fill_avx2(input, period, nbdev, slots) };
        }
        fill(input, period, nbdev, slots)
    };
    // SAFETY: `fill` writes every slot whenever there are any (`len >= period`).
    Ok(unsafe { filled_column(input.len(), period - 1, fill_all) })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fill_avx2(input: &[f64], period: usize, nbdev: f64, slots: &mut [MaybeUninit<f64>]) {
    fill(input, period, nbdev, slots)
}

/// Writes all `input.len() - (period - 1)` slots; `input.len() >= period`.
///
/// Block by block: the variance recurrence into a stack buffer, then the square roots
/// (the slowest instruction here, and off the recurrence's chain) vectorised.
#[inline(always)]
fn fill(input: &[f64], period: usize, nbdev: f64, slots: &mut [MaybeUninit<f64>]) {
    let lookback = period - 1;
    let mut core = VarCore::new(period);
    for &x in &input[..lookback] {
        core.prime(x);
    }
    let mut variances = [0.0; BLOCK];
    for (b, slots) in slots.chunks_mut(BLOCK).enumerate() {
        // The block's windows: as many as its slots.
        let start = b * BLOCK;
        let windows = input[start..start + slots.len() + lookback].windows(period);
        variance_block(&mut core, windows, &mut variances, |_, _| {});
        for (slot, &v) in slots.iter_mut().zip(&variances) {
            slot.write(v.sqrt() * nbdev);
        }
    }
}

/// Steps `core` through `windows` (at most [`BLOCK`]), the variances into `out`, and
/// calls `also(i, window)` for each bar `i` of the block (BBANDS runs its SMA there, so
/// that both recurrences overlap in one loop).
///
/// The inner loop stops at the (rare) bars where the sums are rebuilt; the rebuild runs
/// in the outer loop, so the inner one has no function call and keeps the running sums
/// in registers.
#[inline(always)]
pub(crate) fn variance_block(
    core: &mut VarCore,
    windows: Windows<f64>,
    out: &mut [f64],
    mut also: impl FnMut(usize, &[f64]),
) {
    let mut rows = out.iter_mut().zip(windows).enumerate();
    loop {
        let mut rebuild_at = None;
        for (i, (v, window)) in rows.by_ref() {
            also(i, window);
            match core.advance(window[window.len() - 1], window[0]) {
                Some(variance) => *v = variance,
                None => {
                    rebuild_at = Some((v, window));
                    break;
                }
            }
        }
        match rebuild_at {
            Some((v, window)) => *v = core.reseed((window, &[])),
            None => return,
        }
    }
}

/// [`VarCore`] over four series of equal length at once, one per lane: calls
/// `emit(bar, variance)` for every bar from `period - 1` on, in order. Each lane runs
/// exactly the scalar core's operations; a lane whose sums need a rebuild at a bar gets
/// the scalar rebuild over its own window there, as the scalar loop would.
#[inline(always)]
pub(crate) fn variance_lanes<L: Lane4>(x: Inputs, period: usize, mut emit: impl FnMut(usize, L)) {
    let len = x.len();
    if len < period {
        return;
    }
    let lookback = period - 1;
    let inv_period = 1.0 / period as f64;
    let inv = L::splat(inv_period);
    // `prime`: the first value becomes the shift.
    let mut shift = x.at::<L>(0);
    let (mut total1, mut total2) = (L::splat(0.0), L::splat(0.0));
    for i in 0..lookback {
        let d = x.at::<L>(i) - shift;
        total1 += d;
        total2 += d * d;
    }
    // The bar at which each lane's `bars_since_reseed` reaches zero.
    let reseed_every = 32 * period;
    let mut forced = [lookback + reseed_every - 1; 4];
    let mut next_forced = forced[0];
    let (collapsed, dwarfed) = (L::splat(COLLAPSED), L::splat(DWARFED));
    let count = len - lookback;
    let bars = x.bars(lookback, count).chunks_exact(4);
    let leaving = x.bars(0, count).chunks_exact(4);
    for (k, (newest, oldest)) in bars.zip(leaving).enumerate() {
        let i = lookback + k;
        let d = L::load(newest) - shift;
        total1 += d;
        total2 += d * d;
        let mean1 = total1 * inv;
        let mut variance = total2 * inv - mean1 * mean1;
        let d = L::load(oldest) - shift;
        total1 -= d;
        let d2 = d * d;
        total2 -= d2;
        if variance.any_lt(collapsed * (total2 * inv))
            || (dwarfed * total2).any_lt(d2)
            || i == next_forced
        {
            // Plain stores and loads: through `array::map` they went out of line.
            let mut lanes = [[0.0; 4]; 5];
            for (lane, v) in lanes.iter_mut().zip([shift, total1, total2, variance, d2]) {
                v.store(lane);
            }
            let [shift_l, total1_l, total2_l, variance_l, d2_l] = &mut lanes;
            for l in 0..4 {
                if stale(variance_l[l], total2_l[l], d2_l[l], inv_period) || i == forced[l] {
                    let window: Vec<f64> = (i - lookback..=i).map(|j| x.bars(j, 1)[l]).collect();
                    let (s, t1, t2, v) = rebuild(inv_period, (&window, &[]));
                    (shift_l[l], total1_l[l], total2_l[l], variance_l[l]) = (s, t1, t2, v);
                    forced[l] = i + reseed_every;
                }
            }
            next_forced = forced.into_iter().min().unwrap_or(usize::MAX);
            shift = L::load(shift_l);
            total1 = L::load(total1_l);
            total2 = L::load(total2_l);
            variance = L::load(variance_l);
        }
        emit(i, variance);
    }
}

/// STDDEV of four series of equal length at once, into an output already holding
/// `NaN`; each lane computes exactly what [`stddev`] does.
#[inline(always)]
pub(crate) fn stddev_lanes<L: Lane4>(
    x: Inputs,
    period: usize,
    nbdev: f64,
    [mut out]: [Outputs; 1],
) {
    let nbdev = L::splat(nbdev);
    // Forced inline: out of line, the closure would lose the kernel's AVX2.
    variance_lanes::<L>(
        x,
        period,
        #[inline(always)]
        |i, variance| out.set(i, variance.sqrt() * nbdev),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::run_streaming;
    use crate::indicators::support::AAPL_CLOSE;

    fn wiggly(n: usize, level: f64) -> Vec<f64> {
        (0..n)
            .map(|i| level + ((i * 7919) % 113) as f64 * 0.37 + ((i * 31) % 7) as f64 * 1e-3)
            .collect()
    }

    #[test]
    fn population_deviation_of_small_windows() {
        let out = stddev(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], 8, 1.0).unwrap();
        assert!(out[..7].iter().all(|v| v.is_nan()));
        assert_eq!(out[7], 2.0);
        let out = stddev(&[1.0, 3.0, 1.0], 2, 2.0).unwrap();
        assert!(out[0].is_nan());
        assert_eq!(&out[1..], &[2.0, 2.0]);
    }

    #[test]
    fn matches_talib_on_aapl() {
        let out = stddev(&AAPL_CLOSE, 10, 1.5).unwrap();
        assert_eq!((out[9], out[39]), (3.4466671707195777, 2.482167386445402));
    }

    #[test]
    fn flat_series_has_zero_deviation() {
        // 0.1 over 49 bars: the re-anchored shift is not exactly 0.1 and the raw
        // difference is a tiny ±1e-49; TA-Lib's scale-relative floor turns it into 0.
        let out = stddev(&[0.1; 2000], 49, 1.0).unwrap();
        assert!(out[48..].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn tiny_prices_keep_their_deviation() {
        // TA-Lib < 0.8 zeroed any variance under 1e-14 (a deviation under 1e-7).
        let out = stddev(&[1e-9, 2e-9, 1e-9, 2e-9], 2, 1.0).unwrap();
        assert!(out[1..].iter().all(|&v| (v - 0.5e-9).abs() < 1e-24));
    }

    #[test]
    fn short_input_is_all_nan() {
        assert!(stddev(&[1.0, 2.0], 3, 1.0)
            .unwrap()
            .iter()
            .all(|v| v.is_nan()));
        assert!(stddev(&[], 3, 1.0).unwrap().is_empty());
    }

    #[test]
    fn parameters_are_checked_as_in_talib() {
        assert!(stddev(&[1.0], 1, 1.0).is_err());
        assert!(stddev(&[1.0], 100_001, 1.0).is_err());
        assert!(stddev(&[1.0], 2, 3e37).is_ok());
        assert!(stddev(&[1.0], 2, -3e37).is_ok());
        assert!(stddev(&[1.0], 2, 3.1e37).is_err());
        assert!(stddev(&[1.0], 2, f64::NAN).is_err());
        let err = Stddev::new(5, f64::INFINITY).unwrap_err();
        assert_eq!((err.param, err.min, err.max), ("nbdev", -3e37, 3e37));
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        // Long enough for the periodic (32 * period) rebuilds, with an outlier leaving
        // the window (the other rebuild trigger) and a flat stretch.
        let mut input = wiggly(3000, 1000.0);
        input[700] = 1e9;
        for x in &mut input[1500..1700] {
            *x = 0.1;
        }
        for (period, nbdev) in [(2, 1.0), (3, 2.0), (14, -0.5), (49, 1.0), (300, 1.5)] {
            let batch = stddev(&input, period, nbdev).unwrap();
            let streamed =
                run_streaming(Stddev::new(period, nbdev).unwrap(), input.iter().copied());
            assert_eq!(batch.len(), streamed.len());
            for (a, b) in batch.iter().zip(&streamed) {
                assert_eq!(a.to_bits(), b.to_bits(), "period {period}");
            }
        }
        for period in [2999, 3000, 3001] {
            let batch = stddev(&input, period, 1.0).unwrap();
            let streamed = run_streaming(Stddev::new(period, 1.0).unwrap(), input.iter().copied());
            for (a, b) in batch.iter().zip(&streamed) {
                assert_eq!(a.to_bits(), b.to_bits(), "period {period}");
            }
        }
    }
}
