//! `stockscanner import` and `stockscanner migrate`: the commands that write to the
//! service's database.

use crate::data::{self, DataArgs};
use crate::service::{load_config, open_database, runtime};
use crate::Failure;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use server::market::store;
use server::market::universe::Listing;
use std::time::Instant;

#[derive(Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub data: DataArgs,
}

pub fn migrate() -> Result<(), Failure> {
    let config = load_config(None)?;
    runtime()?.block_on(async {
        open_database(&config).await?;
        println!("database schema is up to date");
        Ok(())
    })
}

pub fn import(args: ImportArgs) -> Result<(), Failure> {
    let config = load_config(None)?;
    let started = Instant::now();
    let report = data::load(&args.data)?;
    if report.series.is_empty() {
        return Err(Failure::runtime(format!(
            "no bars found in {}; nothing imported",
            args.data.data.display()
        )));
    }
    let entries: Vec<(Listing, &scan::BarSeries)> = report
        .series
        .iter()
        .map(|series| {
            let listing = Listing {
                symbol: series.symbol().to_string(),
                name: None,
                sector: None,
            };
            (listing, series)
        })
        .collect();
    let total_bars: usize = report.series.iter().map(|s| s.len()).sum();
    let bar = ProgressBar::new(total_bars as u64).with_style(
        ProgressStyle::with_template("{spinner} writing {pos}/{len} bars {wide_bar} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let summary = runtime()?.block_on(async {
        let db = open_database(&config).await?;
        store::import(
            &db,
            entries.iter().map(|(listing, series)| (listing, *series)),
            |bars| bar.inc(bars as u64),
        )
        .await
        .map_err(|e| Failure::runtime(e.to_string()))
    })?;
    bar.finish_and_clear();
    println!(
        "imported {} symbols and {} bars from {} file(s) in {:.1} s; {} bad row(s) skipped",
        summary.symbols,
        summary.bars,
        report.files,
        started.elapsed().as_secs_f64(),
        report.skipped_rows,
    );
    if summary.demo_symbols_removed > 0 {
        println!(
            "the demo universe ({} symbols) was replaced; restart the server to load the new data",
            summary.demo_symbols_removed
        );
    }
    Ok(())
}
