//! The outbox: sending an email means inserting a row into `email_outbox` in the same
//! transaction as the change that causes it. A background job delivers it later
//! (`delivery.rs`). If the transaction rolls back, the mail was never "sent".

use super::address::EmailAddress;
use super::templates::{Email, Kind};
use super::unsubscribe;
use super::EmailError;
use crate::config::Config;
use chrono::{DateTime, Utc};
use prometheus::IntCounterVec;
use sea_orm::{ConnectionTrait, QueryResult, Statement, Value};

/// Counters by template and event (`queued`, `sent`, `retried`, `failed`).
#[derive(Clone, Default)]
pub struct EmailCounters(Option<IntCounterVec>);

impl EmailCounters {
    pub fn new(counter: IntCounterVec) -> EmailCounters {
        EmailCounters(Some(counter))
    }

    pub fn count(&self, template: &str, event: &str) {
        if let Some(counter) = &self.0 {
            counter.with_label_values(&[template, event]).inc();
        }
    }
}

/// What a mail needs beyond its content: who sends it and where links point.
#[derive(Clone)]
pub struct Outbox {
    pub from_name: String,
    pub from_email: String,
    pub app_url: String,
    /// Signs unsubscribe links (derived from `JWT_SECRET`).
    pub(crate) secret: Vec<u8>,
    pub counters: EmailCounters,
}

/// One row as stored.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: i64,
    pub user_id: Option<i64>,
    pub category: String,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub template: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub send_after: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub unsubscribe_url: Option<String>,
    pub campaign_id: Option<i64>,
    pub message_id: Option<String>,
}

pub(crate) const ROW_COLUMNS: &str =
    "id, user_id, category, kind, to_address, subject, body_text, \
     body_html, template, status, attempts, last_error, send_after, sent_at, created_at, \
     unsubscribe_url, campaign_id, message_id";

impl OutboxRow {
    pub(crate) fn from_row(row: &QueryResult) -> Result<OutboxRow, sea_orm::DbErr> {
        Ok(OutboxRow {
            id: row.try_get("", "id")?,
            user_id: row.try_get("", "user_id")?,
            category: row.try_get("", "category")?,
            kind: row.try_get("", "kind")?,
            to_address: row.try_get("", "to_address")?,
            subject: row.try_get("", "subject")?,
            body_text: row.try_get("", "body_text")?,
            body_html: row.try_get("", "body_html")?,
            template: row.try_get("", "template")?,
            status: row.try_get("", "status")?,
            attempts: row.try_get("", "attempts")?,
            last_error: row.try_get("", "last_error")?,
            send_after: row.try_get("", "send_after")?,
            sent_at: row.try_get("", "sent_at")?,
            created_at: row.try_get("", "created_at")?,
            unsubscribe_url: row.try_get("", "unsubscribe_url")?,
            campaign_id: row.try_get("", "campaign_id")?,
            message_id: row.try_get("", "message_id")?,
        })
    }
}

/// Options for one enqueued mail.
#[derive(Debug, Clone, Default)]
pub struct Enqueue {
    /// The account the mail is about, if any (for the dev mailbox and erasure).
    pub user_id: Option<i64>,
    /// Makes enqueueing idempotent: a second mail with the same key is not added.
    pub idempotency_key: Option<String>,
    /// Not before this instant (default: now).
    pub send_after: Option<DateTime<Utc>>,
    pub(crate) campaign_id: Option<i64>,
}

pub(crate) async fn query<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<QueryResult>, sea_orm::DbErr> {
    db.query_all_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        values,
    ))
    .await
}

pub(crate) async fn execute<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<u64, sea_orm::DbErr> {
    Ok(db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            values,
        ))
        .await?
        .rows_affected())
}

