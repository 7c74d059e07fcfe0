//! For every indicator, computing many series at once (several per vector lane, in
//! parallel) gives each series exactly (bit for bit) the columns computed alone.

mod common;

use common::{indicator, series, series_with};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use scan::catalog::Columns;
use scan::catalog::Indicator;
use scan::series::lay_out_by_field;
use scan::{Bar, BarSeries, BarTime};

/// Mixed lengths, with repeats so that groups of equal length (the lane groups) form,
/// alongside leftovers computed one by one: groups longer and shorter than the usual
/// lookbacks, and groups of flat series.
fn market() -> impl Strategy<Value = Vec<BarSeries>> {
    let one = prop_oneof![
        series_with(60..=60),
        series_with(33..=33),
        series_with(14..=14),
        series_with(0..=3),
        (1.0f64..1e4).prop_map(|price| flat_series(40, price)),
        series(),
    ];
    prop::collection::vec(one, 0..16)
}

/// `len` bars that never move: every price `price`, volume 1000.
fn flat_series(len: usize, price: f64) -> BarSeries {
    let bars = (0..len)
        .map(|i| Bar {
            time: BarTime::from_unix_seconds(i as i64 * 86_400),
            open: price,
            high: price,
            low: price,
            close: price,
            volume: 1000.0,
            adj_close: None,
        })
        .collect();
    BarSeries::from_bars("FLAT", bars).expect("flat bars are valid")
}

fn assert_many_equals_single(indicator: &Indicator, market: &[BarSeries]) {
    let refs: Vec<&BarSeries> = market.iter().collect();
    // Called from this thread, outside rayon's pool, and from one of the pool's threads
    // (`join` runs its closures there): the outputs are allocated on different threads.
    let outside = indicator.compute_many(&refs);
    let (inside, ()) = rayon::join(|| indicator.compute_many(&refs), || ());
    // The same series laid out field by field: the groups follow the columns' addresses.
    let mut by_field = market.to_vec();
    lay_out_by_field(&mut by_field);
    let by_field = indicator.compute_many(&by_field.iter().collect::<Vec<_>>());
    for many in [outside, inside, by_field] {
        assert_many_equals_each(indicator, market, &many);
    }
}

fn assert_many_equals_each(indicator: &Indicator, market: &[BarSeries], many: &[Columns]) {
    assert_eq!(many.len(), market.len());
    for (s, columns) in market.iter().zip(many) {
        let single = indicator.compute(s);
        assert_eq!(
            (columns.count(), columns.len()),
            (single.count(), single.len()),
            "{indicator:?}"
        );
        for (a, b) in columns.iter().zip(single.iter()) {
            let a: Vec<u64> = a.iter().map(|v| v.to_bits()).collect();
            let b: Vec<u64> = b.iter().map(|v| v.to_bits()).collect();
            assert_eq!(a, b, "{indicator:?} on {} bars", s.len());
        }
    }
}

/// `len` bars that swing until bar `settle` and are flat from there: the variance's
/// sums go stale (and are rebuilt) at a bar that differs from series to series.
fn settling_series(len: usize, settle: usize) -> BarSeries {
    let swing = |i: usize| 100.0 + ((i * 37) % 11) as f64 * 0.75;
    bars_closing_at(
        "SETTLE",
        (0..len).map(|i| if i < settle { swing(i) } else { 101.25 }),
    )
}

/// `len` bars trending from a million with small wiggles: the variance's running sums
/// drift from their shift, so each rebuild changes the last bits of what follows.
fn drifting_series(len: usize, seed: usize) -> BarSeries {
    bars_closing_at(
        "DRIFT",
        (0..len).map(|i| 1e6 + i as f64 * 50.0 + ((i * 37 + seed) % 11) as f64 * 0.01),
    )
}

