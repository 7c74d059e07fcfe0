//! Tokens of the scan language. Whitespace (newlines included) separates tokens and `#`
//! starts a comment to the end of the line. Bad characters and malformed numbers are
//! reported and skipped, so the parser always sees a clean token stream.

use super::{Diagnostic, Span};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// An identifier or keyword; its text is the span's.
    Ident,
    Number(f64),
    /// A string literal; its contents are the span without the quotes.
    Str,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Colon,
    Dot,
    Plus,
    Minus,
    Star,
    Slash,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    Eof,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

pub(crate) struct Lexer<'a> {
    text: &'a str,
    at: usize,
    /// End of the last real token: where "end of scan" errors point.
    last_end: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str) -> Self {
        Lexer {
            text,
            at: 0,
            last_end: 0,
        }
    }

    fn skip_trivia(&mut self) {
        let bytes = self.text.as_bytes();
        loop {
            while self.at < bytes.len() && bytes[self.at].is_ascii_whitespace() {
                self.at += 1;
            }
            if self.at < bytes.len() && bytes[self.at] == b'#' {
                self.at = self.text[self.at..]
                    .find('\n')
                    .map_or(bytes.len(), |i| self.at + i);
            } else {
                return;
            }
        }
    }

    /// The next token; problems go to `diags`.
    pub fn next(&mut self, diags: &mut Vec<Diagnostic>) -> Token {
        loop {
            self.skip_trivia();
            let start = self.at;
            let Some(c) = self.text[start..].chars().next() else {
                return Token {
                    tok: Tok::Eof,
                    span: Span::new(self.last_end, self.last_end),
                };
            };
            match self.token_at(start, c, diags) {
                Some(tok) => {
                    self.last_end = self.at;
                    return Token {
                        tok,
                        span: Span::new(start, self.at),
                    };
                }
                None => continue,
            }
        }
    }

    /// Reads one token starting with `c` at `start`, advancing `self.at`; `None` when the
    /// text there was reported and skipped.
    fn token_at(&mut self, start: usize, c: char, diags: &mut Vec<Diagnostic>) -> Option<Tok> {
        let text = self.text;
        let rest = &text[start..];
        let two = |s: &str| rest.starts_with(s);
        let mut single = |tok: Tok, len: usize| {
            self.at = start + len;
            Some(tok)
        };
        match c {
            '(' => single(Tok::LParen, 1),
            ')' => single(Tok::RParen, 1),
            '[' => single(Tok::LBracket, 1),
            ']' => single(Tok::RBracket, 1),
            ',' => single(Tok::Comma, 1),
            ':' => single(Tok::Colon, 1),
            '.' => single(Tok::Dot, 1),
            '+' => single(Tok::Plus, 1),
            '-' => single(Tok::Minus, 1),
            '*' => single(Tok::Star, 1),
            '/' => single(Tok::Slash, 1),
            '<' if two("<=") => single(Tok::Le, 2),
            '<' if two("<>") => {
                diags.push(
                    Diagnostic::new(text, Span::new(start, start + 2), "`<>` is not an operator")
                        .help("write `!=` for \"not equal\""),
                );
                single(Tok::Ne, 2)
            }
            '<' => single(Tok::Lt, 1),
            '>' if two(">=") => single(Tok::Ge, 2),
            '>' => single(Tok::Gt, 1),
            '=' if two("==") => {
                diags.push(
                    Diagnostic::new(text, Span::new(start, start + 2), "`==` is not an operator")
                        .help("write `=` for equality"),
                );
                single(Tok::Eq, 2)
            }
            '=' => single(Tok::Eq, 1),
            '!' if two("!=") => single(Tok::Ne, 2),
            '!' => {
                diags.push(
                    Diagnostic::new(text, Span::new(start, start + 1), "`!` is not an operator")
                        .help("write `not` to negate a condition, `!=` for \"not equal\""),
                );
                self.at = start + 1;
                None
            }
            '&' | '|' => {
                let len = if two("&&") || two("||") { 2 } else { 1 };
                let word = if c == '&' { "and" } else { "or" };
                diags.push(
                    Diagnostic::new(
                        text,
                        Span::new(start, start + len),
                        format!("`{}` is not an operator", &rest[..len]),
                    )
                    .help(format!("write `{word}`")),
                );
                self.at = start + len;
                None
            }
            '"' | '\'' => Some(self.string(start, c, diags)),
            '0'..='9' => Some(self.number(start, diags)),
            c if c.is_ascii_alphabetic() || c == '_' => {
                self.at = start + ident_length(rest);
                Some(Tok::Ident)
            }
            c => {
                // Skip a run of unexpected characters as one error.
                let len = rest
                    .find(|d: char| d.is_ascii() && !d.is_ascii_control())
                    .unwrap_or(rest.len())
                    .max(c.len_utf8());
                let shown = if c.is_control() {
                    format!("{:?}", c)
                } else {
                    format!("`{c}`")
                };
                diags.push(Diagnostic::new(
                    text,
                    Span::new(start, start + len),
                    format!("unexpected character {shown}"),
                ));
                self.at = start + len;
                None
            }
        }
    }

    fn string(&mut self, start: usize, quote: char, diags: &mut Vec<Diagnostic>) -> Tok {
        let rest = &self.text[start + 1..];
        match rest.find([quote, '\n']) {
            Some(i) if rest[i..].starts_with(quote) => {
                self.at = start + 1 + i + 1;
                Tok::Str
            }
            found => {
                let end = found.map_or(self.text.len(), |i| start + 1 + i);
                diags.push(
                    Diagnostic::new(
                        self.text,
                        Span::new(start, end),
                        "unterminated string".to_string(),
                    )
                    .help(format!("close it with {quote} on the same line")),
                );
                self.at = end;
                Tok::Str
            }
        }
    }

    /// `12`, `1.5`, `1e3`, `2.5e-3`, with an optional `k`, `M` or `B` suffix.
    fn number(&mut self, start: usize, diags: &mut Vec<Diagnostic>) -> Tok {
        let bytes = self.text.as_bytes();
        let digits = |mut i: usize| {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            i
        };
        let mut i = digits(start);
        if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
            i = digits(i + 1);
        }
        if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
            let mut j = i + 1;
            if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
                j += 1;
            }
            if j < bytes.len() && bytes[j].is_ascii_digit() {
                i = digits(j);
            }
        }
        let numeral_end = i;
        let multiplier = match bytes.get(i) {
            Some(b'k' | b'K') => 1e3,
            Some(b'M') => 1e6,
            Some(b'B') => 1e9,
            _ => 1.0,
        };
        if multiplier != 1.0 {
            i += 1;
        }
        let word_end = i + ident_length(&self.text[i..]);
        self.at = word_end;
        let span = Span::new(start, word_end);
        if word_end > i {
            let word = &self.text[start..word_end];
            let suffix = &self.text[numeral_end..word_end];
            let help = match suffix {
                "m" => Some(format!(
                    "did you mean `{}M` (million)?",
                    &self.text[start..numeral_end]
                )),
                "b" => Some(format!(
                    "did you mean `{}B` (billion)?",
                    &self.text[start..numeral_end]
                )),
                _ => {
                    Some("numbers may end in `k` (thousand), `M` (million) or `B` (billion)".into())
                }
            };
            diags.push(
                Diagnostic::new(
                    self.text,
                    span,
                    format!("`{}` is not a number", shorten(word)),
                )
                .maybe_help(help),
            );
            return Tok::Number(0.0);
        }
        let value = self.text[start..numeral_end]
            .parse::<f64>()
            .map(|n| n * multiplier)
            .ok()
            .filter(|n| n.is_finite());
        match value {
            Some(n) => Tok::Number(n),
            None => {
                diags.push(Diagnostic::new(
                    self.text,
                    span,
                    format!("`{}` is too large", shorten(&self.text[start..word_end])),
                ));
                Tok::Number(0.0)
            }
        }
    }
}

