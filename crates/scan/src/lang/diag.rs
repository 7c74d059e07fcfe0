//! Diagnostics: what is wrong with a scan, where, and what would be accepted instead,
//! rendered the way rustc renders its errors.

use super::Span;
use std::fmt;
use std::ops::Range;

/// One error in a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    /// Byte range of the offending text; always inside the text, on char boundaries.
    pub span: Range<usize>,
    /// 1-based line of `span.start`.
    pub line: usize,
    /// 1-based column of `span.start`, counted in chars.
    pub column: usize,
    /// What the parser expected at this point, when it can say (`an expression`).
    pub expected: Option<String>,
    /// A suggestion: `did you mean `close`?`, a usage line, an example.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at `span` of `text`; the span is clamped into the text and onto char
    /// boundaries so that rendering never fails. Line and column are filled in by
    /// [`locate`] once the diagnostics are sorted and capped, so that making many of them
    /// stays linear in the text.
    pub(crate) fn new(text: &str, span: Span, message: impl Into<String>) -> Self {
        let start = floor_boundary(text, span.start.min(text.len()));
        let end = floor_boundary(text, span.end.clamp(start, text.len()));
        Diagnostic {
            message: message.into(),
            span: start..end,
            line: 0,
            column: 0,
            expected: None,
            help: None,
        }
    }

    pub(crate) fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn maybe_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// The error as rustc would show it:
    ///
    /// ```text
    /// error: unknown name `clsoe`
    ///  --> scan:1:1
    ///   |
    /// 1 | clsoe > 5
    ///   | ^^^^^
    ///   = help: did you mean `close`?
    /// ```
    ///
    /// `source` is the scan text the diagnostic was made for. The caret line covers the
    /// span up to the end of its first line; when the parser knows what it expected, that
    /// follows the carets as a label.
    pub fn render(&self, source: &str) -> String {
        let start = floor_boundary(source, self.span.start.min(source.len()));
        let end = floor_boundary(source, self.span.end.clamp(start, source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line_text = source[line_start..line_end].trim_end_matches('\r');
        let shown: String = line_text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let column = source[line_start..start].chars().count() + 1;
        let width = source[start..end.min(line_end).max(start)]
            .chars()
            .count()
            .max(1);
        let number = self.line.to_string();
        let pad = " ".repeat(number.len());
        let mut out = format!("error: {}\n", self.message);
        out.push_str(&format!("{pad}--> scan:{}:{column}\n", self.line));
        out.push_str(&format!("{pad} |\n"));
        out.push_str(&format!("{number} | {shown}\n"));
        let mut carets = format!("{pad} | {}{}", " ".repeat(column - 1), "^".repeat(width));
        if let Some(expected) = &self.expected {
            carets.push_str(&format!(" expected {expected}"));
        }
        out.push_str(carets.trim_end());
        out.push('\n');
        if let Some(help) = &self.help {
            out.push_str(&format!("{pad} = help: {help}\n"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// Renders every diagnostic, separated by blank lines.
pub fn render_all(diagnostics: &[Diagnostic], source: &str) -> String {
    diagnostics
        .iter()
        .map(|d| d.render(source))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Fills in line and column of every diagnostic.
pub(crate) fn locate(text: &str, diagnostics: &mut [Diagnostic]) {
    for d in diagnostics {
        (d.line, d.column) = line_column(text, d.span.start);
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

pub(crate) fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_rustc() {
        let text = "rsi(14) < 30\nand clsoe > 5";
        let mut d = [
            Diagnostic::new(text, Span::new(17, 22), "unknown name `clsoe`")
                .help("did you mean `close`?"),
        ];
        locate(text, &mut d);
        let [d] = d;
        assert_eq!((d.line, d.column), (2, 5));
        assert_eq!(
            d.render(text),
            "error: unknown name `clsoe`\n --> scan:2:5\n  |\n2 | and clsoe > 5\n  |     ^^^^^\n  = help: did you mean `close`?\n"
        );
    }

    #[test]
    fn expected_is_a_label_and_spans_are_clamped() {
        let text = "é and";
        let mut d = [Diagnostic::new(text, Span::new(1, 99), "bad").expected("an expression")];
        locate(text, &mut d);
        let [d] = d;
        assert_eq!(d.span, 0..text.len());
        assert_eq!(d.column, 1);
        assert_eq!(
            d.render(text),
            "error: bad\n --> scan:1:1\n  |\n1 | é and\n  | ^^^^^ expected an expression\n"
        );
    }

    #[test]
    fn wide_line_numbers_widen_the_gutter() {
        let text = format!("{}x", "\n".repeat(11));
        let mut d = [Diagnostic::new(&text, Span::new(11, 12), "bad")];
        locate(&text, &mut d);
        let [d] = d;
        assert_eq!(
            d.render(&text),
            "error: bad\n  --> scan:12:1\n   |\n12 | x\n   | ^\n"
        );
    }
}
