//! The scan language's front end: lexer, parser, syntax tree with spans, and the checker
//! that resolves names, types and parameters into a [`CheckedScan`] a planner can run.
//!
//! ```
//! use scan::lang;
//! let scan = lang::compile("rsi(14) < 30 and close > sma(200)\nlimit 20").unwrap();
//! assert_eq!(scan.limit, Some(20));
//! let errors = lang::compile("clsoe > 5").unwrap_err();
//! assert_eq!(errors[0].help.as_deref(), Some("did you mean `close`?"));
//! ```
//!
//! Evaluation is not here yet: this module only parses and checks. The grammar, the
//! types and every function are documented in `docs/scan-language.md`.

pub mod ast;
mod check;
pub mod checked;
mod diag;
mod lexer;
mod parser;
#[cfg(test)]
mod tests;

pub use ast::Ast;
pub use checked::{
    ArithOp, CheckedScan, CmpOp, Field, IndicatorSpec, LogicOp, Node, NodeKind, Num, RankBy,
    ShowColumn, Timeframe, Ty, WindowKind,
};
pub use diag::{render_all, Diagnostic};

/// How deeply expressions may nest (parentheses, calls, unary operators) and how tall
/// any expression tree may grow (`a + b + …` chains). Deeper input is an error, never a
/// stack overflow.
pub const MAX_DEPTH: usize = 256;

/// The largest period and bar offset the language accepts.
pub const MAX_BARS: usize = 10_000;

/// At most this many diagnostics are reported for one scan; the rest are summarised.
pub const MAX_DIAGNOSTICS: usize = 50;

/// A byte range in the scan text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start..self.end
    }
}

/// Parses a scan into its syntax tree, or returns every syntax error found.
pub fn parse(text: &str) -> Result<Ast, Vec<Diagnostic>> {
    parser::parse(text)
}

/// Resolves names, checks types, arities and parameter ranges; returns every error found.
pub fn check(ast: &Ast) -> Result<CheckedScan, Vec<Diagnostic>> {
    check::check(ast)
}

/// [`parse`] then [`check`]. When there are syntax errors, the parts that did parse are
/// still checked, so name and type errors are reported with the syntax errors.
pub fn compile(text: &str) -> Result<CheckedScan, Vec<Diagnostic>> {
    let (ast, mut diags) = parser::parse_recovering(text);
    if diags.is_empty() {
        return check(&ast);
    }
    if diags.len() < MAX_DIAGNOSTICS {
        if let Err(more) = check(&ast) {
            diags.extend(more);
            diags.sort_by_key(|d| d.span.start);
            diags.truncate(MAX_DIAGNOSTICS);
            diag::locate(text, &mut diags);
        }
    }
    Err(diags)
}
