//! Signing in: the password step with its lockout, the two-factor step, and what a
//! successful sign-in does (a session, a remembered device, mail for a new device).
//!
//! Lockout policy (docs/security.md): after `LOCKOUT_THRESHOLD` wrong passwords in a
//! row an account is locked for `LOCKOUT_DURATION`, doubling with each further lockout
//! up to `LOCKOUT_MAX_DURATION`; a correct password resets both counts. While locked,
//! no password is checked and the answer is the same "wrong email or password", so a
//! lock tells an attacker nothing. So that an attacker cannot keep a user locked out,
//! a browser or app the user has signed in from before (it holds a device token) is
//! counted separately: the account-wide lock does not apply to it, only its own count.
//! A password reset by email also ends a lock.

use super::entities::{known_device, session, user, user_token};
use super::sessions::{SessionKind, Tokens};
use super::signup::{find_token, issue_token, use_token, Purpose};
use super::{
    find_by_email, lock_user, name_of, record, span, user_target, AccountError, AccountResult,
    Accounts, Context,
};
use crate::auth::secrets::{digest, random_token};
use crate::auth::{recovery, totp};
use crate::db::begin_write;
use crate::email::templates::{AccountLocked, NewSignIn, RecoveryCodeUsed};
use crate::email::Email;
use chrono::{DateTime, Duration as Span, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};

/// Attempts allowed on one two-factor challenge.
pub const CHALLENGE_ATTEMPTS: u32 = 5;
/// How long the two-factor step may take.
pub const CHALLENGE_MINUTES: i64 = 5;

pub enum LoginOutcome {
    SignedIn(Box<SignedIn>),
    /// The password was right; a code is needed next, with this challenge.
    SecondFactor {
        challenge: String,
        expires_in: u64,
    },
}

pub struct SignedIn {
    pub user: user::Model,
    pub tokens: Tokens,
    /// A new device token to remember this browser or app by, when it had none.
    pub new_device_token: Option<String>,
}

/// The second step as submitted: a code from the app, or a recovery code.
#[derive(Debug, Clone)]
pub struct SecondFactor {
    pub challenge: String,
    pub code: Option<String>,
    pub recovery_code: Option<String>,
}

async fn device_of<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    ctx: &Context,
) -> AccountResult<Option<known_device::Model>> {
    let Some(token) = &ctx.device else {
        return Ok(None);
    };
    Ok(known_device::Entity::find()
        .filter(known_device::Column::TokenHash.eq(digest(token)))
        .filter(known_device::Column::UserId.eq(user_id))
        .one(db)
        .await?)
}

