//! A market scan (`Plan::scan`, which evaluates lazily at the answered bar, skipping
//! clauses and deciding comparisons from bounds) against the whole-history evaluator
//! (`Plan::history`, itself checked against the reference interpreter), and against a
//! `MarketStream` fed the same bars: on random scans over small random markets, the
//! same symbols match, with bit-identical rank and `show` values.

#[path = "support/scan_gen.rs"]
mod scan_gen;

use proptest::prelude::*;
use scan::eval::{At, MarketStream, Match, Plan, ScanOutcome};
use scan::{lang, Bar, BarSeries, BarTime};

/// The outcome the history evaluator gives, matches by symbol (not yet ordered or cut).
fn from_history(plan: &Plan, universe: &[BarSeries], at: At) -> ScanOutcome {
    let allowed = |t: &BarTime| match at {
        At::Latest => true,
        At::OnOrBefore(limit) => *t <= limit,
    };
    let as_of = universe
        .iter()
        .filter_map(|s| s.time().iter().copied().filter(allowed).max())
        .max();
    let mut outcome = ScanOutcome {
        as_of,
        ..ScanOutcome::default()
    };
    for series in universe {
        let index = as_of.and_then(|t| series.time().iter().position(|&s| s == t));
        let Some(i) = index else {
            outcome.without_bar += 1;
            continue;
        };
        outcome.evaluated += 1;
        let history = plan.history(series);
        let condition = history.condition[i];
        if condition.is_nan() {
            outcome.skipped += 1;
        } else if condition != 0.0 {
            outcome.matches.push(Match {
                symbol: series.symbol().to_string(),
                time: series.time()[i],
                close: series.close()[i],
                rank: history.rank.as_ref().map(|r| r[i]),
                show: history.show.iter().map(|column| column[i]).collect(),
            });
        }
    }
    outcome.matched = outcome.matches.len();
    outcome
}

fn bits(values: impl IntoIterator<Item = f64>) -> Vec<u64> {
    values.into_iter().map(f64::to_bits).collect()
}

/// `got` (ordered and cut to the limit) agrees with `want` (all matches).
fn assert_agrees(
    what: &str,
    text: &str,
    plan: &Plan,
    got: &ScanOutcome,
    want: &ScanOutcome,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.as_of, want.as_of, "{}: as_of of `{}`", what, text);
    let counts = |o: &ScanOutcome| (o.matched, o.evaluated, o.skipped, o.without_bar);
    prop_assert_eq!(counts(got), counts(want), "{}: counts of `{}`", what, text);
    let shown = plan.limit().map_or(want.matched, |l| l.min(want.matched));
    prop_assert_eq!(got.matches.len(), shown, "{}: limit of `{}`", what, text);
    for m in &got.matches {
        let w = want.matches.iter().find(|w| w.symbol == m.symbol);
        prop_assert!(
            w.is_some(),
            "{}: `{}` matched {} only",
            what,
            text,
            m.symbol
        );
        let w = w.unwrap();
        prop_assert_eq!((m.time, m.close.to_bits()), (w.time, w.close.to_bits()));
        prop_assert_eq!(bits(m.rank), bits(w.rank), "{}: rank of `{}`", what, text);
        prop_assert_eq!(
            bits(m.show.iter().copied()),
            bits(w.show.iter().copied()),
            "{}: show of `{}`",
            what,
            text
        );
    }
    Ok(())
}

fn series(symbol: &str, bars: &[Bar]) -> BarSeries {
    BarSeries::from_bars(symbol, bars.to_vec()).expect("generated bars are valid")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn market_scan_equals_history_and_stream(
        text in scan_gen::scan_text(),
        a in scan_gen::daily_bars(),
        b in scan_gen::daily_bars(),
        cut in 0usize..=300,
        pick in 0usize..1_000,
    ) {
        let checked = lang::compile(&text).expect("generated scans compile");
        let plan = Plan::new(&checked);
        // Two symbols share dates (one stops earlier), the third has its own.
        let universe = vec![
            series("AAPL", &a),
            series("BRK.B", &a[..cut.min(a.len())]),
            series("ZZZ", &b),
        ];
        let at = match a.len() {
            0 => At::Latest,
            n if pick % 3 == 0 => At::OnOrBefore(a[pick % n].time),
            _ => At::Latest,
        };
        let scanned = plan.scan(&universe, at);
        assert_agrees("scan", &text, &plan, &scanned, &from_history(&plan, &universe, at))?;

        if at == At::Latest {
            let stream = MarketStream::new(plan.clone(), &universe);
            assert_agrees("stream", &text, &plan, &stream.outcome(), &scanned)?;
        }
    }
}
