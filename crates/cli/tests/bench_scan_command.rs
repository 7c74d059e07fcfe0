//! `stockscanner bench scan`: the JSON report's fields, the exported universe, and the
//! matches it reports, checked against the engine on a regenerated universe and, for
//! the reference scan, against indicators computed directly on the exported arrays (as
//! scripts/bench_scan.py does with TA-Lib). No timing is asserted.

mod support;

use market::synthetic::random_walk;
use scan::eval::{At, Plan};
use scan::{indicators, lang, BarSeries};
use serde_json::Value;
use std::process::Command;
use support::{text, TempDir};

const SYMBOLS: usize = 50;
const BARS: usize = 300;

fn read_f64(dir: &TempDir, name: &str) -> Vec<f64> {
    let bytes = std::fs::read(dir.0.join(name)).unwrap();
    bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

/// The reference scan written out by hand on one symbol's arrays.
fn reference_matches(close: &[f64], volume: &[f64]) -> bool {
    let last = close.len() - 1;
    let rsi = indicators::rsi(close, 14).unwrap()[last];
    let sma = indicators::sma(close, 200).unwrap()[last];
    let volume_avg = indicators::sma(volume, 20).unwrap()[last];
    rsi < 30.0 && close[last] > sma && volume[last] > 1.5 * volume_avg
}

#[test]
fn reports_timings_and_the_matches_the_engine_and_the_indicators_give() {
    let dir = TempDir::new("bench-scan");
    let output = Command::new(env!("CARGO_BIN_EXE_stockscanner"))
        .args("bench scan --symbols 50 --bars 300 --runs 5 --json".split(' '))
        .arg("--export")
        .arg(&dir.0)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["symbols"], SYMBOLS);
    assert_eq!(report["bars"], BARS);
    assert_eq!(report["runs"], 5);
    assert!(report["threads"].as_u64().unwrap() >= 1);
    let seed_base = report["seed_base"].as_u64().unwrap();

    // The exported arrays are the universe the report names.
    let universe: Vec<BarSeries> = (0..SYMBOLS)
        .map(|i| random_walk(&format!("S{i:05}"), seed_base + i as u64, BARS))
        .collect();
    let close = read_f64(&dir, "universe_close.f64");
    let volume = read_f64(&dir, "universe_volume.f64");
    assert_eq!(close.len(), SYMBOLS * BARS);
    let exported: Vec<f64> = universe.iter().flat_map(|s| s.close().to_vec()).collect();
    assert_eq!(close, exported);

    let scans = report["scans"].as_array().unwrap();
    assert_eq!(scans.len(), 2);
    let mut heavy_matched = 0;
    for entry in scans {
        let name = entry["name"].as_str().unwrap();
        for field in ["cold_seconds", "stream_update_seconds"] {
            let seconds = entry[field].as_f64().unwrap();
            assert!(seconds > 0.0 && seconds.is_finite(), "{name} {field}");
        }
        let matches: Vec<&str> = entry["matches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        assert_eq!(entry["matched"], matches.len());

        let text = entry["scan"].as_str().unwrap();
        let plan = Plan::new(&lang::compile(text).unwrap());
        let outcome = plan.scan(&universe, At::Latest);
        let engine: Vec<&str> = outcome.matches.iter().map(|m| m.symbol.as_str()).collect();
        assert_eq!(matches, engine, "{name}");

        match name {
            "reference" => {
                let by_hand: Vec<String> = (0..SYMBOLS)
                    .filter(|&i| {
                        let range = i * BARS..(i + 1) * BARS;
                        reference_matches(&close[range.clone()], &volume[range])
                    })
                    .map(|i| format!("S{i:05}"))
                    .collect();
                assert_eq!(matches, by_hand);
            }
            "heavy" => {
                assert!(text.matches(" and ").count() >= 7, "8 clauses or more");
                heavy_matched = matches.len();
            }
            other => panic!("unexpected scan {other}"),
        }
    }
    // Not a vacuous comparison: the heavy screen matches some of the 50 symbols.
    assert!(heavy_matched > 0);
}

/// Runs `stockscanner bench scan ARGS` expecting a usage error (exit 2); its stderr.
fn refused(args: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_stockscanner"))
        .args(format!("bench scan {args}").split(' '))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    text(&output.stderr)
}

#[test]
fn refuses_fewer_bars_than_timed_updates() {
    assert!(refused("--symbols 3 --bars 6 --runs 5").contains("--bars"));
}

#[test]
fn a_universe_larger_than_the_benchmark_allows_is_refused() {
    let stderr = refused("--symbols 1000000 --bars 1000 --runs 5");
    assert!(
        stderr.contains("--symbols 1000000 × --bars 1000 is 1000000000 bars"),
        "{stderr}"
    );
    assert!(refused("--bars 100000000000 --runs 5").contains("--bars"));
}
