//! The account-security settings: token lifetimes, password strength, lockout and
//! throttling. Every one has a default that follows current guidance (OWASP ASVS 5.0
//! level 2); each can be changed through the environment.

use crate::config::{error, ConfigError, Vars};
use crate::ratelimit::quota::Quota;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct AuthSettings {
    /// The zxcvbn score (0–4) a new password must reach.
    pub password_min_score: u8,
    /// Password hashes computed at once; more wait (argon2id takes 19 MiB each).
    pub hash_concurrency: usize,
    pub access_token_ttl: Duration,
    /// A session unused for this long ends.
    pub session_idle_timeout: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_max_lifetime: Duration,
    /// A refresh token presented again within this time after its rotation (a client
    /// retrying a request whose answer it lost) is refused without revoking its family.
    pub refresh_reuse_grace: Duration,
    pub lockout: LockoutPolicy,
    /// Per client IP, for each group of sign-in, sign-up, reset and 2FA endpoints.
    pub ip_quota: Quota,
    pub stuffing: StuffingPolicy,
}

/// After `threshold` failed passwords in a row an account is locked for `base`; each
/// further lockout doubles it, up to `max`. A success resets both counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LockoutPolicy {
    pub threshold: u32,
    pub base: Duration,
    pub max: Duration,
}

/// Failures against `accounts` different accounts from one IP within `window` block the
/// IP for `block`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StuffingPolicy {
    pub accounts: u32,
    pub window: Duration,
    pub block: Duration,
}

impl LockoutPolicy {
    /// How long the `nth` lockout in a row (1-based) lasts.
    pub fn duration(&self, nth: u32) -> Duration {
        let doublings = nth.saturating_sub(1).min(32);
        self.base
            .checked_mul(1u32 << doublings.min(31))
            .map_or(self.max, |d| d.min(self.max))
    }
}

impl AuthSettings {
    pub fn load(vars: &Vars) -> Result<AuthSettings, ConfigError> {
        let password_min_score: u8 = vars
            .parse("PASSWORD_MIN_SCORE", "a whole number from 0 to 4")?
            .unwrap_or(3);
        if password_min_score > 4 {
            return Err(error(
                "PASSWORD_MIN_SCORE",
                format!("{password_min_score} is not from 0 to 4"),
            ));
        }
        let hash_concurrency: usize = vars
            .parse("PASSWORD_HASH_CONCURRENCY", "a whole number from 1 to 64")?
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        if !(1..=64).contains(&hash_concurrency) {
            return Err(error(
                "PASSWORD_HASH_CONCURRENCY",
                format!("{hash_concurrency} is not from 1 to 64"),
            ));
        }
        let session_idle_timeout = duration(vars, "SESSION_IDLE_TIMEOUT", "7d")?;
        let session_max_lifetime = duration(vars, "SESSION_MAX_LIFETIME", "30d")?;
        if session_idle_timeout > session_max_lifetime {
            return Err(error(
                "SESSION_IDLE_TIMEOUT",
                "is longer than SESSION_MAX_LIFETIME",
            ));
        }
        let lockout = LockoutPolicy {
            threshold: vars
                .parse("LOCKOUT_THRESHOLD", "a whole number from 1 to 1000")?
                .unwrap_or(5),
            base: duration(vars, "LOCKOUT_DURATION", "15m")?,
            max: duration(vars, "LOCKOUT_MAX_DURATION", "24h")?,
        };
        if !(1..=1000).contains(&lockout.threshold) {
            return Err(error(
                "LOCKOUT_THRESHOLD",
                format!("{} is not from 1 to 1000", lockout.threshold),
            ));
        }
        if lockout.base > lockout.max {
            return Err(error(
                "LOCKOUT_DURATION",
                "is longer than LOCKOUT_MAX_DURATION",
            ));
        }
        let ip_quota = vars
            .get("RATE_LIMIT_AUTH")
            .unwrap_or("20/min")
            .parse()
            .map_err(|e: String| error("RATE_LIMIT_AUTH", e))?;
        let stuffing = StuffingPolicy {
            accounts: vars
                .parse("STUFFING_ACCOUNTS", "a whole number of at least 2")?
                .unwrap_or(10),
            window: duration(vars, "STUFFING_WINDOW", "10m")?,
            block: duration(vars, "STUFFING_BLOCK", "1h")?,
        };
        if stuffing.accounts < 2 {
            return Err(error("STUFFING_ACCOUNTS", "must be at least 2"));
        }
        Ok(AuthSettings {
            password_min_score,
            hash_concurrency,
            access_token_ttl: duration(vars, "ACCESS_TOKEN_TTL", "15m")?,
            session_idle_timeout,
            session_max_lifetime,
            refresh_reuse_grace: duration(vars, "REFRESH_REUSE_GRACE", "10s")?,
            lockout,
            ip_quota,
            stuffing,
        })
    }

