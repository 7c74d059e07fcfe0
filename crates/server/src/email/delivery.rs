//! Delivering the outbox: claim due rows, check the limits, hand each to the transport,
//! record the outcome.
//!
//! # At most once
//!
//! A row is claimed by one conditional `UPDATE … WHERE status = 'pending'` (with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises writers), which sets it to
//! `sending` with the worker's id and a lease. Only after the SMTP server accepted the
//! message is it marked `sent`. If a worker dies between the claim and that mark, the
//! row stays `sending`; when its lease runs out it is marked `failed` ("interrupted"),
//! **not** retried, because the message may already have left. That is the trade-off:
//! a crash mid-send can lose a mail (an operator sees it as failed), but nothing is ever
//! sent twice. An SMTP error means the server did not accept the message, so it is safe
//! to retry: transient errors (connection refused, 4xx) go back to `pending` with
//! exponential backoff; permanent ones (5xx) and the last attempt end `failed`.

use super::limits;
use super::outbox::{execute, query, row_kind, Outbox, OutboxRow, ROW_COLUMNS};
use super::transport::{self, SendError, Transport};
use super::unsubscribe;
use super::{EmailAddress, EmailError};
use crate::config::EmailLimits;
use crate::jobs::Backoff;
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, Value};
use std::time::Duration;

/// How a delivery worker behaves.
#[derive(Clone)]
pub struct Delivery {
    pub outbox: Outbox,
    pub transport: Transport,
    pub limits: EmailLimits,
    pub backoff: Backoff,
    /// Attempts before a row is kept as failed.
    pub max_attempts: i32,
    /// Rows claimed at once.
    pub batch: i64,
    /// How long a claim holds; must exceed a batch of sends (30 s SMTP timeout each).
    pub lease: Duration,
    pub worker: String,
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub claimed: u64,
    pub sent: u64,
    pub retried: u64,
    pub failed: u64,
    pub deferred: u64,
    pub cancelled: u64,
    /// Rows found `sending` past their lease (their worker died) and marked failed.
    pub interrupted: u64,
}

impl Report {
    fn add(&mut self, other: &Report) {
        self.claimed += other.claimed;
        self.sent += other.sent;
        self.retried += other.retried;
        self.failed += other.failed;
        self.deferred += other.deferred;
        self.cancelled += other.cancelled;
        self.interrupted += other.interrupted;
    }
}

