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
//! The arithmetic is written once, generic over [`Lane`], which both `f64` (the scalar
//! loops) and [`V`] (`N` lanes) implement. `V` is a plain array: inside a function
//! compiled for AVX2 (see [`crate::catalog`]'s driver) the compiler turns its
//! element-wise operations into vector instructions.

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
    /// Per lane: `if self > other { then } else { otherwise }` (false for `NaN`).
    fn gt_or(self, other: Self, then: Self, otherwise: Self) -> Self;
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
    fn gt_or(self, other: Self, then: Self, otherwise: Self) -> Self {
        if self > other {
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
    fn gt_or(self, other: Self, then: Self, otherwise: Self) -> Self {
        V(std::array::from_fn(|l| {
            self.0[l].gt_or(other.0[l], then.0[l], otherwise.0[l])
        }))
    }
    #[inline(always)]
    fn ne_or(self, other: Self, then: Self, otherwise: Self) -> Self {
        V(std::array::from_fn(|l| {
            self.0[l].ne_or(other.0[l], then.0[l], otherwise.0[l])
        }))
    }
}

/// Four values, one per series: the width of a group (one AVX2 vector of `f64`).
pub(crate) trait Lane4: Lane {
    fn from_array(values: [f64; 4]) -> Self;
    fn to_array(self) -> [f64; 4];
}

impl Lane4 for V<4> {
    #[inline(always)]
    fn from_array(values: [f64; 4]) -> Self {
        V(values)
    }
    #[inline(always)]
    fn to_array(self) -> [f64; 4] {
        self.0
    }
}

/// One input column of four series of the same length, read one bar across the lanes.
#[derive(Clone, Copy)]
pub(crate) struct Inputs<'a>(pub [&'a [f64]; 4]);

impl Inputs<'_> {
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.0[0].len()
    }

    #[inline(always)]
    pub(crate) fn at<L: Lane4>(&self, i: usize) -> L {
        L::from_array(self.0.map(|c| c[i]))
    }
}

/// One output column of four series, written one bar across the lanes.
pub(crate) struct Outputs<'a>(pub [&'a mut [f64]; 4]);

impl Outputs<'_> {
    #[inline(always)]
    pub(crate) fn set<L: Lane4>(&mut self, i: usize, v: L) {
        for (column, x) in self.0.iter_mut().zip(v.to_array()) {
            column[i] = x;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) use avx2::F64x4;
