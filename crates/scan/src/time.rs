//! Bar timestamps.
//!
//! A bar's time is stored as whole seconds since the Unix epoch (UTC). Daily bars sit at
//! midnight and print as `YYYY-MM-DD`; intraday bars print as `YYYY-MM-DD HH:MM:SS`.
//! The calendar arithmetic is Howard Hinnant's days-from-civil algorithm, so the engine
//! needs no date crate and parsing stays allocation-free on the CSV hot path.

use std::fmt;

const SECONDS_PER_DAY: i64 = 86_400;

/// Seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BarTime(i64);

impl BarTime {
    pub const fn from_unix_seconds(seconds: i64) -> Self {
        BarTime(seconds)
    }

    pub const fn unix_seconds(self) -> i64 {
        self.0
    }

    /// Midnight of a calendar date. `None` if the date does not exist.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(BarTime(days_from_civil(year, month, day) * SECONDS_PER_DAY))
    }

    /// Adds a time of day. `None` if it is out of range.
    pub fn with_time(self, hour: u32, minute: u32, second: u32) -> Option<Self> {
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        Some(BarTime(
            self.0 + i64::from(hour * 3600 + minute * 60 + second),
        ))
    }

    /// The calendar date `(year, month, day)`.
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0.div_euclid(SECONDS_PER_DAY))
    }

    /// Seconds past midnight.
    pub fn seconds_of_day(self) -> i64 {
        self.0.rem_euclid(SECONDS_PER_DAY)
    }

    /// Days since the epoch; consecutive calendar days differ by one.
    pub fn day_number(self) -> i64 {
        self.0.div_euclid(SECONDS_PER_DAY)
    }

    /// Parses `YYYY-MM-DD` or `YYYYMMDD`, optionally followed by a time
    /// (`T`/space then `HH:MM[:SS]`). The error says what was expected.
    pub fn parse(text: &str) -> Result<Self, TimeParseError> {
        let text = text.trim();
        let (date, time) = match text.find(['T', ' ']) {
            Some(at) => (&text[..at], Some(text[at + 1..].trim())),
            None => (text, None),
        };
        let date = parse_date(date).ok_or_else(|| TimeParseError::new(text))?;
        match time {
            None | Some("") => Ok(date),
            Some(time) => parse_time(date, time).ok_or_else(|| TimeParseError::new(text)),
        }
    }

    /// Parses a Stooq-style `HHMMSS` time of day and adds it.
    pub fn with_compact_time(self, hhmmss: &str) -> Result<Self, TimeParseError> {
        let bytes = hhmmss.trim().as_bytes();
        let value = (bytes.len() == 6)
            .then(|| digits(bytes))
            .flatten()
            .and_then(|n| self.with_time(n / 10_000, n / 100 % 100, n % 100));
        value.ok_or_else(|| TimeParseError::new(hhmmss))
    }
}

fn parse_date(text: &str) -> Option<BarTime> {
    let b = text.as_bytes();
    let (y, m, d) = match b.len() {
        10 if b[4] == b'-' && b[7] == b'-' => (&b[0..4], &b[5..7], &b[8..10]),
        8 => (&b[0..4], &b[4..6], &b[6..8]),
        _ => return None,
    };
    BarTime::from_ymd(digits(y)? as i32, digits(m)?, digits(d)?)
}

fn parse_time(date: BarTime, text: &str) -> Option<BarTime> {
    let text = text.strip_suffix('Z').unwrap_or(text);
    let mut parts = text.split(':');
    let hour = digits(parts.next()?.as_bytes())?;
    let minute = digits(parts.next()?.as_bytes())?;
    let second = match parts.next() {
        Some(s) => digits(s.as_bytes())?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    date.with_time(hour, minute, second)
}

fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 9 {
        return None;
    }
    bytes.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year as i32, month, day)
}

impl fmt::Display for BarTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")?;
        let s = self.seconds_of_day();
        if s != 0 {
            write!(f, " {:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)?;
        }
        Ok(())
    }
}

/// A date or time that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a date (expected YYYY-MM-DD or YYYYMMDD, optionally with HH:MM:SS)")]
pub struct TimeParseError {
    pub text: String,
}

impl TimeParseError {
    fn new(text: &str) -> Self {
        TimeParseError {
            text: text.chars().take(40).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_dates() {
        let t = BarTime::parse("2015-01-12").unwrap();
        assert_eq!(t.to_string(), "2015-01-12");
        assert_eq!(BarTime::parse("20150112").unwrap(), t);
        assert_eq!(t.unix_seconds(), 1_421_020_800);
    }

    #[test]
    fn parses_times() {
        let t = BarTime::parse("2020-02-29 15:30:00").unwrap();
        assert_eq!(t.to_string(), "2020-02-29 15:30:00");
        assert_eq!(BarTime::parse("2020-02-29T15:30").unwrap(), t);
        let d = BarTime::parse("20200229").unwrap();
        assert_eq!(d.with_compact_time("153000").unwrap(), t);
    }

    #[test]
    fn rejects_impossible_dates() {
        for bad in [
            "2019-02-29",
            "2015-13-01",
            "2015-00-10",
            "2015-1-1",
            "",
            "abc",
            "2015-01-12 25:00",
        ] {
            assert!(BarTime::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn civil_round_trip_over_centuries() {
        for days in (-800_000..800_000).step_by(37) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
