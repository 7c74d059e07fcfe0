//! One data row: split into fields and read into a [`Bar`].
//!
//! The row is split in a single pass over its bytes and the fields the layout wants are
//! kept as `&str` slices in a fixed array: nothing is allocated for a good row. Numbers
//! go through `str::parse::<f64>`, which rounds correctly, so every value that was
//! printed from an `f64` reads back as the same `f64`.
//!
//! Errors are `String`s built only when a row is bad; the caller adds `path:line: `.
//! They name the column as the header spells it, so the user can find it.

use super::layout::{unquote, Field, Layout};
use scan::{Bar, BarTime};

/// A row read into a bar, with its symbol field if the file has a symbol column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Row<'a> {
    pub(crate) symbol: Option<&'a str>,
    pub(crate) bar: Bar,
}

/// Reads a row (without its line ending). The bar is not yet validated against the bar
/// rules: [`scan::BarSeries::push`] does that, with the previous bar of the symbol.
pub(crate) fn parse_row<'a>(line: &'a str, layout: &Layout) -> Result<Row<'a>, String> {
    let mut fields: [&str; Field::COUNT] = [""; Field::COUNT];
    // A plain byte loop: fields are short, so this beats `str::split`'s searcher.
    // Slicing at a `,` is always on a character boundary.
    let mut found = 0;
    let mut start = 0;
    for (at, &byte) in line.as_bytes().iter().enumerate() {
        if byte == b',' {
            if let Some(Some(f)) = layout.field_at.get(found) {
                fields[*f as usize] = &line[start..at];
            }
            found += 1;
            start = at + 1;
        }
    }
    if let Some(Some(f)) = layout.field_at.get(found) {
        fields[*f as usize] = &line[start..];
    }
    found += 1;
    if found != layout.width() {
        let hint = if found < layout.width() {
            " (truncated line?)"
        } else {
            ""
        };
        return Err(format!(
            "expected {} fields as in the header, found {found}{hint}",
            layout.width()
        ));
    }
    let text = |field: Field| -> Result<&'a str, String> {
        let value = unquote(fields[field as usize]);
        if value.is_empty() {
            Err(format!("column `{}` is empty", layout.column_name(field)))
        } else {
            Ok(value)
        }
    };
    let number = |field: Field| -> Result<f64, String> {
        let value = text(field)?;
        value.parse::<f64>().map_err(|_| {
            format!(
                "column `{}`: {} is not a number",
                layout.column_name(field),
                quoted(value)
            )
        })
    };

    let symbol = if layout.has(Field::Symbol) {
        Some(text(Field::Symbol)?)
    } else {
        None
    };
    let date_text = text(Field::Date)?;
    let mut time = BarTime::parse(date_text)
        .map_err(|e| format!("column `{}`: {e}", layout.column_name(Field::Date)))?;
    if layout.has(Field::Time) {
        let time_text = text(Field::Time)?;
        if time.seconds_of_day() != 0 {
            return Err(format!(
                "column `{}` already has a time of day ({}) and there is a `{}` column",
                layout.column_name(Field::Date),
                quoted(date_text),
                layout.column_name(Field::Time)
            ));
        }
        time = with_time_of_day(time, time_text).ok_or_else(|| {
            format!(
                "column `{}`: {} is not a time of day (expected HHMMSS or HH:MM[:SS])",
                layout.column_name(Field::Time),
                quoted(time_text)
            )
        })?;
    }
    let (open, high, low, close, volume) = (
        number(Field::Open)?,
        number(Field::High)?,
        number(Field::Low)?,
        number(Field::Close)?,
        number(Field::Volume)?,
    );
    let adj_close = if layout.has(Field::AdjClose) {
        Some(number(Field::AdjClose)?)
    } else {
        None
    };
    let bar = Bar {
        time,
        open,
        high,
        low,
        close,
        volume,
        adj_close,
    };
    Ok(Row { symbol, bar })
}

/// Adds a time column's value: Stooq's `HHMMSS` (`000000` is midnight, so a daily bar
/// stays a daily bar) or `HH:MM[:SS]`.
fn with_time_of_day(date: BarTime, text: &str) -> Option<BarTime> {
    if !text.contains(':') {
        return date.with_compact_time(text).ok();
    }
    let mut values = [0u32; 3];
    let mut count = 0;
    for part in text.split(':') {
        let slot = values.get_mut(count)?;
        if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = part.parse().ok()?;
        count += 1;
    }
    if count < 2 {
        return None;
    }
    let [hour, minute, second] = values;
    date.with_time(hour, minute, second)
}

