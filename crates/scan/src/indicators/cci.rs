//! Commodity channel index (TA-Lib `CCI`).
//!
//! Typical price `(high + low + close) / 3`; over the last `period` of them, the mean
//! and the mean absolute deviation from it; `CCI = (tp - mean) / (0.015 * deviation)`.
//!
//! TA-Lib keeps the typical prices in a circular buffer and recomputes both sums from
//! scratch each bar (no running total, so no drift), adding the buffer **in slot
//! order**, not oldest-first: slot `bar % period` holds each bar, so the sum starts at
//! whichever bar of the window sits in slot 0. Floating-point addition is not
//! associative, so we keep the same buffer and the same order. The deviation sum is
//! divided by `period` before the `0.015` is applied.
//!
//! TA-Lib 0.8.1 answers 0 when either the numerator or the deviation is "zero"
//! relative to the window's own level: within `1e-14 * |mean|`. That absorbs the
//! rounding residue of a window of identical prices without zeroing tiny quotes.

use super::bar_common::{common_len, typical_price, zero_if_scaled_zero};
use super::lanes::{Inputs, Lane, Lane4, Outputs};
use super::{check_period, Hlcv, ParamError, Streaming, MAX_PERIOD};

/// The circular buffer of typical prices and the per-bar computation over it.
#[derive(Debug, Clone)]
struct CciCore {
    ring: Vec<f64>,
    /// Slot the next typical price goes to.
    slot: usize,
    seen: usize,
}

impl CciCore {
    fn new(period: usize) -> Self {
        CciCore {
            ring: vec![0.0; period],
            slot: 0,
            seen: 0,
        }
    }

    #[inline(always)]
    fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        let period = self.ring.len();
        let typical = typical_price(high, low, close);
        self.ring[self.slot] = typical;
        self.slot += 1;
        if self.slot == period {
            self.slot = 0;
        }
        if self.seen + 1 < period {
            self.seen += 1;
            return f64::NAN;
        }
        let divisor = period as f64;
        let mut mean = 0.0;
        for &x in &self.ring {
            mean += x;
        }
        mean /= divisor;
        let mut deviation = 0.0;
        for &x in &self.ring {
            deviation += (x - mean).abs();
        }
        deviation /= divisor;
        cci_value(typical, mean, deviation)
    }
}

/// Streaming CCI; volume is ignored. Lookback `period - 1`.
#[derive(Debug, Clone)]
pub struct Cci {
    core: CciCore,
}

impl Cci {
    pub const NAME: &'static str = "cci";

    pub fn new(period: usize) -> Result<Self, ParamError> {
        let period = check_period(Self::NAME, "period", period, 2, MAX_PERIOD)?;
        Ok(Cci {
            core: CciCore::new(period),
        })
    }
}

impl Streaming for Cci {
    type Input = Hlcv;
    type Output = f64;

    #[inline]
    fn update(&mut self, bar: Hlcv) -> f64 {
        self.core.update(bar.high, bar.low, bar.close)
    }

    fn lookback(&self) -> usize {
        self.core.ring.len() - 1
    }
}

/// CCI of one bar from its window's mean, mean deviation and typical price.
#[inline(always)]
fn cci_value<L: Lane>(typical: L, mean: L, deviation: L) -> L {
    let distance = typical - mean;
    let level = mean.abs();
    let value = distance / (L::splat(0.015) * deviation);
    zero_if_scaled_zero(
        distance,
        level,
        zero_if_scaled_zero(deviation, level, value),
    )
}

/// Bars computed side by side by [`window_stats`] in the batch loops.
const SIDE_BY_SIDE: usize = 4;

