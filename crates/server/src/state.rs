//! What every request handler can reach: the configuration and the shared services.

use crate::config::Config;
use crate::http::health::CheckResult;
use crate::metrics::Metrics;
use crate::ratelimit::shared::SharedStore;
use crate::ratelimit::RateLimiter;
use std::collections::BTreeMap;
use std::sync::Arc;

pub type AppState = Arc<App>;

pub struct App {
    pub config: Config,
    pub metrics: Metrics,
    pub rate_limiter: RateLimiter,
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
