//! The queue's statements: enqueue, claim, and the ways a claimed job ends.
//!
//! A job's life: `pending` → (claimed) `running` → `done`, or back to `pending` with a
//! later `run_at` after a failure, or `dead` once its attempts are used up (the row
//! stays, with `last_error`, for an operator to inspect). `attempts` counts claims, so
//! a job that crashes its worker every time still ends up dead instead of looping.
//!
//! Every statement that ends a claim matches on `(id, locked_by, attempts)`: if the
//! lease ran out and another worker re-claimed the job meanwhile, the late writer's
//! update matches nothing instead of overwriting the new owner's state.
//!
//! SQL here is hand-written because claiming is the point of the queue and differs per
//! backend; the statements use `$n` placeholders, which both drivers accept.

use super::time;
use crate::db::DbError;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Statement, Value};
use std::time::Duration;

/// A job to put on the queue. `NewJob::new` fills in the usual defaults.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub queue: String,
    pub run_at: DateTime<Utc>,
    /// Higher runs first among jobs that are due.
    pub priority: i32,
    /// Claims allowed before the job is declared dead; at least 1.
    pub max_attempts: u32,
    /// Makes enqueueing idempotent: a second job with the same key is not added.
    pub unique_key: Option<String>,
}

impl NewJob {
    /// A job of `kind` on the `default` queue, due now, priority 0, five attempts.
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> NewJob {
        NewJob {
            kind: kind.into(),
            payload,
            queue: "default".into(),
            run_at: time::now(),
            priority: 0,
            max_attempts: 5,
            unique_key: None,
        }
    }

    pub fn queue(mut self, queue: impl Into<String>) -> NewJob {
        self.queue = queue.into();
        self
    }

    pub fn run_at(mut self, run_at: DateTime<Utc>) -> NewJob {
        self.run_at = run_at;
        self
    }

    pub fn priority(mut self, priority: i32) -> NewJob {
        self.priority = priority;
        self
    }

    pub fn max_attempts(mut self, max_attempts: u32) -> NewJob {
        self.max_attempts = max_attempts;
        self
    }

    pub fn unique_key(mut self, key: impl Into<String>) -> NewJob {
        self.unique_key = Some(key.into());
        self
    }
}

/// A job as claimed by a worker.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub queue: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub priority: i32,
    /// This claim's number, starting at 1.
    pub attempt: u32,
    pub max_attempts: u32,
    /// The claiming worker's id (`locked_by`).
    pub worker: String,
}

/// Adds a job and returns its id. With a `unique_key` already present, nothing is added
/// and the existing job's id is returned. Works inside the caller's transaction, so a
/// job can be enqueued atomically with the change that calls for it.
pub async fn enqueue<C: ConnectionTrait>(db: &C, job: NewJob) -> Result<i64, DbError> {
    let now = time::now();
    let max_attempts = job.max_attempts.clamp(1, i32::MAX as u32) as i32;
    // ON CONFLICT DO NOTHING (not a caught unique violation) keeps a caller's
    // PostgreSQL transaction usable when the key exists.
    let insert = run_query(
        db,
        "INSERT INTO jobs (queue, kind, payload, run_at, priority, attempts, max_attempts,
                           status, unique_key, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 0, $6, 'pending', $7, $8, $8)
         ON CONFLICT (unique_key) DO NOTHING
         RETURNING id",
        vec![
            job.queue.into(),
            job.kind.into(),
            job.payload.into(),
            job.run_at.into(),
            job.priority.into(),
            max_attempts.into(),
            job.unique_key.clone().into(),
            now.into(),
        ],
    )
    .await?;
    if let Some(row) = insert.first() {
        return Ok(row.try_get("", "id")?);
    }
    // Only a unique key can make the insert a no-op.
    let existing = run_query(
        db,
        "SELECT id FROM jobs WHERE unique_key = $1",
        vec![job.unique_key.into()],
    )
    .await?;
    match existing.first() {
        Some(row) => Ok(row.try_get("", "id")?),
        None => Err(DbError::Query(sea_orm::DbErr::RecordNotInserted)),
    }
}

/// Claims up to `limit` due jobs from `queues` for `worker`, highest priority first,
/// holding each for `lease`. Returns at once (possibly nothing); never waits for rows
/// another worker is claiming.
pub async fn claim<C: ConnectionTrait>(
    db: &C,
    worker: &str,
    queues: &[String],
    limit: usize,
    lease: Duration,
) -> Result<Vec<Job>, DbError> {
    if limit == 0 || queues.is_empty() {
        return Ok(Vec::new());
    }
    let now = time::now();
    let queue_params: Vec<String> = (0..queues.len()).map(|i| format!("${}", i + 5)).collect();
    let lock = crate::db::skip_locked(db.get_database_backend());
    let sql = format!(
        "UPDATE jobs
         SET status = 'running', locked_by = $1, locked_until = $2,
             attempts = attempts + 1, updated_at = $3
         WHERE id IN (
             SELECT id FROM jobs
             WHERE status = 'pending' AND run_at <= $3 AND queue IN ({queues})
             ORDER BY priority DESC, run_at, id
             LIMIT $4
             {lock})
         RETURNING id, queue, kind, payload, priority, attempts, max_attempts",
        queues = queue_params.join(", ")
    );
    let mut values: Vec<Value> = vec![
        worker.into(),
        time::after(now, lease).into(),
        now.into(),
        (limit.min(i64::MAX as usize) as i64).into(),
    ];
    values.extend(queues.iter().map(|q| Value::from(q.clone())));
    let rows = run_query(db, &sql, values).await?;
    let mut jobs = rows
        .iter()
        .map(|row| job_from_row(row, worker))
        .collect::<Result<Vec<Job>, DbError>>()?;
    // RETURNING has no order; start the most important first.
    jobs.sort_by_key(|job| (std::cmp::Reverse(job.priority), job.id));
    Ok(jobs)
}

