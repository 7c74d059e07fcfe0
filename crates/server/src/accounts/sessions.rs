//! Sessions: each sign-in starts a family of refresh tokens. Every refresh rotates the
//! token (the old row is marked rotated, a new generation is written); presenting a
//! token that was already rotated, after a short grace window, means someone else holds
//! a copy, so the whole family is revoked and the user is told by email.
//!
//! A family ends when revoked, when unused for the idle timeout, or at its absolute
//! lifetime, whichever comes first. Only a digest of each token is stored.

use super::entities::{session, user};
use super::{find_user, record, span, user_target, AccountError, AccountResult, Accounts, Context};
use crate::auth::secrets::{digest, random_token};
use crate::db::begin_write;
use crate::email::{templates::SessionRevoked, Email};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;

/// `api`: the refresh token travels in JSON bodies; `web`: in a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Api,
    Web,
}

impl SessionKind {
    pub fn name(self) -> &'static str {
        match self {
            SessionKind::Api => "api",
            SessionKind::Web => "web",
        }
    }
}

/// A session's current tokens, as handed to the client.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub session_id: String,
    pub access_token: String,
    pub refresh_token: String,
    pub access_expires_in: u64,
    pub refresh_expires_at: DateTime<Utc>,
}

/// One session as its user sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    pub id: String,
    pub kind: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The session the request listing them came from.
    pub current: bool,
}

