//! Sending limits, counted in the outbox itself so every instance sees the same numbers:
//! a global rate over all mail, and per recipient a rate for each kind of mail. A quota
//! `N/period` (burst B) allows B mails in any window of B × (period / N); mail over a
//! limit is put back with a later `send_after`, never dropped.

use super::outbox::query;
use super::templates::Kind;
use super::EmailError;
use crate::config::EmailLimits;
use crate::ratelimit::quota::Quota;
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

/// The sliding window a quota describes, and how many mails fit in it.
pub fn window(quota: &Quota) -> (chrono::Duration, i64) {
    let limit = i64::from(quota.burst.max(1));
    let millis = i64::try_from(quota.interval_ms)
        .unwrap_or(i64::MAX / limit)
        .saturating_mul(limit);
    (chrono::Duration::milliseconds(millis), limit)
}

pub fn quota_for(limits: &EmailLimits, kind: Kind) -> &Quota {
    match kind {
        Kind::Security => &limits.security,
        Kind::Account => &limits.account,
        Kind::Alert => &limits.alerts,
        Kind::Marketing => &limits.marketing,
    }
}

/// How many more mails all instances together may send right now.
pub async fn global_budget<C: ConnectionTrait>(
    db: &C,
    limits: &EmailLimits,
    now: DateTime<Utc>,
) -> Result<i64, EmailError> {
    let (span, limit) = window(&limits.global);
    let rows = query(
        db,
        "SELECT COUNT(*) AS n FROM email_outbox WHERE sent_at > $1",
        vec![(now - span).into()],
    )
    .await?;
    let sent: i64 = match rows.first() {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok((limit - sent).max(0))
}

/// `None` when one more mail of `kind` to `address` is within its limit now, else the
/// instant a slot frees up.
pub async fn recipient_delay<C: ConnectionTrait>(
    db: &C,
    limits: &EmailLimits,
    address: &str,
    kind: Kind,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, EmailError> {
    let (span, limit) = window(quota_for(limits, kind));
    let rows = query(
        db,
        "SELECT sent_at FROM email_outbox
         WHERE to_address = $1 AND kind = $2 AND sent_at > $3
         ORDER BY sent_at DESC LIMIT $4",
        vec![
            address.into(),
            kind.name().into(),
            (now - span).into(),
            limit.into(),
        ],
    )
    .await?;
    if (rows.len() as i64) < limit {
        return Ok(None);
    }
    // The oldest of the last `limit` mails leaves the window first.
    let oldest: DateTime<Utc> = rows[rows.len() - 1].try_get("", "sent_at")?;
    Ok(Some(oldest + span))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quota_is_a_window_and_a_count() {
        let q: Quota = "5/h".parse().unwrap();
        assert_eq!(window(&q), (chrono::Duration::hours(1), 5));
        let q: Quota = "600/min".parse().unwrap();
        assert_eq!(window(&q), (chrono::Duration::minutes(1), 600));
    }
}
