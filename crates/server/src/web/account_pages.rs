//! The pages of signing up and in, without JavaScript: plain forms posted to the same
//! path, answered by a redirect on success (POST-redirect-GET) or by the form again with
//! the messages next to the fields. Tokens from mail links are posted from a button, so
//! a mail scanner that follows the link consumes nothing; no secret is ever put in a URL.

use super::forms::{encode, failure, local_next, see_other, Failure, FormData, Problems};
use super::pages::{banner, render, Shell};
use super::session_cookies;
use crate::accounts::login::{LoginOutcome, SecondFactor, SignedIn, CHALLENGE_ATTEMPTS};
use crate::accounts::sessions::SessionKind;
use crate::accounts::signup::Registration;
use crate::api::auth::{throttle, RequestContext};
use crate::http::csrf::cookie;
use crate::http::identity::Authenticated;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

/// Query parameters the pages understand; anything else is ignored.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    next: Option<String>,
    pub notice: Option<String>,
    pub token: Option<String>,
}

pub(super) fn shell(app: &AppState, title: &str, nav: &'static str, signed_in: bool) -> Shell {
    Shell::new(format!("{title} — Stock Scanner"), nav, banner(app)).signed_in(signed_in)
}

/// The message of a `notice=` key; unknown keys show nothing.
fn notice(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "verified" => "Your email address is verified. Sign in to continue.",
        "reset" => {
            "Your password is changed and every session has ended. Sign in with the new password."
        }
        "signed-out" => "You are signed out.",
        "expired" => "The sign-in took too long or had too many wrong codes. Please sign in again.",
        "sign-in" => "Please sign in to continue.",
        _ => return None,
    })
}

/// The answer to a throttled client.
pub(super) fn throttled() -> Problems {
    Problems::general("Too many attempts from your address. Please wait a minute and try again.")
}

#[derive(Template)]
#[template(path = "account/signup.html")]
struct SignUpPage<'a> {
    shell: Shell,
    email: &'a str,
    name: &'a str,
    problems: Problems,
}

pub async fn signup(State(app): State<AppState>, caller: Option<Authenticated>) -> Response {
    if caller.is_some() {
        return see_other("/account", vec![]);
    }
    let page = SignUpPage {
        shell: shell(&app, "Sign up", "signup", false),
        email: "",
        name: "",
        problems: Problems::default(),
    };
    render(StatusCode::OK, &page)
}

pub async fn signup_post(
    State(app): State<AppState>,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let (email, name) = (form.get("email"), form.get("name"));
    let result = match throttle(&app, "sign-up", &ctx).await {
        Err(_) => Err(Failure::Form(throttled())),
        Ok(()) => app
            .accounts
            .register(
                &app.db,
                Registration {
                    email: email.clone(),
                    password: form.get("password"),
                    display_name: form.opt("name"),
                },
                &ctx,
            )
            .await
            .map_err(|e| failure(e, "", "password")),
    };
    let problems = match result {
        Ok(()) => return see_other("/signup/sent", vec![]),
        Err(Failure::Page(page)) => return page,
        Err(Failure::Form(problems)) => problems,
    };
    let page = SignUpPage {
        shell: shell(&app, "Sign up", "signup", false),
        email: email.trim(),
        name: name.trim(),
        problems,
    };
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[derive(Template)]
#[template(path = "account/message.html")]
pub(super) struct MessagePage<'a> {
    pub shell: Shell,
    pub heading: &'a str,
    pub lines: &'a [&'a str],
    pub link: (&'a str, &'a str),
}

pub async fn signup_sent(State(app): State<AppState>) -> Response {
    let page = MessagePage {
        shell: shell(&app, "Check your mail", "", false),
        heading: "Check your mail",
        lines: &[
            "If the address can receive mail, a verification link is on its way. It is valid for 24 hours.",
            "Follow it to confirm your address, then sign in.",
        ],
        link: ("/signin", "Go to sign in"),
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "account/verify.html")]
struct VerifyPage<'a> {
    shell: Shell,
    token: &'a str,
    problems: Problems,
}

pub async fn verify_email(State(app): State<AppState>, query: Query<PageQuery>) -> Response {
    let token = query.token.as_deref().unwrap_or_default();
    let problems = if token.is_empty() {
        Problems::general("This link is incomplete. Open the whole link from the email.")
    } else {
        Problems::default()
    };
    let page = VerifyPage {
        shell: shell(&app, "Verify your email", "", false),
        token,
        problems,
    };
    render(StatusCode::OK, &page)
}

pub async fn verify_email_post(
    State(app): State<AppState>,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let token = form.get("token");
    let result = match throttle(&app, "verification", &ctx).await {
        Err(_) => Err(Failure::Form(throttled())),
        Ok(()) => app
            .accounts
            .verify_email(&app.db, token.trim(), &ctx)
            .await
            .map_err(|e| failure(e, "", "password")),
    };
    let problems = match result {
        Ok(_) => return see_other("/signin?notice=verified", vec![]),
        Err(Failure::Page(page)) => return page,
        Err(Failure::Form(problems)) => problems,
    };
    let page = VerifyPage {
        shell: shell(&app, "Verify your email", "", false),
        token: "",
        problems,
    };
    render(StatusCode::BAD_REQUEST, &page)
}

#[derive(Template)]
#[template(path = "account/signin.html")]
struct SignInPage<'a> {
    shell: Shell,
    email: &'a str,
    next: &'a str,
    notice: Option<&'a str>,
    problems: Problems,
}

