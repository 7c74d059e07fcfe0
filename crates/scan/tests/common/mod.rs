//! Generators shared by the property tests: random valid series and random specs.
#![allow(dead_code)] // each test crate uses its own subset

use proptest::collection::SizeRange;
use proptest::prelude::*;
use scan::catalog::{Indicator, ParamKind, CATALOG};
use scan::{Bar, BarSeries, BarTime, PriceField};

/// Random but valid bars: a walk with occasional flat stretches and zero volumes, so
/// the zero-range and flat-series rules are exercised too.
pub fn series() -> impl Strategy<Value = BarSeries> {
    series_with(0..160)
}

/// [`series`] with a number of bars drawn from `len`.
pub fn series_with(len: impl Into<SizeRange>) -> impl Strategy<Value = BarSeries> {
    let step = (
        -0.08f64..0.08,
        0.0f64..0.03,
        0.0f64..0.03,
        0.0f64..1.0,
        0u32..4,
        0.0f64..1e6,
    );
    (1.0f64..1e4, prop::collection::vec(step, len)).prop_map(|(start, steps)| {
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
pub fn indicator() -> impl Strategy<Value = Indicator> {
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
