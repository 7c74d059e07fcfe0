//! The demo universe: about 500 made-up US-style stocks with five years of daily bars,
//! generated from a fixed seed so every installation shows the same market.
//!
//! It is meant to look and behave like a real market to a scan: prices share a market
//! factor and a sector factor, volatility clusters (GARCH(1,1)), quarterly earnings
//! days gap, and volume rises with the size of the move. None of it is real data, and
//! every symbol says so in its name.

use crate::synthetic::SplitMix64;
use scan::{Bar, BarSeries, BarTime};

pub const DEMO_SYMBOLS: usize = 500;
/// Five years of trading days (252 a year).
pub const DEMO_BARS: usize = 1_260;
const SEED: u64 = 0x5EED_2026;
const TRADING_DAYS_PER_YEAR: f64 = 252.0;
/// Earnings come roughly once a quarter.
const EARNINGS_EVERY: usize = 63;

const SECTORS: [&str; 11] = [
    "Technology",
    "Health Care",
    "Financials",
    "Consumer Discretionary",
    "Industrials",
    "Communication Services",
    "Consumer Staples",
    "Energy",
    "Utilities",
    "Real Estate",
    "Materials",
];

/// A demo company: its symbol, a name marking it as made up, and its sector.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCompany {
    pub symbol: String,
    pub name: String,
    pub sector: &'static str,
}

/// The whole demo universe, the same on every call.
pub fn demo_universe() -> Vec<(DemoCompany, BarSeries)> {
    let mut rng = SplitMix64::new(SEED);
    let days = trading_days(DEMO_BARS);
    let market = factor_returns(&mut rng, DEMO_BARS, 0.07, 0.16);
    let sectors: Vec<Vec<f64>> = SECTORS
        .iter()
        .map(|_| factor_returns(&mut rng, DEMO_BARS, 0.0, 0.10))
        .collect();
    let symbols = tickers(&mut rng, DEMO_SYMBOLS);
    symbols
        .into_iter()
        .enumerate()
        .map(|(i, symbol)| {
            let sector_index = i % SECTORS.len();
            let company = DemoCompany {
                name: format!("{symbol} Demo {} Inc.", SECTORS[sector_index]),
                symbol: symbol.clone(),
                sector: SECTORS[sector_index],
            };
            let mut stock_rng = SplitMix64::new(SEED ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9));
            let series = stock(
                &mut stock_rng,
                &symbol,
                &days,
                &market,
                &sectors[sector_index],
            );
            (company, series)
        })
        .collect()
}

/// Weekdays ending on 2025-12-31, oldest first.
fn trading_days(count: usize) -> Vec<BarTime> {
    let last = BarTime::from_ymd(2025, 12, 31).map_or(0, |t| t.day_number());
    let mut days = Vec::with_capacity(count);
    let mut day = last;
    while days.len() < count {
        // 1970-01-01 was a Thursday: weekday 0 = Monday.
        if (day + 3).rem_euclid(7) < 5 {
            days.push(BarTime::from_unix_seconds(day * 86_400));
        }
        day -= 1;
    }
    days.reverse();
    days
}

/// Daily log returns of a factor with the given annual drift and volatility.
fn factor_returns(rng: &mut SplitMix64, len: usize, drift: f64, vol: f64) -> Vec<f64> {
    let mu = drift / TRADING_DAYS_PER_YEAR;
    let sigma = vol / TRADING_DAYS_PER_YEAR.sqrt();
    (0..len).map(|_| mu + sigma * rng.next_gaussian()).collect()
}

/// Distinct 2–4 letter tickers.
fn tickers(rng: &mut SplitMix64, count: usize) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let len = 2 + (rng.next_u64() % 3) as usize;
        let ticker: String = (0..len)
            .map(|_| char::from(b'A' + (rng.next_u64() % 26) as u8))
            .collect();
        if seen.insert(ticker.clone()) {
            out.push(ticker);
        }
    }
    out
}

