//! A scan kept live over a whole market: one streaming state per symbol, each new bar
//! folded in at O(1) per step, and the market answered again at once.
//!
//! An update is on the latency path of live alerts (10,000 symbols should take well
//! under a millisecond), so it makes no allocation per symbol: states are updated in
//! parallel chunks, each symbol's condition and last time are written to flat arrays
//! beside the states, and only the matches are built into results.

use super::{Match, Plan, ScanOutcome, SymbolState};
use crate::series::{Bar, BarProblem, BarSeries};
use crate::time::BarTime;
use rayon::prelude::*;

/// Symbols per parallel task: large enough that scheduling costs nothing next to the
/// work, small enough that two cores share the work evenly.
const CHUNK: usize = 512;

/// A bar refused by a streaming update.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{symbol}: {problem}")]
pub struct StreamError {
    pub symbol: String,
    pub problem: BarProblem,
}

/// A compiled scan kept live over a market: each symbol's state is updated with one new
/// bar in O(1) per step, and the scan is answered again at once. A clone is an
/// independent copy of every symbol's state.
#[derive(Clone)]
pub struct MarketStream {
    plan: Plan,
    symbols: Vec<String>,
    states: Vec<SymbolState>,
    /// Each symbol's condition at its last bar (NaN before any bar).
    conditions: Vec<f64>,
    /// Each symbol's last bar time.
    times: Vec<Option<BarTime>>,
}

impl MarketStream {
    /// Streaming states for `universe`, fed its whole history.
    pub fn new(plan: Plan, universe: &[BarSeries]) -> Self {
        let states: Vec<SymbolState> = universe
            .par_iter()
            .map(|series| {
                let mut state = SymbolState::new(&plan, series.symbol());
                for i in 0..series.len() {
                    state.update(&plan, &series.bar(i).expect("in range"));
                }
                state
            })
            .collect();
        let conditions = states.iter().map(|s| latest_condition(&plan, s)).collect();
        let times = states.iter().map(SymbolState::last_time).collect();
        MarketStream {
            symbols: universe.iter().map(|s| s.symbol().to_string()).collect(),
            plan,
            states,
            conditions,
            times,
        }
    }

    /// The symbols, in the order updates take their bars.
    pub fn symbols(&self) -> &[String] {
        &self.symbols
    }

    /// Takes at most one new bar per symbol (`bars[i]` for `symbols()[i]`; `None`
    /// leaves that symbol as it is) and answers the scan at the latest date. If any bar
    /// is refused, nothing is updated.
    pub fn update(&mut self, bars: &[Option<Bar>]) -> Result<ScanOutcome, StreamError> {
        assert_eq!(bars.len(), self.states.len(), "one entry per symbol");
        let refused = self
            .states
            .par_iter()
            .zip(bars)
            .with_min_len(CHUNK)
            .position_first(|(state, bar)| bar.as_ref().is_some_and(|b| state.check(b).is_err()));
        if let Some(i) = refused {
            let bar = bars[i].as_ref().expect("only a bar is refused");
            let problem = self.states[i].check(bar).expect_err("refused above");
            return Err(StreamError {
                symbol: self.symbols[i].clone(),
                problem,
            });
        }
        let plan = &self.plan;
        self.states
            .par_chunks_mut(CHUNK)
            .zip(bars.par_chunks(CHUNK))
            .zip(self.conditions.par_chunks_mut(CHUNK))
            .zip(self.times.par_chunks_mut(CHUNK))
            .for_each(|(((states, bars), conditions), times)| {
                for (((state, bar), condition), time) in
                    states.iter_mut().zip(bars).zip(conditions).zip(times)
                {
                    if let Some(bar) = bar {
                        state.update(plan, bar);
                        *condition = state.condition(plan);
                        *time = Some(bar.time);
                    }
                }
            });
        Ok(self.outcome())
    }

    /// The scan's answer at the latest date any symbol has reached.
    pub fn outcome(&self) -> ScanOutcome {
        let plan = &self.plan;
        let as_of = self.times.iter().flatten().max().copied();
        let mut outcome = ScanOutcome {
            as_of,
            ..ScanOutcome::default()
        };
        for (i, (&time, &condition)) in self.times.iter().zip(&self.conditions).enumerate() {
            if time.is_none() || time != as_of {
                outcome.without_bar += 1;
            } else if condition.is_nan() {
                outcome.skipped += 1;
            } else if condition != 0.0 {
                let state = &self.states[i];
                let bar = state.last().expect("a symbol with a time has a bar");
                let values = state.values(plan);
                outcome.matches.push(Match {
                    symbol: self.symbols[i].clone(),
                    time: bar.time,
                    close: bar.close,
                    rank: values.rank,
                    show: values.show,
                });
            }
        }
        outcome.evaluated = self.states.len() - outcome.without_bar;
        outcome.matched = outcome.matches.len();
        plan.order_and_limit(&mut outcome.matches, |m| m);
        outcome
    }
}

/// The condition at the state's last bar; undefined before its first.
fn latest_condition(plan: &Plan, state: &SymbolState) -> f64 {
    match state.last() {
        Some(_) => state.condition(plan),
        None => f64::NAN,
    }
}
