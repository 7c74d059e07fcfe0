//! Deciding a comparison without computing its operands exactly.
//!
//! `volume > 1.5 * sma(volume, 20)` at one bar needs the SMA's exact value only when
//! the two sides are within rounding error of each other. The exact (TA-Lib) SMA keeps
//! a running total from the first bar, so computing it is a pass over the whole series;
//! a fresh sum of the last `period` values is a short loop whose result differs from
//! the exact one by at most a rounding bound we can state. When the intervals of the
//! two sides do not overlap, the comparison's result is certain and equals the exact
//! evaluation's; otherwise the caller computes exactly. Only comparisons of numbers
//! known to be finite are decided this way, so no undefined value is ever skipped.

use crate::catalog::Indicator;
use crate::lang::{ArithOp, CmpOp};

/// A closed interval known to contain a finite value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bounds {
    pub lo: f64,
    pub hi: f64,
}

impl Bounds {
    pub fn exact(value: f64) -> Option<Bounds> {
        value.is_finite().then_some(Bounds {
            lo: value,
            hi: value,
        })
    }

    /// `value ± error`, widened, or `None` if not finite.
    fn around(value: f64, error: f64) -> Option<Bounds> {
        let b = Bounds {
            lo: value - error,
            hi: value + error,
        };
        (b.lo.is_finite() && b.hi.is_finite()).then_some(b)
    }

    pub fn neg(self) -> Bounds {
        Bounds {
            lo: -self.hi,
            hi: -self.lo,
        }
    }

    /// Bounds of the floating-point result of `op` on any values in `a` and `b`:
    /// the interval of the exact results, widened by more than one rounding.
    pub fn arith(op: ArithOp, a: Bounds, b: Bounds) -> Option<Bounds> {
        let (lo, hi) = match op {
            ArithOp::Add => (a.lo + b.lo, a.hi + b.hi),
            ArithOp::Sub => (a.lo - b.hi, a.hi - b.lo),
            ArithOp::Mul => {
                let p = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
                let lo = p.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (lo, hi)
            }
            // Division near zero is undefined or huge: leave it to exact evaluation.
            ArithOp::Div => return None,
        };
        let slack = 4.0 * f64::EPSILON * lo.abs().max(hi.abs()) + f64::MIN_POSITIVE;
        let b = Bounds {
            lo: lo - slack,
            hi: hi + slack,
        };
        (b.lo.is_finite() && b.hi.is_finite()).then_some(b)
    }

    /// The comparison's result if it is the same for every pair of values in `a` and
    /// `b`, as 1.0/0.0; `None` if it depends on where in the intervals they lie.
    pub fn compare(op: CmpOp, a: Bounds, b: Bounds) -> Option<f64> {
        let (certain, impossible) = match op {
            CmpOp::Lt => (a.hi < b.lo, a.lo >= b.hi),
            CmpOp::Le => (a.hi <= b.lo, a.lo > b.hi),
            CmpOp::Gt => (a.lo > b.hi, a.hi <= b.lo),
            CmpOp::Ge => (a.lo >= b.hi, a.hi < b.lo),
            CmpOp::Eq | CmpOp::Ne => return None,
        };
        if certain {
            Some(1.0)
        } else if impossible {
            Some(0.0)
        } else {
            None
        }
    }
}

/// Whether [`indicator`] can bound this indicator.
pub(crate) fn has_bounds(indicator: &Indicator) -> bool {
    matches!(indicator, Indicator::Sma { .. })
}

/// Bounds of an indicator's first output at bar `i` over the price column `x`, whose
/// largest |value| is at most `largest`, for the indicators that have a cheap bound;
/// `None` for the others and while undefined.
pub(crate) fn indicator(
    indicator: &Indicator,
    x: &[f64],
    largest: f64,
    i: usize,
) -> Option<Bounds> {
    match *indicator {
        Indicator::Sma { period, .. } => sma(x, largest, period, i),
        _ => None,
    }
}

/// The SMA at `i` is defined from bar `period - 1` on. The running total makes at most
/// `2(i + 1)` roundings, each at most ε/2 of a partial total, and every partial total is
/// at most `period × A` (A the largest |x| up to `i`, itself at most `largest`, the
/// series' largest: a looser bound only decides fewer comparisons); divided by
/// `period`, the exact SMA is within `(i + 1) ε A` of the true mean, and the fresh sum
/// within `period ε A / 2`. The bound used is four times their sum, plus the divisions'
/// roundings. Only the window is read: the series keeps its largest value, so no pass
/// over the history is needed.
fn sma(x: &[f64], largest: f64, period: usize, i: usize) -> Option<Bounds> {
    if i >= x.len() || i + 1 < period {
        return None;
    }
    let window = &x[i + 1 - period..=i];
    let mean = sum(window) / period as f64;
    let roundings = (2 * (i + 1) + period + 4) as f64;
    Bounds::around(mean, 4.0 * roundings * f64::EPSILON * largest)
}

/// The sum in eight independent lanes, so that it vectorises; any order of additions
/// is within the rounding bound [`sma`] allows for the fresh sum.
fn sum(x: &[f64]) -> f64 {
    let mut lanes = [0.0_f64; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += v;
        }
    }
    lanes.iter().sum::<f64>() + rest.iter().sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sma_bounds_contain_the_exact_sma() {
        let mut state = 12345u64;
        let x: Vec<f64> = (0..600)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                1e6 * (1.0 + (state >> 11) as f64 / (1u64 << 53) as f64)
            })
            .collect();
        let largest = x.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        for period in [1, 2, 20, 200] {
            let exact = crate::indicators::sma(&x, period).unwrap();
            for (i, &value) in exact.iter().enumerate() {
                match sma(&x, largest, period, i) {
                    None => assert!(value.is_nan()),
                    Some(b) => assert!(b.lo <= value && value <= b.hi, "{period} {i}"),
                }
            }
        }
    }

    #[test]
    fn compare_decides_only_disjoint_intervals() {
        let a = Bounds { lo: 1.0, hi: 2.0 };
        let b = Bounds { lo: 2.5, hi: 3.0 };
        assert_eq!(Bounds::compare(CmpOp::Lt, a, b), Some(1.0));
        assert_eq!(Bounds::compare(CmpOp::Gt, a, b), Some(0.0));
        let c = Bounds { lo: 1.5, hi: 2.6 };
        assert_eq!(Bounds::compare(CmpOp::Lt, a, c), None);
        assert_eq!(Bounds::compare(CmpOp::Eq, a, a), None);
    }
}