impl Accounts {
    /// The password step.
    pub async fn login(
        &self,
        db: &DatabaseConnection,
        email: &str,
        password: &str,
        kind: SessionKind,
        ctx: &Context,
    ) -> AccountResult<LoginOutcome> {
        let email = email.trim().to_lowercase();
        let Some(user) = find_by_email(db, &email).await? else {
            self.passwords.verify(password, None).await?;
            let mut event = ctx.event("auth.login_failed", None, Some(format!("email:{email}")));
            event.details = serde_json::json!({"reason": "unknown email"});
            record(db, event).await?;
            self.watch_for_stuffing(db, ctx).await?;
            return Err(AccountError::InvalidCredentials);
        };
        let now = Utc::now();
        let device = device_of(db, user.id, ctx).await?;
        let locked_until = match &device {
            Some(device) => device.locked_until,
            None => user.locked_until,
        };
        if locked_until.is_some_and(|until| until > now) {
            // Same work and answer as a wrong password, without checking this one.
            self.passwords.verify(password, None).await?;
            let mut event = ctx.event("auth.login_failed", Some(user.id), user_target(user.id));
            event.details = serde_json::json!({"reason": "locked"});
            record(db, event).await?;
            return Err(AccountError::InvalidCredentials);
        }
        let matched = self
            .passwords
            .verify(password, user.password_hash.as_deref())
            .await?;
        if !matched {
            self.failed_password(db, &user, device.as_ref(), ctx, now)
                .await?;
            self.watch_for_stuffing(db, ctx).await?;
            return Err(AccountError::InvalidCredentials);
        }
        if user.status != "active" {
            record(
                db,
                ctx.event("auth.login_refused", Some(user.id), user_target(user.id)),
            )
            .await?;
            return Err(AccountError::Suspended);
        }
        if user.email_verified_at.is_none() {
            return Err(AccountError::EmailNotVerified);
        }
        if user.totp_enabled_at.is_some() {
            let challenge = issue_token(
                db,
                user.id,
                Purpose::TwoFactorChallenge,
                Span::minutes(CHALLENGE_MINUTES),
                Some(serde_json::json!({"attempts": 0, "kind": kind.name()})),
            )
            .await?;
            record(
                db,
                ctx.event("auth.password_ok", Some(user.id), user_target(user.id)),
            )
            .await?;
            return Ok(LoginOutcome::SecondFactor {
                challenge,
                expires_in: u64::try_from(CHALLENGE_MINUTES * 60).unwrap_or(300),
            });
        }
        Ok(LoginOutcome::SignedIn(Box::new(
            self.complete_sign_in(db, user, kind, "password", ctx)
                .await?,
        )))
    }

