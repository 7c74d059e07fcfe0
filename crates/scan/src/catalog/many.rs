//! Computing one indicator over many series at once, as a market scan does.
//!
//! Series of equal length go through the indicators' lane kernels in groups of
//! [`LANES`], one series per vector lane (see `indicators::lanes`); the rest, and
//! indicators without a lane kernel, are computed one by one. Either way each series
//! gets exactly the columns [`Indicator::compute`] gives it. Groups run in parallel on
//! rayon's pool.

use super::{Columns, Indicator};
use crate::indicators::lanes::{Inputs, Lane4, Outputs, V};
use crate::indicators::rsi::rsi_lanes;
use crate::series::BarSeries;
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
        let computed: Vec<Vec<Columns>> = groups
            .par_iter()
            .with_min_len(4)
            .map(|group| self.compute_group(series, group))
            .collect();
        let mut out = vec![Columns::new(); series.len()];
        for (group, columns) in groups.iter().zip(computed) {
            for (&i, c) in group.iter().zip(columns) {
                out[i] = c;
            }
        }
        out
    }

    /// The columns of the series at `indices` (at most [`LANES`], all of one length).
    fn compute_group(&self, series: &[&BarSeries], indices: &[usize]) -> Vec<Columns> {
        if let Ok(group) = <[usize; LANES]>::try_from(indices) {
            let group = group.map(|i| series[i]);
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: both features `lanes_avx2` is compiled with were just detected.
                if let Some(columns) = unsafe { self.lanes_avx2(group) } {
                    return columns.into();
                }
            }
            if let Some(columns) = self.lanes::<V<4>>(group) {
                return columns.into();
            }
        }
        indices.iter().map(|&i| self.compute(series[i])).collect()
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
        let len = group[0].len();
        Some(match *self {
            Indicator::Rsi { source, period } => {
                let mut out = LaneColumns::new(len);
                rsi_lanes::<L>(Inputs(group.map(|s| s.field(source))), period, out.outputs());
                out.into_columns()
            }
            _ => return None,
        })
    }
}

/// `K` output columns for each of `N` series of one length, all `NaN` until a lane
/// kernel writes them. (A struct rather than a function taking the kernel as a closure:
/// a closure would be compiled without the AVX2 features of [`Indicator::lanes_avx2`].)
struct LaneColumns<const N: usize, const K: usize>([[Vec<f64>; K]; N]);

impl<const N: usize, const K: usize> LaneColumns<N, K> {
    #[inline(always)]
    fn new(len: usize) -> Self {
        LaneColumns(std::array::from_fn(|_| {
            std::array::from_fn(|_| vec![f64::NAN; len])
        }))
    }

    /// The columns as the kernels write them: output by output, each across the lanes.
    #[inline(always)]
    fn outputs(&mut self) -> [Outputs<'_>; K] {
        let mut lanes = self
            .0
            .each_mut()
            .map(|c| c.each_mut().map(|v| v.as_mut_slice()).into_iter());
        std::array::from_fn(|_| {
            Outputs(std::array::from_fn(|l| {
                lanes[l].next().expect("K columns per series")
            }))
        })
    }

    #[inline(always)]
    fn into_columns(self) -> [Columns; N] {
        self.0.map(Vec::from)
    }
}