/// `len` bars swinging around `scale`, one percent high and low: at `1e-307` or `1e307`
/// the lane kernels' exact division by the period falls back to the divider.
fn scaled_series(len: usize, seed: usize, scale: f64) -> BarSeries {
    let bars = (0..len)
        .map(|i| {
            let price = scale * (1.0 + ((i * 37 + seed) % 13) as f64 * 0.01);
            Bar {
                time: BarTime::from_unix_seconds(i as i64 * 86_400),
                open: price,
                high: price * 1.01,
                low: price * 0.99,
                close: price,
                volume: 1000.0 + i as f64,
                adj_close: None,
            }
        })
        .collect();
    BarSeries::from_bars("SCALED", bars).expect("the bars are valid")
}

/// Daily bars opening and closing at each of `prices`, half a point high and low.
fn bars_closing_at(symbol: &str, prices: impl Iterator<Item = f64>) -> BarSeries {
    let bars = prices
        .enumerate()
        .map(|(i, price)| Bar {
            time: BarTime::from_unix_seconds(i as i64 * 86_400),
            open: price,
            high: price + 0.5,
            low: price - 0.5,
            close: price,
            volume: 1000.0 + i as f64,
            adj_close: None,
        })
        .collect();
    BarSeries::from_bars(symbol, bars).expect("the bars are valid")
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
    "willr(2)",
    "stoch(1, 1, 1)",
    "stochf(1, 1)",
    "stoch(14, 1, 5)",
    // MAX and MIN: the smallest period, runs ending inside and at the end of a block.
    "max(2)",
    "min(3)",
    "max(high, 7)",
    "max(119)",
    "min(low, 120)",
    "max(121)",
    // MACD: no signal smoothing, swapped periods, first outputs at the groups' ends.
    "macd(2, 3, 1)",
    "macd(26, 12, 9)",
    "macd(60, 61, 60)",
    "macd(2, 100, 22)",
    // Periods near and beyond the 120 bars of the test market.
    "wma(100)",
    "wma(120)",
    "adx(60)",
    "adx(61)",
    "plus_di(119)",
    "minus_di(120)",
    "stoch(30, 50, 41)",
    "stochf(119, 2)",
    "cci(120)",
    "cci(121)",
    "mfi(119)",
    "mfi(120)",
    "willr(120)",
    // The variance's rebuilds: forced every `32 * period` bars (from bar 64 for period 2),
    // and where a window's variance collapses (see `settling_series`).
    "stddev(2)",
    "stddev(3)",
    "stddev(5, 1.5)",
    "stddev(120)",
    "bbands(2, 2, 2)",
    "bbands(3, 2, 2)",
    "bbands(5, 2, 1)",
    "bbands(119, 1, 3)",
    // WMA's rebuilds, every `8 * period` bars (from bar 16 for period 2).
    "wma(2)",
    "wma(3)",
    "wma(7)",
];

#[test]
fn every_indicator_on_full_groups() {
    // Every catalogue entry, not only the ones the random draw happens to reach: on
    // random walks, on flat series, and on a group shorter than most lookbacks.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut walks = |len: usize, count: usize| -> Vec<BarSeries> {
        (0..count)
            .map(|_| {
                series_with(len..=len)
                    .new_tree(&mut runner)
                    .unwrap()
                    .current()
            })
            .collect()
    };
    let markets = [
        walks(120, 9),
        walks(5, 4),
        // Two forced rebuilds of the variance's sums for periods 2 and 3.
        (0..4).map(|i| drifting_series(200, i)).collect(),
        (0..8).map(|i| flat_series(120, 10.0 + i as f64)).collect(),
        (0..4).map(|i| settling_series(120, 30 + 20 * i)).collect(),
        // Tiny and huge prices beside ordinary ones, in one group.
        [1.0, 1e-307, 1e307, 1e-150]
            .into_iter()
            .enumerate()
            .map(|(i, scale)| scaled_series(120, i, scale))
            .collect(),
    ];
    for spec in SPECS {
        let indicator = Indicator::parse(spec).unwrap();
        for market in &markets {
            assert_many_equals_single(&indicator, market);
        }
    }
}
