//! The checker: resolves names against the fields, the catalogue and the built-ins,
//! matches arguments to parameters, checks types and ranges, and builds the checked tree.
//! It reports every error it finds; a sub-expression with an error yields `None` and its
//! parents stay quiet about it, so one mistake gives one message.

use super::ast::{Arg, Ast, BinOp, Expr, ExprKind, UnaryOp};
use super::checked::*;
use super::lexer::shorten;
use super::{Diagnostic, Span, MAX_BARS, MAX_DIAGNOSTICS};
use crate::catalog::{build, IndicatorInfo, ParamKind, Slot, CATALOG};
use crate::series::PriceField;

/// The largest `limit`.
const MAX_LIMIT: usize = 1_000_000;

pub(crate) fn check(ast: &Ast) -> Result<CheckedScan, Vec<Diagnostic>> {
    let mut c = Checker {
        text: &ast.text,
        diags: Vec::new(),
        timeframe: None,
    };
    let condition = ast.condition.as_ref().and_then(|e| {
        let node = c.expr(e)?;
        c.want(
            node,
            Ty::Condition,
            "the scan must be a condition".into(),
            e.span,
        )
    });
    let rank = ast.rank.as_ref().and_then(|r| {
        let node = c.expr(&r.expr)?;
        let node = c.want(
            node,
            Ty::Number,
            "`rank by` needs a number".into(),
            r.expr.span,
        )?;
        Some(RankBy {
            node,
            descending: r.descending,
        })
    });
    let limit = ast.limit.as_ref().and_then(|l| {
        let ok = l.value.fract() == 0.0 && l.value >= 1.0 && l.value <= MAX_LIMIT as f64;
        if !ok {
            c.report(
                Diagnostic::new(
                    c.text,
                    l.span,
                    format!(
                        "limit must be a whole number from 1 to {MAX_LIMIT}, got {}",
                        l.value
                    ),
                )
                .help("leave out `limit` to get every match"),
            );
        }
        ok.then_some(l.value as usize)
    });
    let mut show = Vec::new();
    if let Some(clause) = &ast.show {
        let mut names = std::collections::HashSet::new();
        for item in &clause.items {
            let lower = item.name.to_ascii_lowercase();
            if !names.insert(lower) {
                c.report(
                    Diagnostic::new(
                        c.text,
                        item.name_span,
                        format!("column `{}` is shown twice", item.name),
                    )
                    .help("give each shown column its own name after `as`"),
                );
            }
            if let Some(node) = c.expr(&item.expr) {
                show.push(ShowColumn {
                    name: item.name.clone(),
                    node,
                });
            }
        }
    }
    if c.diags.is_empty() {
        return Ok(CheckedScan {
            condition,
            rank,
            limit,
            show,
        });
    }
    let mut diags = c.diags;
    diags.sort_by_key(|d| d.span.start);
    diags.truncate(MAX_DIAGNOSTICS);
    super::diag::locate(c.text, &mut diags);
    Err(diags)
}

/// What a parameter accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A number expression; `close` when left out.
    Source,
    /// A required number expression.
    Value,
    /// A required condition.
    Cond,
    /// A required expression of either type.
    Any,
    /// A whole-number literal from `min` to [`MAX_BARS`].
    Period { min: usize, default: Option<usize> },
    /// A number literal.
    Real { min: f64, max: f64, default: f64 },
}

#[derive(Debug, Clone, Copy)]
struct Param {
    name: &'static str,
    kind: Kind,
}

const fn param(name: &'static str, kind: Kind) -> Param {
    Param { name, kind }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Builtin {
    Highest,
    Lowest,
    Avg,
    Change,
    PctChange,
    Abs,
    Min,
    Max,
    Any,
    All,
    Count,
    Streak,
    Weekly,
    Monthly,
}

const BUILTINS: &[(&str, Builtin)] = &[
    ("highest", Builtin::Highest),
    ("lowest", Builtin::Lowest),
    ("avg", Builtin::Avg),
    ("change", Builtin::Change),
    ("pct_change", Builtin::PctChange),
    ("abs", Builtin::Abs),
    ("min", Builtin::Min),
    ("max", Builtin::Max),
    ("any", Builtin::Any),
    ("all", Builtin::All),
    ("count", Builtin::Count),
    ("streak", Builtin::Streak),
    ("weekly", Builtin::Weekly),
    ("monthly", Builtin::Monthly),
];

#[derive(Debug, Clone, Copy)]
enum Func {
    Indicator(&'static IndicatorInfo),
    Builtin(Builtin),
}

/// The catalogue indicators the language hides behind another name (`max` and `min` are
/// element-wise in the language; the windows are `highest` and `lowest`).
const SHADOWED: &[&str] = &["max", "min"];

fn lookup(name: &str) -> Option<Func> {
    if let Some((_, b)) = BUILTINS.iter().find(|(n, _)| *n == name) {
        return Some(Func::Builtin(*b));
    }
    CATALOG
        .iter()
        .find(|i| i.name == name && !SHADOWED.contains(&i.name))
        .map(Func::Indicator)
}

fn catalog(name: &str) -> &'static IndicatorInfo {
    CATALOG
        .iter()
        .find(|i| i.name == name)
        .unwrap_or(&CATALOG[0])
}

/// Every function name, for did-you-mean.
pub(crate) fn function_names() -> Vec<&'static str> {
    CATALOG
        .iter()
        .map(|i| i.name)
        .filter(|n| !SHADOWED.contains(n))
        .chain(BUILTINS.iter().map(|(n, _)| *n))
        .collect()
}

