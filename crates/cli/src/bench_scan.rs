//! `stockscanner bench scan`: a whole-market scan on a seeded synthetic universe
//! (default 10,000 symbols × 252 daily bars), timed two ways for two scans:
//!
//! - **cold**: from bars to the ranked answer at the latest bar, as `stockscanner scan`
//!   runs it;
//! - **streaming**: a [`MarketStream`] fed every bar but the last few, then updated
//!   with them in turn, each update carrying one new bar for every symbol; each update
//!   (and its answer) is timed on its own, and the median reported.
//!
//! `scripts/bench_scan.py` runs this with `--export`, computes the reference scan the
//! way a Python user would (TA-Lib per symbol in a loop) on the same arrays, checks it
//! matches the same symbols, and prints the table for docs/BENCHMARKS.md.

use crate::bench::{median, median_seconds, print_json, write_f64, MAX_BARS};
use crate::Failure;
use clap::Args;
use market::synthetic::random_walk;
use scan::eval::{At, MarketStream, Plan, ScanOutcome};
use scan::{lang, Bar, BarSeries};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct ScanBenchArgs {
    /// Symbols in the synthetic universe (symbols × bars: at most 100,000,000).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=MAX_BARS))]
    pub symbols: u64,
    /// Daily bars per symbol (at least 2: the streaming update takes the last one).
    #[arg(long, default_value_t = 252, value_parser = clap::value_parser!(u64).range(2..=MAX_BARS))]
    pub bars: u64,
    /// Timed runs per measurement; the median is reported (5 to 1,000).
    #[arg(long, default_value_t = 9, value_parser = clap::value_parser!(u32).range(5..=1000))]
    pub runs: u32,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also write the universe (`universe_<field>.f64`, raw little-endian f64, symbol
    /// after symbol) to this directory.
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
}

/// The scan from the product brief; `scripts/bench_scan.py` computes the same one.
pub const REFERENCE: &str = "rsi(14) < 30 and close > sma(200) and volume > 1.5 * sma(volume, 20)";

/// A heavier screen of twelve clauses over trend, momentum, volatility, volume and the
/// weekly timeframe, most of which a random walk passes, so little is short-circuited.
pub const HEAVY: &str = "close > sma(200) and sma(50) > sma(200) and ema(12) > ema(26) \
    and macd().hist > 0 and rsi(14) > 40 and rsi(14) < 80 and close < bbands(20).upper \
    and atr(14) / close < 0.05 and volume > 0.5 * sma(volume, 20) \
    and pct_change(close, 20) > 0 and close >= 0.85 * highest(high, 50) \
    and weekly(close) > weekly(sma(close, 10))";

#[derive(Serialize)]
struct Report {
    symbols: usize,
    bars: usize,
    /// Threads the scans ran on (rayon's pool; set RAYON_NUM_THREADS to change it).
    threads: usize,
    runs: u32,
    /// The seed of symbol i's random walk is `seed_base + i`; its name is `S` + i.
    seed_base: u64,
    scans: Vec<ScanMeasurement>,
}

#[derive(Serialize)]
struct ScanMeasurement {
    name: &'static str,
    scan: &'static str,
    /// Distinct sub-expressions per symbol.
    steps: usize,
    /// Median seconds for the cold scan at the latest bar.
    cold_seconds: f64,
    /// Median seconds for one streaming update of every symbol, answer included.
    stream_update_seconds: f64,
    as_of: Option<String>,
    matched: usize,
    skipped: usize,
    /// The matched symbols, in result order.
    matches: Vec<String>,
}

/// Symbol i's random-walk seed is `SEED_BASE + i`.
const SEED_BASE: u64 = 20_000;

pub fn symbol_name(index: usize) -> String {
    format!("S{index:05}")
}

pub fn run(args: ScanBenchArgs) -> Result<(), Failure> {
    if args.symbols * args.bars > MAX_BARS {
        return Err(Failure::usage(format!(
            "--symbols {} × --bars {} is {} bars; the benchmark generates at most {MAX_BARS}",
            args.symbols,
            args.bars,
            args.symbols * args.bars
        )));
    }
    // Both at most MAX_BARS.
    let (symbols, bars) = (args.symbols as usize, args.bars as usize);
    if bars <= args.runs as usize + 1 {
        return Err(Failure::usage(format!(
            "--bars must exceed --runs + 1 ({}): every timed streaming update takes one bar",
            args.runs + 1
        )));
    }
    let universe: Vec<BarSeries> = (0..symbols)
        .map(|i| random_walk(&symbol_name(i), SEED_BASE + i as u64, bars))
        .collect();
    if let Some(dir) = &args.export {
        write_f64(dir, "universe", &universe)
            .map_err(|e| Failure::runtime(format!("cannot export to {}: {e}", dir.display())))?;
    }
    // One untimed update to warm up, then the timed ones.
    let (history, updates) = split_tail(&universe, args.runs as usize + 1);
    let mut scans = Vec::new();
    for (name, text) in [("reference", REFERENCE), ("heavy", HEAVY)] {
        let checked =
            lang::compile(text).map_err(|d| Failure::runtime(lang::render_all(&d, text)))?;
        let plan = Plan::new(&checked);
        let outcome = plan.scan(&universe, At::Latest);
        let cold_seconds = median_seconds(args.runs, || {
            std::hint::black_box(plan.scan(&universe, At::Latest));
        });
        let (stream_update_seconds, streamed) = time_updates(&plan, &history, &updates)?;
        if streamed != outcome {
            return Err(Failure::runtime(format!(
                "{name}: the streaming updates' answer differs from the cold scan's"
            )));
        }
        scans.push(ScanMeasurement {
            name,
            scan: text,
            steps: plan.step_count(),
            cold_seconds,
            stream_update_seconds,
            as_of: outcome.as_of.map(|t| t.to_string()),
            matched: outcome.matched,
            skipped: outcome.skipped,
            matches: matched_symbols(&outcome),
        });
    }
    let report = Report {
        symbols,
        bars,
        threads: rayon::current_num_threads(),
        runs: args.runs,
        seed_base: SEED_BASE,
        scans,
    };
    if args.json {
        return print_json(&report);
    }
    println!(
        "{} symbols x {} bars, {} threads, median of {} runs",
        report.symbols, report.bars, report.threads, report.runs
    );
    println!(
        "{:<10} {:>6} {:>8} {:>10} {:>18}",
        "scan", "steps", "matched", "cold ms", "stream update ms"
    );
    for m in &report.scans {
        println!(
            "{:<10} {:>6} {:>8} {:>10.2} {:>18.3}",
            m.name,
            m.steps,
            m.matched,
            m.cold_seconds * 1e3,
            m.stream_update_seconds * 1e3
        );
    }
    Ok(())
}

/// Feeds `history` to a fresh stream, then each update in turn, as a live market feeds
/// it: the first update warms caches, the others are timed one by one (only the
/// update, which includes answering the scan). Returns the median and the last answer.
fn time_updates(
    plan: &Plan,
    history: &[BarSeries],
    updates: &[Vec<Option<Bar>>],
) -> Result<(f64, ScanOutcome), Failure> {
    let mut stream = MarketStream::new(plan.clone(), history);
    let mut times = Vec::with_capacity(updates.len());
    let mut last = ScanOutcome::default();
    for bars in updates {
        let start = Instant::now();
        let outcome = stream.update(bars);
        times.push(start.elapsed().as_secs_f64());
        last = outcome.map_err(|e| Failure::runtime(e.to_string()))?;
    }
    Ok((median(times[1..].to_vec()), last))
}

/// Every series without its last `k` bars, and those bars: `updates[j][i]` is the
/// j-th of them for symbol i.
fn split_tail(universe: &[BarSeries], k: usize) -> (Vec<BarSeries>, Vec<Vec<Option<Bar>>>) {
    let history = universe
        .iter()
        .map(|series| {
            let bars = (0..series.len() - k)
                .filter_map(|i| series.bar(i))
                .collect();
            BarSeries::from_bars(series.symbol(), bars).expect("a prefix of valid bars is valid")
        })
        .collect();
    let updates = (0..k)
        .map(|j| {
            universe
                .iter()
                .map(|series| series.bar(series.len() - k + j))
                .collect()
        })
        .collect();
    (history, updates)
}

fn matched_symbols(outcome: &ScanOutcome) -> Vec<String> {
    outcome.matches.iter().map(|m| m.symbol.clone()).collect()
}
