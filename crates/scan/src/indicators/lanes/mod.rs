//! Several series at once, one per vector lane.
//!
//! The batch loops are bound by a chain of dependent floating-point operations per bar
//! (running sums, Wilder or exponential smoothing). On one long series nothing can
//! shorten that chain without reordering TA-Lib's arithmetic, but a market holds
//! thousands of independent series: evaluating `N` series of equal length together, one
//! per lane, runs `N` chains per instruction. Each lane does exactly the operations the
//! scalar loop does, in the same order (the fused multiply-add stays fused, nothing else
//! is fused), so every lane's result is bit-identical to the scalar one.
//!
//! The arithmetic is written once, generic over [`Lane`], which `f64` (the scalar loops),
//! `F64x4` (one AVX2 register, used when the CPU has AVX2 and FMA) and [`V`] (a plain
//! array, the portable fallback) implement. The compiler's own vectorisation of `V` was
//! tried first and left most operations scalar, hence the explicit intrinsics.

use crate::columns::Columns;
use std::mem::MaybeUninit;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Sub, SubAssign};

/// One value per series: `f64` for one series, [`V`] for several.
pub(crate) trait Lane:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
{
    fn splat(x: f64) -> Self;
    /// `self * a + b` with one rounding, as [`f64::mul_add`].
    fn mul_add(self, a: Self, b: Self) -> Self;
    fn abs(self) -> Self;
    /// The correctly rounded square root, as [`f64::sqrt`].
    fn sqrt(self) -> Self;
    /// Whether `self < other` in any lane (false for `NaN`).
    fn any_lt(self, other: Self) -> bool;
    /// Whether `low <= self <= high` in every lane (false for `NaN`).
    fn all_between(self, low: Self, high: Self) -> bool;
    /// Per lane: `if low <= self && self <= high { then } else { otherwise }` (false for
    /// `NaN`).
    fn between_or(self, low: Self, high: Self, then: Self, otherwise: Self) -> Self;
    /// Per lane: `if self > other { then } else { otherwise }` (false for `NaN`).
    fn gt_or(self, other: Self, then: Self, otherwise: Self) -> Self;
    /// Per lane: `if self > other { self } else { other }` (`other` for `NaN`): the
    /// running maximum as the scalar `if` computes it, one instruction (`maxpd` has
    /// exactly these semantics, ties and `NaN` included).
    fn max_gt(self, other: Self) -> Self;
    /// Per lane: `if self < other { self } else { other }` (`other` for `NaN`), as
    /// `minpd`.
    fn min_lt(self, other: Self) -> Self;
    /// Per lane: `if self <= other { then } else { otherwise }` (false for `NaN`).
    fn le_or(self, other: Self, then: Self, otherwise: Self) -> Self;
    /// Per lane: `if self != other { then } else { otherwise }` (true for `NaN`).
    fn ne_or(self, other: Self, then: Self, otherwise: Self) -> Self;
}

