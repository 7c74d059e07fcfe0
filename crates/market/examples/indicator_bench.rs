//! Times indicators on one long random walk, as `stockscanner bench indicators` does
//! for its single-series column, without building the whole command:
//! `cargo run --release -p market --example indicator_bench -- [BARS] [RUNS] [SPEC...]`.
//! Prints million bars per second (median of the runs, after one warm-up run), and
//! the milliseconds of one `compute_many` over the market shape (5,000 series × 250
//! bars) on one thread.

use market::synthetic::random_walk;
use scan::catalog::Indicator;
use std::time::Instant;

/// The allocator `stockscanner` uses (crates/cli/src/main.rs), so the figures match.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().map_or(1_000_000, |a| a.parse().expect("bars"));
    let runs: usize = args.get(1).map_or(9, |a| a.parse().expect("runs"));
    let specs: Vec<&str> = args.iter().skip(2).map(String::as_str).collect();
    let series = random_walk("BENCH", 1, n);
    let market: Vec<_> = (0..5_000)
        .map(|i| random_walk(&format!("S{i:04}"), 1_000 + i as u64, 250))
        .collect();
    let market: Vec<_> = market.iter().collect();
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread");
    for spec in specs {
        let indicator = Indicator::parse(spec).expect("indicator spec");
        let single = median_seconds(runs, || {
            std::hint::black_box(indicator.compute(&series));
        });
        let many = one_thread.install(|| {
            median_seconds(runs, || {
                std::hint::black_box(indicator.compute_many(&market));
            })
        });
        println!(
            "{spec:<18} {:8.1} M/s   market {:6.2} ms",
            n as f64 / single / 1e6,
            many * 1e3
        );
    }
}

fn median_seconds(runs: usize, mut work: impl FnMut()) -> f64 {
    work();
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}
