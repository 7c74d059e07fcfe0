//! What every request handler can reach: the configuration and the shared services.

use crate::config::Config;
use crate::http::health::CheckResult;
use crate::metrics::Metrics;
use std::collections::BTreeMap;
use std::sync::Arc;

pub type AppState = Arc<App>;

pub struct App {
    pub config: Config,
    pub metrics: Metrics,
}

impl App {
    pub fn new(config: Config) -> Result<AppState, prometheus::Error> {
        Ok(Arc::new(App {
            config,
            metrics: Metrics::new()?,
        }))
    }
}

impl App {
    /// Each dependency's state, checked now.
    pub async fn readiness(&self) -> BTreeMap<&'static str, CheckResult> {
        BTreeMap::new()
    }

    /// Brings the gauges that mirror other components' state up to date for a scrape.
    pub async fn refresh_gauges(&self) {}
}