/// The `(mean, mean deviation)` of the windows ending at bars `k .. k + L`, summed
/// exactly as [`CciCore::update`] does (ring slot order), from the typical prices `tp`,
/// for one series (`f64`) or several at once (a [`Lane`] vector per bar).
///
/// Slot `s` holds the bar `≡ s (mod period)`, so with `k = j0 + r` (`j0` a multiple of
/// `period`, `r < period`) the ring of bar `k` read in slot order is `tp[j0..=k]`
/// followed by `tp[k + 1 - period..j0]`. The `L` bars share `j0` (`r + L <= period`),
/// and `j0 >= period` when `L > 1`. For bar `k + l`, slot `s` then holds
///
/// * `tp[j0 + s]` for `s <= r`: the same value for every bar;
/// * for `s = r + d`, `1 <= d < L`: `tp[k + d]` for bars `l >= d` (already
///   overwritten), `tp[k + d - period]` for the others;
/// * `tp[j0 + s - period]` for `s >= r + L`: again shared.
///
/// Each bar keeps its own accumulator and adds its values in slot order, so every
/// bar's result is bit-identical to the one-bar computation; the bars are independent
/// addition chains, which is what makes this faster (a single chain is bound by the
/// adder's latency, not its throughput). `before` is the slot-order sum of `tp[j0..k]`
/// (starting from 0.0, as the ring sum does), which the caller carries along the block
/// so the shared prefix is not re-added for every group.
///
/// Plain loops over the bars, no closures or `array::map`: inside the market kernel
/// this runs on AVX2 vectors, and a closure compiled out of line loses the kernel's
/// AVX2 features.
#[inline(always)]
fn window_stats<T: Lane, const L: usize>(
    tp: &[T],
    j0: usize,
    r: usize,
    before: T,
    period: usize,
) -> [(T, T); L] {
    let k = j0 + r;
    let shared_new = &tp[j0..=k];
    let shared_old = &tp[k + L - period..j0];
    // Slot `r + d` for `1 <= d < L`: `new[d]` for bars `l >= d`, else `old[d - 1]`.
    let new = &tp[k..k + L];
    let old = &tp[k + 1 - period..k + L - period];
    let divisor = T::splat(period as f64);

    // Mean: the shared prefix is one sum for all bars.
    let mut mean = [before + tp[k]; L];
    for d in 1..L {
        for (l, acc) in mean.iter_mut().enumerate() {
            *acc += if d <= l { new[d] } else { old[d - 1] };
        }
    }
    for &x in shared_old {
        for acc in &mut mean {
            *acc += x;
        }
    }
    for m in &mut mean {
        *m /= divisor;
    }

    // Mean deviation: every term depends on the bar's own mean.
    let mut deviation = [T::splat(0.0); L];
    for &x in shared_new {
        for (acc, &m) in deviation.iter_mut().zip(&mean) {
            *acc += (x - m).abs();
        }
    }
    for d in 1..L {
        for (l, (acc, &m)) in deviation.iter_mut().zip(&mean).enumerate() {
            let x = if d <= l { new[d] } else { old[d - 1] };
            *acc += (x - m).abs();
        }
    }
    for &x in shared_old {
        for (acc, &m) in deviation.iter_mut().zip(&mean) {
            *acc += (x - m).abs();
        }
    }
    let mut stats = [(T::splat(0.0), T::splat(0.0)); L];
    for ((stat, &m), &d) in stats.iter_mut().zip(&mean).zip(&deviation) {
        *stat = (m, d / divisor);
    }
    stats
}

/// The CCI of every bar from `period - 1` on, in order, from the typical prices
/// (`tp.len() >= period`): `emit(bar, value)`. Block by block of `period` bars, as
/// [`window_stats`] needs, [`SIDE_BY_SIDE`] bars at a time while they fit.
#[inline(always)]
fn cci_blocks<T: Lane>(tp: &[T], period: usize, mut emit: impl FnMut(usize, T)) {
    let n = tp.len();
    // The first block has one output bar, its last; its ring holds only that block.
    let mut before = T::splat(0.0);
    for &x in &tp[..period - 1] {
        before += x;
    }
    let [(mean, deviation)] = window_stats::<T, 1>(tp, 0, period - 1, before, period);
    emit(period - 1, cci_value(tp[period - 1], mean, deviation));
    for j0 in (period..n).step_by(period) {
        let block = (n - j0).min(period);
        let (mut r, mut before) = (0, T::splat(0.0));
        while r < block {
            let bars = if r + SIDE_BY_SIDE <= block {
                let stats = window_stats::<T, SIDE_BY_SIDE>(tp, j0, r, before, period);
                for (l, &(mean, deviation)) in stats.iter().enumerate() {
                    emit(j0 + r + l, cci_value(tp[j0 + r + l], mean, deviation));
                }
                SIDE_BY_SIDE
            } else {
                let [(mean, deviation)] = window_stats::<T, 1>(tp, j0, r, before, period);
                emit(j0 + r, cci_value(tp[j0 + r], mean, deviation));
                1
            };
            for &x in &tp[j0 + r..j0 + r + bars] {
                before += x;
            }
            r += bars;
        }
    }
}

