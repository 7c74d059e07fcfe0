//! The versioned JSON API under `/api/v1`.

pub mod symbols;

use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/symbols", get(symbols::list))
        .route("/symbols/{symbol}/bars", get(symbols::bars))
}

#[derive(Serialize)]
struct Index {
    name: &'static str,
    version: &'static str,
    openapi: &'static str,
    docs: &'static str,
}

/// Where a client starts: the API's version and where its description lives.
async fn index() -> Json<Index> {
    Json(Index {
        name: "Stock Scanner API",
        version: "v1",
        openapi: "/api/v1/openapi.json",
        docs: "/api/docs",
    })
}
