//! Highest and lowest value over a window (TA-Lib `MAX` and `MIN`).
//!
//! The value is exact whatever the algorithm, except for which of several "equal"
//! values is returned when `0.0` meets `-0.0`, and what a `NaN` does. TA-Lib 0.8 runs a
//! Van Herk / Gil-Werman block scan, and we reproduce it, ties and `NaN`s included:
//!
//! * the input is cut into blocks of `period` bars starting at bar 0;
//! * the output at a block's last bar is the block's extreme, scanned backwards from
//!   that bar, a new value winning only if strictly greater (for MAX; smaller for MIN);
//! * the output `m` bars later combines the extreme of the old block from position `m`
//!   on (same backward scan) with the running extreme of the new block's first `m`
//!   bars (scanned forwards, strictly-greater wins), the old part winning ties.
//!
//! Each comparison is `candidate > incumbent`, so a `NaN` incumbent stays and a `NaN`
//! candidate never wins. The batch is O(n) with three comparisons per bar; the
//! streaming state keeps one block and its suffix extremes (O(period) memory) and pays
//! the backward scan once per `period` bars.

use super::lanes::{self, Inputs, Lane, Lane4, Outputs};
use super::support::filled_column;
use super::{check_period, ParamError, Streaming, MAX_PERIOD};
use std::mem::MaybeUninit;

/// `a` replaces `b` as the extreme (MAX: `a > b`, MIN: `a < b`).
#[inline(always)]
fn beats<const MAX: bool>(a: f64, b: f64) -> bool {
    if MAX {
        a > b
    } else {
        a < b
    }
}

/// Writes into `dst` the suffix extremes of the block `src`: `dst[j]` is the extreme of
/// `src[j..]`, scanned backwards from the block's end.
#[inline(always)]
fn suffix_extremes<const MAX: bool>(src: &[f64], dst: &mut [f64]) {
    let last = src.len() - 1;
    let dst = &mut dst[..=last];
    let mut best = src[last];
    dst[last] = best;
    for j in (0..last).rev() {
        let x = src[j];
        if beats::<MAX>(x, best) {
            best = x;
        }
        dst[j] = best;
    }
}

/// Streaming MAX (`Extreme<true>`) or MIN (`Extreme<false>`); see [`Max`] and [`Min`].
#[derive(Debug, Clone)]
pub struct Extreme<const MAX: bool> {
    period: usize,
    /// The values of the block being filled, positions `..filled`.
    block: Vec<f64>,
    /// The suffix extremes of the last complete block.
    suffix: Vec<f64>,
    filled: usize,
    /// The running extreme of the block being filled.
    prefix: f64,
    /// Whether a complete block has been seen.
    ready: bool,
}

/// Streaming MAX.
pub type Max = Extreme<true>;
/// Streaming MIN.
pub type Min = Extreme<false>;

impl<const MAX: bool> Extreme<MAX> {
    pub const NAME: &'static str = if MAX { "max" } else { "min" };

    pub fn new(period: usize) -> Result<Self, ParamError> {
        let period = check_period(Self::NAME, "period", period, 2, MAX_PERIOD)?;
        Ok(Extreme {
            period,
            block: vec![0.0; period],
            suffix: vec![0.0; period],
            filled: 0,
            prefix: 0.0,
            ready: false,
        })
    }
}

impl<const MAX: bool> Streaming for Extreme<MAX> {
    type Input = f64;
    type Output = f64;

    #[inline]
    fn update(&mut self, x: f64) -> f64 {
        self.block[self.filled] = x;
        if self.filled == 0 || beats::<MAX>(x, self.prefix) {
            self.prefix = x;
        }
        self.filled += 1;
        if self.filled == self.period {
            suffix_extremes::<MAX>(&self.block, &mut self.suffix);
            self.filled = 0;
            self.ready = true;
            return self.suffix[0];
        }
        if !self.ready {
            return f64::NAN;
        }
        let old = self.suffix[self.filled];
        if beats::<MAX>(self.prefix, old) {
            self.prefix
        } else {
            old
        }
    }

    fn lookback(&self) -> usize {
        self.period - 1
    }
}

/// Highest value of the last `period` inputs; the first `period - 1` outputs are `NaN`.
pub fn max(input: &[f64], period: usize) -> Result<Vec<f64>, ParamError> {
    let period = check_period(Max::NAME, "period", period, 2, MAX_PERIOD)?;
    Ok(extremes::<true>(input, period))
}

