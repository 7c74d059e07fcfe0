//! How long a failed job waits before its next attempt.

use std::time::Duration;

/// Exponential backoff with jitter: attempt *n* (1-based) that failed waits about
/// `base × 2^(n-1)`, never more than `cap`. The wait is drawn from the upper half of
/// that value ("equal jitter"), so jobs that failed together (a provider outage) do not
/// all come back in the same instant, yet none comes back much sooner than planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(3600),
        }
    }
}

impl Backoff {
    /// The planned wait after `attempt` failed, before jitter.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(31);
        self.base
            .checked_mul(1u32 << exponent)
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    /// The wait after `attempt` failed: uniformly in `[ceiling/2, ceiling]`.
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt);
        let half = ceiling / 2;
        half + half.mul_f64(unit_random())
    }
}

/// A number in `[0, 1)`; jitter needs no cryptographic quality, but `getrandom` is
/// already a dependency and avoids seeding a generator.
fn unit_random() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_per_attempt_up_to_the_cap() {
        let backoff = Backoff::default();
        assert_eq!(backoff.ceiling(1), Duration::from_secs(2));
        assert_eq!(backoff.ceiling(2), Duration::from_secs(4));
        assert_eq!(backoff.ceiling(5), Duration::from_secs(32));
        assert_eq!(backoff.ceiling(12), Duration::from_secs(3600));
        assert_eq!(backoff.ceiling(1000), Duration::from_secs(3600));
        assert_eq!(backoff.ceiling(0), Duration::from_secs(2));
    }

    #[test]
    fn jitter_stays_within_the_upper_half() {
        let backoff = Backoff::default();
        for attempt in 1..20 {
            let ceiling = backoff.ceiling(attempt);
            let delay = backoff.delay(attempt);
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "{attempt}: {delay:?}"
            );
        }
    }
}
