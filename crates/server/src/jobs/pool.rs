//! A worker pool: one task that polls the queue, claims as many jobs as it has free
//! slots, runs each in its own task, and keeps their leases alive.
//!
//! The pool claims only what it can start at once, so no job sits claimed but idle
//! while other workers could run it. On shutdown it stops claiming, gives running jobs
//! until `grace` to finish, then stops the rest and releases them to the queue
//! without counting the interrupted attempt.

use super::backoff::Backoff;
use super::queue::{self, Failure, Job};
use super::registry::{JobContext, JobError, Jobs};
use crate::shutdown::Shutdown;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::time::Duration;
use tokio::task::{Id, JoinHandle, JoinSet};
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub queues: Vec<String>,
    /// Jobs run at the same time.
    pub concurrency: usize,
    /// Wait between polls of an empty queue. A full batch is followed by another
    /// claim as soon as a slot frees, without waiting.
    pub poll_interval: Duration,
    /// How long a claim holds without a heartbeat; heartbeats come every third of it.
    /// A crashed worker's jobs return to the queue about this long after the crash.
    pub lease: Duration,
    pub backoff: Backoff,
    /// How long running jobs may take to finish after shutdown begins. Shorter than
    /// the process's [`crate::shutdown::GRACE`], so releasing happens before exit.
    pub grace: Duration,
    /// Identifies this pool in `locked_by`; see [`worker_id`].
    pub worker_id: String,
}

impl Default for PoolOptions {
    fn default() -> PoolOptions {
        PoolOptions {
            queues: vec!["default".into()],
            concurrency: 4,
            poll_interval: Duration::from_millis(500),
            lease: Duration::from_secs(60),
            backoff: Backoff::default(),
            grace: crate::shutdown::GRACE.saturating_sub(Duration::from_secs(5)),
            worker_id: worker_id(),
        }
    }
}

/// `host/pid/random`: unique per pool, and tells an operator where a job ran.
pub fn worker_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    let mut bytes = [0u8; 4];
    let _ = getrandom::fill(&mut bytes);
    let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{host}/{}/{random}", std::process::id())
}

pub struct WorkerPool;

/// A running pool. It stops when the `Shutdown` it was started with fires.
pub struct PoolHandle {
    worker_id: String,
    task: JoinHandle<()>,
}

impl PoolHandle {
    pub fn worker_id(&self) -> &str {
        &self.worker_id
    }

    /// Waits until the pool has stopped (after shutdown) and released what it held.
    pub async fn join(self) {
        if let Err(error) = self.task.await {
            tracing::error!(%error, worker = %self.worker_id, "job worker pool crashed");
        }
    }
}

impl WorkerPool {
    pub fn start(
        db: DatabaseConnection,
        jobs: Jobs,
        options: PoolOptions,
        shutdown: Shutdown,
    ) -> PoolHandle {
        let worker_id = options.worker_id.clone();
        let pool = Pool {
            db,
            jobs,
            options: PoolOptions {
                concurrency: options.concurrency.max(1),
                ..options
            },
            shutdown,
            running: JoinSet::new(),
            claimed: HashMap::new(),
        };
        PoolHandle {
            worker_id,
            task: tokio::spawn(pool.run()),
        }
    }
}

struct Pool {
    db: DatabaseConnection,
    jobs: Jobs,
    options: PoolOptions,
    shutdown: Shutdown,
    running: JoinSet<()>,
    /// The job each running task holds, to release it if the task must be stopped.
    claimed: HashMap<Id, Job>,
}

impl Pool {
    async fn run(mut self) {
        let stop = self.shutdown.clone().requested();
        tokio::pin!(stop);
        let mut heartbeat = tokio::time::interval(self.heartbeat_period());
        let mut next_poll = Instant::now();
        loop {
            let free = self.options.concurrency - self.running.len();
            if free > 0 && Instant::now() >= next_poll {
                next_poll = match self.claim_and_start(free).await {
                    // A full batch means more may be waiting: claim again once a
                    // slot frees.
                    Ok(claimed) if claimed == free => Instant::now(),
                    Ok(_) => Instant::now() + self.options.poll_interval,
                    Err(error) => {
                        tracing::warn!(%error, worker = %self.options.worker_id, "cannot claim jobs");
                        Instant::now() + self.options.poll_interval
                    }
                };
                continue;
            }
            tokio::select! {
                _ = &mut stop => break,
                Some(done) = self.running.join_next_with_id() => self.reap(done),
                _ = tokio::time::sleep_until(next_poll), if free > 0 => {}
                _ = heartbeat.tick() => self.heartbeat().await,
            }
        }
        self.drain().await;
    }

