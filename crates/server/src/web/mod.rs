//! The server-rendered web UI: the shared layout, public pages, friendly error pages and
//! the embedded static files.

pub mod assets;
pub mod errors;
pub mod pages;
pub mod session_cookies;

use crate::state::AppState;
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::landing))
        .route("/pricing", get(pages::pricing))
        .route("/api/docs", get(pages::api_docs))
        .route("/static/{file}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .merge(crate::email::web::routes())
}

/// Paths that belong to the JSON API, where errors are problem+json and never HTML.
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}
