//! The job queue on real databases: SQLite (a temporary file) and the live PostgreSQL
//! named by `TEST_DATABASE_URL` (a fresh database per test; unreachable fails).

mod support;

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};
use serde_json::json;
use server::db;
use server::jobs::{
    self, queue, Backoff, JobContext, JobCounts, JobError, Jobs, NewJob, PoolHandle, PoolOptions,
    Schedule, Scheduler, WorkerPool,
};
use server::shutdown::{self, Trigger};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::db::{config, temp_dir, with_fresh_postgres};

/// Every wait in these tests ends here at the latest, so a bug hangs nothing.
const PATIENCE: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------------------------------
// Exactly once across two instances

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_pools_run_1000_jobs_each_exactly_once() {
    with_fresh_postgres(|url| async move {
        let first = connect(&url).await;
        let second = connect(&url).await;
        two_pools_run_each_job_once(first, second, 1000).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_two_pools_run_200_jobs_each_exactly_once() {
    let dir = temp_dir("jobs-once");
    let url = format!("sqlite://{}", dir.join("jobs.db").display());
    let first = connect(&url).await;
    let second = connect(&url).await;
    two_pools_run_each_job_once(first, second, 200).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Two pools, as two app instances would run them (each with its own connection pool
/// and worker id), drain `n` jobs; every job must run once and both must have worked.
async fn two_pools_run_each_job_once(
    first: DatabaseConnection,
    second: DatabaseConnection,
    n: usize,
) {
    let runs: Arc<Mutex<HashMap<i64, u32>>> = Arc::default();
    let by_worker: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let registry = {
        let (runs, by_worker) = (runs.clone(), by_worker.clone());
        Jobs::new().handle("count", move |ctx: JobContext, _payload| {
            let (runs, by_worker) = (runs.clone(), by_worker.clone());
            async move {
                *runs.lock().unwrap().entry(ctx.id).or_default() += 1;
                *by_worker.lock().unwrap().entry(ctx.worker).or_default() += 1;
                // Give the other pool a chance to race for the same rows.
                tokio::task::yield_now().await;
                Ok(())
            }
        })
    };
    let (trigger, stop) = shutdown::channel();
    let options = |name: &str| PoolOptions {
        concurrency: 4,
        poll_interval: Duration::from_millis(50),
        worker_id: format!("{name}/{}", jobs::worker_id()),
        ..PoolOptions::default()
    };
    let pools = [
        WorkerPool::start(first.clone(), registry.clone(), options("a"), stop.clone()),
        WorkerPool::start(second.clone(), registry, options("b"), stop),
    ];

    // All jobs appear at once, enqueued in the caller's transaction.
    let txn = first.begin().await.unwrap();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let job = NewJob::new("count", json!({ "i": i })).priority((i % 3) as i32);
        ids.push(jobs::enqueue(&txn, job).await.unwrap());
    }
    txn.commit().await.unwrap();

    wait_until(
        &first,
        "SELECT COUNT(*) AS n FROM jobs WHERE status = 'done'",
        n as i64,
    )
    .await;
    stop_pools(trigger, pools).await;

    let runs = runs.lock().unwrap().clone();
    assert_eq!(runs.len(), n, "not every job ran");
    for id in &ids {
        assert_eq!(
            runs.get(id),
            Some(&1),
            "job {id} ran {:?} times",
            runs.get(id)
        );
    }
    let by_worker = by_worker.lock().unwrap().clone();
    assert_eq!(
        by_worker.len(),
        2,
        "one pool did all the work: {by_worker:?}"
    );
    assert!(
        by_worker.keys().any(|w| w.starts_with("a/")),
        "{by_worker:?}"
    );
    assert!(
        by_worker.keys().any(|w| w.starts_with("b/")),
        "{by_worker:?}"
    );
    assert_eq!(jobs::counts(&first).await.unwrap(), JobCounts::default());
    jobs::ready(&first).await.unwrap();
}

// ---------------------------------------------------------------------------------------
// Failures

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_failures_back_off_then_die_with_their_last_error() {
    with_fresh_postgres(|url| async move { failures_back_off_then_die(connect(&url).await).await })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_failures_back_off_then_die_with_their_last_error() {
    let (db, dir) = sqlite("jobs-fail").await;
    failures_back_off_then_die(db).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// An attempt's number and when it started.
type Attempt = (u32, chrono::DateTime<Utc>);

async fn failures_back_off_then_die(db: DatabaseConnection) {
    let attempts: Arc<Mutex<Vec<Attempt>>> = Arc::default();
    let registry = {
        let attempts = attempts.clone();
        Jobs::new()
            .handle("flaky", move |ctx: JobContext, _| {
                let attempts = attempts.clone();
                async move {
                    attempts.lock().unwrap().push((ctx.attempt, Utc::now()));
                    Err(JobError::retry(format!(
                        "provider said no (attempt {})",
                        ctx.attempt
                    )))
                }
            })
            .handle("invalid", |_, _| async {
                Err(JobError::permanent("the payload has no symbol"))
            })
    };
    let flaky = jobs::enqueue(&db, NewJob::new("flaky", json!({})).max_attempts(3))
        .await
        .unwrap();
    let invalid = jobs::enqueue(&db, NewJob::new("invalid", json!({})))
        .await
        .unwrap();
    let unknown = jobs::enqueue(
        &db,
        NewJob::new("nobody-handles-this", json!({})).max_attempts(2),
    )
    .await
    .unwrap();

    let (trigger, stop) = shutdown::channel();
    let backoff = Backoff {
        base: Duration::from_millis(100),
        cap: Duration::from_millis(400),
    };
    let pool = WorkerPool::start(
        db.clone(),
        registry,
        PoolOptions {
            poll_interval: Duration::from_millis(20),
            backoff,
            ..PoolOptions::default()
        },
        stop,
    );
    wait_until(
        &db,
        "SELECT COUNT(*) AS n FROM jobs WHERE status = 'dead'",
        3,
    )
    .await;
    stop_pools(trigger, [pool]).await;

    let (status, tries, error) = job_row(&db, flaky).await;
    assert_eq!((status.as_str(), tries), ("dead", 3));
    assert_eq!(error.as_deref(), Some("provider said no (attempt 3)"));
    let seen = attempts.lock().unwrap().clone();
    assert_eq!(
        seen.iter().map(|(a, _)| *a).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    // Each retry waited at least half its planned backoff (100 ms, then 200 ms).
    for (pair, planned) in seen.windows(2).zip([100, 200]) {
        let waited = (pair[1].1 - pair[0].1).num_milliseconds();
        assert!(
            waited >= planned / 2,
            "retry after {waited} ms, planned {planned} ms"
        );
    }

    let (status, tries, error) = job_row(&db, invalid).await;
    assert_eq!(
        (status.as_str(), tries),
        ("dead", 1),
        "a permanent error is not retried"
    );
    assert_eq!(error.as_deref(), Some("the payload has no symbol"));

    let (status, tries, error) = job_row(&db, unknown).await;
    assert_eq!((status.as_str(), tries), ("dead", 2));
    let error = error.unwrap();
    assert!(
        error.contains("no handler for job kind `nobody-handles-this`"),
        "{error}"
    );
    assert!(error.contains("flaky, invalid"), "{error}");

    assert_eq!(
        jobs::counts(&db).await.unwrap(),
        JobCounts {
            queued: 0,
            running: 0,
            failed: 3
        }
    );
}

// ---------------------------------------------------------------------------------------
// Crashes and shutdown

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_crashed_workers_job_is_recovered_after_its_lease() {
    with_fresh_postgres(|url| async move {
        crashed_workers_job_is_recovered(connect(&url).await).await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_crashed_workers_job_is_recovered_after_its_lease() {
    let (db, dir) = sqlite("jobs-crash").await;
    crashed_workers_job_is_recovered(db).await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn crashed_workers_job_is_recovered(db: DatabaseConnection) {
    let id = jobs::enqueue(&db, NewJob::new("count", json!({})))
        .await
        .unwrap();
    // A worker claims the job with a short lease, then "crashes": it never heartbeats
    // nor finishes.
    let default = vec!["default".to_string()];
    let claimed = queue::claim(&db, "crashed/1/x", &default, 10, Duration::from_millis(300))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, id);
    assert_eq!(job_row(&db, id).await.0, "running");

    let runs: Arc<Mutex<Vec<u32>>> = Arc::default();
    let registry = {
        let runs = runs.clone();
        Jobs::new().handle("count", move |ctx: JobContext, _| {
            let runs = runs.clone();
            async move {
                runs.lock().unwrap().push(ctx.attempt);
                Ok(())
            }
        })
    };
    let (trigger, stop) = shutdown::channel();
    let pool = WorkerPool::start(
        db.clone(),
        registry,
        PoolOptions {
            poll_interval: Duration::from_millis(50),
            ..PoolOptions::default()
        },
        stop,
    );
    wait_until(
        &db,
        "SELECT COUNT(*) AS n FROM jobs WHERE status = 'done'",
        1,
    )
    .await;
    stop_pools(trigger, [pool]).await;
    assert_eq!(
        *runs.lock().unwrap(),
        vec![2],
        "the recovered job ran once, as attempt 2"
    );

    // The crashed worker coming back cannot overwrite the new outcome.
    assert!(!queue::complete(&db, &claimed[0]).await.unwrap());
    let (status, tries, error) = job_row(&db, id).await;
    assert_eq!((status.as_str(), tries), ("done", 2));
    assert!(error.unwrap().contains("crashed/1/x"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_shutdown_finishes_running_jobs_and_returns_the_rest() {
    with_fresh_postgres(
        |url| async move { shutdown_finishes_or_returns(connect(&url).await).await },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_shutdown_finishes_running_jobs_and_returns_the_rest() {
    let (db, dir) = sqlite("jobs-stop").await;
    shutdown_finishes_or_returns(db).await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn shutdown_finishes_or_returns(db: DatabaseConnection) {
    let started: Arc<Mutex<Vec<String>>> = Arc::default();
    let finished: Arc<Mutex<Vec<String>>> = Arc::default();
    let registry = {
        let (started, finished) = (started.clone(), finished.clone());
        Jobs::new().handle("sleep", move |_, payload: serde_json::Value| {
            let (started, finished) = (started.clone(), finished.clone());
            async move {
                let name = payload["name"].as_str().unwrap_or_default().to_string();
                let ms = payload["ms"].as_u64().unwrap_or_default();
                started.lock().unwrap().push(name.clone());
                tokio::time::sleep(Duration::from_millis(ms)).await;
                finished.lock().unwrap().push(name);
                Ok(())
            }
        })
    };
    let sleep = |name: &str, ms: u64, priority: i32| {
        NewJob::new("sleep", json!({ "name": name, "ms": ms })).priority(priority)
    };
    let long = jobs::enqueue(&db, sleep("long", 1500, 2)).await.unwrap();
    let stuck = jobs::enqueue(&db, sleep("stuck", 3_600_000, 2))
        .await
        .unwrap();
    let waiting = jobs::enqueue(&db, sleep("waiting", 0, 1)).await.unwrap();

    let (trigger, stop) = shutdown::channel();
    let pool = WorkerPool::start(
        db.clone(),
        registry,
        PoolOptions {
            concurrency: 2,
            poll_interval: Duration::from_millis(20),
            grace: Duration::from_secs(4),
            ..PoolOptions::default()
        },
        stop,
    );
    wait_until(
        &db,
        "SELECT COUNT(*) AS n FROM jobs WHERE status = 'running'",
        2,
    )
    .await;
    while started.lock().unwrap().len() < 2 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop_pools(trigger, [pool]).await;

    assert_eq!(*finished.lock().unwrap(), vec!["long".to_string()]);
    let (status, tries, _) = job_row(&db, long).await;
    assert_eq!(
        (status.as_str(), tries),
        ("done", 1),
        "the running job finished"
    );
    let (status, tries, _) = job_row(&db, stuck).await;
    assert_eq!(
        (status.as_str(), tries),
        ("pending", 0),
        "the job that outlived the grace period went back, its attempt not counted"
    );
    let (status, tries, _) = job_row(&db, waiting).await;
    assert_eq!(
        (status.as_str(), tries),
        ("pending", 0),
        "nothing new was claimed"
    );

    // A job claimed but not started is released the same way.
    let default = vec!["default".to_string()];
    let claimed = queue::claim(&db, "stopping/1/x", &default, 1, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(queue::release(&db, &claimed[0]).await.unwrap());
    let (status, tries, _) = job_row(&db, claimed[0].id).await;
    assert_eq!((status.as_str(), tries), ("pending", 0));
    let row = one(
        &db,
        "SELECT COUNT(*) AS n FROM jobs WHERE locked_by IS NOT NULL",
    )
    .await;
    assert_eq!(row, 0);
}

// ---------------------------------------------------------------------------------------
// Recurring jobs and idempotent enqueueing

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_schedulers_enqueue_each_occurrence_once() {
    with_fresh_postgres(|url| async move {
        two_schedulers_enqueue_once(connect(&url).await, connect(&url).await).await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_two_schedulers_enqueue_each_occurrence_once() {
    let (first, dir) = sqlite("jobs-sched").await;
    let url = format!("sqlite://{}", dir.join("jobs.db").display());
    two_schedulers_enqueue_once(first, connect(&url).await).await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn two_schedulers_enqueue_once(first: DatabaseConnection, second: DatabaseConnection) {
    let schedules = vec![
        Schedule::every("minutely", Duration::from_secs(60)),
        Schedule::every("hourly", Duration::from_secs(3600)).payload(json!({ "x": 1 })),
    ];
    let (a, b) = (Scheduler::new(schedules.clone()), Scheduler::new(schedules));
    // Both instances tick at the same instants, concurrently.
    let base = Utc::now();
    for minutes in [0, 0, 1, 2] {
        let now = base + chrono::Duration::minutes(minutes);
        let (ids_a, ids_b) = tokio::join!(a.tick(&first, now), b.tick(&second, now));
        assert_eq!(
            ids_a.unwrap(),
            ids_b.unwrap(),
            "both instances agree on the jobs"
        );
    }
    let minutely = one(
        &first,
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'minutely'",
    )
    .await;
    let hourly = one(
        &first,
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'hourly'",
    )
    .await;
    assert_eq!(minutely, 3, "three distinct minutes, each enqueued once");
    assert!(
        (1..=2).contains(&hourly),
        "{hourly} hourly occurrences in three minutes"
    );

    // Running: two schedulers started together still add one job per occurrence.
    let (trigger, stop) = shutdown::channel();
    let live = vec![Schedule::every("live", Duration::from_secs(1))];
    let tasks = [
        Scheduler::new(live.clone()).start(first.clone(), stop.clone()),
        Scheduler::new(live).start(second.clone(), stop),
    ];
    tokio::time::sleep(Duration::from_millis(2500)).await;
    trigger.fire();
    for task in tasks {
        tokio::time::timeout(PATIENCE, task).await.unwrap().unwrap();
    }
    let rows = one(&first, "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'live'").await;
    let keys = one(
        &first,
        "SELECT COUNT(DISTINCT unique_key) AS n FROM jobs WHERE kind = 'live'",
    )
    .await;
    assert!(rows >= 1);
    assert_eq!(rows, keys, "an occurrence was enqueued twice");
    let runs_at = one(
        &first,
        "SELECT COUNT(DISTINCT run_at) AS n FROM jobs WHERE kind = 'live'",
    )
    .await;
    assert_eq!(runs_at, rows, "occurrences are distinct instants");
}

#[tokio::test]
async fn sqlite_a_unique_key_makes_enqueue_idempotent_inside_a_transaction() {
    let (db, dir) = sqlite("jobs-unique").await;
    let job = || NewJob::new("welcome-email", json!({ "user": 7 })).unique_key("welcome:7");
    let first = jobs::enqueue(&db, job()).await.unwrap();
    let txn = db.begin().await.unwrap();
    assert_eq!(jobs::enqueue(&txn, job()).await.unwrap(), first);
    let other = jobs::enqueue(&txn, NewJob::new("welcome-email", json!({})))
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    assert_ne!(other, first);
    assert_eq!(
        one(&db, "SELECT COUNT(*) AS n FROM jobs").await,
        1,
        "the rollback took the other job"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------
// Helpers

async fn connect(url: &str) -> DatabaseConnection {
    let dir = temp_dir("jobs-config");
    let db = db::connect(&config(url, &dir, &[("DATABASE_MAX_CONNECTIONS", "8")]))
        .await
        .unwrap();
    db::migrate(&db).await.unwrap();
    db
}

async fn sqlite(label: &str) -> (DatabaseConnection, std::path::PathBuf) {
    let dir = temp_dir(label);
    let url = format!("sqlite://{}", dir.join("jobs.db").display());
    (connect(&url).await, dir)
}

async fn stop_pools<const N: usize>(trigger: Trigger, pools: [PoolHandle; N]) {
    trigger.fire();
    for pool in pools {
        tokio::time::timeout(PATIENCE, pool.join())
            .await
            .expect("the pool stopped");
    }
}

/// Waits until the count `sql` returns reaches `expected`.
async fn wait_until(db: &DatabaseConnection, sql: &str, expected: i64) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let n = one(db, sql).await;
        if n >= expected {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting: {sql} = {n}, expected {expected}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn one(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

async fn job_row(db: &DatabaseConnection, id: i64) -> (String, i32, Option<String>) {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT status, attempts, last_error FROM jobs WHERE id = $1",
            [id.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    (
        row.try_get("", "status").unwrap(),
        row.try_get("", "attempts").unwrap(),
        row.try_get("", "last_error").unwrap(),
    )
}
