//! The reference interpreter and the random scan generator, tested on their own:
//! hand-computed values on tiny series, every generated scan compiles, the generator
//! reaches every construct, and the reference evaluates any generated scan over any
//! generated series point-in-time, without panicking.

#[path = "support/reference.rs"]
mod reference;
#[path = "support/scan_gen.rs"]
mod scan_gen;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use reference::{evaluate, resample, UNDEFINED};
use scan::lang::{self, CheckedScan, Node, NodeKind, Timeframe, Ty};
use scan::{Bar, BarTime};
use std::collections::BTreeSet;

const U: f64 = UNDEFINED;

// ---------------------------------------------------------------------------------------
// Hand-computed values

/// The checked node of one expression (a number or a condition).
fn node(text: &str) -> Node {
    let source = format!("show {text} as v");
    match lang::compile(&source) {
        Ok(scan) => scan.show.into_iter().next().expect("one column").node,
        Err(diags) => panic!("{}", lang::render_all(&diags, &source)),
    }
}

fn day(y: i32, m: u32, d: u32) -> BarTime {
    BarTime::from_ymd(y, m, d).expect("a valid date")
}

fn bar(time: BarTime, open: f64, high: f64, low: f64, close: f64, volume: f64) -> Bar {
    let bar = Bar {
        time,
        open,
        high,
        low,
        close,
        volume,
        adj_close: None,
    };
    bar.validate().expect("a valid bar");
    bar
}

/// Bars on consecutive weekdays from Monday 2024-01-01, open = close, a range of ±1.
fn closes(closes: &[f64]) -> Vec<Bar> {
    let mut day = day(2024, 1, 1).day_number();
    closes
        .iter()
        .map(|&c| {
            // 1970-01-01, day 0, was a Thursday.
            while (day + 3).rem_euclid(7) >= 5 {
                day += 1;
            }
            let b = bar(
                BarTime::from_unix_seconds(day * 86_400),
                c,
                c + 1.0,
                c - 1.0,
                c,
                100.0,
            );
            day += 1;
            b
        })
        .collect()
}

/// Bars on consecutive weekdays with the given (open, close), high and low at the body.
fn bodies(bodies: &[(f64, f64)]) -> Vec<Bar> {
    let mut bars = closes(&vec![0.0; bodies.len()]);
    for (b, &(open, close)) in bars.iter_mut().zip(bodies) {
        b.open = open;
        b.close = close;
        b.high = open.max(close);
        b.low = open.min(close);
    }
    bars
}

fn eval(text: &str, bars: &[Bar]) -> Vec<f64> {
    evaluate(&node(text), bars, "TEST")
}

/// Equal value for value, NaN matching NaN.
#[track_caller]
fn check(text: &str, bars: &[Bar], expected: &[f64]) {
    let actual = eval(text, bars);
    let same = actual.len() == expected.len()
        && actual
            .iter()
            .zip(expected)
            .all(|(a, e)| (a.is_nan() && e.is_nan()) || a == e);
    assert!(
        same,
        "{text}\n  actual   {actual:?}\n  expected {expected:?}"
    );
}

#[test]
fn literals_and_fields() {
    let bars = vec![bar(day(2024, 1, 2), 2.0, 5.0, 1.0, 4.0, 7.0)];
    check("1.5k", &bars, &[1500.0]);
    check("-2", &bars, &[-2.0]);
    check("open", &bars, &[2.0]);
    check("high", &bars, &[5.0]);
    check("low", &bars, &[1.0]);
    check("close", &bars, &[4.0]);
    check("volume", &bars, &[7.0]);
    check("hl2", &bars, &[3.0]);
    check("hlc3", &bars, &[10.0 / 3.0]);
    check("ohlc4", &bars, &[3.0]);
    check("close", &[], &[]);
}

#[test]
fn arithmetic_and_division_by_zero() {
    let bars = bodies(&[(1.0, 3.0), (2.0, 2.0), (4.0, 1.0)]);
    check("close - open", &bars, &[2.0, 0.0, -3.0]);
    check("1 / (close - open)", &bars, &[0.5, U, -1.0 / 3.0]);
    check("-(close * 2) + 1", &bars, &[-5.0, -3.0, -1.0]);
    check("1 / (close - open) + 1", &bars, &[1.5, U, 1.0 - 1.0 / 3.0]);
    check("close / open > 1", &bars, &[1.0, 0.0, 0.0]);
    check("(close - open) / (close - open) = 1", &bars, &[1.0, U, 1.0]);
    check("1e300 * 1e300", &bars, &[U, U, U]);
    check("abs(close - open)", &bars, &[2.0, 0.0, 3.0]);
}

