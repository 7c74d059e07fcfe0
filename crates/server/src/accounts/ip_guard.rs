//! The IP block list and the credential-stuffing detector that feeds it.
//!
//! Admins add addresses or networks (CIDR), with an optional end. The detector blocks
//! an address for `STUFFING_BLOCK` when sign-ins for `STUFFING_ACCOUNTS` different
//! accounts failed from it within `STUFFING_WINDOW` (counted from the audit log, so it
//! holds across instances). Every request checks the list; the live entries are cached
//! for a few seconds so that the check costs no query.

use super::entities::ip_block;
use super::{record, span, AccountError, AccountResult, Accounts, Context};
use crate::net::IpNet;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Statement,
};
use serde::Serialize;
use std::net::IpAddr;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// How long the cached list is trusted; another instance's new entry applies within it.
const CACHE_FOR: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Block {
    pub id: i64,
    pub network: String,
    pub reason: String,
    /// `admin` or `auto` (the credential-stuffing detector).
    pub source: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<ip_block::Model> for Block {
    fn from(row: ip_block::Model) -> Block {
        Block {
            id: row.id,
            network: row.network,
            reason: row.reason,
            source: row.source,
            expires_at: row.expires_at,
            created_at: row.created_at,
        }
    }
}

/// A blocked network and when its block ends (never, when `None`).
type Entry = (IpNet, Option<DateTime<Utc>>);

/// The live entries, as last read, and when.
#[derive(Default)]
pub struct BlockCache {
    entries: RwLock<Option<(Instant, Vec<Entry>)>>,
}

impl BlockCache {
    fn fresh(&self) -> Option<Vec<Entry>> {
        let guard = self.entries.read().unwrap_or_else(|e| e.into_inner());
        guard
            .as_ref()
            .filter(|(at, _)| at.elapsed() < CACHE_FOR)
            .map(|(_, entries)| entries.clone())
    }

    fn store(&self, entries: Vec<Entry>) {
        *self.entries.write().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), entries));
    }

    /// Forgets the cached list after a change on this instance.
    pub fn invalidate(&self) {
        *self.entries.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

async fn live_blocks<C: ConnectionTrait>(db: &C) -> AccountResult<Vec<ip_block::Model>> {
    Ok(ip_block::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(ip_block::Column::ExpiresAt.is_null())
                .add(ip_block::Column::ExpiresAt.gt(Utc::now())),
        )
        .order_by_desc(ip_block::Column::Id)
        .all(db)
        .await?)
}

impl Accounts {
    /// Whether `ip` is on the block list now.
    pub async fn is_blocked(&self, db: &DatabaseConnection, ip: IpAddr) -> AccountResult<bool> {
        let entries = match self.blocks.fresh() {
            Some(entries) => entries,
            None => {
                let entries: Vec<_> = live_blocks(db)
                    .await?
                    .into_iter()
                    .filter_map(|b| Some((b.network.parse::<IpNet>().ok()?, b.expires_at)))
                    .collect();
                self.blocks.store(entries.clone());
                entries
            }
        };
        let now = Utc::now();
        Ok(entries
            .iter()
            .any(|(net, until)| net.contains(ip) && until.is_none_or(|u| u > now)))
    }

