//! Email: typed templates, an outbox written in the caller's transaction, delivery over
//! SMTP by a background job, sending limits, bulk campaigns (broadcasts and the monthly
//! report) and one-click unsubscribe.
//! See docs/email.md.
//!
//! Later features send mail with
//! `app.email.outbox.enqueue(&txn, "ada@example.com", &Email::PasswordReset(..), Enqueue::default())`.

pub mod address;
pub mod bulk;
pub mod delivery;
pub mod limits;
pub mod month;
pub mod outbox;
pub mod report;
pub mod templates;
pub mod transport;
pub mod unsubscribe;
pub mod web;

pub use address::{AddressError, EmailAddress};
pub use delivery::{Delivery, Report};
pub use outbox::{EmailCounters, Enqueue, Outbox, OutboxRow};
pub use templates::{Email, Kind, Rendered, NAMES};
pub use transport::Transport;

use crate::config::Config;
use crate::db::DbError;
use crate::jobs::{JobContext, JobError, Jobs, Schedule};
use std::sync::Arc;
use std::time::Duration;

/// The recurring job that delivers due mail.
pub const DELIVER_JOB: &str = "email.deliver";
/// How often due mail is looked for.
pub const DELIVER_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("{0}")]
    Address(#[from] AddressError),
    #[error("{0}")]
    Render(#[from] templates::RenderError),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Db(#[from] DbError),
}

impl From<sea_orm::DbErr> for EmailError {
    fn from(e: sea_orm::DbErr) -> EmailError {
        EmailError::Db(DbError::Query(e))
    }
}

/// The email service as the app holds it.
pub struct Mailer {
    pub outbox: Outbox,
    pub delivery: Delivery,
}

impl Mailer {
    pub fn new(config: &Config, counters: EmailCounters) -> Result<Mailer, String> {
        let outbox = Outbox::new(config, counters);
        let transport = Transport::from_config(config.smtp.as_ref())?;
        let delivery = Delivery::new(
            outbox.clone(),
            transport,
            config.email_limits.clone(),
            crate::jobs::worker_id(),
        );
        Ok(Mailer { outbox, delivery })
    }
}

/// Adds the email job kinds to `jobs`.
pub fn register(jobs: Jobs, mailer: Arc<Mailer>) -> Jobs {
    let deliver = mailer.clone();
    jobs.handle(DELIVER_JOB, move |ctx: JobContext, _payload| {
        let mailer = deliver.clone();
        async move {
            let report = mailer
                .delivery
                .run_until_idle(&ctx.db, 50)
                .await
                .map_err(JobError::retry)?;
            if report != Report::default() {
                tracing::info!(?report, "email delivery round");
            }
            Ok(())
        }
    })
    .handle(bulk::CAMPAIGN_JOB, move |ctx: JobContext, payload| {
        let mailer = mailer.clone();
        async move {
            let campaign = payload
                .get("campaign")
                .and_then(serde_json::Value::as_i64)
                .ok_or_else(|| JobError::permanent("payload has no campaign id"))?;
            let outcome =
                bulk::run_batch(&ctx.db, &mailer.outbox, &mailer.delivery.limits, campaign)
                    .await
                    .map_err(JobError::retry)?;
            tracing::info!(
                campaign,
                written = outcome.written,
                done = outcome.done,
                "campaign batch"
            );
            Ok(())
        }
    })
    .handle(report::START_JOB, |ctx: JobContext, _payload| async move {
        let (pruned, started) = report::daily(&ctx.db, chrono::Utc::now())
            .await
            .map_err(JobError::retry)?;
        tracing::info!(pruned, ?started, "monthly report check");
        Ok(())
    })
}

/// The recurring email jobs: delivery, and the daily check that starts last month's
/// report.
pub fn schedules() -> Vec<Schedule> {
    vec![
        Schedule::every(DELIVER_JOB, DELIVER_EVERY),
        Schedule::every(report::START_JOB, report::START_EVERY),
    ]
}
