//! Who ran which scans, when, and what matched: one `scan_runs` row per run by a signed-in
//! user. This is what the monthly report is made of; anonymous runs leave no trace.
//!
//! A run keeps only the first [`MAX_SYMBOLS`] matched symbols in ranked order (as a JSON
//! array in `results`): enough to say which symbols a user's scans found most, without
//! storing a whole market's answer per click. Rows older than [`RETENTION_DAYS`] are
//! deleted by the monthly-report job ([`prune`]); a report never looks further back.

use crate::db::DbError;
use chrono::{DateTime, Utc};
use scan::eval::ScanOutcome;
use sea_orm::{ConnectionTrait, Statement, Value};
use std::collections::HashMap;
use std::time::Duration;

/// Matched symbols kept per run, best ranked first.
pub const MAX_SYMBOLS: usize = 50;
/// How long runs are kept: a year and a month, so last month is always complete.
pub const RETENTION_DAYS: i64 = 400;

/// One finished run, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanRun {
    pub user_id: i64,
    pub expression: String,
    /// `api` for `POST /api/v1/scans/run`.
    pub triggered_by: &'static str,
    pub started_at: DateTime<Utc>,
    pub took: Duration,
    /// The bar day answered at (days since 1970-01-01, as `bars.day`).
    pub as_of_day: Option<i64>,
    pub evaluated: usize,
    /// Every symbol that matched, before `limit` cut the list.
    pub matched: usize,
    /// The first [`MAX_SYMBOLS`] matches in ranked order.
    pub symbols: Vec<String>,
}

impl ScanRun {
    /// The run of `expression` by `user_id` that produced `outcome`.
    pub fn new(
        user_id: i64,
        expression: &str,
        started_at: DateTime<Utc>,
        took: Duration,
        outcome: &ScanOutcome,
    ) -> ScanRun {
        ScanRun {
            user_id,
            expression: expression.to_string(),
            triggered_by: "api",
            started_at,
            took,
            as_of_day: outcome.as_of.map(|t| t.day_number()),
            evaluated: outcome.evaluated,
            matched: outcome.matched,
            symbols: outcome
                .matches
                .iter()
                .take(MAX_SYMBOLS)
                .map(|m| m.symbol.clone())
                .collect(),
        }
    }
}

fn count(n: usize) -> Value {
    i32::try_from(n).unwrap_or(i32::MAX).into()
}

/// Stores `run`; returns its id.
pub async fn record<C: ConnectionTrait>(db: &C, run: &ScanRun) -> Result<i64, DbError> {
    let symbols: Vec<&str> = run
        .symbols
        .iter()
        .take(MAX_SYMBOLS)
        .map(String::as_str)
        .collect();
    let finished_at = chrono::Duration::from_std(run.took)
        .ok()
        .and_then(|took| run.started_at.checked_add_signed(took))
        .unwrap_or(run.started_at);
    let took_ms = i64::try_from(run.took.as_millis()).unwrap_or(i64::MAX);
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "INSERT INTO scan_runs (user_id, expression, triggered_by, status, as_of_day,
                 symbols_scanned, match_count, results, duration_ms, started_at, finished_at)
             VALUES ($1, $2, $3, 'done', $4, $5, $6, $7, $8, $9, $10)
             RETURNING id",
            vec![
                run.user_id.into(),
                run.expression.as_str().into(),
                run.triggered_by.into(),
                run.as_of_day.into(),
                count(run.evaluated),
                count(run.matched),
                serde_json::json!(symbols).into(),
                took_ms.into(),
                run.started_at.into(),
                finished_at.into(),
            ],
        ))
        .await?
        .ok_or(DbError::Query(sea_orm::DbErr::RecordNotInserted))?;
    Ok(row.try_get("", "id")?)
}

/// What a user's scans did over a period.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Activity {
    pub scans_run: u64,
    /// Up to `top` symbols, most often matched first (ties by symbol), with how many of
    /// the period's runs matched each.
    pub top_symbols: Vec<(String, u32)>,
}

/// `user_id`'s finished runs in `[from, to)`, with their `top` most matched symbols.
pub async fn between<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    top: usize,
) -> Result<Activity, DbError> {
    // `results` is jsonb on PostgreSQL and text on SQLite: reading it as text is the one
    // form both give back.
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT CAST(results AS TEXT) AS results FROM scan_runs
             WHERE user_id = $1 AND status = 'done' AND started_at >= $2 AND started_at < $3",
            vec![user_id.into(), from.into(), to.into()],
        ))
        .await?;
    let mut lists = Vec::with_capacity(rows.len());
    for row in &rows {
        let text: Option<String> = row.try_get("", "results")?;
        // A row some other writer filled differently still counts as a run.
        let symbols = text
            .and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok())
            .unwrap_or_default();
        lists.push(symbols);
    }
    Ok(Activity {
        scans_run: rows.len() as u64,
        top_symbols: top_symbols(&lists, top),
    })
}

/// The `n` symbols appearing in most lists, ties broken by symbol; a symbol counts once
/// per list.
pub fn top_symbols(lists: &[Vec<String>], n: usize) -> Vec<(String, u32)> {
    let mut counts: HashMap<&str, u32> = HashMap::new();
    for list in lists {
        let mut seen: Vec<&str> = list.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for symbol in seen {
            *counts.entry(symbol).or_default() += 1;
        }
    }
    let mut ranked: Vec<(&str, u32)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    ranked
        .into_iter()
        .take(n)
        .map(|(symbol, count)| (symbol.to_string(), count))
        .collect()
}

/// Deletes runs started before `before`; returns how many.
pub async fn prune<C: ConnectionTrait>(db: &C, before: DateTime<Utc>) -> Result<u64, DbError> {
    Ok(db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "DELETE FROM scan_runs WHERE started_at < $1",
            vec![before.into()],
        ))
        .await?
        .rows_affected())
}

/// The cut-off of [`RETENTION_DAYS`] before `now`.
pub fn retention_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now - chrono::Duration::days(RETENTION_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(symbols: &[&str]) -> Vec<String> {
        symbols.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn top_symbols_count_runs_and_break_ties_by_name() {
        let lists = vec![
            list(&["NVDA", "AMD", "TSLA"]),
            list(&["AMD", "NVDA"]),
            list(&["AAPL", "AMD", "AMD"]),
        ];
        assert_eq!(
            top_symbols(&lists, 10),
            vec![
                ("AMD".to_string(), 3),
                ("NVDA".to_string(), 2),
                ("AAPL".to_string(), 1),
                ("TSLA".to_string(), 1),
            ]
        );
        assert_eq!(top_symbols(&lists, 1), vec![("AMD".to_string(), 3)]);
        assert!(top_symbols(&[], 10).is_empty());
        // Twelve symbols matched once each: the first ten by name.
        let many: Vec<String> = (b'A'..=b'L')
            .rev()
            .map(|c| char::from(c).to_string())
            .collect();
        let top = top_symbols(&[many], 10);
        assert_eq!(top.len(), 10);
        assert_eq!((top[0].0.as_str(), top[9].0.as_str()), ("A", "J"));
    }
}
