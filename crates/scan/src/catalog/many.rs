//! Computing one indicator over many series at once, as a market scan does.
//!
//! Series of equal length go through the indicators' lane kernels in groups of
//! [`LANES`], one series per vector lane (see `indicators::lanes`); the rest, and
//! indicators without a lane kernel, are computed one by one. Either way each series
//! gets exactly the columns [`Indicator::compute`] gives it. Groups run in parallel on
//! rayon's pool.

use super::{Columns, Indicator};
use crate::indicators::lanes::{Group, Lane4, V};
use crate::indicators::{atr, ema, rsi, sma};
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
        // Checked first so that indicators without a kernel allocate nothing here.
        if !matches!(
            self,
            Indicator::Sma { .. }
                | Indicator::Ema { .. }
                | Indicator::Rsi { .. }
                | Indicator::Atr { .. }
                | Indicator::Natr { .. }
        ) {
            return None;
        }
        let mut g = Group::<1>::new(group[0].len());
        // A function, not a closure: a closure would be compiled without the AVX2
        // features of `lanes_avx2` unless it happened to be inlined.
        #[inline(always)]
        fn input<L: Lane4>(g: &mut Group<1>, group: [&BarSeries; LANES], f: PriceField) {
            g.input::<L>(group.map(|s| s.field(f)));
        }
        match *self {
            Indicator::Sma { source, period } => {
                input::<L>(&mut g, group, source);
                let ([x], out) = g.io();
                sma::sma_lanes::<L>(x, period, out);
            }
            Indicator::Ema { source, period } => {
                input::<L>(&mut g, group, source);
                let ([x], out) = g.io();
                ema::ema_lanes::<L>(x, period, out);
            }
            Indicator::Rsi { source, period } => {
                input::<L>(&mut g, group, source);
                let ([x], out) = g.io();
                rsi::rsi_lanes::<L>(x, period, out);
            }
            Indicator::Atr { period } | Indicator::Natr { period } => {
                for f in [PriceField::High, PriceField::Low, PriceField::Close] {
                    input::<L>(&mut g, group, f);
                }
                let (hlc, out) = g.io();
                let natr = matches!(self, Indicator::Natr { .. });
                atr::atr_lanes::<L>(hlc, period, natr, out);
            }
            _ => return None,
        }
        Some(g.finish::<L>())
    }
}
