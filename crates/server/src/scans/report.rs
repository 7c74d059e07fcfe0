//! The JSON form of a scan's answer, shared by the API and `stockscanner scan --format
//! json`, so both speak the same shape.

use scan::eval::{Match, Plan, ScanOutcome};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// Values every match carries before the scan's own `show` columns.
pub const FIXED_COLUMNS: [&str; 4] = ["symbol", "date", "close", "rank"];

/// A `show … as NAME` must not shadow a fixed column: the JSON keeps values by name.
pub fn check_show_names(plan: &Plan) -> Result<(), String> {
    match plan
        .show_columns()
        .find(|(name, _)| FIXED_COLUMNS.iter().any(|f| f.eq_ignore_ascii_case(name)))
    {
        Some((name, _)) => Err(format!(
            "`show … as {name}`: `{name}` is already a result column; choose another name"
        )),
        None => Ok(()),
    }
}

/// What a scan answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanReport {
    /// The date answered at (`YYYY-MM-DD`); `null` when no symbol has a bar on or
    /// before the requested date.
    pub as_of: Option<String>,
    /// Ordered by the rank (highest first unless `asc`), then by symbol.
    pub matches: Vec<MatchReport>,
    /// How many symbols matched, before `limit` cut the list.
    pub matched: usize,
    /// Symbols with a bar on the `as_of` date.
    pub evaluated: usize,
    /// Symbols without enough history for the scan at that bar: they do not match.
    pub skipped: usize,
    /// Symbols without a bar on the `as_of` date.
    pub without_bar: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchReport {
    pub symbol: String,
    pub date: String,
    /// `close`, `rank` when the scan ranks, then each `show` column by its name:
    /// numbers, `true`/`false` for conditions, `null` where undefined.
    #[schema(value_type = Object)]
    pub values: Map<String, Value>,
}

impl ScanReport {
    pub fn new(plan: &Plan, outcome: &ScanOutcome) -> ScanReport {
        ScanReport {
            as_of: outcome.as_of.map(|t| t.to_string()),
            matches: outcome
                .matches
                .iter()
                .map(|m| MatchReport::new(plan, m))
                .collect(),
            matched: outcome.matched,
            evaluated: outcome.evaluated,
            skipped: outcome.skipped,
            without_bar: outcome.without_bar,
        }
    }
}

impl MatchReport {
    fn new(plan: &Plan, m: &Match) -> MatchReport {
        let mut values = Map::new();
        values.insert("close".into(), number(m.close));
        if let Some(rank) = m.rank {
            values.insert("rank".into(), number(rank));
        }
        for ((name, condition), &v) in plan.show_columns().zip(&m.show) {
            let value = match truth(v) {
                Some(t) if condition => Value::Bool(t),
                _ => number(v),
            };
            values.insert(name.to_string(), value);
        }
        MatchReport {
            symbol: m.symbol.clone(),
            date: m.time.to_string(),
            values,
        }
    }
}

/// A number as JSON; undefined (NaN) as `null`. serde_json prints the shortest text
/// that reads back as the same `f64`.
pub fn number(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// A condition's value as `true`/`false`, undefined as `None`.
pub fn truth(v: f64) -> Option<bool> {
    (!v.is_nan()).then_some(v != 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use scan::eval::At;
    use scan::{lang, Bar, BarSeries, BarTime};

    fn plan(text: &str) -> Plan {
        Plan::new(&lang::compile(text).expect("the scan compiles"))
    }

    /// Closes 10, 11, 12, … on consecutive days.
    fn rising(symbol: &str, bars: u32) -> BarSeries {
        let bars = (0..bars)
            .map(|i| {
                let close = 10.0 + f64::from(i);
                Bar {
                    time: BarTime::from_ymd(2025, 1, 1 + i).unwrap(),
                    open: close,
                    high: close,
                    low: close,
                    close,
                    volume: 1_000.0,
                    adj_close: None,
                }
            })
            .collect();
        BarSeries::from_bars(symbol, bars).unwrap()
    }

    #[test]
    fn a_match_carries_close_rank_and_show_values_by_name() {
        let plan = plan("close > 0 rank by close show close > 11 as up, sma(close, 50) as slow");
        let outcome = plan.scan(&[rising("AAA", 3)], At::Latest);
        let report = ScanReport::new(&plan, &outcome);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["matched"], 1);
        let values = &json["matches"][0]["values"];
        assert_eq!(values["close"], 12.0);
        assert_eq!(values["rank"], 12.0);
        assert_eq!(values["up"], true);
        assert_eq!(
            values["slow"],
            Value::Null,
            "sma(50) of 3 bars is undefined"
        );
    }

    #[test]
    fn a_show_column_may_not_take_a_fixed_name() {
        let error = check_show_names(&plan("close > 0 show volume as Close")).unwrap_err();
        assert!(
            error.contains("`Close` is already a result column"),
            "{error}"
        );
        assert!(check_show_names(&plan("close > 0 show volume as vol")).is_ok());
    }
}
