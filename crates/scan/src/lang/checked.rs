//! The checked, resolved tree: every name is a field, an indicator with all its
//! parameters, or a built-in; every node has a known type.
//!
//! Nodes compare and hash by structure only (spans are ignored, numbers compare by their
//! bits), so a planner can put them in a hash map to compute each distinct
//! sub-expression once. The tree is canonical where that is cheap: `-2` is the number
//! −2, `x[0]` is `x`, `x[1][2]` is `x[3]`, and an indicator whose source is a plain price
//! field carries it inside the [`Indicator`] (`source: None`), so `sma(50)` and
//! `sma(close, 50)` are equal.

use super::Span;
use crate::catalog::Indicator;
use crate::series::PriceField;
use std::fmt;
use std::hash::{Hash, Hasher};

/// The two types of the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ty {
    /// A numeric series.
    Number,
    /// A boolean series.
    Condition,
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ty::Number => "a number",
            Ty::Condition => "a condition",
        })
    }
}

/// A checked scan, ready for a planner.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedScan {
    /// Of type [`Ty::Condition`]; `None` matches every symbol.
    pub condition: Option<Node>,
    pub rank: Option<RankBy>,
    pub limit: Option<usize>,
    pub show: Vec<ShowColumn>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RankBy {
    /// Of type [`Ty::Number`].
    pub node: Node,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShowColumn {
    /// The column name as written after `as`.
    pub name: String,
    /// A number, or a condition shown as true/false.
    pub node: Node,
}

/// A number literal that compares and hashes by its bits (`-0.0` is stored as `0.0`;
/// literals are always finite, so there are no NaNs).
#[derive(Debug, Clone, Copy)]
pub struct Num(pub f64);

impl Num {
    pub fn new(value: f64) -> Self {
        Num(if value == 0.0 { 0.0 } else { value })
    }
}

impl PartialEq for Num {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for Num {}

impl Hash for Num {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state);
    }
}

/// A price field, raw or derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Open,
    High,
    Low,
    Close,
    Volume,
    /// (high + low) / 2
    Hl2,
    /// (high + low + close) / 3
    Hlc3,
    /// (open + high + low + close) / 4
    Ohlc4,
}

impl Field {
    pub const ALL: [Field; 8] = [
        Field::Open,
        Field::High,
        Field::Low,
        Field::Close,
        Field::Volume,
        Field::Hl2,
        Field::Hlc3,
        Field::Ohlc4,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Open => "open",
            Field::High => "high",
            Field::Low => "low",
            Field::Close => "close",
            Field::Volume => "volume",
            Field::Hl2 => "hl2",
            Field::Hlc3 => "hlc3",
            Field::Ohlc4 => "ohlc4",
        }
    }

    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The stored column, for the raw fields.
    pub fn price(self) -> Option<PriceField> {
        PriceField::from_name(self.name())
    }
}

/// A catalogue indicator with all its parameters, comparable and hashable. The wrapped
/// [`Indicator`] never holds `-0.0` or NaN, so its `PartialEq` is an equivalence and the
/// hash (of its `Debug` text, which is distinct for distinct values) agrees with it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndicatorSpec(pub Indicator);

impl Eq for IndicatorSpec {}

impl Hash for IndicatorSpec {
    fn hash<H: Hasher>(&self, state: &mut H) {
        format!("{:?}", self.0).hash(state);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogicOp {
    And,
    Or,
}

/// `any`, `all` (conditions) and `count` (a number) over the last n bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WindowKind {
    Any,
    All,
    Count,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timeframe {
    Weekly,
    Monthly,
}

/// A checked expression. Equality and hashing ignore `span`.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    /// Where it was written, for runtime messages.
    pub span: Span,
}

impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

impl Eq for Node {}

impl Hash for Node {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Number(Num),
    Field(Field),
    /// A catalogue indicator (also `highest`/`lowest` = `max`/`min` of the catalogue and
    /// `avg` = `sma`). When the indicator reads a source and the source is not a plain
    /// price field, `source` holds it and the indicator's own `source` is `close`, a
    /// placeholder; otherwise `source` is `None`. `output` indexes
    /// [`Indicator::outputs`].
    Indicator {
        indicator: IndicatorSpec,
        source: Option<Box<Node>>,
        output: usize,
    },
    Neg(Box<Node>),
    Arith {
        op: ArithOp,
        lhs: Box<Node>,
        rhs: Box<Node>,
    },
    Compare {
        op: CmpOp,
        lhs: Box<Node>,
        rhs: Box<Node>,
    },
    Logic {
        op: LogicOp,
        lhs: Box<Node>,
        rhs: Box<Node>,
    },
    Not(Box<Node>),
    /// `lhs` was ≤ `rhs` on the previous bar and is > now (`above`), or the mirror.
    Crosses {
        above: bool,
        lhs: Box<Node>,
        rhs: Box<Node>,
    },
    /// The value `bars` bars ago (`bars` ≥ 1).
    Offset {
        node: Box<Node>,
        bars: usize,
    },
    Window {
        kind: WindowKind,
        cond: Box<Node>,
        bars: usize,
    },
    /// Consecutive bars, ending now, on which the condition holds.
    Streak(Box<Node>),
    /// `node` evaluated on bars resampled to weeks or months.
    Timeframe {
        frame: Timeframe,
        node: Box<Node>,
    },
    /// `src − src[bars]`.
    Change {
        source: Box<Node>,
        bars: usize,
    },
    /// `(src − src[bars]) / src[bars] × 100`.
    PctChange {
        source: Box<Node>,
        bars: usize,
    },
    Abs(Box<Node>),
    /// Element-wise minimum of two or more numbers.
    Min(Vec<Node>),
    /// Element-wise maximum of two or more numbers.
    Max(Vec<Node>),
    /// True for the listed symbols (upper case).
    SymbolIn(Vec<String>),
}

impl Node {
    pub fn ty(&self) -> Ty {
        match &self.kind {
            NodeKind::Compare { .. }
            | NodeKind::Logic { .. }
            | NodeKind::Not(_)
            | NodeKind::Crosses { .. }
            | NodeKind::SymbolIn(_) => Ty::Condition,
            NodeKind::Window { kind, .. } => match kind {
                WindowKind::Count => Ty::Number,
                WindowKind::Any | WindowKind::All => Ty::Condition,
            },
            NodeKind::Offset { node, .. } | NodeKind::Timeframe { node, .. } => node.ty(),
            _ => Ty::Number,
        }
    }

    /// Every direct child, in order (the indicator's expression source included).
    pub fn children(&self) -> Vec<&Node> {
        match &self.kind {
            NodeKind::Number(_) | NodeKind::Field(_) | NodeKind::SymbolIn(_) => Vec::new(),
            NodeKind::Indicator { source, .. } => source.iter().map(|s| &**s).collect(),
            NodeKind::Neg(n)
            | NodeKind::Not(n)
            | NodeKind::Streak(n)
            | NodeKind::Abs(n)
            | NodeKind::Offset { node: n, .. }
            | NodeKind::Window { cond: n, .. }
            | NodeKind::Timeframe { node: n, .. }
            | NodeKind::Change { source: n, .. }
            | NodeKind::PctChange { source: n, .. } => vec![n],
            NodeKind::Arith { lhs, rhs, .. }
            | NodeKind::Compare { lhs, rhs, .. }
            | NodeKind::Logic { lhs, rhs, .. }
            | NodeKind::Crosses { lhs, rhs, .. } => vec![lhs, rhs],
            NodeKind::Min(nodes) | NodeKind::Max(nodes) => nodes.iter().collect(),
        }
    }
}
