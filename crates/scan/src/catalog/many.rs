//! Computing one indicator over many series at once, as a market scan does.
//!
//! Series of equal length go through the indicators' lane kernels in groups of
//! [`LANES`], one series per vector lane (see `indicators::lanes`); the rest, and
//! indicators without a lane kernel, are computed one by one. Either way each series
//! gets exactly the columns [`Indicator::compute`] gives it. Groups run in parallel on
//! rayon's pool.

use super::{Columns, Indicator};
use crate::indicators::lanes::{Group, Lane4, V};
use crate::indicators::{bbands, cci, dm, ema, mfi, rsi, sma, stddev, stoch, willr};
use crate::series::{BarSeries, PriceField};
use rayon::prelude::*;

/// Series per group: one AVX2 vector of `f64`.
const LANES: usize = 4;

impl Indicator {
    /// The indicator over every series, in order; the same columns as calling
    /// [`Indicator::compute`] on each, bit for bit.
    pub fn compute_many(&self, series: &[&BarSeries]) -> Vec<Columns> {
        let mut order: Vec<usize> = (0..series.len()).collect();
        order.sort_by_key(|&i| series[i].len());
        let groups: Vec<&[usize]> = order
            .chunk_by(|&a, &b| series[a].len() == series[b].len())
            .flat_map(|run| run.chunks(LANES))
            .collect();
        // A fixed array per group, not a vector: no allocation (and no free on the
        // caller's thread) per group.
        let computed: Vec<[Columns; LANES]> = groups
            .par_iter()
            .with_min_len(4)
            .map(|group| self.compute_group(series, group))
            .collect();
        let mut out = vec![Columns::default(); series.len()];
        for (group, columns) in groups.iter().zip(computed) {
            for (&i, c) in group.iter().zip(columns) {
                out[i] = c;
            }
        }
        out
    }

    /// The columns of the series at `indices` (at most [`LANES`], all of one length),
    /// in order; the slots past `indices.len()` are empty.
    fn compute_group(&self, series: &[&BarSeries], indices: &[usize]) -> [Columns; LANES] {
        if let Ok(group) = <[usize; LANES]>::try_from(indices) {
            let group = group.map(|i| series[i]);
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: both features `lanes_avx2` is compiled with were just detected.
                if let Some(columns) = unsafe { self.lanes_avx2(group) } {
                    return columns;
                }
            }
            if let Some(columns) = self.lanes::<V<4>>(group) {
                return columns;
            }
        }
        std::array::from_fn(|k| {
            indices
                .get(k)
                .map_or_else(Columns::default, |&i| self.compute(series[i]))
        })
    }

    /// [`Indicator::lanes`] compiled with AVX2 and FMA, so the lanes' arithmetic becomes
    /// vector instructions (the same results: each lane still rounds as the scalar code).
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn lanes_avx2(&self, group: [&BarSeries; LANES]) -> Option<[Columns; LANES]> {
        self.lanes::<crate::indicators::lanes::F64x4>(group)
    }

    /// The lane kernel of this indicator over four series of one length, or `None` for
    /// indicators without one.
    #[inline(always)]
    fn lanes<L: Lane4>(&self, group: [&BarSeries; LANES]) -> Option<[Columns; LANES]> {
        use PriceField::{Close, High, Low, Volume};
        const HLC: [PriceField; 3] = [High, Low, Close];
        // Each arm builds its group only once it knows it has a kernel, so indicators
        // without one allocate nothing here.
        let columns = match *self {
            Indicator::Sma { source, period } => {
                let mut g = group_of::<L, 1>(group, &[source]);
                let ([x], out) = g.io();
                sma::sma_lanes::<L>(x, period, out);
                g.finish::<L>()
            }
            Indicator::Ema { source, period } => {
                let mut g = group_of::<L, 1>(group, &[source]);
                let ([x], out) = g.io();
                ema::ema_lanes::<L>(x, period, out);
                g.finish::<L>()
            }
            Indicator::Stddev {
                source,
                period,
                dev,
            } => {
                let mut g = group_of::<L, 1>(group, &[source]);
                let ([x], out) = g.io();
                stddev::stddev_lanes::<L>(x, period, dev, out);
                g.finish::<L>()
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
                g.finish::<L>()
            }
            Indicator::Rsi { source, period } => {
                let mut g = group_of::<L, 1>(group, &[source]);
                let ([x], out) = g.io();
                rsi::rsi_lanes::<L>(x, period, out);
                g.finish::<L>()
            }
            Indicator::Adx { period } => {
                let mut g = group_of::<L, 1>(group, &HLC);
                let (hlc, out) = g.io();
                dm::dm_lanes::<L, { dm::ADX }>(hlc, period, out);
                g.finish::<L>()
            }
            // Period 1 is TA-Lib's separate one-bar path, computed series by series.
            Indicator::PlusDi { period } if period > 1 => {
                let mut g = group_of::<L, 1>(group, &HLC);
                let (hlc, out) = g.io();
                dm::dm_lanes::<L, { dm::PLUS_DI }>(hlc, period, out);
                g.finish::<L>()
            }
            Indicator::MinusDi { period } if period > 1 => {
                let mut g = group_of::<L, 1>(group, &HLC);
                let (hlc, out) = g.io();
                dm::dm_lanes::<L, { dm::MINUS_DI }>(hlc, period, out);
                g.finish::<L>()
            }
            Indicator::Stoch {
                fastk,
                slowk,
                slowd,
            } => {
                let mut g = group_of::<L, 2>(group, &HLC);
                let (hlc, out) = g.io();
                stoch::stoch_lanes::<L>(hlc, fastk, slowk, Some(slowd), out);
                g.finish::<L>()
            }
            Indicator::Stochf { fastk, fastd } => {
                let mut g = group_of::<L, 2>(group, &HLC);
                let (hlc, out) = g.io();
                stoch::stoch_lanes::<L>(hlc, fastk, fastd, None, out);
                g.finish::<L>()
            }
            Indicator::Cci { period } => {
                let mut g = group_of::<L, 1>(group, &HLC);
                let (hlc, out) = g.io();
                cci::cci_lanes::<L>(hlc, period, out);
                g.finish::<L>()
            }
            Indicator::Mfi { period } => {
                let mut g = group_of::<L, 1>(group, &[High, Low, Close, Volume]);
                let (hlcv, out) = g.io();
                mfi::mfi_lanes::<L>(hlcv, period, out);
                g.finish::<L>()
            }
            Indicator::Willr { period } => {
                let mut g = group_of::<L, 1>(group, &HLC);
                let (hlc, out) = g.io();
                willr::willr_lanes::<L>(hlc, period, out);
                g.finish::<L>()
            }
            _ => return None,
        };
        Some(columns)
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
