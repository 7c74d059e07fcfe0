//! Computing one indicator over many series at once, as a market scan does.
//!
//! Series of equal length go through the indicators' lane kernels in groups of
//! [`LANES`], one series per vector lane (see `indicators::lanes`), the lanes of a group
//! a quarter of the series apart (see `spread_lanes`); the rest, and indicators without
//! a lane kernel, are computed one by one, in the order their columns lie in memory.
//! Either way each series gets exactly the columns [`Indicator::compute`] gives it.
//! Groups run in parallel on rayon's pool.

use super::{Columns, Indicator};
use crate::indicators::lanes::{Group, Lane4, Room, Stores, V};
use crate::indicators::{
    atr, bbands, cci, dm, ema, macd, mfi, minmax, rsi, sma, stddev, stoch, willr, wma,
};
use crate::memory::last_level_cache_bytes;
use crate::series::{BarSeries, PriceField};
use rayon::prelude::*;

/// Series per group: one AVX2 vector of `f64`.
const LANES: usize = 4;

/// How many groups ahead of the one being computed [`Indicator::prefetch_inputs`]
/// fetches: far enough for a group's loads to arrive before it is computed (a group
/// takes microseconds, a load from memory a tenth of one), near enough for its lines to
/// still be in the level-1 cache then: two groups of three inputs ahead are 48 KB, a
/// whole level-1 cache.
const PREFETCH_AHEAD: usize = 1;

impl Indicator {
    /// The indicator over every series, in order; the same columns as calling
    /// [`Indicator::compute`] on each, bit for bit.
    pub fn compute_many(&self, series: &[&BarSeries]) -> Vec<Columns> {
        // Within each length, in the order the first input columns lie in memory.
        let first_input = self.inputs().first().copied().unwrap_or(PriceField::Close);
        let start = |i: usize| series[i].field(first_input).as_ptr();
        let mut order: Vec<usize> = (0..series.len()).collect();
        order.sort_by_key(|&i| (series[i].len(), start(i)));
        let same_length = |&a: &usize, &b: &usize| series[a].len() == series[b].len();
        if self.has_lanes() {
            order.chunk_by_mut(same_length).for_each(spread_lanes);
        }
        let groups: Vec<&[usize]> = order
            .chunk_by(same_length)
            .flat_map(|run| run.chunks(LANES))
            .collect();
        // A market larger than the cache has its outputs streamed to memory, and its
        // inputs prefetched unless they lie one after another.
        let outgrows = outgrows_cache(series);
        let prefetches = outgrows && !columns_follow_one_another(series, first_input);
        let prefetch = |g: usize| {
            if prefetches {
                self.prefetch_inputs(series, &groups, g + PREFETCH_AHEAD);
            }
        };
        let stores = if outgrows {
            Stores::Streaming
        } else {
            Stores::Cached
        };
        // A fixed array per group, not a vector: no allocation (and no free on the
        // caller's thread) per group.
        let computed: Vec<[Columns; LANES]> = if rayon::current_thread_index().is_some() {
            groups
                .par_iter()
                .enumerate()
                .with_min_len(4)
                .map(|(g, group)| {
                    prefetch(g);
                    self.compute_group(series, group, Default::default(), stores)
                })
                .collect()
        } else {
            let blocks = self.output_blocks(series, &groups);
            groups
                .par_iter()
                .zip(blocks)
                .enumerate()
                .with_min_len(4)
                .map(|(g, (group, blocks))| {
                    prefetch(g);
                    self.compute_group(series, group, blocks, stores)
                })
                .collect()
        };
        let mut out = vec![Columns::default(); series.len()];
        for (group, columns) in groups.iter().zip(computed) {
            for (&i, c) in group.iter().zip(columns) {
                out[i] = c;
            }
        }
        out
    }

    /// Asks the CPU to start loading the input columns of group `g` (if there is one),
    /// so that they arrive while the groups before it are computed.
    ///
    /// A market's columns are many short arrays, together larger than the caches: the
    /// 5,000 × 250 market is 10 MB per field. The hardware prefetcher follows one long
    /// array well but has to pick up every 2 KB column anew, and until it does each
    /// line is a wait on memory; over the whole market that made the cheap indicators
    /// three times slower than over a market that fits in the cache (TRANGE 2.2 ms
    /// against 5 × 0.12 ms for 1,000 series, on one thread).
    #[inline(always)]
    fn prefetch_inputs(&self, series: &[&BarSeries], groups: &[&[usize]], g: usize) {
        let Some(group) = groups.get(g) else { return };
        for &i in group.iter() {
            for &field in self.inputs() {
                prefetch(series[i].field(field));
            }
        }
    }