    /// Counts a wrong password against the device (if known) or the account, locking
    /// it at the threshold.
    async fn failed_password(
        &self,
        db: &DatabaseConnection,
        user: &user::Model,
        device: Option<&known_device::Model>,
        ctx: &Context,
        now: DateTime<Utc>,
    ) -> AccountResult<()> {
        let policy = self.settings.lockout;
        let txn = begin_write(db).await?;
        let mut event = ctx.event("auth.login_failed", Some(user.id), user_target(user.id));
        event.details =
            serde_json::json!({"reason": "wrong password", "known_device": device.is_some()});
        record(&txn, event).await?;
        let threshold = i32::try_from(policy.threshold).unwrap_or(i32::MAX);
        match device {
            Some(device) => {
                let failures = device.failed_login_count + 1;
                let mut active: known_device::ActiveModel = device.clone().into();
                if failures >= threshold {
                    active.failed_login_count = Set(0);
                    active.locked_until = Set(Some(now + span(policy.base)));
                } else {
                    active.failed_login_count = Set(failures);
                }
                active.update(&txn).await?;
            }
            None => {
                let failures = user.failed_login_count + 1;
                let mut active: user::ActiveModel = user.clone().into();
                if failures >= threshold {
                    let nth = u32::try_from(user.lockout_count + 1).unwrap_or(1);
                    let until = now + span(policy.duration(nth));
                    active.failed_login_count = Set(0);
                    active.lockout_count = Set(user.lockout_count + 1);
                    active.locked_until = Set(Some(until));
                    let mut locked = ctx.event("auth.lockout", None, user_target(user.id));
                    locked.details = serde_json::json!({"until": until, "lockout": nth});
                    record(&txn, locked).await?;
                    self.send(
                        &txn,
                        user,
                        Email::AccountLocked(AccountLocked {
                            name: name_of(user),
                            until,
                            failed_attempts: policy.threshold,
                        }),
                    )
                    .await?;
                } else {
                    active.failed_login_count = Set(failures);
                }
                active.update(&txn).await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }

    /// The second step: a code from the authenticator app, or a recovery code.
    pub async fn login_second_factor(
        &self,
        db: &DatabaseConnection,
        step: &SecondFactor,
        ctx: &Context,
    ) -> AccountResult<LoginOutcome> {
        let challenge = find_token(db, &step.challenge, Purpose::TwoFactorChallenge).await?;
        let attempts = challenge
            .data
            .as_ref()
            .and_then(|d| d["attempts"].as_u64())
            .unwrap_or(0);
        let kind = match challenge.data.as_ref().and_then(|d| d["kind"].as_str()) {
            Some("web") => SessionKind::Web,
            _ => SessionKind::Api,
        };
        if attempts >= u64::from(CHALLENGE_ATTEMPTS) {
            return Err(AccountError::InvalidToken);
        }
        let user = super::find_user(db, challenge.user_id)
            .await?
            .ok_or(AccountError::InvalidToken)?;
        let method = match (&step.code, &step.recovery_code) {
            (Some(code), _) => self.accept_totp(db, &user, code).await?.then_some("totp"),
            (None, Some(code)) => self
                .redeem_recovery_code(db, &user, code, ctx)
                .await?
                .then_some("recovery_code"),
            (None, None) => {
                return Err(AccountError::invalid(
                    "code",
                    "send the 6-digit code from your app, or a recovery code",
                ))
            }
        };
        let Some(method) = method else {
            return Err(self
                .wrong_code(db, &challenge, attempts + 1, &user, ctx)
                .await?);
        };
        if !use_token(db, challenge.id, Utc::now()).await? {
            return Err(AccountError::InvalidToken);
        }
        Ok(LoginOutcome::SignedIn(Box::new(
            self.complete_sign_in(db, user, kind, method, ctx).await?,
        )))
    }

    /// Counts a wrong code on the challenge; the last allowed one ends it.
    async fn wrong_code(
        &self,
        db: &DatabaseConnection,
        challenge: &user_token::Model,
        attempts: u64,
        user: &user::Model,
        ctx: &Context,
    ) -> AccountResult<AccountError> {
        let mut data = challenge
            .data
            .clone()
            .unwrap_or_else(|| serde_json::json!({}));
        data["attempts"] = attempts.into();
        user_token::Entity::update_many()
            .col_expr(user_token::Column::Data, Expr::value(data))
            .filter(user_token::Column::Id.eq(challenge.id))
            .exec(db)
            .await?;
        let mut event = ctx.event(
            "auth.two_factor_failed",
            Some(user.id),
            user_target(user.id),
        );
        event.details = serde_json::json!({"attempt": attempts});
        record(db, event).await?;
        let remaining = u64::from(CHALLENGE_ATTEMPTS).saturating_sub(attempts);
        if remaining == 0 {
            use_token(db, challenge.id, Utc::now()).await?;
            return Ok(AccountError::InvalidToken);
        }
        Ok(AccountError::WrongCode {
            remaining: u32::try_from(remaining).unwrap_or(0),
        })
    }

    /// Whether `code` is the user's current TOTP code, never used before; accepting it
    /// records its step, atomically, so a code works once even under concurrency.
    pub async fn accept_totp<C: ConnectionTrait>(
        &self,
        db: &C,
        user: &user::Model,
        code: &str,
    ) -> AccountResult<bool> {
        let Some(secret) = &user.totp_secret else {
            return Ok(false);
        };
        let now = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
        let last = user.totp_last_step.and_then(|s| u64::try_from(s).ok());
        let Some(step) = totp::accept(secret, code, now, last)? else {
            return Ok(false);
        };
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        let recorded = user::Entity::update_many()
            .col_expr(user::Column::TotpLastStep, Expr::value(step))
            .filter(user::Column::Id.eq(user.id))
            .filter(
                sea_orm::Condition::any()
                    .add(user::Column::TotpLastStep.is_null())
                    .add(user::Column::TotpLastStep.lt(step)),
            )
            .exec(db)
            .await?
            .rows_affected;
        Ok(recorded == 1)
    }

    /// Uses up a recovery code if it is one of the user's; mails the user about it.
    pub async fn redeem_recovery_code(
        &self,
        db: &DatabaseConnection,
        user: &user::Model,
        code: &str,
        ctx: &Context,
    ) -> AccountResult<bool> {
        let txn = begin_write(db).await?;
        // Of two requests racing with one code, the second waits here for the first to
        // commit and then reads the list without it.
        let Some(user) = lock_user(&txn, user.id).await? else {
            return Ok(false);
        };
        let stored: Vec<String> = user
            .recovery_codes
            .as_ref()
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        let Some(rest) = recovery::redeem(&stored, code) else {
            return Ok(false);
        };
        let remaining = u32::try_from(rest.len()).unwrap_or(0);
        let mut active: user::ActiveModel = user.clone().into();
        active.recovery_codes = Set(Some(serde_json::json!(rest)));
        active.update(&txn).await?;
        let mut event = ctx.event(
            "auth.recovery_code_used",
            Some(user.id),
            user_target(user.id),
        );
        event.details = serde_json::json!({"remaining": remaining});
        record(&txn, event).await?;
        self.send(
            &txn,
            &user,
            Email::RecoveryCodeUsed(RecoveryCodeUsed {
                name: name_of(&user),
                at: Utc::now(),
                ip: ctx.ip_text(),
                remaining,
            }),
        )
        .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// A verified sign-in: counts reset, a session started, the device remembered, and
    /// mail when the device or the address is new for an account that signed in before.
    pub async fn complete_sign_in(
        &self,
        db: &DatabaseConnection,
        user: user::Model,
        kind: SessionKind,
        method: &str,
        ctx: &Context,
    ) -> AccountResult<SignedIn> {
        let now = Utc::now();
        let txn = begin_write(db).await?;
        let device = device_of(&txn, user.id, ctx).await?;
        let signed_in_before = session::Entity::find()
            .filter(session::Column::UserId.eq(user.id))
            .count(&txn)
            .await?
            > 0;
        let known_ip = match ctx.ip_text() {
            None => true,
            Some(ip) => {
                session::Entity::find()
                    .filter(session::Column::UserId.eq(user.id))
                    .filter(session::Column::Ip.eq(ip))
                    .count(&txn)
                    .await?
                    > 0
            }
        };
        let new_device_token = match &device {
            Some(device) => {
                let mut active: known_device::ActiveModel = device.clone().into();
                active.failed_login_count = Set(0);
                active.locked_until = Set(None);
                active.last_ip = Set(ctx.ip_text());
                active.last_seen_at = Set(now);
                active.update(&txn).await?;
                None
            }
            None => {
                let token = random_token()?;
                known_device::ActiveModel {
                    id: NotSet,
                    user_id: Set(user.id),
                    token_hash: Set(digest(&token)),
                    user_agent: Set(ctx.user_agent.clone()),
                    last_ip: Set(ctx.ip_text()),
                    failed_login_count: Set(0),
                    locked_until: Set(None),
                    created_at: Set(now),
                    last_seen_at: Set(now),
                }
                .insert(&txn)
                .await?;
                Some(token)
            }
        };
        if signed_in_before && (device.is_none() || !known_ip) {
            self.send(
                &txn,
                &user,
                Email::NewSignIn(NewSignIn {
                    name: name_of(&user),
                    at: now,
                    ip: ctx.ip_text().unwrap_or_else(|| "unknown".into()),
                    user_agent: ctx.user_agent.clone(),
                    location: None,
                }),
            )
            .await?;
        }
        let mut active: user::ActiveModel = user.clone().into();
        active.failed_login_count = Set(0);
        active.lockout_count = Set(0);
        active.locked_until = Set(None);
        active.last_login_at = Set(Some(now));
        let user = active.update(&txn).await?;
        let tokens = self.start_session(&txn, &user, kind, ctx).await?;
        let mut event = ctx.event("auth.login", Some(user.id), user_target(user.id));
        event.details = serde_json::json!({
            "method": method,
            "session": tokens.session_id,
            "new_device": device.is_none(),
            "new_ip": !known_ip,
        });
        record(&txn, event).await?;
        txn.commit().await?;
        Ok(SignedIn {
            user,
            tokens,
            new_device_token,
        })
    }
}