#[test]
fn comparisons() {
    let bars = closes(&[1.0, 2.0, 3.0]);
    check("close < 2", &bars, &[1.0, 0.0, 0.0]);
    check("close <= 2", &bars, &[1.0, 1.0, 0.0]);
    check("close > 2", &bars, &[0.0, 0.0, 1.0]);
    check("close >= 2", &bars, &[0.0, 1.0, 1.0]);
    check("close = 2", &bars, &[0.0, 1.0, 0.0]);
    check("close != 2", &bars, &[1.0, 0.0, 1.0]);
    check("close[1] < close", &bars, &[U, 1.0, 1.0]);
}

#[test]
fn crosses_above_and_below() {
    let bars = closes(&[1.0, 2.0, 3.0, 2.0, 1.0]);
    // Touching the line is not crossing it; leaving it from the line is.
    check("close crosses above 2", &bars, &[U, 0.0, 1.0, 0.0, 0.0]);
    check("close crosses below 2", &bars, &[U, 0.0, 0.0, 0.0, 1.0]);
    check("2 crosses below close", &bars, &[U, 0.0, 1.0, 0.0, 0.0]);
    // Undefined while either side is undefined on this bar or the one before.
    check(
        "close crosses above close[1]",
        &bars,
        &[U, U, 0.0, 0.0, 0.0],
    );
    check("close crosses below close[2]", &bars, &[U, U, U, 0.0, 1.0]);
}

#[test]
fn kleene_logic() {
    // `close[1] > 0` is undefined on the first bar, true after.
    let bars = closes(&[5.0, 6.0]);
    check("close[1] > 0 and close > 100", &bars, &[0.0, 0.0]);
    check("close > 100 and close[1] > 0", &bars, &[0.0, 0.0]);
    check("close[1] > 0 and close > 0", &bars, &[U, 1.0]);
    check("close[1] > 0 or close > 0", &bars, &[1.0, 1.0]);
    check("close > 0 or close[1] > 0", &bars, &[1.0, 1.0]);
    check("close[1] > 0 or close > 100", &bars, &[U, 1.0]);
    check("close[1] > 100 or close > 100", &bars, &[U, 0.0]);
    check("not close[1] > 0", &bars, &[U, 0.0]);
    check("not close > 5", &bars, &[1.0, 0.0]);
    check("close[1] > 0 and close[1] > 0", &bars, &[U, 1.0]);
}

#[test]
fn offsets() {
    let bars = closes(&[1.0, 2.0, 3.0, 4.0]);
    check("close[0]", &bars, &[1.0, 2.0, 3.0, 4.0]);
    check("close[2]", &bars, &[U, U, 1.0, 2.0]);
    check("close[1][2]", &bars, &[U, U, U, 1.0]);
    check("close[4]", &bars, &[U, U, U, U]);
    check("(close > 2)[1]", &bars, &[U, 0.0, 0.0, 1.0]);
    check("sma(close, 2)[1]", &bars, &[U, U, 1.5, 2.5]);
}

#[test]
fn windows_at_the_edges() {
    let bars = closes(&[1.0, 3.0, 3.0, 1.0, 1.0]);
    // close > 2: 0 1 1 0 0
    check("any(close > 2, 3)", &bars, &[U, U, 1.0, 1.0, 1.0]);
    check("all(close > 2, 3)", &bars, &[U, U, 0.0, 0.0, 0.0]);
    check("all(close > 2, 2)", &bars, &[U, 0.0, 1.0, 0.0, 0.0]);
    check("count(close > 2, 3)", &bars, &[U, U, 2.0, 2.0, 1.0]);
    check("any(close > 2, 1)", &bars, &[0.0, 1.0, 1.0, 0.0, 0.0]);
    check("count(close > 2, 5)", &bars, &[U, U, U, U, 2.0]);
    check("count(close > 2, 6)", &bars, &[U, U, U, U, U]);
    // close[1] > 2: U 0 1 1 0 — undefined while the window holds an undefined bar.
    check("count(close[1] > 2, 2)", &bars, &[U, U, 1.0, 2.0, 1.0]);
    check("any(close[1] > 2, 3)", &bars, &[U, U, U, 1.0, 1.0]);
}

