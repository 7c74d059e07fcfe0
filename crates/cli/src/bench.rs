//! `stockscanner bench indicators`: indicator throughput on seeded random walks, in the
//! two shapes that matter: one long series (1M bars, single thread) and the market
//! (5,000 series × 250 bars, single thread and over all cores as a scan runs). `scripts/bench_talib.py` runs TA-Lib on the same arrays
//! (exported with `--export`) and prints the ratio table for docs/BENCHMARKS.md.

use crate::Failure;
use clap::{Args, Subcommand};
use market::synthetic::random_walk;
use scan::catalog::Indicator;
use scan::series::lay_out_by_field;
use scan::{BarSeries, PriceField};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Indicator throughput, single-threaded.
    Indicators(IndicatorBenchArgs),
    /// Market scans: a cold scan from bars and one streaming update per symbol.
    Scan(crate::bench_scan::ScanBenchArgs),
}

#[derive(Args)]
pub struct IndicatorBenchArgs {
    /// Bars in the single long series (1 to 100,000,000).
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=MAX_BARS))]
    pub n: u64,
    /// Timed runs per indicator and shape; the median is reported (5 to 1,000).
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(5..=1000))]
    pub runs: u32,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also write the input arrays (raw little-endian f64) to this directory.
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
    /// Time only this indicator, spelled as listed by the table (repeatable).
    #[arg(long, value_name = "SPEC")]
    pub only: Vec<String>,
}

/// The most bars a benchmark generates, in one series or over a whole universe. At this
/// bound `bench indicators` peaks at 7 GB of memory and `bench scan` at 14 GB; much
/// beyond it a failed allocation would abort the process instead of reporting an error.
pub(crate) const MAX_BARS: u64 = 100_000_000;

/// One spec per indicator, spelled as `scripts/bench_talib.py` expects.
const SPECS: &[&str] = &[
    "sma(20)",
    "ema(20)",
    "wma(20)",
    "rsi(14)",
    "macd(12, 26, 9)",
    "bbands(20, 2, 2)",
    "stddev(20)",
    "max(20)",
    "min(low, 20)",
    "roc(10)",
    "trange",
    "atr(14)",
    "natr(14)",
    "adx(14)",
    "plus_di(14)",
    "minus_di(14)",
    "stoch(14, 3, 3)",
    "stochf(14, 3)",
    "cci(20)",
    "obv",
    "mfi(14)",
    "willr(14)",
];

const MARKET_SYMBOLS: usize = 5_000;
const MARKET_BARS: usize = 250;

#[derive(Serialize)]
struct Report {
    n: usize,
    /// Threads used for the parallel market measurement.
    threads: usize,
    runs: u32,
    market_symbols: usize,
    market_bars: usize,
    results: Vec<Measurement>,
}

#[derive(Serialize)]
struct Measurement {
    spec: &'static str,
    /// Median seconds for the single long series.
    single_seconds: f64,
    /// Million input bars per second on the long series.
    single_mvalues_per_second: f64,
    /// Median seconds for all market series, one after another.
    market_seconds: f64,
    /// Median seconds for all market series spread over every core, as a scan runs.
    market_parallel_seconds: f64,
}

pub fn run(command: BenchCommand) -> Result<(), Failure> {
    match command {
        BenchCommand::Indicators(args) => indicators(args),
        BenchCommand::Scan(args) => crate::bench_scan::run(args),
    }
}

