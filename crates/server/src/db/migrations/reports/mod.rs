//! What the monthly report needs: campaigns that name the month they cover (one per
//! template and month), and an index for the retention of scan runs. Only adds.
//!
//! Per-user scan activity itself lives in `scan_runs` (initial schema), which already
//! has one row per evaluation with its user, time, match count and ranked results.

use super::table::*;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000003_reports"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // `YYYY-MM` for a monthly report campaign; NULL for broadcasts.
        manager
            .alter_table(
                Table::alter()
                    .table("email_campaigns")
                    .add_column(text_null("month"))
                    .to_owned(),
            )
            .await?;
        // One report campaign per month however many instances start it: the second
        // insert conflicts. NULL months (broadcasts) never conflict on either backend.
        manager
            .create_index(
                Index::create()
                    .name("ux_email_campaigns_template_month")
                    .table("email_campaigns")
                    .col("template")
                    .col("month")
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Retention deletes old runs by time alone; (user_id, started_at) cannot serve it.
        manager
            .create_index(
                Index::create()
                    .name("ix_scan_runs_started_at")
                    .table("scan_runs")
                    .col("started_at")
                    .to_owned(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