    /// Room for the output columns of every group that goes through a lane kernel, and
    /// of every series of an indicator that [fills the room](Indicator::fills_room) it
    /// is given, allocated on the calling thread; empty vectors for the others.
    ///
    /// For a caller outside rayon's pool. It frees the columns it gets, and mimalloc
    /// frees a block that another thread allocated through its slow path, a cache miss
    /// or two per block: 0.19 of the 1.16 ms of the 5,000 × 250 SMA on two threads.
    /// Allocating here makes those frees local (1.10 ms in all). A caller inside the
    /// pool does not do this: it would free half the blocks locally anyway, and
    /// allocating ahead of the writes fetches each block's first line one more time
    /// (6% slower on one thread).
    fn output_blocks(&self, series: &[&BarSeries], groups: &[&[usize]]) -> Vec<[Vec<f64>; LANES]> {
        let width = self.outputs().len();
        let mut blocks: Vec<[Vec<f64>; LANES]> =
            groups.iter().map(|_| Default::default()).collect();
        // Lane by lane, so that one lane's blocks in consecutive groups are consecutive
        // too (see `spread_lanes`).
        for k in 0..LANES {
            for (group, room) in groups.iter().zip(&mut blocks) {
                if (group.len() == LANES && self.has_lanes()) || self.fills_room() {
                    if let Some(&i) = group.get(k) {
                        room[k] = Vec::with_capacity(width * series[i].len());
                    }
                }
            }
        }
        blocks
    }

    /// Whether [`Indicator::lanes`] has a kernel for this indicator. Kept in step with
    /// it by hand; a kernel missing here only loses [`Indicator::output_blocks`].
    fn has_lanes(&self) -> bool {
        match *self {
            Indicator::Sma { .. }
            | Indicator::Ema { .. }
            | Indicator::Wma { .. }
            | Indicator::Stddev { .. }
            | Indicator::Bbands { .. }
            | Indicator::Rsi { .. }
            | Indicator::Adx { .. }
            | Indicator::Stoch { .. }
            | Indicator::Stochf { .. }
            | Indicator::Cci { .. }
            | Indicator::Mfi { .. }
            | Indicator::Willr { .. }
            | Indicator::Atr { .. }
            | Indicator::Natr { .. }
            | Indicator::Macd { .. }
            | Indicator::Max { .. }
            | Indicator::Min { .. } => true,
            Indicator::PlusDi { period } | Indicator::MinusDi { period } => period > 1,
            Indicator::Roc { .. } | Indicator::Trange | Indicator::Obv => false,
        }
    }

    /// The columns of the series at `indices` (at most [`LANES`], all of one length),
    /// in order; the slots past `indices.len()` are empty. The outputs go into `blocks`
    /// (see [`Indicator::output_blocks`]), or into new vectors where they are empty; a
    /// lane kernel writes them with `stores`.
    fn compute_group(
        &self,
        series: &[&BarSeries],
        indices: &[usize],
        mut blocks: [Vec<f64>; LANES],
        stores: Stores,
    ) -> [Columns; LANES] {
        if let Ok(group) = <[usize; LANES]>::try_from(indices) {
            match self.lanes_on_this_cpu(group.map(|i| series[i]), Room { blocks, stores }) {
                Ok(columns) => return columns,
                Err(unused) => blocks = unused.blocks,
            }
        }
        let mut blocks = blocks.into_iter();
        std::array::from_fn(|k| {
            let room = blocks.next().unwrap_or_default();
            indices
                .get(k)
                .map_or_else(Columns::default, |&i| self.compute_in(series[i], room))
        })
    }

