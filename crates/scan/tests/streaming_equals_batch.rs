//! For every indicator in the catalogue, over random parameters and random series, the
//! streaming state fed bar by bar produces exactly (bit for bit) the batch output.

mod common;

use common::{indicator, series};
use proptest::prelude::*;
use scan::catalog::{Indicator, ParamKind, CATALOG};
use scan::{Bar, BarSeries, BarTime};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn streaming_equals_batch(indicator in indicator(), series in series()) {
        let batch = indicator.compute(&series);
        prop_assert_eq!(batch.count(), indicator.outputs().len());
        let mut stream = indicator.stream();
        let mut out = vec![0.0; batch.count()];
        for i in 0..series.len() {
            stream.update(&series.bar(i).unwrap(), &mut out);
            for (column, value) in batch.iter().zip(&out) {
                prop_assert_eq!(column.len(), series.len());
                prop_assert_eq!(
                    column[i].to_bits(), value.to_bits(),
                    "{:?} bar {}: batch {} stream {}", indicator, i, column[i], value
                );
            }
        }
    }
}

#[test]
fn every_parameter_bound_of_the_catalogue_is_accepted_by_the_indicator() {
    // The catalogue checks ranges; the indicators check them again. Both must agree,
    // or a spec that parses could fail to compute.
    let series = BarSeries::from_bars(
        "B",
        (0..3)
            .map(|i| Bar {
                time: BarTime::from_unix_seconds(i * 86_400),
                open: 1.0,
                high: 2.0,
                low: 0.5,
                close: 1.5,
                volume: 10.0,
                adj_close: None,
            })
            .collect(),
    )
    .unwrap();
    for info in CATALOG {
        for bound in [0, 1] {
            let args: Vec<String> = info
                .params
                .iter()
                .map(|p| match p.kind {
                    ParamKind::Source => "close".to_string(),
                    ParamKind::Period { min, max, .. } => [min, max][bound].to_string(),
                    ParamKind::Number { min, max, .. } => format!("{:e}", [min, max][bound]),
                })
                .collect();
            let spec = format!("{}({})", info.name, args.join(", "));
            let indicator = Indicator::parse(&spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
            let columns = indicator.compute(&series);
            assert_eq!(columns.count(), info.outputs.len(), "{spec}");
            let mut stream = indicator.stream();
            let mut out = vec![0.0; columns.count()];
            stream.update(&series.bar(0).unwrap(), &mut out);
        }
    }
}
