//! API keys: `sk_live_` followed by 240 random bits, shown once at creation and stored
//! as a digest; the first characters stay visible as the key's prefix so the user can
//! tell keys apart. Each key has scopes and may expire; revoking one takes effect on
//! the next request. Keys are accepted only in the `Authorization` header.

use super::entities::api_key;
use super::{record, AccountError, AccountResult, Context};
use crate::auth::secrets::{digest, random_bytes};
use crate::db::begin_write;
use chrono::{DateTime, Duration as Span, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;

pub const KEY_PREFIX: &str = "sk_live_";
/// Characters of the random part shown as the key's public prefix.
const VISIBLE: usize = 8;
pub const MAX_KEYS: usize = 50;
pub const NAME_MAX: usize = 100;
/// Last-use time and address are written at most this often per key.
const TOUCH_EVERY_SECS: i64 = 60;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum Scope {
    #[serde(rename = "scans:read")]
    ScansRead,
    #[serde(rename = "scans:write")]
    ScansWrite,
    #[serde(rename = "alerts:read")]
    AlertsRead,
    #[serde(rename = "alerts:write")]
    AlertsWrite,
    #[serde(rename = "account:read")]
    AccountRead,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::ScansRead,
        Scope::ScansWrite,
        Scope::AlertsRead,
        Scope::AlertsWrite,
        Scope::AccountRead,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scope::ScansRead => "scans:read",
            Scope::ScansWrite => "scans:write",
            Scope::AlertsRead => "alerts:read",
            Scope::AlertsWrite => "alerts:write",
            Scope::AccountRead => "account:read",
        }
    }

    pub fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A key as its owner sees it (never the key itself after creation).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyInfo {
    pub id: i64,
    pub name: String,
    /// `sk_live_` and the first characters: enough to recognise the key.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_used_ip: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A key that authenticated a request.
#[derive(Debug, Clone)]
pub struct KeyHolder {
    pub key_id: i64,
    pub user_id: i64,
    pub scopes: Vec<Scope>,
}

fn scopes_of(row: &api_key::Model) -> Vec<Scope> {
    row.scopes
        .as_array()
        .map(|names| {
            names
                .iter()
                .filter_map(|n| n.as_str().and_then(Scope::parse))
                .collect()
        })
        .unwrap_or_default()
}

impl From<api_key::Model> for KeyInfo {
    fn from(row: api_key::Model) -> KeyInfo {
        KeyInfo {
            scopes: scopes_of(&row),
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            last_used_ip: row.last_used_ip,
            revoked_at: row.revoked_at,
        }
    }
}

/// A new key as requested.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub name: String,
    pub scopes: Vec<String>,
    pub expires_in_days: Option<u32>,
}

/// Creates a key; returns it in full (this once) with its description.
pub async fn create(
    db: &DatabaseConnection,
    user_id: i64,
    request: NewKey,
    ctx: &Context,
) -> AccountResult<(String, KeyInfo)> {
    let name = request.name.trim().to_string();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(AccountError::invalid(
            "name",
            format!("give the key a name of 1 to {NAME_MAX} characters"),
        ));
    }
    let mut scopes = Vec::new();
    for text in &request.scopes {
        let scope = Scope::parse(text).ok_or_else(|| {
            let known: Vec<&str> = Scope::ALL.iter().map(|s| s.name()).collect();
            AccountError::invalid(
                "scopes",
                format!("`{text}` is not a scope; use {}", known.join(", ")),
            )
        })?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err(AccountError::invalid(
            "scopes",
            "give the key at least one scope",
        ));
    }
    let expires_at = match request.expires_in_days {
        None => None,
        Some(days @ 1..=3650) => Some(Utc::now() + Span::days(i64::from(days))),
        Some(days) => {
            return Err(AccountError::invalid(
                "expires_in_days",
                format!("{days} is not from 1 to 3650"),
            ))
        }
    };
    let live = api_key::Entity::find()
        .filter(api_key::Column::UserId.eq(user_id))
        .filter(api_key::Column::RevokedAt.is_null())
        .all(db)
        .await?
        .len();
    if live >= MAX_KEYS {
        return Err(AccountError::Conflict(format!(
            "you have {MAX_KEYS} keys; revoke one before creating another"
        )));
    }
    let secret = data_encoding::BASE64URL_NOPAD.encode(&random_bytes::<30>()?);
    let key = format!("{KEY_PREFIX}{secret}");
    let txn = begin_write(db).await?;
    let row = api_key::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        name: Set(name),
        prefix: Set(format!("{KEY_PREFIX}{}", &secret[..VISIBLE])),
        key_hash: Set(digest(&key)),
        scopes: Set(serde_json::json!(scopes)),
        last_used_at: Set(None),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        created_at: Set(Utc::now()),
        last_used_ip: Set(None),
    }
    .insert(&txn)
    .await?;
    let mut event = ctx.event(
        "api_key.created",
        Some(user_id),
        Some(format!("api_key:{}", row.id)),
    );
    event.details = serde_json::json!({"scopes": scopes, "prefix": row.prefix});
    record(&txn, event).await?;
    txn.commit().await?;
    Ok((key, row.into()))
}

pub async fn list<C: ConnectionTrait>(db: &C, user_id: i64) -> AccountResult<Vec<KeyInfo>> {
    Ok(api_key::Entity::find()
        .filter(api_key::Column::UserId.eq(user_id))
        .order_by_desc(api_key::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(KeyInfo::from)
        .collect())
}

/// Revokes one of the user's keys; another user's key id is "not found".
pub async fn revoke(
    db: &DatabaseConnection,
    user_id: i64,
    id: i64,
    ctx: &Context,
) -> AccountResult<()> {
    let txn = begin_write(db).await?;
    let revoked = api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_key::Column::Id.eq(id))
        .filter(api_key::Column::UserId.eq(user_id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if revoked == 0 {
        return Err(AccountError::NotFound(format!("no live API key {id}")));
    }
    record(
        &txn,
        ctx.event(
            "api_key.revoked",
            Some(user_id),
            Some(format!("api_key:{id}")),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The holder of `key`, if it is a live key; a revoked or expired key is refused and,
/// when revoked, its use is recorded.
pub async fn authenticate(
    db: &DatabaseConnection,
    key: &str,
    ctx: &Context,
) -> AccountResult<Option<KeyHolder>> {
    let Some(row) = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(digest(key)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let now = Utc::now();
    if row.revoked_at.is_some() {
        let mut event = ctx.event(
            "api_key.revoked_used",
            None,
            Some(format!("api_key:{}", row.id)),
        );
        event.details = serde_json::json!({"owner": row.user_id, "prefix": row.prefix});
        record(db, event).await?;
        return Ok(None);
    }
    if row.expires_at.is_some_and(|at| at <= now) {
        return Ok(None);
    }
    let stale = row
        .last_used_at
        .is_none_or(|at| (now - at).num_seconds() >= TOUCH_EVERY_SECS);
    if stale || row.last_used_ip != ctx.ip_text() {
        api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
            .col_expr(api_key::Column::LastUsedIp, Expr::value(ctx.ip_text()))
            .filter(api_key::Column::Id.eq(row.id))
            .exec(db)
            .await?;
    }
    Ok(Some(KeyHolder {
        key_id: row.id,
        user_id: row.user_id,
        scopes: scopes_of(&row),
    }))
}