    /// `NAME = value` pairs for `config check`.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PASSWORD_MIN_SCORE", self.password_min_score.to_string()),
            (
                "PASSWORD_HASH_CONCURRENCY",
                self.hash_concurrency.to_string(),
            ),
            ("ACCESS_TOKEN_TTL", show(self.access_token_ttl)),
            ("SESSION_IDLE_TIMEOUT", show(self.session_idle_timeout)),
            ("SESSION_MAX_LIFETIME", show(self.session_max_lifetime)),
            ("REFRESH_REUSE_GRACE", show(self.refresh_reuse_grace)),
            ("LOCKOUT_THRESHOLD", self.lockout.threshold.to_string()),
            ("LOCKOUT_DURATION", show(self.lockout.base)),
            ("LOCKOUT_MAX_DURATION", show(self.lockout.max)),
            ("RATE_LIMIT_AUTH", self.ip_quota.to_string()),
            ("STUFFING_ACCOUNTS", self.stuffing.accounts.to_string()),
            ("STUFFING_WINDOW", show(self.stuffing.window)),
            ("STUFFING_BLOCK", show(self.stuffing.block)),
        ]
    }
}

/// A duration variable: a whole number with a unit, `30s`, `15m`, `24h`, `7d`.
fn duration(vars: &Vars, name: &'static str, default: &str) -> Result<Duration, ConfigError> {
    let text = vars.get(name).unwrap_or(default);
    parse_duration(text).ok_or_else(|| {
        error(
            name,
            format!("`{text}` is not a duration such as 30s, 15m, 24h or 7d"),
        )
    })
}

pub fn parse_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let seconds = match unit.trim() {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return None,
    };
    if number == 0 {
        return None;
    }
    Some(Duration::from_secs(number.checked_mul(seconds)?))
}

/// The largest whole unit that divides the duration.
fn show(duration: Duration) -> String {
    let seconds = duration.as_secs();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if seconds.is_multiple_of(size) {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_their_unit() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("15m"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("7d"), Some(Duration::from_secs(604_800)));
        for bad in ["", "15", "m", "0s", "-5m", "1.5h", "3w"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(show(Duration::from_secs(86_400 * 30)), "30d");
        assert_eq!(show(Duration::from_secs(90)), "90s");
    }

    #[test]
    fn lockouts_double_up_to_the_cap() {
        let policy = LockoutPolicy {
            threshold: 5,
            base: Duration::from_secs(15 * 60),
            max: Duration::from_secs(24 * 3600),
        };
        let minutes: Vec<u64> = (1..=9).map(|n| policy.duration(n).as_secs() / 60).collect();
        assert_eq!(minutes, [15, 30, 60, 120, 240, 480, 960, 1440, 1440]);
        assert_eq!(policy.duration(u32::MAX), policy.max);
    }

    #[test]
    fn defaults_follow_the_issue_and_bad_values_name_the_variable() {
        let settings = AuthSettings::load(&Vars::from_pairs([])).unwrap();
        assert_eq!(settings.password_min_score, 3);
        assert_eq!(settings.access_token_ttl, Duration::from_secs(900));
        assert_eq!(settings.lockout.threshold, 5);
        let err =
            AuthSettings::load(&Vars::from_pairs([("LOCKOUT_DURATION", "soon")])).unwrap_err();
        assert_eq!(err.variable, "LOCKOUT_DURATION");
        let err = AuthSettings::load(&Vars::from_pairs([("PASSWORD_MIN_SCORE", "5")])).unwrap_err();
        assert_eq!(err.variable, "PASSWORD_MIN_SCORE");
    }
}
