//! Opening the connection pool.
//!
//! Two timeouts matter. The *acquire* timeout bounds how long a request waits for a
//! pooled connection: when the database is down, requests fail after it (503) instead of
//! piling up for sqlx's default 30 s. The *connect* timeout bounds the whole start-up
//! connection, so `serve` and `migrate` report an unreachable database promptly.

use super::error::{mask_password, DbError};
use crate::config::Config;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use std::str::FromStr;
use std::time::Duration;

/// How long a SQLite writer waits for another writer's lock before giving up. WAL lets
/// readers proceed during a write, but writers still take turns.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The two supported backends, told apart by the URL scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Backend, DbError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(DbError::UnsupportedUrl {
                url: mask_password(url),
            })
        }
    }
}

/// Opens the pool described by `config.database`. Never panics; every failure is a
/// `DbError` that names the (password-masked) URL and what to check.
pub async fn connect(config: &Config) -> Result<DatabaseConnection, DbError> {
    let settings = &config.database;
    let url = settings.url.as_str();
    let shown = mask_password(url);
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(settings.max_connections)
        .min_connections(settings.min_connections)
        .acquire_timeout(settings.acquire_timeout)
        // Statement logging would print every query at INFO; tracing spans suffice.
        .sqlx_logging(false);
    match Backend::of_url(url)? {
        Backend::Sqlite => configure_sqlite(url, &mut options)?,
        Backend::Postgres => {
            options.set_application_name("stockscanner");
        }
    }
    // The pool already bounds each attempt by the acquire timeout; this outer bound is
    // the promise made to the operator, whatever the driver does internally.
    let limit = settings.connect_timeout.max(settings.acquire_timeout);
    match tokio::time::timeout(limit, Database::connect(options)).await {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(source)) => Err(DbError::Connect { url: shown, source }),
        Err(_) => Err(DbError::ConnectTimeout {
            url: shown,
            after: limit,
        }),
    }
}

/// Readiness check: one round trip through the pool, bounded by the acquire timeout.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbError> {
    db.ping().await.map_err(DbError::from)
}

/// SQLite settings applied to every pooled connection as it is opened (sqlx runs them
/// per connection, which a one-off `PRAGMA` after connecting would not).
fn configure_sqlite(url: &str, options: &mut ConnectOptions) -> Result<(), DbError> {
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    if in_memory {
        // Each connection to `:memory:` is a separate, empty database: keep exactly one
        // and never let the pool close it.
        options
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
    } else {
        create_parent_directory(url)?;
    }
    options.map_sqlx_sqlite_opts(move |opts| {
        let opts = opts
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(SQLITE_BUSY_TIMEOUT);
        if in_memory {
            opts
        } else {
            // NORMAL is durable across application crashes in WAL mode and much faster
            // than FULL; only an OS crash can lose the last transactions.
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
        }
    });
    Ok(())
}

/// The default database lives under `./data/`, which may not exist on a first start.
fn create_parent_directory(url: &str) -> Result<(), DbError> {
    let parsed = SqliteConnectOptions::from_str(url).map_err(|_| DbError::UnsupportedUrl {
        url: url.to_string(),
    })?;
    match parsed.get_filename().parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDirectory {
                path: dir.display().to_string(),
                source,
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_scheme_picks_the_backend() {
        assert_eq!(Backend::of_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of_url("sqlite::memory:").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::of_url("postgres://u@h/d").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::of_url("postgresql://u@h/d").unwrap(),
            Backend::Postgres
        );
        let e = Backend::of_url("mysql://u:pw@h/d").unwrap_err();
        assert!(e.to_string().contains("mysql://u:***@h/d"), "{e}");
    }
}
