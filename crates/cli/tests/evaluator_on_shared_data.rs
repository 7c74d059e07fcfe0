//! The fast evaluator against the reference interpreter on real bars: random scans over
//! symbols of the shared dataset (482 US stocks, 2015–2020), batch and streaming, bit for
//! bit. The reference recomputes every indicator on every prefix, so each symbol is cut
//! to a window of its history.

#[path = "../../scan/tests/support/reference.rs"]
mod reference;
#[path = "../../scan/tests/support/scan_gen.rs"]
mod scan_gen;

use market::{load_path, LoadOptions};
use proptest::prelude::*;
use scan::eval::Plan;
use scan::{lang, Bar, BarSeries};
use std::path::PathBuf;
use std::sync::OnceLock;

/// Bars per symbol given to the reference: a year and a bit, enough for weekly and
/// monthly terms and for every generated period.
const WINDOW: usize = 300;

fn dataset() -> PathBuf {
    let path = std::env::var_os("STOCKSCANNER_TEST_DATA").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/data/us-daily-2015-2020"
            ))
        },
        PathBuf::from,
    );
    assert!(
        path.is_dir(),
        "the shared dataset is missing: looked for {} (set STOCKSCANNER_TEST_DATA)",
        path.display()
    );
    path
}

fn universe() -> &'static [BarSeries] {
    static UNIVERSE: OnceLock<Vec<BarSeries>> = OnceLock::new();
    UNIVERSE.get_or_init(|| {
        let report = load_path(&dataset(), &LoadOptions::default(), &|_, _| {}).expect("loads");
        assert_eq!(report.series.len(), 482);
        report.series
    })
}

/// `WINDOW` bars of the series starting at `start` (a fraction of what is available).
fn window(series: &BarSeries, start: f64) -> Vec<Bar> {
    let first = ((series.len().saturating_sub(WINDOW)) as f64 * start) as usize;
    (first..series.len().min(first + WINDOW))
        .map(|i| series.bar(i).expect("in range"))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn evaluator_equals_reference_on_real_bars(
        text in scan_gen::scan_text(),
        pick in 0usize..482,
        start in 0.0f64..1.0,
    ) {
        let series = &universe()[pick];
        let bars = window(series, start);
        let scan = lang::compile(&text).expect("generated scans compile");
        let plan = Plan::new(&scan);
        let cut = BarSeries::from_bars(series.symbol(), bars.clone()).expect("valid bars");
        let history = plan.history(&cut);
        let mut stream = plan.stream(series.symbol());
        let streamed: Vec<f64> = bars
            .iter()
            .map(|bar| stream.update(bar).expect("in order").condition)
            .collect();
        let want = match &scan.condition {
            Some(node) => reference::evaluate(node, &bars, series.symbol()),
            None => vec![1.0; bars.len()],
        };
        for (i, w) in want.iter().enumerate() {
            prop_assert!(
                history.condition[i].to_bits() == w.to_bits()
                    && streamed[i].to_bits() == w.to_bits(),
                "`{}` on {} at {}: batch {:?}, streaming {:?}, reference {:?}",
                text, series.symbol(), bars[i].time, history.condition[i], streamed[i], w
            );
        }
        if let Some(rank) = &scan.rank {
            let want = reference::evaluate(&rank.node, &bars, series.symbol());
            let got = history.rank.as_ref().expect("ranked");
            for (g, w) in got.iter().zip(&want) {
                prop_assert!(g.to_bits() == w.to_bits(), "rank of `{}`: {:?} vs {:?}", text, g, w);
            }
        }
    }
}

/// Every scan of the language reference's cookbook runs over the whole dataset, at the
/// latest bar and in a backtest, and says something: some symbols are evaluated.
#[test]
fn every_cookbook_scan_runs_on_the_whole_dataset() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/scan-language.md"
    ))
    .expect("the language reference");
    let scans: Vec<&str> = doc
        .split("```scan\n")
        .skip(1)
        .map(|block| block.split("```").next().expect("closed block"))
        .collect();
    assert!(scans.len() >= 20, "{} scans", scans.len());
    let options = scan::eval::BacktestOptions {
        horizons: vec![5],
        from: None,
        to: None,
    };
    for text in scans {
        let plan = Plan::new(&lang::compile(text).expect("cookbook scans compile"));
        let outcome = plan.scan(universe(), scan::eval::At::Latest);
        assert!(outcome.evaluated > 400, "`{text}`: {outcome:?}");
        assert!(outcome.skipped < outcome.evaluated, "`{text}`: {outcome:?}");
        let backtest = plan.backtest(universe(), &options);
        assert_eq!(backtest.summary.len(), 1);
        assert!(
            backtest.summary[0].baseline.count >= backtest.summary[0].signals.count,
            "`{text}`"
        );
    }
}