/// A catalogue parameter in the language: the period cap is [`MAX_BARS`].
fn from_catalog(info: &'static IndicatorInfo) -> Vec<Param> {
    info.params
        .iter()
        .map(|p| {
            let kind = match p.kind {
                ParamKind::Source => Kind::Source,
                ParamKind::Period { min, default, .. } => Kind::Period { min, default },
                ParamKind::Number { min, max, default } => Kind::Real { min, max, default },
            };
            param(p.name, kind)
        })
        .collect()
}

fn signature(builtin: Builtin) -> Vec<Param> {
    let window = |name| from_catalog(catalog(name));
    let bars = |default| Kind::Period { min: 1, default };
    match builtin {
        Builtin::Highest => window("max"),
        Builtin::Lowest => window("min"),
        Builtin::Avg => window("sma"),
        Builtin::Change | Builtin::PctChange => vec![
            param("source", Kind::Source),
            param("period", bars(Some(1))),
        ],
        Builtin::Abs => vec![param("value", Kind::Value)],
        Builtin::Any | Builtin::All | Builtin::Count => {
            vec![param("condition", Kind::Cond), param("period", bars(None))]
        }
        Builtin::Streak => vec![param("condition", Kind::Cond)],
        Builtin::Weekly | Builtin::Monthly => vec![param("expression", Kind::Any)],
        Builtin::Min | Builtin::Max => Vec::new(),
    }
}

fn usage(name: &str, params: &[Param]) -> String {
    if matches!(name, "min" | "max") {
        return format!("usage: {name}(a, b, …) with two or more numbers");
    }
    let list: Vec<String> = params
        .iter()
        .map(|p| match p.kind {
            Kind::Source => format!("{} = close", p.name),
            Kind::Value | Kind::Cond | Kind::Any => p.name.to_string(),
            Kind::Period { min, default } => match default {
                Some(d) => format!("{} = {d} ({min}..{MAX_BARS})", p.name),
                None => format!("{} ({min}..{MAX_BARS})", p.name),
            },
            Kind::Real { default, .. } => format!("{} = {default}", p.name),
        })
        .collect();
    format!("usage: {name}({})", list.join(", "))
}

/// A parameter's checked value.
enum Value {
    Node(Node),
    Period(usize),
    Real(f64),
}

/// The value of a number literal, `-` signs included.
fn literal(expr: &Expr) -> Option<f64> {
    let mut sign = 1.0;
    let mut e = expr;
    loop {
        match &e.kind {
            ExprKind::Number(n) => return Some(sign * n),
            ExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } => {
                sign = -sign;
                e = operand;
            }
            _ => return None,
        }
    }
}

struct Checker<'a> {
    text: &'a str,
    diags: Vec<Diagnostic>,
    /// The timeframe being checked inside, if any.
    timeframe: Option<(&'static str, Span)>,
}