/// CCI of the bars; the first `period - 1` outputs are `NaN`.
pub fn cci(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: usize,
) -> Result<Vec<f64>, ParamError> {
    let period = check_period(Cci::NAME, "period", period, 2, MAX_PERIOD)?;
    let n = common_len(&[high, low, close]);
    if n < period {
        return Ok(vec![f64::NAN; n]);
    }
    let tp: Vec<f64> = high[..n]
        .iter()
        .zip(&low[..n])
        .zip(&close[..n])
        .map(|((&h, &l), &c)| typical_price(h, l, c))
        .collect();
    let mut out = Vec::with_capacity(n);
    out.resize(period - 1, f64::NAN);
    cci_blocks(&tp, period, |_, value| out.push(value));
    Ok(out)
}

/// CCI of four series of equal length at once, into outputs already holding `NaN`;
/// each lane computes exactly what [`cci`] does, and so what [`Cci`] does. Through
/// [`cci_blocks`] as the batch function: each lane is one series, and the bars side
/// by side in [`window_stats`] keep four addition chains in flight per vector, where
/// one chain per bar left the kernel waiting on the adder (CCI adds `2 * period`
/// values a bar).
#[inline(always)]
pub(crate) fn cci_lanes<L: Lane4>(
    [high, low, close]: [Inputs; 3],
    period: usize,
    [mut out]: [Outputs; 1],
) {
    let len = high.len();
    if len < period {
        return;
    }
    let mut tp = Vec::with_capacity(len);
    for (i, slot) in tp.spare_capacity_mut()[..len].iter_mut().enumerate() {
        slot.write(typical_price::<L>(high.at(i), low.at(i), close.at(i)));
    }
    // SAFETY: the loop initialised all `len` slots.
    unsafe { tp.set_len(len) };
    cci_blocks(
        &tp,
        period,
        #[inline(always)]
        |bar, value| out.set(bar, value),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::bar_common::{assert_bits_eq, columns, sample_bars};
    use crate::indicators::run_streaming;

    #[test]
    fn sums_the_buffer_in_slot_order() {
        // Typical prices 3, 6, 9, 12 (h = l = c); period 3.
        let p = [3.0, 6.0, 9.0, 12.0];
        let out = cci(&p, &p, &p, 3).unwrap();
        assert!(out[0].is_nan() && out[1].is_nan());
        // Window 3, 6, 9: mean 6, mean deviation 2.
        assert_eq!(out[2], 3.0 / (0.015 * 2.0));
        // Window 6, 9, 12 sits in slots [12, 6, 9]: summed 12 + 6 + 9.
        let mean = (12.0 + 6.0 + 9.0) / 3.0;
        let dev = ((12.0f64 - mean).abs() + (6.0f64 - mean).abs() + (9.0f64 - mean).abs()) / 3.0;
        assert_eq!(out[3], (12.0 - mean) / (0.015 * dev));
    }

    #[test]
    fn flat_windows_give_zero_but_tiny_quotes_do_not() {
        // 0.1 is not representable: the mean of identical values leaves a residue.
        let flat = [0.1; 8];
        assert!(cci(&flat, &flat, &flat, 3).unwrap()[2..]
            .iter()
            .all(|v| *v == 0.0));
        let [high, low, close, _] = columns(&sample_bars(60));
        let tiny = |v: &[f64]| v.iter().map(|x| x * 1e-12).collect::<Vec<_>>();
        let a = cci(&high, &low, &close, 14).unwrap();
        let b = cci(&tiny(&high), &tiny(&low), &tiny(&close), 14).unwrap();
        assert!(a[13..]
            .iter()
            .zip(&b[13..])
            .all(|(x, y)| (x - y).abs() < 1e-6));
        assert!(a[13..].iter().any(|x| x.abs() > 10.0));
    }

    #[test]
    fn short_inputs_and_ranges() {
        let x = [1.0, 2.0];
        assert!(cci(&x, &x, &x, 3).unwrap().iter().all(|v| v.is_nan()));
        assert_eq!(cci(&x, &x[..1], &x, 2).unwrap().len(), 1);
        assert!(cci(&x, &x, &x, 1).is_err());
        assert!(Cci::new(100_001).is_err());
        assert_eq!(Cci::new(20).unwrap().lookback(), 19);
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let bars = sample_bars(300);
        let [high, low, close, _] = columns(&bars);
        for period in [2, 3, 14, 20, 299, 300, 301] {
            let batch = cci(&high, &low, &close, period).unwrap();
            let streamed = run_streaming(Cci::new(period).unwrap(), bars.iter().copied());
            assert_bits_eq(&batch, &streamed, &format!("cci({period})"));
        }
    }
}
