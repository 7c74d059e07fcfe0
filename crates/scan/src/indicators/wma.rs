//! Weighted moving average (TA-Lib `WMA`): weights 1..=period, newest heaviest.
//!
//! TA-Lib does not re-weigh the window each bar. It carries `sub` (the plain sum of the
//! window) and `sum` (the weighted sum), and per bar:
//!
//! 1. `sub += x; sub -= trailing; sum += x * period;`
//! 2. every `8 * period` bars, rebuilds both from the window, oldest first with weights
//!    counting up from 1 (TA-Lib 0.8's re-anchoring, which bounds the drift of the
//!    running totals; the rebuilt bar equals the same bar of a call starting there);
//! 3. `trailing = ` the window's oldest value, output `sum / divider`, `sum -= sub`,
//!
//! with `divider = period * (period + 1) / 2` in floating point. We do exactly that.
//! Period 1 is accepted, as in TA-Lib, and returns the input unchanged.
//!
//! The rebuilds cut a series into *segments* of `8 * period` bars, from one rebuild bar
//! to the next, and each segment's totals start from its own window, not from the bars
//! before it. A long series is therefore not one chain of dependent additions but one
//! per segment: the batch function computes four segments at once, one per vector lane
//! (where the CPU has AVX2 and FMA), with the same operations in the same order.

#[cfg(target_arch = "x86_64")]
use super::lanes::F64x4;
use super::lanes::{Divisor, Inputs, Lane, Lane4, Outputs};
#[cfg(target_arch = "x86_64")]
use super::support::hardware_avx2_fma;
use super::support::{filled_column, Window};
use super::{check_period, ParamError, Streaming, MAX_PERIOD};
use std::mem::MaybeUninit;

/// TA-Lib's `period * (period + 1) / 2`, computed in `f64` as it does.
#[inline]
fn divider(period: usize) -> f64 {
    period as f64 * (period + 1) as f64 / 2.0
}

/// The running totals of TA-Lib's WMA.
#[derive(Debug, Clone)]
struct WmaCore {
    period: usize,
    weight: f64,
    divider: f64,
    sub: f64,
    sum: f64,
    trailing: f64,
    bars_since_reseed: usize,
}

impl WmaCore {
    fn new(period: usize) -> Self {
        WmaCore {
            period,
            weight: period as f64,
            divider: divider(period),
            sub: 0.0,
            sum: 0.0,
            trailing: 0.0,
            bars_since_reseed: 8 * period,
        }
    }

    /// Adds the `nth` (1-based) of the first `period - 1` values.
    #[inline(always)]
    fn prime(&mut self, x: f64, nth: usize) {
        self.sub += x;
        self.sum += x * nth as f64;
    }

    /// Adds `x`, returns the WMA of the window ending with it. `oldest` is the window's
    /// first value and `window` the whole window, oldest first, in two slices.
    #[inline(always)]
    fn step(&mut self, x: f64, oldest: f64, window: (&[f64], &[f64])) -> f64 {
        self.sub += x;
        self.sub -= self.trailing;
        self.sum += x * self.weight;
        self.bars_since_reseed -= 1;
        if self.bars_since_reseed == 0 {
            self.bars_since_reseed = 8 * self.period;
            (self.sub, self.sum) = rebuild(window);
        }
        self.finish(oldest)
    }

    /// [`step`](Self::step) for a bar known not to be a rebuild bar (the rebuilds fall
    /// every `8 * period` bars, so a batch loop can count them out in advance), which
    /// [`run`](Self::run) accounts for.
    #[inline(always)]
    fn step_between_rebuilds(&mut self, x: f64, oldest: f64) -> f64 {
        self.sub += x;
        self.sub -= self.trailing;
        self.sum += x * self.weight;
        self.finish(oldest)
    }

    /// Bars until the next rebuild, that one excluded.
    #[inline(always)]
    fn bars_before_rebuild(&self) -> usize {
        self.bars_since_reseed - 1
    }

