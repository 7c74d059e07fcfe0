//! Graceful shutdown: SIGTERM or Ctrl-C stops accepting work; in-flight requests and
//! jobs get [`GRACE`] to finish before the process exits anyway.

use std::time::Duration;
use tokio::sync::watch;

pub const GRACE: Duration = Duration::from_secs(30);

/// A handle every long-running task holds to learn that shutdown has begun.
#[derive(Clone)]
pub struct Shutdown(watch::Receiver<bool>);

/// The sending side, for the signal listener and for tests.
pub struct Trigger(watch::Sender<bool>);

pub fn channel() -> (Trigger, Shutdown) {
    let (sender, receiver) = watch::channel(false);
    (Trigger(sender), Shutdown(receiver))
}

impl Trigger {
    pub fn fire(&self) {
        self.0.send_replace(true);
    }
}

impl Shutdown {
    /// Resolves once shutdown has begun.
    pub async fn requested(mut self) {
        // An error means every trigger is gone: nobody can ask any more, so never resolve.
        if self.0.wait_for(|&stop| stop).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Fires the trigger on SIGTERM (orchestrators) or SIGINT (Ctrl-C).
pub async fn on_signal(trigger: Trigger) {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight work");
    trigger.fire();
}