impl Outbox {
    pub fn new(config: &Config, counters: EmailCounters) -> Outbox {
        Outbox {
            from_name: config.from_name.clone(),
            from_email: config.from_email.clone(),
            app_url: config.app_url.clone(),
            secret: unsubscribe::derive_key(config.jwt_secret.expose().as_bytes()),
            counters,
        }
    }

    /// Renders `email` for `to` and writes it to the outbox on `db` — pass the
    /// transaction of the change that causes the mail. Returns the row id, or `None`
    /// when nothing was added: the idempotency key was already used, or bulk mail to an
    /// address that unsubscribed.
    ///
    /// An invalid address is refused here, with the reason, not at delivery.
    pub async fn enqueue<C: ConnectionTrait>(
        &self,
        db: &C,
        to: &str,
        email: &Email,
        options: Enqueue,
    ) -> Result<Option<i64>, EmailError> {
        let to = EmailAddress::parse(to)?;
        let kind = email.kind();
        if kind.is_bulk() && unsubscribe::is_unsubscribed(db, &to).await? {
            return Ok(None);
        }
        let unsubscribe_url = kind
            .is_bulk()
            .then(|| unsubscribe::url(&self.app_url, &self.secret, &to));
        let rendered = email.render(&self.from_name, &self.app_url, unsubscribe_url.clone())?;
        let now = Utc::now();
        let rows = query(
            db,
            "INSERT INTO email_outbox (user_id, category, kind, to_address, subject, body_text,
                 body_html, template, status, attempts, idempotency_key, send_after,
                 created_at, updated_at, unsubscribe_url, campaign_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $10, $11, $11, $12, $13)
             ON CONFLICT (idempotency_key) DO NOTHING
             RETURNING id",
            vec![
                options.user_id.into(),
                (if kind.is_bulk() {
                    "bulk"
                } else {
                    "transactional"
                })
                .into(),
                kind.name().into(),
                to.as_str().into(),
                rendered.subject.into(),
                rendered.text.into(),
                Some(rendered.html).into(),
                Some(rendered.template.to_string()).into(),
                options.idempotency_key.into(),
                options.send_after.unwrap_or(now).into(),
                now.into(),
                unsubscribe_url.into(),
                options.campaign_id.into(),
            ],
        )
        .await?;
        let id = match rows.first() {
            Some(row) => Some(row.try_get::<i64>("", "id")?),
            None => None,
        };
        if id.is_some() {
            self.counters.count(email.name(), "queued");
        }
        Ok(id)
    }
}

/// The newest rows, for the dev mailbox.
pub async fn recent<C: ConnectionTrait>(db: &C, limit: u64) -> Result<Vec<OutboxRow>, EmailError> {
    let rows = query(
        db,
        &format!("SELECT {ROW_COLUMNS} FROM email_outbox ORDER BY id DESC LIMIT $1"),
        vec![(limit.min(i64::MAX as u64) as i64).into()],
    )
    .await?;
    Ok(rows
        .iter()
        .map(OutboxRow::from_row)
        .collect::<Result<_, _>>()?)
}

/// One row by id.
pub async fn get<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<OutboxRow>, EmailError> {
    let rows = query(
        db,
        &format!("SELECT {ROW_COLUMNS} FROM email_outbox WHERE id = $1"),
        vec![id.into()],
    )
    .await?;
    Ok(match rows.first() {
        Some(row) => Some(OutboxRow::from_row(row)?),
        None => None,
    })
}

/// Rows by status, for tests and operators.
pub async fn count_by_status<C: ConnectionTrait>(db: &C, status: &str) -> Result<i64, EmailError> {
    let rows = query(
        db,
        "SELECT COUNT(*) AS n FROM email_outbox WHERE status = $1",
        vec![status.into()],
    )
    .await?;
    Ok(match rows.first() {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    })
}

/// The kind stored with a row (unknown text falls back to the strictest limit).
pub fn row_kind(row_kind: &str) -> Kind {
    Kind::parse(row_kind).unwrap_or(Kind::Security)
}