    /// After a failed sign-in: blocks the address if it has now failed for too many
    /// different accounts.
    pub(super) async fn watch_for_stuffing(
        &self,
        db: &DatabaseConnection,
        ctx: &Context,
    ) -> AccountResult<()> {
        let Some(ip) = ctx.ip_text() else {
            return Ok(());
        };
        let policy = self.settings.stuffing;
        let since = Utc::now() - span(policy.window);
        let rows = db
            .query_one_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                "SELECT COUNT(DISTINCT target) AS accounts FROM audit_log
                 WHERE action = 'auth.login_failed' AND ip = $1 AND created_at > $2",
                vec![ip.clone().into(), since.into()],
            ))
            .await?;
        let accounts: i64 = match rows {
            Some(row) => row.try_get("", "accounts")?,
            None => 0,
        };
        if accounts < i64::from(policy.accounts) {
            return Ok(());
        }
        if let Some(addr) = ctx.ip {
            if self.is_blocked(db, addr).await? {
                return Ok(());
            }
        }
        let until = Utc::now() + span(policy.block);
        let reason = format!(
            "credential stuffing: sign-ins for {accounts} accounts failed within {} minutes",
            policy.window.as_secs() / 60
        );
        self.add_block(db, &ip, &reason, "auto", None, Some(until), ctx)
            .await?;
        Ok(())
    }

    /// Adds an entry to the block list (an admin's, or the detector's).
    #[allow(clippy::too_many_arguments)]
    pub async fn add_block(
        &self,
        db: &DatabaseConnection,
        network: &str,
        reason: &str,
        source: &str,
        admin: Option<i64>,
        expires_at: Option<DateTime<Utc>>,
        ctx: &Context,
    ) -> AccountResult<Block> {
        let net: IpNet = network
            .trim()
            .parse()
            .map_err(|e: String| AccountError::invalid("network", e))?;
        if reason.trim().is_empty() || reason.chars().count() > 500 {
            return Err(AccountError::invalid(
                "reason",
                "give a reason of 1 to 500 characters",
            ));
        }
        if expires_at.is_some_and(|at| at <= Utc::now()) {
            return Err(AccountError::invalid("expires_at", "is in the past"));
        }
        if let (Some(ip), true) = (ctx.ip, admin.is_some()) {
            if net.contains(ip) {
                return Err(AccountError::invalid(
                    "network",
                    format!("{net} contains your own address {ip}; you would lock yourself out"),
                ));
            }
        }
        let row = ip_block::ActiveModel {
            id: NotSet,
            network: Set(net.to_string()),
            reason: Set(reason.trim().to_string()),
            source: Set(source.to_string()),
            created_by: Set(admin),
            expires_at: Set(expires_at),
            created_at: Set(Utc::now()),
        }
        .insert(db)
        .await?;
        let mut event = ctx.event("ip.blocked", admin, Some(format!("ip:{}", row.network)));
        event.details =
            serde_json::json!({"reason": row.reason, "source": source, "until": expires_at});
        record(db, event).await?;
        self.blocks.invalidate();
        Ok(row.into())
    }

    pub async fn list_blocks(&self, db: &DatabaseConnection) -> AccountResult<Vec<Block>> {
        Ok(live_blocks(db)
            .await?
            .into_iter()
            .map(Block::from)
            .collect())
    }

    /// Ends a block now (the row stays, as history).
    pub async fn remove_block(
        &self,
        db: &DatabaseConnection,
        id: i64,
        admin: i64,
        ctx: &Context,
    ) -> AccountResult<()> {
        let row = ip_block::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|b| b.expires_at.is_none_or(|at| at > Utc::now()))
            .ok_or_else(|| AccountError::NotFound(format!("no live block {id}")))?;
        let network = row.network.clone();
        let mut active: ip_block::ActiveModel = row.into();
        active.expires_at = Set(Some(Utc::now()));
        active.update(db).await?;
        record(
            db,
            ctx.event("ip.unblocked", Some(admin), Some(format!("ip:{network}"))),
        )
        .await?;
        self.blocks.invalidate();
        Ok(())
    }
}

/// Remembers when each (endpoint group, address) was last recorded as throttled, so a
/// flood of refused requests writes one audit row a minute, not one per request.
#[derive(Default)]
pub struct ThrottleLog {
    last: std::sync::Mutex<std::collections::HashMap<String, Instant>>,
}

const THROTTLE_AUDIT_EVERY: Duration = Duration::from_secs(60);

impl ThrottleLog {
    fn due(&self, key: &str) -> bool {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if last.len() > 10_000 {
            last.retain(|_, at| now.duration_since(*at) < THROTTLE_AUDIT_EVERY);
        }
        match last.get(key) {
            Some(at) if now.duration_since(*at) < THROTTLE_AUDIT_EVERY => false,
            _ => {
                last.insert(key.to_string(), now);
                true
            }
        }
    }
}

impl Accounts {
    /// Records that `group` endpoints refused an address for going over its limit.
    pub async fn note_throttled(
        &self,
        db: &DatabaseConnection,
        group: &str,
        ctx: &Context,
    ) -> AccountResult<()> {
        let Some(ip) = ctx.ip_text() else {
            return Ok(());
        };
        if !self.throttled.due(&format!("{group} {ip}")) {
            return Ok(());
        }
        let mut event = ctx.event("auth.throttled", None, Some(format!("ip:{ip}")));
        event.details = serde_json::json!({"endpoints": group});
        record(db, event).await
    }
}
