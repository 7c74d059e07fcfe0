//! One log line per request: method, route, status, latency, client and request id.
//!
//! The route template (not the path, so ids and symbols do not explode the logs and
//! metrics) is only known after routing; `remember_route` runs inside the router and
//! hands it out on the response, where the outer `log_request` picks it up.

use super::client_ip::ClientIp;
use super::request_id::RequestId;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

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

pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let client = request.extensions().get::<ClientIp>().map(|c| c.0);
    let request_id = request.extensions().get::<RequestId>().map(|r| r.0.clone());
    let response = next.run(request).await;
    tracing::info!(
        %method,
        route = route_of(&response),
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1e3,
        client = client.map(|ip| ip.to_string()),
        request_id,
        "request"
    );
    response
}