#[test]
fn streaks() {
    let bars = closes(&[1.0, 2.0, 3.0, 3.0, 4.0, 5.0]);
    // close > close[1]: U 1 1 0 1 1 — the run stops at the undefined first bar.
    check(
        "streak(close > close[1])",
        &bars,
        &[U, 1.0, 2.0, 0.0, 1.0, 2.0],
    );
    check("streak(close > 0)", &bars, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    check("streak(close > 3)", &bars, &[0.0, 0.0, 0.0, 0.0, 1.0, 2.0]);
    // close[2] < close: U U 1 1 1 1
    check(
        "streak(close[2] < close)",
        &bars,
        &[U, U, 1.0, 2.0, 3.0, 4.0],
    );
}

#[test]
fn change_and_pct_change() {
    let bars = closes(&[10.0, 12.0, 9.0, 0.0, 5.0]);
    check("change(close)", &bars, &[U, 2.0, -3.0, -9.0, 5.0]);
    check("change(close, 2)", &bars, &[U, U, -1.0, -12.0, -4.0]);
    check(
        "pct_change(close)",
        &bars,
        &[
            U,
            ((12.0 - 10.0) / 10.0) * 100.0,
            ((9.0 - 12.0) / 12.0) * 100.0,
            -100.0,
            U, // from a close of 0
        ],
    );
    check(
        "pct_change(close, 3)",
        &bars,
        &[U, U, U, -100.0, ((5.0 - 12.0) / 12.0) * 100.0],
    );
    check("change(close[1], 1)", &bars, &[U, U, 2.0, -3.0, -9.0]);
}

#[test]
fn element_wise_min_and_max() {
    let bars = bodies(&[(1.0, 3.0), (5.0, 2.0), (4.0, 4.0)]);
    check("min(open, close)", &bars, &[1.0, 2.0, 4.0]);
    check("max(open, close, 4.5)", &bars, &[4.5, 5.0, 4.5]);
    check("min(close, close[1], 10)", &bars, &[U, 2.0, 2.0]);
    check("max(close, close[1])", &bars, &[U, 3.0, 4.0]);
}

#[test]
fn symbol_lists() {
    let bars = closes(&[1.0, 2.0]);
    let n = node("symbol in ('aapl', \"BRK.B\")");
    assert_eq!(evaluate(&n, &bars, "AAPL"), [1.0, 1.0]);
    assert_eq!(evaluate(&n, &bars, "BRK.B"), [1.0, 1.0]);
    assert_eq!(evaluate(&n, &bars, "MSFT"), [0.0, 0.0]);
    assert_eq!(evaluate(&n, &bars, "aapl"), [0.0, 0.0]);
}

#[test]
fn indicators_on_price_fields() {
    let bars = closes(&[1.0, 2.0, 4.0, 8.0]);
    check("sma(2)", &bars, &[U, 1.5, 3.0, 6.0]);
    check("avg(close, 3)", &bars, &[U, U, 7.0 / 3.0, 14.0 / 3.0]);
    check("highest(high, 2)", &bars, &[U, 3.0, 5.0, 9.0]);
    check("lowest(low, 3)", &bars, &[U, U, 0.0, 1.0]);
    check("roc(close, 1)", &bars, &[U, 100.0, 100.0, 100.0]);
    check("trange", &bars, &[U, 2.0, 3.0, 5.0]);
}

#[test]
fn indicators_on_expressions_skip_and_restart_at_undefined_values() {
    // close - open: 1 2 0 5 2 1, so 10 / (close - open) is 10 5 U 2 5 10.
    let bars = bodies(&[
        (1.0, 2.0),
        (1.0, 3.0),
        (3.0, 3.0),
        (1.0, 6.0),
        (1.0, 3.0),
        (2.0, 3.0),
    ]);
    check(
        "10 / (close - open)",
        &bars,
        &[10.0, 5.0, U, 2.0, 5.0, 10.0],
    );
    // The average restarts after the undefined bar: two defined values are needed again.
    check(
        "sma(10 / (close - open), 2)",
        &bars,
        &[U, 7.5, U, U, 3.5, 7.5],
    );
    check(
        "highest(10 / (close - open), 3)",
        &bars,
        &[U, U, U, U, U, 10.0],
    );
    check(
        "sma(10 / (close - open), 1)",
        &bars,
        &[10.0, 5.0, U, 2.0, 5.0, 10.0],
    );
    // Leading undefined values are skipped: the average starts on the third bar.
    let bars = closes(&[1.0, 2.0, 4.0, 8.0, 16.0]);
    check("sma(close[2], 2)", &bars, &[U, U, U, 1.5, 3.0]);
    check("change(sma(close[1], 2))", &bars, &[U, U, U, 1.5, 3.0]);
    // An expression source that is a constant.
    check("sma(source: 3, period: 2)", &bars, &[U, 3.0, 3.0, 3.0, 3.0]);
}

#[test]
fn weekly_bars_across_a_week_and_year_boundary() {
    // Thu 2021-12-30 and Fri 12-31 are one week; Mon 2022-01-03 and Tue 01-04 the next.
    let bars = vec![
        bar(day(2021, 12, 30), 10.0, 12.0, 9.0, 11.0, 100.0),
        bar(day(2021, 12, 31), 11.0, 15.0, 10.0, 14.0, 200.0),
        bar(day(2022, 1, 3), 14.0, 14.0, 8.0, 9.0, 50.0),
        bar(day(2022, 1, 4), 9.0, 13.0, 9.0, 12.0, 25.0),
    ];
    let weeks = resample(&bars, Timeframe::Weekly);
    assert_eq!(weeks.len(), 2);
    assert_eq!(
        weeks[0],
        bar(day(2021, 12, 31), 10.0, 15.0, 9.0, 14.0, 300.0)
    );
    assert_eq!(weeks[1], bar(day(2022, 1, 4), 14.0, 14.0, 8.0, 12.0, 75.0));

    check("weekly(close)", &bars, &[11.0, 14.0, 9.0, 12.0]);
    check("weekly(open)", &bars, &[10.0, 10.0, 14.0, 14.0]);
    check("weekly(high)", &bars, &[12.0, 15.0, 14.0, 14.0]);
    check("weekly(low)", &bars, &[9.0, 9.0, 8.0, 8.0]);
    check("weekly(volume)", &bars, &[100.0, 300.0, 50.0, 75.0]);
    // Inside, offsets count weeks; outside, days.
    check("weekly(close[1])", &bars, &[U, U, 14.0, 14.0]);
    check("weekly(close)[1]", &bars, &[U, 11.0, 14.0, 9.0]);
    check("weekly(sma(close, 2))", &bars, &[U, U, 11.5, 13.0]);
    check("weekly(close > close[1])", &bars, &[U, U, 0.0, 0.0]);
    check("weekly(streak(close > 10))", &bars, &[1.0, 1.0, 0.0, 2.0]);
    check("weekly(close) > close[1]", &bars, &[U, 1.0, 0.0, 1.0]);
}

#[test]
fn weekly_bars_skip_a_missing_week() {
    // Friday, then nothing until the Monday after next, then the Sunday before a Monday.
    let bars = vec![
        bar(day(2024, 1, 5), 1.0, 1.0, 1.0, 1.0, 1.0),
        bar(day(2024, 1, 15), 2.0, 2.0, 2.0, 2.0, 1.0),
        bar(day(2024, 1, 21), 3.0, 3.0, 3.0, 3.0, 1.0),
        bar(day(2024, 1, 22), 4.0, 4.0, 4.0, 4.0, 1.0),
    ];
    check("weekly(volume)", &bars, &[1.0, 1.0, 2.0, 1.0]);
    check("weekly(close[1])", &bars, &[U, 1.0, 1.0, 3.0]);
    check("weekly(count(close > 0, 3))", &bars, &[U, U, U, 3.0]);
}

#[test]
fn monthly_bars() {
    let bars = vec![
        bar(day(2022, 1, 28), 10.0, 12.0, 9.0, 11.0, 1.0),
        bar(day(2022, 1, 31), 11.0, 11.0, 7.0, 8.0, 2.0),
        bar(day(2022, 2, 1), 8.0, 9.0, 8.0, 9.0, 4.0),
        bar(day(2022, 2, 2), 9.0, 20.0, 9.0, 19.0, 8.0),
        bar(day(2022, 3, 1), 19.0, 19.0, 18.0, 18.5, 16.0),
    ];
    check("monthly(close)", &bars, &[11.0, 8.0, 9.0, 19.0, 18.5]);
    check("monthly(low)", &bars, &[9.0, 7.0, 8.0, 8.0, 18.0]);
    check("monthly(volume)", &bars, &[1.0, 3.0, 4.0, 12.0, 16.0]);
    check("monthly(close[1])", &bars, &[U, U, 8.0, 8.0, 19.0]);
    check("monthly(change(close))", &bars, &[U, U, 1.0, 11.0, -0.5]);
    check(
        "monthly(close crosses above 10)",
        &bars,
        &[U, U, 0.0, 1.0, 0.0],
    );
    check(
        "monthly(high) - weekly(high)",
        &bars,
        &[0.0, 1.0, -2.0, 0.0, 0.0],
    );
}

// ---------------------------------------------------------------------------------------
// The generator

/// Every node of a checked scan's expressions, children included.
fn walk<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    out.push(node);
    for child in node.children() {
        walk(child, out);
    }
}

