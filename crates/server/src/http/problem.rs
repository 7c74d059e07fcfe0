//! RFC 9457 problem details: every API error is `application/problem+json` with a
//! machine-readable `type`, a human `title` and `detail`, and the request id that ties
//! it to the server's logs.

use super::request_id;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// An error as the client sees it. Boxed: it travels in every handler's `Result`.
#[derive(Debug, Clone)]
pub struct Problem(Box<Parts>);

#[derive(Debug, Clone)]
struct Parts {
    status: StatusCode,
    /// Short kebab-case identifier, published as `type: "/problems/<slug>"`.
    slug: &'static str,
    title: String,
    detail: Option<String>,
    /// Members beyond the standard ones (RFC 9457 §3.2), e.g. the list of errors in a scan.
    extensions: serde_json::Map<String, serde_json::Value>,
    headers: Vec<(header::HeaderName, HeaderValue)>,
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    #[serde(flatten)]
    extensions: &'a serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &'static str, title: impl Into<String>) -> Self {
        Problem(Box::new(Parts {
            status,
            slug,
            title: title.into(),
            detail: None,
            extensions: serde_json::Map::new(),
            headers: Vec::new(),
        }))
    }

    /// The generic problem for a status, titled by its reason phrase.
    pub fn status(status: StatusCode) -> Self {
        let title = status.canonical_reason().unwrap_or("Error");
        Problem::new(status, slug_for(status), title)
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.0.detail = Some(detail.into());
        self
    }

    /// Adds a member to the body; the standard members keep their names.
    pub fn extension(mut self, name: &str, value: serde_json::Value) -> Self {
        self.0.extensions.insert(name.to_string(), value);
        self
    }

    pub fn header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.0.headers.push((name, value));
        self
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Problem::status(StatusCode::BAD_REQUEST).detail(detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::status(StatusCode::NOT_FOUND).detail(detail)
    }

    /// A dependency (database, Redis) is unavailable; the client may retry.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Problem::status(StatusCode::SERVICE_UNAVAILABLE)
            .detail(detail)
            .header(header::RETRY_AFTER, HeaderValue::from_static("5"))
    }

    /// A failure that is ours, not the client's: logged in full, shown without internals.
    pub fn internal(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Problem::status(StatusCode::INTERNAL_SERVER_ERROR)
            .detail("The server failed to handle the request; it has been logged.")
    }

    pub fn status_code(&self) -> StatusCode {
        self.0.status
    }
}

fn slug_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad-request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        405 => "method-not-allowed",
        408 => "request-timeout",
        409 => "conflict",
        413 => "payload-too-large",
        415 => "unsupported-media-type",
        422 => "unprocessable-content",
        429 => "too-many-requests",
        500 => "internal-error",
        503 => "service-unavailable",
        504 => "gateway-timeout",
        _ if status.is_client_error() => "client-error",
        _ => "server-error",
    }
}

impl Problem {
    fn body(&self) -> Body<'_> {
        Body {
            kind: format!("/problems/{}", self.0.slug),
            title: &self.0.title,
            status: self.0.status.as_u16(),
            detail: self.0.detail.as_deref(),
            request_id: request_id::current(),
            extensions: &self.0.extensions,
        }
    }

    /// The body as the client would receive it.
    #[cfg(test)]
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::to_value(self.body()).expect("a problem serializes")
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let json = serde_json::to_vec(&self.body()).unwrap_or_else(|_| b"{}".to_vec());
        let problem = *self.0;
        let mut response = (problem.status, json).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        for (name, value) in problem.headers {
            headers.insert(name, value);
        }
        response
    }
}

/// A database failure as the client sees it: unreachable (pool exhausted, connection
/// lost) is 503 and worth a retry; anything else is ours, a 500 with the details logged.
impl From<crate::db::DbError> for Problem {
    fn from(error: crate::db::DbError) -> Problem {
        if error.is_unavailable() {
            tracing::warn!(%error, "database unavailable");
            Problem::unavailable("The database is not answering; please retry shortly.")
        } else {
            Problem::internal(&error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DbError;

    #[test]
    fn an_unreachable_database_is_503_and_a_query_error_500() {
        let unreachable = DbError::ConnectTimeout {
            url: "postgres://db/app".into(),
            after: std::time::Duration::from_secs(3),
        };
        assert_eq!(
            Problem::from(unreachable).status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let broken = DbError::Query(sea_orm::DbErr::Custom("syntax error".into()));
        assert_eq!(
            Problem::from(broken).status_code(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