/// Lowest value of the last `period` inputs; the first `period - 1` outputs are `NaN`.
pub fn min(input: &[f64], period: usize) -> Result<Vec<f64>, ParamError> {
    let period = check_period(Min::NAME, "period", period, 2, MAX_PERIOD)?;
    Ok(extremes::<false>(input, period))
}

/// The block scan over whole columns.
fn extremes<const MAX: bool>(input: &[f64], period: usize) -> Vec<f64> {
    let fill_all = |[slots]: [&mut [MaybeUninit<f64>]; 1]| {
        if input.len() >= period {
            fill::<MAX>(input, period, slots);
        }
    };
    // SAFETY: `fill` writes every slot whenever there are any (`len >= period`).
    unsafe { filled_column(input.len(), period - 1, fill_all) }
}

/// Writes all `input.len() - (period - 1)` slots; `input.len() >= period`.
///
/// Slot `s` is the output at bar `s + period - 1`, so the slots split into runs of
/// `period` lining up with the input's blocks: run `b` starts with block `b`'s extreme
/// and goes on with the bars of block `b + 1` up to its last-but-one. Every comparison
/// is a compare-and-select on the same operands as TA-Lib's, which the compiler emits
/// as `maxsd`/`minsd` (their operand order gives exactly the ties and `NaN` rules
/// above), so the loops have no data-dependent branches.
#[inline(always)]
fn fill<const MAX: bool>(input: &[f64], period: usize, slots: &mut [MaybeUninit<f64>]) {
    let mut suffix = vec![0.0; period];
    for (b, run) in slots.chunks_mut(period).enumerate() {
        // Block `b` is complete: run `b` exists, so bar `b * period + period - 1` does.
        let start = b * period;
        suffix_extremes::<MAX>(&input[start..start + period], &mut suffix);
        run[0].write(suffix[0]);
        // The next block's bars, combining the old block's suffix with the new block's
        // running extreme; `next` has at least `run.len() - 1` bars.
        let next = &input[start + period..];
        let mut prefix = next.first().copied().unwrap_or_default();
        for ((slot, &old), &x) in run[1..].iter_mut().zip(&suffix[1..]).zip(next) {
            if beats::<MAX>(x, prefix) {
                prefix = x;
            }
            slot.write(if beats::<MAX>(prefix, old) {
                prefix
            } else {
                old
            });
        }
    }
}

/// `a` or `b`, whichever [`beats`] picks, per lane: `maxpd`/`minpd`, whose operand
/// order gives exactly the scalar comparison's ties and `NaN` rules.
#[inline(always)]
fn pick<L: Lane, const MAX: bool>(a: L, b: L) -> L {
    if MAX {
        a.max_gt(b)
    } else {
        a.min_lt(b)
    }
}

