//! `/account`: the signed-in user's profile, email, password, two-factor sign-in,
//! sessions and API keys on one page, each section a plain form (the two-factor and API
//! key forms are in `account_security`). Success redirects back
//! with a notice; a one-time secret (recovery codes, a new API key, the two-factor setup)
//! is shown in the answer to the post itself, once, and never put in a URL.

use super::forms::{encode, failure, see_other, Failure, FormData, Problems};
use super::pages::{banner, render, Shell};
use super::session_cookies;
use crate::accounts::api_keys::{self, KeyInfo, Scope};
use crate::accounts::identity::Identity;
use crate::accounts::sessions::{SessionInfo, SessionKind};
use crate::accounts::{find_user, AccountError, Context};
use crate::api::auth::RequestContext;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// A handler argument: the user signed in with a web session (never an API key); anyone
/// else is sent to the sign-in page, which brings them back to `/account`.
pub struct SignedIn(pub Identity);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        parts
            .extensions
            .get::<Identity>()
            .filter(|identity| identity.session().is_some())
            .cloned()
            .map(SignedIn)
            .ok_or_else(|| to_sign_in("/account"))
    }
}

/// The way to the sign-in page, back to `next` afterwards.
pub(super) fn to_sign_in(next: &str) -> Response {
    see_other(
        &format!("/signin?notice=sign-in&next={}", encode(next)),
        vec![],
    )
}

#[derive(Deserialize, Default)]
pub struct AccountQuery {
    done: Option<String>,
}

fn done_message(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "email" => "A confirmation link is on its way to the new address. The change takes effect when you follow it.",
        "password" => "Your password is changed. Every other session has ended.",
        "2fa-off" => "Two-factor sign-in is off.",
        "session" => "The session has ended.",
        "others" => "Every other session has ended.",
        "key-revoked" => "The API key is revoked.",
        _ => return None,
    })
}

/// The two-factor enrolment on screen: the QR code and the secret to type.
pub struct Setup {
    pub qr_svg: String,
    pub secret: String,
}

/// What a post adds to the page: messages, echoed values, secrets shown once.
#[derive(Default)]
pub struct Extra {
    pub problems: Problems,
    pub notice: Option<&'static str>,
    pub new_email: String,
    pub key_name: String,
    pub setup: Option<Setup>,
    pub recovery_codes: Vec<String>,
    pub new_key: Option<String>,
}

#[derive(Template)]
#[template(path = "account/index.html")]
struct AccountPage {
    shell: Shell,
    email: String,
    name: Option<String>,
    member_since: String,
    two_factor_on: bool,
    sessions: Vec<SessionInfo>,
    keys: Vec<KeyInfo>,
    scopes: Vec<&'static str>,
    extra: Extra,
}

impl AccountPage {
    pub fn when(&self, at: &DateTime<Utc>) -> String {
        at.format("%Y-%m-%d %H:%M UTC").to_string()
    }

    pub fn when_opt(&self, at: &Option<DateTime<Utc>>) -> String {
        at.as_ref()
            .map_or_else(|| "never".to_string(), |at| self.when(at))
    }

