//! The app's own background work: which job kinds this instance runs and which recur.

use crate::jobs::{queue, JobContext, JobError, Jobs, Schedule};
use crate::state::AppState;
use std::time::Duration;

/// Finished jobs are kept this long, for the operator to look back on.
const KEEP_DONE_JOBS: Duration = Duration::from_secs(7 * 24 * 3600);
const PRUNE_JOBS: &str = "jobs.prune_done";

/// Every job kind this instance can run.
pub fn jobs() -> Jobs {
    Jobs::new().handle(PRUNE_JOBS, |ctx: JobContext, _payload| async move {
        let before = chrono::Utc::now()
            - chrono::Duration::from_std(KEEP_DONE_JOBS).unwrap_or(chrono::Duration::days(7));
        let pruned = queue::prune_done(&ctx.db, before)
            .await
            .map_err(JobError::retry)?;
        tracing::info!(pruned, "pruned finished jobs");
        Ok(())
    })
}

/// Every job kind a running app can run: [`jobs`] plus those that need the app's
/// services (email delivery and bulk campaigns).
pub fn app_jobs(app: &AppState) -> Jobs {
    crate::email::register(jobs(), app.email.clone())
}

/// The recurring jobs; each occurrence runs once across all instances.
pub fn schedules() -> Vec<Schedule> {
    let mut schedules = vec![Schedule::every(PRUNE_JOBS, Duration::from_secs(3600))];
    schedules.extend(crate::email::schedules());
    schedules
}
