//! Evaluating a program one bar at a time: each step keeps the little state it needs
//! (an indicator's streaming state, the last n values for an offset or a window), so a
//! new bar costs O(1) per step whatever the history's length.

use super::frame::Frames;
use super::plan::{Op, Program};
use super::value::{self, WindowCounts, UNDEFINED};
use crate::catalog::{BarStream, Indicator, ValueStream};
use crate::lang::WindowKind;
use crate::series::Bar;

/// The last `n` values of a series, to read the one `n` bars ago.
#[derive(Debug, Clone)]
struct Lag {
    ring: Box<[f64]>,
    next: usize,
    seen: usize,
}

impl Lag {
    fn new(bars: usize) -> Self {
        Lag {
            ring: vec![UNDEFINED; bars].into_boxed_slice(),
            next: 0,
            seen: 0,
        }
    }

    /// Stores the current value; returns the one `n` bars before it, or `None` while
    /// there is no such bar.
    fn push(&mut self, value: f64) -> Option<f64> {
        let old = std::mem::replace(&mut self.ring[self.next], value);
        self.next = if self.next + 1 == self.ring.len() {
            0
        } else {
            self.next + 1
        };
        self.seen += 1;
        (self.seen > self.ring.len()).then_some(old)
    }
}

#[derive(Clone)]
enum StepState {
    /// The step needs nothing but its operands' current values.
    None,
    /// `symbol in (…)`: fixed for the symbol.
    Constant(f64),
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

/// A program's per-symbol state and the values of its steps at the last bar.
#[derive(Clone)]
pub struct ProgramState {
    states: Vec<StepState>,
    values: Vec<f64>,
}

impl ProgramState {
    pub fn new(program: &Program, symbol: &str) -> Self {
        let states = program
            .steps
            .iter()
            .map(|op| match op {
                Op::SymbolIn(symbols) => {
                    StepState::Constant(value::truth(symbols.iter().any(|s| s == symbol)))
                }
                Op::Indicator {
                    indicator,
                    source: None,
                } => StepState::OnBars(indicator.0.stream()),
                Op::Indicator {
                    indicator,
                    source: Some(_),
                } => StepState::OnValues {
                    indicator: indicator.0,
                    stream: value_stream(&indicator.0),
                    started: false,
                },
                Op::Offset(_, bars) | Op::Change(_, bars) | Op::PctChange(_, bars) => {
                    StepState::Lag(Lag::new(*bars))
                }
                Op::Window(_, _, bars) => StepState::Window {
                    lag: Lag::new(*bars),
                    counts: WindowCounts::default(),
                },
                Op::Crosses { .. } => StepState::Previous(UNDEFINED, UNDEFINED),
                Op::Streak(_) => StepState::Streak(UNDEFINED),
                _ => StepState::None,
            })
            .collect();
        ProgramState {
            states,
            values: vec![UNDEFINED; program.len()],
        }
    }

    /// The value of every step at the last bar taken.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Takes the next bar and computes every step's value for it.
    pub fn update(&mut self, program: &Program, bar: &Bar, frames: &Frames) {
        for (slot, op) in program.steps.iter().enumerate() {
            let v = &mut self.values;
            let result = match (op, &mut self.states[slot]) {
                (Op::Const(n), _) => n.0,
                (Op::Field(f), _) => value::field(*f, bar),
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
                (Op::Output, _) => continue,
                (Op::Neg(a), _) => -v[*a],
                (Op::Arith(op, a, b), _) => value::arith(*op, v[*a], v[*b]),
                (Op::Compare(op, a, b), _) => value::compare(*op, v[*a], v[*b]),
                (Op::Logic(op, a, b), _) => value::logic(*op, v[*a], v[*b]),
                (Op::Not(a), _) => value::not(v[*a]),
                (Op::Crosses { above, lhs, rhs }, StepState::Previous(pa, pb)) => {
                    let now = (v[*lhs], v[*rhs]);
                    let result = value::crosses(*above, (*pa, *pb), now);
                    (*pa, *pb) = now;
                    result
                }
                (Op::Offset(a, _), StepState::Lag(lag)) => lag.push(v[*a]).unwrap_or(UNDEFINED),
                (Op::Change(a, _), StepState::Lag(lag)) => lag
                    .push(v[*a])
                    .map_or(UNDEFINED, |then| value::change(v[*a], then)),
                (Op::PctChange(a, _), StepState::Lag(lag)) => lag
                    .push(v[*a])
                    .map_or(UNDEFINED, |then| value::pct_change(v[*a], then)),
                (Op::Window(kind, a, bars), StepState::Window { lag, counts }) => {
                    window_step(*kind, *bars, v[*a], lag, counts)
                }
                (Op::Streak(a), StepState::Streak(previous)) => {
                    *previous = value::streak(*previous, v[*a]);
                    *previous
                }
                (Op::Abs(a), _) => v[*a].abs(),
                (Op::Min(all), _) => fold(all, |s| v[s], value::min),
                (Op::Max(all), _) => fold(all, |s| v[s], value::max),
                (Op::SymbolIn(_), StepState::Constant(c)) => *c,
                (Op::Frame(frame, slot), _) => frames.value(*frame, *slot),
                (op, _) => unreachable!("step {op:?} built without its state"),
            };
            v[slot] = result;
        }
    }
}

fn window_step(
    kind: WindowKind,
    bars: usize,
    cond: f64,
    lag: &mut Lag,
    counts: &mut WindowCounts,
) -> f64 {
    counts.add(cond);
    match lag.push(cond) {
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