/// A field value for a message: quoted, escaped, and cut to 40 characters so a garbage
/// line does not flood the terminal.
pub(crate) fn quoted(value: &str) -> String {
    const LIMIT: usize = 40;
    match value.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{:?}…", &value[..cut]),
        None => format!("{value:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yahoo() -> Layout {
        Layout::from_header("Date,High,Low,Open,Close,Volume,Adj Close,Name").unwrap()
    }

    #[test]
    fn reads_a_yahoo_row_exactly() {
        let line = "2015-01-12,112.62999725341797,108.80000305175781,112.5999984741211,\
                    109.25,49650800.0,100.38079071044922,AAPL";
        let row = parse_row(line, &yahoo()).unwrap();
        assert_eq!(row.symbol, Some("AAPL"));
        assert_eq!(row.bar.time, BarTime::from_ymd(2015, 1, 12).unwrap());
        assert_eq!(row.bar.open, 112.5999984741211);
        assert_eq!(row.bar.high, 112.62999725341797);
        assert_eq!(row.bar.low, 108.80000305175781);
        assert_eq!(row.bar.close, 109.25);
        assert_eq!(row.bar.volume, 49_650_800.0);
        assert_eq!(row.bar.adj_close, Some(100.38079071044922));
    }

    #[test]
    fn tolerates_spaces_and_quotes_around_fields() {
        let line = " 2015-01-12 , 2 ,1,\"1.5\", 1.5 ,10,1.5, \"AAPL\" ";
        let row = parse_row(line, &yahoo()).unwrap();
        assert_eq!(row.symbol, Some("AAPL"));
        assert_eq!((row.bar.high, row.bar.open), (2.0, 1.5));
    }

    #[test]
    fn stooq_times() {
        let layout = Layout::from_header(
            "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>",
        )
        .unwrap();
        let daily = parse_row("AAPL.US,D,20150112,000000,1,2,1,2,10,0", &layout).unwrap();
        assert_eq!(daily.bar.time, BarTime::from_ymd(2015, 1, 12).unwrap());
        assert_eq!(daily.bar.time.to_string(), "2015-01-12");
        let intraday = parse_row("AAPL.US,5,20150112,153000,1,2,1,2,10,0", &layout).unwrap();
        assert_eq!(intraday.bar.time.to_string(), "2015-01-12 15:30:00");
        let colon = parse_row("AAPL.US,5,20150112,15:30,1,2,1,2,10,0", &layout).unwrap();
        assert_eq!(colon.bar.time, intraday.bar.time);
    }

    #[test]
    fn bad_fields_are_named() {
        let layout = yahoo();
        let cases = [
            (
                "2015-01-12,abc,1,1,1,1,1,X",
                "column `High`: \"abc\" is not a number",
            ),
            ("2015-01-12,,1,1,1,1,1,X", "column `High` is empty"),
            ("2015-01-12,1,1,1,1,1,\"\",X", "column `Adj Close` is empty"),
            ("2015-01-12,1,1,1,1,1,1,", "column `Name` is empty"),
            (
                "2015-13-12,1,1,1,1,1,1,X",
                "column `Date`: `2015-13-12` is not a date (expected YYYY-MM-DD or \
                 YYYYMMDD, optionally with HH:MM:SS)",
            ),
            (
                "2015-01-12,1,1,1,1,1,1",
                "expected 8 fields as in the header, found 7 (truncated line?)",
            ),
            (
                "2015-01-12,1,1,1,1,1,1,X,extra",
                "expected 8 fields as in the header, found 9",
            ),
        ];
        for (line, message) in cases {
            assert_eq!(parse_row(line, &layout).unwrap_err(), message, "{line}");
        }
        let stooq = Layout::from_header("ticker,date,time,open,high,low,close,vol").unwrap();
        assert_eq!(
            parse_row("A,20150112,2500,1,1,1,1,1", &stooq).unwrap_err(),
            "column `time`: \"2500\" is not a time of day (expected HHMMSS or HH:MM[:SS])"
        );
        assert_eq!(
            parse_row("A,2015-01-12 10:00,100000,1,1,1,1,1", &stooq).unwrap_err(),
            "column `date` already has a time of day (\"2015-01-12 10:00\") and there is a \
             `time` column"
        );
    }

    #[test]
    fn non_finite_numbers_parse_and_are_left_to_bar_validation() {
        let row = parse_row("2015-01-12,NaN,1,1,1,1,1,X", &yahoo()).unwrap();
        assert!(row.bar.high.is_nan());
        assert_eq!(
            row.bar.validate().unwrap_err().to_string(),
            "high is NaN, not a finite number"
        );
        let row = parse_row("2015-01-12,inf,1,1,1,1,1,X", &yahoo()).unwrap();
        assert_eq!(row.bar.high, f64::INFINITY);
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "x".repeat(100);
        assert_eq!(quoted(&long), format!("\"{}\"…", "x".repeat(40)));
    }
}