fn stock(
    rng: &mut SplitMix64,
    symbol: &str,
    days: &[BarTime],
    market: &[f64],
    sector: &[f64],
) -> BarSeries {
    let beta = 0.6 + 0.9 * rng.next_f64();
    let sector_beta = 0.5 + 0.8 * rng.next_f64();
    let annual_vol = 0.15 + 0.45 * rng.next_f64();
    let idio_drift = (rng.next_f64() - 0.45) * 0.20 / TRADING_DAYS_PER_YEAR;
    let long_run_var = (annual_vol * annual_vol) / TRADING_DAYS_PER_YEAR;
    // GARCH(1,1): persistence 0.97 gives volatility regimes lasting weeks.
    let (alpha, garch_beta) = (0.08, 0.89);
    let omega = long_run_var * (1.0 - alpha - garch_beta);
    let mut variance = long_run_var;
    let mut price = (2.0 + 4.5 * rng.next_f64()).exp(); // about $7 to $665
    let base_volume = (12.0 + 3.5 * rng.next_f64()).exp(); // about 160k to 5M shares
    let earnings_offset = (rng.next_u64() % EARNINGS_EVERY as u64) as usize;
    let mut series = BarSeries::new(symbol);
    series.reserve(days.len());
    for (i, &time) in days.iter().enumerate() {
        let shock = variance.sqrt() * rng.next_gaussian();
        let earnings = i % EARNINGS_EVERY == earnings_offset;
        let gap = if earnings {
            0.05 * rng.next_gaussian()
        } else {
            0.003 * rng.next_gaussian()
        };
        let day_return = beta * market[i] + sector_beta * sector[i] + idio_drift + shock;
        let open = price * gap.exp();
        let close = open * (day_return - gap).exp();
        let range = variance.sqrt() * (0.4 + 0.6 * rng.next_f64());
        let high = open.max(close) * (range * rng.next_f64()).exp();
        let low = open.min(close) * (-range * rng.next_f64()).exp();
        let surprise = (day_return.abs() / long_run_var.sqrt()).min(8.0);
        let volume_factor = (0.35 * rng.next_gaussian()).exp()
            * (1.0 + 0.6 * surprise)
            * if earnings { 2.5 } else { 1.0 };
        let bar = Bar {
            time,
            open: round_cents(open),
            high: round_cents(high),
            low: round_cents(low),
            close: round_cents(close),
            volume: (base_volume * volume_factor).round(),
            adj_close: None,
        };
        // Rounding to cents can put the close a cent outside the range; widen it.
        let bar = Bar {
            high: bar.high.max(bar.open).max(bar.close),
            low: bar.low.min(bar.open).min(bar.close),
            ..bar
        };
        let pushed = series.push(bar);
        debug_assert!(pushed.is_ok(), "demo bars are valid and increasing");
        variance = omega + alpha * shock * shock + garch_beta * variance;
        price = close;
    }
    series
}

fn round_cents(price: f64) -> f64 {
    ((price * 100.0).round() / 100.0).max(0.01)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_universe_is_deterministic_and_complete() {
        let universe = demo_universe();
        assert_eq!(universe.len(), DEMO_SYMBOLS);
        assert_eq!(universe, demo_universe());
        for (company, series) in &universe {
            assert_eq!(series.len(), DEMO_BARS, "{}", company.symbol);
            assert!(company.name.contains("Demo"));
            assert_eq!(series.symbol(), company.symbol);
        }
        let (_, first) = &universe[0];
        assert_eq!(first.time().last().map(|t| t.ymd()), Some((2025, 12, 31)));
    }

    #[test]
    fn demo_prices_move_like_stocks() {
        for (company, series) in demo_universe().iter().take(50) {
            let closes = series.close();
            let returns: Vec<f64> = closes.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
            let mean = returns.iter().sum::<f64>() / returns.len() as f64;
            let var =
                returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / returns.len() as f64;
            let annual_vol = (var * TRADING_DAYS_PER_YEAR).sqrt();
            assert!(
                (0.08..1.2).contains(&annual_vol),
                "{}: annualised volatility {annual_vol}",
                company.symbol
            );
            assert!(series.volume().iter().all(|&v| v > 0.0));
        }
    }
}
