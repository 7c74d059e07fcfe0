//! `stockscanner indicator` end to end: output format, symbol choice and error messages.

mod support;

use std::path::Path;
use support::{stockscanner, text, TempDir};

const PRICES: &str = "Date,Open,High,Low,Close,Volume\n\
2020-01-02,10,11,9,10.5,100\n\
2020-01-03,10.5,12,10,11.25,200\n\
2020-01-06,11.25,11.5,10.5,11,150\n\
2020-01-07,11,11.1,10.1,10.1,50\n";

#[test]
fn prints_a_header_an_empty_cell_while_undefined_and_exact_numbers() {
    let dir = TempDir::new("format");
    let file = dir.file("ABC.csv", PRICES);
    let out = stockscanner(&["indicator", "sma(3)"], &file);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "date,sma\n2020-01-02,\n2020-01-03,\n2020-01-06,10.916666666666666\n2020-01-07,10.783333333333333\n"
    );
    let value: f64 = "10.916666666666666".parse().unwrap();
    assert_eq!(value, (10.5 + 11.25 + 11.0) / 3.0);
}

#[test]
fn multi_output_indicators_name_their_columns() {
    let dir = TempDir::new("columns");
    let file = dir.file("ABC.csv", PRICES);
    for (spec, header) in [
        ("macd(2,3,1)", "date,macd,signal,hist"),
        ("bbands(2,2,2)", "date,upper,middle,lower"),
        ("stoch(2,1,1)", "date,slowk,slowd"),
        ("stochf(2,1)", "date,fastk,fastd"),
        ("sma(volume, 2)", "date,sma"),
    ] {
        let out = stockscanner(&["indicator", spec], &file);
        assert!(out.status.success(), "{spec}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout).lines().next(), Some(header), "{spec}");
        assert_eq!(text(&out.stdout).lines().count(), 5, "{spec}");
    }
}

#[test]
fn several_symbols_need_a_choice_and_the_error_lists_them() {
    let dir = TempDir::new("symbols");
    dir.file("AAA.csv", PRICES);
    dir.file("BBB.csv", PRICES);
    let out = stockscanner(&["indicator", "rsi(2)"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("the data holds 2 symbols; choose one with --symbol"),
        "{stderr}"
    );
    assert!(stderr.contains("AAA, BBB"), "{stderr}");

    let out = stockscanner(&["indicator", "rsi(2)", "--symbol", "bbb"], &dir.0);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = stockscanner(&["indicator", "rsi(2)", "--symbol", "CCC"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no symbol `CCC` in the data; found: AAA, BBB"));

    let out = stockscanner(&["indicator", "obv", "--all-symbols", "--bars"], &dir.0);
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(
            "symbol,date,open,high,low,close,volume,obv\nAAA,2020-01-02,10,11,9,10.5,100,100\n"
        ),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 9);
}

#[test]
fn bad_specs_are_reported_with_a_caret_before_loading() {
    let missing = Path::new("/nonexistent/data");
    let out = stockscanner(&["indicator", "rsl(14)"], missing);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: unknown indicator `rsl`\n --> spec:1:1\n  |\n1 | rsl(14)\n  | ^^^\n  = help: did you mean `rsi`?\n"
    );
    let out = stockscanner(&["indicator", "stoch(14, 0)"], missing);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("stoch slowk must be a whole number from 1 to 100000, got 0")
    );
}

#[test]
fn bad_rows_are_skipped_and_listed_or_fail_the_load() {
    let dir = TempDir::new("badrows");
    let file = dir.file(
        "ABC.csv",
        "Date,Open,High,Low,Close,Volume\n2020-01-02,10,11,9,10.5,100\n2020-01-03,10,9,11,10,1\n2020-01-06,11,12,10,11.5,1\n",
    );
    let out = stockscanner(&["indicator", "obv"], &file);
    assert!(out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("skipped 1 bad row"), "{stderr}");
    assert!(stderr.contains("ABC.csv:3:"), "{stderr}");
    assert_eq!(text(&out.stdout).lines().count(), 3);

    let out = stockscanner(&["indicator", "obv", "--on-bad-row", "fail"], &file);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("ABC.csv:3:"));
    assert!(out.stdout.is_empty());
}