/// MAX (`MAX = true`) or MIN of four series of equal length at once, into outputs
/// already holding `NaN`: the blocks and comparisons of [`fill`], per lane.
#[inline(always)]
pub(crate) fn extremes_lanes<L: Lane4, const MAX: bool>(
    x: Inputs,
    period: usize,
    [mut out]: [Outputs; 1],
) {
    let n = x.len();
    let mut suffix = lanes::filled(L::splat(0.0), period);
    let mut start = 0;
    while start + period <= n {
        // The block's suffix extremes, scanned backwards from its last bar.
        let block = x.bars(start, period);
        let mut best = L::load(&block[4 * (period - 1)..]);
        for (v, slot) in block.chunks_exact(4).zip(suffix.iter_mut()).rev() {
            best = pick::<L, MAX>(L::load(v), best);
            *slot = best;
        }
        // The window ending at the block's last bar, then those reaching into the next
        // block: its running extreme against the old block's suffix.
        let next = start + period;
        let avail = (n - next).min(period - 1);
        let slots = out.bars(next - 1, avail + 1);
        let (first, rest) = slots.split_at_mut(4);
        suffix[0].store(first);
        let bars = x.bars(next, avail);
        let mut prefix = if avail > 0 {
            L::load(&bars[..4])
        } else {
            L::splat(0.0)
        };
        let windows = bars.chunks_exact(4).zip(&suffix[1..]);
        for (slot, (v, &old)) in rest.chunks_exact_mut(4).zip(windows) {
            prefix = pick::<L, MAX>(L::load(v), prefix);
            pick::<L, MAX>(prefix, old).store(slot);
        }
        start = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::run_streaming;
    use crate::indicators::support::AAPL_CLOSE;

    /// The plain definition, for values where ties cannot be told apart.
    fn naive<const MAX: bool>(input: &[f64], period: usize) -> Vec<f64> {
        (0..input.len())
            .map(|i| {
                if i + 1 < period {
                    return f64::NAN;
                }
                let w = input[i + 1 - period..=i].iter().copied();
                if MAX {
                    w.fold(f64::NEG_INFINITY, f64::max)
                } else {
                    w.fold(f64::INFINITY, f64::min)
                }
            })
            .collect()
    }

    fn wiggly(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| ((i * 7919) % 113) as f64 * 0.37 - (i % 29) as f64)
            .collect()
    }

    #[test]
    fn highest_and_lowest_of_the_window() {
        let input = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let hi = max(&input, 3).unwrap();
        let lo = min(&input, 3).unwrap();
        assert!(hi[..2].iter().chain(&lo[..2]).all(|v| v.is_nan()));
        assert_eq!(&hi[2..], &[4.0, 4.0, 5.0, 9.0, 9.0, 9.0]);
        assert_eq!(&lo[2..], &[1.0, 1.0, 1.0, 1.0, 2.0, 2.0]);
    }

    #[test]
    fn matches_talib_on_aapl() {
        let (hi, lo) = (max(&AAPL_CLOSE, 7).unwrap(), min(&AAPL_CLOSE, 7).unwrap());
        assert_eq!((hi[6], hi[39]), (110.22000122070312, 129.36000061035156));
        assert_eq!((lo[6], lo[39]), (105.98999786376953, 124.51000213623047));
    }

    #[test]
    fn agrees_with_the_definition() {
        let input = wiggly(1000);
        for period in [2, 3, 7, 64, 999, 1000] {
            assert_eq!(
                max(&input, period).unwrap()[period - 1..],
                naive::<true>(&input, period)[period - 1..]
            );
            assert_eq!(
                min(&input, period).unwrap()[period - 1..],
                naive::<false>(&input, period)[period - 1..]
            );
        }
    }

    #[test]
    fn zero_ties_follow_the_block_scan() {
        // Window [0.0, -0.0] at the end of a block: the backward scan keeps the later
        // value. Window [-0.0, 0.0] straddling blocks: the old block's value wins.
        let out = max(&[0.0, -0.0, 0.0], 2).unwrap();
        assert_eq!(out[1].to_bits(), (-0.0f64).to_bits());
        assert_eq!(out[2].to_bits(), (-0.0f64).to_bits());
        let out = min(&[-0.0, 0.0, -0.0, 0.0], 2).unwrap();
        assert_eq!(out[1].to_bits(), 0.0f64.to_bits());
        assert_eq!(out[2].to_bits(), 0.0f64.to_bits());
        assert_eq!(out[3].to_bits(), 0.0f64.to_bits());
    }

    #[test]
    fn nan_only_wins_as_the_incumbent() {
        let out = max(&[1.0, f64::NAN, 2.0, 0.5, 0.25], 2).unwrap();
        // Block [1, NaN]: the scan starts on NaN and keeps it.
        assert!(out[1].is_nan());
        // [NaN | 2]: the old part is NaN, 2 > NaN is false.
        assert!(out[2].is_nan());
        assert_eq!(&out[3..], &[2.0, 0.5]);
    }

    #[test]
    fn short_input_is_all_nan() {
        assert!(max(&[1.0, 2.0], 3).unwrap().iter().all(|v| v.is_nan()));
        assert!(min(&[], 3).unwrap().is_empty());
    }

    #[test]
    fn period_one_is_refused_as_in_talib() {
        assert_eq!(
            max(&[1.0], 1).unwrap_err().to_string(),
            "max: period must be between 2 and 100000, got 1"
        );
        assert_eq!(min(&[1.0], 100_001).unwrap_err().indicator, "min");
    }

    #[test]
    fn streaming_matches_batch_bit_for_bit() {
        let mut input = wiggly(1500);
        for i in (0..1500).step_by(37) {
            input[i] = if i % 2 == 0 { 0.0 } else { -0.0 };
        }
        for i in (5..1500).step_by(101) {
            input[i] = f64::NAN;
        }
        for period in [2, 3, 5, 14, 100, 1499, 1500, 1501] {
            let batch = max(&input, period).unwrap();
            let streamed = run_streaming(Max::new(period).unwrap(), input.iter().copied());
            for (a, b) in batch.iter().zip(&streamed) {
                assert_eq!(a.to_bits(), b.to_bits(), "max, period {period}");
            }
            let batch = min(&input, period).unwrap();
            let streamed = run_streaming(Min::new(period).unwrap(), input.iter().copied());
            for (a, b) in batch.iter().zip(&streamed) {
                assert_eq!(a.to_bits(), b.to_bits(), "min, period {period}");
            }
        }
    }
}