impl Lane for f64 {
    #[inline(always)]
    fn splat(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        f64::mul_add(self, a, b)
    }
    #[inline(always)]
    fn abs(self) -> Self {
        f64::abs(self)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    #[inline(always)]
    fn any_lt(self, other: Self) -> bool {
        self < other
    }
    #[inline(always)]
    fn all_between(self, low: Self, high: Self) -> bool {
        low <= self && self <= high
    }
    #[inline(always)]
    fn between_or(self, low: Self, high: Self, then: Self, otherwise: Self) -> Self {
        if self.all_between(low, high) {
            then
        } else {
            otherwise
        }
    }
    #[inline(always)]
    fn gt_or(self, other: Self, then: Self, otherwise: Self) -> Self {
        if self > other {
            then
        } else {
            otherwise
        }
    }
    #[inline(always)]
    fn max_gt(self, other: Self) -> Self {
        if self > other {
            self
        } else {
            other
        }
    }
    #[inline(always)]
    fn min_lt(self, other: Self) -> Self {
        if self < other {
            self
        } else {
            other
        }
    }
    #[inline(always)]
    fn le_or(self, other: Self, then: Self, otherwise: Self) -> Self {
        if self <= other {
            then
        } else {
            otherwise
        }
    }
    #[inline(always)]
    fn ne_or(self, other: Self, then: Self, otherwise: Self) -> Self {
        if self != other {
            then
        } else {
            otherwise
        }
    }
}

/// `N` values, one per series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct V<const N: usize>(pub [f64; N]);

impl<const N: usize> V<N> {
    #[inline(always)]
    fn zip(self, o: Self, f: impl Fn(f64, f64) -> f64) -> Self {
        V(std::array::from_fn(|l| f(self.0[l], o.0[l])))
    }
}

macro_rules! lane_op {
    ($op:ident, $method:ident, $assign:ident, $assign_method:ident, $sym:tt) => {
        impl<const N: usize> $op for V<N> {
            type Output = Self;
            #[inline(always)]
            fn $method(self, o: Self) -> Self {
                self.zip(o, |a, b| a $sym b)
            }
        }
        impl<const N: usize> $assign for V<N> {
            #[inline(always)]
            fn $assign_method(&mut self, o: Self) {
                *self = *self $sym o;
            }
        }
    };
}

lane_op!(Add, add, AddAssign, add_assign, +);
lane_op!(Sub, sub, SubAssign, sub_assign, -);
lane_op!(Mul, mul, MulAssign, mul_assign, *);
lane_op!(Div, div, DivAssign, div_assign, /);

impl<const N: usize> Lane for V<N> {
    #[inline(always)]
    fn splat(x: f64) -> Self {
        V([x; N])
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        V(std::array::from_fn(|l| self.0[l].mul_add(a.0[l], b.0[l])))
    }
    #[inline(always)]
    fn abs(self) -> Self {
        V(self.0.map(f64::abs))
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        V(self.0.map(f64::sqrt))
    }
    #[inline(always)]
    fn any_lt(self, other: Self) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a < b)
    }
    #[inline(always)]
    fn all_between(self, low: Self, high: Self) -> bool {
        (0..N).all(|l| self.0[l].all_between(low.0[l], high.0[l]))
    }
    #[inline(always)]
    fn between_or(self, low: Self, high: Self, then: Self, otherwise: Self) -> Self {
        V(std::array::from_fn(|l| {
            self.0[l].between_or(low.0[l], high.0[l], then.0[l], otherwise.0[l])
        }))
    }
    #[inline(always)]
    fn gt_or(self, other: Self, then: Self, otherwise: Self) -> Self {
        V(std::array::from_fn(|l| {
            self.0[l].gt_or(other.0[l], then.0[l], otherwise.0[l])
        }))
    }
    #[inline(always)]
    fn max_gt(self, other: Self) -> Self {
        self.zip(other, f64::max_gt)
    }
    #[inline(always)]
    fn min_lt(self, other: Self) -> Self {
        self.zip(other, f64::min_lt)
    }
    #[inline(always)]
    fn le_or(self, other: Self, then: Self, otherwise: Self) -> Self {
        V(std::array::from_fn(|l| {
            self.0[l].le_or(other.0[l], then.0[l], otherwise.0[l])
        }))
    }
    #[inline(always)]
    fn ne_or(self, other: Self, then: Self, otherwise: Self) -> Self {
        V(std::array::from_fn(|l| {
            self.0[l].ne_or(other.0[l], then.0[l], otherwise.0[l])
        }))
    }
}

/// `len` copies of `value`, for the kernels' scratch vectors.
///
/// Not `vec![value; len]`: that fills through a generic function the compiler keeps out
/// of line, where the AVX2 features of the calling kernel do not reach, and there
/// filling took a tenth of STOCH's time over the market on two threads. This loop is
/// compiled into the kernel.
#[inline(always)]
pub(crate) fn filled<L: Lane>(value: L, len: usize) -> Vec<L> {
    let mut out = Vec::with_capacity(len);
    for slot in &mut out.spare_capacity_mut()[..len] {
        slot.write(value);
    }
    // SAFETY: the loop above initialised all `len` values within the capacity.
    unsafe { out.set_len(len) };
    out
}

