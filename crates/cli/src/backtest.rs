//! `stockscanner backtest 'SCAN' --data PATH --horizons 1,5,20 [--from DATE] [--to DATE]
//! [--format table|csv|json]`: every past match of a scan, the forward returns after
//! it, and a summary per horizon against the universe on the same dates.

use crate::data::{self, DataArgs};
use crate::output::{self, Format};
use crate::scan::{parse_date, ScanSource};
use crate::Failure;
use clap::Args;
use scan::eval::{Backtest, BacktestOptions, Stats};
use scan::BarTime;
use serde_json::{json, Value};
use std::io::{self, Write};

#[derive(Args, Debug)]
pub struct BacktestArgs {
    #[command(flatten)]
    pub source: ScanSource,
    #[command(flatten)]
    pub data: DataArgs,
    /// Forward horizons in bars, comma-separated (each 1 to 10000).
    #[arg(long, value_name = "N,…", value_delimiter = ',', default_value = "1,5,20",
          value_parser = clap::value_parser!(u16).range(1..=10_000))]
    pub horizons: Vec<u16>,
    /// First signal date considered.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<BarTime>,
    /// Last signal date considered.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: Option<BarTime>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub fn run(args: BacktestArgs) -> Result<(), Failure> {
    if let (Some(from), Some(to)) = (args.from, args.to) {
        if from > to {
            return Err(Failure::usage(format!(
                "--from {from} is after --to {to}; nothing to test"
            )));
        }
    }
    let mut horizons: Vec<usize> = args.horizons.iter().map(|&h| usize::from(h)).collect();
    horizons.sort_unstable();
    horizons.dedup();
    let plan = args.source.compile()?;
    let report = data::load(&args.data)?;
    let options = BacktestOptions {
        horizons,
        from: args.from,
        to: args.to,
    };
    let backtest = plan.backtest(&report.series, &options);
    output::to_stdout(|out| match args.format {
        Format::Table => {
            write_signals_table(out, &backtest)?;
            writeln!(out)?;
            write_summary(out, &backtest)
        }
        Format::Csv => write_signals_csv(out, &backtest),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &to_json(&backtest))?;
            writeln!(out)
        }
    })?;
    if args.format == Format::Csv {
        // CSV holds the signals; the summary goes where a person reads it.
        let mut err = io::stderr().lock();
        let _ = write_summary(&mut err, &backtest);
    }
    Ok(())
}

fn horizon_names(backtest: &Backtest) -> Vec<String> {
    backtest
        .summary
        .iter()
        .map(|s| format!("return_{}", s.horizon))
        .collect()
}

/// Rows of signals; `number` formats prices and `returns` the forward returns.
fn signal_rows(
    backtest: &Backtest,
    number: fn(f64) -> String,
    returns: fn(f64) -> String,
) -> Vec<Vec<String>> {
    backtest
        .signals
        .iter()
        .map(|s| {
            let mut row = vec![s.symbol.clone(), s.time.to_string(), number(s.close)];
            row.extend(s.forward.iter().map(|r| returns(r.unwrap_or(f64::NAN))));
            row
        })
        .collect()
}

fn signals_header(backtest: &Backtest) -> Vec<String> {
    let mut header = vec!["symbol".to_string(), "date".into(), "close".into()];
    header.extend(horizon_names(backtest));
    header
}

fn write_signals_table(out: &mut dyn Write, backtest: &Backtest) -> io::Result<()> {
    if backtest.signals.is_empty() {
        return writeln!(out, "no signals");
    }
    output::write_table(
        out,
        &signals_header(backtest),
        &signal_rows(backtest, output::table_number, output::table_percent),
    )
}

fn write_signals_csv(out: &mut dyn Write, backtest: &Backtest) -> io::Result<()> {
    writeln!(out, "{}", signals_header(backtest).join(","))?;
    for mut row in signal_rows(backtest, output::csv_number, output::csv_number) {
        row[0] = output::csv_field(&row[0]);
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

/// The per-horizon comparison of signals with the universe, returns in percent.
fn write_summary(out: &mut dyn Write, backtest: &Backtest) -> io::Result<()> {
    let header: Vec<String> = [
        "horizon", "signals", "hit rate", "mean %", "median %", "universe", "hit rate", "mean %",
        "median %",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let stats = |s: &Stats| {
        [
            s.count.to_string(),
            percent(s.hit_rate),
            output::table_percent(s.mean),
            output::table_percent(s.median),
        ]
    };
    let rows: Vec<Vec<String>> = backtest
        .summary
        .iter()
        .map(|h| {
            let unit = if h.horizon == 1 { "bar" } else { "bars" };
            let mut row = vec![format!("{} {unit}", h.horizon)];
            row.extend(stats(&h.signals));
            row.extend(stats(&h.baseline));
            row
        })
        .collect();
    output::write_table(out, &header, &rows)
}

fn percent(share: f64) -> String {
    if share.is_nan() {
        "-".into()
    } else {
        format!("{:.1}%", share * 100.0)
    }
}

fn stats_json(s: &Stats) -> Value {
    json!({
        "count": s.count,
        "hit_rate": output::json_number(s.hit_rate),
        "mean": output::json_number(s.mean),
        "median": output::json_number(s.median),
    })
}

fn to_json(backtest: &Backtest) -> Value {
    let signals: Vec<Value> = backtest
        .signals
        .iter()
        .map(|s| {
            let forward: serde_json::Map<String, Value> = backtest
                .summary
                .iter()
                .zip(&s.forward)
                .map(|(h, r)| {
                    (
                        h.horizon.to_string(),
                        output::json_number(r.unwrap_or(f64::NAN)),
                    )
                })
                .collect();
            json!({
                "symbol": s.symbol,
                "date": s.time.to_string(),
                "close": output::json_number(s.close),
                "forward_returns": forward,
            })
        })
        .collect();
    let summary: Vec<Value> = backtest
        .summary
        .iter()
        .map(|h| {
            json!({
                "horizon": h.horizon,
                "signals": stats_json(&h.signals),
                "universe": stats_json(&h.baseline),
            })
        })
        .collect();
    json!({"signals": signals, "summary": summary})
}