/// The top-level expressions of a scan: condition, rank, shown columns.
fn roots(scan: &CheckedScan) -> Vec<&Node> {
    scan.condition
        .iter()
        .chain(scan.rank.iter().map(|r| &r.node))
        .chain(scan.show.iter().map(|c| &c.node))
        .collect()
}

/// What a scan uses, as names, for the coverage test.
fn features(text: &str, scan: &CheckedScan, out: &mut BTreeSet<String>) {
    let mut nodes = Vec::new();
    for root in roots(scan) {
        walk(root, &mut nodes);
    }
    for node in nodes {
        let name = match &node.kind {
            NodeKind::Number(_) => "number".to_string(),
            NodeKind::Field(f) => format!("field {}", f.name()),
            NodeKind::Indicator {
                indicator,
                source,
                output,
            } => {
                let i = indicator.0;
                out.insert(format!("output {}.{}", i.name(), i.outputs()[*output]));
                if source.is_some() {
                    format!("expression source {}", i.name())
                } else {
                    format!("indicator {}", i.name())
                }
            }
            NodeKind::Neg(_) => "neg".into(),
            NodeKind::Arith { op, .. } => format!("{op:?}"),
            NodeKind::Compare { op, .. } => format!("{op:?}"),
            NodeKind::Logic { op, .. } => format!("{op:?}"),
            NodeKind::Not(_) => "not".into(),
            NodeKind::Crosses { above, .. } => format!("crosses above={above}"),
            NodeKind::Offset { node, .. } => format!("offset of {:?}", node.ty()),
            NodeKind::Window { kind, .. } => format!("{kind:?}"),
            NodeKind::Streak(_) => "streak".into(),
            NodeKind::Timeframe { frame, node } => format!("{frame:?} {:?}", node.ty()),
            NodeKind::Change { .. } => "change".into(),
            NodeKind::PctChange { .. } => "pct_change".into(),
            NodeKind::Abs(_) => "abs".into(),
            NodeKind::Min(_) => "min".into(),
            NodeKind::Max(_) => "max".into(),
            NodeKind::SymbolIn(_) => "symbol in".into(),
        };
        out.insert(name);
    }
    if let Some(rank) = &scan.rank {
        out.insert(format!("rank descending={}", rank.descending));
    }
    if scan.limit.is_some() {
        out.insert("limit".into());
    }
    if !scan.show.is_empty() {
        out.insert("show".into());
    }
    if scan.condition.is_none() {
        out.insert("no condition".into());
    }
    for (needle, feature) in [
        ("k", "suffix k"),
        ("K", "suffix K"),
        ("M", "suffix M"),
        ("B", "suffix B"),
    ] {
        let digits_then = |t: &str| {
            t.as_bytes()
                .windows(2)
                .any(|w| w[0].is_ascii_digit() && w[1] == needle.as_bytes()[0])
        };
        if digits_then(text) {
            out.insert(feature.into());
        }
    }
    for (needle, feature) in [
        ("dev: ", "named dev"),
        ("src: ", "named src"),
        ("period: ", "named period"),
        ("CLOSE", "upper case"),
        ("e-", "negative exponent"),
        ("#", "comment"),
    ] {
        if text.contains(needle) {
            out.insert(feature.into());
        }
    }
}