pub async fn signin(
    State(app): State<AppState>,
    caller: Option<Authenticated>,
    query: Query<PageQuery>,
) -> Response {
    let next = local_next(query.next.as_deref());
    if caller.is_some() {
        return see_other(&next, vec![]);
    }
    let page = SignInPage {
        shell: shell(&app, "Sign in", "signin", false),
        email: "",
        next: &next,
        notice: notice(query.notice.as_deref()),
        problems: Problems::default(),
    };
    render(StatusCode::OK, &page)
}

/// Sets the session cookies (and the device cookie of a new device), then goes on.
fn signed_in(app: &AppState, signed_in: SignedIn, next: &str, clear_challenge: bool) -> Response {
    let mut cookies = session_cookies::for_session(&app.config, &signed_in.tokens);
    if let Some(device) = &signed_in.new_device_token {
        cookies.push(session_cookies::device(&app.config, device));
    }
    if clear_challenge {
        cookies.push(session_cookies::challenge_cleared(&app.config));
    }
    see_other(next, cookies)
}

pub async fn signin_post(
    State(app): State<AppState>,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let email = form.get("email");
    let next = local_next(form.opt("next").as_deref());
    let result = match throttle(&app, "sign-in", &ctx).await {
        Err(_) => Err(Failure::Form(throttled())),
        Ok(()) => app
            .accounts
            .login(
                &app.db,
                &email,
                &form.get("password"),
                SessionKind::Web,
                &ctx,
            )
            .await
            .map_err(|e| failure(e, "", "password")),
    };
    let problems = match result {
        Ok(LoginOutcome::SignedIn(done)) => return signed_in(&app, *done, &next, false),
        Ok(LoginOutcome::SecondFactor {
            challenge,
            expires_in,
        }) => {
            let max_age = i64::try_from(expires_in).unwrap_or(300);
            let cookie = session_cookies::challenge(&app.config, &challenge, max_age);
            return see_other(&format!("/signin/2fa?next={}", encode(&next)), vec![cookie]);
        }
        Err(Failure::Page(page)) => return page,
        Err(Failure::Form(problems)) => problems,
    };
    let page = SignInPage {
        shell: shell(&app, "Sign in", "signin", false),
        email: email.trim(),
        next: &next,
        notice: None,
        problems,
    };
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[derive(Template)]
#[template(path = "account/two_factor.html")]
struct TwoFactorPage<'a> {
    shell: Shell,
    next: &'a str,
    attempts: u32,
    problems: Problems,
}

fn challenge_of(app: &AppState, headers: &HeaderMap) -> Option<String> {
    cookie(headers, &session_cookies::name(&app.config, "challenge"))
        .filter(|c| !c.is_empty())
        .map(String::from)
}

pub async fn two_factor(
    State(app): State<AppState>,
    headers: HeaderMap,
    query: Query<PageQuery>,
) -> Response {
    let next = local_next(query.next.as_deref());
    if challenge_of(&app, &headers).is_none() {
        return see_other(
            &format!("/signin?notice=expired&next={}", encode(&next)),
            vec![],
        );
    }
    let page = TwoFactorPage {
        shell: shell(&app, "Two-factor sign-in", "signin", false),
        next: &next,
        attempts: CHALLENGE_ATTEMPTS,
        problems: Problems::default(),
    };
    render(StatusCode::OK, &page)
}

pub async fn two_factor_post(
    State(app): State<AppState>,
    headers: HeaderMap,
    RequestContext(ctx): RequestContext,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let next = local_next(form.opt("next").as_deref());
    let expired = || {
        see_other(
            &format!("/signin?notice=expired&next={}", encode(&next)),
            vec![session_cookies::challenge_cleared(&app.config)],
        )
    };
    let Some(challenge) = challenge_of(&app, &headers) else {
        return expired();
    };
    let step = SecondFactor {
        challenge,
        code: form.opt("code"),
        recovery_code: form.opt("recovery_code"),
    };
    let result = if step.code.is_none() && step.recovery_code.is_none() {
        Err(Failure::Form(Problems::field(
            "code",
            "Enter the code from your app, or one of your recovery codes.",
        )))
    } else {
        match throttle(&app, "two-factor", &ctx).await {
            Err(_) => Err(Failure::Form(throttled())),
            Ok(()) => match app.accounts.login_second_factor(&app.db, &step, &ctx).await {
                Err(crate::accounts::AccountError::InvalidToken) => return expired(),
                other => other.map_err(|e| failure(e, "", "password")),
            },
        }
    };
    let problems = match result {
        Ok(LoginOutcome::SignedIn(done)) => return signed_in(&app, *done, &next, true),
        // The service asks for a second factor only after a password.
        Ok(LoginOutcome::SecondFactor { .. }) => return expired(),
        Err(Failure::Page(page)) => return page,
        Err(Failure::Form(problems)) => problems,
    };
    let page = TwoFactorPage {
        shell: shell(&app, "Two-factor sign-in", "signin", false),
        next: &next,
        attempts: CHALLENGE_ATTEMPTS,
        problems,
    };
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// Ends this browser's session and its cookies.
pub async fn signout(
    State(app): State<AppState>,
    caller: Option<Authenticated>,
    RequestContext(ctx): RequestContext,
) -> Response {
    if let Some(Authenticated(identity)) = caller {
        if let Some(session) = identity.session() {
            if let Err(error) = app
                .accounts
                .logout(&app.db, identity.user.id, session, &ctx)
                .await
            {
                if let Failure::Page(page) = failure(error, "", "password") {
                    return page;
                }
            }
        }
    }
    see_other(
        "/signin?notice=signed-out",
        session_cookies::cleared(&app.config),
    )
}
