//! Backtests: where a scan matched in the past, and what happened next.
//!
//! Every (symbol, date) is evaluated point in time — the scan's columns are causal, so
//! the value at a bar is the one the scan would have given that day — and on each date
//! the matches are ranked and cut to `limit` as the scan would have answered then. The
//! forward return over h bars is from that bar's close to the close h bars later. The
//! baseline is every symbol of the universe on the same dates (the dates with at least
//! one signal), so the comparison is against the market on the same days.

use super::{batch, Match, Plan};
use crate::series::BarSeries;
use crate::time::BarTime;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacktestOptions {
    /// Forward horizons in bars, each ≥ 1.
    pub horizons: Vec<usize>,
    /// Only signals on or after this date.
    pub from: Option<BarTime>,
    /// Only signals on or before this date.
    pub to: Option<BarTime>,
}

/// One match of the scan at one date.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub symbol: String,
    pub time: BarTime,
    pub close: f64,
    pub rank: Option<f64>,
    /// Forward return in percent for each horizon; `None` when the series ends first.
    pub forward: Vec<Option<f64>>,
}

/// Forward returns summarised.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Returns counted (signals whose horizon lies within the data).
    pub count: usize,
    /// Share of positive returns, 0…1; NaN when `count` is 0, as are the others.
    pub hit_rate: f64,
    /// In percent.
    pub mean: f64,
    pub median: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HorizonSummary {
    pub horizon: usize,
    pub signals: Stats,
    pub baseline: Stats,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    /// Ordered by date, then in the scan's result order.
    pub signals: Vec<Signal>,
    pub summary: Vec<HorizonSummary>,
}

impl Plan {
    /// Backtests the scan over `universe`.
    pub fn backtest(&self, universe: &[BarSeries], options: &BacktestOptions) -> Backtest {
        let in_range = |t: BarTime| {
            options.from.is_none_or(|from| t >= from) && options.to.is_none_or(|to| t <= to)
        };
        let per_symbol: Vec<Vec<(usize, Match)>> = universe
            .par_iter()
            .map(|series| self.matches_over_history(series, &in_range))
            .collect();

        let mut by_date: BTreeMap<BarTime, Vec<(usize, usize, Match)>> = BTreeMap::new();
        for (s, matches) in per_symbol.into_iter().enumerate() {
            for (index, m) in matches {
                by_date.entry(m.time).or_default().push((s, index, m));
            }
        }
        let mut signals = Vec::new();
        for (_, mut day) in by_date {
            self.order_and_limit(&mut day, |(_, _, m)| m);
            for (s, index, m) in day {
                signals.push(Signal {
                    forward: forward_returns(&universe[s], index, &options.horizons),
                    symbol: m.symbol,
                    time: m.time,
                    close: m.close,
                    rank: m.rank,
                });
            }
        }

        let dates: HashSet<BarTime> = signals.iter().map(|s| s.time).collect();
        let summary = options
            .horizons
            .iter()
            .enumerate()
            .map(|(h, &horizon)| HorizonSummary {
                horizon,
                signals: Stats::of(signals.iter().filter_map(|s| s.forward[h]).collect()),
                baseline: Stats::of(baseline(universe, &dates, horizon)),
            })
            .collect();
        Backtest { signals, summary }
    }

    /// Every bar of `series` in range where the scan matches, with its bar index.
    fn matches_over_history(
        &self,
        series: &BarSeries,
        in_range: &(dyn Fn(BarTime) -> bool + Sync),
    ) -> Vec<(usize, Match)> {
        let columns = batch::run(self, series, series.symbol());
        let times = series.time();
        (0..series.len())
            .filter(|&i| in_range(times[i]))
            .filter(|&i| self.condition.map_or(1.0, |slot| columns[slot].get(i)) == 1.0)
            .map(|i| {
                let value = |slot: usize| columns[slot].get(i);
                let m = Match {
                    symbol: series.symbol().to_string(),
                    time: times[i],
                    close: series.close()[i],
                    rank: self.rank.map(|(slot, _)| value(slot)),
                    show: Vec::new(),
                };
                (i, m)
            })
            .collect()
    }
}

/// Percent return from the close at `index` to the close `h` bars later, per horizon.
fn forward_returns(series: &BarSeries, index: usize, horizons: &[usize]) -> Vec<Option<f64>> {
    let close = series.close();
    horizons
        .iter()
        .map(|&h| {
            let later = *close.get(index + h)?;
            let now = close[index];
            (now != 0.0).then(|| (later / now - 1.0) * 100.0)
        })
        .collect()
}

/// Every symbol's forward return over `horizon` from each of `dates`.
fn baseline(universe: &[BarSeries], dates: &HashSet<BarTime>, horizon: usize) -> Vec<f64> {
    universe
        .par_iter()
        .flat_map_iter(|series| {
            series
                .time()
                .iter()
                .enumerate()
                .filter(|(_, t)| dates.contains(t))
                .filter_map(|(i, _)| forward_returns(series, i, &[horizon])[0])
                .collect::<Vec<_>>()
        })
        .collect()
}

impl Stats {
    fn of(mut returns: Vec<f64>) -> Stats {
        let count = returns.len();
        if count == 0 {
            return Stats {
                count,
                hit_rate: f64::NAN,
                mean: f64::NAN,
                median: f64::NAN,
            };
        }
        returns.sort_by(f64::total_cmp);
        let median = if count % 2 == 1 {
            returns[count / 2]
        } else {
            (returns[count / 2 - 1] + returns[count / 2]) / 2.0
        };
        Stats {
            count,
            hit_rate: returns.iter().filter(|&&r| r > 0.0).count() as f64 / count as f64,
            mean: returns.iter().sum::<f64>() / count as f64,
            median,
        }
    }
}