    /// [`Indicator::lanes`] in its fastest build for this CPU.
    #[inline]
    fn lanes_on_this_cpu(
        &self,
        group: [&BarSeries; LANES],
        room: Room,
    ) -> Result<[Columns; LANES], Room> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: both features `lanes_avx2` is compiled with were just detected.
            return unsafe { self.lanes_avx2(group, room) };
        }
        self.lanes::<V<4>>(group, room)
    }

    /// [`Indicator::lanes`] compiled with AVX2 and FMA, so the lanes' arithmetic becomes
    /// vector instructions (the same results: each lane still rounds as the scalar code).
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn lanes_avx2(
        &self,
        group: [&BarSeries; LANES],
        room: Room,
    ) -> Result<[Columns; LANES], Room> {
        self.lanes::<crate::indicators::lanes::F64x4>(group, room)
    }

    /// The lane kernel of this indicator over four series of one length, writing into
    /// `room`; the room back, unused, for indicators without one.
    #[inline(always)]
    fn lanes<L: Lane4>(
        &self,
        group: [&BarSeries; LANES],
        room: Room,
    ) -> Result<[Columns; LANES], Room> {
        use PriceField::{Close, High, Low, Volume};
        const HLC: [PriceField; 3] = [High, Low, Close];
        // Each arm builds its group only once it knows it has a kernel, so indicators
        // without one allocate nothing here.
        let columns = match *self {
            Indicator::Sma { source, period } => {
                let mut g = group_of::<L, 1>(group, &[source]);
                let ([x], out) = g.io();
                sma::sma_lanes::<L>(x, period, out);
                g.finish::<L>(room)
            }
            Indicator::Ema { source, period } => {
                let mut g = group_of::<L, 1>(group, &[source]);
                let ([x], out) = g.io();
                ema::ema_lanes::<L>(x, period, out);
                g.finish::<L>(room)
            }
            Indicator::Wma { source, period } => {
                let mut g = group_of::<L, 1>(group, &[source]);
                let ([x], out) = g.io();
                wma::wma_lanes::<L>(x, period, out);
                g.finish::<L>(room)
            }
            Indicator::Stddev {
                source,
                period,
                dev,
            } => {
                let mut g = group_of::<L, 1>(group, &[source]);
                let ([x], out) = g.io();
                stddev::stddev_lanes::<L>(x, period, dev, out);
                g.finish::<L>(room)
            }
            Indicator::Macd {
                source,
                fast,
                slow,
                signal,
            } => {
                let mut g = group_of::<L, 3>(group, &[source]);
                let ([x], out) = g.io();
                macd::macd_lanes::<L>(x, (fast, slow, signal), out);
                g.finish::<L>(room)
            }
            Indicator::Bbands {
                source,
                period,
                up,
                down,
            } => {
                let mut g = group_of::<L, 3>(group, &[source]);
                let ([x], out) = g.io();
                bbands::bbands_lanes::<L>(x, period, up, down, out);
                g.finish::<L>(room)
            }
            Indicator::Max { source, period } => {
                let mut g = group_of::<L, 1>(group, &[source]);
                let ([x], out) = g.io();
                minmax::extremes_lanes::<L, true>(x, period, out);
                g.finish::<L>(room)
            }
            Indicator::Min { source, period } => {
                let mut g = group_of::<L, 1>(group, &[source]);
                let ([x], out) = g.io();
                minmax::extremes_lanes::<L, false>(x, period, out);
                g.finish::<L>(room)
            }
            Indicator::Rsi { source, period } => {
                let mut g = group_of::<L, 1>(group, &[source]);
                let ([x], out) = g.io();
                rsi::rsi_lanes::<L>(x, period, out);
                g.finish::<L>(room)
            }
            Indicator::Adx { period } => {
                let mut g = group_of::<L, 1>(group, &HLC);
                let (hlc, out) = g.io();
                dm::dm_lanes::<L, { dm::ADX }>(hlc, period, out);
                g.finish::<L>(room)
            }
            // Period 1 is TA-Lib's separate one-bar path, computed series by series.
            Indicator::PlusDi { period } if period > 1 => {
                let mut g = group_of::<L, 1>(group, &HLC);
                let (hlc, out) = g.io();
                dm::dm_lanes::<L, { dm::PLUS_DI }>(hlc, period, out);
                g.finish::<L>(room)
            }
            Indicator::MinusDi { period } if period > 1 => {
                let mut g = group_of::<L, 1>(group, &HLC);
                let (hlc, out) = g.io();
                dm::dm_lanes::<L, { dm::MINUS_DI }>(hlc, period, out);
                g.finish::<L>(room)
            }
            Indicator::Stoch {
                fastk,
                slowk,
                slowd,
            } => {
                let mut g = group_of::<L, 2>(group, &HLC);
                let (hlc, out) = g.io();
                stoch::stoch_lanes::<L>(hlc, fastk, slowk, Some(slowd), out);
                g.finish::<L>(room)
            }
            Indicator::Stochf { fastk, fastd } => {
                let mut g = group_of::<L, 2>(group, &HLC);
                let (hlc, out) = g.io();
                stoch::stoch_lanes::<L>(hlc, fastk, fastd, None, out);
                g.finish::<L>(room)
            }
            Indicator::Cci { period } => {
                let mut g = group_of::<L, 1>(group, &HLC);
                let (hlc, out) = g.io();
                cci::cci_lanes::<L>(hlc, period, out);
                g.finish::<L>(room)
            }
            Indicator::Mfi { period } => {
                let mut g = group_of::<L, 1>(group, &[High, Low, Close, Volume]);
                let (hlcv, out) = g.io();
                mfi::mfi_lanes::<L>(hlcv, period, out);
                g.finish::<L>(room)
            }
            Indicator::Atr { period } => {
                let mut g = group_of::<L, 1>(group, &HLC);
                let (hlc, out) = g.io();
                atr::atr_lanes::<L>(hlc, period, false, out);
                g.finish::<L>(room)
            }
            Indicator::Natr { period } => {
                let mut g = group_of::<L, 1>(group, &HLC);
                let (hlc, out) = g.io();
                atr::atr_lanes::<L>(hlc, period, true, out);
                g.finish::<L>(room)
            }
            Indicator::Willr { period } => {
                let mut g = group_of::<L, 1>(group, &HLC);
                let (hlc, out) = g.io();
                willr::willr_lanes::<L>(hlc, period, out);
                g.finish::<L>(room)
            }
            _ => return Err(room),
        };
        Ok(columns)
    }
}

