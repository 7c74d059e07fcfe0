//! What every request handler can reach: the configuration and the shared services.

use crate::accounts::Accounts;
use crate::config::Config;
use crate::db::{self, DatabaseConnection, DbError};
use crate::email::{EmailCounters, Mailer};
use crate::http::health::CheckResult;
use crate::jobs;
use crate::maintenance::{self, Switch};
use crate::market::store;
use crate::market::universe::Universe;
use crate::metrics::Metrics;
use crate::ratelimit::shared::SharedStore;
use crate::ratelimit::RateLimiter;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Instant;

pub type AppState = Arc<App>;

pub struct App {
    pub config: Config,
    pub db: DatabaseConnection,
    pub metrics: Metrics,
    pub rate_limiter: RateLimiter,
    pub maintenance: Switch,
    /// The outbox later features write mail to, and its delivery.
    pub email: Arc<Mailer>,
    pub accounts: Accounts,
    universe: RwLock<Arc<Universe>>,
}

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Database(#[from] DbError),
    #[error("Redis settings: {0}")]
    Redis(String),
    #[error("metrics: {0}")]
    Metrics(String),
    #[error("email: {0}")]
    Email(String),
    #[error("accounts: {0}")]
    Accounts(String),
}

impl App {
    /// Connects to the database, brings its schema up to date, and loads the universe
    /// (the demo universe, recorded on first start, when nothing was imported).
    pub async fn start(config: Config) -> Result<AppState, StartError> {
        let db = db::connect(&config).await?;
        db::migrate(&db).await?;
        let started = Instant::now();
        let universe = match store::load(&db).await? {
            Some(universe) => universe,
            None => {
                let demo = Universe::demo();
                store::record_demo(&db, &demo).await?;
                tracing::info!("empty database: started with the synthetic demo universe");
                demo
            }
        };
        tracing::info!(
            symbols = universe.len(),
            source = ?universe.source,
            seconds = started.elapsed().as_secs_f64(),
            "universe loaded"
        );
        let shared_limits = match &config.redis {
            None => None,
            Some(redis) => {
                Some(SharedStore::new(redis).map_err(|e| StartError::Redis(e.to_string()))?)
            }
        };
        let maintenance = Switch::default();
        maintenance.apply(maintenance::read(&db).await?);
        let metrics = Metrics::new().map_err(|e| StartError::Metrics(e.to_string()))?;
        let email = Mailer::new(&config, EmailCounters::new(metrics.emails.clone()))
            .map_err(StartError::Email)?;
        let email = Arc::new(email);
        let accounts = Accounts::new(&config, email.clone(), metrics.password_checks.clone())
            .map_err(|e| StartError::Accounts(e.to_string()))?;
        Ok(Arc::new(App {
            maintenance,
            accounts,
            rate_limiter: RateLimiter::new(config.rate_limits.clone(), shared_limits),
            email,
            metrics,
            universe: RwLock::new(Arc::new(universe)),
            db,
            config,
        }))
    }

    /// The universe as it is now; a scan keeps its snapshot even if an import replaces it.
    pub fn universe(&self) -> Arc<Universe> {
        // The lock only guards swapping one Arc for another: poisoning cannot leave it
        // half-written.
        self.universe
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Puts a newly loaded universe in place; requests already holding the old one keep it.
    pub fn replace_universe(&self, universe: Universe) {
        *self.universe.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(universe);
    }

    /// Each dependency's state, checked now.
    pub async fn readiness(&self) -> BTreeMap<&'static str, CheckResult> {
        let mut checks = BTreeMap::new();
        checks.insert("database", timed(db::ping(&self.db)).await);
        checks.insert("jobs", timed(jobs::ready(&self.db)).await);
        if let Some(redis) = self.rate_limiter.health().await {
            checks.insert("redis", redis);
        }
        checks
    }

    /// Brings the gauges that mirror other components' state up to date for a scrape.
    pub async fn refresh_gauges(&self) {
        let pool = db::pool_stats(&self.db);
        let gauge = &self.metrics.db_connections;
        gauge.with_label_values(&["idle"]).set(pool.idle);
        gauge.with_label_values(&["in_use"]).set(pool.in_use);
        gauge.with_label_values(&["max"]).set(pool.max);
        match jobs::counts(&self.db).await {
            Ok(counts) => {
                let jobs = &self.metrics.jobs;
                for (status, count) in [
                    ("queued", counts.queued),
                    ("running", counts.running),
                    ("failed", counts.failed),
                ] {
                    jobs.with_label_values(&[status])
                        .set(i64::try_from(count).unwrap_or(i64::MAX));
                }
            }
            Err(error) => tracing::warn!(%error, "cannot count jobs for /metrics"),
        }
    }
}

/// Runs a readiness check, timing it.
async fn timed(check: impl std::future::Future<Output = Result<(), DbError>>) -> CheckResult {
    let started = Instant::now();
    match check.await {
        Ok(()) => CheckResult::up(started.elapsed()),
        Err(error) => CheckResult::down(error.to_string()),
    }
}
