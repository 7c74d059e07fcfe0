//! Running checked scans: the planner, the batch evaluator, streaming states, and
//! market-wide scans and backtests built on them.
//!
//! ```
//! use scan::{eval::Plan, lang, Bar, BarSeries, BarTime};
//! let scan = lang::compile("close > close[1] and sma(3) > 0").unwrap();
//! let plan = Plan::new(&scan);
//! let bars: Vec<Bar> = [10.0, 11.0, 12.0, 11.0]
//!     .iter()
//!     .enumerate()
//!     .map(|(i, &c)| Bar {
//!         time: BarTime::from_unix_seconds(i as i64 * 86_400),
//!         open: c, high: c, low: c, close: c, volume: 1.0, adj_close: None,
//!     })
//!     .collect();
//! let series = BarSeries::from_bars("X", bars.clone()).unwrap();
//! let history = plan.history(&series);
//! // Undefined (NaN) until sma(3) has three bars; then true, then false.
//! assert!(history.condition[1].is_nan());
//! assert_eq!(&history.condition[2..], &[1.0, 0.0]);
//!
//! // Streaming gives the same values, one bar at a time.
//! let mut stream = plan.stream("X");
//! let streamed: Vec<f64> = bars.iter().map(|b| stream.update(b).unwrap().condition).collect();
//! assert_eq!(streamed[2..], history.condition[2..]);
//! ```
//!
//! Values are `f64` throughout, conditions as 1.0/0.0, and `NaN` means undefined; see
//! [`value`] for what each operation does with them.

mod backtest;
mod batch;
mod bounds;
mod frame;
mod live;
mod market;
mod plan;
mod point;
mod stream;
pub mod value;

pub use backtest::{Backtest, BacktestOptions, HorizonSummary, Signal, Stats};
pub use live::{MarketStream, StreamError};
pub use market::{At, Match, ScanOutcome};
pub use plan::Plan;

use crate::lang::Timeframe;
use crate::series::{Bar, BarProblem, BarSeries};
use crate::time::BarTime;
use frame::{FrameState, Frames};
use stream::{ProgramState, StateMut};

/// A scan's values at every bar of one symbol, each computed from that bar and the
/// bars before it only.
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolHistory {
    /// 1.0 where the scan matches, 0.0 where it does not, NaN where it is undefined.
    /// All 1.0 for a scan without a condition.
    pub condition: Vec<f64>,
    pub rank: Option<Vec<f64>>,
    /// One column per `show` clause, in order.
    pub show: Vec<Vec<f64>>,
}

impl Plan {
    /// The scan's values at every bar of `series`, for the symbol the series names.
    pub fn history(&self, series: &BarSeries) -> SymbolHistory {
        let columns = batch::run(self, series, series.symbol());
        let n = series.len();
        let column = |slot: usize| (0..n).map(|i| columns[slot].get(i)).collect::<Vec<_>>();
        SymbolHistory {
            condition: self.condition.map_or_else(|| vec![1.0; n], column),
            rank: self.rank.map(|(slot, _)| column(slot)),
            show: self.show.iter().map(|&(_, slot)| column(slot)).collect(),
        }
    }

    /// A fresh streaming state for one symbol.
    pub fn stream(&self, symbol: &str) -> SymbolStream<'_> {
        SymbolStream {
            plan: self,
            state: SymbolState::new(self, symbol),
        }
    }
}

/// The scan's values at one bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Values {
    pub condition: f64,
    pub rank: Option<f64>,
    pub show: Vec<f64>,
}

/// One symbol's streaming evaluation of a plan.
pub struct SymbolStream<'p> {
    plan: &'p Plan,
    state: SymbolState,
}

impl SymbolStream<'_> {
    /// Takes the symbol's next bar and returns the scan's values at it. A bar that is
    /// invalid or not after the previous one is refused and changes nothing.
    pub fn update(&mut self, bar: &Bar) -> Result<Values, BarProblem> {
        self.state.check(bar)?;
        self.state.update(self.plan, bar);
        Ok(self.state.values(self.plan))
    }
}

