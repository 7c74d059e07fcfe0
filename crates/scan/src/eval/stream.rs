//! Evaluating a program one bar at a time: each step keeps the little state it needs
//! (an indicator's streaming state, the last n values for an offset or a window), so a
//! new bar costs O(1) per step whatever the history's length.
//!
//! A symbol's state is two flat blocks, so that a market stream can lay every symbol's
//! state out contiguously (see [`super::live`]): the states of the stateful steps only,
//! in step order, and `f64` cells holding every step's value at the last bar followed by
//! the steps' windows (SMA windows, offset and window rings). The commonest indicators
//! are kept inline in their step's state rather than boxed behind a trait object, so an
//! update follows no pointer. [`StateMut`] evaluates over the two blocks wherever they
//! live; [`ProgramState`] owns a pair.

use super::frame::Frames;
use super::plan::{Op, Program};
use super::value::{self, WindowCounts, UNDEFINED};
use crate::catalog::{BarStream, Indicator, ValueStream};
use crate::indicators::{Ema, Rsi, SmaTotal, Streaming};
use crate::lang::WindowKind;
use crate::series::{Bar, PriceField};

/// A range of a symbol's windows (the cells after the values).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    start: usize,
    len: usize,
}

impl Span {
    fn of(self, windows: &mut [f64]) -> &mut [f64] {
        &mut windows[self.start..self.start + self.len]
    }
}

/// The last `n` values of a series, to read the one `n` bars ago; the values are in a
/// window of the cells.
#[derive(Debug, Clone)]
pub(crate) struct Lag {
    ring: Span,
    next: usize,
    seen: usize,
}

impl Lag {
    fn new(ring: Span) -> Self {
        Lag {
            ring,
            next: 0,
            seen: 0,
        }
    }

    /// Stores the current value; returns the one `n` bars before it, or `None` while
    /// there is no such bar.
    fn push(&mut self, windows: &mut [f64], value: f64) -> Option<f64> {
        let ring = self.ring.of(windows);
        let old = std::mem::replace(&mut ring[self.next], value);
        self.next = if self.next + 1 == ring.len() {
            0
        } else {
            self.next + 1
        };
        self.seen += 1;
        (self.seen > ring.len()).then_some(old)
    }
}

/// The state of one stateful step.
#[derive(Clone)]
pub(crate) enum StepState {
    /// `symbol in (…)`: fixed for the symbol.
    Constant(f64),
    /// The commonest indicators over a price field, inline.
    Sma {
        field: PriceField,
        total: SmaTotal,
        window: Span,
    },
    Ema {
        field: PriceField,
        state: Ema,
    },
    Rsi {
        field: PriceField,
        state: Rsi,
    },
    /// Any other indicator over bars.
    OnBars(Box<dyn BarStream>),
    OnValues {
        indicator: Indicator,
        stream: Box<dyn ValueStream>,
        /// Whether the stream has taken a value since it was made.
        started: bool,
    },
    Lag(Lag),
    Window {
        lag: Lag,
        counts: WindowCounts,
    },
    /// The operands' values on the previous bar, for `crosses`.
    Previous(f64, f64),
    Streak(f64),
}

/// The parameters were checked when the scan was compiled.
const CHECKED: &str = "the checker bounds every period";

/// A program's per-symbol state, in its own two blocks.
#[derive(Clone)]
pub struct ProgramState {
    states: Vec<StepState>,
    cells: Vec<f64>,
    /// How many of the cells are step values (the program's length).
    steps: usize,
}

