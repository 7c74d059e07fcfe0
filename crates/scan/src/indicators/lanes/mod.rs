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
    /// in `series` (emptied first; allocated here if they have no room). Every value is
    /// written once, by the transposes: the blocks are not zeroed first.
    #[inline(always)]
    pub(crate) fn finish<L: Lane4>(self, mut series: [Vec<f64>; 4]) -> [Columns; 4] {
        let len = self.len;
        for values in &mut series {
            values.clear();
            values.reserve(K * len);
        }
        let mut rooms = series
            .each_mut()
            .map(|values| &mut values.spare_capacity_mut()[..K * len]);
        let column = 4 * len;
        for k in 0..K {
            let buf = &self.columns[k * column..(k + 1) * column];
            let [c0, c1, c2, c3] = rooms
                .each_mut()
                .map(|room| &mut room[k * len..(k + 1) * len]);
            // Exact chunks, not `extend_from_slice` per block: four values at a time
            // through `Vec`'s capacity check (and often a `memcpy` call) cost more than
            // the transpose itself.
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
                v0.store_uninit(r0);
                v1.store_uninit(r1);
                v2.store_uninit(r2);
                v3.store_uninit(r3);
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
        series.map(|mut values| {
            // SAFETY: the loop above wrote all `len` values of each of the `K` columns
            // (whole chunks of four, then the rest), within the capacity.
            unsafe { values.set_len(K * len) };
            Columns::from_values(values, K)
        })
    }
}

mod divisor;
pub(crate) use divisor::Divisor;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) use avx2::F64x4;
