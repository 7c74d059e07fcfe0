//! Compiling a checked scan into programs of steps in which every distinct
//! sub-expression appears once.
//!
//! A program is a list of steps in dependency order: a step reads only the values of
//! earlier steps (its operands), so evaluating the list front to back, per bar or per
//! column, computes every value exactly once. The daily program answers the scan; each
//! timeframe used (`weekly`, `monthly`) gets its own program, run on resampled bars, and
//! the daily program reads its results through [`Op::Frame`].

use crate::lang::{
    ArithOp, CheckedScan, CmpOp, Field, IndicatorSpec, LogicOp, Node, NodeKind, Num, Timeframe, Ty,
    WindowKind,
};
use std::collections::HashMap;

/// The index of a step in its program; also the index of its value.
pub type Slot = usize;

/// One step. Operands are slots of earlier steps of the same program.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Op {
    Const(Num),
    Field(Field),
    /// A catalogue indicator. It fills its own slot with its first output and the
    /// following slots, which hold [`Op::Output`], with the others. `source` is the
    /// series it reads when that is an expression rather than a price field.
    Indicator {
        indicator: IndicatorSpec,
        source: Option<Slot>,
    },
    /// A further output of the indicator a few slots before; filled by that step.
    Output,
    Neg(Slot),
    Arith(ArithOp, Slot, Slot),
    Compare(CmpOp, Slot, Slot),
    Logic(LogicOp, Slot, Slot),
    Not(Slot),
    Crosses {
        above: bool,
        lhs: Slot,
        rhs: Slot,
    },
    Offset(Slot, usize),
    Window(WindowKind, Slot, usize),
    Streak(Slot),
    Change(Slot, usize),
    PctChange(Slot, usize),
    Abs(Slot),
    Min(Vec<Slot>),
    Max(Vec<Slot>),
    SymbolIn(Vec<String>),
    /// A value of a timeframe's program, as it stands at the current daily bar.
    Frame(Timeframe, Slot),
}

/// Steps in dependency order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Program {
    pub steps: Vec<Op>,
}

impl Program {
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// A compiled scan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub(crate) daily: Program,
    /// The weekly and monthly programs, when the scan uses them.
    pub(crate) weekly: Option<Program>,
    pub(crate) monthly: Option<Program>,
    pub(crate) condition: Option<Slot>,
    pub(crate) rank: Option<(Slot, bool)>,
    pub(crate) show: Vec<(String, Slot)>,
    /// Whether each `show` column is a condition (shown as true/false).
    pub(crate) show_conditions: Vec<bool>,
    pub(crate) limit: Option<usize>,
}

impl Plan {
    /// Compiles a checked scan.
    pub fn new(scan: &CheckedScan) -> Plan {
        let mut daily = Builder::default();
        let mut frames = [Builder::default(), Builder::default()];
        let mut add = |node: &Node| daily.add(node, Some(&mut frames));
        let condition = scan.condition.as_ref().map(&mut add);
        let rank = scan.rank.as_ref().map(|r| (add(&r.node), r.descending));
        let show = scan
            .show
            .iter()
            .map(|column| (column.name.clone(), add(&column.node)))
            .collect();
        let show_conditions = scan
            .show
            .iter()
            .map(|c| c.node.ty() == Ty::Condition)
            .collect();
        let [weekly, monthly] = frames.map(|b| Some(b.program).filter(|p| !p.is_empty()));
        Plan {
            daily: daily.program,
            weekly,
            monthly,
            condition,
            rank,
            show,
            show_conditions,
            limit: scan.limit,
        }
    }

    /// The `show` columns' names and whether each is a condition, in order.
    pub fn show_columns(&self) -> impl Iterator<Item = (&str, bool)> {
        self.show
            .iter()
            .zip(&self.show_conditions)
            .map(|((name, _), &condition)| (name.as_str(), condition))
    }

    /// Whether the scan has a `rank by` clause.
    pub fn has_rank(&self) -> bool {
        self.rank.is_some()
    }

    pub fn limit(&self) -> Option<usize> {
        self.limit
    }

