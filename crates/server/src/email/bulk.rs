//! Bulk mail: a campaign writes one outbox row per subscribed user, batch by batch, and
//! the ordinary delivery job sends them within the global rate. A campaign's `template`
//! says what each user gets: `broadcast` (the same operator-written text for everyone)
//! or `monthly_report` (computed per user for the campaign's `month`; users without a
//! scan that month get nothing, see `report.rs`).
//!
//! Resumable without duplicates: users are taken in id order after the campaign's
//! cursor (`last_user_id`); each batch writes its rows, moves the cursor and enqueues the
//! job for the next batch in one transaction, so a restart continues exactly where the
//! last committed batch ended. Each row also carries the idempotency key
//! `campaign:<id>:user:<user id>`, so even a batch run twice adds nothing.
//!
//! Throttled: the next batch is due after the time the global send rate needs for the
//! rows this one wrote, so the outbox never fills far ahead of what can be sent.

use super::month::Month;
use super::outbox::{query, Enqueue, Outbox};
use super::report;
use super::templates::{Broadcast, Email};
use super::EmailError;
use crate::config::EmailLimits;
use crate::db::begin_write;
use crate::jobs::{enqueue, NewJob};
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
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

/// The job that writes a new campaign's first batch.
pub(super) fn first_batch(campaign: i64) -> NewJob {
    next_job(campaign, 0, Duration::ZERO)
}

/// What a campaign sends, from its row.
enum Content {
    Broadcast { subject: String, body: String },
    MonthlyReport(Month),
}

impl Content {
    fn from_row(row: &sea_orm::QueryResult) -> Result<Content, EmailError> {
        let template: String = row.try_get("", "template")?;
        match template.as_str() {
            "broadcast" => Ok(Content::Broadcast {
                subject: row.try_get("", "subject")?,
                body: row.try_get("", "body")?,
            }),
            report::TEMPLATE => {
                let month: Option<String> = row.try_get("", "month")?;
                let month = Month::parse(month.as_deref().unwrap_or_default())
                    .map_err(|e| EmailError::Invalid(format!("report campaign: {e}")))?;
                Ok(Content::MonthlyReport(month))
            }
            other => Err(EmailError::Invalid(format!(
                "a campaign with the unknown template `{other}`"
            ))),
        }
    }

    /// The mail for one user, or `None` when this campaign has nothing for them.
    async fn email_for<C: ConnectionTrait>(
        &self,
        db: &C,
        user_id: i64,
        name: Option<String>,
    ) -> Result<Option<Email>, EmailError> {
        Ok(match self {
            Content::Broadcast { subject, body } => Some(Email::Broadcast(Broadcast {
                name,
                subject: subject.clone(),
                body: body.clone(),
            })),
            Content::MonthlyReport(month) => report::for_user(db, user_id, name, *month)
                .await?
                .map(Email::MonthlyReport),
        })
    }
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
    let txn = begin_write(db).await?;
    let lock = match txn.get_database_backend() {
        DbBackend::Postgres => "FOR UPDATE",
        _ => "",
    };
    let rows = query(
        &txn,
        &format!(
            "SELECT template, subject, body, month, status, last_user_id
             FROM email_campaigns WHERE id = $1 {lock}"
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
    let content = Content::from_row(row)?;
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
        // Moving the cursor past a user with nothing to send is what skips them.
        let Some(email) = content.email_for(&txn, id, name).await? else {
            continue;
        };
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
                tracing::warn!(user = id, error = %e, campaign, "campaign skipped a user")
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
        // Give delivery the time the rows just written take at the global rate (a
        // report batch skips users without scans, so it may write far fewer than a
        // batch).
        let pause = Duration::from_millis(limits.global.interval_ms.saturating_mul(written));
        enqueue(&txn, next_job(campaign, last, pause)).await?;
    }
    txn.commit().await?;
    Ok(BatchOutcome { written, done })
}