    /// Fills `slots[first..]` (slot `i` for the window starting at `input[i]`) up to the
    /// next rebuild bar, that one excluded, or to the end; returns where it stopped.
    ///
    /// Its loop has no rebuild test or call in it, around which the compiler would
    /// otherwise keep the window's arguments for the call on the stack, stored every
    /// bar. It zips the new and the leaving values, as SMA does: no window slices.
    #[inline(always)]
    fn run(&mut self, input: &[f64], slots: &mut [MaybeUninit<f64>], first: usize) -> usize {
        let run = self.bars_before_rebuild().min(slots.len() - first);
        let values = input[first + self.period - 1..].iter().zip(&input[first..]);
        for (slot, (&x, &oldest)) in slots[first..first + run].iter_mut().zip(values) {
            slot.write(self.step_between_rebuilds(x, oldest));
        }
        self.bars_since_reseed -= run;
        first + run
    }

    #[inline(always)]
    fn finish(&mut self, oldest: f64) -> f64 {
        self.trailing = oldest;
        let out = self.sum / self.divider;
        self.sum -= self.sub;
        out
    }
}

/// The plain and weighted sums of the window, oldest first with weights counting up
/// from 1. A free function so that the hot loop's state stays in registers.
#[cold]
#[inline(never)]
fn rebuild((a, b): (&[f64], &[f64])) -> (f64, f64) {
    let (mut sub, mut sum) = (0.0, 0.0);
    for (i, &x) in a.iter().chain(b).enumerate() {
        sub += x;
        sum += x * (i + 1) as f64;
    }
    (sub, sum)
}

/// Streaming WMA.
#[derive(Debug, Clone)]
pub struct Wma {
    core: WmaCore,
    window: Window,
    seen: usize,
}

impl Wma {
    pub const NAME: &'static str = "wma";

    pub fn new(period: usize) -> Result<Self, ParamError> {
        let period = check_period(Self::NAME, "period", period, 1, MAX_PERIOD)?;
        Ok(Wma {
            core: WmaCore::new(period),
            window: Window::new(period),
            seen: 0,
        })
    }
}

impl Streaming for Wma {
    type Input = f64;
    type Output = f64;

    #[inline]
    fn update(&mut self, x: f64) -> f64 {
        if self.core.period == 1 {
            return x;
        }
        self.window.push(x);
        if !self.window.is_full() {
            self.seen += 1;
            self.core.prime(x, self.seen);
            return f64::NAN;
        }
        self.core
            .step(x, self.window.oldest(), self.window.halves())
    }

    fn lookback(&self) -> usize {
        self.core.period - 1
    }
}

/// WMA of `input`; the first `period - 1` outputs are `NaN`.
pub fn wma(input: &[f64], period: usize) -> Result<Vec<f64>, ParamError> {
    let period = check_period(Wma::NAME, "period", period, 1, MAX_PERIOD)?;
    if period == 1 {
        return Ok(input.to_vec());
    }
    let lookback = period - 1;
    // SAFETY: when `input.len() >= period` the zip runs over all `len - lookback` slots,
    // one per window; otherwise there are none.
    let out = unsafe {
        filled_column(input.len(), lookback, |[slots]| {
            if input.len() < period {
                return;
            }
            let mut core = WmaCore::new(period);
            for (i, &x) in input[..lookback].iter().enumerate() {
                core.prime(x, i + 1);
            }
            // The first segment, from the primed totals; then, from the first rebuild
            // bar, whole segments four at a time in lanes, and the segments left over
            // one by one: the rebuild bar, then the run to the next.
            let mut first = core.run(input, slots, 0); // the window start of the next slot
            while first < slots.len() {
                first += segments_in_lanes(input, period, first, &mut slots[first..]);
                let Some(slot) = slots.get_mut(first) else {
                    break;
                };
                let window = &input[first..first + period];
                slot.write(core.step(window[lookback], window[0], (window, &[])));
                first = core.run(input, slots, first + 1);
            }
        })
    };
    Ok(out)
}

/// WMA's running totals in lanes, one series or segment per lane, kept as
/// [`WmaCore`] keeps them for one; the division goes through [`Divisor`] (the same
/// bits; 6% faster over the market than the vector division).
struct LaneTotals<L> {
    sub: L,
    sum: L,
    trailing: L,
    weight: L,
    divider: Divisor<L>,
}

