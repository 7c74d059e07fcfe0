//! Accounts and their security, on the database: sign-up and email verification,
//! sign-in with lockout and two-factor, sessions as rotating refresh-token families,
//! password reset and change, API keys, the IP block list, and the audit trail of all
//! of it. The HTTP layer (`api::auth`, `api::account`, `web`) only translates.

pub mod admin;
pub mod api_keys;
pub mod email_change;
pub mod entities;
pub mod identity;
pub mod ip_guard;
pub mod login;
pub mod passwords;
pub mod sessions;
pub mod signup;
pub mod two_factor;

use crate::auth::jwt::{AccessTokens, TokenError};
use crate::auth::password::{HashError, PasswordProblem, Passwords};
use crate::auth::secrets::RandomError;
use crate::auth::settings::AuthSettings;
use crate::auth::totp::TotpError;
use crate::config::Config;
use crate::db::audit::{self, AuditEvent};
use crate::db::DbError;
use crate::email::{Email, EmailError, Enqueue, Mailer};
use chrono::Utc;
use entities::user;
use prometheus::IntCounterVec;
use sea_orm::{ConnectionTrait, EntityTrait};
use std::net::IpAddr;
use std::sync::Arc;

/// Why an account operation did not happen. Client mistakes carry what to fix; the
/// internal variants are logged and shown as a 500 without detail.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("password: {0}")]
    Password(#[from] PasswordProblem),
    #[error("the email or password is wrong")]
    InvalidCredentials,
    #[error("verify your email address first: follow the link we sent you")]
    EmailNotVerified,
    #[error("this account is suspended")]
    Suspended,
    #[error("the link or code is invalid, used or expired")]
    InvalidToken,
    #[error("the code is wrong; {remaining} attempts left")]
    WrongCode { remaining: u32 },
    #[error("the session has ended; sign in again")]
    SessionEnded,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error(transparent)]
    Email(#[from] EmailError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Totp(#[from] TotpError),
}

impl From<sea_orm::DbErr> for AccountError {
    fn from(e: sea_orm::DbErr) -> AccountError {
        AccountError::Db(DbError::Query(e))
    }
}

impl AccountError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> AccountError {
        AccountError::Invalid {
            field,
            message: message.into(),
        }
    }
}

pub type AccountResult<T> = Result<T, AccountError>;

/// Where a request comes from, for the audit log, sessions and security mail.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    /// The device cookie's token, if the browser has one.
    pub device: Option<String>,
}

impl Context {
    pub fn ip_text(&self) -> Option<String> {
        self.ip.map(|ip| ip.to_string())
    }

    /// An audit event for `action` done by `actor` to `target`, from this request.
    pub fn event(&self, action: &str, actor: Option<i64>, target: Option<String>) -> AuditEvent {
        let mut event = AuditEvent::new(action);
        event.actor_user_id = actor;
        event.target = target;
        event.ip = self.ip_text();
        event.user_agent = self.user_agent.clone();
        event.request_id = self.request_id.clone();
        event
    }
}

/// The account service as the app holds it.
pub struct Accounts {
    pub settings: AuthSettings,
    pub passwords: Passwords,
    pub access: AccessTokens,
    mailer: Arc<Mailer>,
    /// The product name, as authenticator apps show it.
    pub issuer: String,
    blocks: ip_guard::BlockCache,
    throttled: ip_guard::ThrottleLog,
}

impl Accounts {
    pub fn new(
        config: &Config,
        mailer: Arc<Mailer>,
        password_checks: IntCounterVec,
    ) -> Result<Accounts, HashError> {
        let settings = config.auth.clone();
        Ok(Accounts {
            passwords: Passwords::new(settings.hash_concurrency, Some(password_checks))?,
            access: AccessTokens::new(
                config.jwt_secret.expose().as_bytes(),
                &config.app_url,
                settings.access_token_ttl,
            ),
            settings,
            mailer,
            issuer: config.from_name.clone(),
            blocks: ip_guard::BlockCache::default(),
            throttled: ip_guard::ThrottleLog::default(),
        })
    }

    /// Writes `email` to the outbox in the caller's transaction.
    async fn send<C: ConnectionTrait>(
        &self,
        db: &C,
        user: &user::Model,
        email: Email,
    ) -> AccountResult<()> {
        self.mailer
            .outbox
            .enqueue(
                db,
                &user.email,
                &email,
                Enqueue {
                    user_id: Some(user.id),
                    ..Enqueue::default()
                },
            )
            .await?;
        Ok(())
    }
}

/// Records an audit event; pass the transaction of the change it describes.
async fn record<C: ConnectionTrait>(db: &C, event: AuditEvent) -> AccountResult<()> {
    audit::append(db, event).await?;
    Ok(())
}

pub fn user_target(id: i64) -> Option<String> {
    Some(format!("user:{id}"))
}

/// Trims and lower-cases an email and checks it is an address we can send to.
pub fn normalise_email(text: &str) -> AccountResult<String> {
    let normal = text.trim().to_lowercase();
    crate::email::EmailAddress::parse(&normal)
        .map(|a| a.as_str().to_string())
        .map_err(|e| AccountError::invalid("email", e.to_string()))
}

pub async fn find_user<C: ConnectionTrait>(db: &C, id: i64) -> AccountResult<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

pub async fn find_by_email<C: ConnectionTrait>(
    db: &C,
    email: &str,
) -> AccountResult<Option<user::Model>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .filter(user::Column::DeletedAt.is_null())
        .one(db)
        .await?)
}

/// The user's name for a greeting, when they gave one.
fn name_of(user: &user::Model) -> Option<String> {
    user.display_name.clone()
}

/// Reads a user inside `txn` after taking their row's write lock (a no-op update), so
/// that read-modify-write sequences on one account run one after another on both
/// backends.
pub async fn lock_user<C: ConnectionTrait>(txn: &C, id: i64) -> AccountResult<Option<user::Model>> {
    use sea_orm::{sea_query::Expr, ColumnTrait, QueryFilter};
    user::Entity::update_many()
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(id))
        .exec(txn)
        .await?;
    find_user(txn, id).await
}

/// A configured duration as a chrono span, for arithmetic on timestamps (saturating:
/// a setting too large for chrono means "never").
pub(crate) fn span(d: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}
