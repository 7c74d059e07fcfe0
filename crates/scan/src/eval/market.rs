//! Scanning a whole market: every symbol evaluated in parallel at one date, matches
//! ranked deterministically. The streaming form is in [`super::live`].

use super::point::{Costs, Point, Scratch};
use super::Plan;
use crate::series::BarSeries;
use crate::time::BarTime;
use rayon::prelude::*;
use std::cmp::Ordering;

/// Which bar a scan answers at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// The latest date in the universe.
    Latest,
    /// The latest date in the universe on or before this one (a weekend or holiday
    /// answers at the trading day before).
    OnOrBefore(BarTime),
}

/// A symbol the scan matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub symbol: String,
    pub time: BarTime,
    pub close: f64,
    /// The `rank by` value; `None` without a rank clause, NaN where undefined.
    pub rank: Option<f64>,
    /// The `show` values, in the plan's order; NaN where undefined.
    pub show: Vec<f64>,
}

/// A market-wide scan's answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScanOutcome {
    /// The date answered at; `None` when no symbol has a bar on or before it.
    pub as_of: Option<BarTime>,
    /// Ordered by the rank (highest first unless `asc`; undefined ranks last), then by
    /// symbol; cut to the scan's `limit`.
    pub matches: Vec<Match>,
    /// How many symbols matched before `limit` cut the list.
    pub matched: usize,
    /// Symbols evaluated (those with a bar on the `as_of` date).
    pub evaluated: usize,
    /// Symbols whose condition is undefined at that bar — not enough history for an
    /// indicator, an offset or a window (or a division by zero): they do not match.
    pub skipped: usize,
    /// Symbols without a bar on the `as_of` date (not trading, or data ending earlier).
    pub without_bar: usize,
}

/// What one symbol contributes to an outcome.
enum Verdict {
    WithoutBar,
    Undefined,
    NoMatch,
    Match(Match),
}

impl Plan {
    /// Evaluates every symbol of `universe` at the date `at` selects, in parallel.
    /// Each value is computed from the bars up to that date only.
    pub fn scan(&self, universe: &[BarSeries], at: At) -> ScanOutcome {
        // In parallel: each series' times are a separate allocation, so this is a
        // cache miss per symbol.
        let as_of = universe
            .par_iter()
            .filter_map(|series| last_time_at(series, at))
            .max();
        let Some(as_of) = as_of else {
            return ScanOutcome {
                without_bar: universe.len(),
                ..ScanOutcome::default()
            };
        };
        let costs = Costs::new(&self.daily);
        // Tallied per task and merged: a verdict per symbol is never stored. Each task
        // reuses one scratch for its symbols' columns.
        let tally = universe
            .par_iter()
            .with_max_len(64)
            .fold(
                || (ScanOutcome::default(), Scratch::new()),
                |(mut tally, scratch), series| {
                    let (verdict, scratch) = self.verdict_on(series, as_of, &costs, scratch);
                    match verdict {
                        Verdict::WithoutBar => tally.without_bar += 1,
                        Verdict::Undefined => tally.skipped += 1,
                        Verdict::NoMatch => {}
                        Verdict::Match(m) => tally.matches.push(m),
                    }
                    (tally, scratch)
                },
            )
            .map(|(tally, _)| tally)
            .reduce(ScanOutcome::default, |mut a, mut b| {
                a.without_bar += b.without_bar;
                a.skipped += b.skipped;
                a.matches.append(&mut b.matches);
                a
            });
        let mut outcome = ScanOutcome {
            as_of: Some(as_of),
            evaluated: universe.len() - tally.without_bar,
            matched: tally.matches.len(),
            ..tally
        };
        // The order tasks finished in does not matter: this sorts by rank, then symbol.
        self.order_and_limit(&mut outcome.matches, |m| m);
        outcome
    }

    /// The symbol's verdict, and `scratch` back for the next symbol.
    fn verdict_on<'a>(
        &self,
        series: &'a BarSeries,
        as_of: BarTime,
        costs: &Costs,
        scratch: Scratch<'a>,
    ) -> (Verdict, Scratch<'a>) {
        let times = series.time();
        // Usually the latest bar: no search.
        let index = match times.last() {
            Some(&last) if last == as_of => times.len() - 1,
            _ => match times.binary_search(&as_of) {
                Ok(index) => index,
                Err(_) => return (Verdict::WithoutBar, scratch),
            },
        };
        // Causal operations only: the full columns at `index` equal a run on the bars up
        // to `index`, and the batch kernels are fastest on whole columns.
        let mut point = Point::new(self, costs, series, index, scratch);
        let condition = self.condition.map_or(1.0, |slot| point.value(slot));
        // Rank and show values only for a match.
        let verdict = self.verdict(condition, || Match {
            symbol: series.symbol().to_string(),
            time: as_of,
            close: series.close()[index],
            rank: self.rank.map(|(slot, _)| point.value(slot)),
            show: self
                .show
                .iter()
                .map(|&(_, slot)| point.value(slot))
                .collect(),
        });
        (verdict, point.into_scratch())
    }

    fn verdict(&self, condition: f64, matched: impl FnOnce() -> Match) -> Verdict {
        if condition.is_nan() {
            Verdict::Undefined
        } else if condition == 0.0 {
            Verdict::NoMatch
        } else {
            Verdict::Match(matched())
        }
    }

    /// Sorts the matches of one date into the result order and applies `limit`.
    pub(crate) fn order_and_limit<T>(&self, matches: &mut Vec<T>, as_match: impl Fn(&T) -> &Match) {
        let descending = self.rank.is_some_and(|(_, descending)| descending);
        matches.sort_by(|a, b| {
            let (a, b) = (as_match(a), as_match(b));
            by_rank(a.rank, b.rank, descending).then_with(|| a.symbol.cmp(&b.symbol))
        });
        if let Some(limit) = self.limit {
            matches.truncate(limit);
        }
    }
}

/// Rank order: defined values by the clause's direction, undefined ones last.
fn by_rank(a: Option<f64>, b: Option<f64>, descending: bool) -> Ordering {
    match (a.filter(|v| !v.is_nan()), b.filter(|v| !v.is_nan())) {
        (Some(a), Some(b)) => {
            let ascending = a.total_cmp(&b);
            if descending {
                ascending.reverse()
            } else {
                ascending
            }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The time of the series' last bar that `at` allows.
fn last_time_at(series: &BarSeries, at: At) -> Option<BarTime> {
    let times = series.time();
    match at {
        At::Latest => times.last().copied(),
        At::OnOrBefore(limit) => {
            let after = times.partition_point(|&t| t <= limit);
            after.checked_sub(1).map(|i| times[i])
        }
    }
}