fn ident_length(text: &str) -> usize {
    text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len())
}

/// A piece of scan text short enough for a message.
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    let whole = text.len();
    let mut cut = whole.min(4 * MAX);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let text = &text[..cut];
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX && cut == whole {
        one_line
    } else {
        let cut: String = one_line.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(text: &str) -> (Vec<Tok>, Vec<Diagnostic>) {
        let mut lexer = Lexer::new(text);
        let mut diags = Vec::new();
        let mut toks = Vec::new();
        loop {
            let t = lexer.next(&mut diags);
            if t.tok == Tok::Eof {
                return (toks, diags);
            }
            toks.push(t.tok);
        }
    }

    #[test]
    fn numbers_with_suffixes_and_exponents() {
        let (toks, diags) = lex("2M 1.5k 1e3 2.5e-3 3B 7K 10");
        assert!(diags.is_empty());
        let expected = [2e6, 1500.0, 1e3, 2.5e-3, 3e9, 7e3, 10.0].map(Tok::Number);
        assert_eq!(toks, expected);
    }

    #[test]
    fn bad_numbers_are_one_error_each() {
        let (toks, diags) = lex("2m 14x 1e999");
        assert_eq!(toks.len(), 3);
        assert_eq!(diags[0].message, "`2m` is not a number");
        assert_eq!(
            diags[0].help.as_deref(),
            Some("did you mean `2M` (million)?")
        );
        assert_eq!(diags[1].message, "`14x` is not a number");
        assert_eq!(diags[2].message, "`1e999` is too large");
    }

    #[test]
    fn comments_operators_and_strings() {
        let (toks, diags) = lex("# hi\na<=b # x\n != \"AAPL\" 'x'.y");
        assert!(diags.is_empty());
        assert_eq!(
            toks,
            [
                Tok::Ident,
                Tok::Le,
                Tok::Ident,
                Tok::Ne,
                Tok::Str,
                Tok::Str,
                Tok::Dot,
                Tok::Ident
            ]
        );
    }

    #[test]
    fn unknown_characters_are_reported_and_skipped() {
        let (toks, diags) = lex("a €€ && b == \"open");
        assert_eq!(toks, [Tok::Ident, Tok::Ident, Tok::Eq, Tok::Str]);
        let messages: Vec<_> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "unexpected character `€`",
                "`&&` is not an operator",
                "`==` is not an operator",
                "unterminated string"
            ]
        );
    }

    #[test]
    fn end_of_scan_points_after_the_last_token() {
        let mut lexer = Lexer::new("a and  \n # c\n");
        let mut diags = Vec::new();
        lexer.next(&mut diags);
        lexer.next(&mut diags);
        assert_eq!(lexer.next(&mut diags).span, Span::new(5, 5));
    }
}
