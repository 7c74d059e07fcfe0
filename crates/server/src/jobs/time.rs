//! The one clock the job queue reads.
//!
//! Every instant written to or compared against the `jobs` table is taken here and bound
//! as a parameter, never computed by SQL (`now()`): SQLite stores instants as RFC 3339
//! text, which only compares correctly against text written the same way. Instances must
//! therefore keep their clocks in sync (NTP); leases are long compared to any sane skew.

use chrono::{DateTime, Utc};
use std::time::Duration;

pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
}

/// `at + by`, saturating instead of panicking on absurd durations.
pub(crate) fn after(at: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(by)
        .ok()
        .and_then(|by| at.checked_add_signed(by))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}
