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

use sea_orm::{DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait};

/// Begins a transaction that is going to write, holding the write lock from its start.
///
/// SQLite's default (deferred) transaction starts as a reader, and its first write must
/// turn its read snapshot into the write lock. When another connection has committed
/// since that snapshot, SQLite refuses at once (`SQLITE_BUSY`): the busy timeout does
/// not apply, since waiting cannot make the snapshot current. A sign-in that read before
/// writing while the mail outbox marked a message sent failed that way, with a 500.
/// `BEGIN IMMEDIATE` takes the lock first, waiting up to the busy timeout for another
/// writer instead. PostgreSQL ignores the mode: its row locks serve the same purpose.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// The row-locking clause for claiming work with `UPDATE … WHERE id IN (SELECT …)`:
/// PostgreSQL skips rows other claimers hold (and re-checks rows committed meanwhile);
/// SQLite runs the statement under its single writer lock and needs none.
pub fn skip_locked(backend: sea_orm::DbBackend) -> &'static str {
    match backend {
        sea_orm::DbBackend::Postgres => "FOR UPDATE SKIP LOCKED",
        _ => "",
    }
}
