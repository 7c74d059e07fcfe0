//! `/account`: the signed-in user's profile, email, password, two-factor sign-in,
//! sessions and API keys on one page, each section a plain form. Success redirects back
//! with a notice; a one-time secret (recovery codes, a new API key, the two-factor setup)
//! is shown in the answer to the post itself, once, and never put in a URL.

use super::forms::{encode, failure, see_other, Failure, FormData, Problems};
use super::pages::{banner, render, Shell};
use super::session_cookies;
use crate::accounts::api_keys::{self, KeyInfo, NewKey, Scope};
use crate::accounts::identity::Identity;
use crate::accounts::sessions::{SessionInfo, SessionKind};
use crate::accounts::{find_user, AccountError, Context};
use crate::api::auth::RequestContext;
use crate::http::identity::Authenticated;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The signed-in session behind a request (never an API key).
fn session_of(caller: Option<Authenticated>) -> Option<Identity> {
    caller
        .map(|Authenticated(identity)| identity)
        .filter(|identity| identity.session().is_some())
}

/// The way to the sign-in page, back to `next` afterwards.
fn to_sign_in(next: &str) -> Response {
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
    problems: Problems,
    notice: Option<&'static str>,
    new_email: String,
    key_name: String,
    setup: Option<Setup>,
    recovery_codes: Vec<String>,
    new_key: Option<String>,
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

async fn page(app: &AppState, identity: &Identity, status: StatusCode, extra: Extra) -> Response {
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

fn internal(error: AccountError) -> Response {
    match failure(error, "", "password") {
        Failure::Page(page) => page,
        Failure::Form(_) => super::pages::error_page(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// The page again with the form's messages, or the error page.
async fn refused(
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
    caller: Option<Authenticated>,
    query: Query<AccountQuery>,
) -> Response {
    let Some(identity) = session_of(caller) else {
        return to_sign_in("/account");
    };
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

/// Runs a post of the account page: signed in, with its form and context.
macro_rules! signed_in {
    ($caller:expr) => {
        match session_of($caller) {
            Some(identity) => identity,
            None => return to_sign_in("/account"),
        }
    };
}

pub async fn change_email(
    State(app): State<AppState>,
    caller: Option<Authenticated>,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let identity = signed_in!(caller);
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
    caller: Option<Authenticated>,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let identity = signed_in!(caller);
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

/// Strips the XML prolog: the SVG goes inside the page.
fn inline_svg(svg: &str) -> String {
    match svg.find("<svg") {
        Some(start) => svg[start..].to_string(),
        None => String::new(),
    }
}

pub async fn two_factor_setup(
    State(app): State<AppState>,
    caller: Option<Authenticated>,
) -> Response {
    let identity = signed_in!(caller);
    match app.accounts.two_factor_setup(&app.db, &identity.user).await {
        Ok(enrolment) => {
            let extra = Extra {
                setup: Some(Setup {
                    qr_svg: inline_svg(&enrolment.qr_svg),
                    secret: enrolment.secret,
                }),
                ..Extra::default()
            };
            page(&app, &identity, StatusCode::OK, extra).await
        }
        Err(error) => refused(&app, &identity, error, "2fa", "password", Extra::default()).await,
    }
}

pub async fn two_factor_confirm(
    State(app): State<AppState>,
    caller: Option<Authenticated>,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let identity = signed_in!(caller);
    let form = FormData::parse(&body);
    let code = form.get("code");
    match app
        .accounts
        .two_factor_confirm(&app.db, &identity.user, code.trim(), &ctx)
        .await
    {
        Ok(recovery_codes) => {
            let extra = Extra {
                recovery_codes,
                ..Extra::default()
            };
            page(&app, &identity, StatusCode::OK, extra).await
        }
        Err(error) => {
            // The enrolment is still pending: show its secret again with the message.
            let extra = Extra {
                setup: identity.user.totp_secret.clone().map(|secret| Setup {
                    qr_svg: String::new(),
                    secret,
                }),
                ..Extra::default()
            };
            refused(&app, &identity, error, "2fa", "password", extra).await
        }
    }
}

pub async fn two_factor_disable(
    State(app): State<AppState>,
    caller: Option<Authenticated>,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let identity = signed_in!(caller);
    let form = FormData::parse(&body);
    match app
        .accounts
        .two_factor_disable(
            &app.db,
            &identity.user,
            &form.get("password"),
            form.opt("code").as_deref(),
            &ctx,
        )
        .await
    {
        Ok(()) => see_other("/account?done=2fa-off#security", vec![]),
        Err(error) => {
            refused(
                &app,
                &identity,
                error,
                "2fa-off",
                "password",
                Extra::default(),
            )
            .await
        }
    }
}

pub async fn recovery_codes(
    State(app): State<AppState>,
    caller: Option<Authenticated>,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let identity = signed_in!(caller);
    let form = FormData::parse(&body);
    match app
        .accounts
        .regenerate_recovery_codes(
            &app.db,
            &identity.user,
            &form.get("password"),
            form.opt("code").as_deref(),
            &ctx,
        )
        .await
    {
        Ok(recovery_codes) => {
            let extra = Extra {
                recovery_codes,
                ..Extra::default()
            };
            page(&app, &identity, StatusCode::OK, extra).await
        }
        Err(error) => {
            refused(
                &app,
                &identity,
                error,
                "codes",
                "password",
                Extra::default(),
            )
            .await
        }
    }
}

pub async fn revoke_session(
    State(app): State<AppState>,
    caller: Option<Authenticated>,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let identity = signed_in!(caller);
    let id = FormData::parse(&body).get("id");
    if identity.session() == Some(id.as_str()) {
        // Ending this very session is signing out.
        return super::account_pages::signout(
            State(app),
            Some(Authenticated(identity)),
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
    caller: Option<Authenticated>,
    RequestContext(ctx): RequestContext,
) -> Response {
    let identity = signed_in!(caller);
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

pub async fn create_key(
    State(app): State<AppState>,
    caller: Option<Authenticated>,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let identity = signed_in!(caller);
    let form = FormData::parse(&body);
    let name = form.get("name");
    let expires_in_days = match form.opt("expires_in_days").map(|d| d.parse::<u32>()) {
        None => None,
        Some(Ok(days)) => Some(days),
        Some(Err(_)) => {
            let error = AccountError::invalid(
                "expires_in_days",
                "must be a whole number of days from 1 to 3650",
            );
            let extra = Extra {
                key_name: name.trim().to_string(),
                ..Extra::default()
            };
            return refused(&app, &identity, error, "keys", "password", extra).await;
        }
    };
    let request = NewKey {
        name: name.clone(),
        scopes: form.all("scopes"),
        expires_in_days,
    };
    match api_keys::create(&app.db, identity.user.id, request, &ctx).await {
        Ok((key, _)) => {
            let extra = Extra {
                new_key: Some(key),
                ..Extra::default()
            };
            page(&app, &identity, StatusCode::OK, extra).await
        }
        Err(error) => {
            let extra = Extra {
                key_name: name.trim().to_string(),
                ..Extra::default()
            };
            refused(&app, &identity, error, "keys", "password", extra).await
        }
    }
}

pub async fn revoke_key(
    State(app): State<AppState>,
    caller: Option<Authenticated>,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let identity = signed_in!(caller);
    let id = FormData::parse(&body).get("id").trim().parse::<i64>();
    let result = match id {
        Ok(id) => api_keys::revoke(&app.db, identity.user.id, id, &ctx).await,
        Err(_) => Err(AccountError::NotFound("no such API key of yours".into())),
    };
    match result {
        Ok(()) => see_other("/account?done=key-revoked#keys", vec![]),
        Err(error) => refused(&app, &identity, error, "keys", "password", Extra::default()).await,
    }
}