/// Four values, one per series: the width of a group (one AVX2 vector of `f64`).
pub(crate) trait Lane4: Lane {
    /// `values[0..4]`, one per lane.
    fn load(values: &[f64]) -> Self;
    /// Writes the lanes to `values[0..4]`.
    fn store(self, values: &mut [f64]);
    /// Writes the lanes to `values[0..4]`, memory not yet initialised.
    fn store_uninit(self, values: &mut [MaybeUninit<f64>]);
    /// As [`Lane4::store_uninit`], with a non-temporal store where the CPU has one: the
    /// line goes to memory without first being read into the caches. Until
    /// [`Lane4::fence_streams`], other threads may not see the values.
    ///
    /// # Safety
    /// `values` must start on a 32-byte boundary.
    unsafe fn stream_uninit(self, values: &mut [MaybeUninit<f64>]) {
        self.store_uninit(values);
    }
    /// Makes this thread's [streamed](Lane4::stream_uninit) values visible to every
    /// thread that synchronises with it afterwards.
    fn fence_streams() {}
    /// The 4×4 transpose: lane `j` of output `i` is lane `i` of input `j`.
    fn transpose(rows: [Self; 4]) -> [Self; 4];
}

impl Lane4 for V<4> {
    #[inline(always)]
    fn load(values: &[f64]) -> Self {
        V(std::array::from_fn(|l| values[l]))
    }
    #[inline(always)]
    fn store(self, values: &mut [f64]) {
        values[..4].copy_from_slice(&self.0);
    }
    #[inline(always)]
    fn store_uninit(self, values: &mut [MaybeUninit<f64>]) {
        for (slot, v) in values[..4].iter_mut().zip(self.0) {
            slot.write(v);
        }
    }
    #[inline(always)]
    fn transpose(rows: [Self; 4]) -> [Self; 4] {
        std::array::from_fn(|i| V(std::array::from_fn(|j| rows[j].0[i])))
    }
}

/// One input column of four series of one length, interleaved bar by bar (bar `i` of
/// series `l` at `4 * i + l`) so that a bar across the lanes is one vector load.
#[derive(Clone, Copy)]
pub(crate) struct Inputs<'a>(&'a [f64]);

impl Inputs<'_> {
    /// Bars per series.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.0.len() / 4
    }

    #[inline(always)]
    pub(crate) fn at<L: Lane4>(&self, i: usize) -> L {
        L::load(&self.0[4 * i..4 * i + 4])
    }

    /// Bars `start..start + count`, interleaved, for loops that walk them in exact
    /// chunks of four: one bounds check for the run instead of one per bar.
    #[inline(always)]
    pub(crate) fn bars(&self, start: usize, count: usize) -> &[f64] {
        &self.0[4 * start..4 * (start + count)]
    }
}

/// One output column of four series, interleaved as [`Inputs`].
pub(crate) struct Outputs<'a>(&'a mut [f64]);

impl Outputs<'_> {
    #[inline(always)]
    pub(crate) fn set<L: Lane4>(&mut self, i: usize, v: L) {
        v.store(&mut self.0[4 * i..4 * i + 4]);
    }

    /// Bars `start..start + count`, interleaved, as [`Inputs::bars`].
    #[inline(always)]
    pub(crate) fn bars(&mut self, start: usize, count: usize) -> &mut [f64] {
        &mut self.0[4 * start..4 * (start + count)]
    }
}

/// How a group writes its output columns into the series' blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stores {
    /// Ordinary stores: each line is read into the cache, then written there, where
    /// whatever reads the outputs next finds it.
    Cached,
    /// Non-temporal stores, straight to memory, for outputs that would leave the
    /// caches before anything read them: a market larger than the cache. They save
    /// reading in every output line before overwriting it, which costs as much memory
    /// traffic as writing it (the 5,000 × 250 market on an EPYC with 32 MiB of L3, two
    /// threads: ATR 1.46–1.52 → 1.32–1.39 ms, docs/BENCHMARKS.md).
    Streaming,
}

/// Where a group's outputs go: one block per series (empty ones are allocated by
/// [`Group::finish`]), written with `stores`.
pub(crate) struct Room {
    pub(crate) blocks: [Vec<f64>; 4],
    pub(crate) stores: Stores,
}

