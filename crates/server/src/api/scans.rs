//! `POST /api/v1/scans/run`: run a scan over the market now, as `stockscanner scan` does
//! on the command line. Runs by a signed-in caller are recorded for their monthly
//! report (`scans::activity`); anonymous runs are not.

use crate::accounts::api_keys::Scope;
use crate::http::identity::Authenticated;
use crate::http::problem::Problem;
use crate::market::universe::Source;
use crate::scans::activity::{self, ScanRun};
use crate::scans::report::ScanReport;
use crate::scans::run;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use chrono::Utc;
use scan::eval::At;
use scan::BarTime;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

/// At most this many matches are returned; `matched` still counts them all. A scan
/// that wants the best few says so with `rank by … limit N`.
pub const MAX_MATCHES: usize = 1_000;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunScan {
    /// The scan, e.g. `rsi(14) < 30 and close > sma(200)` (see docs/scan-language.md).
    #[schema(example = "rsi(14) < 30 and close > sma(200) rank by volume limit 20")]
    scan: String,
    /// Answer as of this date, `YYYY-MM-DD` (the last trading day on or before it);
    /// default: the latest bar.
    at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ScanAnswer {
    /// `demo` while the synthetic demo universe is loaded.
    source: Source,
    #[serde(flatten)]
    report: ScanReport,
    /// Whether `matches` was cut to the first 1,000.
    truncated: bool,
}

/// Runs a scan over every symbol and returns the matches, ranked.
#[utoipa::path(
    post,
    path = "/scans/run",
    tag = "scans",
    request_body = RunScan,
    responses(
        (status = 200, body = ScanAnswer),
        (status = 422, description = "The scan has errors: each is listed in `errors` with its line and column", body = crate::api::ProblemDocument, content_type = "application/problem+json"),
        (status = 400, description = "The body is not the JSON described", body = crate::api::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "An API key without the `scans:read` scope", body = crate::api::ProblemDocument, content_type = "application/problem+json"),
    )
)]
pub async fn run_scan(
    State(app): State<AppState>,
    caller: Option<Authenticated>,
    Json(request): Json<RunScan>,
) -> Result<Json<ScanAnswer>, Problem> {
    // Anyone may run a scan; an API key must have been given the right to.
    if let Some(caller) = &caller {
        caller.require(Scope::ScansRead)?;
    }
    let plan = Arc::new(run::compile(&request.scan)?);
    let at = match request.at.as_deref() {
        None => At::Latest,
        Some(text) => At::OnOrBefore(BarTime::parse(text).map_err(|e| {
            Problem::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-date",
                "The date is not valid",
            )
            .detail(format!("`at`: {e}"))
        })?),
    };
    let universe = app.universe();
    let source = universe.source;
    let started_at = Utc::now();
    let (mut outcome, took) = run::evaluate(universe, plan.clone(), at).await?;
    app.metrics
        .scan_duration
        .with_label_values(&["cold"])
        .observe(took.as_secs_f64());
    if let Some(Authenticated(identity)) = &caller {
        let run = ScanRun::new(identity.user.id, &request.scan, started_at, took, &outcome);
        // The user asked for matches, not for a record: a failure to store the run
        // costs their monthly report one scan, never this answer.
        if let Err(error) = activity::record(&app.db, &run).await {
            tracing::warn!(user = identity.user.id, %error, "could not record a scan run");
        }
    }
    let truncated = outcome.matches.len() > MAX_MATCHES;
    outcome.matches.truncate(MAX_MATCHES);
    Ok(Json(ScanAnswer {
        source,
        report: ScanReport::new(&plan, &outcome),
        truncated,
    }))
}
