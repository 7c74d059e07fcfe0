//! Answering a scan at one bar of one symbol, as a market scan does, without computing
//! every sub-expression over the whole series.
//!
//! Indicators (and windows, streaks, `crosses` and timeframes, which carry state from
//! bar to bar) still need whole columns, computed by the same code as the batch
//! evaluator ([`batch::step`]), so their values are bit for bit the batch ones. But
//! comparisons, arithmetic and logic are evaluated at the answered bar only, and lazily:
//! `and`/`or` evaluate the cheaper side first and skip the other when the first decides
//! the result, so a symbol failing an early clause never computes the indicators of the
//! later ones. Kleene `and`/`or` are symmetric, so the order changes no result. And a
//! comparison whose sides are certainly apart is decided from cheap bounds of them
//! (see [`super::bounds`]) before any exact column is computed.

use super::batch::{self, Column, Computed, FrameColumns};
use super::bounds::{self, Bounds};
use super::plan::{Op, Plan, Program, Slot};
use super::value::{self, UNDEFINED};
use crate::lang::LogicOp;
use crate::series::BarSeries;

/// What evaluating each daily step is expected to cost, shared by every symbol of a
/// scan: operands are ordered by it.
pub(crate) struct Costs(Vec<u32>);

impl Costs {
    pub(crate) fn new(program: &Program) -> Self {
        let mut costs: Vec<u32> = Vec::with_capacity(program.len());
        for op in &program.steps {
            let own = match op {
                // A timeframe replays its program day by day: by far the dearest.
                Op::Frame(..) => 64,
                // Usually decided by bounds (see `bounds`), in a short loop.
                Op::Indicator {
                    indicator,
                    source: None,
                } if bounds::has_bounds(&indicator.0) => 1,
                Op::Indicator { .. } | Op::Window(..) | Op::Streak(_) | Op::Crosses { .. } => 4,
                _ => 0,
            };
            let mut cost: u32 = own;
            operands(op, |s| cost = cost.saturating_add(costs[s]));
            costs.push(cost);
        }
        Costs(costs)
    }
}

/// One symbol's evaluation at one bar: columns are computed on first need and kept.
pub(crate) struct Point<'a, 'p> {
    program: &'p Program,
    plan: &'p Plan,
    costs: &'p Costs,
    series: &'a BarSeries,
    index: usize,
    columns: Vec<Option<Column<'a>>>,
    frames: Option<FrameColumns>,
}

/// The column slots of a finished [`Point`], emptied for the next symbol's: a market
/// scan reuses one per task rather than allocating one per symbol.
pub(crate) type Scratch<'a> = Vec<Option<Column<'a>>>;

impl<'a, 'p> Point<'a, 'p> {
    /// Takes `scratch` (from [`Point::into_scratch`], or a new one) for its columns.
    pub(crate) fn new(
        plan: &'p Plan,
        costs: &'p Costs,
        series: &'a BarSeries,
        index: usize,
        mut scratch: Scratch<'a>,
    ) -> Self {
        scratch.clear();
        scratch.resize_with(plan.daily.len(), || None);
        Point {
            program: &plan.daily,
            plan,
            costs,
            series,
            index,
            columns: scratch,
            frames: None,
        }
    }