#[test]
fn the_generator_reaches_every_construct() {
    let strategy = scan_gen::scan_text();
    let mut runner = TestRunner::deterministic();
    let mut seen = BTreeSet::new();
    for _ in 0..3_000 {
        let text = strategy.new_tree(&mut runner).expect("a value").current();
        let scan = lang::compile(&text)
            .unwrap_or_else(|d| panic!("{text}\n{}", lang::render_all(&d, &text)));
        features(&text, &scan, &mut seen);
    }
    let mut wanted: Vec<String> = Vec::new();
    for field in lang::Field::ALL {
        wanted.push(format!("field {}", field.name()));
    }
    for info in scan::catalog::CATALOG {
        wanted.push(format!("indicator {}", info.name));
        for output in info.outputs {
            wanted.push(format!("output {}.{output}", info.name));
        }
        if info
            .params
            .iter()
            .any(|p| p.kind == scan::catalog::ParamKind::Source)
        {
            wanted.push(format!("expression source {}", info.name));
        }
    }
    for name in [
        "number",
        "neg",
        "Add",
        "Sub",
        "Mul",
        "Div",
        "Lt",
        "Le",
        "Gt",
        "Ge",
        "Eq",
        "Ne",
        "And",
        "Or",
        "not",
        "crosses above=true",
        "crosses above=false",
        "offset of Number",
        "offset of Condition",
        "Any",
        "All",
        "Count",
        "streak",
        "Weekly Number",
        "Weekly Condition",
        "Monthly Number",
        "Monthly Condition",
        "change",
        "pct_change",
        "abs",
        "min",
        "max",
        "symbol in",
        "rank descending=true",
        "rank descending=false",
        "limit",
        "show",
        "no condition",
        "suffix k",
        "suffix K",
        "suffix M",
        "suffix B",
        "named dev",
        "named src",
        "named period",
        "upper case",
        "negative exponent",
        "comment",
    ] {
        wanted.push(name.to_string());
    }
    let missing: Vec<&String> = wanted.iter().filter(|w| !seen.contains(*w)).collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
}

