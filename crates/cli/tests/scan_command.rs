//! `stockscanner scan` and `stockscanner backtest` end to end on small hand-made data
//! whose answers are worked out here.

mod support;

use serde_json::Value;
use std::path::Path;
use support::{stockscanner, text, TempDir};

/// Closes of a symbol on consecutive trading days from Thursday 2020-01-02 (the 4th and
/// 5th are a weekend); open = close − 0.5, high/low around them.
fn csv(closes: &[f64]) -> String {
    const DAYS: [&str; 8] = [
        "2020-01-02",
        "2020-01-03",
        "2020-01-06",
        "2020-01-07",
        "2020-01-08",
        "2020-01-09",
        "2020-01-10",
        "2020-01-13",
    ];
    let mut text = String::from("Date,Open,High,Low,Close,Volume\n");
    for (day, close) in DAYS.iter().zip(closes) {
        let (open, high, low) = (close - 0.5, close + 1.0, close - 1.0);
        text += &format!("{day},{open},{high},{low},{close},1000\n");
    }
    text
}

/// AAA rises every day, BBB falls, CCC rises but has 3 bars only, DDD stops early.
fn universe(dir: &TempDir) -> &Path {
    dir.file("AAA.csv", &csv(&[10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0]));
    dir.file("BBB.csv", &csv(&[20.0, 19.0, 18.0, 17.0, 16.0, 15.0, 14.0]));
    dir.file("CCC.csv", &csv(&[5.0, 5.5, 6.0]));
    dir.file("DDD.csv", &csv(&[30.0, 31.0, 32.0, 33.0]));
    &dir.0
}

fn json(stdout: &[u8]) -> Value {
    serde_json::from_slice(stdout).unwrap_or_else(|e| panic!("{e}: {}", text(stdout)))
}

fn symbols(result: &Value) -> Vec<&str> {
    result["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["symbol"].as_str().unwrap())
        .collect()
}

#[test]
fn json_result_has_matches_values_and_skipped_counts() {
    let dir = TempDir::new("scan-json");
    let data = universe(&dir);
    let scan = "close > close[1] and sma(5) > 0\nshow change(close, 2) as move, close > 12 as high";
    let out = stockscanner(&["scan", scan, "--format", "json"], data);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let result = json(&out.stdout);
    assert_eq!(result["as_of"], "2020-01-10");
    // CCC has 3 bars and DDD ends on the 7th: neither has a bar on the 10th.
    assert_eq!(result["without_bar"], 2);
    assert_eq!(result["evaluated"], 2);
    assert_eq!(result["skipped"], 0);
    assert_eq!(symbols(&result), ["AAA"]);
    let m = &result["matches"][0];
    assert_eq!(m["date"], "2020-01-10");
    assert_eq!(m["values"]["close"], 16.0);
    assert_eq!(m["values"]["move"], 2.0);
    assert_eq!(m["values"]["high"], true);
}

#[test]
fn symbols_without_enough_history_are_counted_as_skipped() {
    let dir = TempDir::new("scan-skipped");
    let data = universe(&dir);
    // On the 6th, CCC has 3 bars (not enough for sma(4)); AAA, BBB and DDD have 3 too.
    let out = stockscanner(
        &[
            "scan",
            "close > sma(3)",
            "--at",
            "2020-01-06",
            "--format",
            "json",
        ],
        data,
    );
    let result = json(&out.stdout);
    assert_eq!(result["as_of"], "2020-01-06");
    assert_eq!(symbols(&result), ["AAA", "CCC", "DDD"]);
    assert_eq!(result["skipped"], 0);

    let out = stockscanner(
        &[
            "scan",
            "close > sma(4)",
            "--at",
            "2020-01-06",
            "--format",
            "json",
        ],
        data,
    );
    let result = json(&out.stdout);
    assert_eq!(symbols(&result), Vec::<&str>::new());
    assert_eq!(result["skipped"], 4);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("0 of 4 symbols matched as of 2020-01-06; 4 skipped: not enough history"),
        "{stderr}"
    );
}

#[test]
fn a_weekend_date_answers_at_the_friday_before_with_only_earlier_bars() {
    let dir = TempDir::new("scan-at");
    let data = universe(&dir);
    let out = stockscanner(
        &["scan", "close > 0", "--at", "2020-01-05", "--format", "csv"],
        data,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "symbol,date,close\nAAA,2020-01-03,11\nBBB,2020-01-03,19\nCCC,2020-01-03,5.5\nDDD,2020-01-03,31\n"
    );
}

