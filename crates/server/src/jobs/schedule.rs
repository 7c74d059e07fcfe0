//! Recurring jobs. Every instance runs a scheduler; each occurrence is enqueued with
//! the unique key `kind@<occurrence>`, so however many instances enqueue it, the queue
//! holds it once and it runs once.
//!
//! Occurrences are aligned to the Unix epoch (every hour runs at :00, every day at
//! 00:00 UTC), which is what makes the instances agree on them without talking. When
//! no instance was up at an occurrence, only the latest missed one is enqueued on
//! start: a recurring job catches up, it does not replay history.

use super::queue::{enqueue, NewJob};
use super::time;
use crate::db::DbError;
use crate::shutdown::Shutdown;
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::time::Duration;
use tokio::task::JoinHandle;

/// One recurring job: `kind` with `payload`, every `every`.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub kind: String,
    pub every: Duration,
    pub payload: serde_json::Value,
    pub queue: String,
    pub priority: i32,
    pub max_attempts: u32,
}

impl Schedule {
    /// `kind` every `every` (at least one second), empty payload, default queue.
    pub fn every(kind: impl Into<String>, every: Duration) -> Schedule {
        Schedule {
            kind: kind.into(),
            every: every.max(Duration::from_secs(1)),
            payload: serde_json::json!({}),
            queue: "default".into(),
            priority: 0,
            max_attempts: 5,
        }
    }

    pub fn payload(mut self, payload: serde_json::Value) -> Schedule {
        self.payload = payload;
        self
    }

    pub fn queue(mut self, queue: impl Into<String>) -> Schedule {
        self.queue = queue.into();
        self
    }

    /// The latest occurrence at or before `now`.
    pub fn occurrence(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let period = self.period_ms();
        let ms = now.timestamp_millis();
        DateTime::from_timestamp_millis(ms - ms.rem_euclid(period)).unwrap_or(now)
    }

    /// The first occurrence after `now`.
    pub fn next_after(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        time::after(self.occurrence(now), self.every)
    }

    /// The key that makes an occurrence unique across instances.
    pub fn unique_key(&self, occurrence: DateTime<Utc>) -> String {
        format!(
            "{}@{}",
            self.kind,
            occurrence.to_rfc3339_opts(SecondsFormat::Secs, true)
        )
    }

    fn period_ms(&self) -> i64 {
        i64::try_from(self.every.as_millis())
            .unwrap_or(i64::MAX)
            .max(1000)
    }

    fn job(&self, occurrence: DateTime<Utc>) -> NewJob {
        NewJob::new(self.kind.clone(), self.payload.clone())
            .queue(self.queue.clone())
            .priority(self.priority)
            .max_attempts(self.max_attempts)
            .run_at(occurrence)
            .unique_key(self.unique_key(occurrence))
    }
}

/// Enqueues the occurrences of a set of schedules as they come due.
#[derive(Debug, Clone)]
pub struct Scheduler {
    schedules: Vec<Schedule>,
}

impl Scheduler {
    pub fn new(schedules: Vec<Schedule>) -> Scheduler {
        Scheduler { schedules }
    }

    /// Enqueues each schedule's occurrence current at `now` (a no-op for those already
    /// enqueued, by this or another instance) and returns the jobs' ids.
    pub async fn tick<C: ConnectionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, DbError> {
        let mut ids = Vec::with_capacity(self.schedules.len());
        for schedule in &self.schedules {
            ids.push(enqueue(db, schedule.job(schedule.occurrence(now))).await?);
        }
        Ok(ids)
    }

    /// Runs until shutdown: a tick now, then one at each next occurrence.
    pub fn start(self, db: DatabaseConnection, shutdown: Shutdown) -> JoinHandle<()> {
        tokio::spawn(async move {
            let stop = shutdown.requested();
            tokio::pin!(stop);
            loop {
                let now = time::now();
                let wait = match self.tick(&db, now).await {
                    Ok(_) => self.until_next(now),
                    Err(error) => {
                        tracing::warn!(%error, "cannot enqueue recurring jobs; retrying");
                        Duration::from_secs(5).min(self.until_next(now))
                    }
                };
                tokio::select! {
                    _ = &mut stop => break,
                    _ = tokio::time::sleep(wait) => {}
                }
            }
        })
    }

    /// Time from `now` to the earliest next occurrence of any schedule.
    fn until_next(&self, now: DateTime<Utc>) -> Duration {
        self.schedules
            .iter()
            .map(|s| s.next_after(now))
            .min()
            .and_then(|next| (next - time::now()).to_std().ok())
            .unwrap_or(Duration::from_secs(60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn occurrences_are_aligned_to_the_epoch() {
        let hourly = Schedule::every("report", Duration::from_secs(3600));
        let now = at("2026-11-26T01:42:07.5Z");
        assert_eq!(hourly.occurrence(now), at("2026-11-26T01:00:00Z"));
        assert_eq!(hourly.next_after(now), at("2026-11-26T02:00:00Z"));
        assert_eq!(
            hourly.unique_key(hourly.occurrence(now)),
            "report@2026-11-26T01:00:00Z"
        );
        let daily = Schedule::every("digest", Duration::from_secs(86_400));
        assert_eq!(daily.occurrence(now), at("2026-11-26T00:00:00Z"));
        // Exactly on a boundary, the occurrence is that instant.
        assert_eq!(
            hourly.occurrence(at("2026-11-26T02:00:00Z")),
            at("2026-11-26T02:00:00Z")
        );
    }
}
