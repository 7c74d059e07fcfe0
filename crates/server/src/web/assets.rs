//! Static files, compiled into the binary and served under content-hashed names.
//!
//! A file's URL carries the first hex digits of its SHA-256 (`/static/app.1a2b3c4d5e.css`),
//! so browsers and proxies may keep it forever: a changed file gets a new name. Nothing
//! is read from disk at run time, so the binary is the whole deployment.

use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// Hex digits of the content hash kept in a name: 40 bits is plenty to tell versions of
/// one file apart.
const HASH_HEX_DIGITS: usize = 10;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Every embedded file: its plain name (as templates ask for it), content type, bytes.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/app.css"),
    ),
    (
        "theme.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/theme.js"),
    ),
    (
        "nav.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/nav.js"),
    ),
    (
        "api-docs.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/api-docs.js"),
    ),
    ("favicon.svg", "image/svg+xml", FAVICON),
];

const FAVICON: &[u8] = include_bytes!("../../static/favicon.svg");

pub struct Asset {
    /// The name templates use, e.g. `app.css`.
    pub name: &'static str,
    /// The full URL path, e.g. `/static/app.1a2b3c4d5e.css`.
    pub url: String,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

/// Hashed once, on first use: a few kilobytes, cheaper than a build script.
static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|&(name, content_type, bytes)| Asset {
            name,
            url: format!("/static/{}", hashed_name(name, bytes)),
            content_type,
            bytes,
        })
        .collect()
});

/// `app.css` with content `bytes` → `app.<hash>.css`.
fn hashed_name(name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let hash = &hex[..HASH_HEX_DIGITS];
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{name}.{hash}"),
    }
}

pub fn all() -> &'static [Asset] {
    &ASSETS
}

/// The hashed URL of an embedded file, for templates. An unknown name yields a URL that
/// answers 404, which the browser smoke test reports, rather than failing the page.
pub fn url(name: &str) -> &'static str {
    all()
        .iter()
        .find(|a| a.name == name)
        .map_or("/static/missing", |a| a.url.as_str())
}

/// `GET /favicon.ico`: browsers ask for it on pages without an icon link (JSON answers
/// such as `/healthz`); the SVG icon serves. Its name has no hash, so it is cached for a
/// day only.
pub async fn favicon() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        FAVICON,
    )
        .into_response()
}

/// `GET /static/{file}`: only the current hashed name of a file is served.
pub async fn serve(Path(file): Path<String>) -> Response {
    let wanted = format!("/static/{file}");
    match all().iter().find(|a| a.url == wanted) {
        Some(asset) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(asset.content_type),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
            ],
            asset.bytes,
        )
            .into_response(),
        None => super::pages::not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_a_hash_of_the_content() {
        let a = hashed_name("app.css", b"body{}");
        let b = hashed_name("app.css", b"body{ }");
        assert!(a.starts_with("app.") && a.ends_with(".css"), "{a}");
        assert_eq!(a.len(), "app..css".len() + HASH_HEX_DIGITS);
        assert_ne!(a, b);
    }

    #[test]
    fn every_file_has_a_distinct_url() {
        let mut urls: Vec<&str> = all().iter().map(|a| a.url.as_str()).collect();
        urls.sort();
        urls.dedup();
        assert_eq!(urls.len(), FILES.len());
        assert_eq!(url("nope.css"), "/static/missing");
    }
}
