//! Turning two-factor sign-in on and off, and recovery codes.
//!
//! Setup stores a pending secret and shows it (URI and QR code); it takes effect only
//! when the user confirms with a first code, which also returns the ten recovery codes,
//! shown this once. Turning it off, or making new recovery codes, takes the password and
//! a current code.

use super::entities::user;
use super::{
    lock_user, name_of, record, user_target, AccountError, AccountResult, Accounts, Context,
};
use crate::auth::{recovery, totp};
use crate::db::begin_write;
use crate::email::templates::{TwoFactorDisabled, TwoFactorEnabled};
use crate::email::Email;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};

impl Accounts {
    /// Starts (or restarts) enrolment with a new secret.
    pub async fn two_factor_setup(
        &self,
        db: &DatabaseConnection,
        user: &user::Model,
    ) -> AccountResult<totp::Enrolment> {
        if user.totp_enabled_at.is_some() {
            return Err(AccountError::Conflict(
                "two-factor sign-in is already on; turn it off first to use another app".into(),
            ));
        }
        let enrolment = totp::enrol(&self.issuer, &user.email)?;
        let mut active: user::ActiveModel = user.clone().into();
        active.totp_secret = Set(Some(enrolment.secret.clone()));
        active.totp_last_step = Set(None);
        active.updated_at = Set(Utc::now());
        active.update(db).await?;
        Ok(enrolment)
    }

    /// Confirms enrolment with a first code; returns the recovery codes.
    pub async fn two_factor_confirm(
        &self,
        db: &DatabaseConnection,
        user: &user::Model,
        code: &str,
        ctx: &Context,
    ) -> AccountResult<Vec<String>> {
        if user.totp_enabled_at.is_some() {
            return Err(AccountError::Conflict(
                "two-factor sign-in is already on".into(),
            ));
        }
        if user.totp_secret.is_none() {
            return Err(AccountError::Conflict(
                "start the setup first: no authenticator secret is pending".into(),
            ));
        }
        if !self.accept_totp(db, user, code).await? {
            return Err(AccountError::invalid(
                "code",
                "the code is wrong; check the app's clock",
            ));
        }
        let codes = recovery::generate()?;
        let txn = begin_write(db).await?;
        let user = lock_user(&txn, user.id)
            .await?
            .ok_or(AccountError::SessionEnded)?;
        let mut active: user::ActiveModel = user.clone().into();
        active.totp_enabled_at = Set(Some(Utc::now()));
        active.recovery_codes = Set(Some(stored(&codes)));
        active.update(&txn).await?;
        record(
            &txn,
            ctx.event(
                "user.two_factor_enabled",
                Some(user.id),
                user_target(user.id),
            ),
        )
        .await?;
        self.send(
            &txn,
            &user,
            Email::TwoFactorEnabled(TwoFactorEnabled {
                name: name_of(&user),
                at: Utc::now(),
            }),
        )
        .await?;
        txn.commit().await?;
        Ok(codes)
    }

    /// Checks the password and a current code (app or recovery) before a sensitive change.
    pub async fn confirm_identity(
        &self,
        db: &DatabaseConnection,
        user: &user::Model,
        password: &str,
        code: Option<&str>,
        ctx: &Context,
    ) -> AccountResult<()> {
        if !self
            .passwords
            .verify(password, user.password_hash.as_deref())
            .await?
        {
            return Err(AccountError::invalid("password", "is wrong"));
        }
        if user.totp_enabled_at.is_none() {
            return Ok(());
        }
        let code = code.unwrap_or_default();
        if code.is_empty() {
            return Err(AccountError::invalid("code", "enter a code from your app"));
        }
        if self.accept_totp(db, user, code).await?
            || self.redeem_recovery_code(db, user, code, ctx).await?
        {
            Ok(())
        } else {
            record(
                db,
                ctx.event(
                    "auth.two_factor_failed",
                    Some(user.id),
                    user_target(user.id),
                ),
            )
            .await?;
            Err(AccountError::invalid("code", "the code is wrong"))
        }
    }

    pub async fn two_factor_disable(
        &self,
        db: &DatabaseConnection,
        user: &user::Model,
        password: &str,
        code: Option<&str>,
        ctx: &Context,
    ) -> AccountResult<()> {
        if user.totp_enabled_at.is_none() {
            return Err(AccountError::Conflict(
                "two-factor sign-in is not on".into(),
            ));
        }
        self.confirm_identity(db, user, password, code, ctx).await?;
        let txn = begin_write(db).await?;
        let user = lock_user(&txn, user.id)
            .await?
            .ok_or(AccountError::SessionEnded)?;
        let mut active: user::ActiveModel = user.clone().into();
        active.totp_enabled_at = Set(None);
        active.totp_secret = Set(None);
        active.totp_last_step = Set(None);
        active.recovery_codes = Set(None);
        active.update(&txn).await?;
        record(
            &txn,
            ctx.event(
                "user.two_factor_disabled",
                Some(user.id),
                user_target(user.id),
            ),
        )
        .await?;
        self.send(
            &txn,
            &user,
            Email::TwoFactorDisabled(TwoFactorDisabled {
                name: name_of(&user),
                at: Utc::now(),
                ip: ctx.ip_text(),
            }),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Replaces the recovery codes with ten new ones, returned this once.
    pub async fn regenerate_recovery_codes(
        &self,
        db: &DatabaseConnection,
        user: &user::Model,
        password: &str,
        code: Option<&str>,
        ctx: &Context,
    ) -> AccountResult<Vec<String>> {
        if user.totp_enabled_at.is_none() {
            return Err(AccountError::Conflict(
                "two-factor sign-in is not on".into(),
            ));
        }
        self.confirm_identity(db, user, password, code, ctx).await?;
        let codes = recovery::generate()?;
        let txn = begin_write(db).await?;
        let user = lock_user(&txn, user.id)
            .await?
            .ok_or(AccountError::SessionEnded)?;
        let mut active: user::ActiveModel = user.clone().into();
        active.recovery_codes = Set(Some(stored(&codes)));
        active.update(&txn).await?;
        record(
            &txn,
            ctx.event(
                "user.recovery_codes_regenerated",
                Some(user.id),
                user_target(user.id),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(codes)
    }
}

fn stored(codes: &[String]) -> serde_json::Value {
    serde_json::json!(codes
        .iter()
        .map(|c| recovery::stored_form(c))
        .collect::<Vec<_>>())
}
