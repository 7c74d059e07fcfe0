//! A scan kept live over a whole market: one streaming state per symbol, each new bar
//! folded in at O(1) per step, and the market answered again at once.
//!
//! An update is on the latency path of live alerts (10,000 symbols should take well
//! under a millisecond). With that many symbols the states do not fit in cache, so the
//! update's cost is the memory it touches, and the states are laid out for it: every
//! symbol's daily step states sit in one flat array, symbol after symbol, and its values
//! and windows in another (see [`super::stream`]), so an update walks both front to back
//! and touches a few adjacent cache lines per symbol, where separately allocated states
//! cost a scattered miss per step. The last bar's time, close and condition are kept
//! in a third array beside them, so checking the new bars and answering the scan read
//! nothing else. An update makes no allocation per symbol; only the matches are built
//! into results.
//!
//! An update is also short, so its parallel part is shaped for latency rather than
//! balance: the new bars are checked on the calling thread (cheaper than a round trip
//! through the thread pool), then the caller and one helper per other thread of the
//! pool take parts of a few hundred symbols in turn, so the caller starts at once, each
//! helper is woken once per update, and the caller never waits to be woken.

use super::stream::{ProgramState, StateMut, StepState};
use super::{check_next, update_symbol, Match, Plan, ScanOutcome, SymbolFrames, SymbolState};
use crate::series::{Bar, BarProblem, BarSeries};
use crate::time::BarTime;
use rayon::prelude::*;
use std::sync::{Mutex, PoisonError};

/// Symbols per part of an update (see [`MarketStream::update`]): a few dozen
/// microseconds of work, so that parts are taken rarely enough that taking one costs
/// nothing, and the last ones even out the threads' shares.
const PART: usize = 256;

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
    /// Every symbol's daily step states, `states_per_symbol` each, in symbol order.
    states: Vec<StepState>,
    /// Every symbol's daily cells (step values, then windows), `cells_per_symbol` each,
    /// in symbol order.
    cells: Vec<f64>,
    states_per_symbol: usize,
    cells_per_symbol: usize,
    /// Per symbol, what its last bar left besides the daily blocks.
    latest: Vec<Latest>,
}

/// One symbol's timeframe states and its last bar's time, close and condition.
#[derive(Clone)]
struct Latest {
    frames: SymbolFrames,
    time: Option<BarTime>,
    close: f64,
    /// NaN before any bar.
    condition: f64,
}

impl MarketStream {
    /// Streaming states for `universe`, fed its whole history.
    pub fn new(plan: Plan, universe: &[BarSeries]) -> Self {
        let fed: Vec<SymbolState> = universe
            .par_iter()
            .map(|series| {
                let mut state = SymbolState::new(&plan, series.symbol());
                for i in 0..series.len() {
                    state.update(&plan, &series.bar(i).expect("in range"));
                }
                state
            })
            .collect();
        // The symbol changes only the states' values, never the blocks' lengths.
        let (states, cells) = ProgramState::new(&plan.daily, "").into_blocks();
        let (states_per_symbol, cells_per_symbol) = (states.len(), cells.len());
        let mut stream = MarketStream {
            symbols: universe.iter().map(|s| s.symbol().to_string()).collect(),
            states: Vec::with_capacity(universe.len() * states_per_symbol),
            cells: Vec::with_capacity(universe.len() * cells_per_symbol),
            states_per_symbol,
            cells_per_symbol,
            latest: Vec::with_capacity(universe.len()),
            plan,
        };
        for state in fed {
            let (daily, frames, last) = state.into_parts();
            let (states, cells) = daily.into_blocks();
            let condition = match last {
                Some(_) => stream.plan.condition_at(&cells),
                None => f64::NAN,
            };
            stream.states.extend(states);
            stream.cells.extend(cells);
            stream.latest.push(Latest {
                frames,
                time: last.map(|bar| bar.time),
                close: last.map_or(f64::NAN, |bar| bar.close),
                condition,
            });
        }
        stream
    }

    /// The symbols, in the order updates take their bars.
    pub fn symbols(&self) -> &[String] {
        &self.symbols
    }

