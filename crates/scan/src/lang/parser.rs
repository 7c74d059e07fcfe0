//! A recursive-descent parser with precedence climbing.
//!
//! Recursion is bounded by [`MAX_DEPTH`]: every nesting (parentheses, calls, unary
//! operators) counts, and so does the height of the tree built by operator chains, so no
//! input can overflow the stack (or the recursive drop of the tree). After an error the
//! parser skips to the next comma of an argument list or show list, or to the next clause
//! keyword, and carries on, so one pass reports every independent syntax error.

use super::ast::*;
use super::lexer::{shorten, Lexer, Tok, Token};
use super::{Diagnostic, Span, MAX_DEPTH, MAX_DIAGNOSTICS};
use std::collections::VecDeque;

/// Words that cannot name anything.
pub(crate) const KEYWORDS: &[&str] = &[
    "and", "or", "not", "crosses", "above", "below", "in", "rank", "by", "asc", "desc", "limit",
    "show", "as",
];
const CLAUSES: &[&str] = &["rank", "limit", "show"];

const OR: u8 = 1;
const AND: u8 = 2;
const CMP: u8 = 4;
const ADD: u8 = 5;
const MUL: u8 = 6;

/// The parser gave up on the current construct (the error is already recorded).
/// `fatal` errors (nesting too deep) skip the comma-level recovery.
#[derive(Debug, Clone, Copy)]
struct Bail {
    fatal: bool,
}

type P<T> = Result<T, Bail>;

/// An expression with the height of its tree.
type E = (Expr, usize);

pub(crate) fn parse(text: &str) -> Result<Ast, Vec<Diagnostic>> {
    let (ast, diags) = parse_recovering(text);
    if diags.is_empty() {
        Ok(ast)
    } else {
        Err(diags)
    }
}

/// The tree with whatever could be parsed (failed parts are [`ExprKind::Error`] or left
/// out) and the syntax errors.
pub(crate) fn parse_recovering(text: &str) -> (Ast, Vec<Diagnostic>) {
    let mut parser = Parser {
        text,
        lexer: Lexer::new(text),
        ahead: VecDeque::new(),
        diags: Vec::new(),
        overflow: false,
        depth: 0,
        prev: None,
    };
    let ast = parser.scan();
    let mut diags = parser.diags;
    if diags.is_empty() {
        return (ast, diags);
    }
    diags.sort_by_key(|d| d.span.start);
    if parser.overflow {
        let end = text.len();
        diags.push(Diagnostic::new(
            text,
            Span::new(end, end),
            format!("too many errors; only the first {MAX_DIAGNOSTICS} are shown"),
        ));
    }
    super::diag::locate(text, &mut diags);
    (ast, diags)
}

struct Parser<'a> {
    text: &'a str,
    lexer: Lexer<'a>,
    ahead: VecDeque<Token>,
    diags: Vec<Diagnostic>,
    overflow: bool,
    depth: usize,
    /// The last token taken, for "after `and`" in messages.
    prev: Option<Token>,
}

impl<'a> Parser<'a> {
    // ---- tokens -------------------------------------------------------------------

    fn fill(&mut self, n: usize) {
        while self.ahead.len() <= n {
            let mut diags = Vec::new();
            let token = self.lexer.next(&mut diags);
            for d in diags {
                self.report(d);
            }
            self.ahead.push_back(token);
        }
    }

    fn peek(&mut self) -> &Token {
        self.peek_at(0)
    }

    fn peek_at(&mut self, n: usize) -> &Token {
        self.fill(n);
        &self.ahead[n]
    }

    fn bump(&mut self) -> Token {
        self.fill(0);
        let token = self.ahead.pop_front().unwrap_or(Token {
            tok: Tok::Eof,
            span: Span::new(self.text.len(), self.text.len()),
        });
        if token.tok != Tok::Eof {
            self.prev = Some(token.clone());
        }
        token
    }

