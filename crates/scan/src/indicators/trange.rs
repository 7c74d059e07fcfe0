//! True range (TA-Lib `TRANGE`).
//!
//! The greatest of `high - low`, `|prev_close - high|` and `|prev_close - low|`. TA-Lib
//! does not fall back to `high - low` on the first bar: it leaves that bar undefined
//! (lookback 1), and so do we.

use super::bar_common::common_len;
use super::lanes::Lane;
use super::support::column_in;
#[cfg(target_arch = "x86_64")]
use super::support::hardware_avx2_fma;
use super::{Hlcv, Streaming};
use std::mem::MaybeUninit;

/// One bar's true range, compared in TA-Lib's order: start from `high - low`, replace
/// it only when a previous-close distance is strictly greater.
#[inline(always)]
pub(crate) fn true_range<L: Lane>(high: L, low: L, prev_close: L) -> L {
    let greatest = high - low;
    let to_high = (prev_close - high).abs();
    let greatest = to_high.max_gt(greatest);
    let to_low = (prev_close - low).abs();
    to_low.max_gt(greatest)
}

/// Streaming true range; volume is ignored.
#[derive(Debug, Clone, Default)]
pub struct Trange {
    prev_close: Option<f64>,
}

impl Trange {
    pub const NAME: &'static str = "trange";

    pub fn new() -> Self {
        Self::default()
    }
}

impl Streaming for Trange {
    type Input = Hlcv;
    type Output = f64;

    #[inline]
    fn update(&mut self, bar: Hlcv) -> f64 {
        match self.prev_close.replace(bar.close) {
            Some(prev_close) => true_range(bar.high, bar.low, prev_close),
            None => f64::NAN,
        }
    }

    fn lookback(&self) -> usize {
        1
    }
}

/// True range of each bar; the first output is `NaN`. Columns of unequal length are
/// read up to the shortest.
pub fn trange(high: &[f64], low: &[f64], close: &[f64]) -> Vec<f64> {
    trange_in(Vec::new(), high, low, close)
}

/// [`trange`] written into `room`, whose values are dropped and whose allocation is
/// reused when large enough: a market computation allocates its outputs on the thread
/// that will free them (see `Indicator::output_blocks`).
pub(crate) fn trange_in(room: Vec<f64>, high: &[f64], low: &[f64], close: &[f64]) -> Vec<f64> {
    #[cfg(target_arch = "x86_64")]
    if hardware_avx2_fma() {
        // SAFETY: the CPU was just checked to support AVX2 and FMA.
        return unsafe { trange_avx2(room, high, low, close) };
    }
    trange_columns(room, high, low, close)
}

/// [`trange_columns`] compiled with AVX2: four bars per instruction instead of two.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn trange_avx2(room: Vec<f64>, high: &[f64], low: &[f64], close: &[f64]) -> Vec<f64> {
    trange_columns(room, high, low, close)
}

#[inline(always)]
fn trange_columns(room: Vec<f64>, high: &[f64], low: &[f64], close: &[f64]) -> Vec<f64> {
    let n = common_len(&[high, low, close]);
    // The first bar's `NaN`, and room for the rest.
    let mut out = column_in(room, n, 1);
    if n == 0 {
        return out;
    }
    let slots = &mut out.spare_capacity_mut()[..n - 1];
    // The first few bars go one by one, so that the vector loop's stores start on a
    // 32-byte boundary, and with them the loads of high and low (columns allocated the
    // way this one is): an AVX2 access that straddles two cache lines costs two, and
    // from the second bar on, three of the loop's four streams did (1M bars on a Xeon,
    // five alternations: 667–796 M/s, median 694, before; 644–817, median 762, after).
    // The previous close, one bar behind, cannot share the boundary.
    let head = slots.as_ptr().align_offset(32);
    fill_bars_after_the_first(high, low, close, slots, head);
    // SAFETY: the capacity is `n`; the loop just initialized the `n - 1` slots after
    // the first.
    unsafe { out.set_len(n) };
    out
}

