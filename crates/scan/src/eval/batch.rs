//! Evaluating a program over a whole series, one column per step: indicators run their
//! batch kernels, everything else is a loop over the operands' columns calling the same
//! per-value functions the streaming states call.

use super::frame::FrameState;
use super::plan::{Op, Plan};
use super::stream::{fold, outputs_at};
use super::value::{self, WindowCounts, UNDEFINED};
use crate::catalog::{Columns, Indicator};
use crate::lang::{Timeframe, WindowKind};
use crate::series::BarSeries;
use std::sync::Arc;

/// A step's values over the series.
#[derive(Debug, Clone)]
pub enum Column<'a> {
    /// The same value on every bar (a literal, `symbol in`).
    Const(f64),
    /// A stored price column of the series.
    Borrowed(&'a [f64]),
    Owned(Vec<f64>),
    /// Output `k` of a multi-output indicator, whose columns share one buffer.
    Output(Arc<Columns>, usize),
}

impl Column<'_> {
    pub fn get(&self, index: usize) -> f64 {
        match self {
            Column::Const(c) => *c,
            Column::Borrowed(values) => values[index],
            Column::Owned(values) => values[index],
            Column::Output(columns, k) => columns[*k][index],
        }
    }

    fn slice(&self) -> Option<&[f64]> {
        match self {
            Column::Const(_) => None,
            Column::Borrowed(values) => Some(values),
            Column::Owned(values) => Some(values),
            Column::Output(columns, k) => Some(&columns[*k]),
        }
    }
}

/// `f` applied to one column, value by value.
fn map1(a: &Column, f: impl Fn(f64) -> f64) -> Column<'static> {
    match a.slice() {
        None => Column::Const(f(a.get(0))),
        Some(x) => Column::Owned(x.iter().map(|&x| f(x)).collect()),
    }
}

/// `f` applied to two columns, value by value; a constant side stays a constant, so
/// `rsi(14) < 30` never materialises a column of 30s.
fn map2(a: &Column, b: &Column, f: impl Fn(f64, f64) -> f64) -> Column<'static> {
    Column::Owned(match (a.slice(), b.slice()) {
        (None, None) => return Column::Const(f(a.get(0), b.get(0))),
        (None, Some(y)) => {
            let x = a.get(0);
            y.iter().map(|&y| f(x, y)).collect()
        }
        (Some(x), None) => {
            let y = b.get(0);
            x.iter().map(|&x| f(x, y)).collect()
        }
        (Some(x), Some(y)) => x.iter().zip(y).map(|(&x, &y)| f(x, y)).collect(),
    })
}

/// Every step's column for one symbol.
pub fn run<'a>(plan: &Plan, series: &'a BarSeries, symbol: &str) -> Vec<Column<'a>> {
    let frames = FrameColumns::new(plan, series, symbol);
    let program = &plan.daily;
    let mut columns: Vec<Column<'a>> = Vec::with_capacity(program.len());
    for (slot, op) in program.steps.iter().enumerate() {
        let c = &columns;
        match step(op, series, symbol, Some(&frames), |s| &c[s]) {
            Computed::One(column) => columns.push(column),
            Computed::Outputs(outputs) => {
                debug_assert_eq!(outputs_at(program, slot).len(), outputs.count());
                columns.extend(output_columns(outputs));
            }
            Computed::Filled => {}
        }
    }
    columns
}

/// What one step computes.
pub(crate) enum Computed<'a> {
    One(Column<'a>),
    /// An indicator's outputs, for its slot and the [`Op::Output`] slots after it.
    Outputs(Columns),
    /// An [`Op::Output`]: its indicator step fills it.
    Filled,
}

/// An indicator's outputs as step columns: a single output keeps its vector, several
/// share their buffer.
pub(crate) fn output_columns<'a>(outputs: Columns) -> Vec<Column<'a>> {
    let count = outputs.count();
    if count == 1 {
        return vec![Column::Owned(outputs.into_values())];
    }
    let shared = Arc::new(outputs);
    (0..count)
        .map(|k| Column::Output(Arc::clone(&shared), k))
        .collect()
}

