//! Times `Indicator::compute_many` over the market shape (5,000 random walks × 250
//! bars) call by call, to see where a call's time goes:
//! `cargo run --release -p market --example market_calls -- THREADS CALLS [--outside]
//! [--each] [--by-field] [--part all|compute|free|read|move|stream] [--series N] SPEC...`.
//!
//! The calls run on rayon's global pool of `THREADS` threads. With `--outside` they
//! come from the main thread, outside the pool (as `stockscanner bench indicators`
//! makes its two-thread calls); without, from one of the pool's threads.
//! `--part compute` times the call alone, `--part free` the freeing of its result
//! alone, `all` (the default) both. `--part read` computes nothing: it times reading
//! every input column the indicator takes, over all series on the same threads, the
//! floor that bringing the inputs from memory sets for a call. `--part move` adds the
//! outputs: it also writes as many values as the indicator gives into a new block per
//! series, as a call does; `--part stream` writes them with non-temporal stores, as the
//! lane kernels write a market larger than the last-level cache. The faster of the two
//! is the memory traffic every call causes, computing nothing (a call allocates its
//! blocks differently, so it can come out a little faster than this). `--series N`
//! takes `N` series instead of 5,000 (fewer fit in the caches). `--by-field` lays the
//! market out as `stockscanner bench indicators` does (`scan::series::lay_out_by_field`);
//! without it, each series' columns lie side by side, as generated. There is no warm-up:
//! `--each` prints every call's time in order, the first ones included; the summary
//! line is the median and the fastest call.

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
    Move,
    Stream,
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
    let by_field = flag("--by-field");
    let count: usize =
        option(&mut args, "--series").map_or(5_000, |n| n.parse().expect("--series N"));
    let part = match option(&mut args, "--part").as_deref() {
        None | Some("all") => Part::All,
        Some("compute") => Part::Compute,
        Some("free") => Part::Free,
        Some("read") => Part::Read,
        Some("move") => Part::Move,
        Some("stream") => Part::Stream,
        Some(other) => panic!("--part all|compute|free|read|move|stream, got `{other}`"),
    };
    let threads: usize = args.first().map_or(2, |a| a.parse().expect("THREADS"));
    let calls: usize = args.get(1).map_or(41, |a| a.parse().expect("CALLS"));
    let mut market: Vec<_> = (0..count)
        .map(|i| random_walk(&format!("S{i:04}"), 1_000 + i as u64, 250))
        .collect();
    if by_field {
        scan::series::lay_out_by_field(&mut market);
    }
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
    if let Part::Move | Part::Stream = part {
        let blocks = std::hint::black_box(move_data(indicator, market, part == Part::Stream));
        let moved = start.elapsed();
        drop(blocks);
        return moved;
    }
    let result = std::hint::black_box(indicator.compute_many(market));
    let computed = start.elapsed();
    drop(result);
    let total = start.elapsed();
    match part {
        Part::All | Part::Read | Part::Move | Part::Stream => total,
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

/// Per series, in parallel as [`read_inputs`]: reads every input column `indicator`
/// takes, and writes their sum per bar once for each of its output columns into one new
/// block, as a call's result is laid out. The sum is built in a small buffer, which
/// stays in the level-1 cache, and is copied out, through [`stream`] if `streaming`.
/// Nothing else is computed: this is the memory traffic a call cannot avoid, and
/// allocations like a call's.
fn move_data(indicator: &Indicator, market: &[&scan::BarSeries], streaming: bool) -> Vec<Vec<f64>> {
    use rayon::prelude::*;
    let outputs = indicator.outputs().len();
    market
        .par_iter()
        .with_min_len(16)
        .map_init(Vec::new, |sums: &mut Vec<f64>, series| {
            sums.clear();
            sums.resize(series.len(), 0.0);
            for &field in indicator.inputs() {
                for (sum, value) in sums.iter_mut().zip(series.field(field)) {
                    *sum += value;
                }
            }
            let values = outputs * sums.len();
            let mut block = Vec::with_capacity(values);
            let room = &mut block.spare_capacity_mut()[..values];
            for column in room.chunks_exact_mut(sums.len().max(1)) {
                if streaming {
                    stream(sums, column);
                } else {
                    for (slot, &sum) in column.iter_mut().zip(sums.iter()) {
                        slot.write(sum);
                    }
                }
            }
            if streaming {
                stream_fence();
            }
            // SAFETY: the loop wrote all `outputs` columns of `sums.len()` values.
            unsafe { block.set_len(values) };
            block
        })
        .collect()
}

/// Writes `values` into `to` (as long), with non-temporal stores for the 16-byte pairs
/// that start on a 16-byte boundary: the lines go to memory without being read first.
fn stream(values: &[f64], to: &mut [std::mem::MaybeUninit<f64>]) {
    let head = to.as_ptr().align_offset(16).min(to.len());
    #[cfg(target_arch = "x86_64")]
    let pairs = (to.len() - head) / 2;
    #[cfg(not(target_arch = "x86_64"))]
    let pairs = 0;
    for (slot, &value) in to[..head].iter_mut().zip(values) {
        slot.write(value);
    }
    #[cfg(target_arch = "x86_64")]
    for p in 0..pairs {
        use std::arch::x86_64::{_mm_loadu_pd, _mm_stream_pd};
        let at = head + 2 * p;
        // SAFETY: SSE2 is part of x86_64; `at + 1 < to.len() == values.len()`, and
        // `to[at]` lies on a 16-byte boundary (`head` reached one, pairs keep it).
        unsafe {
            let pair = _mm_loadu_pd(values.as_ptr().add(at));
            _mm_stream_pd(to.as_mut_ptr().add(at).cast(), pair);
        }
    }
    let rest = head + 2 * pairs;
    for (slot, &value) in to[rest..].iter_mut().zip(&values[rest..]) {
        slot.write(value);
    }
}

/// Makes this thread's [`stream`]ed values visible to the others.
fn stream_fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of x86_64.
    unsafe {
        std::arch::x86_64::_mm_sfence()
    };
}

/// Removes `name VALUE` from `args`, returning the value.
fn option(args: &mut Vec<String>, name: &str) -> Option<String> {
    let at = args.iter().position(|a| a == name)?;
    let value = args.get(at + 1).cloned().unwrap_or_default();
    args.drain(at..(at + 2).min(args.len()));
    Some(value)
}
