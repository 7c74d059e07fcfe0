//! Deterministic synthetic bars: seeded random walks for benchmarks and tests.
//!
//! The generator is a hand-rolled SplitMix64 so a seed gives the same bars on every
//! platform and every version of every dependency — benchmark inputs must not drift.

use scan::{Bar, BarSeries, BarTime};

/// SplitMix64: tiny, fast, and good enough for simulated prices.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal, by Box–Muller.
    pub fn next_gaussian(&mut self) -> f64 {
        let u1 = 1.0 - self.next_f64();
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// A daily random walk of `len` bars starting near 100, one bar per weekday from
/// 2000-01-03, with ~1.5% daily volatility, intraday ranges around the body and a
/// log-normal volume. Every bar passes validation.
pub fn random_walk(symbol: &str, seed: u64, len: usize) -> BarSeries {
    let mut rng = SplitMix64::new(seed);
    let mut series = BarSeries::new(symbol);
    series.reserve(len);
    let mut day = BarTime::from_ymd(2000, 1, 3).map_or(0, |t| t.day_number());
    let mut price = 100.0_f64;
    for _ in 0..len {
        let open = price * (0.004 * rng.next_gaussian()).exp();
        price *= (0.015 * rng.next_gaussian()).exp();
        let close = price;
        let high = open.max(close) * (0.006 * rng.next_gaussian()).abs().exp();
        let low = open.min(close) * (-(0.006 * rng.next_gaussian()).abs()).exp();
        let volume = (1_000_000.0 * (0.5 * rng.next_gaussian()).exp()).round();
        let bar = Bar {
            time: BarTime::from_unix_seconds(day * 86_400),
            open,
            high,
            low,
            close,
            volume,
            adj_close: None,
        };
        // Skip Saturday and Sunday (1970-01-01 was a Thursday).
        day += if (day + 4).rem_euclid(7) == 5 { 3 } else { 1 };
        let pushed = series.push(bar);
        debug_assert!(pushed.is_ok(), "random walks build valid, increasing bars");
    }
    series
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bars_different_seed_different_bars() {
        let a = random_walk("A", 7, 500);
        assert_eq!(a, random_walk("A", 7, 500));
        assert_ne!(a.close(), random_walk("A", 8, 500).close());
        assert_eq!(a.len(), 500);
    }

    #[test]
    fn bars_fall_on_weekdays() {
        let s = random_walk("A", 1, 30);
        for t in s.time() {
            let weekday = (t.day_number() + 4).rem_euclid(7); // 0 = Sunday
            assert!((1..=5).contains(&weekday), "{t}");
        }
        assert_eq!(s.time()[0].to_string(), "2000-01-03");
        assert_eq!(s.time()[5].to_string(), "2000-01-10");
    }
}
