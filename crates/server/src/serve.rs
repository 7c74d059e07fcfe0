//! `stockscanner serve`: bind, start the shared services, serve until told to stop.

use crate::config::Config;
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

/// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish for up to
/// [`GRACE`].
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
    let app = App::new(config)?;
    let router = crate::http::router(app);
    tracing::info!(%address, "listening");
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown.clone().requested());
    let deadline = async {
        shutdown.requested().await;
        tokio::time::sleep(GRACE).await;
    };
    tokio::select! {
        result = server => result?,
        () = deadline => tracing::warn!("in-flight requests did not finish within {GRACE:?}; exiting"),
    }
    Ok(())
}
