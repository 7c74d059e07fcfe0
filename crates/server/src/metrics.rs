//! Prometheus metrics, one registry per running app (so tests that start several
//! servers do not share counters), rendered in the text format at `/metrics`.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// Request latency buckets, in seconds: a millisecond scan answer up to a slow export.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    pub scan_duration: HistogramVec,
    pub db_connections: IntGaugeVec,
    pub jobs: IntGaugeVec,
    /// Emails by template and event: queued, sent, retried, failed.
    pub emails: IntCounterVec,
    /// Password verifications by what they were checked against (`account`, `dummy`).
    pub password_checks: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route, method and status.",
            ),
            &["route", "method", "status"],
        )?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from request to response headers, by route and method.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route", "method"],
        )?;
        let scan_duration = HistogramVec::new(
            HistogramOpts::new(
                "scan_duration_seconds",
                "Time to evaluate a scan over the universe, by kind (cold, stream, backtest).",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["kind"],
        )?;
        let db_connections = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database pool connections by state (idle, in_use) and the pool's maximum (max).",
            ),
            &["state"],
        )?;
        let jobs = IntGaugeVec::new(
            Opts::new(
                "jobs",
                "Background jobs by status (queued, running, failed).",
            ),
            &["status"],
        )?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_duration.clone()))?;
        registry.register(Box::new(scan_duration.clone()))?;
        registry.register(Box::new(db_connections.clone()))?;
        let emails = IntCounterVec::new(
            Opts::new(
                "emails_total",
                "Emails by template and event (queued, sent, retried, failed).",
            ),
            &["template", "event"],
        )?;
        registry.register(Box::new(jobs.clone()))?;
        registry.register(Box::new(emails.clone()))?;
        let password_checks = IntCounterVec::new(
            Opts::new(
                "auth_password_checks_total",
                "Password verifications by what they were checked against: account (a real \
                 guess at a password) or dummy (unknown or locked account).",
            ),
            &["against"],
        )?;
        registry.register(Box::new(password_checks.clone()))?;
        // Process CPU seconds, resident memory, open file descriptors and their limit.
        #[cfg(target_os = "linux")]
        registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        Ok(Metrics {
            registry,
            http_requests,
            http_duration,
            scan_duration,
            db_connections,
            jobs,
            emails,
            password_checks,
        })
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        let encoder = TextEncoder::new();
        if let Err(error) = encoder.encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(%error, "cannot encode metrics");
        }
        String::from_utf8_lossy(&buffer).into_owned()
    }
}
