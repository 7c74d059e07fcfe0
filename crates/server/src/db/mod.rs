//! The database layer: connecting (SQLite by default, PostgreSQL when `DATABASE_URL`
//! says so), running the migrations, and the append-only audit log.
//!
//! Everything goes through SeaORM so one code path serves both backends; raw SQL appears
//! only where a backend feature is the point (triggers, advisory locks, catalog queries).

pub mod audit;
mod connect;
mod error;
pub mod migrations;

pub use connect::{connect, ping, pool_stats, Backend, PoolStats};
pub use error::{is_unavailable, DbError};
pub use migrations::{migrate, Migrator};
pub use sea_orm::DatabaseConnection;

/// The row-locking clause for claiming work with `UPDATE … WHERE id IN (SELECT …)`:
/// PostgreSQL skips rows other claimers hold (and re-checks rows committed meanwhile);
/// SQLite runs the statement under its single writer lock and needs none.
pub fn skip_locked(backend: sea_orm::DbBackend) -> &'static str {
    match backend {
        sea_orm::DbBackend::Postgres => "FOR UPDATE SKIP LOCKED",
        _ => "",
    }
}