#[test]
fn generated_bars_are_weekdays_in_order_with_gaps_flats_and_zero_volumes() {
    let strategy = scan_gen::daily_bars();
    let mut runner = TestRunner::deterministic();
    let (mut gaps, mut flats, mut zero_volumes, mut dojis, mut months) = (0, 0, 0, 0, 0);
    for _ in 0..50 {
        let bars = strategy.new_tree(&mut runner).expect("a value").current();
        assert!(bars.len() <= 300);
        for b in &bars {
            b.validate().expect("valid");
            assert!(scan_gen::weekday(b.time.day_number()) < 5, "{}", b.time);
        }
        for w in bars.windows(2) {
            let days = w[1].time.day_number() - w[0].time.day_number();
            assert!(days >= 1);
            gaps += usize::from(days > 3);
            flats += usize::from(w[1].high == w[1].low && w[0].high == w[0].low);
        }
        zero_volumes += bars.iter().filter(|b| b.volume == 0.0).count();
        dojis += bars
            .iter()
            .filter(|b| b.close == b.open && b.high > b.low)
            .count();
        months += resample(&bars, Timeframe::Monthly).len();
    }
    assert!(gaps > 10, "gaps {gaps}");
    assert!(flats > 10, "flat stretches {flats}");
    assert!(zero_volumes > 10, "zero volumes {zero_volumes}");
    assert!(dojis > 10, "unchanged closes {dojis}");
    assert!(months > 50, "months {months}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn every_generated_scan_compiles(text in scan_gen::scan_text()) {
        if let Err(diags) = lang::compile(&text) {
            panic!("{text}\n{}", lang::render_all(&diags, &text));
        }
    }
}

// ---------------------------------------------------------------------------------------
// The reference on generated scans and series

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_reference_evaluates_generated_scans_point_in_time(
        text in scan_gen::scan_text(),
        bars in scan_gen::daily_bars(),
        symbol in prop::sample::select(vec!["AAPL", "BRK.B", "SPY", "ZZZ"]),
        cut in any::<prop::sample::Index>(),
    ) {
        let scan = lang::compile(&text).expect("generated scans compile");
        let m = cut.index(bars.len() + 1);
        for root in roots(&scan) {
            let values = evaluate(root, &bars, symbol);
            prop_assert_eq!(values.len(), bars.len());
            if root.ty() == Ty::Condition {
                prop_assert!(values.iter().all(|v| v.is_nan() || *v == 0.0 || *v == 1.0));
            }
            // Point in time: the history cut at any bar gives the same values up to it.
            let prefix = evaluate(root, &bars[..m], symbol);
            for (i, (a, b)) in prefix.iter().zip(&values).enumerate() {
                prop_assert!(
                    a.to_bits() == b.to_bits(),
                    "{} bar {}: prefix {} whole {}", text, i, a, b
                );
            }
        }
    }
}
