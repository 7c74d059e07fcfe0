//! The monthly report: a bulk campaign (see `bulk.rs`) whose mail is computed per user
//! from their scan runs of one calendar month (UTC).
//!
//! One campaign per month: `email_campaigns` has a unique index on (template, month), so
//! the daily job run by several instances, or an operator starting it by hand meanwhile,
//! creates it once — the other inserts do nothing. A month is reported only once it is
//! over, so a report never shows half a month that could not be sent again.

use super::bulk;
use super::month::Month;
use super::outbox::query;
use super::templates::{Email, MonthlyReport};
use super::EmailError;
use crate::db::begin_write;
use crate::jobs::enqueue;
use crate::scans::activity;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::time::Duration;

/// The campaign template (and email template) name.
pub const TEMPLATE: &str = "monthly_report";
/// The recurring job that starts last month's report and prunes old scan runs.
pub const START_JOB: &str = "email.monthly_report";
/// Daily: whichever day an instance first runs in a month, last month gets its report.
pub const START_EVERY: Duration = Duration::from_secs(24 * 3600);
/// Symbols listed in a report.
pub const TOP_SYMBOLS: usize = 10;

/// What starting a month's report found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
    /// A new campaign with this id; its first batch is queued.
    New(i64),
    /// The month's campaign already existed.
    Existing(i64),
}

/// Starts the report campaign for `month` unless it exists. Refuses a month that is not
/// over at `now`.
pub async fn start(
    db: &DatabaseConnection,
    month: Month,
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Started, EmailError> {
    if month.end() > now {
        return Err(EmailError::Invalid(format!(
            "{month} is not over yet; a report covers a whole month (the latest is {})",
            Month::of(now).previous()
        )));
    }
    let txn = begin_write(db).await?;
    let subject = Email::MonthlyReport(MonthlyReport {
        name: None,
        month: month.to_string(),
        scans_run: 0,
        top_symbols: Vec::new(),
    })
    .subject();
    // The subject is kept for operators reading the campaign list; each mail's
    // content is computed when its batch runs.
    let rows = query(
        &txn,
        "INSERT INTO email_campaigns (template, subject, body, month, status, last_user_id,
             enqueued, created_by, created_at, updated_at)
         VALUES ($1, $2, '', $3, 'running', 0, 0, $4, $5, $5)
         ON CONFLICT (template, month) DO NOTHING
         RETURNING id",
        vec![
            TEMPLATE.into(),
            subject.into(),
            month.to_string().into(),
            created_by.into(),
            now.into(),
        ],
    )
    .await?;
    if let Some(row) = rows.first() {
        let id: i64 = row.try_get("", "id")?;
        enqueue(&txn, bulk::first_batch(id)).await?;
        txn.commit().await?;
        return Ok(Started::New(id));
    }
    txn.rollback().await?;
    let rows = query(
        db,
        "SELECT id FROM email_campaigns WHERE template = $1 AND month = $2",
        vec![TEMPLATE.into(), month.to_string().into()],
    )
    .await?;
    match rows.first() {
        Some(row) => Ok(Started::Existing(row.try_get("", "id")?)),
        None => Err(EmailError::Invalid(format!(
            "the {month} report campaign was neither created nor found"
        ))),
    }
}

/// Starts `month`'s report now (default: last month), for an operator; returns the
/// month and what happened.
pub async fn start_by_hand(
    db: &DatabaseConnection,
    month: Option<Month>,
) -> Result<(Month, Started), EmailError> {
    let now = Utc::now();
    let month = month.unwrap_or_else(|| Month::of(now).previous());
    Ok((month, start(db, month, None, now).await?))
}

/// The daily job: drops scan runs past their retention, then starts the report for the
/// month before `now` (a no-op once it exists). Returns the runs pruned and the start.
pub async fn daily(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<(u64, Started), EmailError> {
    let pruned = activity::prune(db, activity::retention_cutoff(now)).await?;
    let started = start(db, Month::of(now).previous(), None, now).await?;
    Ok((pruned, started))
}

/// `user_id`'s report for `month`, or `None` when they ran no scan in it.
pub async fn for_user<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    name: Option<String>,
    month: Month,
) -> Result<Option<MonthlyReport>, EmailError> {
    let activity = activity::between(db, user_id, month.start(), month.end(), TOP_SYMBOLS).await?;
    if activity.scans_run == 0 {
        return Ok(None);
    }
    Ok(Some(MonthlyReport {
        name,
        month: month.to_string(),
        scans_run: activity.scans_run,
        top_symbols: activity.top_symbols,
    }))
}
