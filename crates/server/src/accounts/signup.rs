//! Sign-up and email verification, and the single-use tokens behind every emailed link.
//!
//! Registering an address that already has an account answers exactly as a new one
//! does, after the same work (a password hash), and sends nothing: the response and its
//! timing do not tell who has an account.

use super::entities::{user, user_token};
use super::{
    find_by_email, name_of, normalise_email, record, user_target, AccountError, AccountResult,
    Accounts, Context,
};
use crate::auth::password;
use crate::auth::secrets::{digest, random_token};
use crate::db::begin_write;
use crate::email::templates::{EmailVerification, Welcome};
use crate::email::Email;
use chrono::{DateTime, Duration as Span, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, EntityTrait, QueryFilter,
};

pub const VERIFY_HOURS: u32 = 24;
pub const DISPLAY_NAME_MAX: usize = 100;

/// What a single-use token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    ChangeEmail,
    TwoFactorChallenge,
}

impl Purpose {
    fn name(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::ChangeEmail => "change_email",
            Purpose::TwoFactorChallenge => "two_factor",
        }
    }
}

/// Writes a new single-use token for `user_id` and returns it (only its digest is kept).
pub async fn issue_token<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    purpose: Purpose,
    lifetime: Span,
    data: Option<serde_json::Value>,
) -> AccountResult<String> {
    let token = random_token()?;
    let now = Utc::now();
    user_token::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        purpose: Set(purpose.name().to_string()),
        token_hash: Set(digest(&token)),
        data: Set(data),
        expires_at: Set(now + lifetime),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The live token row for `token`, without using it up.
pub async fn find_token<C: ConnectionTrait>(
    db: &C,
    token: &str,
    purpose: Purpose,
) -> AccountResult<user_token::Model> {
    user_token::Entity::find()
        .filter(user_token::Column::TokenHash.eq(digest(token)))
        .filter(user_token::Column::Purpose.eq(purpose.name()))
        .filter(user_token::Column::UsedAt.is_null())
        .filter(user_token::Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await?
        .ok_or(AccountError::InvalidToken)
}

/// Marks a token used; false when another request used it first.
pub async fn use_token<C: ConnectionTrait>(
    db: &C,
    id: i64,
    at: DateTime<Utc>,
) -> AccountResult<bool> {
    Ok(user_token::Entity::update_many()
        .col_expr(user_token::Column::UsedAt, Expr::value(at))
        .filter(user_token::Column::Id.eq(id))
        .filter(user_token::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// A sign-up as submitted.
#[derive(Debug, Clone)]
pub struct Registration {
    pub email: String,
    pub password: String,
    pub display_name: Option<String>,
}

impl Accounts {
    /// Registers an account and mails the verification link. Answers the same whether
    /// or not the address is taken.
    pub async fn register(
        &self,
        db: &DatabaseConnection,
        form: Registration,
        ctx: &Context,
    ) -> AccountResult<()> {
        let email = normalise_email(&form.email)?;
        let display_name = match form.display_name.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) if name.chars().count() > DISPLAY_NAME_MAX => {
                return Err(AccountError::invalid(
                    "display_name",
                    format!("is longer than {DISPLAY_NAME_MAX} characters"),
                ))
            }
            Some(name) if name.chars().any(char::is_control) => {
                return Err(AccountError::invalid(
                    "display_name",
                    "contains a line break or control character",
                ))
            }
            Some(name) => Some(name.to_string()),
        };
        let mut inputs = vec![email.as_str()];
        inputs.extend(email.split('@').next());
        inputs.extend(display_name.as_deref());
        password::check_new(&form.password, &inputs, self.settings.password_min_score)?;
        // Hash before looking the address up, so both paths cost the same.
        let hash = self.passwords.hash(&form.password).await?;
        if find_by_email(db, &email).await?.is_some() {
            let mut event = ctx.event("user.register_existing", None, None);
            event.details = serde_json::json!({"email": email});
            record(db, event).await?;
            return Ok(());
        }
        let now = Utc::now();
        let txn = begin_write(db).await?;
        let inserted = user::ActiveModel {
            id: NotSet,
            email: Set(email.clone()),
            email_verified_at: Set(None),
            password_hash: Set(Some(hash)),
            display_name: Set(display_name),
            role: Set("user".into()),
            status: Set("active".into()),
            totp_secret: Set(None),
            totp_enabled_at: Set(None),
            recovery_codes: Set(None),
            failed_login_count: Set(0),
            locked_until: Set(None),
            last_login_at: Set(None),
            stripe_customer_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            deleted_at: Set(None),
            totp_last_step: Set(None),
            lockout_count: Set(0),
            password_changed_at: Set(Some(now)),
        }
        .insert(&txn)
        .await;
        let user = match inserted {
            Ok(user) => user,
            // A concurrent registration of the same address won the unique index:
            // answer as for any taken address.
            Err(e) if is_unique_violation(&e) => {
                txn.rollback().await?;
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        let token = issue_token(
            &txn,
            user.id,
            Purpose::VerifyEmail,
            Span::hours(i64::from(VERIFY_HOURS)),
            None,
        )
        .await?;
        self.send(
            &txn,
            &user,
            Email::EmailVerification(EmailVerification {
                name: name_of(&user),
                token,
                expires_hours: VERIFY_HOURS,
            }),
        )
        .await?;
        record(
            &txn,
            ctx.event("user.registered", Some(user.id), user_target(user.id)),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Confirms the address a verification link was sent to: a new account's (which
    /// then gets the welcome mail) or the new address of an email change.
    pub async fn verify_email(
        &self,
        db: &DatabaseConnection,
        token: &str,
        ctx: &Context,
    ) -> AccountResult<user::Model> {
        let row = match find_token(db, token, Purpose::VerifyEmail).await {
            Err(AccountError::InvalidToken) => find_token(db, token, Purpose::ChangeEmail).await?,
            other => other?,
        };
        let now = Utc::now();
        let txn = begin_write(db).await?;
        if !use_token(&txn, row.id, now).await? {
            return Err(AccountError::InvalidToken);
        }
        if let Some(new_email) = row.data.as_ref().and_then(|d| d["email"].as_str()) {
            let user = self
                .apply_email_change(&txn, row.user_id, new_email, ctx)
                .await?;
            txn.commit().await?;
            return Ok(user);
        }
        let user = user::Entity::find_by_id(row.user_id)
            .one(&txn)
            .await?
            .ok_or(AccountError::InvalidToken)?;
        let first_time = user.email_verified_at.is_none();
        let mut active: user::ActiveModel = user.into();
        active.email_verified_at = Set(Some(now));
        active.updated_at = Set(now);
        let user = active.update(&txn).await?;
        if first_time {
            self.send(
                &txn,
                &user,
                Email::Welcome(Welcome {
                    name: name_of(&user),
                }),
            )
            .await?;
        }
        record(
            &txn,
            ctx.event("user.verified", Some(user.id), user_target(user.id)),
        )
        .await?;
        txn.commit().await?;
        Ok(user)
    }
}

pub fn is_unique_violation(error: &sea_orm::DbErr) -> bool {
    matches!(
        error.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
