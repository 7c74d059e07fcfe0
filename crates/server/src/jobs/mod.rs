//! Background jobs: a queue in the `jobs` table, worker pools that run the queued jobs,
//! and a scheduler for recurring ones.
//!
//! The database is the only coordinator. Any number of instances can run pools over the
//! same database: on PostgreSQL claiming uses `FOR UPDATE SKIP LOCKED`, so concurrent
//! workers never take the same row and never wait for each other; SQLite serialises
//! writers, so one `UPDATE … RETURNING` claims atomically there. Delivery is
//! at-least-once: a job runs once in the normal path, and again only after a crash
//! (its lease expired) or a failure, which is why handlers should be idempotent.
//! See docs/jobs.md for the operator's view.

mod backoff;
mod pool;
pub mod queue;
mod registry;
mod schedule;
mod stats;
mod time;

pub use backoff::Backoff;
pub use pool::{worker_id, PoolHandle, PoolOptions, WorkerPool};
pub use queue::{enqueue, Job, NewJob};
pub use registry::{JobContext, JobError, Jobs};
pub use schedule::{Schedule, Scheduler};
pub use stats::{counts, ready, JobCounts};
