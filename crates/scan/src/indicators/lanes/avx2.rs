//! [`F64x4`]: four lanes in one AVX2 register.
//!
//! The methods are always inlined and only ever called from functions compiled with
//! AVX2 and FMA (the catalogue's `lanes_avx2`), where the intrinsics become single
//! instructions. The operations are the IEEE ones the scalar code performs, lane by lane;
//! `mul_add` is the fused instruction, as [`f64::mul_add`] is on every target.

use super::{Lane, Lane4};
use std::arch::x86_64::*;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Sub, SubAssign};

#[derive(Clone, Copy)]
pub(crate) struct F64x4(__m256d);

macro_rules! avx_op {
    ($op:ident, $method:ident, $assign:ident, $assign_method:ident, $intrinsic:ident) => {
        impl $op for F64x4 {
            type Output = Self;
            #[inline(always)]
            fn $method(self, o: Self) -> Self {
                // SAFETY: see the module documentation: only reached with AVX2 enabled.
                F64x4(unsafe { $intrinsic(self.0, o.0) })
            }
        }
        impl $assign for F64x4 {
            #[inline(always)]
            fn $assign_method(&mut self, o: Self) {
                *self = $op::$method(*self, o);
            }
        }
    };
}

avx_op!(Add, add, AddAssign, add_assign, _mm256_add_pd);
avx_op!(Sub, sub, SubAssign, sub_assign, _mm256_sub_pd);
avx_op!(Mul, mul, MulAssign, mul_assign, _mm256_mul_pd);
avx_op!(Div, div, DivAssign, div_assign, _mm256_div_pd);

// SAFETY (every `unsafe` block below): see the module documentation.
impl Lane for F64x4 {
    #[inline(always)]
    fn splat(x: f64) -> Self {
        F64x4(unsafe { _mm256_set1_pd(x) })
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        F64x4(unsafe { _mm256_fmadd_pd(self.0, a.0, b.0) })
    }
    #[inline(always)]
    fn abs(self) -> Self {
        F64x4(unsafe { _mm256_andnot_pd(_mm256_set1_pd(-0.0), self.0) })
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        F64x4(unsafe { _mm256_sqrt_pd(self.0) })
    }
    #[inline(always)]
    fn any_lt(self, other: Self) -> bool {
        // Ordered compare: false when either side is NaN, as `<` is.
        unsafe { _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_LT_OQ>(self.0, other.0)) != 0 }
    }
    #[inline(always)]
    fn all_between(self, low: Self, high: Self) -> bool {
        unsafe { _mm256_movemask_pd(between(self.0, low.0, high.0)) == 0b1111 }
    }
    #[inline(always)]
    fn between_or(self, low: Self, high: Self, then: Self, otherwise: Self) -> Self {
        F64x4(unsafe { _mm256_blendv_pd(otherwise.0, then.0, between(self.0, low.0, high.0)) })
    }
    #[inline(always)]
    fn gt_or(self, other: Self, then: Self, otherwise: Self) -> Self {
        // Ordered compare: false when either side is NaN, as `>` is.
        F64x4(unsafe {
            let mask = _mm256_cmp_pd::<_CMP_GT_OQ>(self.0, other.0);
            _mm256_blendv_pd(otherwise.0, then.0, mask)
        })
    }
    #[inline(always)]
    fn max_gt(self, other: Self) -> Self {
        // `maxpd a, b` is `a > b ? a : b` per lane, the second operand on NaN and ties.
        F64x4(unsafe { _mm256_max_pd(self.0, other.0) })
    }
    #[inline(always)]
    fn min_lt(self, other: Self) -> Self {
        // `minpd a, b` is `a < b ? a : b` per lane, the second operand on NaN and ties.
        F64x4(unsafe { _mm256_min_pd(self.0, other.0) })
    }
    #[inline(always)]
    fn le_or(self, other: Self, then: Self, otherwise: Self) -> Self {
        // Ordered compare: false when either side is NaN, as `<=` is.
        F64x4(unsafe {
            let mask = _mm256_cmp_pd::<_CMP_LE_OQ>(self.0, other.0);
            _mm256_blendv_pd(otherwise.0, then.0, mask)
        })
    }
    #[inline(always)]
    fn ne_or(self, other: Self, then: Self, otherwise: Self) -> Self {
        // Unordered compare: true when either side is NaN, as `!=` is.
        F64x4(unsafe {
            let mask = _mm256_cmp_pd::<_CMP_NEQ_UQ>(self.0, other.0);
            _mm256_blendv_pd(otherwise.0, then.0, mask)
        })
    }
}

/// The lanes where `low <= x <= high`, by ordered compares: none where `x` is `NaN`.
#[inline(always)]
fn between(x: __m256d, low: __m256d, high: __m256d) -> __m256d {
    // SAFETY: see the module documentation.
    unsafe {
        _mm256_and_pd(
            _mm256_cmp_pd::<_CMP_GE_OQ>(x, low),
            _mm256_cmp_pd::<_CMP_LE_OQ>(x, high),
        )
    }
}

impl Lane4 for F64x4 {
    #[inline(always)]
    fn load(values: &[f64]) -> Self {
        let values = &values[..4];
        F64x4(unsafe { _mm256_loadu_pd(values.as_ptr()) })
    }
    #[inline(always)]
    fn store(self, values: &mut [f64]) {
        let values = &mut values[..4];
        unsafe { _mm256_storeu_pd(values.as_mut_ptr(), self.0) };
    }
    #[inline(always)]
    fn store_uninit(self, values: &mut [std::mem::MaybeUninit<f64>]) {
        let values = &mut values[..4];
        unsafe { _mm256_storeu_pd(values.as_mut_ptr().cast(), self.0) };
    }
    #[inline(always)]
    unsafe fn stream_uninit(self, values: &mut [std::mem::MaybeUninit<f64>]) {
        let values = &mut values[..4];
        debug_assert!(values.as_ptr().cast::<__m256d>().is_aligned());
        // SAFETY: the caller guarantees the 32-byte alignment `vmovntpd` requires.
        unsafe { _mm256_stream_pd(values.as_mut_ptr().cast(), self.0) };
    }
    #[inline(always)]
    fn fence_streams() {
        unsafe { _mm_sfence() };
    }
    #[inline(always)]
    fn transpose([a, b, c, d]: [Self; 4]) -> [Self; 4] {
        unsafe {
            // (a0 b0 a2 b2), (a1 b1 a3 b3), (c0 d0 c2 d2), (c1 d1 c3 d3)
            let ab_even = _mm256_unpacklo_pd(a.0, b.0);
            let ab_odd = _mm256_unpackhi_pd(a.0, b.0);
            let cd_even = _mm256_unpacklo_pd(c.0, d.0);
            let cd_odd = _mm256_unpackhi_pd(c.0, d.0);
            [
                F64x4(_mm256_permute2f128_pd::<0x20>(ab_even, cd_even)),
                F64x4(_mm256_permute2f128_pd::<0x20>(ab_odd, cd_odd)),
                F64x4(_mm256_permute2f128_pd::<0x31>(ab_even, cd_even)),
                F64x4(_mm256_permute2f128_pd::<0x31>(ab_odd, cd_odd)),
            ]
        }
    }
}
