//! For every indicator in the catalogue, over random parameters and random series, the
//! streaming state fed bar by bar produces exactly (bit for bit) the batch output.

use proptest::prelude::*;
use scan::catalog::{Indicator, ParamKind, CATALOG};
use scan::{Bar, BarSeries, BarTime, PriceField};

/// Random but valid bars: a walk with occasional flat stretches and zero volumes, so
/// the zero-range and flat-series rules are exercised too.
fn series() -> impl Strategy<Value = BarSeries> {
    let step = (
        -0.08f64..0.08,
        0.0f64..0.03,
        0.0f64..0.03,
        0.0f64..1.0,
        0u32..4,
        0.0f64..1e6,
    );
    (1.0f64..1e4, prop::collection::vec(step, 0..160)).prop_map(|(start, steps)| {
        let mut price = start;
        let bars = steps
            .into_iter()
            .enumerate()
            .map(|(i, (ret, up, down, body, kind, volume))| {
                let flat = kind == 0;
                let open = price;
                if !flat {
                    price *= ret.exp();
                }
                let close = price;
                let (up, down) = if flat { (0.0, 0.0) } else { (up, down) };
                Bar {
                    time: BarTime::from_unix_seconds(i as i64 * 86_400),
                    open: if flat {
                        close
                    } else {
                        open + (close - open) * body
                    },
                    high: open.max(close) * (1.0 + up),
                    low: open.min(close) * (1.0 - down),
                    close,
                    volume: if kind == 1 { 0.0 } else { volume.round() },
                    adj_close: None,
                }
            });
        let bars: Vec<Bar> = bars
            .map(|mut b| {
                b.high = b.high.max(b.open);
                b.low = b.low.min(b.open);
                b
            })
            .collect();
        BarSeries::from_bars("P", bars).expect("generated bars are valid")
    })
}

/// A random spec for a random catalogue entry, within each parameter's range.
fn indicator() -> impl Strategy<Value = Indicator> {
    (
        0..CATALOG.len(),
        prop::collection::vec((0usize..50, -3.0f64..3.0, 0usize..5), 4),
    )
        .prop_map(|(which, draws)| {
            let info = &CATALOG[which];
            let args: Vec<String> = info
                .params
                .iter()
                .zip(draws)
                .map(|(param, (period, number, field))| match param.kind {
                    ParamKind::Source => PriceField::ALL[field].name().to_string(),
                    ParamKind::Period { min, .. } => (min + period).to_string(),
                    ParamKind::Number { .. } => format!("{number}"),
                })
                .collect();
            let spec = format!("{}({})", info.name, args.join(", "));
            Indicator::parse(&spec).unwrap_or_else(|e| panic!("{spec}: {e}"))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn streaming_equals_batch(indicator in indicator(), series in series()) {
        let batch = indicator.compute(&series);
        prop_assert_eq!(batch.len(), indicator.outputs().len());
        let mut stream = indicator.stream();
        let mut out = vec![0.0; batch.len()];
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
            assert_eq!(columns.len(), info.outputs.len(), "{spec}");
            let mut stream = indicator.stream();
            let mut out = vec![0.0; columns.len()];
            stream.update(&series.bar(0).unwrap(), &mut out);
        }
    }
}
