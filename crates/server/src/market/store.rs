//! Bars in the database: the import (idempotent upsert by symbol and date) and the load
//! into memory at start. The database is the record; the in-memory [`Universe`] is what
//! scans read.
//!
//! The demo universe is recorded by its symbols only (watchlists and alerts refer to
//! them): its bars follow from a fixed seed, so they are generated again at each start
//! instead of being stored 630,000 rows at a time.

use super::universe::{Listing, Source, Universe};
use crate::db::{begin_write, DbError};
use chrono::Utc;
use scan::{Bar, BarSeries, BarTime};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Statement};
use std::collections::HashMap;

/// The setting each import writes, in its transaction: running servers follow it to
/// load the new data without a restart.
pub const VERSION_KEY: &str = "market_data";

/// Rows per INSERT: 9 values each stays under SQLite's 32,766 bound parameters.
const BARS_PER_STATEMENT: usize = 3_000;

/// What an import wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub symbols: usize,
    pub bars: usize,
    /// Demo symbols removed because real data arrived.
    pub demo_symbols_removed: u64,
}

/// Writes `entries` (symbol, optional name and sector, bars) in one transaction. A bar
/// already stored for the same symbol and date is overwritten, so importing the same
/// files twice changes nothing. Real data replaces the demo universe.
pub async fn import<'a>(
    db: &DatabaseConnection,
    entries: impl IntoIterator<Item = (&'a Listing, &'a BarSeries)>,
    mut progress: impl FnMut(usize),
) -> Result<ImportSummary, DbError> {
    let txn = begin_write(db).await?;
    let mut summary = ImportSummary {
        demo_symbols_removed: txn
            .execute(
                Query::delete()
                    .from_table(Alias::new("symbols"))
                    .and_where(Expr::col(Alias::new("is_demo")).eq(true)),
            )
            .await?
            .rows_affected(),
        ..ImportSummary::default()
    };
    for (listing, series) in entries {
        let symbol_id = upsert_symbol(&txn, listing, Source::Imported).await?;
        for chunk in (0..series.len())
            .collect::<Vec<_>>()
            .chunks(BARS_PER_STATEMENT)
        {
            upsert_bars(&txn, symbol_id, series, chunk).await?;
        }
        summary.symbols += 1;
        summary.bars += series.len();
        progress(series.len());
    }
    let version = serde_json::json!({
        "imported_at": Utc::now().to_rfc3339(),
        "symbols": summary.symbols,
        "bars": summary.bars,
    });
    crate::settings::set(&txn, VERSION_KEY, version).await?;
    txn.commit().await?;
    Ok(summary)
}

/// Records the demo universe's symbols in an empty database.
pub async fn record_demo(db: &DatabaseConnection, universe: &Universe) -> Result<(), DbError> {
    let txn = begin_write(db).await?;
    for (listing, _) in universe.entries() {
        upsert_symbol(&txn, listing, Source::Demo).await?;
    }
    txn.commit().await?;
    Ok(())
}