impl<L: Lane> LaneTotals<L> {
    #[inline(always)]
    fn new(period: usize) -> Self {
        LaneTotals {
            sub: L::splat(0.0),
            sum: L::splat(0.0),
            trailing: L::splat(0.0),
            weight: L::splat(period as f64),
            divider: Divisor::new(period * (period + 1) / 2),
        }
    }

    /// Adds the `nth` (1-based) value of a window to totals started from zero: the first
    /// `period - 1` values of a series, or a whole window at a rebuild bar.
    #[inline(always)]
    fn add(&mut self, v: L, nth: usize) {
        self.sub += v;
        self.sum += v * L::splat(nth as f64);
    }

    /// Adds `v`, the newest value of a window that is not a rebuild bar's; the WMA.
    #[inline(always)]
    fn step(&mut self, v: L, oldest: L) -> L {
        self.sub += v;
        self.sub -= self.trailing;
        self.sum += v * self.weight;
        self.finish(oldest)
    }

    /// The WMA of the window whose totals were just added or stepped, whose first value
    /// is `oldest`.
    #[inline(always)]
    fn finish(&mut self, oldest: L) -> L {
        let out = self.divider.divide(self.sum);
        self.trailing = oldest;
        self.sum -= self.sub;
        out
    }

    /// Starts the totals over from the window whose values `window(i)` gives, oldest
    /// first, as [`rebuild`] does (the running update it replaces would be
    /// overwritten); the window's WMA.
    #[inline(always)]
    fn rebuild(&mut self, period: usize, window: impl Fn(usize) -> L) -> L {
        self.sub = L::splat(0.0);
        self.sum = L::splat(0.0);
        for i in 0..period {
            self.add(window(i), i + 1);
        }
        self.finish(window(0))
    }
}

/// WMA of four series of equal length at once, into outputs already holding `NaN`;
/// each lane computes exactly what [`wma`] does. The rebuilds fall on the same bars
/// in every lane (they depend only on the bar's position), so the lanes never diverge.
#[inline(always)]
pub(crate) fn wma_lanes<L: Lane4>(x: Inputs, period: usize, [mut out]: [Outputs; 1]) {
    let len = x.len();
    if period == 1 {
        for i in 0..len {
            out.set(i, x.at::<L>(i));
        }
        return;
    }
    if len < period {
        return;
    }
    let lookback = period - 1;
    let mut totals = LaneTotals::<L>::new(period);
    for i in 0..lookback {
        totals.add(x.at(i), i + 1);
    }
    let rebuild_every = 8 * period;
    let count = len - lookback;
    let mut first = 0; // the window start of the next slot
    while first < count {
        // The slots up to the next rebuild bar (slot `j` rebuilds when `j + 1` is a
        // multiple of `8 * period`, as `WmaCore` counts), in exact chunks.
        let run = (rebuild_every - 1 - first % rebuild_every).min(count - first);
        let bars = x.bars(first + lookback, run).chunks_exact(4);
        let leaving = x.bars(first, run).chunks_exact(4);
        for (slot, (v, leaving)) in out
            .bars(first + lookback, run)
            .chunks_exact_mut(4)
            .zip(bars.zip(leaving))
        {
            totals.step(L::load(v), L::load(leaving)).store(slot);
        }
        first += run;
        if first == count {
            break;
        }
        let wma = totals.rebuild(period, |i| x.at(first + i));
        out.set(first + lookback, wma);
        first += 1;
    }
}

/// Fills whole segments of `slots`, the slots of one series from `first` (a rebuild
/// bar's window start) on, four at a time, where the CPU has AVX2 and FMA; returns how
/// many slots it filled (a multiple of four segments, 0 without AVX2 and FMA).
#[inline(always)]
fn segments_in_lanes(
    input: &[f64],
    period: usize,
    first: usize,
    slots: &mut [MaybeUninit<f64>],
) -> usize {
    #[cfg(target_arch = "x86_64")]
    if hardware_avx2_fma() {
        // SAFETY: the CPU was just checked to support AVX2 and FMA.
        return unsafe { segments_avx2(input, period, first, slots) };
    }
    0
}

