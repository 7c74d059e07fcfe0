//! Server errors outside the API shown as the friendly page, not as a blank screen.
//!
//! A timeout, a body-limit rejection or a handler's bare `500` reaches the browser as an
//! empty or plain-text body. For pages, this swaps such a body for the friendly error
//! page with the same status. JSON answers (`/readyz`, problem+json) and pages that
//! already are HTML are left alone: a client asked for them in that form.

use super::{is_api_path, pages};
use axum::extract::Request;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;

pub async fn friendly_server_errors(request: Request, next: Next) -> Response {
    let is_api = is_api_path(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    if is_api || !status.is_server_error() || !is_bare(response.headers()) {
        return response;
    }
    let mut page = pages::error_page(status);
    // Keep what tells the client when to come back.
    if let Some(retry) = response.headers().get(header::RETRY_AFTER) {
        page.headers_mut()
            .insert(header::RETRY_AFTER, retry.clone());
    }
    page
}

/// No body type, or plain text: what axum and tower produce on their own.
fn is_bare(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{to_bytes, Body};
    use axum::http::StatusCode;
    use axum::middleware::from_fn;
    use axum::response::IntoResponse;
    use axum::routing::get;
    use axum::{Json, Router};
    use tower::ServiceExt;

    fn app() -> Router {
        Router::new()
            .route("/boom", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
            .route(
                "/text",
                get(|| async { (StatusCode::BAD_GATEWAY, "upstream said no").into_response() }),
            )
            .route(
                "/json",
                get(|| async { (StatusCode::SERVICE_UNAVAILABLE, Json("down")).into_response() }),
            )
            .route(
                "/api/v1/boom",
                get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
            )
            .route("/fine", get(|| async { "ok" }))
            .layer(from_fn(friendly_server_errors))
    }

    async fn get_page(path: &str) -> (StatusCode, Option<String>, String) {
        let request = Request::get(path).body(Body::empty()).unwrap();
        let response = app().oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string());
        let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, content_type, String::from_utf8_lossy(&body).into())
    }

    #[tokio::test]
    async fn bare_server_errors_on_pages_become_the_friendly_page() {
        for (path, status) in [
            ("/boom", StatusCode::INTERNAL_SERVER_ERROR),
            ("/text", StatusCode::BAD_GATEWAY),
        ] {
            let (got, content_type, body) = get_page(path).await;
            assert_eq!(got, status);
            assert_eq!(content_type.as_deref(), Some("text/html; charset=utf-8"));
            assert!(body.contains("Something went wrong on our side"), "{body}");
            assert!(!body.contains("upstream said no"), "internal text leaked");
        }
    }

    #[tokio::test]
    async fn json_api_and_successful_answers_are_left_alone() {
        let (status, content_type, _) = get_page("/json").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(content_type.as_deref(), Some("application/json"));
        let (status, _, body) = get_page("/api/v1/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.is_empty());
        let (status, _, body) = get_page("/fine").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    }
}