/// Everything a plan keeps for one symbol between bars.
#[derive(Clone)]
pub(crate) struct SymbolState {
    daily: ProgramState,
    frames: SymbolFrames,
    last: Option<Bar>,
}

impl SymbolState {
    pub(crate) fn new(plan: &Plan, symbol: &str) -> Self {
        SymbolState {
            daily: ProgramState::new(&plan.daily, symbol),
            frames: SymbolFrames::new(plan, symbol),
            last: None,
        }
    }

    /// Whether `bar` may come next.
    pub(crate) fn check(&self, bar: &Bar) -> Result<(), BarProblem> {
        check_next(self.last_time(), bar)
    }

    /// Takes a bar that passed [`SymbolState::check`].
    pub(crate) fn update(&mut self, plan: &Plan, bar: &Bar) {
        update_symbol(plan, self.daily.as_mut(), &mut self.frames, bar);
        self.last = Some(*bar);
    }

    pub(crate) fn last_time(&self) -> Option<BarTime> {
        self.last.map(|bar| bar.time)
    }

    pub(crate) fn values(&self, plan: &Plan) -> Values {
        plan.values_at(self.daily.values())
    }

    /// The daily state's blocks, the timeframe states and the last bar, for a market
    /// stream to lay out beside other symbols'.
    pub(crate) fn into_parts(self) -> (ProgramState, SymbolFrames, Option<Bar>) {
        (self.daily, self.frames, self.last)
    }
}

/// Whether `bar` may follow a symbol's bar at `last`.
pub(crate) fn check_next(last: Option<BarTime>, bar: &Bar) -> Result<(), BarProblem> {
    bar.validate()?;
    match last {
        Some(last) if bar.time == last => Err(BarProblem::DuplicateTime { time: bar.time }),
        Some(last) if bar.time < last => Err(BarProblem::Unsorted {
            time: bar.time,
            previous: last,
        }),
        _ => Ok(()),
    }
}

/// Takes a bar that passed [`check_next`] into one symbol's state, wherever its daily
/// blocks are stored.
pub(crate) fn update_symbol(
    plan: &Plan,
    mut daily: StateMut,
    frames: &mut SymbolFrames,
    bar: &Bar,
) {
    frames.update(plan, bar);
    daily.update(&plan.daily, bar, &frames.view());
}

/// One symbol's timeframe states. Boxed: most scans use no timeframe, and a market
/// stream keeps one of these per symbol beside its flat blocks.
#[derive(Clone)]
pub(crate) struct SymbolFrames {
    weekly: Option<Box<FrameState>>,
    monthly: Option<Box<FrameState>>,
}

impl SymbolFrames {
    fn new(plan: &Plan, symbol: &str) -> Self {
        let frame = |frame: Timeframe| {
            plan.frame(frame)
                .map(|program| Box::new(FrameState::new(frame, program, symbol)))
        };
        SymbolFrames {
            weekly: frame(Timeframe::Weekly),
            monthly: frame(Timeframe::Monthly),
        }
    }

    fn update(&mut self, plan: &Plan, bar: &Bar) {
        if let (Some(state), Some(program)) = (&mut self.weekly, &plan.weekly) {
            state.update(program, bar);
        }
        if let (Some(state), Some(program)) = (&mut self.monthly, &plan.monthly) {
            state.update(program, bar);
        }
    }

    fn view(&self) -> Frames<'_> {
        Frames {
            weekly: self.weekly.as_deref(),
            monthly: self.monthly.as_deref(),
        }
    }
}

impl Plan {
    /// The condition among a symbol's step values (1.0 without a condition).
    pub(crate) fn condition_at(&self, values: &[f64]) -> f64 {
        self.condition.map_or(1.0, |slot| values[slot])
    }

    /// The scan's values among a symbol's step values.
    pub(crate) fn values_at(&self, values: &[f64]) -> Values {
        Values {
            condition: self.condition_at(values),
            rank: self.rank.map(|(slot, _)| values[slot]),
            show: self.show.iter().map(|&(_, slot)| values[slot]).collect(),
        }
    }
}
