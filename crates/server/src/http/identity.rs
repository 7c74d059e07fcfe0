//! Authentication for every request: refuses blocked addresses, then resolves the
//! `Authorization: Bearer` credential (access token or API key) or the web session
//! cookie into an `Identity` that handlers extract, and a rate-limit `Caller`.
//!
//! A bad bearer credential is refused with 401 at once (a client that sends one expects
//! it to count); a bad cookie just means "signed out". Credentials are never accepted in
//! the URL, where they would end up in logs and browser history.

use super::client_ip::ClientIp;
use super::csrf::{cookie, SESSION_COOKIES};
use super::problem::Problem;
use crate::accounts::api_keys::{Scope, KEY_PREFIX};
use crate::accounts::identity::{BearerError, Identity};
use crate::accounts::sessions::Tokens;
use crate::accounts::Context;
use crate::ratelimit::Caller;
use crate::state::AppState;
use axum::extract::{FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Cookie carrying the device token (see `accounts::login`).
pub const DEVICE_COOKIES: [&str; 2] = ["__Host-ss_device", "ss_device"];

/// The request's context for the account service.
pub fn context(headers: &HeaderMap, ip: Option<&ClientIp>) -> Context {
    Context {
        ip: ip.map(|ClientIp(ip)| *ip),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(300).collect()),
        request_id: super::request_id::current(),
        device: DEVICE_COOKIES
            .iter()
            .find_map(|name| cookie(headers, name))
            .map(String::from),
    }
}

pub async fn authenticate(
    State(app): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let ctx = context(request.headers(), request.extensions().get::<ClientIp>());
    if let Some(ip) = ctx.ip {
        match app.accounts.is_blocked(&app.db, ip).await {
            Ok(false) => {}
            Ok(true) => {
                return Problem::new(
                    StatusCode::FORBIDDEN,
                    "ip-blocked",
                    "Your address is blocked",
                )
                .detail(format!(
                    "requests from {ip} are refused; if this is a mistake, contact the operator"
                ))
                .into_response()
            }
            Err(error) => return Problem::internal(&error).into_response(),
        }
    }
    if request
        .uri()
        .query()
        .is_some_and(|q| q.contains(KEY_PREFIX) || q.contains("access_token="))
    {
        return Problem::bad_request(
            "credentials are accepted only in the Authorization header, never in the URL; \
             revoke the key that was sent, as it may now be in logs",
        )
        .into_response();
    }
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default().to_string());
    let mut renewed: Option<Tokens> = None;
    let identity = match bearer {
        Some(value) => {
            let Some(token) = value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
            else {
                return unauthorized("the Authorization header must be `Bearer <token>`");
            };
            match app
                .accounts
                .identify_bearer(&app.db, token.trim(), &ctx)
                .await
            {
                Ok(identity) => Some(identity),
                Err(BearerError::Invalid(why)) => return unauthorized(&why),
                Err(BearerError::Internal(error)) => {
                    return Problem::internal(&error).into_response()
                }
            }
        }
        None => match SESSION_COOKIES
            .iter()
            .find_map(|name| cookie(request.headers(), name))
        {
            None => None,
            Some(token) => match app.accounts.identify_cookie(&app.db, token, &ctx).await {
                Ok(Some((identity, tokens))) => {
                    renewed = tokens;
                    Some(identity)
                }
                Ok(None) => None,
                Err(error) => return Problem::internal(&error).into_response(),
            },
        },
    };
    if let Some(identity) = identity {
        request.extensions_mut().insert(Caller {
            key: identity.limit_key(),
            plan: identity.plan.clone(),
        });
        request.extensions_mut().insert(identity);
    }
    let mut response = next.run(request).await;
    // A handler that set the session cookie itself (sign-out, a password change) has
    // the last word: the renewed cookie of the old session must not override it.
    let handler_set_session = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            SESSION_COOKIES
                .iter()
                .any(|name| v.starts_with(&format!("{name}=")))
        });
    if let Some(tokens) = renewed.filter(|_| !handler_set_session) {
        let cookies = crate::web::session_cookies::for_session(&app.config, &tokens);
        for cookie in cookies {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    response
}

fn unauthorized(why: &str) -> Response {
    Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "Not signed in")
        .detail(why.to_string())
        .header(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        )
        .into_response()
}

/// A handler argument: the authenticated caller, or 401.
pub struct Authenticated(pub Identity);

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        parts
            .extensions
            .get::<Identity>()
            .cloned()
            .map(Authenticated)
            .ok_or_else(|| {
                Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "Not signed in")
                    .detail("send `Authorization: Bearer <access token or API key>`")
                    .header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
            })
    }
}

/// `Option<Authenticated>`: the caller if signed in, for endpoints open to everyone.
impl<S: Send + Sync> OptionalFromRequestParts<S> for Authenticated {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Identity>()
            .cloned()
            .map(Authenticated))
    }
}

impl Authenticated {
    /// Refuses an API key without `scope`.
    pub fn require(&self, scope: Scope) -> Result<&Identity, Problem> {
        if self.0.allows(scope) {
            Ok(&self.0)
        } else {
            Err(
                Problem::new(StatusCode::FORBIDDEN, "insufficient-scope", "Missing scope")
                    .detail(format!("this API key lacks the `{}` scope", scope.name())),
            )
        }
    }

    /// Refuses API keys: managing the account needs a signed-in session.
    pub fn require_session(&self) -> Result<&Identity, Problem> {
        match self.0.session() {
            Some(_) => Ok(&self.0),
            None => Err(Problem::new(
                StatusCode::FORBIDDEN,
                "session-required",
                "Sign in to do this",
            )
            .detail("API keys cannot manage the account; sign in with email and password")),
        }
    }

    pub fn require_admin(&self) -> Result<&Identity, Problem> {
        let identity = self.require_session()?;
        if identity.is_admin() {
            Ok(identity)
        } else {
            Err(
                Problem::new(StatusCode::FORBIDDEN, "forbidden", "Administrators only")
                    .detail("this needs the admin role"),
            )
        }
    }
}
