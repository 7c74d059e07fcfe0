//! Handlers by job kind, and what a handler sees and returns.

use crate::shutdown::Shutdown;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Why a handler did not finish its job.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt after the backoff (a provider timed out, …).
    #[error("{0}")]
    Retry(String),
    /// No attempt can succeed (the payload is invalid, …): the job goes dead at once.
    #[error("{0}")]
    Permanent(String),
}

impl JobError {
    pub fn retry(message: impl std::fmt::Display) -> JobError {
        JobError::Retry(message.to_string())
    }

    pub fn permanent(message: impl std::fmt::Display) -> JobError {
        JobError::Permanent(message.to_string())
    }

    pub fn is_permanent(&self) -> bool {
        matches!(self, JobError::Permanent(_))
    }
}

/// What a running handler knows about its job and its surroundings.
#[derive(Clone)]
pub struct JobContext {
    pub id: i64,
    pub kind: String,
    pub queue: String,
    /// This attempt's number, starting at 1.
    pub attempt: u32,
    pub max_attempts: u32,
    pub worker: String,
    pub db: DatabaseConnection,
    /// Long handlers may watch this to stop at a safe point; the job is then retried.
    pub shutdown: Shutdown,
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>>;
type Handler = Arc<dyn Fn(JobContext, serde_json::Value) -> BoxFuture + Send + Sync>;

/// The handlers a worker pool can run, by job kind.
#[derive(Clone, Default)]
pub struct Jobs {
    handlers: HashMap<String, Handler>,
}

impl Jobs {
    pub fn new() -> Jobs {
        Jobs::default()
    }

    /// Registers `handler` for jobs of `kind` (replacing an earlier one).
    pub fn handle<F, Fut>(mut self, kind: impl Into<String>, handler: F) -> Jobs
    where
        F: Fn(JobContext, serde_json::Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobError>> + Send + 'static,
    {
        let boxed: Handler = Arc::new(
            move |ctx: JobContext, payload: serde_json::Value| -> BoxFuture {
                Box::pin(handler(ctx, payload))
            },
        );
        self.handlers.insert(kind.into(), boxed);
        self
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }

    /// Runs the handler for `ctx.kind`. An unknown kind is an ordinary (retryable)
    /// failure: an instance running newer code may know it, and if none does the job
    /// ends dead with this message for an operator to read.
    pub(crate) fn run(&self, ctx: JobContext, payload: serde_json::Value) -> BoxFuture {
        match self.handlers.get(&ctx.kind) {
            Some(handler) => handler(ctx, payload),
            None => {
                let mut known: Vec<&str> = self.kinds().collect();
                known.sort_unstable();
                let message = format!(
                    "no handler for job kind `{}` on this worker (known kinds: {})",
                    ctx.kind,
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                );
                Box::pin(async move { Err(JobError::Retry(message)) })
            }
        }
    }
}
