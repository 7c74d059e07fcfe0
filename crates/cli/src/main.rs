//! `stockscanner`: the command line. Argument parsing and wiring only; the work is done
//! by the engine (`scan`) and market-data (`market`) crates.

/// A market-wide computation allocates thousands of columns of one size (5,000 series ×
/// 250 bars), often on one thread and freed on another. mimalloc serves them from
/// per-thread free lists, where glibc takes its slow path for blocks over 1 KiB and
/// locks the other thread's arena to free them (measured in docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod admin;
mod backtest;
mod bench;
mod bench_scan;
mod data;
mod email;
mod import;
mod indicator;
mod output;
mod scan;
mod service;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "stockscanner",
    version,
    about = "Stock Scanner: scan, backtest and alert on market data"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scan over the market: the symbols it matches at one date.
    Scan(scan::ScanArgs),
    /// Test a scan on history: its past matches and the returns that followed.
    Backtest(backtest::BacktestArgs),
    /// Print an indicator's values for one symbol (or all) as CSV.
    Indicator(indicator::IndicatorArgs),
    /// Measure performance.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Run the web service: API, web UI and background jobs.
    Serve(service::ServeArgs),
    /// Load CSV bars into the service's database (replaces the demo universe).
    Import(import::ImportArgs),
    /// Bring the database schema up to date.
    Migrate,
    /// Operator switches: maintenance mode.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Inspect the service's configuration.
    #[command(subcommand)]
    Config(service::ConfigCommand),
    /// Email: preview a template with sample data, start a monthly report by hand.
    #[command(subcommand)]
    Email(email::EmailCommand),
}

/// A failure to report to the user; `usage` ones exit with status 2.
pub struct Failure {
    pub message: String,
    pub usage: bool,
}

impl Failure {
    pub fn runtime(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            usage: false,
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            usage: true,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Backtest(args) => backtest::run(args),
        Command::Indicator(args) => indicator::run(args),
        Command::Bench(command) => bench::run(command),
        Command::Serve(args) => service::serve(args),
        Command::Config(command) => service::config(command),
        Command::Import(args) => import::import(args),
        Command::Migrate => import::migrate(),
        Command::Admin(command) => admin::run(command),
        Command::Email(command) => email::run(command),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let message = failure.message.trim_end();
            if message.starts_with("error") {
                eprintln!("{message}");
            } else {
                eprintln!("error: {message}");
            }
            ExitCode::from(if failure.usage { 2 } else { 1 })
        }
    }
}
