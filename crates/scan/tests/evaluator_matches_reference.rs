//! The fast evaluator against the reference interpreter, on random scans over random
//! series: the batch columns (`Plan::history`) and the streaming states fed bar by bar
//! give exactly — bit for bit, undefined where undefined — the reference's values for
//! the condition, the rank and every `show` column.

#[path = "support/reference.rs"]
mod reference;
#[path = "support/scan_gen.rs"]
mod scan_gen;

use proptest::prelude::*;
use scan::eval::Plan;
use scan::lang::{self, CheckedScan};
use scan::{Bar, BarSeries};

/// The symbols the series is named after: the generator's `symbol in` lists use these.
const SYMBOLS: [&str; 3] = ["AAPL", "BRK.B", "ZZZ"];

/// The reference's values for the condition, the rank and the show columns.
fn reference_values(scan: &CheckedScan, bars: &[Bar], symbol: &str) -> Vec<(String, Vec<f64>)> {
    let mut columns = vec![(
        "condition".to_string(),
        match &scan.condition {
            Some(node) => reference::evaluate(node, bars, symbol),
            None => vec![1.0; bars.len()],
        },
    )];
    if let Some(rank) = &scan.rank {
        columns.push(("rank".into(), reference::evaluate(&rank.node, bars, symbol)));
    }
    for show in &scan.show {
        let values = reference::evaluate(&show.node, bars, symbol);
        columns.push((format!("show {}", show.name), values));
    }
    columns
}

/// Equal bit for bit (so NaN equals NaN, and 0.0 differs from -0.0).
fn assert_same(what: &str, text: &str, got: &[f64], want: &[f64]) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.len(), want.len(), "{} of `{}`: lengths", what, text);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        prop_assert!(
            g.to_bits() == w.to_bits(),
            "{} of `{}` at bar {}: got {:?}, reference {:?}",
            what,
            text,
            i,
            g,
            w
        );
    }
    Ok(())
}

fn check(text: &str, bars: &[Bar], symbol: &str) -> Result<(), TestCaseError> {
    let scan = lang::compile(text).map_err(|d| {
        TestCaseError::fail(format!(
            "generated scan does not compile: {}",
            lang::render_all(&d, text)
        ))
    })?;
    let plan = Plan::new(&scan);
    let series = BarSeries::from_bars(symbol, bars.to_vec()).expect("generated bars are valid");
    let want = reference_values(&scan, bars, symbol);

    let history = plan.history(&series);
    let mut batch = vec![history.condition];
    batch.extend(history.rank);
    batch.extend(history.show);

    let mut stream = plan.stream(symbol);
    let mut streamed = vec![Vec::with_capacity(bars.len()); want.len()];
    for bar in bars {
        let values = stream.update(bar).expect("generated bars are in order");
        let row = std::iter::once(values.condition)
            .chain(values.rank)
            .chain(values.show);
        for (column, v) in streamed.iter_mut().zip(row) {
            column.push(v);
        }
    }

    prop_assert_eq!(batch.len(), want.len());
    for (((what, want), batch), streamed) in want.iter().zip(&batch).zip(&streamed) {
        assert_same(&format!("batch {what}"), text, batch, want)?;
        assert_same(&format!("streaming {what}"), text, streamed, want)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn batch_and_streaming_equal_the_reference(
        text in scan_gen::scan_text(),
        bars in scan_gen::daily_bars(),
        symbol in prop::sample::select(SYMBOLS.to_vec()),
    ) {
        check(&text, &bars, symbol)?;
    }
}

#[test]
fn shared_sub_expressions_are_planned_once() {
    let plan = |text: &str| Plan::new(&lang::compile(text).unwrap());
    let once = plan("close > sma(50)");
    // sma(close, 50) is sma(50); the comparison with it repeats too.
    let twice = plan("close > sma(50) and sma(close, 50) < close * 2 or close > sma(50)");
    // Added: the literal 2, the product, the `<`, the `and`, the `or`.
    assert_eq!(twice.step_count(), once.step_count() + 5);
    // One MACD step computes all three outputs; added: two comparisons and the `and`
    // (the literal 0 is shared).
    let macd = plan("macd().macd > macd().signal and macd().hist > 0");
    let single = plan("macd().macd > 0");
    assert_eq!(macd.step_count(), single.step_count() + 2);
    // Weekly terms share one weekly program (close, sma) and weekly(close) is read
    // once; daily: the two reads, two comparisons, the literal and the `and`.
    let weekly = plan("weekly(close) > weekly(sma(close, 10)) and weekly(close) > 1");
    assert_eq!(weekly.step_count(), 2 + 6);
}