impl ProgramState {
    pub fn new(program: &Program, symbol: &str) -> Self {
        let steps = program.len();
        let mut cells = vec![UNDEFINED; steps];
        let mut window = |len: usize, fill: f64| {
            let span = Span {
                start: cells.len() - steps,
                len,
            };
            cells.resize(cells.len() + len, fill);
            span
        };
        let states = program
            .steps
            .iter()
            .filter_map(|op| {
                Some(match op {
                    Op::SymbolIn(symbols) => {
                        StepState::Constant(value::truth(symbols.iter().any(|s| s == symbol)))
                    }
                    Op::Indicator {
                        indicator,
                        source: None,
                    } => match indicator.0 {
                        Indicator::Sma { source, period } => StepState::Sma {
                            field: source,
                            total: SmaTotal::default(),
                            window: window(period, 0.0),
                        },
                        Indicator::Ema { source, period } => StepState::Ema {
                            field: source,
                            state: Ema::new(period).expect(CHECKED),
                        },
                        Indicator::Rsi { source, period } => StepState::Rsi {
                            field: source,
                            state: Rsi::new(period).expect(CHECKED),
                        },
                        _ => StepState::OnBars(indicator.0.stream()),
                    },
                    Op::Indicator {
                        indicator,
                        source: Some(_),
                    } => StepState::OnValues {
                        indicator: indicator.0,
                        stream: value_stream(&indicator.0),
                        started: false,
                    },
                    Op::Offset(_, bars) | Op::Change(_, bars) | Op::PctChange(_, bars) => {
                        StepState::Lag(Lag::new(window(*bars, UNDEFINED)))
                    }
                    Op::Window(_, _, bars) => StepState::Window {
                        lag: Lag::new(window(*bars, UNDEFINED)),
                        counts: WindowCounts::default(),
                    },
                    Op::Crosses { .. } => StepState::Previous(UNDEFINED, UNDEFINED),
                    Op::Streak(_) => StepState::Streak(UNDEFINED),
                    _ => return None,
                })
            })
            .collect();
        ProgramState {
            states,
            cells,
            steps,
        }
    }

    /// The value of every step at the last bar taken.
    pub fn values(&self) -> &[f64] {
        &self.cells[..self.steps]
    }

    /// Takes the next bar and computes every step's value for it.
    pub fn update(&mut self, program: &Program, bar: &Bar, frames: &Frames) {
        self.as_mut().update(program, bar, frames);
    }

    pub(crate) fn as_mut(&mut self) -> StateMut<'_> {
        StateMut {
            states: &mut self.states,
            cells: &mut self.cells,
        }
    }

    /// The two blocks, for a market stream to lay out beside other symbols'. Every
    /// symbol's blocks under one program have the same lengths.
    pub(crate) fn into_blocks(self) -> (Vec<StepState>, Vec<f64>) {
        (self.states, self.cells)
    }
}

/// One symbol's state blocks under a program, wherever they are stored.
pub(crate) struct StateMut<'s> {
    pub(crate) states: &'s mut [StepState],
    pub(crate) cells: &'s mut [f64],
}

