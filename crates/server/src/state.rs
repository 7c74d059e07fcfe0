//! What every request handler can reach: the configuration and the shared services.

use crate::config::Config;
use crate::http::health::CheckResult;
use crate::market::universe::Universe;
use crate::metrics::Metrics;
use crate::ratelimit::shared::SharedStore;
use crate::ratelimit::RateLimiter;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

pub type AppState = Arc<App>;

pub struct App {
    pub config: Config,
    pub metrics: Metrics,
    pub rate_limiter: RateLimiter,
    universe: RwLock<Arc<Universe>>,
}

impl App {
    pub fn new(config: Config) -> Result<AppState, StartError> {
        let shared_limits = match &config.redis {
            None => None,
            Some(redis) => {
                Some(SharedStore::new(redis).map_err(|e| StartError::Redis(e.to_string()))?)
            }
        };
        Ok(Arc::new(App {
            rate_limiter: RateLimiter::new(config.rate_limits.clone(), shared_limits),
            metrics: Metrics::new().map_err(|e| StartError::Metrics(e.to_string()))?,
            universe: RwLock::new(Arc::new(Universe::demo())),
            config,
        }))
    }
}

/// Why the app could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("Redis settings: {0}")]
    Redis(String),
    #[error("metrics: {0}")]
    Metrics(String),
}

impl App {
    /// The universe as it is now; a scan keeps its snapshot even if an import replaces it.
    pub fn universe(&self) -> Arc<Universe> {
        // The lock only guards swapping one Arc for another: poisoning cannot leave it
        // half-written.
        self.universe
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Each dependency's state, checked now.
    pub async fn readiness(&self) -> BTreeMap<&'static str, CheckResult> {
        let mut checks = BTreeMap::new();
        if let Some(redis) = self.rate_limiter.health().await {
            checks.insert("redis", redis);
        }
        checks
    }

    /// Brings the gauges that mirror other components' state up to date for a scrape.
    pub async fn refresh_gauges(&self) {}
}
