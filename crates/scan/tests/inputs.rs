//! `Indicator::inputs` names every price field an indicator reads: changing the other
//! fields leaves its output unchanged, bit for bit.

mod common;

use common::{indicator, series};
use proptest::prelude::*;
use scan::catalog::Indicator;
use scan::{Bar, BarSeries, BarTime, PriceField};

/// The bars of `s` with every field outside `kept` changed, the bars still valid: the
/// high raised and the low lowered by 1, the open set to the (new) low and the close
/// to the (new) high, the volume doubled plus 1.
fn with_other_fields_changed(s: &BarSeries, kept: &[PriceField]) -> BarSeries {
    let changes = |field| !kept.contains(&field);
    let bars = (0..s.len())
        .filter_map(|i| s.bar(i))
        .map(|bar| {
            let mut changed = bar;
            if changes(PriceField::High) {
                changed.high += 1.0;
            }
            if changes(PriceField::Low) {
                changed.low -= 1.0;
            }
            if changes(PriceField::Open) {
                changed.open = changed.low;
            }
            if changes(PriceField::Close) {
                changed.close = changed.high;
            }
            if changes(PriceField::Volume) {
                changed.volume = 2.0 * changed.volume + 1.0;
            }
            changed
        })
        .collect();
    BarSeries::from_bars(s.symbol(), bars).expect("the changed bars are still valid")
}

fn bits(indicator: &Indicator, s: &BarSeries) -> Vec<Vec<u64>> {
    let columns = indicator.compute(s);
    columns
        .iter()
        .map(|column| column.iter().map(|v| v.to_bits()).collect())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn the_output_depends_only_on_the_inputs(indicator in indicator(), s in series()) {
        let changed = with_other_fields_changed(&s, indicator.inputs());
        prop_assert_eq!(bits(&indicator, &s), bits(&indicator, &changed), "{:?}", indicator);
    }
}

/// The test above can fail: the same change under a field an indicator does read moves
/// its output.
#[test]
fn changing_a_field_that_is_read_moves_the_output() {
    let s = BarSeries::from_bars(
        "T",
        (0..60)
            .map(|i| {
                let close = 100.0 + ((i * 37) % 11) as f64;
                Bar {
                    time: BarTime::from_unix_seconds(i * 86_400),
                    open: close,
                    high: close + 1.0,
                    low: close - 1.0,
                    close,
                    volume: 1000.0,
                    adj_close: None,
                }
            })
            .collect(),
    )
    .expect("valid bars");
    for (spec, read) in [
        ("sma(5)", PriceField::Close),
        ("sma(volume, 5)", PriceField::Volume),
        ("atr(5)", PriceField::High),
        ("obv", PriceField::Volume),
    ] {
        let indicator = Indicator::parse(spec).expect("spec");
        let others: Vec<PriceField> = indicator
            .inputs()
            .iter()
            .copied()
            .filter(|&f| f != read)
            .collect();
        let changed = with_other_fields_changed(&s, &others);
        assert_ne!(bits(&indicator, &s), bits(&indicator, &changed), "{spec}");
    }
}