#[test]
fn ranking_orders_by_the_rank_then_by_symbol_and_limit_cuts() {
    let dir = TempDir::new("scan-rank");
    let data = universe(&dir);
    let at = ["--at", "2020-01-07", "--format", "csv"];
    // Closes on the 7th: AAA 13, BBB 17, DDD 33; CCC has no bar.
    let run = |scan: &str| {
        let out = stockscanner(&[&["scan", scan][..], &at[..]].concat(), data);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(run("close > 0 rank by close"), ["DDD", "BBB", "AAA"]);
    assert_eq!(run("close > 0 rank by close asc"), ["AAA", "BBB", "DDD"]);
    // Equal ranks fall back to the symbol.
    assert_eq!(run("close > 0 rank by 1"), ["AAA", "BBB", "DDD"]);
    assert_eq!(run("close > 0 rank by close limit 2"), ["DDD", "BBB"]);
}

#[test]
fn the_scan_can_come_from_a_file_and_errors_come_before_loading() {
    let dir = TempDir::new("scan-file");
    let data = universe(&dir);
    let file = dir.file("oversold.scan", "# rising\nclose > close[1]\n");
    let path = file.to_str().unwrap();
    let out = stockscanner(&["scan", "--file", path, "--format", "csv"], data);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "symbol,date,close\nAAA,2020-01-10,16\n");

    let bad = dir.file("bad.scan", "close > sma(0)\nand rsi(14) <\n");
    let out = stockscanner(
        &["scan", "--file", bad.to_str().unwrap()],
        Path::new("/nonexistent"),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("bad.scan"), "{stderr}");
    assert!(stderr.contains("-->"), "{stderr}");
    assert!(
        !stderr.contains("/nonexistent"),
        "loaded data first: {stderr}"
    );

    let out = stockscanner(&["scan", "close > 1 show close as close"], data);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("`close` is already a result column"));
}

#[test]
fn the_table_lists_matches_and_says_what_was_left_out() {
    let dir = TempDir::new("scan-table");
    let data = universe(&dir);
    let out = stockscanner(&["scan", "close > 15 show sma(2) as avg"], data);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "symbol  date        close    avg\n\
         ------  ----------  -----  -----\n\
         AAA     2020-01-10     16  15.50\n\
         \n\
         1 of 2 symbols matched as of 2020-01-10; 2 without a bar on 2020-01-10\n"
    );
}

#[test]
fn backtest_reports_each_signal_its_forward_returns_and_the_universe_baseline() {
    let dir = TempDir::new("backtest");
    let data = universe(&dir);
    let out = stockscanner(
        &[
            "backtest",
            "close > close[1] and close > 12",
            "--horizons",
            "1,2",
            "--to",
            "2020-01-08",
            "--format",
            "json",
        ],
        data,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let result = json(&out.stdout);
    let signals: Vec<(&str, &str)> = result["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["symbol"].as_str().unwrap(), s["date"].as_str().unwrap()))
        .collect();
    // AAA rises past 12 on the 7th; DDD (30, 31, 32, 33) rises every day from the 3rd.
    assert_eq!(
        signals,
        [
            ("DDD", "2020-01-03"),
            ("DDD", "2020-01-06"),
            ("AAA", "2020-01-07"),
            ("DDD", "2020-01-07"),
            ("AAA", "2020-01-08"),
        ]
    );
    let ret = |now: f64, later: f64| (later / now - 1.0) * 100.0;
    let first = &result["signals"][0]["forward_returns"];
    assert_eq!(first["1"], ret(31.0, 32.0));
    assert_eq!(first["2"], ret(31.0, 33.0));
    // DDD's data ends on the 7th: no forward return from it.
    assert_eq!(result["signals"][3]["forward_returns"]["1"], Value::Null);

    let h1 = &result["summary"][0];
    assert_eq!(h1["horizon"], 1);
    let returns = [
        ret(31.0, 32.0),
        ret(32.0, 33.0),
        ret(13.0, 14.0),
        ret(14.0, 15.0),
    ];
    assert_eq!(h1["signals"]["count"], 4);
    assert_eq!(h1["signals"]["hit_rate"], 1.0);
    let mean = returns.iter().sum::<f64>() / 4.0;
    assert!((h1["signals"]["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    // The two middle ones of the four: 32→33 (3.1%) < 31→32 (3.2%) < 14→15 < 13→14.
    let median = (ret(31.0, 32.0) + ret(14.0, 15.0)) / 2.0;
    assert_eq!(h1["signals"]["median"], median);
    // The universe on the signal dates (3rd, 6th, 7th, 8th) with a next bar: AAA and
    // BBB on all four, CCC on the 3rd, DDD on the 3rd and the 6th.
    assert_eq!(h1["universe"]["count"], 4 + 4 + 1 + 2);
    assert_eq!(h1["universe"]["hit_rate"], 7.0 / 11.0);
}

#[test]
fn backtest_refuses_bad_options_clearly() {
    let dir = TempDir::new("backtest-bad");
    let data = universe(&dir);
    let out = stockscanner(&["backtest", "close > 1", "--horizons", "0"], data);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--horizons"),
        "{}",
        text(&out.stderr)
    );
    let out = stockscanner(
        &[
            "backtest",
            "close > 1",
            "--from",
            "2020-02-01",
            "--to",
            "2020-01-01",
        ],
        data,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--from 2020-02-01 is after --to 2020-01-01"));
}
