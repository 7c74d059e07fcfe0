//! `/api/v1/auth/…`: sign-up, email verification, sign-in (with the two-factor step),
//! token refresh, sign-out and password reset. Each of these is throttled per client
//! address on top of the general rate limit.

use crate::accounts::login::{LoginOutcome, SecondFactor, SignedIn};
use crate::accounts::passwords::Reset;
use crate::accounts::sessions::{SessionKind, Tokens};
use crate::accounts::signup::Registration;
use crate::accounts::{AccountError, Context};
use crate::http::client_ip::ClientIp;
use crate::http::identity::{context, Authenticated};
use crate::http::problem::Problem;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

impl From<AccountError> for Problem {
    fn from(error: AccountError) -> Problem {
        let message = error.to_string();
        match error {
            AccountError::Invalid { field, message } => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-field",
                "A field is not valid",
            )
            .detail(format!("{field}: {message}"))
            .extension(
                "errors",
                serde_json::json!([{"field": field, "message": message}]),
            ),
            AccountError::Password(problem) => {
                let mut p = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "weak-password",
                    "Choose another password",
                )
                .detail(problem.to_string())
                .extension(
                    "errors",
                    serde_json::json!([{"field": "password", "message": problem.to_string()}]),
                );
                if let crate::auth::password::PasswordProblem::TooWeak {
                    score,
                    suggestions,
                    warning,
                } = problem
                {
                    p = p.extension(
                        "advice",
                        serde_json::json!({"score": score, "warning": warning, "suggestions": suggestions}),
                    );
                }
                p
            }
            AccountError::InvalidCredentials => Problem::new(
                StatusCode::UNAUTHORIZED,
                "invalid-credentials",
                "Sign-in failed",
            )
            .detail(message),
            AccountError::EmailNotVerified => Problem::new(
                StatusCode::FORBIDDEN,
                "email-not-verified",
                "Email not verified",
            )
            .detail(message),
            AccountError::Suspended => Problem::new(
                StatusCode::FORBIDDEN,
                "account-suspended",
                "Account suspended",
            )
            .detail(message),
            AccountError::InvalidToken => Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-token",
                "Invalid or expired",
            )
            .detail(message),
            AccountError::WrongCode { remaining } => {
                Problem::new(StatusCode::UNAUTHORIZED, "wrong-code", "Wrong code")
                    .detail(message)
                    .extension("remaining_attempts", remaining.into())
            }
            AccountError::SessionEnded => {
                Problem::new(StatusCode::UNAUTHORIZED, "session-ended", "Session ended")
                    .detail(message)
            }
            AccountError::Forbidden(_) => Problem::status(StatusCode::FORBIDDEN).detail(message),
            AccountError::NotFound(_) => Problem::not_found(message),
            AccountError::Conflict(_) => Problem::status(StatusCode::CONFLICT).detail(message),
            AccountError::Db(e) if e.is_unavailable() => {
                Problem::unavailable("the database is unavailable; try again shortly")
            }
            internal => Problem::internal(&internal),
        }
    }
}

/// Counts a request against the per-address limit of one group of endpoints.
pub async fn throttle(app: &AppState, group: &str, ctx: &Context) -> Result<(), Problem> {
    let Some(ip) = ctx.ip else {
        return Ok(());
    };
    let quota = app.accounts.settings.ip_quota;
    let decision = app
        .rate_limiter
        .check(&format!("auth:{group}:{ip}"), &quota)
        .await;
    if decision.allowed {
        return Ok(());
    }
    app.accounts.note_throttled(&app.db, group, ctx).await?;
    let seconds = decision.retry_after_ms.div_ceil(1000).max(1);
    Err(Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        "Too many attempts",
    )
    .detail(format!(
        "too many {group} attempts from your address; retry in {seconds} s"
    ))
    .header(axum::http::header::RETRY_AFTER, HeaderValue::from(seconds)))
}

/// Where the request came from, for the account service.
pub struct RequestContext(pub Context);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(RequestContext(context(
            &parts.headers,
            parts.extensions.get::<ClientIp>(),
        )))
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(example = "ada@example.com")]
    email: String,
    #[schema(example = "correct horse battery staple")]
    password: String,
    display_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    status: &'static str,
    message: &'static str,
}