/// A lane group over `fields` of the four series, with `K` output columns.
///
/// A function, not a closure: a closure would be compiled without the AVX2 features of
/// `lanes_avx2` unless it happened to be inlined.
#[inline(always)]
fn group_of<L: Lane4, const K: usize>(
    group: [&BarSeries; LANES],
    fields: &[PriceField],
) -> Group<K> {
    let mut g = Group::<K>::new(group[0].len(), fields.len());
    for &f in fields {
        let [a, b, c, d] = group;
        g.input::<L>([a.field(f), b.field(f), c.field(f), d.field(f)]);
    }
    g
}

/// Whether the market's price columns are larger than the CPU's last-level cache (or
/// its size is unknown), so that [`Indicator::prefetch_inputs`] pays, and so do
/// [streaming stores](Stores::Streaming) for the outputs: they would leave the cache
/// before anything read them.
///
/// Where they fit, the prefetches only add work: on a Xeon with 260 MB of L3 they made
/// the 5,000 × 250 market slower (two threads, fastest calls: ATR 2.34–2.61 ms with
/// them, 2.08–2.44 without; STOCH 5.51–5.92 and 4.80–5.12; docs/BENCHMARKS.md); on an
/// EPYC with 32 MB they made it faster (ATR 2.10–2.13 ms without, 1.76–1.79 with).
/// The whole market counts, not only the fields this indicator reads: a scan computes
/// over all of them in turn.
fn outgrows_cache(series: &[&BarSeries]) -> bool {
    let Some(cache) = last_level_cache_bytes() else {
        return true;
    };
    let values: usize = series.iter().map(|s| s.len()).sum();
    values * PriceField::ALL.len() * std::mem::size_of::<f64>() > cache
}

