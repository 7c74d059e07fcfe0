//! A calendar month in UTC, `YYYY-MM`: what a monthly report covers. Parsed once at the
//! edge (`--month`, a campaign row), so the rest of the code cannot hold `2026-13`.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    /// 1–12.
    month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a month: {why}; write YYYY-MM, e.g. 2026-10")]
pub struct MonthError {
    pub text: String,
    pub why: &'static str,
}

impl Month {
    /// `None` unless `month` is 1–12 and `year` 1970–9999.
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1970..=9999).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }

    pub fn parse(text: &str) -> Result<Month, MonthError> {
        let error = |why| MonthError {
            text: text.to_string(),
            why,
        };
        let trimmed = text.trim();
        let (year, month) = trimmed
            .split_once('-')
            .ok_or_else(|| error("there is no `-` between year and month"))?;
        if year.len() != 4 || month.len() != 2 {
            return Err(error("the year needs 4 digits and the month 2"));
        }
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year) || !digits(month) {
            return Err(error("only digits may stand around the `-`"));
        }
        let (year, month) = (
            year.parse::<i32>()
                .map_err(|_| error("the year is not a number"))?,
            month
                .parse::<u32>()
                .map_err(|_| error("the month is not a number"))?,
        );
        if !(1..=12).contains(&month) {
            return Err(error("the month must be 01 to 12"));
        }
        Month::new(year, month).ok_or_else(|| error("the year must be 1970 or later"))
    }

    /// The month `at` falls in.
    pub fn of(at: DateTime<Utc>) -> Month {
        Month {
            year: at.year(),
            month: at.month(),
        }
    }

    pub fn previous(self) -> Month {
        match self.month {
            1 => Month {
                year: self.year - 1,
                month: 12,
            },
            m => Month {
                year: self.year,
                month: m - 1,
            },
        }
    }

    pub fn next(self) -> Month {
        match self.month {
            12 => Month {
                year: self.year + 1,
                month: 1,
            },
            m => Month {
                year: self.year,
                month: m + 1,
            },
        }
    }

    /// Midnight UTC on the first day.
    pub fn start(self) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
            .unwrap_or_default()
    }

    /// The start of the next month: the month is `[start, end)`.
    pub fn end(self) -> DateTime<Utc> {
        self.next().start()
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = MonthError;

    fn from_str(text: &str) -> Result<Month, MonthError> {
        Month::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_print_and_bound_their_days() {
        let october = Month::parse("2026-10").unwrap();
        assert_eq!(october.to_string(), "2026-10");
        assert_eq!(october.start().to_rfc3339(), "2026-10-01T00:00:00+00:00");
        assert_eq!(october.end().to_rfc3339(), "2026-11-01T00:00:00+00:00");
        let january = Month::parse("2027-01").unwrap();
        assert_eq!(january.previous().to_string(), "2026-12");
        assert_eq!(january.previous().next(), january);
        let at = DateTime::parse_from_rfc3339("2026-11-26T09:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(Month::of(at).previous(), october);
    }

    #[test]
    fn a_bad_month_says_what_is_wrong() {
        let e = Month::parse("2026-13").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`2026-13` is not a month: the month must be 01 to 12; write YYYY-MM, e.g. 2026-10"
        );
        for bad in [
            "2026-00", "2026/10", "26-10", "2026-1", "2026-+1", "abcd-10", "1969-12", "",
        ] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
    }
}
