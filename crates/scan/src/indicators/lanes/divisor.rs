//! Dividing by a period without the divider, to the same bits as the division.
//!
//! The lane kernels divide by a period on every bar (an SMA's average, WMA's, the
//! Stochastic's smoothing), and a vector division occupies the one divider for about
//! eight cycles, where a multiply-add takes half a cycle of one of two units: ADX, when
//! it still divided seven times a bar, was bound by the divider alone.
//!
//! [`Divisor::divide`] gets the correctly rounded quotient `q = a / d` from the
//! correctly rounded reciprocal `y = RN(1/d)` and one correction:
//! `q0 = RN(a·y)`, `r = RN(a - q0·d)` (one fused multiply-add), `RN(q0 + r·y)`.
//! Why that is `RN(a/d)` for a whole number `d < 2⁴⁷`, with `u = 2⁻⁵³`:
//!
//! - `y` and `q0` each round once, so `q0 = (a/d)(1 + ε)` with `|ε| < 3u`;
//! - `r` rounds `a - q0·d` once, so `q0 + r·y = a/d + (a/d - q0)·η` with `|η| < 3u`:
//!   it lies within `9u²·|a/d|` of `a/d`;
//! - `a/d` is never a midpoint between two doubles, and is at least `2⁻⁵⁴·2ᴱ/d` away
//!   from every one (`2ᴱ ≤ |a/d|`): a midpoint `m` there is an odd multiple of
//!   `2^(E-54)` or `2^(E-53)` while `a`, at least `2ᴱ`, is a multiple of `2^(E-52)`, so
//!   `a - m·d` is a non-zero multiple of `2^(E-54)` (were it zero, `a/d` would be `a`
//!   over the odd part of `d`, an exact quotient of at most 53 bits, times a power of
//!   two: a double, not a midpoint);
//! - `9u²·2ᴱ⁺¹ < 2⁻⁵⁴·2ᴱ/d` for `d < 2⁴⁷`: no midpoint separates `q0 + r·y` from `a/d`,
//!   so both round to the same double.
//!
//! The argument needs every intermediate to be a normal number, so the quotient is taken
//! this way only when every lane's `|q0|` lies in `[2⁻⁵⁰⁰, 2⁵⁰⁰]` (with `d` at most
//! about `5·10⁹`, WMA's divider `p(p+1)/2` for the largest period, a non-zero `r` is
//! then above `2⁻⁵⁶⁰`, `r·y` above `2⁻⁵⁹⁵`, and `q0·d` far from overflow). Zeros,
//! infinities, `NaN` and extreme magnitudes go to the division, as do the other lanes
//! of their vector.

use super::Lane;
#[cfg(doc)]
use crate::indicators::MAX_PERIOD;

/// `2⁻⁵⁰⁰`: below this `|q0|`, the remainder could be subnormal; divide instead.
const SMALLEST: f64 = f64::from_bits((1023 - 500) << 52);
/// `2⁵⁰⁰`: above this `|q0|`, `q0·d` could overflow; divide instead.
const LARGEST: f64 = f64::from_bits((1023 + 500) << 52);

/// A period to divide by, with what dividing by it without the divider takes.
#[derive(Clone, Copy)]
pub(crate) struct Divisor<L> {
    divisor: L,
    negated: L,
    reciprocal: L,
}

impl<L: Lane> Divisor<L> {
    /// Dividing by `divisor`, a whole number from 1 to WMA's divider for the largest
    /// period, `MAX_PERIOD * (MAX_PERIOD + 1) / 2` ([`MAX_PERIOD`]).
    #[inline(always)]
    pub(crate) fn new(divisor: usize) -> Self {
        let d = divisor as f64;
        Divisor {
            divisor: L::splat(d),
            negated: L::splat(-d),
            reciprocal: L::splat(1.0 / d),
        }
    }

    /// `a / period`, bit for bit.
    #[inline(always)]
    pub(crate) fn divide(self, a: L) -> L {
        let q0 = a * self.reciprocal;
        let remainder = q0.mul_add(self.negated, a);
        let quotient = remainder.mul_add(self.reciprocal, q0);
        let (low, high) = (L::splat(SMALLEST), L::splat(LARGEST));
        let magnitude = q0.abs();
        if magnitude.all_between(low, high) {
            quotient
        } else {
            magnitude.between_or(low, high, quotient, a / self.divisor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::lanes::V;

    /// A deterministic stream of doubles spread over every binade the fast path takes
    /// and past it, with random significands (xorshift).
    fn samples(count: usize) -> impl Iterator<Item = f64> {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        (0..count).map(move |_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let significand = state >> 12; // 52 random bits
            let exponent = 1023 - 520 + (state >> 4) % 1041; // 2⁻⁵²⁰ ..= 2⁵²⁰
            let sign = (state & 1) << 63;
            f64::from_bits(sign | exponent << 52 | significand)
        })
    }

    fn assert_divides_exactly(a: f64, period: usize) {
        let expected = a / period as f64;
        let scalar = Divisor::<f64>::new(period).divide(a);
        assert_eq!(
            scalar.to_bits(),
            expected.to_bits(),
            "{a:e} / {period}: {scalar:e}, division gives {expected:e}"
        );
    }

    #[test]
    fn equals_the_division_bit_for_bit() {
        // Periods near powers of two, odd and even, small and the largest.
        let periods = [
            1, 2, 3, 5, 7, 9, 10, 14, 20, 26, 63, 64, 65, 99, 127, 255, 1000, 100_000,
        ];
        // WMA's dividers `p(p+1)/2`: for 20, 50, 1,000 and the largest period.
        let wma_dividers = [210, 1275, 500_500, 5_000_050_000];
        for period in periods.into_iter().chain(wma_dividers) {
            for a in samples(200_000) {
                assert_divides_exactly(a, period);
            }
        }
        // Every period up to a thousand, on fewer values.
        for period in 1..=1000 {
            for a in samples(2_000) {
                assert_divides_exactly(a, period);
            }
        }
    }

    #[test]
    fn values_near_integers_and_quotients_near_ties() {
        // Sums of prices: integers and cents, whose quotients by small periods are
        // often exact or one bit from a tie.
        for period in 1..=64 {
            for cents in (0..20_000_u64).chain(1 << 52..(1 << 52) + 2_000) {
                let a = cents as f64 / 100.0;
                assert_divides_exactly(a, period);
                assert_divides_exactly(-a, period);
                assert_divides_exactly(cents as f64, period);
            }
        }
    }

    #[test]
    fn specials_and_extremes_fall_back_to_the_division() {
        let extremes = [
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            f64::MAX,
            f64::MIN,
            SMALLEST,
            LARGEST,
            SMALLEST / 2.0,
            LARGEST * 2.0,
            1e-300,
            1e300,
        ];
        for period in [1, 3, 14, 100_000, 5_000_050_000] {
            for &a in &extremes {
                let expected = a / period as f64;
                let got = Divisor::<f64>::new(period).divide(a);
                assert!(
                    got.to_bits() == expected.to_bits(),
                    "{a:e} / {period}: {got:e}, division gives {expected:e}"
                );
            }
        }
    }

    #[test]
    fn a_special_lane_leaves_the_others_exact() {
        let divisor = Divisor::<V<4>>::new(7);
        for a in samples(10_000) {
            let lanes = V([a, f64::INFINITY, -a * 3.0, 0.0]);
            let got = divisor.divide(lanes);
            for (g, x) in got.0.iter().zip(lanes.0) {
                assert_eq!(
                    g.to_bits(),
                    (x / 7.0).to_bits(),
                    "{x:e} / 7 beside a special lane"
                );
            }
        }
    }
}
