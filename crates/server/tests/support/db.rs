//! Databases for tests: a fresh PostgreSQL database per test (created from
//! `TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`, and dropped
//! after), a temporary SQLite file, and the `Config` the server would load for either.
//! An unreachable PostgreSQL fails the test; it never skips.

use sea_orm::{ConnectOptions, ConnectionTrait, Database};
use server::config::{Config, Vars};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A configuration for `url`, as the server would load it.
pub fn config(url: &str, data_dir: &Path, extra: &[(&str, &str)]) -> Config {
    let data_dir = data_dir.display().to_string();
    let mut pairs = vec![
        ("ENVIRONMENT", "test"),
        ("DATABASE_URL", url),
        ("DATA_DIR", data_dir.as_str()),
    ];
    pairs.extend_from_slice(extra);
    Config::load(&Vars::from_pairs(pairs), None).unwrap()
}

pub fn unique_suffix() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{}_{nanos}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn temp_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ss-db-{name}-{}", unique_suffix()))
}

/// Runs `body` against a fresh database on the test server, then drops the database,
/// even when `body` panics.
pub async fn with_fresh_postgres<F, Fut>(body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let admin_url =
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.into());
    let mut options = ConnectOptions::new(admin_url.clone());
    options
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    let admin = Database::connect(options).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL at TEST_DATABASE_URL={admin_url} is unreachable ({e}); \
             these tests fail rather than skip"
        )
    });
    let name = format!("ss_test_{}", unique_suffix());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let outcome = tokio::spawn(body(database_url(&admin_url, &name))).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// `url` with its database name replaced by `name`, query string kept.
pub fn database_url(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let (scheme, rest) = base.split_once("://").expect("a postgres:// URL");
    let host = rest.split_once('/').map_or(rest, |(host, _)| host);
    format!("{scheme}://{host}/{name}{query}")
}
