//! `DbError`: what went wrong with the database, said so an operator can act on it.

use sea_orm::sqlx::error::DatabaseError;
use sea_orm::sqlx::sqlite::SqliteError;
use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL `{url}` is not supported: use sqlite://path/to/file.db or postgres://user@host/database")]
    UnsupportedUrl { url: String },
    #[error("cannot create the database directory {path}: {source}")]
    CreateDirectory {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot connect to the database at {url}: {source}; check DATABASE_URL and that the database server is running")]
    Connect {
        url: String,
        #[source]
        source: DbErr,
    },
    #[error("the database at {url} did not answer within {} ms; check DATABASE_URL and that the database server is reachable", after.as_millis())]
    ConnectTimeout { url: String, after: Duration },
    #[error("database migration failed: {0}")]
    Migration(#[source] DbErr),
    #[error("database error: {0}")]
    Query(#[from] DbErr),
}

impl DbError {
    /// True when the database cannot be reached right now (the service should answer
    /// 503 and let the caller retry) rather than a query or schema being wrong.
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Connect { .. } | DbError::ConnectTimeout { .. } => true,
            DbError::Query(e) | DbError::Migration(e) => is_unavailable(e),
            DbError::UnsupportedUrl { .. } | DbError::CreateDirectory { .. } => false,
        }
    }
}

/// True for the SeaORM errors that mean "the database cannot serve this now": the pool
/// timed out waiting (acquire timeout), the connection broke, or SQLite's write lock
/// stayed taken for longer than the busy timeout. The HTTP layer maps these to 503
/// Service Unavailable.
pub fn is_unavailable(err: &DbErr) -> bool {
    matches!(
        err,
        DbErr::ConnectionAcquire(ConnAcquireErr::Timeout | ConnAcquireErr::ConnectionClosed)
            | DbErr::Conn(_)
    ) || is_sqlite_busy(err)
}

/// `SQLITE_BUSY` or `SQLITE_LOCKED`, in any of their extended forms (the primary result
/// code is the low byte of the extended one).
fn is_sqlite_busy(err: &DbErr) -> bool {
    const SQLITE_BUSY: i64 = 5;
    const SQLITE_LOCKED: i64 = 6;
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    e.as_database_error()
        .and_then(|db| db.try_downcast_ref::<SqliteError>())
        .and_then(|sqlite| sqlite.code()?.parse::<i64>().ok())
        .is_some_and(|code| matches!(code & 0xff, SQLITE_BUSY | SQLITE_LOCKED))
}

/// `scheme://user:password@host/db` with the password replaced by `***`, so a URL can
/// appear in an error message or a log line.
pub(crate) fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked_and_other_urls_kept() {
        assert_eq!(
            mask_password("postgres://app:s3cret@db:5432/app"),
            "postgres://app:***@db:5432/app"
        );
        assert_eq!(
            mask_password("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(
            mask_password("sqlite://./data/x.db?mode=rwc"),
            "sqlite://./data/x.db?mode=rwc"
        );
    }

    #[test]
    fn pool_timeouts_count_as_unavailable_and_query_errors_do_not() {
        assert!(is_unavailable(&DbErr::ConnectionAcquire(
            ConnAcquireErr::Timeout
        )));
        assert!(!is_unavailable(&DbErr::Custom("bad".into())));
        let e = DbError::ConnectTimeout {
            url: "postgres://x".into(),
            after: Duration::from_millis(1500),
        };
        assert!(e.is_unavailable());
        assert!(e.to_string().contains("1500 ms"));
    }
}
