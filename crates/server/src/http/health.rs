//! Liveness and readiness for load balancers and orchestrators.
//!
//! `/healthz` answers as long as the process serves HTTP. `/readyz` checks each
//! dependency with a short timeout and answers 503 when one is down, so a load balancer
//! sends traffic elsewhere instead of letting requests fail. `/metrics` is for Prometheus.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Serialize)]
struct Liveness {
    status: &'static str,
}

pub async fn live() -> Json<impl Serialize> {
    Json(Liveness { status: "ok" })
}

/// One dependency's state as `/readyz` reports it.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct CheckResult {
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl CheckResult {
    pub fn up(latency: Duration) -> Self {
        CheckResult {
            status: "ok",
            latency_ms: Some(latency.as_secs_f64() * 1e3),
            error: None,
        }
    }

    pub fn down(error: impl Into<String>) -> Self {
        CheckResult {
            status: "down",
            latency_ms: None,
            error: Some(error.into()),
        }
    }

    /// Up, but not as configured (e.g. Redis gone and rate limits back in-process):
    /// still ready to serve.
    pub fn degraded(error: impl Into<String>) -> Self {
        CheckResult {
            status: "degraded",
            latency_ms: None,
            error: Some(error.into()),
        }
    }

    fn blocks_traffic(&self) -> bool {
        self.status == "down"
    }
}

#[derive(Serialize)]
struct Readiness {
    status: &'static str,
    checks: BTreeMap<&'static str, CheckResult>,
}

pub async fn ready(State(app): State<AppState>) -> Response {
    let checks = app.readiness().await;
    let ready = !checks.values().any(CheckResult::blocks_traffic);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Readiness {
        status: if ready { "ready" } else { "unavailable" },
        checks,
    };
    (status, Json(body)).into_response()
}

pub async fn metrics(State(app): State<AppState>) -> Response {
    app.refresh_gauges().await;
    (
        [(axum::http::header::CONTENT_TYPE, prometheus::TEXT_FORMAT)],
        app.metrics.render(),
    )
        .into_response()
}