fn job_from_row(row: &QueryResult, worker: &str) -> Result<Job, DbError> {
    let attempts: i32 = row.try_get("", "attempts")?;
    let max_attempts: i32 = row.try_get("", "max_attempts")?;
    Ok(Job {
        id: row.try_get("", "id")?,
        queue: row.try_get("", "queue")?,
        kind: row.try_get("", "kind")?,
        payload: row.try_get("", "payload")?,
        priority: row.try_get("", "priority")?,
        attempt: attempts.max(0) as u32,
        max_attempts: max_attempts.max(1) as u32,
        worker: worker.to_string(),
    })
}

/// Marks a claimed job done. False when the claim was lost (lease expired and taken).
pub async fn complete<C: ConnectionTrait>(db: &C, job: &Job) -> Result<bool, DbError> {
    let now = time::now();
    end_claim(
        db,
        job,
        "status = 'done', finished_at = $4, locked_by = NULL, locked_until = NULL,
         updated_at = $4",
        vec![now.into()],
    )
    .await
}

/// What became of a failed job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Back to `pending`, due again at this instant.
    RetryAt(DateTime<Utc>),
    /// Attempts used up (or the error was permanent): kept as `dead`.
    Dead,
    /// The claim had been lost; nothing was written.
    ClaimLost,
}

/// Records a failed attempt: retried after `retry_after` while attempts remain
/// (and `permanent` is false), else dead. `last_error` keeps `error` either way.
pub async fn fail<C: ConnectionTrait>(
    db: &C,
    job: &Job,
    error: &str,
    retry_after: Duration,
    permanent: bool,
) -> Result<Failure, DbError> {
    let now = time::now();
    let (outcome, set, values): (Failure, &str, Vec<Value>) =
        if permanent || job.attempt >= job.max_attempts {
            (
                Failure::Dead,
                "status = 'dead', last_error = $4, finished_at = $5, locked_by = NULL,
                 locked_until = NULL, updated_at = $5",
                vec![error.into(), now.into()],
            )
        } else {
            let at = time::after(now, retry_after);
            (
                Failure::RetryAt(at),
                "status = 'pending', last_error = $4, run_at = $5, locked_by = NULL,
                 locked_until = NULL, updated_at = $6",
                vec![error.into(), at.into(), now.into()],
            )
        };
    Ok(if end_claim(db, job, set, values).await? {
        outcome
    } else {
        Failure::ClaimLost
    })
}

/// Gives a claimed job back untouched, as if it had never been claimed (the attempt is
/// not counted): for jobs a stopping worker could not finish.
pub async fn release<C: ConnectionTrait>(db: &C, job: &Job) -> Result<bool, DbError> {
    let now = time::now();
    end_claim(
        db,
        job,
        "status = 'pending', attempts = attempts - 1, locked_by = NULL, locked_until = NULL,
         updated_at = $4",
        vec![now.into()],
    )
    .await
}

/// Applies `set` (which may use `$4`…) to the job if this claim still owns it.
async fn end_claim<C: ConnectionTrait>(
    db: &C,
    job: &Job,
    set: &str,
    extra: Vec<Value>,
) -> Result<bool, DbError> {
    let sql = format!(
        "UPDATE jobs SET {set}
         WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND status = 'running'"
    );
    let mut values: Vec<Value> = vec![
        job.id.into(),
        job.worker.clone().into(),
        (job.attempt as i32).into(),
    ];
    values.extend(extra);
    let result = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            values,
        ))
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Extends the lease of every job `worker` is running: the heartbeat that tells other
/// workers these jobs are alive however long they take. Returns how many were extended.
pub async fn extend_leases<C: ConnectionTrait>(
    db: &C,
    worker: &str,
    lease: Duration,
) -> Result<u64, DbError> {
    let now = time::now();
    let result = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "UPDATE jobs SET locked_until = $2, updated_at = $3
             WHERE locked_by = $1 AND status = 'running'",
            vec![worker.into(), time::after(now, lease).into(), now.into()],
        ))
        .await?;
    Ok(result.rows_affected())
}

/// Returns jobs whose lease ran out (their worker crashed or lost the database) to the
/// queue, due at once, or declares them dead when that was their last attempt.
/// Returns how many were recovered.
pub async fn recover_expired<C: ConnectionTrait>(db: &C) -> Result<u64, DbError> {
    let now = time::now();
    let result = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "UPDATE jobs
             SET status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
                 finished_at = CASE WHEN attempts >= max_attempts THEN $1 ELSE NULL END,
                 last_error = 'the worker ' || locked_by || ' stopped before finishing (lease expired)',
                 run_at = $1, locked_by = NULL, locked_until = NULL, updated_at = $1
             WHERE status = 'running' AND locked_until < $1",
            vec![now.into()],
        ))
        .await?;
    Ok(result.rows_affected())
}

/// Runs a statement that returns rows.
pub(super) async fn run_query<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<QueryResult>, DbError> {
    Ok(db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            values,
        ))
        .await?)
}

/// Deletes finished (`done`) jobs that finished before `before`; dead jobs are kept for
/// the operator. Returns how many were deleted.
pub async fn prune_done<C: ConnectionTrait>(db: &C, before: DateTime<Utc>) -> Result<u64, DbError> {
    let result = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "DELETE FROM jobs WHERE status = 'done' AND finished_at < $1",
            vec![before.into()],
        ))
        .await?;
    Ok(result.rows_affected())
}