    async fn claim_and_start(&mut self, free: usize) -> Result<usize, crate::db::DbError> {
        // Cheap when nothing expired; doing it here means any live instance recovers
        // a crashed one's jobs.
        let recovered = queue::recover_expired(&self.db).await?;
        if recovered > 0 {
            tracing::warn!(
                recovered,
                "jobs whose worker stopped were returned to the queue"
            );
        }
        let jobs = queue::claim(
            &self.db,
            &self.options.worker_id,
            &self.options.queues,
            free,
            self.options.lease,
        )
        .await?;
        let claimed = jobs.len();
        for job in jobs {
            let task = self.running.spawn(run_job(
                self.db.clone(),
                self.jobs.clone(),
                job.clone(),
                self.options.backoff,
                self.shutdown.clone(),
            ));
            self.claimed.insert(task.id(), job);
        }
        Ok(claimed)
    }

    fn reap(&mut self, done: Result<(Id, ()), tokio::task::JoinError>) {
        let id = match done {
            Ok((id, ())) => id,
            Err(error) => error.id(),
        };
        self.claimed.remove(&id);
    }

    /// A third of the lease: two heartbeats may be lost before another worker could
    /// take the job.
    fn heartbeat_period(&self) -> Duration {
        (self.options.lease / 3).max(Duration::from_millis(10))
    }

    async fn heartbeat(&self) {
        if self.running.is_empty() {
            return;
        }
        if let Err(error) =
            queue::extend_leases(&self.db, &self.options.worker_id, self.options.lease).await
        {
            tracing::warn!(%error, worker = %self.options.worker_id, "cannot extend job leases");
        }
    }

    /// Shutdown: let running jobs finish until the grace period ends (heartbeats go on
    /// meanwhile), then stop the rest and put them back on the queue.
    async fn drain(mut self) {
        let deadline = Instant::now() + self.options.grace;
        let mut heartbeat = tokio::time::interval(self.heartbeat_period());
        while !self.running.is_empty() {
            tokio::select! {
                Some(done) = self.running.join_next_with_id() => self.reap(done),
                _ = heartbeat.tick() => self.heartbeat().await,
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        self.running.abort_all();
        while let Some(done) = self.running.join_next_with_id().await {
            self.reap_aborted(done).await;
        }
    }

    /// A task stopped at the deadline: its job goes back unless it had just finished.
    async fn reap_aborted(&mut self, done: Result<(Id, ()), tokio::task::JoinError>) {
        let id = match &done {
            Ok((id, ())) => *id,
            Err(error) => error.id(),
        };
        let Some(job) = self.claimed.remove(&id) else {
            return;
        };
        if done.is_ok() {
            return;
        }
        match queue::release(&self.db, &job).await {
            Ok(_) => {
                tracing::info!(job = job.id, kind = %job.kind, "unfinished job returned to the queue at shutdown")
            }
            // The lease will expire and another worker will recover the job.
            Err(error) => tracing::warn!(%error, job = job.id, "cannot release job at shutdown"),
        }
    }
}

/// Runs one job to its end and records the outcome.
async fn run_job(
    db: DatabaseConnection,
    jobs: Jobs,
    job: Job,
    backoff: Backoff,
    shutdown: Shutdown,
) {
    let ctx = JobContext {
        id: job.id,
        kind: job.kind.clone(),
        queue: job.queue.clone(),
        attempt: job.attempt,
        max_attempts: job.max_attempts,
        worker: job.worker.clone(),
        db: db.clone(),
        shutdown,
    };
    // The handler runs in its own task so that a panic is caught as a failure of this
    // job; the guard stops it if this task is stopped at shutdown.
    let mut handler = AbortOnDrop(tokio::spawn(jobs.run(ctx, job.payload.clone())));
    let outcome = match (&mut handler.0).await {
        Ok(outcome) => outcome,
        Err(error) if error.is_panic() => Err(JobError::retry("the job handler panicked")),
        Err(_) => Err(JobError::retry("the job handler was cancelled")),
    };
    let recorded = match outcome {
        Ok(()) => queue::complete(&db, &job).await.map(|owned| {
            if !owned {
                tracing::warn!(job = job.id, "job finished after its claim was lost");
            }
        }),
        Err(error) => {
            let delay = backoff.delay(job.attempt);
            queue::fail(&db, &job, &error.to_string(), delay, error.is_permanent())
                .await
                .map(|failure| log_failure(&job, &error, failure))
        }
    };
    if let Err(error) = recorded {
        // The lease will expire and the job will be retried.
        tracing::error!(%error, job = job.id, "cannot record the job's outcome");
    }
}

fn log_failure(job: &Job, error: &JobError, failure: Failure) {
    match failure {
        Failure::RetryAt(at) => {
            tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempt, %error, retry_at = %at, "job failed; will retry")
        }
        Failure::Dead => {
            tracing::error!(job = job.id, kind = %job.kind, attempt = job.attempt, %error, "job failed for good")
        }
        Failure::ClaimLost => {
            tracing::warn!(job = job.id, %error, "job failed after its claim was lost")
        }
    }
}

struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