/// Interleaved copies of the input columns of a group of four series, and room for the
/// kernel's `K` interleaved output columns. The transposes cost a few instructions per
/// value; gathering each bar from four columns inside the kernel instead costs more,
/// since the kernel then holds four pointers per column and spills them. All columns
/// live in one buffer, reused by the thread's next group, so successive groups write
/// memory that is in cache, and a group takes and returns one buffer.
pub(crate) struct Group<const K: usize> {
    len: usize,
    /// The `K` output columns, then the input columns added so far, `4 * len` values
    /// each.
    columns: Vec<f64>,
}

thread_local! {
    static BUFFER: std::cell::Cell<Vec<f64>> = const { std::cell::Cell::new(Vec::new()) };
}

impl<const K: usize> Drop for Group<K> {
    fn drop(&mut self) {
        let columns = std::mem::take(&mut self.columns);
        BUFFER.with(|buffer| buffer.set(columns));
    }
}

impl<const K: usize> Group<K> {
    /// A group of series of `len` bars, with room for `inputs` input columns; its
    /// outputs are all `NaN` until a kernel writes them.
    #[inline(always)]
    pub(crate) fn new(len: usize, inputs: usize) -> Self {
        let mut columns = BUFFER.with(|buffer| buffer.take());
        columns.clear();
        columns.reserve(4 * len * (K + inputs));
        columns.resize(4 * len * K, f64::NAN);
        Group { len, columns }
    }

    /// Adds an input column, one slice of `len` values per series.
    ///
    /// Written straight into the buffer's spare room (reserved by [`Group::new`]), not
    /// zeroed first: filling the input columns before the transposes overwrote them
    /// was a tenth of WILLR's time over a market that fits in the caches.
    #[inline(always)]
    pub(crate) fn input<L: Lane4>(&mut self, columns: [&[f64]; 4]) {
        let len = self.len;
        let start = self.columns.len();
        let room = &mut self.columns.spare_capacity_mut()[..4 * len];
        let [c0, c1, c2, c3] = columns.map(|c| &c[..len]);
        // Whole blocks of four bars through exact chunks: no bounds checks inside.
        let blocks = room
            .chunks_exact_mut(16)
            .zip(c0.chunks_exact(4))
            .zip(c1.chunks_exact(4).zip(c2.chunks_exact(4)))
            .zip(c3.chunks_exact(4));
        for (((out, r0), (r1, r2)), r3) in blocks {
            let rows = [L::load(r0), L::load(r1), L::load(r2), L::load(r3)];
            let [v0, v1, v2, v3] = L::transpose(rows);
            v0.store_uninit(&mut out[0..4]);
            v1.store_uninit(&mut out[4..8]);
            v2.store_uninit(&mut out[8..12]);
            v3.store_uninit(&mut out[12..16]);
        }
        for i in len / 4 * 4..len {
            for (slot, value) in room[4 * i..4 * i + 4]
                .iter_mut()
                .zip([c0[i], c1[i], c2[i], c3[i]])
            {
                slot.write(value);
            }
        }
        // SAFETY: the loops above wrote all `4 * len` values (whole blocks of four
        // bars, then the rest) after the current length, within the capacity.
        unsafe { self.columns.set_len(start + 4 * len) };
    }

    /// The `n` input columns added so far, and the output columns, for the kernel.
    #[inline(always)]
    pub(crate) fn io<const N: usize>(&mut self) -> ([Inputs<'_>; N], [Outputs<'_>; K]) {
        let column = 4 * self.len;
        let (outputs, inputs) = self.columns.split_at_mut(K * column);
        let inputs = std::array::from_fn(|k| Inputs(&inputs[k * column..(k + 1) * column]));
        let mut outputs = outputs.chunks_exact_mut(column.max(1));
        let outputs = std::array::from_fn(|_| Outputs(outputs.next().unwrap_or_default()));
        (inputs, outputs)
    }

