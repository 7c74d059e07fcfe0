//! Loading bar history from CSV files: one file, or every `.csv`/`.txt` file in a
//! directory.
//!
//! The layout is recognised from the header (the `layout` module lists the accepted
//! names), so Yahoo downloads, long multi-symbol files and Stooq exports load without
//! options.
//!
//! Bad input never disappears silently. A bad row (unreadable field, broken bar rule,
//! repeated or out-of-order date, wrong field count, invalid UTF-8) is either skipped
//! and counted, with the first ones listed as `path:line: reason`, or stops the load,
//! as [`OnBadRow`] says. A file with no data (empty, or a header only) and a symbol
//! already loaded from another file are handled the same way, without a line number.
//! What cannot be loaded at all is a [`LoadError`]: an unreadable path, a directory
//! with no data files, a header missing a required column.
//!
//! Files of a directory are read in parallel with rayon; the result does not depend on
//! the scheduling: series are sorted by symbol, problems come in path and line order,
//! and when two files hold the same symbol the one whose path sorts first wins.
//!
//! Choices worth knowing:
//!
//! - **Required columns** are date, open, high, low, close and volume. Time, adjusted
//!   close and a symbol column (`name`, `symbol` or `ticker`) are optional; other
//!   columns are ignored but still counted, so every row must have as many fields as
//!   the header. Without a symbol column the symbol comes from the file name
//!   ([`crate::symbol`]).
//! - **A symbol in two files** (say `AAPL.csv` and `aapl.us.txt`): the file whose path
//!   sorts first keeps it; the other file's rows for it are counted as skipped and
//!   reported once, without a line. Merging would hide that the files may disagree.
//! - **Blank lines** carry no data: they are not rows and are not reported, but line
//!   numbers still count them so `path:line` points at the right line.
//! - **A header the loader cannot use** (a required column missing or given twice, no
//!   symbol anywhere) and **an unreadable path** are errors under either policy:
//!   skipping such a file would silently drop a whole symbol, and the fix is the user's.
//! - **Fields** may be surrounded by spaces or by one pair of double quotes; a comma
//!   inside quotes is not supported (market data has none).
//! - **A symbol whose every row was bad** has no series; its rows count as skipped.

mod file;
mod layout;
mod row;

use file::{parse_file, FileOutcome};
use rayon::prelude::*;
use scan::BarSeries;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;

/// What to do with a bad row (and with a file that has no data).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnBadRow {
    /// Leave it out, count it, and list it among the report's problems.
    #[default]
    Skip,
    /// Stop the load with a [`LoadError::Problem`] naming the row.
    Fail,
}

impl FromStr for OnBadRow {
    type Err = ParseOnBadRowError;

    /// `skip` or `fail`, in any case, as given to `--on-bad-row`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "skip" => Ok(OnBadRow::Skip),
            "fail" => Ok(OnBadRow::Fail),
            _ => Err(ParseOnBadRowError(text.to_owned())),
        }
    }
}

impl fmt::Display for OnBadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OnBadRow::Skip => "skip",
            OnBadRow::Fail => "fail",
        })
    }
}

/// An [`OnBadRow`] that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a bad-row policy: use `skip` (leave bad rows out and report them) or `fail` (stop at the first one)")]
pub struct ParseOnBadRowError(pub String);

/// How to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    pub on_bad_row: OnBadRow,
    /// How many problems a [`LoadReport`] lists; all of them are counted.
    pub max_listed_problems: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            on_bad_row: OnBadRow::Skip,
            max_listed_problems: 20,
        }
    }
}

/// One thing that was left out: a row (with its line) or a whole file's data (without).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    pub path: PathBuf,
    /// 1-based line number, counting the header as line 1.
    pub line: Option<usize>,
    pub reason: String,
}

impl fmt::Display for LoadProblem {
    /// `path:line: reason`, or `path: reason` for a file-level problem.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.reason),
            None => write!(f, "{}: {}", self.path.display(), self.reason),
        }
    }
}

/// What a load produced.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// One series per symbol, non-empty, sorted by symbol.
    pub series: Vec<BarSeries>,
    /// Files read (including those that had no data).
    pub files: usize,
    /// Files that had no data: empty, or a header only.
    pub skipped_files: usize,
    /// Data rows read, good and bad (blank lines are not rows).
    pub rows: usize,
    /// Rows left out. `rows == bars() + skipped_rows` always holds.
    pub skipped_rows: usize,
    /// The first [`LoadOptions::max_listed_problems`] problems, in path and line order.
    pub problems: Vec<LoadProblem>,
}

