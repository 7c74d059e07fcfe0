//! Platform tables: the email outbox, the job queue, received webhooks and settings.

use super::super::table::*;
use sea_orm_migration::prelude::*;

pub async fn create(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    // Mail is written here in the same transaction as the change that causes it, then
    // sent by a worker; `send_after` doubles as the retry schedule.
    TableSpec::new("email_outbox")
        .fk("user_id", "users", true, ForeignKeyAction::SetNull)
        .col(text_default("category", "transactional"))
        .col(text("to_address"))
        .col(text("subject"))
        .col(text("body_text"))
        .col(text_null("body_html"))
        .col(text_null("template"))
        .col(text_default("status", "pending"))
        .col(int("attempts", 0))
        .col(text_null("last_error"))
        .col(text_null("idempotency_key"))
        .col(ts("send_after"))
        .col(ts_null("sent_at"))
        .timestamps()
        .unique(&["idempotency_key"])
        .index(&["status", "send_after"])
        .index(&["user_id"])
        .index(&["created_at"])
        .create(manager)
        .await?;

    // A job is claimed by setting `locked_by`/`locked_until` (with SKIP LOCKED on
    // PostgreSQL); an expired lock means the worker died and the job is free again.
    // `unique_key` makes a scheduled occurrence (e.g. "alert 7 at 2026-11-25T21:00Z")
    // enqueue once however many instances schedule it.
    TableSpec::new("jobs")
        .col(text_default("queue", "default"))
        .col(text("kind"))
        .col(json("payload"))
        .col(ts("run_at"))
        .col(int("priority", 0))
        .col(int("attempts", 0))
        .col(int("max_attempts", 5))
        .col(text_default("status", "pending"))
        .col(text_null("last_error"))
        .col(text_null("locked_by"))
        .col(ts_null("locked_until"))
        .col(text_null("unique_key"))
        .col(ts_null("finished_at"))
        .timestamps()
        .unique(&["unique_key"])
        .index(&["queue", "status", "run_at", "priority"])
        .index(&["status", "locked_until"])
        .index(&["kind"])
        .create(manager)
        .await?;

    // Every received webhook, verified and stored before processing, so a provider's
    // retry is recognised by (provider, event_id) and processed once.
    TableSpec::new("webhook_events")
        .col(text("provider"))
        .col(text("event_id"))
        .col(text("event_type"))
        .col(json("payload"))
        .col(text_default("status", "received"))
        .col(int("attempts", 0))
        .col(text_null("last_error"))
        .col(ts("received_at"))
        .col(ts_null("processed_at"))
        .unique(&["provider", "event_id"])
        .index(&["status", "received_at"])
        .index(&["event_type"])
        .create(manager)
        .await?;

    // Operator settings changed at run time (maintenance mode, broadcast banner, ...).
    TableSpec::new("settings")
        .col(text("key"))
        .col(json("value"))
        .fk("updated_by", "users", true, ForeignKeyAction::SetNull)
        .col(ts("updated_at"))
        .unique(&["key"])
        .create(manager)
        .await
}