    /// How many steps the daily program and the timeframe programs have together: the
    /// number of distinct sub-expressions computed per symbol.
    pub fn step_count(&self) -> usize {
        self.daily.len()
            + self.weekly.as_ref().map_or(0, Program::len)
            + self.monthly.as_ref().map_or(0, Program::len)
    }

    pub(crate) fn frame(&self, frame: Timeframe) -> Option<&Program> {
        match frame {
            Timeframe::Weekly => self.weekly.as_ref(),
            Timeframe::Monthly => self.monthly.as_ref(),
        }
    }
}

/// Builds one program, reusing the step of any sub-expression already added.
#[derive(Default)]
struct Builder {
    program: Program,
    known: HashMap<Op, Slot>,
}

impl Builder {
    /// Adds `node` and what it reads; returns its slot. `frames` holds the weekly and
    /// monthly builders when adding to the daily program; timeframes never nest, so
    /// within a timeframe it is `None`.
    fn add(&mut self, node: &Node, mut frames: Option<&mut [Builder; 2]>) -> Slot {
        let mut add = |n: &Node| self.add(n, frames.as_deref_mut());
        let op = match &node.kind {
            NodeKind::Number(n) => Op::Const(*n),
            NodeKind::Field(f) => Op::Field(*f),
            NodeKind::Indicator {
                indicator,
                source,
                output,
            } => {
                let source = source.as_deref().map(add);
                return self.indicator(*indicator, source) + output;
            }
            NodeKind::Neg(a) => Op::Neg(add(a)),
            NodeKind::Arith { op, lhs, rhs } => {
                let (a, b) = (add(lhs), add(rhs));
                Op::Arith(*op, a, b)
            }
            NodeKind::Compare { op, lhs, rhs } => {
                let (a, b) = (add(lhs), add(rhs));
                Op::Compare(*op, a, b)
            }
            NodeKind::Logic { op, lhs, rhs } => {
                let (a, b) = (add(lhs), add(rhs));
                Op::Logic(*op, a, b)
            }
            NodeKind::Not(a) => Op::Not(add(a)),
            NodeKind::Crosses { above, lhs, rhs } => {
                let (lhs, rhs) = (add(lhs), add(rhs));
                Op::Crosses {
                    above: *above,
                    lhs,
                    rhs,
                }
            }
            NodeKind::Offset { node, bars } => Op::Offset(add(node), *bars),
            NodeKind::Window { kind, cond, bars } => Op::Window(*kind, add(cond), *bars),
            NodeKind::Streak(a) => Op::Streak(add(a)),
            NodeKind::Change { source, bars } => Op::Change(add(source), *bars),
            NodeKind::PctChange { source, bars } => Op::PctChange(add(source), *bars),
            NodeKind::Abs(a) => Op::Abs(add(a)),
            NodeKind::Min(all) => Op::Min(all.iter().map(add).collect()),
            NodeKind::Max(all) => Op::Max(all.iter().map(add).collect()),
            NodeKind::SymbolIn(symbols) => Op::SymbolIn(symbols.clone()),
            NodeKind::Timeframe { frame, node } => {
                let frames = frames.expect("the checker refuses nested timeframes");
                let index = match frame {
                    Timeframe::Weekly => 0,
                    Timeframe::Monthly => 1,
                };
                Op::Frame(*frame, frames[index].add(node, None))
            }
        };
        self.push(op)
    }

    /// The slot of an indicator's first output; its other outputs follow it.
    fn indicator(&mut self, indicator: IndicatorSpec, source: Option<Slot>) -> Slot {
        let op = Op::Indicator { indicator, source };
        if let Some(&slot) = self.known.get(&op) {
            return slot;
        }
        let slot = self.push(op);
        for _ in 1..indicator.0.outputs().len() {
            self.program.steps.push(Op::Output);
        }
        slot
    }

    fn push(&mut self, op: Op) -> Slot {
        if let Some(&slot) = self.known.get(&op) {
            return slot;
        }
        let slot = self.program.steps.len();
        self.program.steps.push(op.clone());
        self.known.insert(op, slot);
        slot
    }
}
