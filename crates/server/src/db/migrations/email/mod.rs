//! The email service's additions: claim columns and the rate-limit index on the outbox,
//! bulk campaigns, and unsubscribes. Only adds to the initial schema.

use super::table::*;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000001_email"
    }
}

/// One `ALTER TABLE … ADD COLUMN` (SQLite takes one change per statement).
async fn add(manager: &SchemaManager<'_>, column: ColumnDef) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table("email_outbox")
                .add_column(column)
                .to_owned(),
        )
        .await
}

async fn index(
    manager: &SchemaManager<'_>,
    table: &'static str,
    columns: &[&'static str],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index
        .name(format!("ix_{table}_{}", columns.join("_")))
        .table(table);
    for column in columns {
        index.col(*column);
    }
    manager.create_index(index).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A bulk send: what to send to whom, and how far it got. `last_user_id` is the
        // cursor: the campaign writes its outbox rows in user-id order, batch by batch,
        // moving the cursor in the same transaction, so a restart resumes after it.
        TableSpec::new("email_campaigns")
            .col(text("template"))
            .col(text("subject"))
            .col(text("body"))
            .col(text_default("status", "running"))
            .col(
                ColumnDef::new("last_user_id")
                    .big_integer()
                    .not_null()
                    .default(0)
                    .take(),
            )
            .col(int("enqueued", 0))
            .fk("created_by", "users", true, ForeignKeyAction::SetNull)
            .col(ts_null("finished_at"))
            .timestamps()
            .index(&["status"])
            .create(manager)
            .await?;

        // Addresses that opted out of bulk mail (one-click unsubscribe); transactional
        // mail ignores this table.
        TableSpec::new("email_unsubscribes")
            .col(text("address"))
            .fk("user_id", "users", true, ForeignKeyAction::Cascade)
            .col(ts("created_at"))
            .unique(&["address"])
            .create(manager)
            .await?;

        // `kind` picks the per-recipient limit (security, account, alert, marketing).
        add(manager, text_default("kind", "account")).await?;
        // A delivery claim: who is sending the row and until when the claim holds.
        add(manager, text_null("locked_by")).await?;
        add(manager, ts_null("locked_until")).await?;
        // Bulk mail: the one-click unsubscribe URL for List-Unsubscribe.
        add(manager, text_null("unsubscribe_url")).await?;
        // Bulk mail: the campaign that wrote the row (no FK: SQLite cannot add one to an
        // existing table; campaigns are never deleted).
        add(manager, big_null("campaign_id")).await?;
        add(manager, text_null("message_id")).await?;

        // Per-recipient limits count recent mail of one kind to one address; the
        // global limit counts recent mail; stale claims are found by lock expiry.
        index(manager, "email_outbox", &["to_address", "kind", "sent_at"]).await?;
        index(manager, "email_outbox", &["sent_at"]).await?;
        index(manager, "email_outbox", &["status", "locked_until"]).await?;
        index(manager, "email_outbox", &["campaign_id"]).await?;
        index(manager, "email_outbox", &["template"]).await?;
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
