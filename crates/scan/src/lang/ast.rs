//! The syntax tree: what was written, with spans, before names and types are resolved.

use super::Span;

/// A parsed scan. Keeps its text so that the checker can quote it in messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Ast {
    pub text: String,
    /// `None`: every symbol matches.
    pub condition: Option<Expr>,
    pub rank: Option<Rank>,
    pub limit: Option<Limit>,
    pub show: Option<Show>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rank {
    pub expr: Expr,
    /// `true` unless `asc` is written.
    pub descending: bool,
    /// The whole clause.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub value: f64,
    /// The number.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Show {
    pub items: Vec<ShowItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShowItem {
    pub expr: Expr,
    pub name: String,
    pub name_span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
        )
    }

    pub fn is_logic(self) -> bool {
        matches!(self, BinOp::And | BinOp::Or)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    /// `Some` for `name: value`.
    pub name: Option<(String, Span)>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Number(f64),
    /// A bare name: a price field, or an indicator with all its defaults (`obv`).
    Name(String),
    Call {
        name: String,
        name_span: Span,
        args: Vec<Arg>,
        /// The parenthesised argument list.
        args_span: Span,
    },
    /// `base.name`: an output of a multi-output indicator.
    Member {
        base: Box<Expr>,
        name: String,
        name_span: Span,
    },
    /// `base[bars]`.
    Offset {
        base: Box<Expr>,
        bars: f64,
        bars_span: Span,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinOp,
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Crosses {
        above: bool,
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `symbol in ("AAPL", …)`, symbols as written (without quotes).
    SymbolIn(Vec<(String, Span)>),
    /// Something the parser already reported; the checker skips it silently.
    Error,
}
