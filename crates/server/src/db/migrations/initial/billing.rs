//! Billing: a user's membership (plan and Stripe subscription), invoices and payments.
//! Money is an integer amount in minor units beside its currency code.

use super::super::table::*;
use sea_orm_migration::prelude::*;

pub async fn create(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    // One membership per user, updated in place as Stripe events arrive; the invoices
    // and the audit log keep the history.
    TableSpec::new("memberships")
        .fk("user_id", "users", false, ForeignKeyAction::Cascade)
        .col(text_default("plan", "free"))
        .col(text_default("status", "active"))
        .col(ts_null("trial_ends_at"))
        .col(ts_null("current_period_start"))
        .col(ts_null("current_period_end"))
        .col(flag("cancel_at_period_end", false))
        .col(ts_null("canceled_at"))
        .col(text_null("stripe_customer_id"))
        .col(text_null("stripe_subscription_id"))
        .col(text_null("stripe_price_id"))
        .timestamps()
        .unique(&["user_id"])
        .unique(&["stripe_subscription_id"])
        .index(&["stripe_customer_id"])
        .index(&["status"])
        .index(&["plan"])
        .index(&["current_period_end"])
        .index(&["trial_ends_at"])
        .create(manager)
        .await?;

    // Financial records outlive nothing: deleting a user with invoices is refused.
    TableSpec::new("invoices")
        .fk("user_id", "users", false, ForeignKeyAction::Restrict)
        .fk(
            "membership_id",
            "memberships",
            true,
            ForeignKeyAction::SetNull,
        )
        .col(text_null("number"))
        .col(text_default("status", "draft"))
        .col(currency())
        .col(money("subtotal_minor"))
        .col(money("tax_minor"))
        .col(money("total_minor"))
        .col(money("amount_paid_minor"))
        .col(ts_null("period_start"))
        .col(ts_null("period_end"))
        .col(text_null("stripe_invoice_id"))
        .col(text_null("hosted_invoice_url"))
        .col(text_null("pdf_url"))
        .col(ts_null("issued_at"))
        .col(ts_null("paid_at"))
        .timestamps()
        .unique(&["number"])
        .unique(&["stripe_invoice_id"])
        .index(&["user_id", "created_at"])
        .index(&["status"])
        .create(manager)
        .await?;

    TableSpec::new("payments")
        .fk("user_id", "users", false, ForeignKeyAction::Restrict)
        .fk("invoice_id", "invoices", true, ForeignKeyAction::Restrict)
        .col(text_default("provider", "stripe"))
        .col(text_null("provider_payment_id"))
        .col(text_default("status", "pending"))
        .col(currency())
        .col(money("amount_minor"))
        .col(money("refunded_minor"))
        .col(text_null("description"))
        .col(text_null("failure_reason"))
        .timestamps()
        .unique(&["provider", "provider_payment_id"])
        .index(&["user_id", "created_at"])
        .index(&["status"])
        .create(manager)
        .await
}
