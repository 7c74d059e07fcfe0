//! Per request: one log line (method, route, status, latency, client, request id) and the
//! request counters and latency histogram of `/metrics`.
//!
//! The route template (not the path, so ids and symbols do not explode the logs and
//! metrics) is only known after routing; `remember_route` runs inside the router and
//! hands it out on the response, where the outer `log_request` picks it up.

use super::client_ip::ClientIp;
use super::request_id::RequestId;
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;

#[derive(Clone)]
pub struct Route(pub String);

pub async fn remember_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(Route(route));
    }
    response
}

/// The route of a response, or `unmatched` for the fallback.
pub fn route_of(response: &Response) -> &str {
    response
        .extensions()
        .get::<Route>()
        .map_or("unmatched", |r| r.0.as_str())
}

pub async fn record(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let client = request.extensions().get::<ClientIp>().map(|c| c.0);
    let request_id = request.extensions().get::<RequestId>().map(|r| r.0.clone());
    // A span per request: every log line written while handling it carries the
    // method, path and request id. With Sentry, it is the request's transaction,
    // continuing the caller's trace when it sends one.
    let sentry_trace = request
        .headers()
        .get("sentry-trace")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let span = tracing::info_span!(
        "request",
        %method,
        path = %request.uri().path(),
        request_id = request_id.as_deref().unwrap_or(""),
        sentry.trace = sentry_trace.as_deref(),
        sentry.name = tracing::field::Empty,
        sentry.op = tracing::field::Empty,
    );
    let response = next.run(request).instrument(span.clone()).await;
    // Named after the route, known only now; recorded outside the request's log lines.
    span.record("sentry.name", format!("{method} {}", route_of(&response)));
    span.record("sentry.op", "http.server");
    let elapsed = started.elapsed().as_secs_f64();
    let route = route_of(&response);
    let status = response.status();
    app.metrics
        .http_requests
        .with_label_values(&[route, method.as_str(), status.as_str()])
        .inc();
    app.metrics
        .http_duration
        .with_label_values(&[route, method.as_str()])
        .observe(elapsed);
    tracing::info!(
        %method,
        route,
        status = status.as_u16(),
        latency_ms = elapsed * 1e3,
        client = client.map(|ip| ip.to_string()),
        request_id,
        "request"
    );
    response
}
