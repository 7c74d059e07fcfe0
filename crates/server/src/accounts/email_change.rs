//! Changing the sign-in email: it takes the password and, with two-factor sign-in on, a
//! current code; the new address must then be confirmed from a link sent to it (the same
//! verification page as at sign-up). Every session ends once the change is confirmed.

use super::entities::user;
use super::signup::{issue_token, Purpose};
use super::{
    find_by_email, lock_user, name_of, normalise_email, record, sessions, user_target,
    AccountError, AccountResult, Accounts, Context,
};
use crate::db::begin_write;
use crate::email::templates::EmailVerification;
use crate::email::{Email, Enqueue};
use chrono::{Duration as Span, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};

impl Accounts {
    /// Sends a confirmation link to `new_email` after checking who is asking.
    pub async fn request_email_change(
        &self,
        db: &DatabaseConnection,
        user: &user::Model,
        new_email: &str,
        password: &str,
        code: Option<&str>,
        ctx: &Context,
    ) -> AccountResult<()> {
        let new_email = normalise_email(new_email)?;
        if new_email == user.email {
            return Err(AccountError::invalid(
                "new_email",
                "is your current address",
            ));
        }
        self.confirm_identity(db, user, password, code, ctx).await?;
        if find_by_email(db, &new_email).await?.is_some() {
            // Said only to someone who proved they own this account.
            return Err(AccountError::Conflict(
                "another account uses that address".into(),
            ));
        }
        let txn = begin_write(db).await?;
        let token = issue_token(
            &txn,
            user.id,
            Purpose::ChangeEmail,
            Span::hours(i64::from(super::signup::VERIFY_HOURS)),
            Some(serde_json::json!({"email": new_email})),
        )
        .await?;
        self.mailer
            .outbox
            .enqueue(
                &txn,
                &new_email,
                &Email::EmailVerification(EmailVerification {
                    name: name_of(user),
                    token,
                    expires_hours: super::signup::VERIFY_HOURS,
                }),
                Enqueue {
                    user_id: Some(user.id),
                    ..Enqueue::default()
                },
            )
            .await?;
        let mut event = ctx.event(
            "user.email_change_requested",
            Some(user.id),
            user_target(user.id),
        );
        event.details = serde_json::json!({"new_email": new_email});
        record(&txn, event).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Applies a confirmed change (the token row is already used up by the caller).
    pub(super) async fn apply_email_change<C: sea_orm::ConnectionTrait>(
        &self,
        txn: &C,
        user_id: i64,
        new_email: &str,
        ctx: &Context,
    ) -> AccountResult<user::Model> {
        if find_by_email(txn, new_email).await?.is_some() {
            return Err(AccountError::Conflict(
                "another account uses that address now".into(),
            ));
        }
        let user = lock_user(txn, user_id)
            .await?
            .ok_or(AccountError::InvalidToken)?;
        let old = user.email.clone();
        let mut active: user::ActiveModel = user.into();
        active.email = Set(new_email.to_string());
        active.email_verified_at = Set(Some(Utc::now()));
        let user = active.update(txn).await?;
        sessions::revoke_all(txn, user.id, "email changed", None).await?;
        let mut event = ctx.event("user.email_changed", Some(user.id), user_target(user.id));
        event.details = serde_json::json!({"from": old, "to": new_email});
        record(txn, event).await?;
        Ok(user)
    }
}