/// Registers an account and emails a verification link. The answer is the same whether
/// or not the address already has an account.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 202, body = Accepted),
        (status = 422, description = "Invalid email, or a password that is too short, too long or too easy to guess (with advice)", body = crate::api::ProblemDocument, content_type = "application/problem+json"),
        (status = 429, description = "Too many sign-ups from this address", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn register(
    State(app): State<AppState>,
    RequestContext(ctx): RequestContext,
    Json(body): Json<RegisterRequest>,
) -> Result<(StatusCode, Json<Accepted>), Problem> {
    throttle(&app, "sign-up", &ctx).await?;
    app.accounts
        .register(
            &app.db,
            Registration {
                email: body.email,
                password: body.password,
                display_name: body.display_name,
            },
            &ctx,
        )
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            status: "verification_sent",
            message: "If the address can receive mail, a verification link is on its way; it is valid for 24 hours.",
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    token: String,
}

#[derive(Serialize, ToSchema)]
pub struct Verified {
    email: String,
    verified: bool,
}

/// Confirms an email address with the token from the verification link.
#[utoipa::path(post, path = "/auth/verify-email", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = Verified),
        (status = 400, description = "The token is invalid, used or expired", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn verify_email(
    State(app): State<AppState>,
    RequestContext(ctx): RequestContext,
    Json(body): Json<TokenRequest>,
) -> Result<Json<Verified>, Problem> {
    throttle(&app, "verification", &ctx).await?;
    let user = app
        .accounts
        .verify_email(&app.db, &body.token, &ctx)
        .await?;
    Ok(Json(Verified {
        email: user.email,
        verified: true,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "ada@example.com")]
    email: String,
    #[schema(example = "correct horse battery staple")]
    password: String,
    /// The `device_token` a previous sign-in returned: it marks this client as known
    /// (no new-device email, and the account-wide lockout does not apply to it).
    device_token: Option<String>,
}

/// A successful sign-in or refresh.
#[derive(Serialize, ToSchema)]
pub struct TokenPair {
    status: &'static str,
    token_type: &'static str,
    access_token: String,
    /// Seconds until the access token expires.
    expires_in: u64,
    /// Rotated on every refresh: keep only the newest.
    refresh_token: String,
    refresh_expires_at: DateTime<Utc>,
    session_id: String,
    /// Set when this client had no device token: send it with later sign-ins.
    #[serde(skip_serializing_if = "Option::is_none")]
    device_token: Option<String>,
}

impl TokenPair {
    pub fn from_tokens(tokens: Tokens) -> TokenPair {
        TokenPair::new(tokens, None)
    }

    fn new(tokens: Tokens, device_token: Option<String>) -> TokenPair {
        TokenPair {
            status: "signed_in",
            token_type: "Bearer",
            access_token: tokens.access_token,
            expires_in: tokens.access_expires_in,
            refresh_token: tokens.refresh_token,
            refresh_expires_at: tokens.refresh_expires_at,
            session_id: tokens.session_id,
            device_token,
        }
    }
}

/// The password was right and a second factor is needed.
#[derive(Serialize, ToSchema)]
pub struct ChallengeIssued {
    status: &'static str,
    /// Send it to `/auth/login/2fa` with a code; 5 attempts.
    challenge: String,
    expires_in: u64,
}

fn outcome(outcome: LoginOutcome) -> Response {
    match outcome {
        LoginOutcome::SignedIn(signed_in) => {
            let SignedIn {
                tokens,
                new_device_token,
                ..
            } = *signed_in;
            Json(TokenPair::new(tokens, new_device_token)).into_response()
        }
        LoginOutcome::SecondFactor {
            challenge,
            expires_in,
        } => Json(ChallengeIssued {
            status: "two_factor_required",
            challenge,
            expires_in,
        })
        .into_response(),
    }
}

/// Signs in with email and password. Accounts with two-factor sign-in get a challenge
/// to complete at `/auth/login/2fa`.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "Signed in (`TokenPair`) or a second factor is needed (`ChallengeIssued`)", body = TokenPair),
        (status = 401, description = "Wrong email or password (also while the account is locked)", body = crate::api::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "Email not verified, or account suspended", body = crate::api::ProblemDocument, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn login(
    State(app): State<AppState>,
    RequestContext(mut ctx): RequestContext,
    Json(body): Json<LoginRequest>,
) -> Result<Response, Problem> {
    throttle(&app, "sign-in", &ctx).await?;
    if body.device_token.is_some() {
        ctx.device = body.device_token;
    }
    let result = app
        .accounts
        .login(&app.db, &body.email, &body.password, SessionKind::Api, &ctx)
        .await?;
    Ok(outcome(result))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorRequest {
    challenge: String,
    /// The 6-digit code from the authenticator app.
    code: Option<String>,
    /// Or one of the recovery codes.
    recovery_code: Option<String>,
    device_token: Option<String>,
}

/// Completes a sign-in with a code from the authenticator app or a recovery code.
#[utoipa::path(post, path = "/auth/login/2fa", tag = "auth", request_body = SecondFactorRequest,
    responses((status = 200, body = TokenPair),
        (status = 401, description = "Wrong code, with the attempts left", body = crate::api::ProblemDocument, content_type = "application/problem+json"),
        (status = 400, description = "The challenge is unknown, expired or used up", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn login_second_factor(
    State(app): State<AppState>,
    RequestContext(mut ctx): RequestContext,
    Json(body): Json<SecondFactorRequest>,
) -> Result<Response, Problem> {
    throttle(&app, "two-factor", &ctx).await?;
    if body.device_token.is_some() {
        ctx.device = body.device_token;
    }
    let step = SecondFactor {
        challenge: body.challenge,
        code: body.code,
        recovery_code: body.recovery_code,
    };
    Ok(outcome(
        app.accounts
            .login_second_factor(&app.db, &step, &ctx)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    refresh_token: String,
}

/// Exchanges a refresh token for a new pair. The old refresh token stops working;
/// presenting it again later revokes the whole session.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair),
        (status = 401, description = "The session has ended", body = crate::api::ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "The token was rotated a moment ago by another request", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn refresh(
    State(app): State<AppState>,
    RequestContext(ctx): RequestContext,
    Json(body): Json<RefreshRequest>,
) -> Result<Json<TokenPair>, Problem> {
    let (tokens, _) = app
        .accounts
        .refresh(&app.db, &body.refresh_token, &ctx)
        .await?;
    Ok(Json(TokenPair::new(tokens, None)))
}

/// Signs out: ends the session of the access token (or cookie) used.
#[utoipa::path(post, path = "/auth/logout", tag = "auth",
    responses((status = 204, description = "The session has ended"),
        (status = 401, description = "Not signed in", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn logout(
    State(app): State<AppState>,
    caller: Authenticated,
    RequestContext(ctx): RequestContext,
) -> Result<Response, Problem> {
    let identity = caller.require_session()?;
    let session = identity.session().unwrap_or_default().to_string();
    app.accounts
        .logout(&app.db, identity.user.id, &session, &ctx)
        .await?;
    let mut headers = HeaderMap::new();
    for cookie in crate::web::session_cookies::cleared(&app.config) {
        headers.append(axum::http::header::SET_COOKIE, cookie);
    }
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotRequest {
    #[schema(example = "ada@example.com")]
    email: String,
}

/// Emails a password-reset link (valid one hour) if the address has an account. The
/// answer is the same either way.
#[utoipa::path(post, path = "/auth/password/forgot", tag = "auth", request_body = ForgotRequest,
    responses((status = 202, body = Accepted)))]
pub async fn forgot_password(
    State(app): State<AppState>,
    RequestContext(ctx): RequestContext,
    Json(body): Json<ForgotRequest>,
) -> Result<(StatusCode, Json<Accepted>), Problem> {
    throttle(&app, "password-reset", &ctx).await?;
    app.accounts
        .forgot_password(&app.db, &body.email, &ctx)
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            status: "reset_sent",
            message: "If the address has an account, a reset link is on its way; it is valid for one hour.",
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    token: String,
    password: String,
    /// Required when the account has two-factor sign-in: an app code or a recovery code.
    code: Option<String>,
}

/// Sets a new password with the token from the reset link. Ends every session.
#[utoipa::path(post, path = "/auth/password/reset", tag = "auth", request_body = ResetRequest,
    responses((status = 204, description = "The password is changed; sign in with it"),
        (status = 400, description = "The token is invalid, used or expired", body = crate::api::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "The new password is refused, or the two-factor code is missing or wrong", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn reset_password(
    State(app): State<AppState>,
    RequestContext(ctx): RequestContext,
    Json(body): Json<ResetRequest>,
) -> Result<StatusCode, Problem> {
    throttle(&app, "password-reset", &ctx).await?;
    let reset = Reset {
        token: body.token,
        password: body.password,
        code: body.code,
    };
    app.accounts.reset_password(&app.db, &reset, &ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}