impl Accounts {
    /// Starts a new session for `user` and returns its first tokens.
    pub async fn start_session<C: ConnectionTrait>(
        &self,
        db: &C,
        user: &user::Model,
        kind: SessionKind,
        ctx: &Context,
    ) -> AccountResult<Tokens> {
        let now = Utc::now();
        let family = random_token()?;
        let expires_at = now + span(self.settings.session_max_lifetime);
        self.write_generation(db, user, &family, 0, expires_at, kind.name(), ctx, now)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_generation<C: ConnectionTrait>(
        &self,
        db: &C,
        user: &user::Model,
        family: &str,
        generation: i32,
        expires_at: DateTime<Utc>,
        kind: &str,
        ctx: &Context,
        now: DateTime<Utc>,
    ) -> AccountResult<Tokens> {
        let refresh_token = random_token()?;
        session::ActiveModel {
            id: NotSet,
            user_id: Set(user.id),
            family_id: Set(family.to_string()),
            generation: Set(generation),
            refresh_token_hash: Set(digest(&refresh_token)),
            rotated_at: Set(None),
            revoked_at: Set(None),
            revoked_reason: Set(None),
            ip: Set(ctx.ip_text()),
            user_agent: Set(ctx.user_agent.clone()),
            expires_at: Set(expires_at),
            last_used_at: Set(Some(now)),
            created_at: Set(now),
            kind: Set(kind.to_string()),
        }
        .insert(db)
        .await?;
        let access_token = self.access.issue(
            user.id,
            family,
            &user.role,
            u64::try_from(now.timestamp()).unwrap_or(0),
        )?;
        Ok(Tokens {
            session_id: family.to_string(),
            access_token,
            refresh_token,
            access_expires_in: self.access.ttl.as_secs(),
            refresh_expires_at: expires_at.min(now + span(self.settings.session_idle_timeout)),
        })
    }

    /// Whether a token row's family has run out of time.
    fn expired(&self, row: &session::Model, now: DateTime<Utc>) -> bool {
        let idle_since = row.last_used_at.unwrap_or(row.created_at);
        row.expires_at <= now || idle_since + span(self.settings.session_idle_timeout) <= now
    }

    /// Exchanges a refresh token for new tokens, rotating it. Concurrent calls with one
    /// token yield at most one new token: the rotation is a conditional update.
    pub async fn refresh(
        &self,
        db: &DatabaseConnection,
        refresh_token: &str,
        ctx: &Context,
    ) -> AccountResult<(Tokens, user::Model)> {
        let now = Utc::now();
        let row = session::Entity::find()
            .filter(session::Column::RefreshTokenHash.eq(digest(refresh_token)))
            .one(db)
            .await?
            .ok_or(AccountError::SessionEnded)?;
        if row.revoked_at.is_some() {
            return Err(AccountError::SessionEnded);
        }
        if self.expired(&row, now) {
            revoke_family(db, &row.family_id, "expired").await?;
            return Err(AccountError::SessionEnded);
        }
        let user = find_user(db, row.user_id)
            .await?
            .ok_or(AccountError::SessionEnded)?;
        if user.status != "active" {
            return Err(AccountError::Suspended);
        }
        let txn = begin_write(db).await?;
        let claimed = session::Entity::update_many()
            .col_expr(session::Column::RotatedAt, Expr::value(now))
            .filter(session::Column::Id.eq(row.id))
            .filter(session::Column::RotatedAt.is_null())
            .filter(session::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected;
        if claimed == 0 {
            txn.rollback().await?;
            return self.reused(db, &row, &user, ctx, now).await;
        }
        let tokens = self
            .write_generation(
                &txn,
                &user,
                &row.family_id,
                row.generation + 1,
                row.expires_at,
                &row.kind,
                ctx,
                now,
            )
            .await?;
        txn.commit().await?;
        Ok((tokens, user))
    }

    /// A rotated token came back. Within the grace window it is a client retrying (or
    /// racing itself): refused, family intact. After it, the token was copied: the
    /// family is revoked, recorded and reported to the user.
    async fn reused(
        &self,
        db: &DatabaseConnection,
        row: &session::Model,
        user: &user::Model,
        ctx: &Context,
        now: DateTime<Utc>,
    ) -> AccountResult<(Tokens, user::Model)> {
        let rotated_at = session::Entity::find_by_id(row.id)
            .one(db)
            .await?
            .and_then(|r| r.rotated_at)
            .unwrap_or(now);
        if now - rotated_at <= span(self.settings.refresh_reuse_grace) {
            return Err(AccountError::Conflict(
                "this refresh token was just used; use the tokens that request returned".into(),
            ));
        }
        let txn = begin_write(db).await?;
        let revoked = revoke_family(&txn, &row.family_id, "refresh token reused").await?;
        if revoked > 0 {
            let mut event = ctx.event("session.refresh_reuse", Some(user.id), user_target(user.id));
            event.details = serde_json::json!({"generation": row.generation});
            record(&txn, event).await?;
            self.send(
                &txn,
                user,
                Email::SessionRevoked(SessionRevoked {
                    name: user.display_name.clone(),
                    at: now,
                    ip: ctx.ip_text(),
                    user_agent: ctx.user_agent.clone(),
                }),
            )
            .await?;
        }
        txn.commit().await?;
        Err(AccountError::SessionEnded)
    }

    /// The live token row of a session, if the session is live now.
    pub async fn live_session<C: ConnectionTrait>(
        &self,
        db: &C,
        family: &str,
    ) -> AccountResult<Option<session::Model>> {
        let row = session::Entity::find()
            .filter(session::Column::FamilyId.eq(family))
            .filter(session::Column::RotatedAt.is_null())
            .filter(session::Column::RevokedAt.is_null())
            .one(db)
            .await?;
        Ok(row.filter(|r| !self.expired(r, Utc::now())))
    }

    /// The user's live sessions, newest first.
    pub async fn list_sessions<C: ConnectionTrait>(
        &self,
        db: &C,
        user_id: i64,
        current: Option<&str>,
    ) -> AccountResult<Vec<SessionInfo>> {
        let now = Utc::now();
        let rows = session::Entity::find()
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::RevokedAt.is_null())
            .order_by_asc(session::Column::Id)
            .all(db)
            .await?;
        // Rows come oldest first: the first of a family is its start, the unrotated one
        // its current token.
        let mut started: std::collections::HashMap<&str, DateTime<Utc>> = Default::default();
        for row in &rows {
            started
                .entry(row.family_id.as_str())
                .or_insert(row.created_at);
        }
        let mut sessions: Vec<SessionInfo> = rows
            .iter()
            .filter(|r| r.rotated_at.is_none() && !self.expired(r, now))
            .map(|r| SessionInfo {
                id: r.family_id.clone(),
                kind: r.kind.clone(),
                ip: r.ip.clone(),
                user_agent: r.user_agent.clone(),
                created_at: started
                    .get(r.family_id.as_str())
                    .copied()
                    .unwrap_or(r.created_at),
                last_used_at: r.last_used_at.unwrap_or(r.created_at),
                expires_at: r.expires_at,
                current: current == Some(r.family_id.as_str()),
            })
            .collect();
        sessions.sort_by_key(|s| std::cmp::Reverse(s.last_used_at));
        Ok(sessions)
    }

    /// Revokes one of the user's sessions; another user's session id is "not found".
    pub async fn revoke_own_session(
        &self,
        db: &DatabaseConnection,
        user_id: i64,
        family: &str,
        ctx: &Context,
    ) -> AccountResult<()> {
        let owned = session::Entity::find()
            .filter(session::Column::FamilyId.eq(family))
            .filter(session::Column::UserId.eq(user_id))
            .one(db)
            .await?
            .is_some();
        if !owned {
            return Err(AccountError::NotFound(format!("no session {family}")));
        }
        let txn = begin_write(db).await?;
        revoke_family(&txn, family, "revoked by the user").await?;
        record(
            &txn,
            ctx.event(
                "session.revoked",
                Some(user_id),
                Some(format!("session:{family}")),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

/// Revokes every token of a family; returns how many live rows it ended.
pub async fn revoke_family<C: ConnectionTrait>(
    db: &C,
    family: &str,
    reason: &str,
) -> AccountResult<u64> {
    Ok(session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
        .col_expr(session::Column::RevokedReason, Expr::value(reason))
        .filter(session::Column::FamilyId.eq(family))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}

/// Revokes all of a user's sessions but `except` (the caller's own, when kept).
pub async fn revoke_all<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    reason: &str,
    except: Option<&str>,
) -> AccountResult<u64> {
    let mut update = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
        .col_expr(session::Column::RevokedReason, Expr::value(reason))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(family) = except {
        update = update.filter(session::Column::FamilyId.ne(family));
    }
    Ok(update.exec(db).await?.rows_affected)
}

impl Accounts {
    /// Signs out: ends the session the request came with.
    pub async fn logout(
        &self,
        db: &DatabaseConnection,
        user_id: i64,
        family: &str,
        ctx: &Context,
    ) -> AccountResult<()> {
        let txn = begin_write(db).await?;
        revoke_family(&txn, family, "signed out").await?;
        record(
            &txn,
            ctx.event(
                "auth.logout",
                Some(user_id),
                Some(format!("session:{family}")),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Ends every session of the user but the caller's own.
    pub async fn revoke_other_sessions(
        &self,
        db: &DatabaseConnection,
        user_id: i64,
        keep: Option<&str>,
        ctx: &Context,
    ) -> AccountResult<u64> {
        let txn = begin_write(db).await?;
        let ended = revoke_all(&txn, user_id, "revoked by the user", keep).await?;
        let mut event = ctx.event(
            "session.revoked_others",
            Some(user_id),
            user_target(user_id),
        );
        event.details = serde_json::json!({"rows": ended});
        record(&txn, event).await?;
        txn.commit().await?;
        Ok(ended)
    }
}
