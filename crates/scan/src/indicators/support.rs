//! Shared plumbing: output columns for the batch functions, and the window of recent
//! inputs kept by the streaming states whose TA-Lib algorithm reads the values leaving
//! the window or rescans it.

use crate::columns::Columns;
use std::mem::MaybeUninit;

/// An output column with room for `len` values, holding its first `lookback` (at most
/// `len`) as `NaN`, for batch loops that append the rest in order: each output is then
/// written once, where filling the whole column with `NaN` first touches it twice.
#[inline]
pub(crate) fn column(len: usize, lookback: usize) -> Vec<f64> {
    column_in(Vec::new(), len, lookback)
}

/// [`column`] in `room`'s allocation when it holds `len` values (its values dropped),
/// in a new one otherwise.
#[inline]
pub(crate) fn column_in(mut room: Vec<f64>, len: usize, lookback: usize) -> Vec<f64> {
    room.clear();
    if room.capacity() < len {
        room = Vec::with_capacity(len);
        crate::memory::advise_huge_pages(&mut room);
    }
    room.resize(lookback.min(len), f64::NAN);
    room
}

/// One output column written as [`Columns::build`] writes them (its first `lookback`
/// values `NaN`, the rest by `fill`), as a plain vector.
///
/// # Safety
///
/// `fill` must write every slot of the slice it is given, unless it panics.
#[inline(always)]
pub(crate) unsafe fn filled_column(
    len: usize,
    lookback: usize,
    fill: impl FnOnce([&mut [MaybeUninit<f64>]; 1]),
) -> Vec<f64> {
    // SAFETY: passed on to the caller.
    unsafe { Columns::build(len, lookback, fill) }.into_values()
}

/// Bars per block in the batch loops that run in two phases: first the sequential
/// recurrence (whose dependency chain bounds the loop) for a block of bars into a small
/// stack buffer, then the per-bar arithmetic off that chain (divisions, square roots)
/// over the block, which the compiler vectorises. The results are the same numbers:
/// IEEE division and square root are correctly rounded in every lane width.
///
/// Short blocks let the out-of-order core run one block's second phase beside the next
/// block's chain; after a long block the chain waits for the whole phase. 32 bars
/// measured faster than 64 (1M bars, Xeon: STDDEV 2.86 → 2.54 ms, PLUS_DI 7.0 → 6.7 ms,
/// BBANDS 3.9 → 3.85 ms); 16 was no better overall.
pub(crate) const BLOCK: usize = 32;

/// Whether the CPU has AVX2 and FMA, for the batch loops that have a copy compiled with
/// them (wider vectors for the per-bar phase; the same results, see [`BLOCK`]).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn hardware_avx2_fma() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

/// A ring buffer holding the last `period` values, oldest first when read as two slices.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    values: Vec<f64>,
    /// Next write position; once full, also the oldest value.
    next: usize,
    len: usize,
}

impl Window {
    pub(crate) fn new(period: usize) -> Self {
        Window {
            values: vec![0.0; period],
            next: 0,
            len: 0,
        }
    }

    /// Appends `x`, dropping the oldest value once full.
    #[inline]
    pub(crate) fn push(&mut self, x: f64) {
        self.values[self.next] = x;
        self.next += 1;
        if self.next == self.values.len() {
            self.next = 0;
        }
        if self.len < self.values.len() {
            self.len += 1;
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.values.len()
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len == self.values.len()
    }

    /// The oldest value; meaningful once full.
    #[inline]
    pub(crate) fn oldest(&self) -> f64 {
        self.values[self.next]
    }

    /// The full window, oldest first, as two slices.
    #[inline]
    pub(crate) fn halves(&self) -> (&[f64], &[f64]) {
        let (newer, older) = self.values.split_at(self.next);
        (older, newer)
    }
}

/// AAPL daily closes from 2015-01-12 (the project's sample data), for tests pinning
/// values computed by TA-Lib itself (the `ta-lib` 0.8.2 Python wheel, C library 0.8.1).
#[cfg(test)]
pub(crate) const AAPL_CLOSE: [f64; 40] = [
    109.25,
    110.22000122070312,
    109.80000305175781,
    106.81999969482422,
    105.98999786376953,
    108.72000122070312,
    109.55000305175781,
    112.4000015258789,
    112.9800033569336,
    113.0999984741211,
    109.13999938964844,
    115.30999755859375,
    118.9000015258789,
    117.16000366210938,
    118.62999725341797,
    118.6500015258789,
    119.55999755859375,
    119.94000244140625,
    118.93000030517578,
    119.72000122070312,
    122.0199966430664,
    124.87999725341797,
    126.45999908447266,
    127.08000183105469,
    127.83000183105469,
    128.72000122070312,
    128.4499969482422,
    129.5,
    133.0,
    132.1699981689453,
    128.7899932861328,
    130.4199981689453,
    128.4600067138672,
    129.08999633789062,
    129.36000061035156,
    128.5399932861328,
    126.41000366210938,
    126.5999984741211,
    127.13999938964844,
    124.51000213623047,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_in_reuses_a_large_enough_room_and_starts_it_afresh() {
        let room = vec![7.0; 10];
        let at = room.as_ptr();
        let out = column_in(room, 8, 3);
        assert_eq!(out.as_ptr(), at, "the room's allocation is reused");
        assert_eq!(out.len(), 3);
        assert!(out.capacity() >= 8 && out.iter().all(|v| v.is_nan()));
        // Too small a room is replaced; the lookback stops at the length.
        let out = column_in(vec![7.0; 2], 8, 9);
        assert_eq!(out.len(), 8);
        assert!(out.capacity() >= 8 && out.iter().all(|v| v.is_nan()));
    }
}