/// [`four_segments`] over `slots` with AVX2 vectors, as [`segments_in_lanes`] describes.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn segments_avx2(
    input: &[f64],
    period: usize,
    first: usize,
    slots: &mut [MaybeUninit<f64>],
) -> usize {
    let segment = 8 * period;
    let per_lane = slots.len() / segment / 4;
    if per_lane == 0 {
        return 0;
    }
    // Lane `j` takes the `j`-th quarter of the whole segments, front to back: four long
    // sequential streams, as four series would be.
    let quarter = per_lane * segment;
    let mut quarters = slots[..4 * quarter].chunks_exact_mut(quarter);
    let mut quarters: [&mut [MaybeUninit<f64>]; 4] =
        std::array::from_fn(|_| quarters.next().unwrap_or_default());
    for r in 0..per_lane {
        let at = r * segment;
        let windows = std::array::from_fn(|j| {
            let start = first + j * quarter + at;
            &input[start..start + segment + period - 1]
        });
        let outs = quarters.each_mut().map(|q| &mut q[at..at + segment]);
        four_segments::<F64x4>(windows, period, outs);
    }
    4 * quarter
}

/// Four whole segments of one series at once, one per lane: lane `j`'s segment has the
/// windows `windows[j]` (`8 * period + period - 1` values from its rebuild bar's window
/// start) and the slots `outs[j]`. Each lane computes exactly what [`wma`]'s loop does
/// over its segment: the rebuild, then the running update.
#[inline(always)]
fn four_segments<L: Lane4>(
    windows: [&[f64]; 4],
    period: usize,
    mut outs: [&mut [MaybeUninit<f64>]; 4],
) {
    let segment = 8 * period;
    let lookback = period - 1;
    let across = |i: usize| L::load(&windows.map(|w| w[i]));
    let mut totals = LaneTotals::<L>::new(period);
    let wma = totals.rebuild(period, across);
    scatter(wma, &mut outs, 0);
    // The other slots four at a time: four bars of each lane's window, transposed
    // into four bars across the lanes, and the four results transposed back.
    let blocks = (segment - 1) / 4;
    for i in (1..).step_by(4).take(blocks) {
        let [v0, v1, v2, v3] = L::transpose(rows(&windows, i + lookback));
        let [o0, o1, o2, o3] = L::transpose(rows(&windows, i));
        let wmas = [
            totals.step(v0, o0),
            totals.step(v1, o1),
            totals.step(v2, o2),
            totals.step(v3, o3),
        ];
        for (out, wma) in outs.iter_mut().zip(L::transpose(wmas)) {
            wma.store_uninit(&mut out[i..i + 4]);
        }
    }
    for i in 1 + 4 * blocks..segment {
        let wma = totals.step(across(i + lookback), across(i));
        scatter(wma, &mut outs, i);
    }
}

/// Values `at..at + 4` of each of four columns, one vector per column.
#[inline(always)]
fn rows<L: Lane4>(columns: &[&[f64]; 4], at: usize) -> [L; 4] {
    let [a, b, c, d] = columns;
    [
        L::load(&a[at..at + 4]),
        L::load(&b[at..at + 4]),
        L::load(&c[at..at + 4]),
        L::load(&d[at..at + 4]),
    ]
}

