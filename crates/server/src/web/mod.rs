//! The server-rendered web UI: the shared layout, public pages, friendly error pages and
//! the embedded static files.

pub mod account_pages;
pub mod account_security;
pub mod account_settings;
pub mod assets;
pub mod errors;
pub mod forms;
pub mod pages;
pub mod password_pages;
pub mod session_cookies;

use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::landing))
        .route("/pricing", get(pages::pricing))
        .route("/api/docs", get(pages::api_docs))
        .merge(account_routes())
        .route("/static/{file}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .merge(crate::email::web::routes())
}

/// The account pages: signing up and in, and the signed-in user's own settings.
fn account_routes() -> Router<AppState> {
    use account_pages as a;
    use account_security as k;
    use account_settings as s;
    use password_pages as p;
    Router::new()
        .route("/signup", get(a::signup).post(a::signup_post))
        .route("/signup/sent", get(a::signup_sent))
        .route(
            "/verify-email",
            get(a::verify_email).post(a::verify_email_post),
        )
        .route("/signin", get(a::signin).post(a::signin_post))
        .route("/signin/2fa", get(a::two_factor).post(a::two_factor_post))
        .route("/forgot-password", get(p::forgot).post(p::forgot_post))
        .route("/forgot-password/sent", get(p::forgot_sent))
        .route("/reset-password", get(p::reset).post(p::reset_post))
        .route("/signout", post(a::signout))
        .route("/account", get(s::account))
        .route("/account/security", get(s::security))
        .route("/account/email", post(s::change_email))
        .route("/account/password", post(s::change_password))
        .route("/account/2fa/setup", post(k::two_factor_setup))
        .route("/account/2fa/confirm", post(k::two_factor_confirm))
        .route("/account/2fa/disable", post(k::two_factor_disable))
        .route("/account/2fa/recovery-codes", post(k::recovery_codes))
        .route("/account/sessions/revoke", post(s::revoke_session))
        .route(
            "/account/sessions/revoke-others",
            post(s::revoke_other_sessions),
        )
        .route("/account/api-keys", post(k::create_key))
        .route("/account/api-keys/revoke", post(k::revoke_key))
        .route_layer(axum::middleware::from_fn(forms::guard))
}

/// Paths that belong to the JSON API, where errors are problem+json and never HTML.
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}
