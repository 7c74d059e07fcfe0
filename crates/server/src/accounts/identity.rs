//! Who is making a request: an access token, an API key, or a web session cookie,
//! resolved to the user and what the credential allows.

use super::api_keys::{self, Scope};
use super::entities::{session, user};
use super::sessions::Tokens;
use super::{find_user, span, AccountError, AccountResult, Accounts, Context};
use crate::auth::secrets::digest;
use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Statement,
};

/// A web session's cookie token is rotated when it is older than this.
pub const ROTATE_COOKIE_AFTER_SECS: i64 = 300;

/// How the request proved who it is.
#[derive(Debug, Clone, PartialEq)]
pub enum Via {
    AccessToken { session: String },
    ApiKey { key_id: i64, scopes: Vec<Scope> },
    Cookie { session: String },
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Identity {
    pub user: user::Model,
    pub via: Via,
    /// The user's billing plan, for rate limits.
    pub plan: String,
}

impl Identity {
    /// Whether the credential allows `scope`: sessions allow everything their user may
    /// do, API keys only their scopes.
    pub fn allows(&self, scope: Scope) -> bool {
        match &self.via {
            Via::ApiKey { scopes, .. } => scopes.contains(&scope),
            _ => true,
        }
    }

    /// The session behind the request, unless it came with an API key.
    pub fn session(&self) -> Option<&str> {
        match &self.via {
            Via::AccessToken { session } | Via::Cookie { session } => Some(session),
            Via::ApiKey { .. } => None,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == "admin"
    }

    /// The rate-limit bucket: one per user, or per API key.
    pub fn limit_key(&self) -> String {
        match &self.via {
            Via::ApiKey { key_id, .. } => format!("key:{key_id}"),
            _ => format!("user:{}", self.user.id),
        }
    }
}

/// What a bearer credential turned out to be.
#[derive(Debug)]
pub enum BearerError {
    /// Not a credential we issued, or no longer valid.
    Invalid(String),
    Internal(AccountError),
}

impl From<AccountError> for BearerError {
    fn from(e: AccountError) -> BearerError {
        BearerError::Internal(e)
    }
}

async fn plan_of<C: ConnectionTrait>(db: &C, user_id: i64) -> AccountResult<String> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT plan FROM memberships WHERE user_id = $1 AND status IN ('active', 'trialing')",
            vec![user_id.into()],
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get("", "plan")?,
        None => "free".to_string(),
    })
}

impl Accounts {
    /// Resolves `Authorization: Bearer …`: an API key (`sk_live_…`) or an access token.
    pub async fn identify_bearer(
        &self,
        db: &DatabaseConnection,
        credential: &str,
        ctx: &Context,
    ) -> Result<Identity, BearerError> {
        let (user_id, via) = if credential.starts_with(api_keys::KEY_PREFIX) {
            let holder = api_keys::authenticate(db, credential, ctx)
                .await?
                .ok_or_else(|| {
                    BearerError::Invalid("the API key is unknown, revoked or expired".into())
                })?;
            (
                holder.user_id,
                Via::ApiKey {
                    key_id: holder.key_id,
                    scopes: holder.scopes,
                },
            )
        } else {
            let claims = self
                .access
                .verify(credential)
                .map_err(|e| BearerError::Invalid(e.to_string()))?;
            let live = self.live_session(db, &claims.sid).await?;
            let user_id: i64 = claims
                .sub
                .parse()
                .map_err(|_| BearerError::Invalid("the access token names no user".into()))?;
            if live.is_none_or(|s| s.user_id != user_id) {
                return Err(BearerError::Invalid(
                    "the session has ended; sign in again".into(),
                ));
            }
            (
                user_id,
                Via::AccessToken {
                    session: claims.sid,
                },
            )
        };
        let user = find_user(db, user_id)
            .await?
            .filter(|u| u.status == "active" && u.deleted_at.is_none())
            .ok_or_else(|| BearerError::Invalid("the account is not active".into()))?;
        let plan = plan_of(db, user.id).await?;
        Ok(Identity { user, via, plan })
    }

    /// Resolves a web session cookie. A live token older than a few minutes is rotated,
    /// and the new tokens come back to be set as the cookie.
    pub async fn identify_cookie(
        &self,
        db: &DatabaseConnection,
        token: &str,
        ctx: &Context,
    ) -> AccountResult<Option<(Identity, Option<Tokens>)>> {
        let Some(row) = session::Entity::find()
            .filter(session::Column::RefreshTokenHash.eq(digest(token)))
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        let now = Utc::now();
        if row.revoked_at.is_some() || row.expires_at <= now {
            return Ok(None);
        }
        let renewed = match row.rotated_at {
            // A request that raced the one rotating the cookie.
            Some(at) if now - at <= span(self.settings.refresh_reuse_grace) => None,
            // Reuse long after rotation: `refresh` revokes the family.
            Some(_) => {
                let _ = self.refresh(db, token, ctx).await;
                return Ok(None);
            }
            None => {
                let used = row.last_used_at.unwrap_or(row.created_at);
                if (now - used).num_seconds() < ROTATE_COOKIE_AFTER_SECS {
                    None
                } else {
                    match self.refresh(db, token, ctx).await {
                        Ok((tokens, _)) => Some(tokens),
                        Err(AccountError::Conflict(_)) => None,
                        Err(AccountError::SessionEnded | AccountError::Suspended) => {
                            return Ok(None)
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        };
        let Some(user) = find_user(db, row.user_id)
            .await?
            .filter(|u| u.status == "active" && u.deleted_at.is_none())
        else {
            return Ok(None);
        };
        let plan = plan_of(db, user.id).await?;
        Ok(Some((
            Identity {
                user,
                via: Via::Cookie {
                    session: row.family_id,
                },
                plan,
            },
            renewed,
        )))
    }
}
