//! Schema migrations: forward-only, run at start and by `stockscanner migrate`.
//!
//! A migration, once released, is never edited; a change is a new migration that
//! only adds (columns, tables, indexes). There are no `down` steps: restoring a backup
//! is how a deployment goes back.

use super::error::DbError;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, TransactionTrait};
use sea_orm_migration::{MigrationTrait, MigratorTrait};

mod accounts;
mod email;
mod initial;
mod reports;
mod table;

/// The list of migrations, oldest first.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(initial::Migration),
            Box::new(email::Migration),
            Box::new(accounts::Migration),
            Box::new(reports::Migration),
        ]
    }
}

/// Key of the PostgreSQL advisory lock that serialises migrations: any fixed number
/// works as long as nothing else in the database uses it ("stockscanner" in ASCII, cut).
const MIGRATION_LOCK_KEY: i64 = 0x73_74_6f_63_6b_73_63;

/// Applies every pending migration; a no-op when the schema is current.
///
/// On PostgreSQL several instances may start at once: all of them take the same
/// transaction-scoped advisory lock first, so one migrates while the others wait and then
/// find nothing pending. The whole run is one transaction (PostgreSQL DDL is
/// transactional), so a failure leaves the schema as it was.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbError> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let txn = db.begin().await?;
            txn.execute_unprepared(&format!(
                "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
            ))
            .await?;
            Migrator::up(&txn, None).await.map_err(DbError::Migration)?;
            txn.commit().await?;
        }
        // SQLite serves a single instance; each migration runs in its own transaction
        // (see `use_transaction`), so a failure leaves no half-built schema.
        _ => Migrator::up(db, None).await.map_err(DbError::Migration)?,
    }
    Ok(())
}