/// Writes lane `j` of `v` to `outs[j][at]`.
#[inline(always)]
fn scatter<L: Lane4>(v: L, outs: &mut [&mut [MaybeUninit<f64>]; 4], at: usize) {
    let mut lanes = [0.0; 4];
    v.store(&mut lanes);
    for (out, value) in outs.iter_mut().zip(lanes) {
        out[at].write(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::run_streaming;
    use crate::indicators::support::AAPL_CLOSE;

    #[test]
    fn weighs_the_newest_heaviest() {
        let out = wma(&[1.0, 2.0, 3.0, 4.0, 8.0], 3).unwrap();
        assert!(out[0].is_nan() && out[1].is_nan());
        assert_eq!(out[2], (1.0 + 4.0 + 9.0) / 6.0);
        assert_eq!(out[3], (2.0 + 6.0 + 12.0) / 6.0);
        assert_eq!(out[4], (3.0 + 8.0 + 24.0) / 6.0);
    }

    #[test]
    fn matches_talib_on_aapl() {
        let out = wma(&AAPL_CLOSE, 5).unwrap();
        assert_eq!(
            (out[4], out[20], out[39]),
            (107.75466664632161, 120.34733276367187, 126.15133361816406)
        );
    }

    #[test]
    fn period_one_returns_the_input() {
        let input = [3.0, -1.5, 1e300, 0.1];
        assert_eq!(wma(&input, 1).unwrap(), input);
        let streamed = run_streaming(Wma::new(1).unwrap(), input);
        assert_eq!(streamed, input);
        assert_eq!(Wma::new(1).unwrap().lookback(), 0);
    }

    #[test]
    fn flat_series_is_flat() {
        let out = wma(&[7.25; 100], 10).unwrap();
        assert!(out[9..].iter().all(|&v| v == 7.25));
    }

    #[test]
    fn short_input_is_all_nan() {
        assert!(wma(&[1.0, 2.0], 3).unwrap().iter().all(|v| v.is_nan()));
    }

    #[test]
    fn parameters_are_checked_as_in_talib() {
        assert_eq!(
            wma(&[1.0], 0).unwrap_err().to_string(),
            "wma: period must be between 1 and 100000, got 0"
        );
        assert!(wma(&[1.0], 100_001).is_err());
        assert!(wma(&[1.0], 100_000).unwrap()[0].is_nan());
    }

    #[test]
    fn rebuilds_the_totals_every_8_periods() {
        // After the rebuild at bar 8*3+1 the output is the same as a fresh start there.
        let input: Vec<f64> = (0..60)
            .map(|i| 1e6 + i as f64 * 0.1 + (i % 5) as f64 * 1e-7)
            .collect();
        let out = wma(&input, 3).unwrap();
        let rebuilt = 2 + 8 * 3 - 1;
        let fresh = wma(&input[rebuilt - 2..], 3).unwrap();
        assert_eq!(out[rebuilt].to_bits(), fresh[2].to_bits());
    }

    #[test]
    fn segments_in_lanes_equal_the_running_update() {
        // Long enough for several segments per lane and leftovers after them; ordinary,
        // tiny, huge and zero values, so that some lanes divide and others do not.
        let input: Vec<f64> = (0..30_011)
            .map(|i| match i % 997 {
                0 => 1e-307,
                1 => 1e307,
                2 => 0.0,
                _ => ((i * 7919) % 113) as f64 * 0.37 - 20.0,
            })
            .collect();
        for period in [2, 3, 20, 37, 400] {
            let lookback = period - 1;
            let slots = input.len() - lookback;
            let first = 8 * period - 1; // the first rebuild bar's window start
            let mut lanes = vec![MaybeUninit::new(f64::NAN); slots];
            let filled = segments_in_lanes(&input, period, first, &mut lanes[first..]);
            #[cfg(target_arch = "x86_64")]
            if hardware_avx2_fma() {
                assert!(filled >= 4 * 8 * period, "period {period}: {filled} slots");
            }
            let streamed = run_streaming(Wma::new(period).unwrap(), input.iter().copied());
            for (i, slot) in lanes[first..first + filled].iter().enumerate() {
                // SAFETY: every slot was initialised above.
                let value = unsafe { slot.assume_init() };
                let expected = streamed[first + i + lookback];
                assert_eq!(
                    value.to_bits(),
                    expected.to_bits(),
                    "period {period}, slot {i}"
                );
            }
            let batch = wma(&input, period).unwrap();
            assert!(batch
                .iter()
                .zip(&streamed)
                .all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let input: Vec<f64> = (0..2000)
            .map(|i| ((i * 7919) % 113) as f64 * 0.37 + 1e-3)
            .collect();
        for period in [1, 2, 3, 14, 200, 1999, 2000, 2001] {
            let batch = wma(&input, period).unwrap();
            let streamed = run_streaming(Wma::new(period).unwrap(), input.iter().copied());
            assert_eq!(batch.len(), streamed.len());
            for (a, b) in batch.iter().zip(&streamed) {
                assert_eq!(a.to_bits(), b.to_bits(), "period {period}");
            }
        }
    }
}
