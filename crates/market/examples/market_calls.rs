//! Times `Indicator::compute_many` over the market shape (5,000 random walks × 250
//! bars) call by call, to see where a call's time goes:
//! `cargo run --release -p market --example market_calls -- THREADS CALLS [--outside]
//! [--each] [--part all|compute|free] [--series N] SPEC...`.
//!
//! The calls run on rayon's global pool of `THREADS` threads. With `--outside` they
//! come from the main thread, outside the pool (as `stockscanner bench indicators`
//! makes its two-thread calls); without, from one of the pool's threads.
//! `--part compute` times the call alone, `--part free` the freeing of its result
//! alone, `all` (the default) both. `--part read` computes nothing: it times reading
//! every input column the indicator takes, over all series on the same threads, the
//! floor that bringing the inputs from memory sets for a call. `--series N` takes `N`
//! series instead of 5,000 (fewer fit in the caches). There is no warm-up: `--each`
//! prints every call's time in order, the first ones included; the summary line is the
//! median and the fastest call.

mod common;

use common::sum;
use market::synthetic::random_walk;
use scan::catalog::Indicator;
use std::time::{Duration, Instant};

/// The allocator `stockscanner` uses (crates/cli/src/main.rs), so the figures match.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Clone, Copy, PartialEq)]
enum Part {
    All,
    Compute,
    Free,
    Read,
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut flag = |name: &str| match args.iter().position(|a| a == name) {
        Some(at) => {
            args.remove(at);
            true
        }
        None => false,
    };
    let outside = flag("--outside");
    let each = flag("--each");
    let count: usize =
        option(&mut args, "--series").map_or(5_000, |n| n.parse().expect("--series N"));
    let part = match option(&mut args, "--part").as_deref() {
        None | Some("all") => Part::All,
        Some("compute") => Part::Compute,
        Some("free") => Part::Free,
        Some("read") => Part::Read,
        Some(other) => panic!("--part all|compute|free|read, got `{other}`"),
    };
    let threads: usize = args.first().map_or(2, |a| a.parse().expect("THREADS"));
    let calls: usize = args.get(1).map_or(41, |a| a.parse().expect("CALLS"));
    let market: Vec<_> = (0..count)
        .map(|i| random_walk(&format!("S{i:04}"), 1_000 + i as u64, 250))
        .collect();
    let market: Vec<_> = market.iter().collect();
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .expect("the global thread pool");
    for spec in args.iter().skip(2) {
        let indicator = Indicator::parse(spec).expect("indicator spec");
        let time_calls = || -> Vec<f64> {
            (0..calls)
                .map(|_| time_call(&indicator, &market, part).as_secs_f64() * 1e3)
                .collect()
        };
        let mut times = if outside {
            time_calls()
        } else {
            // `scope` runs its body on one of the pool's threads.
            rayon::scope(|_| time_calls())
        };
        if each {
            let shown: Vec<String> = times.iter().map(|t| format!("{t:.2}")).collect();
            println!("{spec}: {}", shown.join(" "));
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{spec}: median {:.3} ms, fastest {:.3} ms",
            times[times.len() / 2],
            times[0]
        );
    }
}

/// One call's time, or the part of it `part` selects.
fn time_call(indicator: &Indicator, market: &[&scan::BarSeries], part: Part) -> Duration {
    let start = Instant::now();
    if part == Part::Read {
        std::hint::black_box(read_inputs(indicator, market));
        return start.elapsed();
    }
    let result = std::hint::black_box(indicator.compute_many(market));
    let computed = start.elapsed();
    drop(result);
    let total = start.elapsed();
    match part {
        Part::All | Part::Read => total,
        Part::Compute => computed,
        Part::Free => total - computed,
    }
}

/// The sum of every value in the input columns `indicator` reads, over all series in
/// parallel (each series on one thread, as `compute_many`'s groups are): a pass whose
/// arithmetic is far cheaper than its loads.
fn read_inputs(indicator: &Indicator, market: &[&scan::BarSeries]) -> f64 {
    use rayon::prelude::*;
    market
        .par_iter()
        .with_min_len(16)
        .map(|series| {
            indicator
                .inputs()
                .iter()
                .map(|&field| sum(series.field(field)))
                .sum::<f64>()
        })
        .sum()
}

/// Removes `name VALUE` from `args`, returning the value.
fn option(args: &mut Vec<String>, name: &str) -> Option<String> {
    let at = args.iter().position(|a| a == name)?;
    let value = args.get(at + 1).cloned().unwrap_or_default();
    args.drain(at..(at + 2).min(args.len()));
    Some(value)
}
