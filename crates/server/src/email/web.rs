//! The email pages: the development mailbox (`/dev/mailbox`, 404 outside development)
//! and the unsubscribe endpoint (`/email/unsubscribe`, one-click POST per RFC 8058).

use super::outbox::{self, OutboxRow};
use super::templates::{Email, Rendered, NAMES};
use super::unsubscribe;
use crate::config::Environment;
use crate::state::AppState;
use crate::web::assets;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dev/mailbox", get(mailbox))
        .route("/dev/mailbox/{id}", get(message))
        .route("/dev/mailbox/samples/{name}", get(sample))
        .route(
            "/email/unsubscribe",
            get(unsubscribe_page).post(unsubscribe_now),
        )
}

/// The path the CSRF check lets through: one-click unsubscribe is cross-site by design
/// and authenticated by its signed token, not a cookie.
pub const UNSUBSCRIBE_PATH: &str = "/email/unsubscribe";

/// The site's own 404 page: outside development the mailbox does not exist.
fn not_found() -> Response {
    crate::web::pages::not_found()
}

fn server_error(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "email page failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong; see the server log.",
    )
        .into_response()
}

fn page(template: impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => server_error(e),
    }
}

fn stylesheet() -> &'static str {
    assets::url("app.css")
}

#[derive(Template)]
#[template(path = "email/dev_mailbox.html")]
struct Mailbox {
    rows: Vec<OutboxRow>,
    names: &'static [&'static str],
    css: &'static str,
}

#[derive(Template)]
#[template(path = "email/dev_message.html")]
struct Message {
    title: String,
    status: String,
    headers: Vec<(String, String)>,
    html: String,
    text: String,
    css: &'static str,
}

/// In development, the newest outbox rows and a sample of every template.
async fn mailbox(State(app): State<AppState>) -> Response {
    if app.config.environment != Environment::Development {
        return not_found();
    }
    match outbox::recent(&app.db, 200).await {
        Ok(rows) => page(Mailbox {
            rows,
            names: NAMES,
            css: stylesheet(),
        }),
        Err(e) => server_error(e),
    }
}

async fn message(State(app): State<AppState>, Path(id): Path<String>) -> Response {
    if app.config.environment != Environment::Development {
        return not_found();
    }
    let Ok(id) = id.parse::<i64>() else {
        return not_found();
    };
    let row = match outbox::get(&app.db, id).await {
        Ok(Some(row)) => row,
        Ok(None) => return not_found(),
        Err(e) => return server_error(e),
    };
    let from = format!("{} <{}>", app.config.from_name, app.config.from_email);
    let mut headers = vec![
        ("From".to_string(), from),
        ("To".to_string(), row.to_address.clone()),
        ("Subject".to_string(), row.subject.clone()),
        (
            "X-Template".to_string(),
            row.template.clone().unwrap_or_default(),
        ),
        ("Category".to_string(), row.category.clone()),
    ];
    if row.category == "bulk" {
        if let Some(url) = &row.unsubscribe_url {
            headers.push(("List-Unsubscribe".into(), format!("<{url}>")));
            headers.push((
                "List-Unsubscribe-Post".into(),
                "List-Unsubscribe=One-Click".into(),
            ));
        }
    }
    let status = format!(
        "{} after {} attempt(s){}",
        row.status,
        row.attempts,
        row.last_error
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default()
    );
    page(Message {
        title: row.subject.clone(),
        status,
        headers,
        html: row.body_html.clone().unwrap_or_default(),
        text: row.body_text.clone(),
        css: stylesheet(),
    })
}

/// A template rendered with sample data (nothing is stored or sent).
async fn sample(State(app): State<AppState>, Path(name): Path<String>) -> Response {
    if app.config.environment != Environment::Development {
        return not_found();
    }
    let Some(email) = Email::sample(&name) else {
        return not_found();
    };
    let unsubscribe_url = email
        .kind()
        .is_bulk()
        .then(|| format!("{}/email/unsubscribe?token=sample", app.config.app_url));
    let rendered: Rendered =
        match email.render(&app.config.from_name, &app.config.app_url, unsubscribe_url) {
            Ok(r) => r,
            Err(e) => return server_error(e),
        };
    page(Message {
        title: format!("Sample: {name}"),
        status: "sample, not stored".into(),
        headers: vec![
            (
                "From".into(),
                format!("{} <{}>", app.config.from_name, app.config.from_email),
            ),
            ("Subject".into(), rendered.subject),
            ("X-Template".into(), name),
        ],
        html: rendered.html,
        text: rendered.text,
        css: stylesheet(),
    })
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

#[derive(Template)]
#[template(path = "email/unsubscribe.html")]
struct UnsubscribePage {
    address: String,
    token: String,
    done: bool,
    css: &'static str,
}

fn bad_token() -> Response {
    (
        StatusCode::BAD_REQUEST,
        "This unsubscribe link is not valid: it may have been cut or changed. Use the link from the email as it is.",
    )
        .into_response()
}

/// Shows a confirmation button; a GET never unsubscribes, since mail scanners follow links.
async fn unsubscribe_page(State(app): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    let token = q.token.unwrap_or_default();
    let Some(address) = unsubscribe::verify(&app.email.outbox.secret, &token) else {
        return bad_token();
    };
    page(UnsubscribePage {
        address: address.to_string(),
        token,
        done: false,
        css: stylesheet(),
    })
}

/// RFC 8058 one-click: the mail client POSTs `List-Unsubscribe=One-Click` to the URL;
/// the token in the URL says who. Also the target of the confirmation page's button.
async fn unsubscribe_now(State(app): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    let token = q.token.unwrap_or_default();
    let Some(address) = unsubscribe::verify(&app.email.outbox.secret, &token) else {
        return bad_token();
    };
    if let Err(e) = unsubscribe::unsubscribe(&app.db, &address).await {
        return server_error(e);
    }
    tracing::info!(address = %address, "unsubscribed from bulk mail");
    page(UnsubscribePage {
        address: address.to_string(),
        token,
        done: true,
        css: stylesheet(),
    })
}
