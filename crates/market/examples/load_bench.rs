//! Times loading a file or directory of CSV bar data.
//!
//! ```text
//! cargo run --release -p market --example load_bench -- [PATH] [RUNS]
//! ```
//!
//! PATH defaults to the shared dataset beside the repository
//! (`../shared/data/us-daily-2015-2020`); RUNS defaults to 10. Prints what was loaded
//! and the fastest and median wall time. The first run also warms the page cache, so the fastest run is
//! the parse cost, not the disk's.

use market::{load_path, LoadOptions};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/us-daily-2015-2020"
        ))
    });
    let runs: usize = match args.next().map(|r| r.parse()) {
        None => 10,
        Some(Ok(runs)) if runs > 0 => runs,
        Some(_) => {
            eprintln!("RUNS must be a positive whole number");
            std::process::exit(2);
        }
    };

    let options = LoadOptions::default();
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let report = match load_path(&path, &options, &|_, _| {}) {
            Ok(report) => report,
            Err(error) => {
                eprintln!("error: {error}");
                std::process::exit(1);
            }
        };
        times.push(start.elapsed());
        last = Some(report);
    }
    let Some(report) = last else { return };
    times.sort();
    println!(
        "{}: {} files, {} series, {} rows, {} bars, {} skipped rows, {} skipped files",
        path.display(),
        report.files,
        report.series.len(),
        report.rows,
        report.bars(),
        report.skipped_rows,
        report.skipped_files
    );
    for problem in &report.problems {
        println!("  {problem}");
    }
    println!(
        "{runs} runs on {} threads: fastest {:.1} ms, median {:.1} ms",
        rayon::current_num_threads(),
        times[0].as_secs_f64() * 1e3,
        times[times.len() / 2].as_secs_f64() * 1e3
    );
}
