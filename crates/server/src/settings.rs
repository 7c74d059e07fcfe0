//! Operator settings kept in the `settings` table (one JSON value per key), shared by
//! every instance and changed at run time without a restart.

use crate::db::DbError;
use crate::shutdown::Shutdown;
use chrono::Utc;
use sea_orm::sea_query::{Alias, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::future::Future;
use std::time::Duration;

/// The value stored under `key`, if any.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    key: &str,
) -> Result<Option<serde_json::Value>, DbError> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT value FROM settings WHERE key = $1",
            vec![key.into()],
        ))
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get::<serde_json::Value>("", "value")?),
        None => None,
    })
}

/// Stores `value` under `key`, replacing what was there.
pub async fn set<C: ConnectionTrait>(
    db: &C,
    key: &str,
    value: serde_json::Value,
) -> Result<(), DbError> {
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new("settings"))
        .columns(["key", "value", "updated_at"].map(Alias::new))
        .values_panic([key.into(), value.into(), Utc::now().into()])
        .on_conflict(
            OnConflict::column(Alias::new("key"))
                .update_columns(["value", "updated_at"].map(Alias::new))
                .to_owned(),
        );
    db.execute(&insert).await?;
    Ok(())
}

/// Reads `key` now and then every `every` until shutdown, handing each value to
/// `apply`: how every instance follows a setting changed on any one of them. A failed
/// read is logged and skipped, so a database hiccup keeps the last applied value.
pub async fn follow<F, Fut>(
    db: DatabaseConnection,
    key: &'static str,
    every: Duration,
    shutdown: Shutdown,
    mut apply: F,
) where
    F: FnMut(Option<serde_json::Value>) -> Fut,
    Fut: Future<Output = ()>,
{
    loop {
        match get(&db, key).await {
            Ok(value) => apply(value).await,
            Err(error) => tracing::warn!(%error, key, "cannot read the setting"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = shutdown.clone().requested() => return,
        }
    }
}
