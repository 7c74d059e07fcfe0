//! Compiling and running a scan for a request. Every error in the text comes back at
//! once as a 422 problem with positions; evaluation runs on the blocking pool, so a scan
//! over the whole market never stalls the async workers serving other requests.

use crate::http::problem::Problem;
use crate::market::universe::Universe;
use axum::http::StatusCode;
use scan::eval::{At, Plan, ScanOutcome};
use scan::lang::{self, Diagnostic};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longer scans are refused before parsing; real ones are a few hundred characters.
pub const MAX_SCAN_CHARS: usize = 10_000;

/// The scan's plan, or a problem listing every error in it.
pub fn compile(text: &str) -> Result<Plan, Problem> {
    let length = text.chars().count();
    if length > MAX_SCAN_CHARS {
        return Err(invalid_scan(format!(
            "the scan is {length} characters long; the limit is {MAX_SCAN_CHARS}"
        )));
    }
    let checked = lang::compile(text).map_err(|diagnostics| {
        let count = diagnostics.len();
        invalid_scan(format!(
            "{count} error{} in the scan:\n{}",
            if count == 1 { "" } else { "s" },
            lang::render_all(&diagnostics, text)
        ))
        .extension(
            "errors",
            Value::Array(diagnostics.iter().map(diagnostic_json).collect()),
        )
    })?;
    let plan = Plan::new(&checked);
    super::report::check_show_names(&plan).map_err(invalid_scan)?;
    Ok(plan)
}

fn invalid_scan(detail: String) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-scan",
        "The scan has errors",
    )
    .detail(detail)
}

/// One error as data: where (1-based line and column, byte offsets) and what.
fn diagnostic_json(d: &Diagnostic) -> Value {
    json!({
        "message": d.message,
        "line": d.line,
        "column": d.column,
        "start": d.span.start,
        "end": d.span.end,
        "expected": d.expected,
        "help": d.help,
    })
}

/// Evaluates the plan over a snapshot of the universe on the blocking pool; returns the
/// outcome and how long the evaluation took.
pub async fn evaluate(
    universe: Arc<Universe>,
    plan: Arc<Plan>,
    at: At,
) -> Result<(ScanOutcome, Duration), Problem> {
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let outcome = plan.scan(universe.series(), at);
        (outcome, started.elapsed())
    })
    .await
    .map_err(|e| Problem::internal(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_is_listed_with_its_position() {
        let problem = compile("rsi(14) < 30 and clsoe > 5 and sma(0) > 1").unwrap_err();
        assert_eq!(problem.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = problem.body_json();
        let errors = body["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 2, "{body}");
        assert_eq!(errors[0]["line"], 1);
        assert_eq!(errors[0]["column"], 18);
        assert!(errors[0]["help"].as_str().unwrap().contains("close"));
        assert!(body["detail"]
            .as_str()
            .unwrap()
            .starts_with("2 errors in the scan"));
    }

    #[test]
    fn an_overlong_scan_is_refused_before_parsing() {
        let text = "(".repeat(MAX_SCAN_CHARS + 1);
        let body = compile(&text).unwrap_err().body_json();
        assert!(body["detail"]
            .as_str()
            .unwrap()
            .contains("the limit is 10000"));
    }
}