impl Checker<'_> {
    fn report(&mut self, diagnostic: Diagnostic) {
        if self.diags.len() <= MAX_DIAGNOSTICS {
            self.diags.push(diagnostic);
        }
    }

    fn error(&self, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.text, span, message)
    }

    fn snippet(&self, span: Span) -> String {
        shorten(self.text.get(span.range()).unwrap_or(""))
    }

    /// Passes `node` on if it has type `want`; otherwise reports "{what}, found …".
    fn want(&mut self, node: Node, want: Ty, what: String, span: Span) -> Option<Node> {
        let found = node.ty();
        if found == want {
            return Some(node);
        }
        let snippet = self.snippet(span);
        let help = match want {
            Ty::Condition => format!("did you mean `{snippet} > …`?"),
            Ty::Number => {
                "a condition is true or false; join conditions with `and` / `or`".to_string()
            }
        };
        let d = self
            .error(span, format!("{what}, found {found}: `{snippet}`"))
            .help(help);
        self.report(d);
        None
    }

    fn node(kind: NodeKind, span: Span) -> Node {
        Node { kind, span }
    }

    fn expr(&mut self, e: &Expr) -> Option<Node> {
        let span = e.span;
        match &e.kind {
            ExprKind::Error => None,
            ExprKind::Number(n) => Some(Self::node(NodeKind::Number(Num::new(*n)), span)),
            ExprKind::Name(name) => {
                if let Some(field) = Field::from_name(name) {
                    return Some(Self::node(NodeKind::Field(field), span));
                }
                if lookup(name).is_some() {
                    return self.call(name, span, &[], span, None, span);
                }
                self.unknown_name(name, span);
                None
            }
            ExprKind::Call {
                name,
                name_span,
                args,
                args_span,
            } => self.call(name, *name_span, args, *args_span, None, span),
            ExprKind::Member { .. } => self.member_expr(e),
            ExprKind::Offset { .. } => self.offset_expr(e),
            ExprKind::Unary { .. } => self.unary_expr(e),
            ExprKind::Binary { .. } => self.binary_expr(e),
            ExprKind::Crosses { .. } => self.crosses_expr(e),
            ExprKind::SymbolIn(symbols) => self.symbols(symbols, span),
        }
    }

    #[inline(never)]
    fn member_expr(&mut self, e: &Expr) -> Option<Node> {
        let span = e.span;
        let ExprKind::Member {
            base,
            name,
            name_span,
        } = &e.kind
        else {
            return None;
        };
        {
            let output = Some((name.as_str(), *name_span));
            match &base.kind {
                ExprKind::Call {
                    name: f,
                    name_span: fs,
                    args,
                    args_span,
                } => self.call(f, *fs, args, *args_span, output, span),
                ExprKind::Name(f) if lookup(f).is_some() => {
                    self.call(f, base.span, &[], base.span, output, span)
                }
                ExprKind::Error => None,
                ExprKind::Offset { base: inner, .. } => {
                    let d = self
                            .error(
                                *name_span,
                                format!("select the output before the offset: `.{name}` comes after `[…]` here"),
                            )
                            .help(format!(
                                "write `{}.{name}[…]`",
                                self.snippet(inner.span)
                            ));
                    self.report(d);
                    None
                }
                _ => {
                    let d = self.error(
                        *name_span,
                        format!(
                            "`.{name}` selects an output of an indicator call, and `{}` is not one",
                            self.snippet(base.span)
                        ),
                    );
                    self.report(d);
                    None
                }
            }
        }
    }

    #[inline(never)]
    fn offset_expr(&mut self, e: &Expr) -> Option<Node> {
        let span = e.span;
        let ExprKind::Offset {
            base,
            bars,
            bars_span,
        } = &e.kind
        else {
            return None;
        };
        {
            let node = self.expr(base);
            let ok = bars.fract() == 0.0 && *bars >= 0.0 && *bars <= MAX_BARS as f64;
            if !ok {
                let mut d = self.error(
                    *bars_span,
                    format!(
                        "an offset must be a whole number of bars from 0 to {MAX_BARS}, got {bars}"
                    ),
                );
                if *bars < 0.0 {
                    d = d.help("offsets look back: `close[1]` is yesterday's close; future bars are not known");
                }
                self.report(d);
                return None;
            }
            let node = node?;
            Some(offset(node, *bars as usize, span))
        }
    }

    #[inline(never)]
    fn unary_expr(&mut self, e: &Expr) -> Option<Node> {
        let span = e.span;
        let ExprKind::Unary { op, operand } = &e.kind else {
            return None;
        };
        {
            let inner = self.expr(operand)?;
            match op {
                UnaryOp::Neg => {
                    let inner = self.want(
                        inner,
                        Ty::Number,
                        "unary `-` needs a number".into(),
                        operand.span,
                    )?;
                    Some(match inner.kind {
                        NodeKind::Number(Num(n)) => {
                            Self::node(NodeKind::Number(Num::new(-n)), span)
                        }
                        _ => Self::node(NodeKind::Neg(Box::new(inner)), span),
                    })
                }
                UnaryOp::Not => {
                    let inner = self.want(
                        inner,
                        Ty::Condition,
                        "`not` needs a condition".into(),
                        operand.span,
                    )?;
                    Some(Self::node(NodeKind::Not(Box::new(inner)), span))
                }
            }
        }
    }

    #[inline(never)]
    fn binary_expr(&mut self, e: &Expr) -> Option<Node> {
        let span = e.span;
        let ExprKind::Binary { op, lhs, rhs, .. } = &e.kind else {
            return None;
        };
        {
            let l = self.expr(lhs);
            let r = self.expr(rhs);
            let want = if op.is_logic() {
                Ty::Condition
            } else {
                Ty::Number
            };
            let s = op.symbol();
            let l = l.and_then(|l| {
                self.want(l, want, format!("`{s}` needs {want} on its left"), lhs.span)
            });
            let r = r.and_then(|r| {
                self.want(
                    r,
                    want,
                    format!("`{s}` needs {want} on its right"),
                    rhs.span,
                )
            });
            let (lhs, rhs) = (Box::new(l?), Box::new(r?));
            let kind = match op {
                BinOp::Add => NodeKind::Arith {
                    op: ArithOp::Add,
                    lhs,
                    rhs,
                },
                BinOp::Sub => NodeKind::Arith {
                    op: ArithOp::Sub,
                    lhs,
                    rhs,
                },
                BinOp::Mul => NodeKind::Arith {
                    op: ArithOp::Mul,
                    lhs,
                    rhs,
                },
                BinOp::Div => NodeKind::Arith {
                    op: ArithOp::Div,
                    lhs,
                    rhs,
                },
                BinOp::Lt => NodeKind::Compare {
                    op: CmpOp::Lt,
                    lhs,
                    rhs,
                },
                BinOp::Le => NodeKind::Compare {
                    op: CmpOp::Le,
                    lhs,
                    rhs,
                },
                BinOp::Gt => NodeKind::Compare {
                    op: CmpOp::Gt,
                    lhs,
                    rhs,
                },
                BinOp::Ge => NodeKind::Compare {
                    op: CmpOp::Ge,
                    lhs,
                    rhs,
                },
                BinOp::Eq => NodeKind::Compare {
                    op: CmpOp::Eq,
                    lhs,
                    rhs,
                },
                BinOp::Ne => NodeKind::Compare {
                    op: CmpOp::Ne,
                    lhs,
                    rhs,
                },
                BinOp::And => NodeKind::Logic {
                    op: LogicOp::And,
                    lhs,
                    rhs,
                },
                BinOp::Or => NodeKind::Logic {
                    op: LogicOp::Or,
                    lhs,
                    rhs,
                },
            };
            Some(Self::node(kind, span))
        }
    }

    #[inline(never)]
    fn crosses_expr(&mut self, e: &Expr) -> Option<Node> {
        let span = e.span;
        let ExprKind::Crosses {
            above, lhs, rhs, ..
        } = &e.kind
        else {
            return None;
        };
        {
            let s = if *above {
                "crosses above"
            } else {
                "crosses below"
            };
            let l = self.expr(lhs);
            let r = self.expr(rhs);
            let l = l.and_then(|l| {
                self.want(
                    l,
                    Ty::Number,
                    format!("`{s}` needs a number on its left"),
                    lhs.span,
                )
            });
            let r = r.and_then(|r| {
                self.want(
                    r,
                    Ty::Number,
                    format!("`{s}` needs a number on its right"),
                    rhs.span,
                )
            });
            let kind = NodeKind::Crosses {
                above: *above,
                lhs: Box::new(l?),
                rhs: Box::new(r?),
            };
            Some(Self::node(kind, span))
        }
    }

    fn symbols(&mut self, symbols: &[(String, Span)], span: Span) -> Option<Node> {
        if symbols.is_empty() {
            let d = self
                .error(span, "`symbol in` needs at least one symbol")
                .help("for example `symbol in (\"AAPL\", \"MSFT\")`");
            self.report(d);
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        for (text, span) in symbols {
            let symbol = text.trim().to_ascii_uppercase();
            let valid = !symbol.is_empty()
                && symbol.len() <= 32
                && symbol
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-^=_/".contains(c));
            if !valid {
                let d = self
                    .error(*span, format!("\"{}\" is not a symbol", shorten(text)))
                    .help(
                        "symbols are letters, digits and `.-^=_/`, such as \"AAPL\" or \"BRK.B\"",
                    );
                self.report(d);
                ok = false;
            }
            out.push(symbol);
        }
        out.sort();
        out.dedup();
        ok.then(|| Self::node(NodeKind::SymbolIn(out), span))
    }

    fn unknown_name(&mut self, name: &str, span: Span) {
        if name == "symbol" {
            let d = self.error(
                span,
                "`symbol` can only be used as `symbol in (\"AAPL\", …)`",
            );
            self.report(d);
            return;
        }
        let names: Vec<&str> = Field::ALL
            .iter()
            .map(|f| f.name())
            .chain(function_names())
            .collect();
        let help = did_you_mean(name, names.iter().copied())
            .map(|g| format!("did you mean `{g}`?"))
            .unwrap_or_else(|| {
                "the price fields are open, high, low, close, volume, hl2, hlc3, ohlc4".into()
            });
        let d = self
            .error(span, format!("unknown name `{}`", shorten(name)))
            .help(help);
        self.report(d);
    }

    /// A call (or a bare function name, with `args` empty), with the output chosen by a
    /// following `.name`.
    fn call(
        &mut self,
        name: &str,
        name_span: Span,
        args: &[Arg],
        args_span: Span,
        output: Option<(&str, Span)>,
        span: Span,
    ) -> Option<Node> {
        let Some(func) = lookup(name) else {
            self.unknown_function(name, name_span, args);
            return None;
        };
        let call_span = name_span.to(args_span);
        let output_index = self.select_output(func, name, call_span, output);
        let node = match func {
            Func::Builtin(Builtin::Min | Builtin::Max) => {
                self.variadic(name, args, call_span, span)
            }
            Func::Builtin(Builtin::Weekly | Builtin::Monthly) => {
                self.timeframe(func, name, name_span, args, call_span, span)
            }
            _ => {
                let params = match func {
                    Func::Indicator(info) => from_catalog(info),
                    Func::Builtin(b) => signature(b),
                };
                let values = self.arguments(name, &params, args, call_span)?;
                self.build(func, name, values, span)
            }
        };
        let output = output_index?;
        let mut node = node?;
        if let NodeKind::Indicator { output: o, .. } = &mut node.kind {
            *o = output;
        }
        Some(node)
    }

    #[inline(never)]
    fn unknown_function(&mut self, name: &str, name_span: Span, args: &[Arg]) {
        let d = if let Some(field) = Field::from_name(name) {
            self.error(
                name_span,
                format!("`{}` is a price field, not a function", field.name()),
            )
            .help(format!(
                "for its value n bars ago write `{}[n]`",
                field.name()
            ))
        } else {
            let help = did_you_mean(name, function_names())
                .map(|g| format!("did you mean `{g}`?"))
                .unwrap_or_else(|| "see docs/scan-language.md for the list of functions".into());
            self.error(name_span, format!("unknown function `{}`", shorten(name)))
                .help(help)
        };
        self.report(d);
        // Still check the arguments, for their own errors.
        for arg in args {
            self.expr(&arg.value);
        }
    }

    /// The output index chosen by `.name`, reporting a missing or wrong one.
    #[inline(never)]
    fn select_output(
        &mut self,
        func: Func,
        name: &str,
        call_span: Span,
        output: Option<(&str, Span)>,
    ) -> Option<usize> {
        // Which output.
        let outputs: &[&str] = match func {
            Func::Indicator(info) => info.outputs,
            Func::Builtin(_) => &[],
        };
        match output {
            None if outputs.len() > 1 => {
                let list = outputs
                    .iter()
                    .map(|o| format!("`.{o}`"))
                    .collect::<Vec<_>>();
                let d = self
                    .error(
                        call_span,
                        format!(
                            "{name} has several outputs: pick one with {}",
                            or_list(&list)
                        ),
                    )
                    .help(format!(
                        "for example `{}.{}`",
                        self.snippet(call_span),
                        outputs[0]
                    ));
                self.report(d);
                None
            }
            None => Some(0),
            Some((o, o_span)) if outputs.len() <= 1 => {
                let d = self
                    .error(o_span, format!("{name} has a single output; remove `.{o}`"))
                    .help(format!("write `{}`", self.snippet(call_span)));
                self.report(d);
                None
            }
            Some((o, o_span)) => match outputs.iter().position(|x| *x == o) {
                Some(i) => Some(i),
                None => {
                    let help = did_you_mean(o, outputs.iter().copied())
                        .map(|g| format!("did you mean `{g}`?"))
                        .unwrap_or_else(|| format!("the outputs are {}", outputs.join(", ")));
                    let d = self
                        .error(o_span, format!("{name} has no output `{}`", shorten(o)))
                        .help(help);
                    self.report(d);
                    None
                }
            },
        }
    }

    fn timeframe(
        &mut self,
        func: Func,
        name: &str,
        name_span: Span,
        args: &[Arg],
        call_span: Span,
        span: Span,
    ) -> Option<Node> {
        let frame = if name == "weekly" {
            Timeframe::Weekly
        } else {
            Timeframe::Monthly
        };
        let outer = self.timeframe;
        if let Some((outer_name, _)) = outer {
            let d = self
                .error(
                    name_span,
                    format!("timeframes cannot be nested: `{name}` inside `{outer_name}`"),
                )
                .help("use one timeframe per expression, e.g. `weekly(close) > monthly(close)`");
            self.report(d);
        }
        let static_name = if frame == Timeframe::Weekly {
            "weekly"
        } else {
            "monthly"
        };
        self.timeframe = Some((static_name, name_span));
        let params = match func {
            Func::Builtin(b) => signature(b),
            Func::Indicator(info) => from_catalog(info),
        };
        let values = self.arguments(name, &params, args, call_span);
        self.timeframe = outer;
        let mut values = values?;
        if outer.is_some() {
            return None;
        }
        match values.pop() {
            Some(Value::Node(node)) => Some(Self::node(
                NodeKind::Timeframe {
                    frame,
                    node: Box::new(node),
                },
                span,
            )),
            _ => None,
        }
    }

    fn variadic(&mut self, name: &str, args: &[Arg], call_span: Span, span: Span) -> Option<Node> {
        let mut nodes = Vec::new();
        let mut ok = true;
        for arg in args {
            if let Some((n, n_span)) = &arg.name {
                let d = self
                    .error(
                        *n_span,
                        format!("{name} takes no named arguments, got `{n}`"),
                    )
                    .help(usage(name, &[]));
                self.report(d);
                ok = false;
            }
            let node = self.expr(&arg.value).and_then(|node| {
                self.want(
                    node,
                    Ty::Number,
                    format!("the arguments of `{name}` must be numbers"),
                    arg.value.span,
                )
            });
            match node {
                Some(node) => nodes.push(node),
                None => ok = false,
            }
        }
        if args.len() < 2 {
            let window = if name == "max" { "highest" } else { "lowest" };
            let d = self
                .error(
                    call_span,
                    format!("{name} needs at least two numbers, got {}", args.len()),
                )
                .help(format!(
                    "{name}(a, b, …) is element-wise; for the {name} over a window use `{window}(close, 20)`"
                ));
            self.report(d);
            return None;
        }
        if !ok {
            return None;
        }
        let kind = if name == "max" {
            NodeKind::Max(nodes)
        } else {
            NodeKind::Min(nodes)
        };
        Some(Self::node(kind, span))
    }

    /// Matches arguments to parameters and checks each one; `None` after any error.
    /// Which argument fills which parameter; `false` after any error.
    #[inline(never)]
    fn match_args<'x>(
        &mut self,
        name: &str,
        params: &[Param],
        args: &'x [Arg],
    ) -> (Vec<Option<&'x Arg>>, bool) {
        let mut slots: Vec<Option<&Arg>> = vec![None; params.len()];
        let mut ok = true;
        let mut next_positional = 0;
        for arg in args {
            let index = match &arg.name {
                Some((given, given_span)) => {
                    let wanted = if given == "src" {
                        "source"
                    } else {
                        given.as_str()
                    };
                    if name == "bbands" && wanted == "dev" {
                        // `dev` sets both bands, as in the catalogue.
                        for i in [2, 3] {
                            if slots[i].is_some() {
                                let d = self.error(
                                    arg.span,
                                    format!("`{}` is given twice", params[i].name),
                                );
                                self.report(d);
                                ok = false;
                            }
                            slots[i] = Some(arg);
                        }
                        continue;
                    }
                    match params.iter().position(|p| p.name == wanted) {
                        Some(i) => i,
                        None => {
                            let mut names: Vec<&str> = params.iter().map(|p| p.name).collect();
                            if name == "bbands" {
                                names.push("dev");
                            }
                            let help = did_you_mean(given, names.iter().copied())
                                .map(|g| format!("did you mean `{g}`?"))
                                .unwrap_or_else(|| usage(name, params));
                            let d = self
                                .error(
                                    *given_span,
                                    format!("{name} has no parameter `{}`", shorten(given)),
                                )
                                .help(help);
                            self.report(d);
                            ok = false;
                            self.expr(&arg.value);
                            continue;
                        }
                    }
                }
                None => {
                    let skip_source = literal(&arg.value).is_some()
                        && params.get(next_positional).map(|p| p.kind) == Some(Kind::Source);
                    next_positional += usize::from(skip_source) + 1;
                    if next_positional > params.len() {
                        let message = match params.len() {
                            0 => format!("{name} takes no arguments"),
                            1 => format!("{name} takes 1 argument"),
                            n => format!("{name} takes at most {n} arguments"),
                        };
                        let d = self.error(arg.span, message).help(usage(name, params));
                        self.report(d);
                        ok = false;
                        self.expr(&arg.value);
                        continue;
                    }
                    next_positional - 1
                }
            };
            if slots[index].is_some() {
                let d = self.error(arg.span, format!("`{}` is given twice", params[index].name));
                self.report(d);
                ok = false;
                continue;
            }
            slots[index] = Some(arg);
        }
        (slots, ok)
    }

    fn arguments(
        &mut self,
        name: &str,
        params: &[Param],
        args: &[Arg],
        call_span: Span,
    ) -> Option<Vec<Value>> {
        let (slots, mut ok) = self.match_args(name, params, args);
        let mut values = Vec::new();
        for (param, slot) in params.iter().zip(slots) {
            match self.value(name, params, param, slot, call_span) {
                Some(v) => values.push(v),
                None => ok = false,
            }
        }
        ok.then_some(values)
    }

    fn value(
        &mut self,
        name: &str,
        params: &[Param],
        param: &Param,
        slot: Option<&Arg>,
        call_span: Span,
    ) -> Option<Value> {
        let (Some(arg), Kind::Source | Kind::Value | Kind::Cond | Kind::Any) = (slot, param.kind)
        else {
            return self.literal_value(name, params, param, slot, call_span);
        };
        let node = self.expr(&arg.value)?;
        match param.kind {
            Kind::Any => Some(Value::Node(node)),
            Kind::Cond => self.want_arg(node, Ty::Condition, name, param, arg.value.span),
            _ => self.want_arg(node, Ty::Number, name, param, arg.value.span),
        }
    }

    #[inline(never)]
    fn want_arg(
        &mut self,
        node: Node,
        ty: Ty,
        name: &str,
        param: &Param,
        span: Span,
    ) -> Option<Value> {
        let what = format!("the {} of `{name}` must be {ty}", param.name);
        self.want(node, ty, what, span).map(Value::Node)
    }

    /// A missing argument's default, or a period or real literal.
    #[inline(never)]
    fn literal_value(
        &mut self,
        name: &str,
        params: &[Param],
        param: &Param,
        slot: Option<&Arg>,
        call_span: Span,
    ) -> Option<Value> {
        let Some(arg) = slot else {
            return match param.kind {
                Kind::Source => Some(Value::Node(Self::node(
                    NodeKind::Field(Field::Close),
                    call_span,
                ))),
                Kind::Period {
                    default: Some(d), ..
                } => Some(Value::Period(d)),
                Kind::Real { default, .. } => Some(Value::Real(default)),
                _ => {
                    let example = match param.kind {
                        Kind::Period { .. }
                            if params.len() == 2 && params[0].kind == Kind::Source =>
                        {
                            format!("{name}(close, 20)")
                        }
                        Kind::Period { .. } => format!("{name}(close > open, 5)"),
                        Kind::Cond => format!("{name}(close > open)"),
                        _ => format!("{name}(close)"),
                    };
                    let d = self
                        .error(call_span, format!("{name} needs {}", a_param(param.name)))
                        .help(format!("for example `{example}`; {}", usage(name, params)));
                    self.report(d);
                    None
                }
            };
        };
        let e = &arg.value;
        let what = |kind: &str| format!("the {} of `{name}` must be {kind}", param.name);
        match param.kind {
            Kind::Source | Kind::Value => {
                let node = self.expr(e)?;
                self.want(node, Ty::Number, what("a number"), e.span)
                    .map(Value::Node)
            }
            Kind::Cond => {
                let node = self.expr(e)?;
                self.want(node, Ty::Condition, what("a condition"), e.span)
                    .map(Value::Node)
            }
            Kind::Any => self.expr(e).map(Value::Node),
            Kind::Period { min, .. } => {
                let range = format!("a whole number from {min} to {MAX_BARS}");
                match literal(e) {
                    Some(n) if n.fract() == 0.0 && n >= min as f64 && n <= MAX_BARS as f64 => {
                        Some(Value::Period(n as usize))
                    }
                    Some(n) => {
                        let d = self
                            .error(
                                e.span,
                                format!("{name} {} must be {range}, got {n}", param.name),
                            )
                            .help(usage(name, params));
                        self.report(d);
                        None
                    }
                    None => {
                        // Check the expression anyway, for its own errors (a bare
                        // name gets only the message about literals).
                        let inner = self.diags.len();
                        if !matches!(e.kind, ExprKind::Name(_)) {
                            self.expr(e);
                        }
                        if self.diags.len() == inner {
                            let d = self
                                .error(
                                    e.span,
                                    format!(
                                        "{name} {} must be {range} written as a literal, found `{}`",
                                        param.name,
                                        self.snippet(e.span)
                                    ),
                                )
                                .help(usage(name, params));
                            self.report(d);
                        }
                        None
                    }
                }
            }
            Kind::Real { min, max, .. } => match literal(e) {
                Some(n) if n >= min && n <= max => {
                    Some(Value::Real(if n == 0.0 { 0.0 } else { n }))
                }
                Some(n) => {
                    let d = self.error(
                        e.span,
                        format!(
                            "{name} {} must be from {min:e} to {max:e}, got {n}",
                            param.name
                        ),
                    );
                    self.report(d);
                    None
                }
                None => {
                    let d = self
                        .error(
                            e.span,
                            format!(
                                "{name} {} must be a number literal, found `{}`",
                                param.name,
                                self.snippet(e.span)
                            ),
                        )
                        .help(usage(name, params));
                    self.report(d);
                    None
                }
            },
        }
    }

    fn build(&mut self, func: Func, name: &str, values: Vec<Value>, span: Span) -> Option<Node> {
        let period = |v: &Value| match v {
            Value::Period(p) => *p,
            _ => 1,
        };
        let take_node = |v: Value| match v {
            Value::Node(n) => Some(n),
            _ => None,
        };
        let catalogue_name = match func {
            Func::Indicator(info) => info.name,
            Func::Builtin(Builtin::Highest) => "max",
            Func::Builtin(Builtin::Lowest) => "min",
            Func::Builtin(Builtin::Avg) => "sma",
            Func::Builtin(b) => {
                let mut values = values.into_iter();
                let first = values.next().and_then(take_node)?;
                let bars = values.next().map(|v| period(&v)).unwrap_or(1);
                let first = Box::new(first);
                let kind = match b {
                    Builtin::Change => NodeKind::Change {
                        source: first,
                        bars,
                    },
                    Builtin::PctChange => NodeKind::PctChange {
                        source: first,
                        bars,
                    },
                    Builtin::Abs => NodeKind::Abs(first),
                    Builtin::Any => NodeKind::Window {
                        kind: WindowKind::Any,
                        cond: first,
                        bars,
                    },
                    Builtin::All => NodeKind::Window {
                        kind: WindowKind::All,
                        cond: first,
                        bars,
                    },
                    Builtin::Count => NodeKind::Window {
                        kind: WindowKind::Count,
                        cond: first,
                        bars,
                    },
                    Builtin::Streak => NodeKind::Streak(first),
                    _ => {
                        debug_assert!(false, "{name} is built elsewhere");
                        return None;
                    }
                };
                return Some(Self::node(kind, span));
            }
        };
        let mut source = None;
        let slots: Vec<Slot> = values
            .into_iter()
            .map(|v| match v {
                Value::Node(node) => match node.kind {
                    NodeKind::Field(f) if f.price().is_some() => {
                        Slot::Source(f.price().unwrap_or(PriceField::Close))
                    }
                    _ => {
                        source = Some(Box::new(node));
                        Slot::Source(PriceField::Close)
                    }
                },
                Value::Period(p) => Slot::Period(p),
                Value::Real(x) => Slot::Number(x),
            })
            .collect();
        let indicator = build(catalogue_name, &slots);
        Some(Self::node(
            NodeKind::Indicator {
                indicator: IndicatorSpec(indicator),
                source,
                output: 0,
            },
            span,
        ))
    }
}

/// `x[n]`, folded: `x[0]` is `x`, `x[a][b]` is `x[a + b]`.
fn offset(node: Node, bars: usize, span: Span) -> Node {
    if bars == 0 {
        return Node {
            kind: node.kind,
            span,
        };
    }
    let kind = match node.kind {
        NodeKind::Offset {
            node: inner,
            bars: b,
        } => NodeKind::Offset {
            node: inner,
            bars: b + bars,
        },
        kind => NodeKind::Offset {
            node: Box::new(Node {
                kind,
                span: node.span,
            }),
            bars,
        },
    };
    Node { kind, span }
}

/// "`a`, `b` or `c`".
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The catalogue's did-you-mean, skipped for words far longer than any name (it is
/// quadratic in the word's length).
fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if word.len() > 40 {
        return None;
    }
    crate::catalog::did_you_mean(word, candidates)
}

/// "a `period`", "an `expression`".
fn a_param(name: &str) -> String {
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} `{name}`")
}