    /// Each series' `K` output columns, back in column order, in one block per series:
    /// in `room`'s blocks (emptied first; allocated here if they have no room). Every
    /// value is written once, by the transposes: the blocks are not zeroed first.
    #[inline(always)]
    pub(crate) fn finish<L: Lane4>(self, room: Room) -> [Columns; 4] {
        let Room {
            blocks: mut series,
            stores,
        } = room;
        let len = self.len;
        for values in &mut series {
            values.clear();
            values.reserve(K * len);
        }
        let mut rooms = series
            .each_mut()
            .map(|values| &mut values.spare_capacity_mut()[..K * len]);
        let column = 4 * len;
        let mut streamed = false;
        for k in 0..K {
            let columns = rooms
                .each_mut()
                .map(|room| &mut room[k * len..(k + 1) * len]);
            streamed |=
                write_back::<L>(&self.columns[k * column..(k + 1) * column], columns, stores);
        }
        if streamed {
            L::fence_streams();
        }
        series.map(|mut values| {
            // SAFETY: `write_back` wrote all `len` values of each of the `K` columns
            // within the capacity.
            unsafe { values.set_len(K * len) };
            Columns::from_values(values, K)
        })
    }
}

/// The cache line's size on the CPUs the lane kernels run on, in bytes.
const CACHE_LINE: usize = 64;
/// Values of one column in a cache line.
const BARS_PER_LINE: usize = CACHE_LINE / std::mem::size_of::<f64>();

/// The room for one output column of each of the four series of a group.
type FourColumns<'a> = [&'a mut [MaybeUninit<f64>]; 4];

/// Writes the interleaved column `buf` (bar `i` of series `l` at `4 * i + l`) back into
/// the four series' `columns` with `stores`. Whether it used streaming stores, which
/// [`Lane4::fence_streams`] must then publish.
#[inline(always)]
fn write_back<L: Lane4>(buf: &[f64], columns: FourColumns<'_>, stores: Stores) -> bool {
    let len = columns[0].len();
    let (head, streamed) = match stores {
        Stores::Streaming => whole_lines(&columns),
        Stores::Cached => (0, 0),
    };
    let (before, rest) = split_columns(columns, head);
    let (lines, after) = split_columns(rest, streamed);
    let buf = |from: usize, to: usize| &buf[4 * from..4 * to];
    // SAFETY: ordinary stores have no alignment requirement.
    unsafe { untranspose::<L, false>(buf(0, head), before) };
    // SAFETY: `lines` starts on a cache line boundary (or is empty).
    unsafe { untranspose::<L, true>(buf(head, head + streamed), lines) };
    // SAFETY: as for `before`.
    unsafe { untranspose::<L, false>(buf(head + streamed, len), after) };
    streamed > 0
}

/// Where streaming stores can write four columns of equal length: from bar `head`,
/// their first cache line boundary, for `count` bars of whole lines; `(0, 0)` where the
/// four columns' boundaries fall at different bars.
///
/// Streaming stores write whole lines only: a line they wrote part of, or that
/// ordinary stores also wrote, would be read in after all, or go to memory twice. The
/// bars before and after go through ordinary stores. (The four blocks of a group are
/// alike, 2 KB blocks from mimalloc, so their boundaries fall at the same bar.)
fn whole_lines(columns: &FourColumns<'_>) -> (usize, usize) {
    let offset = |column: &[MaybeUninit<f64>]| column.as_ptr().addr() % CACHE_LINE;
    let first = offset(columns[0]);
    if columns.iter().any(|c| offset(c) != first) {
        return (0, 0);
    }
    let head = (CACHE_LINE - first) % CACHE_LINE / std::mem::size_of::<f64>();
    let len = columns[0].len();
    let count = len.saturating_sub(head) / BARS_PER_LINE * BARS_PER_LINE;
    if count == 0 {
        return (0, 0);
    }
    (head, count)
}

/// Each column split in two at `at`.
#[inline(always)]
fn split_columns(columns: FourColumns<'_>, at: usize) -> (FourColumns<'_>, FourColumns<'_>) {
    let [a, b, c, d] = columns.map(|column| column.split_at_mut(at));
    ([a.0, b.0, c.0, d.0], [a.1, b.1, c.1, d.1])
}

