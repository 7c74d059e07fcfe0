//! One file's bytes → the series it holds, its row counts and its problems.
//!
//! The whole file is in memory (`std::fs::read`), so lines are byte slices split on
//! `\n` with a trailing `\r` dropped, and each line is checked for UTF-8 on its own:
//! one bad byte costs one row, not the file. Nothing is allocated per good row except
//! the bar's place in its series.

use super::layout::{Field, Layout};
use super::row::{parse_row, quoted};
use super::{LoadError, LoadOptions, LoadProblem, OnBadRow};
use crate::symbol::{normalize_symbol, symbol_from_file_name};
use scan::BarSeries;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What one file contributed.
#[derive(Debug, Default)]
pub(crate) struct FileOutcome {
    pub(crate) path: PathBuf,
    /// Non-empty series, sorted by symbol.
    pub(crate) series: Vec<BarSeries>,
    /// Data rows read (blank lines are not rows).
    pub(crate) rows: usize,
    pub(crate) skipped_rows: usize,
    /// The file had no data at all (empty, or a header only).
    pub(crate) skipped_file: bool,
    /// The first `max_listed_problems` problems, in line order.
    pub(crate) problems: Vec<LoadProblem>,
}

impl FileOutcome {
    /// Records a problem: listed if there is room, an error under [`OnBadRow::Fail`].
    fn problem(
        &mut self,
        options: &LoadOptions,
        line: Option<usize>,
        reason: String,
    ) -> Result<(), LoadError> {
        let problem = LoadProblem {
            path: self.path.clone(),
            line,
            reason,
        };
        if options.on_bad_row == OnBadRow::Fail {
            return Err(LoadError::Problem(problem));
        }
        if self.problems.len() < options.max_listed_problems {
            self.problems.push(problem);
        }
        Ok(())
    }
}

/// Splits a file's contents into lines numbered from 1, without line endings.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut rest = Some(bytes);
    std::iter::from_fn(move || {
        let text = rest?;
        let (line, tail) = match find_newline(text) {
            Some(at) => (&text[..at], Some(&text[at + 1..])),
            None => (text, None),
        };
        rest = tail;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    })
    .enumerate()
    .map(|(i, line)| (i + 1, line))
}

/// The index of the first `\n`. Compares eight bytes at a time (the classic "has zero
/// byte" bit trick), which is several times faster than a byte loop on 100-byte lines.
fn find_newline(bytes: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const NL: u64 = LO * b'\n' as u64;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ NL;
        if (x.wrapping_sub(LO) & !x & HI) != 0 {
            break;
        }
        offset += 8;
    }
    bytes[offset..]
        .iter()
        .position(|&b| b == b'\n')
        .map(|at| offset + at)
}

/// Where a file's bars go: one series when the symbol comes from the file name, one per
/// symbol when the file has a symbol column.
struct Symbols<'a> {
    series: Vec<BarSeries>,
    /// Series index by symbol field as written (`aapl.us`), so a row costs one lookup
    /// and no allocation; normalised spellings share a series through `by_symbol`.
    by_raw: HashMap<&'a str, usize>,
    by_symbol: HashMap<String, usize>,
    last: Option<(&'a str, usize)>,
}

impl<'a> Symbols<'a> {
    /// The series for a row's symbol field, creating it on first sight.
    fn index(&mut self, raw: &'a str) -> Result<usize, String> {
        if let Some((last_raw, index)) = self.last {
            if last_raw == raw {
                return Ok(index);
            }
        }
        let index = match self.by_raw.get(raw) {
            Some(&index) => index,
            None => {
                let symbol = normalize_symbol(raw);
                if symbol.is_empty() {
                    return Err(format!("{} is not a symbol", quoted(raw)));
                }
                let next = self.series.len();
                let index = *self.by_symbol.entry(symbol.clone()).or_insert(next);
                if index == next {
                    self.series.push(BarSeries::new(symbol));
                }
                self.by_raw.insert(raw, index);
                index
            }
        };
        self.last = Some((raw, index));
        Ok(index)
    }
}

