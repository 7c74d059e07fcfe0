//! Maintenance mode: while on, requests get 503 with `Retry-After` — a friendly page in
//! the browser, problem+json from the API — except health checks, metrics and payment
//! webhooks, which monitoring and Stripe must keep reaching.
//!
//! The switch is the `maintenance` setting, so `stockscanner admin maintenance on` on any
//! machine reaches every instance: each one re-reads it every few seconds.

use crate::db::DbError;
use crate::http::problem::Problem;
use crate::settings;
use crate::shutdown::Shutdown;
use crate::state::AppState;
use crate::web;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;
use std::time::Duration;

const KEY: &str = "maintenance";
/// How stale an instance's view of the switch may be.
pub const REFRESH: Duration = Duration::from_secs(2);
/// What clients are told to wait before retrying.
const RETRY_AFTER_SECONDS: u64 = 120;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setting {
    pub on: bool,
    /// Shown to visitors, e.g. "Upgrading the database; back by 14:00 UTC".
    pub message: Option<String>,
}

pub async fn read<C: ConnectionTrait>(db: &C) -> Result<Setting, DbError> {
    Ok(parse(settings::get(db, KEY).await?))
}

/// The stored value as a setting; absent or unreadable means off.
fn parse(value: Option<serde_json::Value>) -> Setting {
    value
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or(Setting {
            on: false,
            message: None,
        })
}

pub async fn write<C: ConnectionTrait>(db: &C, setting: &Setting) -> Result<(), DbError> {
    let value = serde_json::to_value(setting).unwrap_or_default();
    settings::set(db, KEY, value).await
}

/// This instance's copy of the switch.
#[derive(Default)]
pub struct Switch {
    on: AtomicBool,
    message: RwLock<Option<String>>,
}

impl Switch {
    pub fn is_on(&self) -> bool {
        self.on.load(Ordering::Relaxed)
    }

    fn message(&self) -> Option<String> {
        self.message
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn apply(&self, setting: Setting) {
        if self.on.swap(setting.on, Ordering::Relaxed) != setting.on {
            tracing::warn!(on = setting.on, "maintenance mode switched");
        }
        *self.message.write().unwrap_or_else(|e| e.into_inner()) = setting.message;
    }

    /// Follows the setting, re-read every [`REFRESH`], until shutdown.
    pub async fn follow(app: AppState, db: DatabaseConnection, shutdown: Shutdown) {
        settings::follow(db, KEY, REFRESH, shutdown, |value| {
            app.maintenance.apply(parse(value));
            std::future::ready(())
        })
        .await;
    }
}

/// Paths that work during maintenance: probes, webhooks, assets, and signing in (so
/// that an administrator can; everything else stays closed to other users).
fn exempt(path: &str) -> bool {
    matches!(
        path,
        "/healthz" | "/readyz" | "/metrics" | "/signin" | "/signin/2fa" | "/signout"
    ) || path.starts_with("/api/v1/auth/login")
        || path == "/api/v1/auth/refresh"
        || path == "/api/v1/auth/logout"
        || path.starts_with("/api/v1/webhooks/")
        || path.starts_with("/static/")
        || path == "/favicon.ico"
}

pub async fn gate(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let admin = request
        .extensions()
        .get::<crate::accounts::identity::Identity>()
        .is_some_and(|identity| identity.is_admin());
    if !app.maintenance.is_on() || admin || exempt(request.uri().path()) {
        return next.run(request).await;
    }
    let message = app.maintenance.message().unwrap_or_else(|| {
        "Stock Scanner is down for maintenance and will be back shortly.".to_string()
    });
    let retry_after = HeaderValue::from(RETRY_AFTER_SECONDS);
    if web::is_api_path(request.uri().path()) {
        return Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "maintenance",
            "Down for maintenance",
        )
        .detail(message)
        .header(header::RETRY_AFTER, retry_after)
        .into_response();
    }
    let mut page = web::pages::maintenance_page(&message);
    page.headers_mut().insert(header::RETRY_AFTER, retry_after);
    page
}
