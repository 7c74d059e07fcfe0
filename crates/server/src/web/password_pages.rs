//! The forgotten-password pages: ask for a link by email, then choose a new password
//! from it (with a code from the app or a recovery code when two-factor sign-in is on).

use super::account_pages::{shell, throttled, MessagePage, PageQuery};
use super::forms::{failure, see_other, Failure, FormData, Problems};
use super::pages::{render, Shell};
use crate::accounts::passwords::Reset;
use crate::api::auth::{throttle, RequestContext};
use crate::http::identity::Authenticated;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

#[derive(Template)]
#[template(path = "account/forgot.html")]
struct ForgotPage<'a> {
    shell: Shell,
    email: &'a str,
    problems: Problems,
}

pub async fn forgot(State(app): State<AppState>, caller: Option<Authenticated>) -> Response {
    let page = ForgotPage {
        shell: shell(&app, "Forgot password", "", caller.is_some()),
        email: "",
        problems: Problems::default(),
    };
    render(StatusCode::OK, &page)
}

pub async fn forgot_post(
    State(app): State<AppState>,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let email = form.get("email");
    let result = if email.trim().is_empty() {
        Err(Failure::Form(Problems::field(
            "email",
            "Enter your email address.",
        )))
    } else {
        match throttle(&app, "password-reset", &ctx).await {
            Err(_) => Err(Failure::Form(throttled())),
            Ok(()) => app
                .accounts
                .forgot_password(&app.db, &email, &ctx)
                .await
                .map_err(|e| failure(e, "", "password")),
        }
    };
    let problems = match result {
        Ok(()) => return see_other("/forgot-password/sent", vec![]),
        Err(Failure::Page(page)) => return page,
        Err(Failure::Form(problems)) => problems,
    };
    let page = ForgotPage {
        shell: shell(&app, "Forgot password", "", false),
        email: email.trim(),
        problems,
    };
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

pub async fn forgot_sent(State(app): State<AppState>) -> Response {
    let page = MessagePage {
        shell: shell(&app, "Check your mail", "", false),
        heading: "Check your mail",
        lines: &[
            "If the address has an account, a link to choose a new password is on its way. It is valid for one hour.",
        ],
        link: ("/signin", "Back to sign in"),
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "account/reset.html")]
struct ResetPage<'a> {
    shell: Shell,
    token: &'a str,
    needs_code: bool,
    problems: Problems,
}

pub async fn reset(State(app): State<AppState>, query: Query<PageQuery>) -> Response {
    let token = query.token.as_deref().unwrap_or_default();
    let problems = if token.is_empty() {
        Problems::general("This link is incomplete. Open the whole link from the email.")
    } else {
        Problems::default()
    };
    let page = ResetPage {
        shell: shell(&app, "Choose a new password", "", false),
        token,
        needs_code: false,
        problems,
    };
    render(StatusCode::OK, &page)
}

pub async fn reset_post(
    State(app): State<AppState>,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let token = form.get("token");
    let reset = Reset {
        token: token.trim().to_string(),
        password: form.get("password"),
        code: form.opt("code"),
    };
    let result = match throttle(&app, "password-reset", &ctx).await {
        Err(_) => Err(Failure::Form(throttled())),
        Ok(()) => app
            .accounts
            .reset_password(&app.db, &reset, &ctx)
            .await
            .map_err(|e| failure(e, "", "password")),
    };
    let problems = match result {
        Ok(()) => return see_other("/signin?notice=reset", vec![]),
        Err(Failure::Page(page)) => return page,
        Err(Failure::Form(problems)) => problems,
    };
    let page = ResetPage {
        shell: shell(&app, "Choose a new password", "", false),
        token: token.trim(),
        needs_code: problems.has("code") || form.opt("code").is_some(),
        problems,
    };
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