    fn slice(&self, span: Span) -> &'a str {
        &self.text[span.range()]
    }

    fn is_word(&mut self, n: usize, word: &str) -> bool {
        let token = self.peek_at(n).clone();
        token.tok == Tok::Ident && self.slice(token.span).eq_ignore_ascii_case(word)
    }

    fn is_keyword(&self, token: &Token) -> bool {
        token.tok == Tok::Ident
            && KEYWORDS
                .iter()
                .any(|k| self.slice(token.span).eq_ignore_ascii_case(k))
    }

    fn at_clause(&mut self) -> bool {
        CLAUSES.iter().any(|c| self.is_word(0, c))
    }

    fn at_end(&mut self) -> bool {
        self.peek().tok == Tok::Eof
    }

    fn describe(&self, token: &Token) -> String {
        match token.tok {
            Tok::Eof => "end of scan".into(),
            Tok::Str => format!("the string {}", shorten(self.slice(token.span))),
            _ => format!("`{}`", shorten(self.slice(token.span))),
        }
    }

    fn after_prev(&self) -> String {
        match &self.prev {
            Some(token) => format!(" after `{}`", shorten(self.slice(token.span))),
            None => String::new(),
        }
    }

    // ---- errors -------------------------------------------------------------------

    fn report(&mut self, diagnostic: Diagnostic) {
        if self.diags.len() < MAX_DIAGNOSTICS {
            self.diags.push(diagnostic);
        } else {
            self.overflow = true;
        }
    }

    fn error(&mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.text, span, message)
    }

    /// "expected X, found Y" at the next token.
    fn expected(&mut self, what: &str, context: &str) -> Bail {
        let token = self.peek().clone();
        let found = self.describe(&token);
        let d = self
            .error(
                token.span,
                format!("expected {what}{context}, found {found}"),
            )
            .expected(what);
        self.report(d);
        Bail { fatal: false }
    }

    fn too_deep(&mut self, span: Span) -> Bail {
        let d = self
            .error(
                span,
                format!("expression nested too deeply (more than {MAX_DEPTH} levels)"),
            )
            .help("split it into simpler expressions");
        self.report(d);
        Bail { fatal: true }
    }

    /// One level deeper, for the construct opened by the token at `span`.
    fn enter(&mut self, span: Span) -> P<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return Err(self.too_deep(span));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn node(&mut self, kind: ExprKind, span: Span, height: usize) -> P<E> {
        if height > MAX_DEPTH {
            return Err(self.too_deep(span));
        }
        Ok((Expr { kind, span }, height))
    }

    /// Skips to the next clause keyword or the end, taking at least one token.
    fn sync_to_clause(&mut self) {
        self.depth = 0;
        let mut first = true;
        while !self.at_end() && (first || !self.at_clause()) {
            self.bump();
            first = false;
        }
    }

    /// Skips to a `,` (or `)` when `in_parens`) outside any brackets opened here. Returns
    /// false when it stopped at a clause keyword or the end instead.
    fn skip_in_list(&mut self, in_parens: bool) -> bool {
        let mut nesting = 0usize;
        loop {
            if self.at_end() || self.at_clause() {
                return false;
            }
            match self.peek().tok {
                Tok::Comma if nesting == 0 => return true,
                Tok::RParen | Tok::RBracket if nesting == 0 && in_parens => return true,
                Tok::LParen | Tok::LBracket => nesting += 1,
                Tok::RParen | Tok::RBracket => nesting = nesting.saturating_sub(1),
                _ => {}
            }
            self.bump();
        }
    }

    // ---- scan and clauses -------------------------------------------------------------

    fn scan(&mut self) -> Ast {
        let mut ast = Ast {
            text: self.text.to_string(),
            condition: None,
            rank: None,
            limit: None,
            show: None,
        };
        let mut after_condition = false;
        if !self.at_end() && !self.at_clause() {
            ast.condition = self.clause_expr();
            after_condition = true;
        }
        while !self.at_end() {
            if self.is_word(0, "rank") {
                self.rank(&mut ast);
            } else if self.is_word(0, "limit") {
                self.limit(&mut ast);
            } else if self.is_word(0, "show") {
                self.show(&mut ast);
            } else {
                let what = if after_condition && ast.rank.is_none() {
                    "`and`, `or`, a clause (`rank by`, `limit`, `show`) or the end of the scan"
                } else {
                    "a clause (`rank by`, `limit`, `show`) or the end of the scan"
                };
                let token = self.peek().clone();
                let found = self.describe(&token);
                let mut d = self
                    .error(token.span, format!("expected {what}, found {found}"))
                    .expected(what);
                if token.tok == Tok::RParen {
                    d = d.help("this `)` has no matching `(`");
                }
                self.report(d);
                self.sync_to_clause();
            }
            after_condition = false;
        }
        ast
    }

    /// An expression that ends a clause; on error, skips to the next clause.
    fn clause_expr(&mut self) -> Option<Expr> {
        self.depth = 0;
        match self.expr(0) {
            Ok((expr, _)) => Some(expr),
            Err(_) => {
                if !self.at_clause() {
                    self.sync_to_clause();
                }
                None
            }
        }
    }

    fn duplicate(&mut self, keyword: Span, clause: &str) {
        let d = self
            .error(keyword, format!("`{clause}` is given twice"))
            .help(format!("a scan has at most one `{clause}` clause"));
        self.report(d);
    }

    fn rank(&mut self, ast: &mut Ast) {
        let keyword = self.bump();
        if self.is_word(0, "by") {
            self.bump();
        } else {
            self.expected("`by`", " after `rank`");
            let next = self.peek().clone();
            if next.tok == Tok::Eof || self.is_keyword(&next) {
                self.sync_to_clause();
                return;
            }
        }
        let Some(expr) = self.clause_expr() else {
            return;
        };
        let mut descending = true;
        let mut end = expr.span.end;
        if self.is_word(0, "asc") || self.is_word(0, "desc") {
            let order = self.bump();
            descending = self.slice(order.span).eq_ignore_ascii_case("desc");
            end = order.span.end;
        }
        let rank = Rank {
            expr,
            descending,
            span: Span::new(keyword.span.start, end),
        };
        if ast.rank.is_some() {
            self.duplicate(keyword.span, "rank by");
        } else {
            ast.rank = Some(rank);
        }
    }

    fn limit(&mut self, ast: &mut Ast) {
        let keyword = self.bump();
        let negative = self.peek().tok == Tok::Minus;
        let start = self.peek().span.start;
        if negative {
            self.bump();
        }
        let token = self.peek().clone();
        let Tok::Number(n) = token.tok else {
            self.expected("a whole number", " after `limit`");
            self.sync_to_clause();
            return;
        };
        self.bump();
        let limit = Limit {
            value: if negative { -n } else { n },
            span: Span::new(start, token.span.end),
        };
        if ast.limit.is_some() {
            self.duplicate(keyword.span, "limit");
        } else {
            ast.limit = Some(limit);
        }
    }

    fn show(&mut self, ast: &mut Ast) {
        let keyword = self.bump();
        let mut items = Vec::new();
        let mut end = keyword.span.end;
        loop {
            match self.show_item() {
                Ok(item) => {
                    end = item.name_span.end;
                    items.push(item);
                }
                Err(_) => {
                    self.depth = 0;
                    while self.skip_in_list(false) && self.peek().tok != Tok::Comma {}
                }
            }
            if self.peek().tok == Tok::Comma {
                self.bump();
                continue;
            }
            break;
        }
        let show = Show {
            items,
            span: Span::new(keyword.span.start, end),
        };
        if ast.show.is_some() {
            self.duplicate(keyword.span, "show");
        } else {
            ast.show = Some(show);
        }
    }

    fn show_item(&mut self) -> P<ShowItem> {
        self.depth = 0;
        let (expr, _) = self.expr(0)?;
        if !self.is_word(0, "as") {
            let token = self.peek().clone();
            let found = self.describe(&token);
            let d = self
                .error(
                    token.span,
                    format!("expected `as NAME` after the expression to show, found {found}"),
                )
                .expected("`as NAME`")
                .help(format!(
                    "every shown column needs a name, e.g. `show {} as value`",
                    shorten(self.slice(expr.span))
                ));
            self.report(d);
            return Err(Bail { fatal: false });
        }
        self.bump();
        let token = self.peek().clone();
        if token.tok != Tok::Ident || self.is_keyword(&token) {
            return Err(self.expected("a column name", " after `as`"));
        }
        self.bump();
        Ok(ShowItem {
            expr,
            name: self.slice(token.span).to_string(),
            name_span: token.span,
        })
    }

    // ---- expressions --------------------------------------------------------------

    /// The binary operator at the next token, with its precedence.
    fn binary_op(&mut self) -> Option<(BinOp, u8)> {
        let token = self.peek().clone();
        let op = match token.tok {
            Tok::Plus => (BinOp::Add, ADD),
            Tok::Minus => (BinOp::Sub, ADD),
            Tok::Star => (BinOp::Mul, MUL),
            Tok::Slash => (BinOp::Div, MUL),
            Tok::Lt => (BinOp::Lt, CMP),
            Tok::Le => (BinOp::Le, CMP),
            Tok::Gt => (BinOp::Gt, CMP),
            Tok::Ge => (BinOp::Ge, CMP),
            Tok::Eq => (BinOp::Eq, CMP),
            Tok::Ne => (BinOp::Ne, CMP),
            Tok::Ident if self.is_word(0, "and") => (BinOp::And, AND),
            Tok::Ident if self.is_word(0, "or") => (BinOp::Or, OR),
            _ => return None,
        };
        Some(op)
    }

    fn at_comparison(&mut self) -> bool {
        self.is_word(0, "crosses") || matches!(self.binary_op(), Some((_, CMP)))
    }

    fn expr(&mut self, min: u8) -> P<E> {
        let mut lhs = self.unary()?;
        loop {
            let comparison = if self.is_word(0, "crosses") && min <= CMP {
                lhs = self.crosses(lhs)?;
                true
            } else {
                match self.binary_op() {
                    Some((op, prec)) if prec >= min => {
                        lhs = self.binary(lhs, op, prec)?;
                        prec == CMP
                    }
                    _ => return Ok(lhs),
                }
            };
            if comparison && self.at_comparison() {
                return Err(self.chained(lhs.0.span));
            }
        }
    }

    #[inline(never)]
    fn binary(&mut self, (lhs, height): E, op: BinOp, prec: u8) -> P<E> {
        let op_token = self.bump();
        let (rhs, rh) = self.expr(prec + 1)?;
        let span = lhs.span.to(rhs.span);
        let kind = ExprKind::Binary {
            op,
            op_span: op_token.span,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        };
        self.node(kind, span, height.max(rh) + 1)
    }

    #[inline(never)]
    fn chained(&mut self, lhs: Span) -> Bail {
        let token = self.peek().clone();
        let found = self.describe(&token);
        let d = self
            .error(
                token.span,
                format!("comparisons cannot be chained: {found} follows a comparison"),
            )
            .help(format!(
                "compare two at a time and join them with `and`, e.g. `{} and …`",
                shorten(self.slice(lhs))
            ));
        self.report(d);
        Bail { fatal: false }
    }

    #[inline(never)]
    fn crosses(&mut self, (lhs, height): E) -> P<E> {
        let keyword = self.bump();
        let above = if self.is_word(0, "above") {
            true
        } else if self.is_word(0, "below") {
            false
        } else {
            let token = self.peek().clone();
            let found = self.describe(&token);
            let d = self
                .error(
                    token.span,
                    format!("expected `above` or `below` after `crosses`, found {found}"),
                )
                .expected("`above` or `below`")
                .help("write `a crosses above b` or `a crosses below b`");
            self.report(d);
            return Err(Bail { fatal: false });
        };
        let direction = self.bump();
        let (rhs, rh) = self.expr(ADD)?;
        let span = lhs.span.to(rhs.span);
        let kind = ExprKind::Crosses {
            above,
            op_span: keyword.span.to(direction.span),
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        };
        self.node(kind, span, height.max(rh) + 1)
    }

    /// Prefix `-` and `not`, then a primary with its postfix `[n]` and `.name`.
    fn unary(&mut self) -> P<E> {
        let prefix = self.peek().tok == Tok::Minus || self.is_word(0, "not");
        let mut expr = if prefix {
            self.prefix()?
        } else {
            self.primary()?
        };
        loop {
            expr = match self.peek().tok {
                Tok::LBracket => self.offset(expr)?,
                Tok::Dot => self.member(expr)?,
                _ => return Ok(expr),
            }
        }
    }

    /// `-x` or `not x`.
    #[inline(never)]
    fn prefix(&mut self) -> P<E> {
        let token = self.bump();
        let neg = token.tok == Tok::Minus;
        self.enter(token.span)?;
        let operand = if neg { self.unary() } else { self.expr(CMP) };
        self.leave();
        let (operand, h) = operand?;
        let span = token.span.to(operand.span);
        let op = if neg { UnaryOp::Neg } else { UnaryOp::Not };
        let kind = ExprKind::Unary {
            op,
            operand: Box::new(operand),
        };
        self.node(kind, span, h + 1)
    }

    #[inline(never)]
    fn member(&mut self, (base, height): E) -> P<E> {
        self.bump();
        let name = self.peek().clone();
        if name.tok != Tok::Ident || self.is_keyword(&name) {
            return Err(self.expected("an output name", " after `.`"));
        }
        self.bump();
        let span = base.span.to(name.span);
        let kind = ExprKind::Member {
            base: Box::new(base),
            name: self.slice(name.span).to_ascii_lowercase(),
            name_span: name.span,
        };
        self.node(kind, span, height + 1)
    }

    #[inline(never)]
    fn offset(&mut self, (base, height): E) -> P<E> {
        self.bump();
        let start = self.peek().span.start;
        let negative = self.peek().tok == Tok::Minus;
        if negative {
            self.bump();
        }
        let token = self.peek().clone();
        let Tok::Number(n) = token.tok else {
            return Err(self.expected("a whole number of bars", " in `[…]`"));
        };
        self.bump();
        if self.peek().tok != Tok::RBracket {
            return Err(self.expected(
                "`]`",
                &format!(" after `{}`", shorten(self.slice(token.span))),
            ));
        }
        let close = self.bump();
        let span = base.span.to(close.span);
        let kind = ExprKind::Offset {
            base: Box::new(base),
            bars: if negative { -n } else { n },
            bars_span: Span::new(start, token.span.end),
        };
        self.node(kind, span, height + 1)
    }

    fn primary(&mut self) -> P<E> {
        let token = self.peek().clone();
        match token.tok {
            Tok::Number(n) => {
                self.bump();
                Ok(leaf(ExprKind::Number(n), token.span))
            }
            Tok::Str => Ok(self.stray_string()),
            Tok::LParen => self.parenthesised(),
            Tok::Ident if !self.is_keyword(&token) => self.name(),
            _ => Err(self.no_expression()),
        }
    }

    #[inline(never)]
    fn no_expression(&mut self) -> Bail {
        let context = self.after_prev();
        self.expected("an expression", &context)
    }

    #[inline(never)]
    fn stray_string(&mut self) -> E {
        let token = self.bump();
        let d = self.error(
            token.span,
            "a string can only appear in a symbol list: `symbol in (\"AAPL\", …)`",
        );
        self.report(d);
        leaf(ExprKind::Error, token.span)
    }

    #[inline(never)]
    fn parenthesised(&mut self) -> P<E> {
        let open = self.bump();
        self.enter(open.span)?;
        let inner = self.expr(0);
        self.leave();
        let (mut inner, height) = inner?;
        if self.peek().tok != Tok::RParen {
            return Err(self.unclosed(open.span));
        }
        let close = self.bump();
        inner.span = open.span.to(close.span);
        Ok((inner, height))
    }

    #[inline(never)]
    fn unclosed(&mut self, open: Span) -> Bail {
        let next = self.peek().clone();
        if self.diags.len() >= MAX_DIAGNOSTICS {
            self.overflow = true;
            return Bail { fatal: false };
        }
        let (line, column) = super::diag::line_column(self.text, open.start);
        let found = self.describe(&next);
        let d = self
            .error(
                next.span,
                format!("expected `)` to close the `(` at {line}:{column}, found {found}"),
            )
            .expected("`)`");
        self.report(d);
        Bail { fatal: false }
    }

    #[inline(never)]
    fn name(&mut self) -> P<E> {
        let token = self.bump();
        let name = self.slice(token.span).to_ascii_lowercase();
        if name == "symbol" && self.is_word(0, "in") {
            return self.symbol_list(token.span);
        }
        if self.peek().tok == Tok::LParen {
            return self.call(name, token.span);
        }
        Ok(leaf(ExprKind::Name(name), token.span))
    }

    #[inline(never)]
    fn call(&mut self, name: String, name_span: Span) -> P<E> {
        let open = self.bump();
        self.enter(open.span)?;
        let result = self.arguments(&name);
        self.leave();
        let (args, close, failed, height) = result?;
        let args_span = open.span.to(close);
        let span = name_span.to(close);
        if failed {
            return Ok((
                Expr {
                    kind: ExprKind::Error,
                    span,
                },
                1,
            ));
        }
        let kind = ExprKind::Call {
            name,
            name_span,
            args,
            args_span,
        };
        self.node(kind, span, height + 1)
    }

    /// The arguments after `(`, through `)`: the arguments, the `)` span, whether any
    /// argument failed (and was skipped), and the tallest argument's height.
    fn arguments(&mut self, name: &str) -> P<(Vec<Arg>, Span, bool, usize)> {
        let mut args = Vec::new();
        let mut failed = false;
        let mut height = 0;
        if self.peek().tok == Tok::RParen {
            let close = self.bump();
            return Ok((args, close.span, false, 0));
        }
        loop {
            match self.argument() {
                Ok((arg, h)) => {
                    height = height.max(h);
                    args.push(arg);
                }
                Err(bail) if bail.fatal => return Err(bail),
                Err(bail) => {
                    failed = true;
                    if !self.skip_in_list(true) {
                        return Err(bail);
                    }
                }
            }
            let token = self.peek().clone();
            match token.tok {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RParen => {
                    self.bump();
                    return Ok((args, token.span, failed, height));
                }
                _ => {
                    failed = true;
                    match self.bad_separator(name)? {
                        Some(close) => return Ok((args, close, failed, height)),
                        None => continue,
                    }
                }
            }
        }
    }

    /// After `expected `,` or `)``: skips to the next argument (`None`) or past the `)`.
    #[inline(never)]
    fn bad_separator(&mut self, name: &str) -> P<Option<Span>> {
        let token = self.peek().clone();
        let found = self.describe(&token);
        let d = self
            .error(
                token.span,
                format!("expected `,` or `)` in the arguments of `{name}`, found {found}"),
            )
            .expected("`,` or `)`");
        self.report(d);
        if !self.skip_in_list(true) {
            return Err(Bail { fatal: false });
        }
        if self.peek().tok == Tok::Comma {
            self.bump();
            Ok(None)
        } else {
            Ok(Some(self.bump().span))
        }
    }

    fn argument(&mut self) -> P<(Arg, usize)> {
        let first = self.peek().clone();
        let named = first.tok == Tok::Ident
            && !self.is_keyword(&first)
            && self.peek_at(1).tok == Tok::Colon;
        let name = if named {
            self.bump();
            self.bump();
            Some((self.slice(first.span).to_ascii_lowercase(), first.span))
        } else {
            None
        };
        let (value, height) = self.expr(0)?;
        let span = first.span.to(value.span);
        Ok((Arg { name, value, span }, height))
    }

    fn symbol_list(&mut self, start: Span) -> P<E> {
        self.bump(); // in
        if self.peek().tok != Tok::LParen {
            return Err(self.expected("`(`", " after `symbol in`"));
        }
        self.bump();
        let mut symbols = Vec::new();
        loop {
            let token = self.peek().clone();
            match token.tok {
                Tok::RParen if symbols.is_empty() => {}
                Tok::Str => {
                    self.bump();
                    let quote = &self.text[token.span.start..token.span.start + 1];
                    let raw = &self.text[token.span.start + 1..token.span.end];
                    let text = raw.strip_suffix(quote).unwrap_or(raw).to_string();
                    symbols.push((text, token.span));
                }
                Tok::Ident => {
                    let word = self.slice(token.span).to_string();
                    let d = self
                        .error(
                            token.span,
                            format!("expected a symbol in quotes, found `{}`", shorten(&word)),
                        )
                        .expected("a symbol in quotes")
                        .help(format!("write \"{}\"", shorten(&word.to_ascii_uppercase())));
                    self.report(d);
                    return Err(Bail { fatal: false });
                }
                _ => return Err(self.expected("a symbol in quotes such as \"AAPL\"", "")),
            }
            let token = self.peek().clone();
            match token.tok {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RParen => {
                    self.bump();
                    return Ok((
                        Expr {
                            kind: ExprKind::SymbolIn(symbols),
                            span: start.to(token.span),
                        },
                        1,
                    ));
                }
                _ => return Err(self.expected("`,` or `)`", " in the symbol list")),
            }
        }
    }
}

fn leaf(kind: ExprKind, span: Span) -> E {
    (Expr { kind, span }, 1)
}