    /// Takes at most one new bar per symbol (`bars[i]` for `symbols()[i]`; `None`
    /// leaves that symbol as it is) and answers the scan at the latest date. If any bar
    /// is refused, nothing is updated.
    pub fn update(&mut self, bars: &[Option<Bar>]) -> Result<ScanOutcome, StreamError> {
        let n = self.latest.len();
        assert_eq!(bars.len(), n, "one entry per symbol");
        // Serially, on the calling thread: a few nanoseconds per symbol, less than
        // handing the check to the pool and waiting for it to answer.
        let refused = self.latest.iter().zip(bars).position(|(latest, bar)| {
            bar.as_ref()
                .is_some_and(|b| check_next(latest.time, b).is_err())
        });
        if let Some(i) = refused {
            let bar = bars[i].as_ref().expect("only a bar is refused");
            let problem = check_next(self.latest[i].time, bar).expect_err("refused above");
            return Err(StreamError {
                symbol: self.symbols[i].clone(),
                problem,
            });
        }
        let plan = &self.plan;
        let (k, m) = (self.states_per_symbol, self.cells_per_symbol);
        // Parts of `PART` consecutive symbols, taken in turn by the calling thread and
        // by one helper per other thread of the pool, whichever is free: the caller
        // starts at once (no round trip through the pool), each helper is woken once
        // per update, and a helper that wakes late or is preempted leaves the parts it
        // has not taken to the others, so the caller waits at most for parts already
        // under way.
        let states = split(&mut self.states, PART * k);
        let cells = split(&mut self.cells, PART * m);
        let parts = self
            .latest
            .chunks_mut(PART)
            .zip(bars.chunks(PART))
            .zip(states.zip(cells));
        let parts = Mutex::new(parts);
        let work = || loop {
            // The lock is held only to take a part, never while updating one.
            let part = parts.lock().unwrap_or_else(PoisonError::into_inner).next();
            let Some(((latest, bars), (states, cells))) = part else {
                break;
            };
            update_part(plan, (k, m), latest, bars, states, cells);
        };
        let helpers = rayon::current_num_threads()
            .min(n.div_ceil(PART))
            .saturating_sub(1);
        rayon::in_place_scope(|scope| {
            for _ in 0..helpers {
                scope.spawn(|_| work());
            }
            work();
        });
        // The parts borrow the blocks; answering reads them.
        drop(parts);
        Ok(self.outcome())
    }

    /// The scan's answer at the latest date any symbol has reached.
    pub fn outcome(&self) -> ScanOutcome {
        let plan = &self.plan;
        let as_of = self.latest.iter().filter_map(|l| l.time).max();
        let mut outcome = ScanOutcome {
            as_of,
            ..ScanOutcome::default()
        };
        for (i, latest) in self.latest.iter().enumerate() {
            let time = match latest.time {
                Some(time) if Some(time) == as_of => time,
                _ => {
                    outcome.without_bar += 1;
                    continue;
                }
            };
            if latest.condition.is_nan() {
                outcome.skipped += 1;
            } else if latest.condition != 0.0 {
                let m = self.cells_per_symbol;
                let values = plan.values_at(&self.cells[i * m..(i + 1) * m]);
                outcome.matches.push(Match {
                    symbol: self.symbols[i].clone(),
                    time,
                    close: latest.close,
                    rank: values.rank,
                    show: values.show,
                });
            }
        }
        outcome.evaluated = self.latest.len() - outcome.without_bar;
        outcome.matched = outcome.matches.len();
        plan.order_and_limit(&mut outcome.matches, |m| m);
        outcome
    }
}

/// `block` cut into pieces of `items` (the last may be shorter); unlike
/// `chunks_mut`, also when a symbol has no items (then every piece is empty).
fn split<T>(block: &mut [T], items: usize) -> impl Iterator<Item = &mut [T]> {
    let mut rest = block;
    std::iter::from_fn(move || {
        let items = items.min(rest.len());
        let (piece, tail) = std::mem::take(&mut rest).split_at_mut(items);
        rest = tail;
        Some(piece)
    })
}

/// Takes the new bars of consecutive symbols, which passed [`check_next`].
fn update_part(
    plan: &Plan,
    (k, m): (usize, usize),
    latest: &mut [Latest],
    bars: &[Option<Bar>],
    states: &mut [StepState],
    cells: &mut [f64],
) {
    for (j, (latest, bar)) in latest.iter_mut().zip(bars).enumerate() {
        let Some(bar) = bar else { continue };
        let daily = StateMut {
            states: &mut states[j * k..(j + 1) * k],
            cells: &mut cells[j * m..(j + 1) * m],
        };
        update_symbol(plan, daily, &mut latest.frames, bar);
        latest.condition = plan.condition_at(&cells[j * m..(j + 1) * m]);
        latest.time = Some(bar.time);
        latest.close = bar.close;
    }
}
