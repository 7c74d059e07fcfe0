//! What `/metrics` and `/readyz` need to know about the queue.

use super::queue::run_query;
use crate::db::DbError;
use sea_orm::ConnectionTrait;

/// Jobs by state, for the `jobs{status=…}` gauge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// Pending, whether due now or later (retries wait here too).
    pub queued: u64,
    pub running: u64,
    /// Dead: attempts used up, kept with their last error.
    pub failed: u64,
}

/// Counts jobs by state in one grouped query over the `(status, …)` index.
pub async fn counts<C: ConnectionTrait>(db: &C) -> Result<JobCounts, DbError> {
    let rows = run_query(
        db,
        "SELECT status, COUNT(*) AS n FROM jobs
         WHERE status IN ('pending', 'running', 'dead') GROUP BY status",
        Vec::new(),
    )
    .await?;
    let mut counts = JobCounts::default();
    for row in rows {
        let status: String = row.try_get("", "status")?;
        let n: i64 = row.try_get("", "n")?;
        let n = n.max(0) as u64;
        match status.as_str() {
            "pending" => counts.queued = n,
            "running" => counts.running = n,
            _ => counts.failed = n,
        }
    }
    Ok(counts)
}

/// Readiness: the queue's table answers a trivial indexed read. Fails when the
/// database is down or the schema has not been migrated.
pub async fn ready<C: ConnectionTrait>(db: &C) -> Result<(), DbError> {
    run_query(db, "SELECT id FROM jobs LIMIT 1", Vec::new()).await?;
    Ok(())
}
