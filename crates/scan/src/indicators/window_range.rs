//! Highest high and lowest low over a sliding window, for STOCH, STOCHF and WILLR.
//!
//! TA-Lib tracks the extremes with their indices and rescans the window when one drops
//! out; its batch WILLR uses a van Herk / Gil-Werman block scan. Any exact method gives
//! the same two numbers (a maximum is a maximum), so we pick ours for cost: the batch
//! form is the block scan (a fixed handful of comparisons per bar whatever the period,
//! scratch of `period` values), the streaming form a pair of monotonic queues
//! (amortized O(1) per bar, no allocation after construction, where TA-Lib's
//! rescan degrades to O(period) per bar on a trend).

use super::lanes::{self, Inputs, Lane, Lane4};
use std::collections::VecDeque;

/// Streaming window extremes.
#[derive(Debug, Clone)]
pub(crate) struct WindowRange {
    period: usize,
    count: usize,
    /// Candidates for the highest high, `(bar, high)`, highs strictly decreasing.
    highs: VecDeque<(usize, f64)>,
    /// Candidates for the lowest low, `(bar, low)`, lows strictly increasing.
    lows: VecDeque<(usize, f64)>,
}

impl WindowRange {
    pub(crate) fn new(period: usize) -> Self {
        WindowRange {
            period,
            count: 0,
            highs: VecDeque::with_capacity(period),
            lows: VecDeque::with_capacity(period),
        }
    }

    /// Takes one bar; once `period` bars have been seen, returns the window's
    /// `(highest high, lowest low)`.
    #[inline]
    pub(crate) fn push(&mut self, high: f64, low: f64) -> Option<(f64, f64)> {
        let bar = self.count;
        self.count += 1;
        if bar >= self.period {
            // Expire before pushing, so neither queue outgrows its `period` capacity.
            let oldest = bar - self.period;
            if self.highs.front().is_some_and(|&(i, _)| i <= oldest) {
                self.highs.pop_front();
            }
            if self.lows.front().is_some_and(|&(i, _)| i <= oldest) {
                self.lows.pop_front();
            }
        }
        while self.highs.back().is_some_and(|&(_, h)| h <= high) {
            self.highs.pop_back();
        }
        self.highs.push_back((bar, high));
        while self.lows.back().is_some_and(|&(_, l)| l >= low) {
            self.lows.pop_back();
        }
        self.lows.push_back((bar, low));
        if self.count < self.period {
            return None;
        }
        Some((self.highs[0].1, self.lows[0].1))
    }
}

/// Calls `emit(bar, highest high, lowest low)` for every bar from `period - 1` on, in
/// order, over the first `n` bars of the columns.
#[inline(always)]
pub(crate) fn for_each_window_range(
    high: &[f64],
    low: &[f64],
    n: usize,
    period: usize,
    mut emit: impl FnMut(usize, f64, f64),
) {
    for_each_window_block(high, low, n, period, |first, highest, lowest| {
        for (k, (&hh, &ll)) in highest.iter().zip(lowest).enumerate() {
            emit(first + k, hh, ll);
        }
    });
}

/// The extremes of every window of `period` bars over the first `n` bars, a block at
/// a time: `emit(first, highest, lowest)` gets the highest highs and lowest lows of the
/// windows ending at bars `first..first + highest.len()`, blocks in order. Callers
/// whose per-window arithmetic is independent from window to window (a division, say)
/// run it over a whole block, where the compiler vectorises it.
///
/// Van Herk / Gil-Werman: the bars are cut into blocks of `period`. A window ending at
/// the last bar of a block is that block; any other window is a suffix of one block
/// plus a prefix of the next, so one backward pass (suffix extremes, kept in scratch)
/// and one forward pass (running prefix extremes) per block answer every window.
#[inline(always)]
pub(crate) fn for_each_window_block(
    high: &[f64],
    low: &[f64],
    n: usize,
    period: usize,
    mut emit: impl FnMut(usize, &[f64], &[f64]),
) {
    if n < period {
        return;
    }
    let (high, low) = (&high[..n], &low[..n]);
    let mut suffix_high = vec![0.0; period];
    let mut suffix_low = vec![0.0; period];
    let mut highest = vec![0.0; period];
    let mut lowest = vec![0.0; period];
    let mut start = 0;
    while start + period <= n {
        let block_high = &high[start..start + period];
        let block_low = &low[start..start + period];
        let (mut hh, mut ll) = (block_high[period - 1], block_low[period - 1]);
        let suffixes = suffix_high.iter_mut().zip(suffix_low.iter_mut());
        for ((&h, &l), (sh, sl)) in block_high.iter().zip(block_low).zip(suffixes).rev() {
            hh = h.max_gt(hh);
            ll = l.min_lt(ll);
            (*sh, *sl) = (hh, ll);
        }
        (highest[0], lowest[0]) = (hh, ll);
        let next = start + period;
        let avail = (n - next).min(period - 1);
        let (mut ph, mut pl) = (f64::NEG_INFINITY, f64::INFINITY);
        let bars = high[next..next + avail]
            .iter()
            .zip(&low[next..next + avail]);
        let suffixes = suffix_high[1..=avail].iter().zip(&suffix_low[1..=avail]);
        let outs = highest[1..=avail].iter_mut().zip(&mut lowest[1..=avail]);
        for (((&h, &l), (&sh, &sl)), (oh, ol)) in bars.zip(suffixes).zip(outs) {
            ph = h.max_gt(ph);
            pl = l.min_lt(pl);
            (*oh, *ol) = (ph.max_gt(sh), pl.min_lt(sl));
        }
        emit(start + period - 1, &highest[..=avail], &lowest[..=avail]);
        start = next;
    }
}

