//! `stockscanner serve`: bind, start the shared services and the background workers,
//! serve until told to stop, then let requests and jobs finish.

use crate::background;
use crate::config::Config;
use crate::jobs::{PoolOptions, Scheduler, WorkerPool};
use crate::maintenance::Switch;
use crate::shutdown::{self, Shutdown, GRACE};
use crate::state::App;
use std::net::SocketAddr;
use tokio::net::TcpListener;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start: {0}")]
    Start(#[from] crate::state::StartError),
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
}

/// Serves until SIGTERM or Ctrl-C, then lets in-flight requests and jobs finish for up
/// to [`GRACE`].
pub async fn run(config: Config) -> Result<(), ServeError> {
    let (trigger, shutdown) = shutdown::channel();
    tokio::spawn(shutdown::on_signal(trigger));
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| ServeError::Bind {
            address: config.bind,
            source,
        })?;
    serve_on(listener, config, shutdown).await
}

/// Serves on an already bound listener until `shutdown`; used by `run` and by tests.
pub async fn serve_on(
    listener: TcpListener,
    config: Config,
    shutdown: Shutdown,
) -> Result<(), ServeError> {
    let address = listener.local_addr()?;
    let app = App::start(config).await?;
    let workers = WorkerPool::start(
        app.db.clone(),
        background::app_jobs(&app),
        PoolOptions::default(),
        shutdown.clone(),
    );
    let scheduler = Scheduler::new(background::schedules()).start(app.db.clone(), shutdown.clone());
    tokio::spawn(Switch::follow(
        app.clone(),
        app.db.clone(),
        shutdown.clone(),
    ));
    tokio::spawn(crate::market::reload::follow(app.clone(), shutdown.clone()));
    let router = crate::http::router(app);
    tracing::info!(%address, "listening");
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown.clone().requested());
    let everything = async {
        let served = server.await;
        // The pool stops claiming at the signal and releases what it cannot finish
        // within its own grace, which is shorter than ours.
        workers.join().await;
        if let Err(error) = scheduler.await {
            tracing::error!(%error, "the scheduler task failed");
        }
        served
    };
    let deadline = async {
        shutdown.requested().await;
        tokio::time::sleep(GRACE).await;
    };
    tokio::select! {
        result = everything => result?,
        () = deadline => tracing::warn!("requests or jobs did not finish within {GRACE:?}; exiting"),
    }
    Ok(())
}