/// The whole-series column(s) of one step, given its operands' columns (`c`) and, for
/// a timeframe step, the timeframe columns. Shared by [`run`] and the point evaluator,
/// so a column is the same whichever computes it.
pub(crate) fn step<'a, 'c>(
    op: &Op,
    series: &'a BarSeries,
    symbol: &str,
    frames: Option<&FrameColumns>,
    c: impl Fn(usize) -> &'c Column<'a>,
) -> Computed<'a>
where
    'a: 'c,
{
    let n = series.len();
    Computed::One(match op {
        Op::Const(v) => Column::Const(v.0),
        Op::Field(field) => match field.price() {
            Some(price) => Column::Borrowed(series.field(price)),
            None => Column::Owned(
                (0..n)
                    .map(|i| value::field(*field, &series.bar(i).expect("in range")))
                    .collect(),
            ),
        },
        Op::Indicator { indicator, source } => {
            return Computed::Outputs(match source {
                None => indicator.0.compute(series),
                Some(source) => over_defined_runs(&indicator.0, c(*source), n),
            })
        }
        Op::Output => return Computed::Filled,
        Op::Neg(a) => map1(c(*a), |x| -x),
        Op::Arith(op, a, b) => map2(c(*a), c(*b), |x, y| value::arith(*op, x, y)),
        Op::Compare(op, a, b) => map2(c(*a), c(*b), |x, y| value::compare(*op, x, y)),
        Op::Logic(op, a, b) => map2(c(*a), c(*b), |x, y| value::logic(*op, x, y)),
        Op::Not(a) => map1(c(*a), value::not),
        Op::Crosses { above, lhs, rhs } => {
            let (a, b) = (c(*lhs), c(*rhs));
            Column::Owned(
                (0..n)
                    .map(|i| match i {
                        0 => UNDEFINED,
                        _ => value::crosses(
                            *above,
                            (a.get(i - 1), b.get(i - 1)),
                            (a.get(i), b.get(i)),
                        ),
                    })
                    .collect(),
            )
        }
        Op::Offset(a, bars) => lagged(c(*a), *bars, n, |_, then| then),
        Op::Change(a, bars) => lagged(c(*a), *bars, n, value::change),
        Op::PctChange(a, bars) => lagged(c(*a), *bars, n, value::pct_change),
        Op::Window(kind, a, bars) => window(*kind, c(*a), *bars, n),
        Op::Streak(a) => {
            let a = c(*a);
            let mut previous = UNDEFINED;
            Column::Owned(
                (0..n)
                    .map(|i| {
                        previous = value::streak(previous, a.get(i));
                        previous
                    })
                    .collect(),
            )
        }
        Op::Abs(a) => map1(c(*a), f64::abs),
        Op::Min(all) => Column::Owned(
            (0..n)
                .map(|i| fold(all, |s| c(s).get(i), value::min))
                .collect(),
        ),
        Op::Max(all) => Column::Owned(
            (0..n)
                .map(|i| fold(all, |s| c(s).get(i), value::max))
                .collect(),
        ),
        Op::SymbolIn(symbols) => Column::Const(value::truth(symbols.iter().any(|s| s == symbol))),
        Op::Frame(frame, slot) => Column::Owned(
            frames
                .expect("a timeframe step needs the timeframe columns")
                .column(*frame, *slot),
        ),
    })
}

/// A single-input indicator over an expression: computed separately over each unbroken
/// run of defined values, undefined elsewhere (the streaming state restarts likewise).
fn over_defined_runs(indicator: &Indicator, source: &Column, n: usize) -> Columns {
    let outputs = indicator.outputs().len();
    let values: Vec<f64> = (0..n).map(|i| source.get(i)).collect();
    let mut columns = Columns::filled(outputs, n, UNDEFINED);
    let mut start = 0;
    while start < n {
        if values[start].is_nan() {
            start += 1;
            continue;
        }
        let end = values[start..]
            .iter()
            .position(|v| v.is_nan())
            .map_or(n, |len| start + len);
        let run = indicator
            .compute_values(&values[start..end])
            .expect("the checker gives expression sources only to single-input indicators");
        for (k, computed) in run.iter().enumerate() {
            columns.column_mut(k)[start..end].copy_from_slice(computed);
        }
        start = end;
    }
    columns
}

/// `f(value now, value bars ago)`, undefined for the first `bars` bars.
fn lagged(a: &Column, bars: usize, n: usize, f: impl Fn(f64, f64) -> f64) -> Column<'static> {
    Column::Owned(
        (0..n)
            .map(|i| match i.checked_sub(bars) {
                Some(then) => f(a.get(i), a.get(then)),
                None => UNDEFINED,
            })
            .collect(),
    )
}

fn window(kind: WindowKind, cond: &Column, bars: usize, n: usize) -> Column<'static> {
    let mut counts = WindowCounts::default();
    Column::Owned(
        (0..n)
            .map(|i| {
                counts.add(cond.get(i));
                match i.checked_sub(bars) {
                    Some(left) => counts.remove(cond.get(left)),
                    None if i + 1 < bars => return UNDEFINED,
                    None => {}
                }
                counts.value(kind, bars)
            })
            .collect(),
    )
}

/// The timeframe programs' values at every daily bar, computed by replaying the
/// streaming states (see [`super::frame`]): a period's value depends on the partial
/// period up to each day, which no batch kernel over completed periods gives.
pub(crate) struct FrameColumns {
    weekly: Vec<Vec<f64>>,
    monthly: Vec<Vec<f64>>,
}

impl FrameColumns {
    pub(crate) fn new(plan: &Plan, series: &BarSeries, symbol: &str) -> Self {
        let replay = |frame: Timeframe| -> Vec<Vec<f64>> {
            let Some(program) = plan.frame(frame) else {
                return Vec::new();
            };
            let mut state = FrameState::new(frame, program, symbol);
            let mut columns = vec![Vec::with_capacity(series.len()); program.len()];
            for i in 0..series.len() {
                state.update(program, &series.bar(i).expect("in range"));
                for (column, &v) in columns.iter_mut().zip(state.values()) {
                    column.push(v);
                }
            }
            columns
        };
        FrameColumns {
            weekly: replay(Timeframe::Weekly),
            monthly: replay(Timeframe::Monthly),
        }
    }

    fn column(&self, frame: Timeframe, slot: usize) -> Vec<f64> {
        match frame {
            Timeframe::Weekly => self.weekly[slot].clone(),
            Timeframe::Monthly => self.monthly[slot].clone(),
        }
    }
}
