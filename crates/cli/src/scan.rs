//! `stockscanner scan 'SCAN' --data PATH [--at DATE] [--format table|csv|json]`: the
//! symbols a scan matches at one date, ranked, with the `show` columns.

use crate::data::{self, DataArgs};
use crate::output::{self, Format};
use crate::Failure;
use clap::Args;
use scan::eval::{At, Plan, ScanOutcome};
use scan::{lang, BarTime};
use server::scans::report::{check_show_names, ScanReport, FIXED_COLUMNS};
use std::io::{self, Write};
use std::path::PathBuf;

/// Where the scan's text comes from: the argument or `--file`.
#[derive(Args, Debug)]
pub struct ScanSource {
    /// The scan, e.g. 'rsi(14) < 30 and close > sma(200)' (see docs/scan-language.md).
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub scan: Option<String>,
    /// Read the scan from this file instead (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

impl ScanSource {
    /// Reads and compiles the scan; every error in it is reported at once, before any
    /// data is loaded.
    pub fn compile(&self) -> Result<Plan, Failure> {
        let (text, origin) = match (&self.scan, &self.file) {
            (Some(text), _) => (text.clone(), "<scan>".to_string()),
            (None, Some(path)) => (read_scan_file(path)?, path.display().to_string()),
            (None, None) => return Err(Failure::usage("give a scan or --file")),
        };
        let checked = lang::compile(&text).map_err(|diagnostics| {
            let count = diagnostics.len();
            Failure::usage(format!(
                "{}\n{count} error{} in {origin}",
                lang::render_all(&diagnostics, &text),
                if count == 1 { "" } else { "s" }
            ))
        })?;
        Ok(Plan::new(&checked))
    }
}

fn read_scan_file(path: &PathBuf) -> Result<String, Failure> {
    let bytes = if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        io::Read::read_to_end(&mut io::stdin(), &mut bytes).map(|_| bytes)
    } else {
        std::fs::read(path)
    }
    .map_err(|e| Failure::usage(format!("cannot read the scan file {}: {e}", path.display())))?;
    String::from_utf8(bytes).map_err(|e| {
        Failure::usage(format!(
            "the scan file {} is not UTF-8: {e}",
            path.display()
        ))
    })
}

/// `--at DATE` and friends: a date as the data writes it.
pub fn parse_date(text: &str) -> Result<BarTime, String> {
    BarTime::parse(text).map_err(|e| e.to_string())
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    pub source: ScanSource,
    #[command(flatten)]
    pub data: DataArgs,
    /// Answer as of this date (the last trading day on or before it) instead of the
    /// latest bar; only bars up to that date are used.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub at: Option<BarTime>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub fn run(args: ScanArgs) -> Result<(), Failure> {
    let plan = args.source.compile()?;
    check_show_names(&plan).map_err(Failure::usage)?;
    let report = data::load(&args.data)?;
    let at = args.at.map_or(At::Latest, At::OnOrBefore);
    let outcome = plan.scan(&report.series, at);
    output::to_stdout(|out| match args.format {
        Format::Table => write_table(out, &plan, &outcome),
        Format::Csv => write_csv(out, &plan, &outcome),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &ScanReport::new(&plan, &outcome))?;
            writeln!(out)
        }
    })?;
    if args.format != Format::Table {
        eprintln!("{}", summary(&outcome));
    }
    Ok(())
}

/// One line saying what was evaluated and what was left out.
fn summary(outcome: &ScanOutcome) -> String {
    let Some(as_of) = outcome.as_of else {
        return "no symbol has a bar on or before that date".into();
    };
    let mut text = format!(
        "{} of {} symbols matched as of {as_of}",
        outcome.matched, outcome.evaluated
    );
    if outcome.matches.len() < outcome.matched {
        text += &format!(" (showing {})", outcome.matches.len());
    }
    if outcome.skipped > 0 {
        text += &format!(
            "; {} skipped: not enough history for the scan",
            outcome.skipped
        );
    }
    if outcome.without_bar > 0 {
        text += &format!("; {} without a bar on {as_of}", outcome.without_bar);
    }
    text
}

/// Column headers: symbol, date, close, rank (when ranked), then the `show` names.
fn header(plan: &Plan) -> Vec<String> {
    let mut header: Vec<String> = FIXED_COLUMNS[..3].iter().map(|s| s.to_string()).collect();
    if plan.has_rank() {
        header.push("rank".into());
    }
    header.extend(plan.show_columns().map(|(name, _)| name.to_string()));
    header
}

/// A match's cells after symbol and date: close, rank, show values.
fn value_cells(plan: &Plan, m: &scan::eval::Match, number: fn(f64) -> String) -> Vec<String> {
    let mut cells = vec![number(m.close)];
    cells.extend(m.rank.map(number));
    for ((_, condition), &v) in plan.show_columns().zip(&m.show) {
        cells.push(match (condition, output::truth(v)) {
            (true, Some(t)) => t.to_string(),
            _ => number(v),
        });
    }
    cells
}

fn write_table(out: &mut dyn Write, plan: &Plan, outcome: &ScanOutcome) -> io::Result<()> {
    let rows: Vec<Vec<String>> = outcome
        .matches
        .iter()
        .map(|m| {
            let mut row = vec![m.symbol.clone(), m.time.to_string()];
            row.extend(value_cells(plan, m, output::table_number));
            row
        })
        .collect();
    if !rows.is_empty() {
        output::write_table(out, &header(plan), &rows)?;
        writeln!(out)?;
    }
    writeln!(out, "{}", summary(outcome))
}

fn write_csv(out: &mut dyn Write, plan: &Plan, outcome: &ScanOutcome) -> io::Result<()> {
    let header: Vec<String> = header(plan).iter().map(|h| output::csv_field(h)).collect();
    writeln!(out, "{}", header.join(","))?;
    for m in &outcome.matches {
        let mut row = vec![output::csv_field(&m.symbol), m.time.to_string()];
        row.extend(value_cells(plan, m, output::csv_number));
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}