impl LoadReport {
    /// Bars loaded, over all series.
    pub fn bars(&self) -> usize {
        self.series.iter().map(BarSeries::len).sum()
    }
}

/// Why nothing could be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` has no data files: expected files ending in .csv or .txt", path.display())]
    NoFiles { path: PathBuf },
    /// The header does not say where the required fields are.
    #[error("{}:{line}: {message}", path.display())]
    Layout {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A problem met under [`OnBadRow::Fail`].
    #[error("{0}")]
    Problem(LoadProblem),
}

/// Called as `progress(done, total)` while files load; see [`load_path`].
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// Loads a file, or every data file directly inside a directory: names ending in
/// `.csv` or `.txt` (any case), not hidden (`.name`), not in subdirectories. A file
/// given by name is read whatever its extension.
///
/// `progress(done, total)` is called with `done == 0` before the first file is read
/// and after each file; calls never overlap and `done` only increases, so it can drive
/// a progress bar directly. Pass `&|_, _| {}` to ignore it.
///
/// I/O errors stop the load whatever the [`OnBadRow`] policy: a file that cannot be
/// read is a setup problem, not bad data.
pub fn load_path(
    path: &Path,
    options: &LoadOptions,
    progress: Progress<'_>,
) -> Result<LoadReport, LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let files = if std::fs::metadata(path).map_err(io)?.is_dir() {
        data_files(path)?
    } else {
        vec![path.to_path_buf()]
    };
    let total = files.len();
    progress(0, total);
    let done = Mutex::new(0);
    let outcomes: Vec<Result<FileOutcome, LoadError>> = files
        .par_iter()
        .map(|file| {
            let outcome = std::fs::read(file)
                .map_err(|source| LoadError::Io {
                    path: file.clone(),
                    source,
                })
                .and_then(|bytes| parse_file(file, &bytes, options));
            // A poisoned lock only means a progress callback panicked; keep counting.
            let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
            *done += 1;
            progress(*done, total);
            outcome
        })
        .collect();
    merge(outcomes, options)
}

/// Reads CSV text already in memory, as if it were the file `name` (which names it in
/// messages and gives the symbol when there is no symbol column).
pub fn parse_bytes(
    name: &Path,
    bytes: &[u8],
    options: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    merge(vec![parse_file(name, bytes, options)], options)
}

/// The data files of a directory, sorted by path.
fn data_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LoadError::Io { path, source }
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        let Some(name) = path.file_name().map(|n| n.to_string_lossy()) else {
            continue;
        };
        let lower = name.to_ascii_lowercase();
        if name.starts_with('.') || !(lower.ends_with(".csv") || lower.ends_with(".txt")) {
            continue;
        }
        // `metadata` follows symlinks: a link to a file counts, a directory does not.
        if std::fs::metadata(&path).map_err(io(&path))?.is_file() {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(LoadError::NoFiles {
            path: dir.to_path_buf(),
        });
    }
    files.sort();
    Ok(files)
}

/// Puts files' outcomes (in path order) together. The first error in path order wins,
/// so the result does not depend on which thread finished first.
fn merge(
    outcomes: Vec<Result<FileOutcome, LoadError>>,
    options: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let mut report = LoadReport::default();
    let mut loaded_from: HashMap<String, PathBuf> = HashMap::new();
    for outcome in outcomes {
        let outcome = outcome?;
        report.files += 1;
        report.skipped_files += usize::from(outcome.skipped_file);
        report.rows += outcome.rows;
        report.skipped_rows += outcome.skipped_rows;
        report.problems.extend(outcome.problems);
        for series in outcome.series {
            if let Some(first) = loaded_from.get(series.symbol()) {
                let problem = LoadProblem {
                    path: outcome.path.clone(),
                    line: None,
                    reason: format!(
                        "symbol {} was already loaded from `{}`; {} here {} left out",
                        series.symbol(),
                        first.display(),
                        match series.len() {
                            1 => "its 1 row".to_owned(),
                            n => format!("its {n} rows"),
                        },
                        if series.len() == 1 { "is" } else { "are" }
                    ),
                };
                if options.on_bad_row == OnBadRow::Fail {
                    return Err(LoadError::Problem(problem));
                }
                report.skipped_rows += series.len();
                report.problems.push(problem);
                continue;
            }
            loaded_from.insert(series.symbol().to_owned(), outcome.path.clone());
            report.series.push(series);
        }
    }
    report.problems.truncate(options.max_listed_problems);
    report.series.sort_by(|a, b| a.symbol().cmp(b.symbol()));
    Ok(report)
}

#[cfg(test)]
mod tests;
