//! The first migration: the whole product's schema, so later features only add to it.
//! Tables are grouped by area, one module each; `docs/database.md` lists them.

use sea_orm_migration::prelude::*;

mod accounts;
mod audit;
mod billing;
mod market;
mod platform;
mod scans;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000001_initial"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Order matters: a table comes after every table it references.
        accounts::create(manager).await?;
        billing::create(manager).await?;
        audit::create(manager).await?;
        platform::create(manager).await?;
        market::create(manager).await?;
        scans::create(manager).await?;
        Ok(())
    }

    /// SQLite does not wrap migrations in a transaction by default; the schema is built
    /// all-or-nothing on both backends.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
