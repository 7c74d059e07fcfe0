//! Errors in an indicator spec, rendered with a caret under the offending text.

use std::fmt;
use std::ops::Range;

/// What is wrong with a spec, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecError {
    /// The spec as given.
    pub spec: String,
    /// Byte range of the offending text in `spec`.
    pub span: Range<usize>,
    pub message: String,
    /// What would be accepted instead, when we can say.
    pub help: Option<String>,
}

impl SpecError {
    pub fn new(spec: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        SpecError {
            spec: spec.to_string(),
            span,
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The error as a compiler would show it: the message, the spec with a caret line
    /// under the span (1-based column), and the help.
    pub fn render(&self) -> String {
        let start = self.span.start.min(self.spec.len());
        let end = self.span.end.clamp(start, self.spec.len());
        let column = self.spec[..start].chars().count() + 1;
        let width = self.spec[start..end].chars().count().max(1);
        let mut out = format!(
            "error: {}\n --> spec:1:{column}\n  |\n1 | {}\n  | {}{}\n",
            self.message,
            self.spec,
            " ".repeat(column - 1),
            "^".repeat(width)
        );
        if let Some(help) = &self.help {
            out.push_str(&format!("  = help: {help}\n"));
        }
        out
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let column = self.spec[..self.span.start.min(self.spec.len())]
            .chars()
            .count()
            + 1;
        write!(f, "column {column}: {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecError {}

/// Edit distance counting a swap of two neighbours as one edit (optimal string
/// alignment), since `clsoe` for `close` is the commonest typo.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d: Vec<usize> = vec![0; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * width + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let substitute = d[(i - 1) * width + j - 1] + usize::from(a[i - 1] != b[j - 1]);
                let mut best = substitute
                    .min(d[(i - 1) * width + j] + 1)
                    .min(d[i * width + j - 1] + 1);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[(i - 2) * width + j - 2] + 1);
                }
                best
            };
        }
    }
    d[a.len() * width + b.len()]
}

/// The closest candidate within a small edit distance.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_caret_under_the_span() {
        let err = SpecError::new("rsi(1)", 4..5, "period too small").with_help("use 2 to 100000");
        assert_eq!(
            err.render(),
            "error: period too small\n --> spec:1:5\n  |\n1 | rsi(1)\n  |     ^\n  = help: use 2 to 100000\n"
        );
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(did_you_mean("rsl", ["rsi", "roc", "sma"]), Some("rsi"));
        assert_eq!(did_you_mean("bollinger", ["rsi", "bbands"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("clsoe", "close"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