/// Whether most of the series' `field` columns, taken in address order, each start
/// where the one before ends (up to the allocator's rounding of its size): a market
/// laid out by field ([`lay_out_by_field`](crate::series::lay_out_by_field)). Its
/// columns are read as long streams, which the hardware prefetcher follows by itself;
/// [`Indicator::prefetch_inputs`] then only adds work. Over the 5,000 × 250 market on
/// a Zen 3 EPYC, two threads, five alternations of `market_calls --by-field` with and
/// without it: TRANGE 2.26–2.87 → 1.78–2.62 ms, ROC 1.42–1.93 → 1.20–1.71, SMA
/// 2.28–3.04 → 2.33–2.60; ATR and STOCH within the noise (docs/BENCHMARKS.md).
fn columns_follow_one_another(series: &[&BarSeries], field: PriceField) -> bool {
    mostly_adjoining(
        series
            .iter()
            .map(|s| {
                let column = s.field(field);
                (column.as_ptr() as usize, std::mem::size_of_val(column))
            })
            .collect(),
    )
}

/// Whether, of memory spans given as (address, bytes) and taken in address order, at
/// least three in four are followed by the next within a quarter of their size.
fn mostly_adjoining(mut spans: Vec<(usize, usize)>) -> bool {
    spans.sort_unstable();
    let adjoining = spans
        .windows(2)
        .filter(|pair| {
            let ((start, bytes), (next, _)) = (pair[0], pair[1]);
            (start + bytes..=start + bytes + bytes / 4).contains(&next)
        })
        .count();
    adjoining > 0 && adjoining * 4 >= (spans.len() - 1) * 3
}

/// Asks the CPU to bring `values` in as data read once (`prefetchnta`): into the
/// level-1 cache, where the group's input transposes read them, without displacing
/// the level-2 and level-3 caches' lines for them. Only a hint, with no effect on any
/// value. On an EPYC with 32 MiB of L3, against `prefetcht1` two groups ahead, over the
/// 5,000 × 250 market on two threads, six alternations: NATR 1.38–1.48 → 1.32–1.44 ms
/// and WILLR 1.51–1.65 → 1.47–1.61, faster in every pair; ATR 1.33–1.43 → 1.31–1.41,
/// faster in four of six (docs/BENCHMARKS.md).
#[inline(always)]
fn prefetch(values: &[f64]) {
    #[cfg(target_arch = "x86_64")]
    for i in (0..values.len()).step_by(64 / std::mem::size_of::<f64>()) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_NTA};
        // SAFETY: a prefetch never faults, and the address is inside the slice.
        unsafe { _mm_prefetch::<_MM_HINT_NTA>(values.as_ptr().add(i).cast()) };
    }
}

/// Reorders a run of series of one length, sorted by where their columns lie, so that
/// its chunks of [`LANES`] take series a quarter of the run apart: chunk `j` holds the
/// run's `j`-th, `(j + q)`-th, `(j + 2q)`-th and `(j + 3q)`-th (the last `len % LANES`
/// stay at the end). Consecutive groups then read, lane by lane, neighbouring columns:
/// where a field's columns lie one after another (`series::lay_out_by_field`), each
/// lane reads one long stream per field rather than a group's four columns starting
/// four short streams anew.
fn spread_lanes(run: &mut [usize]) {
    let quarter = run.len() / LANES;
    let spread: Vec<usize> = (0..quarter * LANES)
        .map(|p| run[p / LANES + (p % LANES) * quarter])
        .collect();
    run[..spread.len()].copy_from_slice(&spread);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_lanes_puts_a_quarter_of_the_run_between_lanes() {
        let mut run: Vec<usize> = (0..10).collect();
        spread_lanes(&mut run);
        // Two groups of four, a quarter (two) apart; the last two stay at the end.
        assert_eq!(run, [0, 2, 4, 6, 1, 3, 5, 7, 8, 9]);
        let mut short = vec![5, 6, 7];
        spread_lanes(&mut short);
        assert_eq!(short, [5, 6, 7]);
    }

    #[test]
    fn adjoining_spans_are_told_from_scattered_ones() {
        // 2,000-byte columns in 2,048-byte blocks, given out of order.
        let laid_out: Vec<(usize, usize)> = (0..8).rev().map(|i| (4096 + 2048 * i, 2000)).collect();
        assert!(mostly_adjoining(laid_out));
        // Each symbol's six columns side by side: one field's columns 12 KB apart.
        let as_loaded: Vec<(usize, usize)> = (0..8).map(|i| (4096 + 12_288 * i, 2000)).collect();
        assert!(!mostly_adjoining(as_loaded));
        assert!(!mostly_adjoining(vec![(4096, 2000)]));
        assert!(!mostly_adjoining(Vec::new()));
    }
}
