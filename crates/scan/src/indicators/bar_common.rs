//! Pieces shared by the bar indicators (TRANGE … OBV): the zero tests TA-Lib 0.8.1
//! (the build shipped in the `ta-lib` 0.8.2 wheel) puts in front of its divisions, and
//! the length rule for unequal columns.
//!
//! That build no longer uses the old fixed `1e-8` band everywhere: a test on a
//! quantity carrying the quote unit (a true range, a price range, a deviation) is
//! either exact or *scaled* to the operands' own magnitude, so an instrument quoted at
//! 1e-9 behaves exactly like one quoted at 1. Only dimensionless quantities (the sum of
//! two DI percentages in ADX) keep a fixed band, and that band is `1e-14`. Measured
//! against the wheel: a DI sum of 1.1e-14 counts, 2.0e-15 does not; a 168-ulp range at
//! 1e9 counts, a 167-ulp one does not.

use super::lanes::Lane;

/// TA-Lib's `TA_EPSILON`.
pub(crate) const TA_EPSILON: f64 = 1e-14;

/// TA-Lib's fixed-band `TA_IS_ZERO` in this build: `-1e-14 < v < 1e-14`.
#[inline]
pub(crate) fn is_zero_band(v: f64) -> bool {
    -TA_EPSILON < v && v < TA_EPSILON
}

/// TA-Lib's `TA_IS_ZERO_SCALED(v, scale)`: `|v| <= 1e-14 * scale`, where `scale` is the
/// sum of the magnitudes `v` was computed from. Written multiply-then-compare, as
/// TA-Lib does, so no fused operation can change the boundary.
#[inline]
pub(crate) fn is_zero_scaled(v: f64, scale: f64) -> bool {
    v.abs() <= TA_EPSILON * scale
}

/// The typical price `(high + low + close) / 3`, summed left to right as TA-Lib's CCI
/// and MFI do. One definition, so batch and streaming code cannot drift apart.
#[inline(always)]
pub(crate) fn typical_price<L: Lane>(high: L, low: L, close: L) -> L {
    (high + low + close) / L::splat(3.0)
}

/// Per lane: `0` where [`is_zero_scaled`]`(v, scale)`, else `value`; the form of the
/// scalar `if` that the lane kernels use (the same comparison, so the same lanes).
#[inline(always)]
pub(crate) fn zero_if_scaled_zero<L: Lane>(v: L, scale: L, value: L) -> L {
    v.abs()
        .le_or(L::splat(TA_EPSILON) * scale, L::splat(0.0), value)
}

/// The length every multi-column function works on: the shortest column, so unequal
/// columns never panic.
#[inline]
pub(crate) fn common_len(columns: &[&[f64]]) -> usize {
    columns.iter().map(|c| c.len()).min().unwrap_or(0)
}

/// Deterministic, irregular bars for the unit tests of the bar indicators.
#[cfg(test)]
pub(crate) fn sample_bars(n: usize) -> Vec<super::Hlcv> {
    (0..n)
        .map(|i| {
            let close = 50.0 + ((i * 7919) % 113) as f64 * 0.37 + (i as f64 * 0.05).sin() * 4.0;
            super::Hlcv {
                high: close + ((i * 31) % 7) as f64 * 0.21,
                low: close - ((i * 17) % 5) as f64 * 0.17,
                close,
                volume: ((i * 104_729) % 1000) as f64 * 10.0,
            }
        })
        .collect()
}

/// The columns of [`sample_bars`].
#[cfg(test)]
pub(crate) fn columns(bars: &[super::Hlcv]) -> [Vec<f64>; 4] {
    [
        bars.iter().map(|b| b.high).collect(),
        bars.iter().map(|b| b.low).collect(),
        bars.iter().map(|b| b.close).collect(),
        bars.iter().map(|b| b.volume).collect(),
    ]
}

/// Asserts two outputs are the same bits, `NaN` where the other is `NaN`.
#[cfg(test)]
pub(crate) fn assert_bits_eq(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
            "{what}: bar {i}: {x} vs {y}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_is_open_at_epsilon() {
        assert!(is_zero_band(0.0));
        assert!(is_zero_band(9.9e-15) && is_zero_band(-9.9e-15));
        assert!(!is_zero_band(1e-14) && !is_zero_band(-1e-14));
    }

    #[test]
    fn scaled_test_follows_the_operands() {
        assert!(is_zero_scaled(0.0, 0.0));
        assert!(is_zero_scaled(1e-6, 2e8));
        assert!(!is_zero_scaled(1e-6, 2e7));
        assert!(!is_zero_scaled(1e-300, 1e-300));
    }

    #[test]
    fn common_len_is_the_shortest() {
        assert_eq!(common_len(&[&[1.0, 2.0], &[1.0], &[1.0, 2.0, 3.0]]), 1);
        assert_eq!(common_len(&[]), 0);
    }
}
