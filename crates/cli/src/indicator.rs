//! `stockscanner indicator SPEC --data PATH [--symbol SYM]`: an indicator's values as CSV.

use crate::data::{self, DataArgs};
use crate::Failure;
use clap::Args;
use scan::catalog::Indicator;
use scan::BarSeries;
use std::io::{self, BufWriter, Write};

#[derive(Args, Debug)]
pub struct IndicatorArgs {
    /// The indicator in scan-language call syntax, e.g. `rsi(14)`, `sma(volume, 20)`,
    /// `macd(12,26,9)`, `bbands(20,2,2)`, `stoch(14,3,3)`, `obv`.
    pub spec: String,
    #[command(flatten)]
    pub data: DataArgs,
    /// The symbol to print (required when the data holds several).
    #[arg(long, conflicts_with = "all_symbols")]
    pub symbol: Option<String>,
    /// Print every symbol, with a leading `symbol` column.
    #[arg(long)]
    pub all_symbols: bool,
    /// Also print each bar's open, high, low, close and volume.
    #[arg(long)]
    pub bars: bool,
}

pub fn run(args: IndicatorArgs) -> Result<(), Failure> {
    // Check the spec before touching the data: a typo should not cost a load.
    let indicator = Indicator::parse(&args.spec).map_err(|e| Failure::usage(e.render()))?;
    let report = data::load(&args.data)?;
    let chosen: Vec<&BarSeries> = if args.all_symbols {
        report.series.iter().collect()
    } else {
        vec![pick_symbol(&report.series, args.symbol.as_deref())?]
    };
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let written = write_csv(&mut out, &indicator, &chosen, args.all_symbols, args.bars)
        .and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Failure::runtime(format!("cannot write the output: {e}")))
        }
        _ => Ok(()),
    }
}

/// The series to print: the one asked for, or the only one there is.
fn pick_symbol<'a>(
    series: &'a [BarSeries],
    wanted: Option<&str>,
) -> Result<&'a BarSeries, Failure> {
    let symbols = || {
        series
            .iter()
            .map(BarSeries::symbol)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (wanted, series) {
        (Some(wanted), _) => series
            .iter()
            .find(|s| s.symbol().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                Failure::usage(format!(
                    "no symbol `{wanted}` in the data; found: {}",
                    symbols()
                ))
            }),
        (None, [only]) => Ok(only),
        (None, []) => Err(Failure::runtime("the data holds no bars")),
        (None, _) => Err(Failure::usage(format!(
            "the data holds {} symbols; choose one with --symbol (or use --all-symbols): {}",
            series.len(),
            symbols()
        ))),
    }
}

fn write_csv(
    out: &mut impl Write,
    indicator: &Indicator,
    chosen: &[&BarSeries],
    with_symbol: bool,
    with_bars: bool,
) -> io::Result<()> {
    if with_symbol {
        write!(out, "symbol,")?;
    }
    write!(out, "date")?;
    if with_bars {
        write!(out, ",open,high,low,close,volume")?;
    }
    for name in indicator.outputs() {
        write!(out, ",{name}")?;
    }
    writeln!(out)?;
    // All symbols in one call: series of equal length are computed several at a time,
    // in parallel (see `Indicator::compute_many`).
    let computed = indicator.compute_many(chosen);
    for (series, columns) in chosen.iter().zip(computed) {
        for i in 0..series.len() {
            if with_symbol {
                write!(out, "{},", series.symbol())?;
            }
            write!(out, "{}", series.time()[i])?;
            if with_bars {
                let bar = [
                    series.open(),
                    series.high(),
                    series.low(),
                    series.close(),
                    series.volume(),
                ];
                for column in bar {
                    write!(out, ",{}", column[i])?;
                }
            }
            for column in columns.iter() {
                // `{}` prints the shortest decimal that parses back to the same f64.
                match column[i] {
                    v if v.is_nan() => write!(out, ",")?,
                    v => write!(out, ",{v}")?,
                }
            }
            writeln!(out)?;
        }
    }
    Ok(())
}