/// [`for_each_window_block`] over four series at once: `emit(first, highest, lowest)`
/// gets the extremes of the windows ending at bars `first..first + highest.len()`,
/// blocks in order, each lane scanned with the scalar scan's comparisons.
///
/// Callers mark `emit` `#[inline(always)]`: a closure left out of line is compiled
/// without the AVX2 features of the kernel around it, and its lane arithmetic then
/// runs as calls (STOCH five times slower).
#[inline(always)]
pub(crate) fn for_each_window_block_lanes<L: Lane4>(
    high: Inputs,
    low: Inputs,
    period: usize,
    mut emit: impl FnMut(usize, &[L], &[L]),
) {
    let n = high.len();
    if n < period {
        return;
    }
    // Bars walked through exact chunks of their interleaved columns, outputs written
    // through iterators: with an index per bar, the bounds checks' panic paths made
    // the compiler keep the running extremes on the stack.
    let zero = L::splat(0.0);
    let (mut highest, mut lowest) = (lanes::filled(zero, period), lanes::filled(zero, period));
    let (mut suffix_high, mut suffix_low) =
        (lanes::filled(zero, period), lanes::filled(zero, period));
    let mut start = 0;
    while start + period <= n {
        let (hs, ls) = (high.bars(start, period), low.bars(start, period));
        let last = 4 * (period - 1);
        let (mut hh, mut ll) = (L::load(&hs[last..]), L::load(&ls[last..]));
        let bars = hs.chunks_exact(4).zip(ls.chunks_exact(4));
        let suffixes = suffix_high.iter_mut().zip(suffix_low.iter_mut());
        for ((h, l), (sh, sl)) in bars.zip(suffixes).rev() {
            hh = L::load(h).max_gt(hh);
            ll = L::load(l).min_lt(ll);
            (*sh, *sl) = (hh, ll);
        }
        (highest[0], lowest[0]) = (hh, ll);
        let next = start + period;
        let avail = (n - next).min(period - 1);
        let (hs, ls) = (high.bars(next, avail), low.bars(next, avail));
        let (mut ph, mut pl) = (L::splat(f64::NEG_INFINITY), L::splat(f64::INFINITY));
        let bars = hs.chunks_exact(4).zip(ls.chunks_exact(4));
        let suffixes = suffix_high[1..=avail].iter().zip(&suffix_low[1..=avail]);
        let outs = highest[1..=avail].iter_mut().zip(&mut lowest[1..=avail]);
        for (((h, l), (sh, sl)), (oh, ol)) in bars.zip(suffixes).zip(outs) {
            ph = L::load(h).max_gt(ph);
            pl = L::load(l).min_lt(pl);
            (*oh, *ol) = (ph.max_gt(*sh), pl.min_lt(*sl));
        }
        emit(next - 1, &highest[..=avail], &lowest[..=avail]);
        start = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(high: &[f64], low: &[f64], period: usize) -> Vec<(usize, f64, f64)> {
        (period - 1..high.len().min(low.len()))
            .map(|i| {
                let w = i + 1 - period..=i;
                let hh = high[w.clone()].iter().copied().fold(f64::MIN, f64::max);
                let ll = low[w].iter().copied().fold(f64::MAX, f64::min);
                (i, hh, ll)
            })
            .collect()
    }

    #[test]
    fn batch_and_streaming_agree_with_brute_force() {
        let high: Vec<f64> = (0..257)
            .map(|i| ((i * 7919) % 101) as f64 + (i / 50) as f64)
            .collect();
        let low: Vec<f64> = high
            .iter()
            .enumerate()
            .map(|(i, h)| h - (i % 4) as f64)
            .collect();
        // Trends and ties stress the queues and the block edges.
        let up: Vec<f64> = (0..100).map(|i| i as f64).collect();
        let tie = vec![5.0; 40];
        for (high, low) in [(&high, &low), (&up, &up), (&tie, &tie)] {
            for period in [1, 2, 3, 7, 50, high.len() - 1, high.len(), high.len() + 1] {
                let expect = brute(high, low, period);
                let mut batch = Vec::new();
                for_each_window_range(high, low, high.len(), period, |i, h, l| {
                    batch.push((i, h, l))
                });
                assert_eq!(batch, expect, "batch, period {period}");
                let mut w = WindowRange::new(period);
                let streamed: Vec<_> = (0..high.len())
                    .filter_map(|i| w.push(high[i], low[i]).map(|(h, l)| (i, h, l)))
                    .collect();
                assert_eq!(streamed, expect, "streaming, period {period}");
            }
        }
    }
}
