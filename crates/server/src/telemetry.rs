//! Logs and error reporting. Logs are human-readable in development and one JSON object
//! per line in production, where a log pipeline parses them; `RUST_LOG` overrides the
//! default level. With `SENTRY_DSN` set, error events and panics go to Sentry as issues
//! (with the info-level events before them as breadcrumbs), and a sampled share
//! (`SENTRY_TRACES_SAMPLE_RATE`) of request spans as performance traces.

use crate::config::{Config, SentryConfig};
use sentry::integrations::tracing::{BreadcrumbLayer, ErrorLayer, SpanLayer};
use tracing::Subscriber;
use tracing_subscriber::filter::{filter_fn, FilterExt, LevelFilter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Keeps error reporting alive; dropping it flushes what is still queued for Sentry.
#[must_use = "dropping the guard stops error reporting"]
pub struct Telemetry {
    _sentry: Option<sentry::ClientInitGuard>,
}

/// Installs logging, and error reporting when configured, for the whole process.
pub fn init(config: &Config) -> Telemetry {
    let sentry = config
        .sentry
        .as_ref()
        .map(|sentry| start_sentry(sentry, config.environment.name()));
    // `try_init`: a second call (tests starting several servers) keeps the first logger.
    let _ = subscriber(config.is_production(), sentry.is_some()).try_init();
    if sentry.is_some() {
        tracing::info!("reporting errors to Sentry");
    }
    Telemetry { _sentry: sentry }
}

/// The Sentry client for this process, bound to the main hub.
pub fn start_sentry(sentry: &SentryConfig, environment: &'static str) -> sentry::ClientInitGuard {
    // reqwest is built without a default TLS provider; use ring, as the database driver
    // does. An error means a provider is installed already, which serves as well.
    let _ = rustls::crypto::ring::default_provider().install_default();
    sentry::init(
        sentry::ClientOptions::new()
            .dsn(&sentry.dsn.to_string())
            .maybe_release(sentry::release_name!())
            .environment(environment)
            .traces_sample_rate(sentry.traces_sample_rate)
            // Client IPs, cookies and headers stay out of reports.
            .send_default_pii(false),
    )
}

/// The subscriber: the level filter, the log format, and the Sentry layers when reporting.
pub fn subscriber(json_logs: bool, report_to_sentry: bool) -> impl Subscriber + Send + Sync {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let logs = if json_logs {
        tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer().boxed()
    };
    let sentry = report_to_sentry.then(|| {
        SpanLayer::new()
            .with_filter(LevelFilter::INFO)
            .and_then(
                // Spans pass too, so an error carries the request it happened in.
                ErrorLayer::new()
                    .enable_span_attributes()
                    .with_filter(LevelFilter::ERROR.or(filter_fn(|m| m.is_span()))),
            )
            .and_then(BreadcrumbLayer::new().with_filter(LevelFilter::INFO))
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(sentry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::State;
    use axum::routing::post;
    use axum::Router;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    type Received = Arc<Mutex<Vec<String>>>;

    /// A stand-in for Sentry's ingestion endpoint, keeping every envelope it is sent.
    async fn sentry_ingest() -> (String, Received) {
        let received = Received::default();
        let app = Router::new()
            .route(
                "/api/{project}/envelope/",
                post(|State(r): State<Received>, body: String| async move {
                    r.lock().unwrap().push(body);
                }),
            )
            .with_state(received.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (format!("http://public-key@127.0.0.1:{port}/42"), received)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn errors_and_request_traces_reach_sentry() {
        let (dsn, received) = sentry_ingest().await;
        let sentry = SentryConfig {
            dsn: dsn.parse().unwrap(),
            traces_sample_rate: 1.0,
        };
        let client = start_sentry(&sentry, "test");
        tracing::subscriber::with_default(subscriber(false, true), || {
            let span = tracing::info_span!(
                "request",
                sentry.name = tracing::field::Empty,
                sentry.op = tracing::field::Empty
            );
            {
                let _inside = span.enter();
                tracing::info!("loaded the universe");
                tracing::error!(error = "disk full", "could not save the scan");
            }
            span.record("sentry.name", "POST /api/v1/scans/run");
            span.record("sentry.op", "http.server");
        });
        assert!(client.flush(Some(Duration::from_secs(10))), "sent in time");

        let started = Instant::now();
        let envelopes = loop {
            let envelopes = received.lock().unwrap().clone();
            let kinds = |kind: &str| {
                envelopes
                    .iter()
                    .any(|e| e.contains(&format!("\"type\":\"{kind}\"")))
            };
            if (kinds("event") && kinds("transaction")) || started.elapsed().as_secs() > 10 {
                break envelopes;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let event = envelopes
            .iter()
            .find(|e| e.contains("\"type\":\"event\""))
            .unwrap_or_else(|| panic!("no error event among {envelopes:#?}"));
        assert!(event.contains("could not save the scan"), "{event}");
        assert!(event.contains("disk full"), "{event}");
        assert!(event.contains("loaded the universe"), "breadcrumb: {event}");
        assert!(event.contains("\"environment\":\"test\""), "{event}");
        let transaction = envelopes
            .iter()
            .find(|e| e.contains("\"type\":\"transaction\""))
            .unwrap_or_else(|| panic!("no transaction among {envelopes:#?}"));
        assert!(
            transaction.contains("POST /api/v1/scans/run"),
            "{transaction}"
        );
        assert!(transaction.contains("http.server"), "{transaction}");
    }
}