fn after(at: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(by)
        .ok()
        .and_then(|by| at.checked_add_signed(by))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl Delivery {
    pub fn new(
        outbox: Outbox,
        transport: Transport,
        limits: EmailLimits,
        worker: String,
    ) -> Delivery {
        Delivery {
            outbox,
            transport,
            limits,
            backoff: Backoff {
                base: Duration::from_secs(30),
                cap: Duration::from_secs(3600),
            },
            max_attempts: 8,
            batch: 10,
            lease: Duration::from_secs(600),
            worker,
        }
    }

    /// Rounds until nothing is due (or the global limit is reached), at most `rounds`.
    pub async fn run_until_idle(
        &self,
        db: &DatabaseConnection,
        rounds: usize,
    ) -> Result<Report, EmailError> {
        let mut total = Report::default();
        for _ in 0..rounds {
            let report = self.run_once(db).await?;
            total.add(&report);
            if report.claimed == 0 {
                break;
            }
        }
        Ok(total)
    }

    /// One round: recover interrupted claims, claim a batch within the global budget,
    /// and deliver it.
    pub async fn run_once(&self, db: &DatabaseConnection) -> Result<Report, EmailError> {
        let mut report = Report {
            interrupted: self.fail_interrupted(db).await?,
            ..Report::default()
        };
        let now = Utc::now();
        let budget = limits::global_budget(db, &self.limits, now).await?;
        let rows = self.claim(db, budget.min(self.batch)).await?;
        report.claimed = rows.len() as u64;
        for row in rows {
            self.deliver(db, row, &mut report).await?;
        }
        Ok(report)
    }

    async fn fail_interrupted(&self, db: &DatabaseConnection) -> Result<u64, EmailError> {
        let rows = query(
            db,
            "UPDATE email_outbox
             SET status = 'failed',
                 last_error = 'delivery interrupted: worker ' || COALESCE(locked_by, '?') ||
                     ' stopped while sending; not retried, so the mail is never sent twice',
                 locked_by = NULL, locked_until = NULL, updated_at = $1
             WHERE status = 'sending' AND locked_until < $1
             RETURNING template",
            vec![Utc::now().into()],
        )
        .await?;
        for row in &rows {
            let template: Option<String> = row.try_get("", "template")?;
            self.outbox
                .counters
                .count(template.as_deref().unwrap_or("none"), "failed");
        }
        Ok(rows.len() as u64)
    }

    /// Claims up to `limit` due rows for this worker.
    pub async fn claim(
        &self,
        db: &DatabaseConnection,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, EmailError> {
        if limit <= 0 {
            return Ok(Vec::new());
        }
        let now = Utc::now();
        let lock = crate::db::skip_locked(db.get_database_backend());
        let sql = format!(
            "UPDATE email_outbox
             SET status = 'sending', locked_by = $1, locked_until = $2,
                 attempts = attempts + 1, updated_at = $3
             WHERE id IN (
                 SELECT id FROM email_outbox
                 WHERE status = 'pending' AND send_after <= $3
                 ORDER BY send_after, id
                 LIMIT $4
                 {lock})
               AND status = 'pending'
             RETURNING {ROW_COLUMNS}"
        );
        let rows = query(
            db,
            &sql,
            vec![
                self.worker.clone().into(),
                after(now, self.lease).into(),
                now.into(),
                limit.into(),
            ],
        )
        .await?;
        let mut rows = rows
            .iter()
            .map(OutboxRow::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        rows.sort_by_key(|r| (r.send_after, r.id));
        Ok(rows)
    }

    async fn deliver(
        &self,
        db: &DatabaseConnection,
        row: OutboxRow,
        report: &mut Report,
    ) -> Result<(), EmailError> {
        let now = Utc::now();
        let template = row.template.clone().unwrap_or_else(|| "none".into());
        let counters = &self.outbox.counters;
        let kind = row_kind(&row.kind);
        if kind.is_bulk() {
            if let Ok(address) = EmailAddress::parse(&row.to_address) {
                if unsubscribe::is_unsubscribed(db, &address).await? {
                    self.finish(
                        db,
                        &row,
                        "status = 'cancelled', last_error = 'the recipient unsubscribed'",
                        vec![],
                    )
                    .await?;
                    report.cancelled += 1;
                    return Ok(());
                }
            }
        }
        if let Some(at) =
            limits::recipient_delay(db, &self.limits, &row.to_address, kind, now).await?
        {
            // Over the recipient's limit: back to pending, later; the attempt is not
            // counted.
            self.finish(
                db,
                &row,
                "status = 'pending', attempts = attempts - 1, send_after = $4",
                vec![at.into()],
            )
            .await?;
            report.deferred += 1;
            return Ok(());
        }
        let message_id = transport::message_id(&row, &self.outbox.from_email);
        let result = match transport::build(&row, &self.outbox.from_name, &self.outbox.from_email) {
            Ok(message) => self.transport.send(message, &row).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                let status = match self.transport {
                    Transport::Log => "logged",
                    Transport::Smtp(_) => "sent",
                };
                let set = format!(
                    "status = '{status}', sent_at = $4, message_id = $5, last_error = NULL"
                );
                self.finish(db, &row, &set, vec![Utc::now().into(), message_id.into()])
                    .await?;
                if status == "sent" {
                    counters.count(&template, "sent");
                }
                report.sent += 1;
            }
            Err(error) => {
                let permanent = matches!(error, SendError::Permanent(_));
                let message = error.to_string();
                if permanent || row.attempts >= self.max_attempts {
                    tracing::warn!(id = row.id, attempts = row.attempts, error = %message, "email failed for good");
                    self.finish(
                        db,
                        &row,
                        "status = 'failed', last_error = $4",
                        vec![message.into()],
                    )
                    .await?;
                    counters.count(&template, "failed");
                    report.failed += 1;
                } else {
                    let delay = self.backoff.delay(u32::try_from(row.attempts).unwrap_or(1));
                    tracing::info!(id = row.id, attempts = row.attempts, error = %message, ?delay, "email will be retried");
                    self.finish(
                        db,
                        &row,
                        "status = 'pending', last_error = $4, send_after = $5",
                        vec![message.into(), after(Utc::now(), delay).into()],
                    )
                    .await?;
                    counters.count(&template, "retried");
                    report.retried += 1;
                }
            }
        }
        Ok(())
    }

    /// Ends this worker's claim on `row` with `set` (which may use `$4`…).
    async fn finish(
        &self,
        db: &DatabaseConnection,
        row: &OutboxRow,
        set: &str,
        extra: Vec<Value>,
    ) -> Result<bool, EmailError> {
        let next = extra.len() + 4;
        let sql = format!(
            "UPDATE email_outbox SET {set}, locked_by = NULL, locked_until = NULL, updated_at = ${next}
             WHERE id = $1 AND locked_by = $2 AND status = 'sending' AND attempts = $3"
        );
        let mut values: Vec<Value> = vec![
            row.id.into(),
            self.worker.clone().into(),
            row.attempts.into(),
        ];
        values.extend(extra);
        values.push(Utc::now().into());
        Ok(execute(db, &sql, values).await? == 1)
    }
}
