//! Times streaming updates of a market alone, for profiling the update loop:
//! `cargo run --release -p market --example stream_bench -- [SYMBOLS] [UPDATES] [SCAN]`.
//! Prints the median and fastest update (milliseconds) after one warm-up update.

use market::synthetic::random_walk;
use scan::eval::{MarketStream, Plan};
use scan::{lang, Bar, BarSeries};
use std::time::Instant;

/// The allocator `stockscanner` uses (crates/cli/src/main.rs), so the figures match.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const REFERENCE: &str = "rsi(14) < 30 and close > sma(200) and volume > 1.5 * sma(volume, 20)";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let symbols: usize = args.first().map_or(10_000, |a| a.parse().expect("symbols"));
    let updates: usize = args.get(1).map_or(200, |a| a.parse().expect("updates"));
    let text = args.get(2).map_or(REFERENCE, String::as_str);
    let history_len = 251;
    let universe: Vec<BarSeries> = (0..symbols)
        .map(|i| {
            random_walk(
                &format!("S{i:05}"),
                20_000 + i as u64,
                history_len + updates + 1,
            )
        })
        .collect();
    let history: Vec<BarSeries> = universe
        .iter()
        .map(|s| {
            let bars = (0..history_len).filter_map(|i| s.bar(i)).collect();
            BarSeries::from_bars(s.symbol(), bars).expect("valid")
        })
        .collect();
    let batches: Vec<Vec<Option<Bar>>> = (0..=updates)
        .map(|j| universe.iter().map(|s| s.bar(history_len + j)).collect())
        .collect();
    let plan = Plan::new(&lang::compile(text).expect("scan compiles"));
    let mut stream = MarketStream::new(plan, &history);
    let mut times = Vec::new();
    for bars in &batches {
        let start = Instant::now();
        let outcome = stream.update(bars).expect("valid bars");
        times.push(start.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(outcome);
    }
    let mut timed = times[1..].to_vec();
    timed.sort_by(f64::total_cmp);
    println!(
        "threads {} median {:.3} ms fastest {:.3} ms p90 {:.3} ms",
        rayon::current_num_threads(),
        timed[timed.len() / 2],
        timed[0],
        timed[timed.len() * 9 / 10]
    );
}
