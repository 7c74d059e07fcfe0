//! Bulk mail (broadcasts): a campaign writes one outbox row per subscribed user, batch by
//! batch, and the ordinary delivery job sends them within the global rate.
//!
//! Resumable without duplicates: users are taken in id order after the campaign's
//! cursor (`last_user_id`); each batch writes its rows, moves the cursor and enqueues the
//! job for the next batch in one transaction, so a restart continues exactly where the
//! last committed batch ended. Each row also carries the idempotency key
//! `campaign:<id>:user:<user id>`, so even a batch run twice adds nothing.
//!
//! Throttled: the next batch is due after the time the global send rate needs for this
//! one, so the outbox never fills far ahead of what can be sent.

use super::outbox::{query, Enqueue, Outbox};
use super::templates::{Broadcast, Email};
use super::EmailError;
use crate::config::EmailLimits;
use crate::jobs::{enqueue, NewJob};
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, TransactionTrait};
use std::time::Duration;

pub const CAMPAIGN_JOB: &str = "email.campaign";

/// Starts a broadcast to every active user who has not unsubscribed. Works inside the
/// caller's transaction; returns the campaign id.
pub async fn start_broadcast<C: ConnectionTrait>(
    db: &C,
    subject: &str,
    body: &str,
    created_by: Option<i64>,
) -> Result<i64, EmailError> {
    let subject = super::address::header_text(subject);
    if subject.is_empty() {
        return Err(EmailError::Invalid("a broadcast needs a subject".into()));
    }
    if body.trim().is_empty() {
        return Err(EmailError::Invalid("a broadcast needs a body".into()));
    }
    let now = Utc::now();
    let rows = query(
        db,
        "INSERT INTO email_campaigns (template, subject, body, status, last_user_id, enqueued,
             created_by, created_at, updated_at)
         VALUES ('broadcast', $1, $2, 'running', 0, 0, $3, $4, $4)
         RETURNING id",
        vec![subject.into(), body.into(), created_by.into(), now.into()],
    )
    .await?;
    let id: i64 = match rows.first() {
        Some(row) => row.try_get("", "id")?,
        None => return Err(EmailError::Invalid("the campaign was not stored".into())),
    };
    enqueue(db, next_job(id, 0, Duration::ZERO)).await?;
    Ok(id)
}

fn next_job(campaign: i64, cursor: i64, pause: Duration) -> NewJob {
    let run_at = chrono::Duration::from_std(pause)
        .ok()
        .and_then(|p| Utc::now().checked_add_signed(p))
        .unwrap_or_else(Utc::now);
    NewJob::new(
        CAMPAIGN_JOB,
        serde_json::json!({ "campaign": campaign, "cursor": cursor }),
    )
    .run_at(run_at)
    .max_attempts(20)
    .unique_key(format!("{CAMPAIGN_JOB}:{campaign}:{cursor}"))
}

/// What a batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOutcome {
    pub written: u64,
    pub done: bool,
}

/// Writes the next batch of a campaign (and, unless it was the last, enqueues the job
/// for the one after). Safe to run twice or concurrently: the cursor row is locked on
/// PostgreSQL, and idempotency keys stop duplicates everywhere.
pub async fn run_batch(
    db: &DatabaseConnection,
    outbox: &Outbox,
    limits: &EmailLimits,
    campaign: i64,
) -> Result<BatchOutcome, EmailError> {
    let txn = db.begin().await?;
    let lock = match txn.get_database_backend() {
        DbBackend::Postgres => "FOR UPDATE",
        _ => "",
    };
    let rows = query(
        &txn,
        &format!(
            "SELECT subject, body, status, last_user_id FROM email_campaigns WHERE id = $1 {lock}"
        ),
        vec![campaign.into()],
    )
    .await?;
    let Some(row) = rows.first() else {
        return Err(EmailError::Invalid(format!("no campaign {campaign}")));
    };
    let status: String = row.try_get("", "status")?;
    if status != "running" {
        return Ok(BatchOutcome {
            written: 0,
            done: true,
        });
    }
    let subject: String = row.try_get("", "subject")?;
    let body: String = row.try_get("", "body")?;
    let cursor: i64 = row.try_get("", "last_user_id")?;
    let batch = i64::from(limits.bulk_batch.max(1));
    let users = query(
        &txn,
        "SELECT id, email, display_name FROM users
         WHERE id > $1 AND status = 'active' AND deleted_at IS NULL
         ORDER BY id LIMIT $2",
        vec![cursor.into(), batch.into()],
    )
    .await?;
    let mut written = 0u64;
    let mut last = cursor;
    for user in &users {
        let id: i64 = user.try_get("", "id")?;
        let address: String = user.try_get("", "email")?;
        let name: Option<String> = user.try_get("", "display_name")?;
        last = id;
        let email = Email::Broadcast(Broadcast {
            name,
            subject: subject.clone(),
            body: body.clone(),
        });
        let options = Enqueue {
            user_id: Some(id),
            idempotency_key: Some(format!("campaign:{campaign}:user:{id}")),
            send_after: None,
            campaign_id: Some(campaign),
        };
        match outbox.enqueue(&txn, &address, &email, options).await {
            Ok(Some(_)) => written += 1,
            Ok(None) => {}
            // One bad stored address must not stop the campaign.
            Err(EmailError::Address(e)) => {
                tracing::warn!(user = id, error = %e, campaign, "broadcast skipped a user")
            }
            Err(e) => return Err(e),
        }
    }
    let done = (users.len() as i64) < batch;
    let now = Utc::now();
    query(
        &txn,
        "UPDATE email_campaigns SET last_user_id = $2, enqueued = enqueued + $3,
             status = $4, finished_at = $5, updated_at = $6
         WHERE id = $1 RETURNING id",
        vec![
            campaign.into(),
            last.into(),
            (written.min(i32::MAX as u64) as i32).into(),
            (if done { "done" } else { "running" }).into(),
            (if done { Some(now) } else { None }).into(),
            now.into(),
        ],
    )
    .await?;
    if !done {
        // Give delivery the time this batch takes at the global rate.
        let pause = Duration::from_millis(
            limits
                .global
                .interval_ms
                .saturating_mul(u64::from(limits.bulk_batch)),
        );
        enqueue(&txn, next_job(campaign, last, pause)).await?;
    }
    txn.commit().await?;
    Ok(BatchOutcome { written, done })
}
