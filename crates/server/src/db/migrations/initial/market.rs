//! Market data: the symbol universe and daily bars.

use super::super::table::*;
use sea_orm_migration::prelude::*;

pub async fn create(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    TableSpec::new("symbols")
        .col(text("ticker"))
        .col(text_null("name"))
        .col(text_null("exchange"))
        .col(text_default("asset_type", "stock"))
        .col(
            ColumnDef::new("currency")
                .char_len(3)
                .not_null()
                .default("usd")
                .take(),
        )
        .col(text_null("sector"))
        .col(text_null("industry"))
        .col(flag("is_active", true))
        // Synthetic demo symbols are labelled as such everywhere they are shown.
        .col(flag("is_demo", false))
        .timestamps()
        .unique(&["ticker"])
        .index(&["exchange"])
        .index(&["sector"])
        .create(manager)
        .await?;

    // `day` is the bar's date as whole days since 1970-01-01 (the engine's
    // `BarTime::day_number`): an integer sorts, compares and ranges the same way on both
    // backends, unlike SQLite's text dates. Prices are floats as in the engine.
    TableSpec::new("bars")
        .fk("symbol_id", "symbols", false, ForeignKeyAction::Cascade)
        .col(big("day"))
        .col(double("open"))
        .col(double("high"))
        .col(double("low"))
        .col(double("close"))
        .col(double("volume"))
        .col(double_null("adj_close"))
        .unique(&["symbol_id", "day"])
        .index(&["day"])
        .create(manager)
        .await
}