fn indicators(args: IndicatorBenchArgs) -> Result<(), Failure> {
    let specs = chosen_specs(&args.only)?;
    let n = args.n as usize; // at most MAX_BARS
    let single = random_walk("BENCH", 1, n);
    let mut market: Vec<BarSeries> = (0..MARKET_SYMBOLS)
        .map(|i| random_walk(&format!("S{i:04}"), 1_000 + i as u64, MARKET_BARS))
        .collect();
    // Each field's columns one after another, series after series: the arrays the
    // exported files hold, and so those TA-Lib is timed on (`scripts/bench_talib.py`).
    lay_out_by_field(&mut market);
    let single_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| Failure::runtime(format!("cannot start a thread: {e}")))?;
    if let Some(dir) = &args.export {
        export(dir, &single, &market)
            .map_err(|e| Failure::runtime(format!("cannot export to {}: {e}", dir.display())))?;
    }
    let market: Vec<&BarSeries> = market.iter().collect();
    let mut results = Vec::new();
    for spec in specs {
        let indicator = Indicator::parse(spec).map_err(|e| Failure::runtime(e.render()))?;
        let single_seconds = median_seconds(args.runs, || {
            std::hint::black_box(indicator.compute(&single));
        });
        // The market shape as a scan computes it: all series in one call, which evaluates
        // series of equal length several at a time (see `Indicator::compute_many`).
        let market_seconds = single_thread.install(|| {
            median_seconds(args.runs, || {
                std::hint::black_box(indicator.compute_many(&market));
            })
        });
        let market_parallel_seconds = median_seconds(args.runs, || {
            std::hint::black_box(indicator.compute_many(&market));
        });
        results.push(Measurement {
            spec,
            single_seconds,
            single_mvalues_per_second: n as f64 / single_seconds / 1e6,
            market_seconds,
            market_parallel_seconds,
        });
    }
    let report = Report {
        n,
        threads: rayon::current_num_threads(),
        runs: args.runs,
        market_symbols: MARKET_SYMBOLS,
        market_bars: MARKET_BARS,
        results,
    };
    if args.json {
        print_json(&report)?;
    } else {
        println!(
            "{:<18} {:>16} {:>14} {:>18}",
            "indicator",
            format!("{} bars M/s", report.n),
            "5000x250 ms",
            format!("same, {} threads", report.threads)
        );
        for m in &report.results {
            println!(
                "{:<18} {:>16.1} {:>14.2} {:>18.2}",
                m.spec,
                m.single_mvalues_per_second,
                m.market_seconds * 1e3,
                m.market_parallel_seconds * 1e3
            );
        }
    }
    Ok(())
}

/// The specs named by `--only` (all when none is), in table order.
fn chosen_specs(only: &[String]) -> Result<Vec<&'static str>, Failure> {
    if let Some(unknown) = only.iter().find(|o| !SPECS.contains(&o.as_str())) {
        return Err(Failure::usage(format!(
            "--only: `{unknown}` is not one of the benchmarked indicators: {}",
            SPECS.join("; ")
        )));
    }
    Ok(SPECS
        .iter()
        .copied()
        .filter(|spec| only.is_empty() || only.iter().any(|o| o == spec))
        .collect())
}

/// How long [`median_seconds`] calls its work untimed before timing it. One call is not
/// enough: the allocator grows its heaps (on every thread of a parallel measurement)
/// over the first calls, and the 5,000 × 250 SMA on two threads runs at its steady
/// speed only from about the sixth call (docs/BENCHMARKS.md); a server that scans again
/// and again runs in that steady state. `scripts/bench_talib.py` warms TA-Lib up for
/// as long.
const WARM_UP: Duration = Duration::from_millis(200);

/// The median wall time of `runs` calls of `work`, after calling it untimed for
/// [`WARM_UP`] (at least once).
pub fn median_seconds(runs: u32, mut work: impl FnMut()) -> f64 {
    let warming = Instant::now();
    loop {
        work();
        if warming.elapsed() >= WARM_UP {
            break;
        }
    }
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                work();
                start.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

pub fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

pub fn print_json(report: &impl Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(report).map_err(|e| Failure::runtime(e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// Writes `single_<field>.f64` and `market_<field>.f64` (series after series).
fn export(dir: &Path, single: &BarSeries, market: &[BarSeries]) -> std::io::Result<()> {
    write_f64(dir, "single", std::slice::from_ref(single))?;
    write_f64(dir, "market", market)
}

/// Writes `<prefix>_<field>.f64` for every price field: raw little-endian f64, the
/// series one after another, for the Python comparison scripts.
pub fn write_f64(dir: &Path, prefix: &str, series: &[BarSeries]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for field in PriceField::ALL {
        let bytes: Vec<u8> = series
            .iter()
            .flat_map(|s| s.field(field))
            .flat_map(|v| v.to_le_bytes())
            .collect();
        std::fs::write(dir.join(format!("{prefix}_{field}.f64")), bytes)?;
    }
    Ok(())
}
