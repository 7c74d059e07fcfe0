//! `/api/v1/account/…`: the signed-in user's own account: profile, password, email,
//! sessions, two-factor sign-in and API keys. Every object is looked up within the
//! caller's own account, so another user's id is simply "not found".

use super::auth::RequestContext;
use crate::accounts::api_keys::{self, KeyInfo, NewKey, Scope};
use crate::accounts::sessions::{SessionInfo, SessionKind};
use crate::http::identity::Authenticated;
use crate::http::problem::Problem;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Profile {
    id: i64,
    email: String,
    display_name: Option<String>,
    role: String,
    plan: String,
    email_verified: bool,
    two_factor_enabled: bool,
    created_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
}

/// The caller's account.
#[utoipa::path(get, path = "/account", tag = "account",
    responses((status = 200, body = Profile),
        (status = 401, description = "Not signed in", body = crate::api::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "An API key without `account:read`", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn profile(caller: Authenticated) -> Result<Json<Profile>, Problem> {
    let identity = caller.require(Scope::AccountRead)?;
    let user = &identity.user;
    Ok(Json(Profile {
        id: user.id,
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        role: user.role.clone(),
        plan: identity.plan.clone(),
        email_verified: user.email_verified_at.is_some(),
        two_factor_enabled: user.totp_enabled_at.is_some(),
        created_at: user.created_at,
        last_login_at: user.last_login_at,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    current_password: String,
    new_password: String,
}

/// Changes the password. Every session ends, this one included; the answer carries a
/// new session for the caller (as a sign-in does).
#[utoipa::path(post, path = "/account/password", tag = "account", request_body = ChangePassword,
    responses((status = 200, body = crate::api::auth::TokenPair),
        (status = 422, description = "The current password is wrong, or the new one is refused", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn change_password(
    State(app): State<AppState>,
    caller: Authenticated,
    RequestContext(ctx): RequestContext,
    Json(body): Json<ChangePassword>,
) -> Result<Response, Problem> {
    let identity = caller.require_session()?;
    let accounts = &app.accounts;
    accounts
        .change_password(
            &app.db,
            &identity.user,
            &body.current_password,
            &body.new_password,
            &ctx,
        )
        .await?;
    let user = crate::accounts::find_user(&app.db, identity.user.id)
        .await?
        .ok_or_else(|| Problem::status(StatusCode::UNAUTHORIZED))?;
    let kind = match identity.via {
        crate::accounts::identity::Via::Cookie { .. } => SessionKind::Web,
        _ => SessionKind::Api,
    };
    let tokens = accounts.start_session(&app.db, &user, kind, &ctx).await?;
    let mut headers = HeaderMap::new();
    if kind == SessionKind::Web {
        for cookie in crate::web::session_cookies::for_session(&app.config, &tokens) {
            headers.append(header::SET_COOKIE, cookie);
        }
    }
    Ok((
        headers,
        Json(crate::api::auth::TokenPair::from_tokens(tokens)),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeEmail {
    new_email: String,
    password: String,
    /// Required with two-factor sign-in on.
    code: Option<String>,
}

/// Starts a change of the sign-in email: a link goes to the new address, and the change
/// takes effect when it is followed.
#[utoipa::path(post, path = "/account/email", tag = "account", request_body = ChangeEmail,
    responses((status = 202, description = "A confirmation link was sent to the new address"),
        (status = 409, description = "Another account uses the address", body = crate::api::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid address, wrong password or code", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn change_email(
    State(app): State<AppState>,
    caller: Authenticated,
    RequestContext(ctx): RequestContext,
    Json(body): Json<ChangeEmail>,
) -> Result<StatusCode, Problem> {
    let identity = caller.require_session()?;
    app.accounts
        .request_email_change(
            &app.db,
            &identity.user,
            &body.new_email,
            &body.password,
            body.code.as_deref(),
            &ctx,
        )
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// The caller's live sessions, most recently used first.
#[utoipa::path(get, path = "/account/sessions", tag = "account",
    responses((status = 200, body = [SessionInfo])))]
pub async fn sessions(
    State(app): State<AppState>,
    caller: Authenticated,
) -> Result<Json<Vec<SessionInfo>>, Problem> {
    let identity = caller.require_session()?;
    Ok(Json(
        app.accounts
            .list_sessions(&app.db, identity.user.id, identity.session())
            .await?,
    ))
}

/// Ends one of the caller's sessions.
#[utoipa::path(delete, path = "/account/sessions/{id}", tag = "account",
    params(("id" = String, Path, description = "The session id from the list")),
    responses((status = 204, description = "Ended"),
        (status = 404, description = "No such session of yours", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn revoke_session(
    State(app): State<AppState>,
    caller: Authenticated,
    RequestContext(ctx): RequestContext,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let identity = caller.require_session()?;
    app.accounts
        .revoke_own_session(&app.db, identity.user.id, &id, &ctx)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct Revoked {
    revoked: u64,
}

/// Ends every session of the caller except this one.
#[utoipa::path(post, path = "/account/sessions/revoke-others", tag = "account",
    responses((status = 200, body = Revoked)))]
pub async fn revoke_other_sessions(
    State(app): State<AppState>,
    caller: Authenticated,
    RequestContext(ctx): RequestContext,
) -> Result<Json<Revoked>, Problem> {
    let identity = caller.require_session()?;
    let revoked = app
        .accounts
        .revoke_other_sessions(&app.db, identity.user.id, identity.session(), &ctx)
        .await?;
    Ok(Json(Revoked { revoked }))
}

#[derive(Serialize, ToSchema)]
pub struct TwoFactorSetup {
    /// Base32, to type into the app by hand.
    secret: String,
    /// `otpauth://totp/…`, the QR code's content.
    otpauth_uri: String,
    /// The QR code, an SVG document.
    qr_svg: String,
}

/// Starts two-factor enrolment: scan the QR code (or type the secret), then confirm
/// with a first code.
#[utoipa::path(post, path = "/account/2fa/setup", tag = "account",
    responses((status = 200, body = TwoFactorSetup),
        (status = 409, description = "Two-factor sign-in is already on", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn two_factor_setup(
    State(app): State<AppState>,
    caller: Authenticated,
) -> Result<Json<TwoFactorSetup>, Problem> {
    let identity = caller.require_session()?;
    let enrolment = app
        .accounts
        .two_factor_setup(&app.db, &identity.user)
        .await?;
    Ok(Json(TwoFactorSetup {
        secret: enrolment.secret,
        otpauth_uri: enrolment.uri,
        qr_svg: enrolment.qr_svg,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    #[schema(example = "123456")]
    code: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Shown this once: each works once, if the phone is lost.
    recovery_codes: Vec<String>,
}

/// Turns two-factor sign-in on with a first code; returns the ten recovery codes.
#[utoipa::path(post, path = "/account/2fa/confirm", tag = "account", request_body = CodeRequest,
    responses((status = 200, body = RecoveryCodes),
        (status = 422, description = "The code is wrong", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn two_factor_confirm(
    State(app): State<AppState>,
    caller: Authenticated,
    RequestContext(ctx): RequestContext,
    Json(body): Json<CodeRequest>,
) -> Result<Json<RecoveryCodes>, Problem> {
    let identity = caller.require_session()?;
    let recovery_codes = app
        .accounts
        .two_factor_confirm(&app.db, &identity.user, &body.code, &ctx)
        .await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmIdentity {
    password: String,
    /// A code from the app, or a recovery code.
    code: Option<String>,
}

/// Turns two-factor sign-in off; takes the password and a current code.
#[utoipa::path(post, path = "/account/2fa/disable", tag = "account", request_body = ConfirmIdentity,
    responses((status = 204, description = "Two-factor sign-in is off"),
        (status = 422, description = "Wrong password or code", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn two_factor_disable(
    State(app): State<AppState>,
    caller: Authenticated,
    RequestContext(ctx): RequestContext,
    Json(body): Json<ConfirmIdentity>,
) -> Result<StatusCode, Problem> {
    let identity = caller.require_session()?;
    app.accounts
        .two_factor_disable(
            &app.db,
            &identity.user,
            &body.password,
            body.code.as_deref(),
            &ctx,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces the recovery codes with ten new ones; takes the password and a current code.
#[utoipa::path(post, path = "/account/2fa/recovery-codes", tag = "account", request_body = ConfirmIdentity,
    responses((status = 200, body = RecoveryCodes)))]
pub async fn regenerate_recovery_codes(
    State(app): State<AppState>,
    caller: Authenticated,
    RequestContext(ctx): RequestContext,
    Json(body): Json<ConfirmIdentity>,
) -> Result<Json<RecoveryCodes>, Problem> {
    let identity = caller.require_session()?;
    let recovery_codes = app
        .accounts
        .regenerate_recovery_codes(
            &app.db,
            &identity.user,
            &body.password,
            body.code.as_deref(),
            &ctx,
        )
        .await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

/// The caller's API keys (never the keys themselves).
#[utoipa::path(get, path = "/account/api-keys", tag = "account",
    responses((status = 200, body = [KeyInfo])))]
pub async fn list_keys(
    State(app): State<AppState>,
    caller: Authenticated,
) -> Result<Json<Vec<KeyInfo>>, Problem> {
    let identity = caller.require_session()?;
    Ok(Json(api_keys::list(&app.db, identity.user.id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    #[schema(example = "trading bot")]
    name: String,
    /// Any of `scans:read`, `scans:write`, `alerts:read`, `alerts:write`, `account:read`.
    #[schema(example = json!(["scans:read"]))]
    scopes: Vec<String>,
    /// Days until the key stops working (1–3650); default: never.
    expires_in_days: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedKey {
    /// The key, shown this once: send it as `Authorization: Bearer <key>`.
    key: String,
    #[serde(flatten)]
    info: KeyInfo,
}

/// Creates an API key. The key is in this answer only.
#[utoipa::path(post, path = "/account/api-keys", tag = "account", request_body = CreateKey,
    responses((status = 201, body = CreatedKey),
        (status = 422, description = "A missing name or an unknown scope", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn create_key(
    State(app): State<AppState>,
    caller: Authenticated,
    RequestContext(ctx): RequestContext,
    Json(body): Json<CreateKey>,
) -> Result<(StatusCode, Json<CreatedKey>), Problem> {
    let identity = caller.require_session()?;
    let (key, info) = api_keys::create(
        &app.db,
        identity.user.id,
        NewKey {
            name: body.name,
            scopes: body.scopes,
            expires_in_days: body.expires_in_days,
        },
        &ctx,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(CreatedKey { key, info })))
}

/// Revokes an API key at once.
#[utoipa::path(delete, path = "/account/api-keys/{id}", tag = "account",
    params(("id" = i64, Path, description = "The key's id")),
    responses((status = 204, description = "Revoked"),
        (status = 404, description = "No live key of yours with that id", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn revoke_key(
    State(app): State<AppState>,
    caller: Authenticated,
    RequestContext(ctx): RequestContext,
    Path(id): Path<i64>,
) -> Result<StatusCode, Problem> {
    let identity = caller.require_session()?;
    api_keys::revoke(&app.db, identity.user.id, id, &ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}
