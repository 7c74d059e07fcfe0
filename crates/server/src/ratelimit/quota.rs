//! A rate limit as configured (`120/min`, `10/s:20`) and the GCRA arithmetic on it.
//!
//! The generic cell rate algorithm keeps one number per key, the theoretical arrival
//! time (TAT) of the next request if requests came exactly at the allowed rate. A
//! request is allowed when the TAT is at most `burst - 1` intervals in the future; it then
//! pushes the TAT one interval further. Time is in whole milliseconds so that the Redis
//! script, whose Lua numbers print with 14 significant digits, stores it exactly.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Requests allowed per period, and so at once after a quiet period.
    pub burst: u32,
    /// Milliseconds between requests at the steady rate (rounded up, never above it).
    pub interval_ms: u64,
    requests: u32,
    period: Period,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    Second,
    Minute,
    Hour,
}

impl Period {
    fn millis(self) -> u64 {
        match self {
            Period::Second => 1_000,
            Period::Minute => 60_000,
            Period::Hour => 3_600_000,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Period::Second => "s",
            Period::Minute => "min",
            Period::Hour => "h",
        }
    }
}

impl Quota {
    pub fn per_minute(requests: u32) -> Quota {
        Quota::new(requests, Period::Minute, requests)
    }

    fn new(requests: u32, period: Period, burst: u32) -> Quota {
        Quota {
            burst,
            interval_ms: period.millis().div_ceil(u64::from(requests)).max(1),
            requests,
            period,
        }
    }

    /// How far ahead of now the TAT may be for a request to pass.
    pub fn tolerance_ms(&self) -> u64 {
        self.interval_ms * u64::from(self.burst - 1)
    }

    /// The decision for a request at `now` given the stored TAT; the new TAT to store
    /// is in the decision when allowed.
    pub fn decide(&self, stored_tat: Option<u64>, now: u64) -> Decision {
        let tat = stored_tat.map_or(now, |t| t.max(now));
        let ahead = tat - now;
        if ahead > self.tolerance_ms() {
            return Decision {
                allowed: false,
                tat,
                retry_after_ms: ahead - self.tolerance_ms(),
                ..self.describe(ahead)
            };
        }
        let tat = tat + self.interval_ms;
        Decision {
            allowed: true,
            tat,
            ..self.describe(tat - now)
        }
    }

    /// Remaining and reset for a TAT `ahead` ms in the future.
    pub fn describe(&self, ahead: u64) -> Decision {
        let capacity = self.tolerance_ms() + self.interval_ms;
        Decision {
            allowed: true,
            tat: 0,
            limit: self.burst,
            remaining: u32::try_from(capacity.saturating_sub(ahead) / self.interval_ms)
                .unwrap_or(u32::MAX),
            reset_ms: ahead,
            retry_after_ms: 0,
        }
    }
}

/// What a limiter decided, with what the `RateLimit-*` headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// The key's theoretical arrival time after this request, to store.
    pub tat: u64,
    pub limit: u32,
    pub remaining: u32,
    /// Until the full burst is available again.
    pub reset_ms: u64,
    /// Until a request would pass, when refused.
    pub retry_after_ms: u64,
}

impl FromStr for Quota {
    type Err = String;

    fn from_str(text: &str) -> Result<Quota, String> {
        let expected = || format!("`{text}` is not a rate such as 120/min, 10/s or 1000/h:50");
        let (rate, burst) = match text.trim().split_once(':') {
            Some((rate, burst)) => (rate, Some(burst)),
            None => (text.trim(), None),
        };
        let (requests, period) = rate.split_once('/').ok_or_else(expected)?;
        let requests: u32 = requests.trim().parse().map_err(|_| expected())?;
        let period = match period.trim() {
            "s" | "sec" | "second" => Period::Second,
            "m" | "min" | "minute" => Period::Minute,
            "h" | "hour" => Period::Hour,
            _ => return Err(expected()),
        };
        let burst = match burst {
            None => requests,
            Some(b) => b.trim().parse().map_err(|_| expected())?,
        };
        if requests == 0 || burst == 0 {
            return Err(format!(
                "`{text}`: the rate and the burst must be at least 1"
            ));
        }
        Ok(Quota::new(requests, period, burst))
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.requests, self.period.name())?;
        if self.burst != self.requests {
            write!(f, ":{}", self.burst)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_steady_rate() {
        let quota: Quota = "60/min:3".parse().unwrap();
        assert_eq!(quota.interval_ms, 1_000);
        let mut tat = None;
        let mut now = 10_000;
        for remaining in [2, 1, 0] {
            let d = quota.decide(tat, now);
            assert!(d.allowed);
            assert_eq!(d.remaining, remaining);
            tat = Some(d.tat);
        }
        let refused = quota.decide(tat, now);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after_ms, 1_000);
        now += 1_000;
        assert!(quota.decide(tat, now).allowed);
    }

    #[test]
    fn a_quiet_key_gets_its_whole_burst_back() {
        let quota = Quota::per_minute(2);
        let first = quota.decide(None, 0);
        let second = quota.decide(Some(first.tat), 0);
        assert!(!quota.decide(Some(second.tat), 0).allowed);
        let later = quota.decide(Some(second.tat), 120_000);
        assert!(later.allowed);
        assert_eq!(later.remaining, 1);
    }

    #[test]
    fn rates_parse_and_print() {
        assert_eq!("120/min".parse::<Quota>().unwrap().to_string(), "120/min");
        assert_eq!("10/s:20".parse::<Quota>().unwrap().to_string(), "10/s:20");
        assert!("0/min".parse::<Quota>().is_err());
        let err = "lots".parse::<Quota>().unwrap_err();
        assert!(err.contains("120/min"), "{err}");
    }
}
