//! For every indicator, computing many series at once (several per vector lane, in
//! parallel) gives each series exactly (bit for bit) the columns computed alone.

mod common;

use common::{indicator, series, series_with};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use scan::catalog::Indicator;
use scan::BarSeries;

/// Mixed lengths, with repeats so that groups of equal length (the lane groups) form,
/// alongside leftovers computed one by one.
fn market() -> impl Strategy<Value = Vec<BarSeries>> {
    let one = prop_oneof![
        series_with(60..=60),
        series_with(33..=33),
        series_with(0..=3),
        series(),
    ];
    prop::collection::vec(one, 0..16)
}

fn assert_many_equals_single(indicator: &Indicator, market: &[BarSeries]) {
    let refs: Vec<&BarSeries> = market.iter().collect();
    let many = indicator.compute_many(&refs);
    assert_eq!(many.len(), market.len());
    for (s, columns) in market.iter().zip(&many) {
        let single = indicator.compute(s);
        assert_eq!(columns.len(), single.len(), "{indicator:?}");
        for (a, b) in columns.iter().zip(&single) {
            let a: Vec<u64> = a.iter().map(|v| v.to_bits()).collect();
            let b: Vec<u64> = b.iter().map(|v| v.to_bits()).collect();
            assert_eq!(a, b, "{indicator:?} on {} bars", s.len());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn many_equals_single(indicator in indicator(), market in market()) {
        assert_many_equals_single(&indicator, &market);
    }
}

/// Every catalogue entry with the usual parameters, and with the smallest periods.
const SPECS: &[&str] = &[
    "sma(20)",
    "ema(20)",
    "wma(20)",
    "rsi(14)",
    "macd(12, 26, 9)",
    "bbands(20, 2, 2)",
    "stddev(20)",
    "max(20)",
    "min(low, 20)",
    "roc(10)",
    "trange",
    "atr(14)",
    "natr(14)",
    "adx(14)",
    "plus_di(14)",
    "minus_di(14)",
    "stoch(14, 3, 3)",
    "stochf(14, 3)",
    "cci(20)",
    "obv",
    "mfi(14)",
    "willr(14)",
    "sma(1)",
    "ema(1)",
    "wma(1)",
    "rsi(2)",
    "atr(1)",
    "natr(1)",
    "adx(2)",
    "plus_di(1)",
    "minus_di(1)",
    "cci(2)",
    "mfi(2)",
];

#[test]
fn every_indicator_on_full_groups() {
    // Every catalogue entry, not only the ones the random draw happens to reach.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let market: Vec<BarSeries> = (0..9)
        .map(|_| {
            series_with(120..=120)
                .new_tree(&mut runner)
                .unwrap()
                .current()
        })
        .collect();
    for spec in SPECS {
        let indicator = Indicator::parse(spec).unwrap();
        assert_many_equals_single(&indicator, &market);
    }
}
