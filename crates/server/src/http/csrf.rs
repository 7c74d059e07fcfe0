//! Cross-site request forgery protection for requests authenticated by a cookie.
//!
//! A state-changing request (any method but GET, HEAD, OPTIONS, TRACE) that carries the
//! session cookie must prove it comes from our own pages. Browsers say where a request
//! comes from: `Sec-Fetch-Site` (all current browsers), else `Origin`. A request with
//! neither — an old browser or a script holding the cookie — must echo the CSRF cookie in
//! the `X-CSRF-Token` header (double submit), which another site cannot read. Requests
//! authenticated by the `Authorization` header alone need no check: browsers never attach
//! it on their own.

use super::problem::Problem;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Names of the session cookie: `__Host-` outside development, where it is Secure.
pub const SESSION_COOKIES: [&str; 2] = ["__Host-ss_session", "ss_session"];
/// Names of the cookie holding the CSRF token, readable by our own scripts.
pub const CSRF_COOKIES: [&str; 2] = ["__Host-ss_csrf", "ss_csrf"];
pub const CSRF_HEADER: &str = "x-csrf-token";

pub async fn protect(State(app_origin): State<Arc<str>>, request: Request, next: Next) -> Response {
    // One-click unsubscribe (RFC 8058) is cross-site by design and authorised by the
    // signed token in its URL, never by the cookie.
    if request.uri().path() == crate::email::web::UNSUBSCRIBE_PATH {
        return next.run(request).await;
    }
    match verdict(request.method(), request.headers(), &app_origin) {
        Ok(()) => next.run(request).await,
        Err(reason) => Problem::new(StatusCode::FORBIDDEN, "csrf", "Cross-site request refused")
            .detail(reason)
            .into_response(),
    }
}

pub fn verdict(method: &Method, headers: &HeaderMap, app_origin: &str) -> Result<(), String> {
    let safe = matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if safe
        || SESSION_COOKIES
            .iter()
            .all(|name| cookie(headers, name).is_none())
    {
        return Ok(());
    }
    if let Some(site) = header_str(headers, "sec-fetch-site") {
        return match site {
            "same-origin" | "none" => Ok(()),
            // A sibling subdomain is same-site but may be someone else's.
            other => Err(format!(
                "this {method} request came from another site (Sec-Fetch-Site: {other})"
            )),
        };
    }
    if let Some(origin) = header_str(headers, header::ORIGIN.as_str()) {
        return if origin == app_origin {
            Ok(())
        } else {
            Err(format!(
                "this {method} request came from {origin}, not from {app_origin}"
            ))
        };
    }
    let expected = CSRF_COOKIES.iter().find_map(|name| cookie(headers, name));
    match (expected, header_str(headers, CSRF_HEADER)) {
        (Some(expected), Some(sent)) if crate::auth::secrets::same(expected, sent) => Ok(()),
        _ => Err(format!(
            "this {method} request carries the session cookie but no X-CSRF-Token header \
             matching the CSRF cookie"
        )),
    }
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The value of the named cookie in the request's `Cookie` headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = "https://scanner.example";

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn requests_without_the_session_cookie_pass() {
        let h = headers(&[
            ("authorization", "Bearer x"),
            ("origin", "https://evil.example"),
        ]);
        assert!(verdict(&Method::POST, &h, APP).is_ok());
    }

    #[test]
    fn safe_methods_pass() {
        let h = headers(&[
            ("cookie", "ss_session=abc"),
            ("sec-fetch-site", "cross-site"),
        ]);
        assert!(verdict(&Method::GET, &h, APP).is_ok());
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        let same = headers(&[
            ("cookie", "ss_session=abc"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert!(verdict(&Method::POST, &same, APP).is_ok());
        let cross = headers(&[
            ("cookie", "a=1; ss_session=abc"),
            ("sec-fetch-site", "same-site"),
        ]);
        let err = verdict(&Method::DELETE, &cross, APP).unwrap_err();
        assert!(err.contains("Sec-Fetch-Site: same-site"), "{err}");
    }

    #[test]
    fn origin_must_be_ours_when_fetch_metadata_is_missing() {
        let ours = headers(&[("cookie", "ss_session=abc"), ("origin", APP)]);
        assert!(verdict(&Method::POST, &ours, APP).is_ok());
        let theirs = headers(&[
            ("cookie", "ss_session=abc"),
            ("origin", "https://evil.example"),
        ]);
        assert!(verdict(&Method::POST, &theirs, APP).is_err());
    }

    #[test]
    fn without_either_header_the_token_must_match_the_cookie() {
        let good = headers(&[
            ("cookie", "ss_session=abc; ss_csrf=t0ken"),
            ("x-csrf-token", "t0ken"),
        ]);
        assert!(verdict(&Method::PUT, &good, APP).is_ok());
        let bad = headers(&[
            ("cookie", "ss_session=abc; ss_csrf=t0ken"),
            ("x-csrf-token", "t0kem"),
        ]);
        assert!(verdict(&Method::PUT, &bad, APP).is_err());
        let missing = headers(&[("cookie", "ss_session=abc")]);
        assert!(verdict(&Method::PATCH, &missing, APP).is_err());
    }
}
