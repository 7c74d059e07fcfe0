//! Errors produced outside our handlers — an unknown route, a wrong method, a body too
//! large, a malformed JSON body, a timeout — come from axum and tower as bare status
//! codes or plain text. Under `/api` they are turned into problem+json like every other
//! API error, keeping the text as the detail and headers such as `Allow`.

use super::problem::{self, Problem};
use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// How much of a plain-text error body is kept as the detail.
const MAX_DETAIL_BYTES: usize = 2048;

pub async fn as_problems(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    if !is_api
        || !(status.is_client_error() || status.is_server_error())
        || is_problem(response.headers())
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    let detail = plain_text_detail(&parts.headers, body).await;
    let mut problem = Problem::status(status);
    if let Some(detail) = detail {
        problem = problem.detail(detail);
    }
    let mut converted = problem.into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = parts.headers.get(&name) {
            converted.headers_mut().insert(name, value.clone());
        }
    }
    converted
}

fn is_problem(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(problem::CONTENT_TYPE.as_bytes()))
}

async fn plain_text_detail(headers: &HeaderMap, body: Body) -> Option<String> {
    let is_text = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    if !is_text {
        return None;
    }
    let bytes = to_bytes(body, MAX_DETAIL_BYTES).await.ok()?;
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    (!text.is_empty()).then_some(text)
}
