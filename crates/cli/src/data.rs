//! `--data PATH`: loading bar history for any command, with a progress bar on a
//! terminal and a summary of skipped rows on stderr.

use crate::Failure;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use market::csv::{load_path, LoadOptions, LoadReport, OnBadRow};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct DataArgs {
    /// CSV file or directory of CSV files (Yahoo, long multi-symbol or Stooq layout).
    #[arg(long, value_name = "PATH")]
    pub data: PathBuf,
    /// What to do with a row that cannot be read or breaks a bar rule.
    #[arg(long, value_name = "skip|fail", default_value = "skip")]
    pub on_bad_row: OnBadRow,
}

/// Loads the data, reporting skipped rows on stderr.
pub fn load(args: &DataArgs) -> Result<LoadReport, Failure> {
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{spinner} loading {pos}/{len} files {wide_bar} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let options = LoadOptions {
        on_bad_row: args.on_bad_row,
        ..LoadOptions::default()
    };
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let report = load_path(&args.data, &options, &progress);
    bar.finish_and_clear();
    let report = report.map_err(|e| Failure::runtime(e.to_string()))?;
    if !report.problems.is_empty() {
        eprintln!(
            "warning: skipped {} bad row(s) and {} file(s) without data in {}; the first ones:",
            report.skipped_rows,
            report.skipped_files,
            args.data.display()
        );
        for problem in &report.problems {
            eprintln!("  {problem}");
        }
    }
    Ok(report)
}