/// Reads one file's contents. `path` names it in messages and, when there is no symbol
/// column, gives the symbol.
pub(crate) fn parse_file(
    path: &Path,
    bytes: &[u8],
    options: &LoadOptions,
) -> Result<FileOutcome, LoadError> {
    let mut outcome = FileOutcome {
        path: path.to_path_buf(),
        ..FileOutcome::default()
    };
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let mut lines = lines(bytes).filter(|(_, line)| !line.trim_ascii().is_empty());

    let Some((header_line, header)) = lines.next() else {
        outcome.skipped_file = true;
        outcome.problem(
            options,
            None,
            "the file is empty (no header, no rows)".into(),
        )?;
        return Ok(outcome);
    };
    let layout_error = |message: String| LoadError::Layout {
        path: path.to_path_buf(),
        line: header_line,
        message,
    };
    let header = std::str::from_utf8(header).map_err(|e| {
        layout_error(format!(
            "the header is not valid UTF-8 ({})",
            utf8_detail(header, &e)
        ))
    })?;
    let layout = Layout::from_header(header).map_err(|e| layout_error(e.to_string()))?;

    let mut symbols = Symbols {
        series: Vec::new(),
        by_raw: HashMap::new(),
        by_symbol: HashMap::new(),
        last: None,
    };
    if !layout.has(Field::Symbol) {
        let symbol = symbol_from_file_name(path).ok_or_else(|| {
            layout_error(
                "no symbol column (name, symbol or ticker) and the file name gives no symbol"
                    .into(),
            )
        })?;
        let mut series = BarSeries::new(symbol);
        series.reserve(bytes.iter().filter(|&&b| b == b'\n').count());
        symbols.series.push(series);
    }

    for (number, line) in lines {
        outcome.rows += 1;
        if let Err(reason) = read_line(line, &layout, &mut symbols) {
            outcome.skipped_rows += 1;
            outcome.problem(options, Some(number), reason)?;
        }
    }

    if outcome.rows == 0 {
        outcome.skipped_file = true;
        outcome.problem(
            options,
            None,
            "the file has a header but no data rows".into(),
        )?;
    }
    outcome.series = symbols.series;
    outcome.series.retain(|s| !s.is_empty());
    outcome.series.sort_by(|a, b| a.symbol().cmp(b.symbol()));
    Ok(outcome)
}

/// Reads one data line into its series; the error is the reason it was refused.
fn read_line<'a>(line: &'a [u8], layout: &Layout, symbols: &mut Symbols<'a>) -> Result<(), String> {
    let line = std::str::from_utf8(line)
        .map_err(|e| format!("the line is not valid UTF-8 ({})", utf8_detail(line, &e)))?;
    let row = parse_row(line, layout)?;
    let index = match row.symbol {
        Some(raw) => symbols
            .index(raw)
            .map_err(|e| format!("column `{}`: {e}", layout.column_name(Field::Symbol)))?,
        None => 0,
    };
    let several = symbols.series.len() > 1;
    let series = &mut symbols.series[index];
    series.push(row.bar).map_err(|problem| {
        // In a multi-symbol file "the previous bar" is the symbol's, not the line above.
        if several {
            format!("{problem} (symbol {})", series.symbol())
        } else {
            problem.to_string()
        }
    })
}

/// Where the first invalid byte is, as a 1-based column, and its value.
fn utf8_detail(bytes: &[u8], error: &std::str::Utf8Error) -> String {
    let at = error.valid_up_to();
    match bytes.get(at) {
        Some(byte) => format!("byte 0x{byte:02X} at column {}", at + 1),
        None => "truncated character at the end".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lines_are_numbered_from_one_without_endings() {
        let got: Vec<(usize, &[u8])> = lines(b"a\r\nbb\n\nccc").collect();
        let expected: [(usize, &[u8]); 4] = [(1, b"a"), (2, b"bb"), (3, b""), (4, b"ccc")];
        assert_eq!(got, expected);
        let trailing: Vec<(usize, &[u8])> = lines(b"x\n").collect();
        assert_eq!(trailing, [(1, &b"x"[..]), (2, &b""[..])]);
    }

    proptest! {
        /// The word-at-a-time search agrees with the obvious byte loop.
        #[test]
        fn find_newline_matches_a_byte_loop(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b'\n'), Just(b'\r'), Just(0x0A ^ 0x80), any::<u8>()],
                0..64,
            ),
            start in 0usize..64,
        ) {
            let bytes = &bytes[start.min(bytes.len())..];
            prop_assert_eq!(find_newline(bytes), bytes.iter().position(|&b| b == b'\n'));
        }
    }
}
