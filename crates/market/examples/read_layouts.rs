//! Times reading the market shape's high, low and close (5,000 series × 250 bars, 30 MB)
//! from four memory layouts, to see how much of a market call's read floor
//! (`market_calls --part read`) is the layout's:
//! `cargo run --release -p market --example read_layouts -- THREADS [--series N]`.
//!
//! - `series`: the market as the engine holds it, one `BarSeries` per symbol built bar by
//!   bar, each column its own allocation;
//! - `field-major`: one buffer per field, every series' column after the previous one's,
//!   read series after series (each field one long, gapless stream);
//! - `series-major`: one buffer, each series' high, low and close together, series after
//!   series (one long stream);
//! - `field-major-gapped`: as `field-major` with 64 bytes left between columns;
//! - `field-major-scrambled`: the field-major buffers read in a scrambled series order
//!   (the same bytes as `field-major`, in 2 KB pieces at scattered addresses).
//!
//! The `…, four in step` lines read four neighbouring series at once, bar by bar, as the
//! lane kernels' input transposes do, from the engine's series and from `field-major`;
//! the `…, four apart in step` lines read four series a quarter of the market apart, as
//! `Indicator::compute_many` groups them (so that each lane's columns, group after
//! group, follow one another in `field-major`).
//!
//! Each line is the median and fastest of 41 passes over all series, split among
//! `THREADS` threads of rayon's global pool in runs of at least 16 series.

mod common;

use common::sum;
use market::synthetic::random_walk;
use rayon::prelude::*;
use scan::{BarSeries, PriceField};
use std::time::Instant;

/// The allocator `stockscanner` uses (crates/cli/src/main.rs), so the figures match.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BARS: usize = 250;
const PASSES: usize = 41;
/// Values (64 bytes) left between columns in the `field-major-gapped` layout.
const GAP: usize = 8;
const FIELDS: [PriceField; 3] = [PriceField::High, PriceField::Low, PriceField::Close];

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let series_count = match args.iter().position(|a| a == "--series") {
        Some(at) => {
            let count = args.get(at + 1).and_then(|v| v.parse().ok()).unwrap_or(0);
            args.drain(at..(at + 2).min(args.len()));
            count
        }
        None => 5_000,
    };
    let threads: usize = args.first().and_then(|v| v.parse().ok()).unwrap_or(0);
    if threads == 0 || series_count == 0 || args.len() != 1 {
        eprintln!("usage: read_layouts THREADS [--series N]");
        std::process::exit(2);
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .expect("the thread pool starts");

    let market: Vec<BarSeries> = (0..series_count)
        .map(|i| random_walk(&format!("S{i:04}"), 1_000 + i as u64, BARS))
        .collect();
    let field_major = field_buffers(&market, 0);
    let gapped = field_buffers(&market, GAP);
    let series_major: Vec<f64> = market
        .iter()
        .flat_map(|s| FIELDS.iter().flat_map(|&field| s.field(field)))
        .copied()
        .collect();
    // A step coprime with the count visits every series once, each far from the last.
    let step = (series_count * 2 / 5..series_count)
        .find(|&m| gcd(m, series_count) == 1)
        .unwrap_or(1);
    let scrambled: Vec<usize> = (0..series_count)
        .map(|i| (i * step) % series_count)
        .collect();

    println!("{series_count} series × {BARS} bars, high/low/close, {threads} threads");
    report("series", series_count, |i| {
        FIELDS.iter().map(|&f| sum(market[i].field(f))).sum()
    });
    report("field-major", series_count, |i| {
        field_major.iter().map(|b| sum(column(b, i))).sum()
    });
    report("field-major-gapped", series_count, |i| {
        let at = i * (BARS + GAP);
        gapped.iter().map(|b| sum(&b[at..at + BARS])).sum()
    });
    report("series-major", series_count, |i| {
        sum(&series_major[i * 3 * BARS..(i + 1) * 3 * BARS])
    });
    report("field-major-scrambled", series_count, |i| {
        field_major
            .iter()
            .map(|b| sum(column(b, scrambled[i])))
            .sum()
    });
    let groups = series_count / 4;
    report("series, four in step", groups, |g| {
        FIELDS
            .iter()
            .map(|&f| in_step(std::array::from_fn(|k| market[4 * g + k].field(f))))
            .sum()
    });
    report("field-major, four in step", groups, |g| {
        field_major
            .iter()
            .map(|b| in_step(std::array::from_fn(|k| column(b, 4 * g + k))))
            .sum()
    });
    report("series, four apart in step", groups, |g| {
        FIELDS
            .iter()
            .map(|&f| in_step(std::array::from_fn(|k| market[g + k * groups].field(f))))
            .sum()
    });
    report("field-major, four apart in step", groups, |g| {
        field_major
            .iter()
            .map(|b| in_step(std::array::from_fn(|k| column(b, g + k * groups))))
            .sum()
    });
}

/// One buffer per field holding every series' column in order, `gap` zeros after each.
fn field_buffers(market: &[BarSeries], gap: usize) -> Vec<Vec<f64>> {
    FIELDS
        .iter()
        .map(|&field| {
            market
                .iter()
                .flat_map(|s| {
                    s.field(field)
                        .iter()
                        .copied()
                        .chain(std::iter::repeat_n(0.0, gap))
                })
                .collect()
        })
        .collect()
}

/// Reads four columns of equal length together, four values of each at a time.
fn in_step(columns: [&[f64]; 4]) -> f64 {
    let mut sums = [[0.0f64; 4]; 4];
    for t in (0..BARS - BARS % 4).step_by(4) {
        for (sum, column) in sums.iter_mut().zip(columns) {
            for (s, v) in sum.iter_mut().zip(&column[t..t + 4]) {
                *s += v;
            }
        }
    }
    let rest: f64 = columns.iter().flat_map(|c| &c[BARS - BARS % 4..]).sum();
    sums.iter().flatten().sum::<f64>() + rest
}

/// Times passes reading every series with `read`, printing the median and the fastest.
fn report(layout: &str, series_count: usize, read: impl Fn(usize) -> f64 + Sync) {
    let mut times: Vec<f64> = (0..PASSES)
        .map(|_| {
            let start = Instant::now();
            let total: f64 = (0..series_count)
                .into_par_iter()
                .with_min_len(16)
                .map(&read)
                .sum();
            std::hint::black_box(total);
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "{layout:<22} median {:.3} ms, fastest {:.3} ms",
        times[PASSES / 2],
        times[0]
    );
}

/// Series `i`'s column in a field-major buffer.
fn column(buffer: &[f64], i: usize) -> &[f64] {
    &buffer[i * BARS..(i + 1) * BARS]
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}
