//! Following imports: `stockscanner import`, on any machine, records the import in the
//! `market_data` setting in its own transaction. Every running instance notices within
//! [`REFRESH`], loads the new universe from the database and swaps it in whole; scans
//! already running finish on the snapshot they started with.

use super::store;
use crate::settings;
use crate::shutdown::Shutdown;
use crate::state::AppState;
use std::time::{Duration, Instant};

/// How long after an import a running server may still answer from the old data.
pub const REFRESH: Duration = Duration::from_secs(2);

pub async fn follow(app: AppState, shutdown: Shutdown) {
    let db = app.db.clone();
    settings::follow(db, store::VERSION_KEY, REFRESH, shutdown, |version| {
        let app = app.clone();
        async move {
            if version.is_some() && version != app.universe().version {
                reload(&app).await;
            }
        }
    })
    .await;
}

async fn reload(app: &AppState) {
    let started = Instant::now();
    match store::load(&app.db).await {
        Ok(Some(universe)) => {
            tracing::info!(
                symbols = universe.len(),
                seconds = started.elapsed().as_secs_f64(),
                "new market data imported: universe reloaded"
            );
            app.replace_universe(universe);
        }
        Ok(None) => {}
        // Tried again at the next refresh, as the versions still differ.
        Err(error) => tracing::warn!(%error, "cannot load the imported market data"),
    }
}