async fn upsert_symbol(
    txn: &impl ConnectionTrait,
    listing: &Listing,
    source: Source,
) -> Result<i64, DbError> {
    let now = Utc::now();
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new("symbols"))
        .columns(
            [
                "ticker",
                "name",
                "sector",
                "is_demo",
                "created_at",
                "updated_at",
            ]
            .map(Alias::new),
        )
        .values_panic([
            listing.symbol.clone().into(),
            listing.name.clone().into(),
            listing.sector.clone().into(),
            (source == Source::Demo).into(),
            now.into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::column(Alias::new("ticker"))
                // A name or sector known from before is kept when the file has none.
                .value(
                    Alias::new("name"),
                    Expr::cust("COALESCE(excluded.name, symbols.name)"),
                )
                .value(
                    Alias::new("sector"),
                    Expr::cust("COALESCE(excluded.sector, symbols.sector)"),
                )
                .update_columns(["is_demo", "updated_at"].map(Alias::new))
                .to_owned(),
        )
        .returning_col(Alias::new("id"));
    let row = txn
        .query_one(&insert)
        .await?
        .ok_or_else(|| DbError::Query(sea_orm::DbErr::RecordNotInserted))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

async fn upsert_bars(
    txn: &impl ConnectionTrait,
    symbol_id: i64,
    series: &BarSeries,
    indices: &[usize],
) -> Result<(), DbError> {
    let mut insert = Query::insert();
    insert.into_table(Alias::new("bars")).columns(
        [
            "symbol_id",
            "day",
            "open",
            "high",
            "low",
            "close",
            "volume",
            "adj_close",
        ]
        .map(Alias::new),
    );
    for &i in indices {
        insert.values_panic([
            symbol_id.into(),
            series.time()[i].day_number().into(),
            series.open()[i].into(),
            series.high()[i].into(),
            series.low()[i].into(),
            series.close()[i].into(),
            series.volume()[i].into(),
            series.adj_close().map(|a| a[i]).into(),
        ]);
    }
    insert.on_conflict(
        OnConflict::columns(["symbol_id", "day"].map(Alias::new))
            .update_columns(["open", "high", "low", "close", "volume", "adj_close"].map(Alias::new))
            .to_owned(),
    );
    txn.execute(&insert).await?;
    Ok(())
}

/// The universe as stored, or `None` when the database holds no symbols yet.
pub async fn load(db: &DatabaseConnection) -> Result<Option<Universe>, DbError> {
    // Read first: an import committing during the load makes the version older than
    // the data, which costs one more reload, never a missed one.
    let version = crate::settings::get(db, VERSION_KEY).await?;
    let backend = db.get_database_backend();
    let symbol_rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, ticker, name, sector, is_demo FROM symbols WHERE is_active ORDER BY id",
        ))
        .await?;
    if symbol_rows.is_empty() {
        return Ok(None);
    }
    let all_demo = symbol_rows
        .iter()
        .map(|row| row.try_get::<bool>("", "is_demo"))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .all(|demo| demo);
    if all_demo {
        return Ok(Some(Universe::demo()));
    }
    let mut by_id: HashMap<i64, usize> = HashMap::new();
    let mut entries: Vec<(Listing, Vec<Bar>)> = Vec::with_capacity(symbol_rows.len());
    for row in &symbol_rows {
        let id: i64 = row.try_get("", "id")?;
        by_id.insert(id, entries.len());
        let listing = Listing {
            symbol: row.try_get("", "ticker")?,
            name: row.try_get("", "name")?,
            sector: row.try_get("", "sector")?,
        };
        entries.push((listing, Vec::new()));
    }
    let bar_rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT symbol_id, day, open, high, low, close, volume, adj_close FROM bars ORDER BY symbol_id, day",
        ))
        .await?;
    for row in &bar_rows {
        let Some(&slot) = by_id.get(&row.try_get::<i64>("", "symbol_id")?) else {
            continue; // a symbol marked inactive
        };
        entries[slot].1.push(bar_from_row(row)?);
    }
    let mut universe = Vec::with_capacity(entries.len());
    for (listing, bars) in entries {
        // Stored bars passed validation on the way in; one that no longer does (edited
        // by hand in the database) drops its symbol with a warning rather than the start.
        match BarSeries::from_bars(listing.symbol.clone(), bars) {
            Ok(series) => universe.push((listing, series)),
            Err((index, problem)) => {
                tracing::warn!(symbol = %listing.symbol, index, %problem, "stored bars are invalid; symbol left out");
            }
        }
    }
    let mut universe = Universe::new(Source::Imported, universe);
    universe.version = version;
    Ok(Some(universe))
}

fn bar_from_row(row: &QueryResult) -> Result<Bar, DbError> {
    let day: i64 = row.try_get("", "day")?;
    Ok(Bar {
        time: BarTime::from_unix_seconds(day * 86_400),
        open: row.try_get("", "open")?,
        high: row.try_get("", "high")?,
        low: row.try_get("", "low")?,
        close: row.try_get("", "close")?,
        volume: row.try_get("", "volume")?,
        adj_close: row.try_get("", "adj_close")?,
    })
}
