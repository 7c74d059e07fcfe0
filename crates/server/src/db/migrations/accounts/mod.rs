//! What accounts and security need beyond the initial schema: TOTP replay protection and
//! escalating lockouts on users, the kind of each session, where an API key was last
//! used, the devices a user has signed in from, and the IP block list. Only adds.

use super::table::*;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000002_accounts"
    }
}

/// One `ALTER TABLE … ADD COLUMN` (SQLite takes one change per statement).
async fn add(
    manager: &SchemaManager<'_>,
    table: &'static str,
    column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(column).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The last TOTP time step accepted: a code is good once, so a step at or before
        // this one is refused.
        add(manager, "users", big_null("totp_last_step")).await?;
        // How many lockouts in a row (each one doubles the next); reset by a success.
        add(manager, "users", int("lockout_count", 0)).await?;
        add(manager, "users", ts_null("password_changed_at")).await?;
        // `api` (refresh token in a JSON body) or `web` (refresh token in a cookie).
        add(manager, "sessions", text_default("kind", "api")).await?;
        add(manager, "api_keys", text_null("last_used_ip")).await?;

        // A browser or app a user signed in from: its cookie proves "seen before",
        // which spares it the new-sign-in email and the account-wide lockout.
        TableSpec::new("known_devices")
            .fk("user_id", "users", false, ForeignKeyAction::Cascade)
            .col(text("token_hash"))
            .col(text_null("user_agent"))
            .col(text_null("last_ip"))
            .col(int("failed_login_count", 0))
            .col(ts_null("locked_until"))
            .col(ts("created_at"))
            .col(ts("last_seen_at"))
            .unique(&["token_hash"])
            .index(&["user_id"])
            .create(manager)
            .await?;

        // Addresses refused before any handler runs: added by an admin, or for a while
        // by the credential-stuffing detector.
        TableSpec::new("ip_blocks")
            .col(text("network"))
            .col(text("reason"))
            .col(text_default("source", "admin"))
            .fk("created_by", "users", true, ForeignKeyAction::SetNull)
            .col(ts_null("expires_at"))
            .col(ts("created_at"))
            .index(&["network"])
            .index(&["expires_at"])
            .create(manager)
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
