//! Scans and what hangs off them: runs, alerts, alert events, and watchlists.

use super::super::table::*;
use sea_orm_migration::prelude::*;

pub async fn create(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    TableSpec::new("scans")
        .fk("user_id", "users", false, ForeignKeyAction::Cascade)
        .col(text("name"))
        .col(text_null("description"))
        .col(text("expression"))
        .col(text_default("timeframe", "1d"))
        .col(json_null("universe"))
        .col(text_null("rank_by"))
        .col(flag("is_public", false))
        .timestamps()
        .col(ts_null("deleted_at"))
        .index(&["user_id", "name"])
        .index(&["is_public"])
        .create(manager)
        .await?;

    // One evaluation of a scan over the universe; `results` keeps the ranked matches so
    // match history can be queried later. Ad-hoc runs have no `scan_id`.
    TableSpec::new("scan_runs")
        .fk("scan_id", "scans", true, ForeignKeyAction::SetNull)
        .fk("user_id", "users", true, ForeignKeyAction::SetNull)
        .col(text("expression"))
        .col(text_default("triggered_by", "manual"))
        .col(text_default("status", "running"))
        .col(big_null("as_of_day"))
        .col(int_null("symbols_scanned"))
        .col(int_null("match_count"))
        .col(json_null("results"))
        .col(text_null("error"))
        .col(big_null("duration_ms"))
        .col(ts("started_at"))
        .col(ts_null("finished_at"))
        .index(&["scan_id", "started_at"])
        .index(&["user_id", "started_at"])
        .index(&["status"])
        .create(manager)
        .await?;

    // An alert watches a scan and notifies when symbols start matching.
    TableSpec::new("alerts")
        .fk("user_id", "users", false, ForeignKeyAction::Cascade)
        .fk("scan_id", "scans", false, ForeignKeyAction::Cascade)
        .col(text("name"))
        .col(json("channels"))
        .col(text_null("webhook_url"))
        .col(text_null("webhook_secret"))
        .col(text_null("schedule"))
        .col(flag("is_active", true))
        .col(json_null("last_matches"))
        .col(ts_null("last_run_at"))
        .col(ts_null("last_triggered_at"))
        .timestamps()
        .index(&["user_id"])
        .index(&["scan_id"])
        .index(&["is_active", "last_run_at"])
        .create(manager)
        .await?;

    // One firing of an alert: which symbols newly matched and how delivery went.
    TableSpec::new("alert_events")
        .fk("alert_id", "alerts", false, ForeignKeyAction::Cascade)
        .fk("scan_run_id", "scan_runs", true, ForeignKeyAction::SetNull)
        .col(json("new_matches"))
        .col(int("match_count", 0))
        .col(text_default("delivery_status", "pending"))
        .col(int("delivery_attempts", 0))
        .col(int_null("webhook_status_code"))
        .col(text_null("last_error"))
        .col(ts_null("delivered_at"))
        .col(ts_null("seen_at"))
        .col(ts("created_at"))
        .index(&["alert_id", "created_at"])
        .index(&["delivery_status"])
        .create(manager)
        .await?;

    TableSpec::new("watchlists")
        .fk("user_id", "users", false, ForeignKeyAction::Cascade)
        .col(text("name"))
        .col(text_null("description"))
        .timestamps()
        .unique(&["user_id", "name"])
        .create(manager)
        .await?;

    TableSpec::new("watchlist_items")
        .fk(
            "watchlist_id",
            "watchlists",
            false,
            ForeignKeyAction::Cascade,
        )
        .fk("symbol_id", "symbols", false, ForeignKeyAction::Cascade)
        .col(int("position", 0))
        .col(text_null("note"))
        .col(ts("created_at"))
        .unique(&["watchlist_id", "symbol_id"])
        .create(manager)
        .await
}
