//! Forgotten, reset and changed passwords. A reset link is single-use, valid one hour
//! and stored as a digest; it does not get around two-factor sign-in (the reset asks for
//! a code when the account has it on). An unknown address gets the same answer and no
//! mail. Every change of password ends every session.

use super::entities::user;
use super::signup::{find_token, issue_token, use_token, Purpose};
use super::{
    find_by_email, lock_user, name_of, record, sessions, user_target, AccountError, AccountResult,
    Accounts, Context,
};
use crate::auth::password;
use crate::db::begin_write;
use crate::email::templates::{PasswordChanged, PasswordReset};
use crate::email::Email;
use chrono::{Duration as Span, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};

pub const RESET_MINUTES: u32 = 60;

/// A reset as submitted from the emailed link.
#[derive(Debug, Clone)]
pub struct Reset {
    pub token: String,
    pub password: String,
    /// Required when the account has two-factor sign-in: an app or recovery code.
    pub code: Option<String>,
}

impl Accounts {
    /// Mails a reset link if the address has an active account; answers the same either way.
    pub async fn forgot_password(
        &self,
        db: &DatabaseConnection,
        email: &str,
        ctx: &Context,
    ) -> AccountResult<()> {
        let email = email.trim().to_lowercase();
        let Some(user) = find_by_email(db, &email).await? else {
            return Ok(());
        };
        if user.status != "active" {
            return Ok(());
        }
        let txn = begin_write(db).await?;
        let token = issue_token(
            &txn,
            user.id,
            Purpose::ResetPassword,
            Span::minutes(i64::from(RESET_MINUTES)),
            None,
        )
        .await?;
        self.send(
            &txn,
            &user,
            Email::PasswordReset(PasswordReset {
                name: name_of(&user),
                token,
                expires_minutes: RESET_MINUTES,
                ip: ctx.ip_text(),
            }),
        )
        .await?;
        record(
            &txn,
            ctx.event("user.password_reset_requested", None, user_target(user.id)),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Sets a new password from a reset link. Ends every session and any lockout.
    pub async fn reset_password(
        &self,
        db: &DatabaseConnection,
        reset: &Reset,
        ctx: &Context,
    ) -> AccountResult<()> {
        let row = find_token(db, &reset.token, Purpose::ResetPassword).await?;
        let user = super::find_user(db, row.user_id)
            .await?
            .ok_or(AccountError::InvalidToken)?;
        self.check_new_password(&user, &reset.password)?;
        if user.totp_enabled_at.is_some() {
            let code = reset.code.as_deref().unwrap_or_default();
            if code.is_empty() {
                return Err(AccountError::invalid(
                    "code",
                    "this account has two-factor sign-in: enter a code from your app or a recovery code",
                ));
            }
            let passed = self.accept_totp(db, &user, code).await?
                || self.redeem_recovery_code(db, &user, code, ctx).await?;
            if !passed {
                let mut event = ctx.event("auth.two_factor_failed", None, user_target(user.id));
                event.details = serde_json::json!({"during": "password reset"});
                record(db, event).await?;
                return Err(AccountError::invalid("code", "the code is wrong"));
            }
        }
        let hash = self.passwords.hash(&reset.password).await?;
        let now = Utc::now();
        let txn = begin_write(db).await?;
        if !use_token(&txn, row.id, now).await? {
            return Err(AccountError::InvalidToken);
        }
        let user = lock_user(&txn, user.id)
            .await?
            .ok_or(AccountError::InvalidToken)?;
        self.store_password(&txn, &user, hash, "password reset", ctx)
            .await?;
        record(
            &txn,
            ctx.event("user.password_reset", None, user_target(user.id)),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Changes the password of a signed-in user who knows the current one. Ends every
    /// session; the caller starts a fresh one for the user.
    pub async fn change_password(
        &self,
        db: &DatabaseConnection,
        user: &user::Model,
        current: &str,
        new: &str,
        ctx: &Context,
    ) -> AccountResult<()> {
        if !self
            .passwords
            .verify(current, user.password_hash.as_deref())
            .await?
        {
            record(
                db,
                ctx.event(
                    "user.password_change_failed",
                    Some(user.id),
                    user_target(user.id),
                ),
            )
            .await?;
            return Err(AccountError::invalid("current_password", "is wrong"));
        }
        self.check_new_password(user, new)?;
        let hash = self.passwords.hash(new).await?;
        let txn = begin_write(db).await?;
        let user = lock_user(&txn, user.id)
            .await?
            .ok_or(AccountError::SessionEnded)?;
        self.store_password(&txn, &user, hash, "password changed", ctx)
            .await?;
        record(
            &txn,
            ctx.event("user.password_changed", Some(user.id), user_target(user.id)),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    fn check_new_password(&self, user: &user::Model, password: &str) -> AccountResult<()> {
        let mut inputs = vec![user.email.as_str()];
        inputs.extend(user.email.split('@').next());
        inputs.extend(user.display_name.as_deref());
        password::check_new(password, &inputs, self.settings.password_min_score)?;
        Ok(())
    }

    async fn store_password<C: sea_orm::ConnectionTrait>(
        &self,
        txn: &C,
        user: &user::Model,
        hash: String,
        reason: &str,
        ctx: &Context,
    ) -> AccountResult<()> {
        let now = Utc::now();
        let mut active: user::ActiveModel = user.clone().into();
        active.password_hash = Set(Some(hash));
        active.password_changed_at = Set(Some(now));
        active.failed_login_count = Set(0);
        active.lockout_count = Set(0);
        active.locked_until = Set(None);
        active.updated_at = Set(now);
        active.update(txn).await?;
        sessions::revoke_all(txn, user.id, reason, None).await?;
        self.send(
            txn,
            user,
            Email::PasswordChanged(PasswordChanged {
                name: name_of(user),
                at: now,
                ip: ctx.ip_text(),
            }),
        )
        .await
    }
}