/// Writes the interleaved `buf` back into the four series' `columns`, with
/// [streaming](Lane4::stream_uninit) stores if `STREAM`.
///
/// # Safety
/// With `STREAM`, each of `columns` must start on a 32-byte boundary.
#[inline(always)]
unsafe fn untranspose<L: Lane4, const STREAM: bool>(
    buf: &[f64],
    [c0, c1, c2, c3]: FourColumns<'_>,
) {
    let len = c0.len();
    // Exact chunks, not `extend_from_slice` per block: four values at a time through
    // `Vec`'s capacity check (and often a `memcpy` call) cost more than the transpose
    // itself.
    let blocks = buf
        .chunks_exact(16)
        .zip(c0.chunks_exact_mut(4))
        .zip(c1.chunks_exact_mut(4).zip(c2.chunks_exact_mut(4)))
        .zip(c3.chunks_exact_mut(4));
    for (((block, r0), (r1, r2)), r3) in blocks {
        let rows = [
            L::load(&block[0..4]),
            L::load(&block[4..8]),
            L::load(&block[8..12]),
            L::load(&block[12..16]),
        ];
        let [v0, v1, v2, v3] = L::transpose(rows);
        if STREAM {
            // SAFETY: each column starts on a 32-byte boundary (the caller's promise)
            // and these are its values `4 * j..4 * j + 4`, 32 bytes further per block.
            unsafe {
                v0.stream_uninit(r0);
                v1.stream_uninit(r1);
                v2.stream_uninit(r2);
                v3.stream_uninit(r3);
            }
        } else {
            v0.store_uninit(r0);
            v1.store_uninit(r1);
            v2.store_uninit(r2);
            v3.store_uninit(r3);
        }
    }
    for i in len / 4 * 4..len {
        let bar = &buf[4 * i..4 * i + 4];
        for (c, &v) in [&mut *c0, &mut *c1, &mut *c2, &mut *c3]
            .into_iter()
            .zip(bar)
        {
            c[i].write(v);
        }
    }
}

mod divisor;
pub(crate) use divisor::Divisor;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) use avx2::F64x4;

#[cfg(test)]
mod tests {
    use super::*;

    /// Four columns of room, starting on a cache line boundary.
    #[repr(C, align(64))]
    struct Lines([[MaybeUninit<f64>; 64]; 4]);

    /// `write_back` of a known interleaved column into columns starting `offsets` bars
    /// past a cache line boundary, `len` bars long: every bar lands where it belongs,
    /// whichever stores wrote it.
    fn writes_back<L: Lane4>(offsets: [usize; 4], len: usize, stores: Stores) -> bool {
        let buf: Vec<f64> = (0..4 * len).map(|v| v as f64).collect();
        let mut room = Lines([[MaybeUninit::new(f64::NAN); 64]; 4]);
        let mut columns = room.0.iter_mut();
        let columns = offsets.map(|at| &mut columns.next().unwrap()[at..at + len]);
        let streamed = write_back::<L>(&buf, columns, stores);
        L::fence_streams();
        for (l, (column, at)) in room.0.iter().zip(offsets).enumerate() {
            for (i, value) in column[at..at + len].iter().enumerate() {
                // SAFETY: `write_back` wrote every value of the column, or the
                // `NaN` written above is still there.
                let value = unsafe { value.assume_init() };
                assert_eq!(
                    value,
                    (4 * i + l) as f64,
                    "{offsets:?}, {len} bars, {stores:?}"
                );
            }
        }
        streamed
    }

    /// Every offset from a line boundary and every length up to several lines, the
    /// four columns aligned alike and not.
    fn writes_back_everywhere<L: Lane4>() {
        for len in 0..=40 {
            for at in 0..BARS_PER_LINE {
                let streamed = writes_back::<L>([at; 4], len, Stores::Streaming);
                let whole_line = len >= (BARS_PER_LINE - at) % BARS_PER_LINE + BARS_PER_LINE;
                assert_eq!(streamed, whole_line, "from bar {at}, {len} bars");
                assert!(!writes_back::<L>([at; 4], len, Stores::Cached));
                // Boundaries at different bars: ordinary stores only.
                assert!(!writes_back::<L>([at, 0, at, 1], len, Stores::Streaming));
            }
        }
    }

    #[test]
    fn writes_every_value_back_with_either_stores() {
        writes_back_everywhere::<V<4>>();
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            /// # Safety
            /// The CPU must support AVX2 and FMA.
            #[target_feature(enable = "avx2,fma")]
            unsafe fn with_avx2() {
                writes_back_everywhere::<F64x4>();
            }
            // SAFETY: both features were just detected.
            unsafe { with_avx2() };
        }
    }
}
