//! The versioned JSON API under `/api/v1`, and its OpenAPI 3.1 description, generated
//! from the handlers' annotations so the document cannot drift from the code.

pub mod account;
pub mod admin;
pub mod auth;
pub mod scans;
pub mod symbols;

use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stock Scanner API",
        description = "Scan the market, backtest scans and manage alerts. Errors are RFC 9457 \
            problem details (`application/problem+json`) carrying a `request_id`. Lists are \
            paginated by cursor: pass `next_cursor` back as `cursor`. Every response reports \
            the caller's rate limit in `RateLimit-Limit`, `RateLimit-Remaining` and \
            `RateLimit-Reset`; a refused request is 429 with `Retry-After`.",
        license(name = "AGPL-3.0-or-later")
    ),
    servers((url = "/api/v1")),
    components(schemas(ProblemDocument))
)]
struct ApiDoc;

/// The routes of `/api/v1`, including the document at `/api/v1/openapi.json`.
pub fn routes() -> Router<AppState> {
    let (router, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(index))
        .routes(routes!(symbols::list))
        .routes(routes!(symbols::bars))
        .routes(routes!(scans::run_scan))
        .routes(routes!(auth::register))
        .routes(routes!(auth::verify_email))
        .routes(routes!(auth::login))
        .routes(routes!(auth::login_second_factor))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::forgot_password))
        .routes(routes!(auth::reset_password))
        .routes(routes!(account::profile))
        .routes(routes!(account::change_password))
        .routes(routes!(account::change_email))
        .routes(routes!(account::sessions))
        .routes(routes!(account::revoke_session))
        .routes(routes!(account::revoke_other_sessions))
        .routes(routes!(account::two_factor_setup))
        .routes(routes!(account::two_factor_confirm))
        .routes(routes!(account::two_factor_disable))
        .routes(routes!(account::regenerate_recovery_codes))
        .routes(routes!(account::list_keys, account::create_key))
        .routes(routes!(account::revoke_key))
        .routes(routes!(admin::change_user))
        .routes(routes!(admin::list_blocks, admin::add_block))
        .routes(routes!(admin::remove_block))
        .routes(routes!(admin::audit_log))
        .split_for_parts();
    router.route("/openapi.json", get(move || async move { Json(document) }))
}

/// An RFC 9457 problem: the body of every error response.
#[derive(Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemDocument {
    /// Identifies the kind of problem, e.g. `/problems/not-found`.
    #[serde(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    /// What went wrong with this request, and where.
    detail: Option<String>,
    /// The id in the `X-Request-Id` header and in the server's logs.
    request_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Index {
    name: &'static str,
    version: &'static str,
    openapi: &'static str,
    docs: &'static str,
}

/// Where a client starts: the API's version and where its description lives.
#[utoipa::path(get, path = "/", tag = "meta", responses((status = 200, body = Index)))]
async fn index() -> Json<Index> {
    Json(Index {
        name: "Stock Scanner API",
        version: "v1",
        openapi: "/api/v1/openapi.json",
        docs: "/api/docs",
    })
}
