//! `/api/v1/admin/…`: account roles and status, the IP block list and the audit log.
//! Administrators only, with a signed-in session (never an API key).

use super::auth::RequestContext;
use crate::accounts::ip_guard::Block;
use crate::db::audit;
use crate::http::identity::Authenticated;
use crate::http::problem::Problem;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// `user` or `admin`.
    role: Option<String>,
    /// `active` or `suspended` (suspending ends every session).
    status: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UserSummary {
    id: i64,
    email: String,
    role: String,
    status: String,
}

/// Changes a user's role or status.
#[utoipa::path(patch, path = "/admin/users/{id}", tag = "admin", request_body = UserChange,
    params(("id" = i64, Path, description = "The user's id")),
    responses((status = 200, body = UserSummary),
        (status = 403, description = "Not an administrator", body = crate::api::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn change_user(
    State(app): State<AppState>,
    caller: Authenticated,
    RequestContext(ctx): RequestContext,
    Path(id): Path<i64>,
    Json(body): Json<UserChange>,
) -> Result<Json<UserSummary>, Problem> {
    let admin = caller.require_admin()?;
    let user = app
        .accounts
        .set_role_and_status(
            &app.db,
            admin.user.id,
            id,
            body.role.as_deref(),
            body.status.as_deref(),
            &ctx,
        )
        .await?;
    Ok(Json(UserSummary {
        id: user.id,
        email: user.email,
        role: user.role,
        status: user.status,
    }))
}

/// The live entries of the IP block list.
#[utoipa::path(get, path = "/admin/ip-blocks", tag = "admin", responses((status = 200, body = [Block])))]
pub async fn list_blocks(
    State(app): State<AppState>,
    caller: Authenticated,
) -> Result<Json<Vec<Block>>, Problem> {
    caller.require_admin()?;
    Ok(Json(app.accounts.list_blocks(&app.db).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBlock {
    /// An address or a CIDR network.
    #[schema(example = "203.0.113.0/24")]
    network: String,
    reason: String,
    /// When the block ends; default: never.
    expires_at: Option<DateTime<Utc>>,
}

/// Blocks an address or network.
#[utoipa::path(post, path = "/admin/ip-blocks", tag = "admin", request_body = NewBlock,
    responses((status = 201, body = Block),
        (status = 422, description = "Not an address or network, or it contains your own address", body = crate::api::ProblemDocument, content_type = "application/problem+json")))]
pub async fn add_block(
    State(app): State<AppState>,
    caller: Authenticated,
    RequestContext(ctx): RequestContext,
    Json(body): Json<NewBlock>,
) -> Result<(StatusCode, Json<Block>), Problem> {
    let admin = caller.require_admin()?;
    let block = app
        .accounts
        .add_block(
            &app.db,
            &body.network,
            &body.reason,
            "admin",
            Some(admin.user.id),
            body.expires_at,
            &ctx,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(block)))
}

/// Ends a block now.
#[utoipa::path(delete, path = "/admin/ip-blocks/{id}", tag = "admin",
    params(("id" = i64, Path, description = "The block's id")),
    responses((status = 204, description = "Ended")))]
pub async fn remove_block(
    State(app): State<AppState>,
    caller: Authenticated,
    RequestContext(ctx): RequestContext,
    Path(id): Path<i64>,
) -> Result<StatusCode, Problem> {
    let admin = caller.require_admin()?;
    app.accounts
        .remove_block(&app.db, id, admin.user.id, &ctx)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Only rows older than this id (the `id` of the last row of the previous page).
    before: Option<i64>,
    /// 1–500, default 100.
    limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditRow {
    id: i64,
    created_at: DateTime<Utc>,
    actor_user_id: Option<i64>,
    action: String,
    target: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    request_id: Option<String>,
    details: serde_json::Value,
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/admin/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = [AuditRow])))]
pub async fn audit_log(
    State(app): State<AppState>,
    caller: Authenticated,
    Query(query): Query<AuditQuery>,
) -> Result<Json<Vec<AuditRow>>, Problem> {
    caller.require_admin()?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-field",
            "A field is not valid",
        )
        .detail(format!("limit: {limit} is not from 1 to 500")));
    }
    let rows = audit::recent(&app.db, query.before, limit)
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok(Json(
        rows.into_iter()
            .map(|r| AuditRow {
                id: r.id,
                created_at: r.created_at,
                actor_user_id: r.event.actor_user_id,
                action: r.event.action,
                target: r.event.target,
                ip: r.event.ip,
                user_agent: r.event.user_agent,
                request_id: r.event.request_id,
                details: r.event.details,
            })
            .collect(),
    ))
}