    /// The column slots, for the next symbol's point.
    pub(crate) fn into_scratch(self) -> Scratch<'a> {
        self.columns
    }

    /// The value of `slot` at the answered bar.
    pub(crate) fn value(&mut self, slot: Slot) -> f64 {
        self.at(slot, self.index)
    }

    /// The value of `slot` at bar `i`.
    fn at(&mut self, slot: Slot, i: usize) -> f64 {
        if let Some(column) = &self.columns[slot] {
            return column.get(i);
        }
        let program = self.program;
        match &program.steps[slot] {
            Op::Const(v) => v.0,
            Op::Field(field) => match field.price() {
                Some(price) => self.series.field(price)[i],
                None => value::field(*field, &self.series.bar(i).expect("in range")),
            },
            Op::Neg(a) => -self.at(*a, i),
            Op::Abs(a) => self.at(*a, i).abs(),
            Op::Not(a) => value::not(self.at(*a, i)),
            Op::Arith(op, a, b) => {
                let (x, y) = (self.at(*a, i), self.at(*b, i));
                value::arith(*op, x, y)
            }
            Op::Compare(op, a, b) => {
                // Most comparisons are far from a tie: decided by bounds, they need
                // no exact indicator column (see `bounds`).
                if let (Some(x), Some(y)) = (self.bounds(*a, i), self.bounds(*b, i)) {
                    if let Some(result) = Bounds::compare(*op, x, y) {
                        return result;
                    }
                }
                let (x, y) = (self.at(*a, i), self.at(*b, i));
                value::compare(*op, x, y)
            }
            Op::Logic(op, a, b) => {
                let decisive = match op {
                    LogicOp::And => 0.0,
                    LogicOp::Or => 1.0,
                };
                let (first, second) = if self.costs.0[*b] < self.costs.0[*a] {
                    (*b, *a)
                } else {
                    (*a, *b)
                };
                let x = self.at(first, i);
                if x == decisive {
                    return decisive;
                }
                let y = self.at(second, i);
                value::logic(*op, x, y)
            }
            Op::Offset(a, bars) => match i.checked_sub(*bars) {
                Some(then) => self.at(*a, then),
                None => UNDEFINED,
            },
            Op::Change(a, bars) => match i.checked_sub(*bars) {
                Some(then) => {
                    let (now, then) = (self.at(*a, i), self.at(*a, then));
                    value::change(now, then)
                }
                None => UNDEFINED,
            },
            Op::PctChange(a, bars) => match i.checked_sub(*bars) {
                Some(then) => {
                    let (now, then) = (self.at(*a, i), self.at(*a, then));
                    value::pct_change(now, then)
                }
                None => UNDEFINED,
            },
            Op::Min(all) | Op::Max(all) => {
                let f = match &program.steps[slot] {
                    Op::Min(_) => value::min,
                    _ => value::max,
                };
                let mut acc = self.at(all[0], i);
                for &s in &all[1..] {
                    let v = self.at(s, i);
                    acc = f(acc, v);
                }
                acc
            }
            Op::SymbolIn(symbols) => {
                value::truth(symbols.iter().any(|s| s == self.series.symbol()))
            }
            // Steps that carry state from bar to bar: the whole column.
            Op::Indicator { .. }
            | Op::Output
            | Op::Crosses { .. }
            | Op::Window(..)
            | Op::Streak(_)
            | Op::Frame(..) => {
                self.ensure(slot);
                self.columns[slot].as_ref().expect("ensured").get(i)
            }
        }
    }

    /// An interval certain to hold the finite value of `slot` at bar `i`, when one is
    /// cheaper to get than the value itself; `None` otherwise.
    fn bounds(&mut self, slot: Slot, i: usize) -> Option<Bounds> {
        if let Some(column) = &self.columns[slot] {
            return Bounds::exact(column.get(i));
        }
        match &self.program.steps[slot] {
            Op::Const(v) => Bounds::exact(v.0),
            Op::Field(field) => Bounds::exact(self.series.field(field.price()?)[i]),
            Op::Neg(a) => self.bounds(*a, i).map(Bounds::neg),
            Op::Arith(op, a, b) => {
                let x = self.bounds(*a, i)?;
                let y = self.bounds(*b, i)?;
                Bounds::arith(*op, x, y)
            }
            Op::Indicator {
                indicator,
                source: None,
            } => {
                let source = indicator.0.source()?;
                let x = self.series.field(source);
                let largest = self.series.largest_magnitude(source);
                bounds::indicator(&indicator.0, x, largest, i)
            }
            _ => None,
        }
    }

    /// Computes the whole column of `slot`, and of what it reads, unless already done.
    fn ensure(&mut self, slot: Slot) {
        if self.columns[slot].is_some() {
            return;
        }
        let program = self.program;
        let op = &program.steps[slot];
        if *op == Op::Output {
            // Filled by its indicator, the nearest step before it that is not an output.
            let indicator = (0..slot)
                .rev()
                .find(|&s| program.steps[s] != Op::Output)
                .expect("an output follows its indicator");
            return self.ensure(indicator);
        }
        operands(op, |s| self.ensure(s));
        if matches!(op, Op::Frame(..)) && self.frames.is_none() {
            self.frames = Some(FrameColumns::new(
                self.plan,
                self.series,
                self.series.symbol(),
            ));
        }
        let columns = &self.columns;
        let computed = batch::step(
            op,
            self.series,
            self.series.symbol(),
            self.frames.as_ref(),
            |s| columns[s].as_ref().expect("operands are ensured first"),
        );
        match computed {
            Computed::One(column) => self.columns[slot] = Some(column),
            Computed::Outputs(outputs) => {
                for (k, output) in batch::output_columns(outputs).into_iter().enumerate() {
                    self.columns[slot + k] = Some(output);
                }
            }
            Computed::Filled => unreachable!("outputs are handled above"),
        }
    }
}

/// Calls `f` with each slot `op` reads.
fn operands(op: &Op, mut f: impl FnMut(Slot)) {
    match op {
        Op::Indicator {
            source: Some(a), ..
        }
        | Op::Neg(a)
        | Op::Not(a)
        | Op::Offset(a, _)
        | Op::Window(_, a, _)
        | Op::Streak(a)
        | Op::Change(a, _)
        | Op::PctChange(a, _)
        | Op::Abs(a) => f(*a),
        Op::Arith(_, a, b) | Op::Compare(_, a, b) | Op::Logic(_, a, b) => {
            f(*a);
            f(*b);
        }
        Op::Crosses { lhs, rhs, .. } => {
            f(*lhs);
            f(*rhs);
        }
        Op::Min(all) | Op::Max(all) => all.iter().copied().for_each(f),
        Op::Const(_)
        | Op::Field(_)
        | Op::Indicator { source: None, .. }
        | Op::Output
        | Op::SymbolIn(_)
        | Op::Frame(..) => {}
    }
}
