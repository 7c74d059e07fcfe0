//! The reference's scans: every ```scan block of docs/scan-language.md compiles, the
//! cookbook has at least 20, and the documented error example is exactly what we print.

use scan::catalog::CATALOG;
use scan::lang::{self, NodeKind, Ty};

const REFERENCE: &str = include_str!("../../../docs/scan-language.md");

/// The ```scan blocks after `from` in the reference.
fn blocks(from: &str) -> Vec<&'static str> {
    let start = REFERENCE.find(from).expect("section exists");
    REFERENCE[start..]
        .split("```scan\n")
        .skip(1)
        .map(|rest| &rest[..rest.find("```").expect("closed block")])
        .collect()
}

#[test]
fn every_documented_scan_compiles() {
    let all = blocks("# The scan language");
    assert!(all.len() >= 21, "{}", all.len());
    for text in all {
        if let Err(d) = lang::compile(text) {
            panic!("{text}\n{}", lang::render_all(&d, text));
        }
    }
}

#[test]
fn the_cookbook_has_at_least_twenty_scans() {
    let cookbook = blocks("## Cookbook");
    assert!(cookbook.len() >= 20, "{}", cookbook.len());
    for text in &cookbook {
        let scan = lang::compile(text).unwrap();
        if let Some(condition) = &scan.condition {
            assert_eq!(condition.ty(), Ty::Condition);
        }
    }
}

#[test]
fn the_documented_error_example_is_exact() {
    let section = &REFERENCE[REFERENCE.find("## Errors").unwrap()..];
    let mut texts = section
        .split("```text\n")
        .skip(1)
        .map(|rest| &rest[..rest.find("```").unwrap()]);
    let (scan, expected) = (texts.next().unwrap(), texts.next().unwrap());
    let errors = lang::compile(scan).unwrap_err();
    assert_eq!(lang::render_all(&errors, scan), expected);
}

#[test]
fn every_indicator_and_built_in_is_documented() {
    for info in CATALOG {
        let name = match info.name {
            "max" => "highest",
            "min" => "lowest",
            n => n,
        };
        let row = format!("| `{name}(` |");
        let bare = format!("| `{name}` |");
        assert!(
            REFERENCE.contains(&row) || REFERENCE.contains(&bare),
            "docs/scan-language.md has no row for `{name}`"
        );
    }
    for name in [
        "avg(",
        "change(",
        "pct_change(",
        "abs(",
        "min(",
        "max(",
        "any(",
        "all(",
        "count(",
        "streak(",
        "weekly(",
        "monthly(",
    ] {
        assert!(REFERENCE.contains(&format!("| `{name}")), "{name}");
    }
}

/// The issue's own examples, beyond the cookbook.
#[test]
fn examples_from_the_issue() {
    let scans = [
        "rsi(14) < 30 and close > sma(200) and volume > 1.5 * sma(volume, 20)",
        "volume > 2M",
        "bbands(20, dev: 2.5).upper < close",
        "macd().signal > 0",
        "close[1] > sma(50)[5]",
        "any(close > open, 3) and all(volume > 1M, 5) and count(close > open, 10) > 5",
        "streak(close > close[1]) >= 3",
        "weekly(close) > weekly(sma(close, 10))",
        "symbol in (\"AAPL\", \"MSFT\")",
        "close >= highest(high, 252)",
        "open > high[1]",
        "sma(50) crosses above sma(200)",
        "macd().macd crosses above macd().signal",
        "rsi(14) < 30\nrank by volume desc\nlimit 20\nshow rsi(14) as rsi, sma(200) as trend",
        "change(close, 5) > 0 and pct_change(close, 5) > 1 and abs(change(close)) < 3",
        "min(open, close) > max(low, 1) and avg(volume, 20) > 100k",
    ];
    for text in scans {
        if let Err(d) = lang::compile(text) {
            panic!("{text}\n{}", lang::render_all(&d, text));
        }
    }
    // The reference scan's shape.
    let scan = lang::compile(scans[0]).unwrap();
    let NodeKind::Logic { .. } = scan.condition.unwrap().kind else {
        panic!("`and` at the top");
    };
}