impl StateMut<'_> {
    /// Takes the next bar and computes every step's value for it.
    pub(crate) fn update(&mut self, program: &Program, bar: &Bar, frames: &Frames) {
        let (v, windows) = self.cells.split_at_mut(program.len());
        let mut states = self.states.iter_mut();
        for (slot, op) in program.steps.iter().enumerate() {
            let result = match op {
                Op::Const(n) => n.0,
                Op::Field(f) => value::field(*f, bar),
                Op::Output => continue,
                Op::Neg(a) => -v[*a],
                Op::Arith(op, a, b) => value::arith(*op, v[*a], v[*b]),
                Op::Compare(op, a, b) => value::compare(*op, v[*a], v[*b]),
                Op::Logic(op, a, b) => value::logic(*op, v[*a], v[*b]),
                Op::Not(a) => value::not(v[*a]),
                Op::Abs(a) => v[*a].abs(),
                Op::Min(all) => fold(all, |s| v[s], value::min),
                Op::Max(all) => fold(all, |s| v[s], value::max),
                Op::Frame(frame, slot) => frames.value(*frame, *slot),
                _ => {
                    let state = states.next().expect("a state for every stateful step");
                    match (op, state) {
                        (
                            Op::Indicator { .. },
                            StepState::Sma {
                                field,
                                total,
                                window,
                            },
                        ) => total.update(window.of(windows), bar.field(*field)),
                        (Op::Indicator { .. }, StepState::Ema { field, state }) => {
                            state.update(bar.field(*field))
                        }
                        (Op::Indicator { .. }, StepState::Rsi { field, state }) => {
                            state.update(bar.field(*field))
                        }
                        (Op::Indicator { .. }, StepState::OnBars(stream)) => {
                            let outputs = outputs_at(program, slot);
                            stream.update(bar, &mut v[outputs]);
                            continue;
                        }
                        (
                            Op::Indicator {
                                source: Some(source),
                                ..
                            },
                            StepState::OnValues {
                                indicator,
                                stream,
                                started,
                            },
                        ) => {
                            let outputs = outputs_at(program, slot);
                            let input = v[*source];
                            if input.is_nan() {
                                // An undefined input ends the run of values the indicator
                                // reads; it starts afresh at the next defined one.
                                if *started {
                                    *stream = value_stream(indicator);
                                    *started = false;
                                }
                                v[outputs].fill(UNDEFINED);
                            } else {
                                stream.update(input, &mut v[outputs]);
                                *started = true;
                            }
                            continue;
                        }
                        (Op::Crosses { above, lhs, rhs }, StepState::Previous(pa, pb)) => {
                            let now = (v[*lhs], v[*rhs]);
                            let result = value::crosses(*above, (*pa, *pb), now);
                            (*pa, *pb) = now;
                            result
                        }
                        (Op::Offset(a, _), StepState::Lag(lag)) => {
                            lag.push(windows, v[*a]).unwrap_or(UNDEFINED)
                        }
                        (Op::Change(a, _), StepState::Lag(lag)) => lag
                            .push(windows, v[*a])
                            .map_or(UNDEFINED, |then| value::change(v[*a], then)),
                        (Op::PctChange(a, _), StepState::Lag(lag)) => lag
                            .push(windows, v[*a])
                            .map_or(UNDEFINED, |then| value::pct_change(v[*a], then)),
                        (Op::Window(kind, a, bars), StepState::Window { lag, counts }) => {
                            window_step(*kind, *bars, v[*a], windows, lag, counts)
                        }
                        (Op::Streak(a), StepState::Streak(previous)) => {
                            *previous = value::streak(*previous, v[*a]);
                            *previous
                        }
                        (Op::SymbolIn(_), StepState::Constant(c)) => *c,
                        (op, _) => unreachable!("step {op:?} built without its state"),
                    }
                }
            };
            v[slot] = result;
        }
    }
}

fn window_step(
    kind: WindowKind,
    bars: usize,
    cond: f64,
    windows: &mut [f64],
    lag: &mut Lag,
    counts: &mut WindowCounts,
) -> f64 {
    counts.add(cond);
    match lag.push(windows, cond) {
        Some(left) => counts.remove(left),
        None if lag.seen < bars => return UNDEFINED,
        None => {}
    }
    counts.value(kind, bars)
}

/// The value slots an indicator step fills: its own and its further outputs'.
pub(crate) fn outputs_at(program: &Program, slot: usize) -> std::ops::Range<usize> {
    let more = program.steps[slot + 1..]
        .iter()
        .take_while(|op| **op == Op::Output)
        .count();
    slot..slot + 1 + more
}

pub(crate) fn value_stream(indicator: &Indicator) -> Box<dyn ValueStream> {
    indicator
        .value_stream()
        .expect("the checker gives expression sources only to single-input indicators")
}

/// Folds `min`/`max` over the operands, left to right.
pub(crate) fn fold(
    slots: &[usize],
    value_of: impl Fn(usize) -> f64,
    f: fn(f64, f64) -> f64,
) -> f64 {
    let mut acc = value_of(slots[0]);
    for &slot in &slots[1..] {
        acc = f(acc, value_of(slot));
    }
    acc
}
