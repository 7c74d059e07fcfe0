//! The public pages — landing, pricing, error pages — rendered from the templates in
//! `crates/server/templates/` inside the shared layout.

use super::assets;
use crate::http::identity::Authenticated;
use crate::http::request_id;
use crate::market::universe::Source;
use crate::plans::Plan;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Where the calls to action lead once accounts exist; one place to change it.
pub const SIGNUP_PATH: &str = "/signup";

/// What the layout needs on every page.
pub struct Shell {
    pub title: String,
    /// The navigation entry to mark as current (`home`, `pricing`), or empty.
    pub nav: &'static str,
    /// A notice across the top of every page, e.g. that market data is synthetic.
    pub banner: Option<String>,
    /// Whether the visitor is signed in: the navigation offers the account or sign-in.
    pub signed_in: bool,
}

impl Shell {
    pub(crate) fn new(
        title: impl Into<String>,
        nav: &'static str,
        banner: Option<String>,
    ) -> Shell {
        Shell {
            title: title.into(),
            nav,
            banner,
            signed_in: false,
        }
    }

    pub(crate) fn signed_in(mut self, signed_in: bool) -> Shell {
        self.signed_in = signed_in;
        self
    }

    /// The cache-busting URL of an embedded static file.
    pub fn asset(&self, name: &str) -> &'static str {
        assets::url(name)
    }

    pub fn signup(&self) -> &'static str {
        SIGNUP_PATH
    }
}

/// The site-wide notice for this deployment: visitors must never take the synthetic
/// demo market for real prices.
pub(crate) fn banner(app: &AppState) -> Option<String> {
    (app.universe().source == Source::Demo).then(|| {
        "Demo data: the market shown here is synthetic, generated for trying Stock Scanner out."
            .to_string()
    })
}

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing {
    shell: Shell,
}

#[derive(Template)]
#[template(path = "pricing.html")]
struct Pricing<'a> {
    shell: Shell,
    plans: &'a [Plan],
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    shell: Shell,
    status: u16,
    heading: &'static str,
    message: &'static str,
    request_id: Option<String>,
}

pub async fn landing(State(app): State<AppState>, caller: Option<Authenticated>) -> Response {
    let shell = Shell::new(
        "Stock Scanner — scan the market in milliseconds",
        "home",
        banner(&app),
    )
    .signed_in(caller.is_some());
    render(StatusCode::OK, &Landing { shell })
}

pub async fn pricing(State(app): State<AppState>, caller: Option<Authenticated>) -> Response {
    let shell =
        Shell::new("Pricing — Stock Scanner", "pricing", banner(&app)).signed_in(caller.is_some());
    let page = Pricing {
        shell,
        plans: &app.config.plans,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "maintenance.html")]
struct MaintenancePage<'a> {
    shell: Shell,
    message: &'a str,
}

/// The page every visitor sees while maintenance mode is on (503).
pub fn maintenance_page(message: &str) -> Response {
    let shell = Shell::new("Down for maintenance — Stock Scanner", "", None);
    render(
        StatusCode::SERVICE_UNAVAILABLE,
        &MaintenancePage { shell, message },
    )
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct ApiDocs {
    shell: Shell,
}

/// The interactive API reference, drawn in the browser from the OpenAPI document.
pub async fn api_docs(State(app): State<AppState>, caller: Option<Authenticated>) -> Response {
    let shell =
        Shell::new("API reference — Stock Scanner", "", banner(&app)).signed_in(caller.is_some());
    render(StatusCode::OK, &ApiDocs { shell })
}

/// The friendly page for a path that leads nowhere.
pub fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND)
}

/// A friendly page for an error status; the request id lets support find the log line.
pub fn error_page(status: StatusCode) -> Response {
    let (heading, message) = match status.as_u16() {
        404 => (
            "This page is not on the chart",
            "The address may be mistyped, or the page has moved.",
        ),
        503 => (
            "We are catching our breath",
            "The service is busy or restarting. Please try again in a moment.",
        ),
        _ if status.is_client_error() => (
            "That request did not work",
            "Please check the address or go back and try again.",
        ),
        _ => (
            "Something went wrong on our side",
            "The error has been logged. Please try again in a moment.",
        ),
    };
    let reason = status.canonical_reason().unwrap_or("Error");
    let page = ErrorPage {
        shell: Shell::new(format!("{reason} — Stock Scanner"), "", None),
        status: status.as_u16(),
        heading,
        message,
        request_id: request_id::current(),
    };
    render(status, &page)
}

/// Renders a page; a template failure is logged and answered with a bare page, since
/// the friendly error page is itself a template.
pub(crate) fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot render a page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><title>Error</title><p>Something went wrong on our side."),
            )
                .into_response()
        }
    }
}