/// Writes the true range of bars `1..=slots.len()` into `slots`, the first `head` of
/// them one by one and the rest in a loop LLVM vectorises: written straight into the
/// slots from zipped slices, with no bounds checks and no per-element length update (as
/// `extend` does); the two comparisons become `maxpd`, which has the same strict `>`
/// semantics, NaN included.
#[inline(always)]
fn fill_bars_after_the_first(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    slots: &mut [MaybeUninit<f64>],
    head: usize,
) {
    let n = slots.len() + 1;
    let (first, rest) = slots.split_at_mut(head.min(n - 1));
    for (slot, i) in first.iter_mut().zip(1..) {
        slot.write(true_range(high[i], low[i], close[i - 1]));
    }
    let done = first.len();
    let bars = high[1 + done..n]
        .iter()
        .zip(&low[1 + done..n])
        .zip(&close[done..n - 1]);
    for (slot, ((&h, &l), &prev_close)) in rest.iter_mut().zip(bars) {
        slot.write(true_range(h, l, prev_close));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::bar_common::{assert_bits_eq, columns, sample_bars};
    use crate::indicators::run_streaming;

    #[test]
    fn takes_the_greatest_of_the_three_distances() {
        let high = [10.0, 12.0, 9.0, 11.0];
        let low = [9.0, 11.0, 8.0, 10.5];
        let close = [9.5, 11.5, 8.5, 10.8];
        let out = trange(&high, &low, &close);
        assert!(out[0].is_nan());
        // Gap up: prev close 9.5 to high 12.
        assert_eq!(out[1], 2.5);
        // Gap down: prev close 11.5 to low 8.
        assert_eq!(out[2], 3.5);
        // Inside the previous close: high - low 0.5 vs |8.5 - 11| = 2.5.
        assert_eq!(out[3], 2.5);
    }

    #[test]
    fn short_and_unequal_inputs() {
        assert!(trange(&[], &[], &[]).is_empty());
        assert!(trange(&[1.0], &[1.0], &[1.0])[0].is_nan());
        assert_eq!(
            trange(&[1.0, 2.0, 3.0], &[1.0, 1.0], &[1.0, 1.0, 1.0]).len(),
            2
        );
    }

    #[test]
    fn every_split_between_single_bars_and_the_vector_loop_gives_the_same_values() {
        let bars = sample_bars(40);
        let [high, low, close, _] = columns(&bars);
        for n in [2, 3, 4, 5, 9, 40] {
            let expected: Vec<f64> = (1..n)
                .map(|i| true_range(high[i], low[i], close[i - 1]))
                .collect();
            for head in 0..=n {
                let mut slots = vec![MaybeUninit::new(f64::NAN); n - 1];
                fill_bars_after_the_first(&high[..n], &low[..n], &close[..n], &mut slots, head);
                // SAFETY: every slot was initialised above.
                let got: Vec<f64> = slots.iter().map(|s| unsafe { s.assume_init() }).collect();
                assert_bits_eq(&got, &expected, &format!("{n} bars, {head} one by one"));
            }
        }
    }

    #[test]
    fn writes_into_the_room_it_is_given_when_large_enough() {
        let bars = sample_bars(50);
        let [high, low, close, _] = columns(&bars);
        let expected = trange(&high, &low, &close);
        let room = vec![7.0; 60];
        let at = room.as_ptr();
        let out = trange_in(room, &high, &low, &close);
        assert_eq!(out.as_ptr(), at, "the room's allocation is reused");
        assert_bits_eq(&out, &expected, "in a larger room");
        let out = trange_in(vec![7.0; 3], &high, &low, &close);
        assert_bits_eq(&out, &expected, "in a room too small");
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let bars = sample_bars(300);
        let [high, low, close, _] = columns(&bars);
        let batch = trange(&high, &low, &close);
        let streamed = run_streaming(Trange::new(), bars.iter().copied());
        assert_bits_eq(&batch, &streamed, "trange");
    }
}
