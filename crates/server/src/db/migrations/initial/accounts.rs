//! Accounts: users, their one-time tokens, login sessions and API keys.

use super::super::table::*;
use sea_orm_migration::prelude::*;

pub async fn create(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    TableSpec::new("users")
        // Normalised (trimmed, lower-cased) by the application; the check keeps a
        // mixed-case copy from slipping past the unique index.
        .col(
            text("email")
                .check(Expr::cust("email = lower(email)"))
                .take(),
        )
        .col(ts_null("email_verified_at"))
        .col(text_null("password_hash"))
        .col(text_null("display_name"))
        .col(text_default("role", "user"))
        .col(text_default("status", "active"))
        .col(text_null("totp_secret"))
        .col(ts_null("totp_enabled_at"))
        .col(json_null("recovery_codes"))
        .col(int("failed_login_count", 0))
        .col(ts_null("locked_until"))
        .col(ts_null("last_login_at"))
        .col(text_null("stripe_customer_id"))
        .timestamps()
        // Accounts are never hard-deleted while payments or audit rows point at them;
        // erasure anonymises the row and sets this.
        .col(ts_null("deleted_at"))
        .unique(&["email"])
        .unique(&["stripe_customer_id"])
        .index(&["status"])
        .index(&["role"])
        .index(&["created_at"])
        .create(manager)
        .await?;

    // Email verification, password reset, email change and magic links: only the hash
    // of the token is stored.
    TableSpec::new("user_tokens")
        .fk("user_id", "users", false, ForeignKeyAction::Cascade)
        .col(text("purpose"))
        .col(text("token_hash"))
        .col(json_null("data"))
        .col(ts("expires_at"))
        .col(ts_null("used_at"))
        .col(ts("created_at"))
        .unique(&["token_hash"])
        .index(&["user_id", "purpose"])
        .index(&["expires_at"])
        .create(manager)
        .await?;

    // A login session is one refresh token family: each refresh rotates the token
    // (generation + 1); presenting an already-rotated token revokes the whole family.
    TableSpec::new("sessions")
        .fk("user_id", "users", false, ForeignKeyAction::Cascade)
        .col(text("family_id"))
        .col(int("generation", 0))
        .col(text("refresh_token_hash"))
        .col(ts_null("rotated_at"))
        .col(ts_null("revoked_at"))
        .col(text_null("revoked_reason"))
        .col(text_null("ip"))
        .col(text_null("user_agent"))
        .col(ts("expires_at"))
        .col(ts_null("last_used_at"))
        .col(ts("created_at"))
        .unique(&["refresh_token_hash"])
        .index(&["user_id"])
        .index(&["family_id"])
        .index(&["expires_at"])
        .create(manager)
        .await?;

    // An API key is shown once; the public prefix finds the row, the hash verifies it.
    TableSpec::new("api_keys")
        .fk("user_id", "users", false, ForeignKeyAction::Cascade)
        .col(text("name"))
        .col(text("prefix"))
        .col(text("key_hash"))
        .col(json("scopes"))
        .col(ts_null("last_used_at"))
        .col(ts_null("expires_at"))
        .col(ts_null("revoked_at"))
        .col(ts("created_at"))
        .unique(&["prefix"])
        .unique(&["key_hash"])
        .index(&["user_id"])
        .create(manager)
        .await
}