    pub fn scope_names(&self, scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn err(&self, key: &str) -> Option<&str> {
        self.extra.problems.of(key)
    }

    pub fn general(&self, section: &str) -> Option<&str> {
        self.extra.problems.general_for(section)
    }
}

pub(super) async fn page(
    app: &AppState,
    identity: &Identity,
    status: StatusCode,
    extra: Extra,
) -> Response {
    // Reload: a post may just have changed the user.
    let user = match find_user(&app.db, identity.user.id).await {
        Ok(Some(user)) => user,
        Ok(None) => return see_other("/signin", session_cookies::cleared(&app.config)),
        Err(error) => return internal(error),
    };
    let sessions = match app
        .accounts
        .list_sessions(&app.db, user.id, identity.session())
        .await
    {
        Ok(sessions) => sessions,
        Err(error) => return internal(error),
    };
    let keys = match api_keys::list(&app.db, user.id).await {
        Ok(keys) => keys,
        Err(error) => return internal(error),
    };
    let page = AccountPage {
        shell: Shell::new("Your account — Stock Scanner", "account", banner(app)).signed_in(true),
        email: user.email.clone(),
        name: user.display_name.clone(),
        member_since: user.created_at.format("%Y-%m-%d").to_string(),
        two_factor_on: user.totp_enabled_at.is_some(),
        sessions,
        keys: keys
            .into_iter()
            .filter(|k| k.revoked_at.is_none())
            .collect(),
        scopes: Scope::ALL.iter().map(|s| s.name()).collect(),
        extra,
    };
    render(status, &page)
}

pub(super) fn internal(error: AccountError) -> Response {
    match failure(error, "", "password") {
        Failure::Page(page) => page,
        Failure::Form(_) => super::pages::error_page(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// The page again with the form's messages, or the error page.
pub(super) async fn refused(
    app: &AppState,
    identity: &Identity,
    error: AccountError,
    section: &str,
    password_field: &str,
    mut extra: Extra,
) -> Response {
    if matches!(error, AccountError::SessionEnded) {
        return see_other(
            "/signin?notice=sign-in",
            session_cookies::cleared(&app.config),
        );
    }
    match failure(error, section, password_field) {
        Failure::Page(page) => page,
        Failure::Form(problems) => {
            extra.problems = problems;
            page(app, identity, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
    }
}

pub async fn account(
    State(app): State<AppState>,
    SignedIn(identity): SignedIn,
    query: Query<AccountQuery>,
) -> Response {
    let extra = Extra {
        notice: done_message(query.done.as_deref()),
        ..Extra::default()
    };
    page(&app, &identity, StatusCode::OK, extra).await
}

/// The security links in our mail lead here.
pub async fn security() -> Response {
    see_other("/account#security", vec![])
}

pub async fn change_email(
    State(app): State<AppState>,
    SignedIn(identity): SignedIn,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let new_email = form.get("new_email");
    match app
        .accounts
        .request_email_change(
            &app.db,
            &identity.user,
            &new_email,
            &form.get("password"),
            form.opt("code").as_deref(),
            &ctx,
        )
        .await
    {
        Ok(()) => see_other("/account?done=email#email", vec![]),
        Err(error) => {
            let extra = Extra {
                new_email: new_email.trim().to_string(),
                ..Extra::default()
            };
            refused(&app, &identity, error, "email", "password", extra).await
        }
    }
}

pub async fn change_password(
    State(app): State<AppState>,
    SignedIn(identity): SignedIn,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let changed = app
        .accounts
        .change_password(
            &app.db,
            &identity.user,
            &form.get("current_password"),
            &form.get("new_password"),
            &ctx,
        )
        .await;
    if let Err(error) = changed {
        return refused(
            &app,
            &identity,
            error,
            "password",
            "new_password",
            Extra::default(),
        )
        .await;
    }
    // Every session has ended, this one too: start a new one for this browser.
    match new_session(&app, &identity, &ctx).await {
        Ok(cookies) => see_other("/account?done=password#password", cookies),
        Err(error) => internal(error),
    }
}

async fn new_session(
    app: &AppState,
    identity: &Identity,
    ctx: &Context,
) -> Result<Vec<axum::http::HeaderValue>, AccountError> {
    let user = find_user(&app.db, identity.user.id)
        .await?
        .ok_or(AccountError::SessionEnded)?;
    let tokens = app
        .accounts
        .start_session(&app.db, &user, SessionKind::Web, ctx)
        .await?;
    Ok(session_cookies::for_session(&app.config, &tokens))
}

pub async fn revoke_session(
    State(app): State<AppState>,
    SignedIn(identity): SignedIn,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let id = FormData::parse(&body).get("id");
    if identity.session() == Some(id.as_str()) {
        // Ending this very session is signing out.
        return super::account_pages::signout(
            State(app),
            Some(crate::http::identity::Authenticated(identity)),
            RequestContext(ctx),
        )
        .await;
    }
    match app
        .accounts
        .revoke_own_session(&app.db, identity.user.id, &id, &ctx)
        .await
    {
        Ok(()) => see_other("/account?done=session#sessions", vec![]),
        Err(error) => {
            refused(
                &app,
                &identity,
                error,
                "sessions",
                "password",
                Extra::default(),
            )
            .await
        }
    }
}

pub async fn revoke_other_sessions(
    State(app): State<AppState>,
    SignedIn(identity): SignedIn,
    RequestContext(ctx): RequestContext,
) -> Response {
    match app
        .accounts
        .revoke_other_sessions(&app.db, identity.user.id, identity.session(), &ctx)
        .await
    {
        Ok(_) => see_other("/account?done=others#sessions", vec![]),
        Err(error) => {
            refused(
                &app,
                &identity,
                error,
                "sessions",
                "password",
                Extra::default(),
            )
            .await
        }
    }
}
