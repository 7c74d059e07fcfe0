//! Header recognition: which column holds which field.
//!
//! Rather than a fixed list of layouts, every header is read the same way: each column
//! name is normalised (trimmed, lowercase, `<>` and surrounding quotes removed) and
//! looked up in a table of aliases. That single rule covers Yahoo
//! (`Date,Open,High,Low,Close,Adj Close,Volume[,Name]` in any order), long multi-symbol
//! files (`date,open,high,low,close,volume,Name|symbol|ticker`) and Stooq
//! (`<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>`).
//! Columns with other names (Stooq's `<PER>` and `<OPENINT>`, a dividends column …)
//! are ignored, but they still count when a row's fields are counted.

use std::fmt;

/// A field the loader reads. The discriminant indexes [`Layout::column_of`] and the
/// per-row field array, so the hot path never hashes or compares names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Symbol = 0,
    Date,
    Time,
    Open,
    High,
    Low,
    Close,
    Volume,
    AdjClose,
}

impl Field {
    pub(crate) const COUNT: usize = 9;

    #[cfg(test)]
    const ALL: [Field; Field::COUNT] = [
        Field::Symbol,
        Field::Date,
        Field::Time,
        Field::Open,
        Field::High,
        Field::Low,
        Field::Close,
        Field::Volume,
        Field::AdjClose,
    ];

    /// Fields a file must have. Symbol may come from the file name instead; time and
    /// adjusted close are optional.
    const REQUIRED: [Field; 6] = [
        Field::Date,
        Field::Open,
        Field::High,
        Field::Low,
        Field::Close,
        Field::Volume,
    ];

    /// The canonical name used in messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Field::Symbol => "symbol",
            Field::Date => "date",
            Field::Time => "time",
            Field::Open => "open",
            Field::High => "high",
            Field::Low => "low",
            Field::Close => "close",
            Field::Volume => "volume",
            Field::AdjClose => "adj close",
        }
    }

    /// Which field a normalised header name means, if any.
    fn from_header(name: &str) -> Option<Field> {
        Some(match name {
            "name" | "symbol" | "ticker" => Field::Symbol,
            "date" | "datetime" => Field::Date,
            "time" => Field::Time,
            "open" => Field::Open,
            "high" => Field::High,
            "low" => Field::Low,
            "close" => Field::Close,
            "volume" | "vol" => Field::Volume,
            "adj close" | "adj_close" | "adjclose" => Field::AdjClose,
            _ => return None,
        })
    }
}

/// Trims whitespace and one pair of enclosing double quotes. Used on header names and
/// on every field, so `"AAPL"` and ` 12.5 ` read as `AAPL` and `12.5`. Commas inside
/// quotes are not supported: market data has none.
pub(crate) fn unquote(text: &str) -> &str {
    let text = text.trim_ascii();
    match text.as_bytes() {
        [b'"', .., b'"'] => text[1..text.len() - 1].trim_ascii(),
        _ => text,
    }
}

/// Normalises a header name: `<TICKER>` → `ticker`, ` Adj Close ` → `adj close`.
fn normalize_header(name: &str) -> String {
    let name = unquote(name);
    let name = name
        .strip_prefix('<')
        .and_then(|n| n.strip_suffix('>'))
        .unwrap_or(name);
    name.trim_ascii().to_ascii_lowercase()
}

/// Where each field sits in a file's rows.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// For each column of the file, the field it holds (`None`: ignored column).
    pub(crate) field_at: Vec<Option<Field>>,
    /// For each field, the column holding it.
    column_of: [Option<usize>; Field::COUNT],
    /// Column names as written in the header, for messages.
    names: Vec<String>,
}

impl Layout {
    /// Reads a header line (without its line ending).
    pub(crate) fn from_header(header: &str) -> Result<Layout, LayoutError> {
        let names: Vec<String> = header.split(',').map(|n| unquote(n).to_owned()).collect();
        let mut field_at = Vec::with_capacity(names.len());
        let mut column_of: [Option<usize>; Field::COUNT] = [None; Field::COUNT];
        for (column, name) in names.iter().enumerate() {
            let field = Field::from_header(&normalize_header(name));
            if let Some(field) = field {
                if let Some(first) = column_of[field as usize] {
                    return Err(LayoutError::Repeated {
                        field: field.name(),
                        first: names[first].clone(),
                        second: name.clone(),
                    });
                }
                column_of[field as usize] = Some(column);
            }
            field_at.push(field);
        }
        let missing: Vec<&'static str> = Field::REQUIRED
            .iter()
            .filter(|f| column_of[**f as usize].is_none())
            .map(|f| f.name())
            .collect();
        if !missing.is_empty() {
            return Err(LayoutError::Missing {
                missing,
                found: names,
            });
        }
        Ok(Layout {
            field_at,
            column_of,
            names,
        })
    }

    /// Number of columns every row must have.
    pub(crate) fn width(&self) -> usize {
        self.field_at.len()
    }

    pub(crate) fn has(&self, field: Field) -> bool {
        self.column_of[field as usize].is_some()
    }

    /// The header's own spelling of a field's column, for messages.
    pub(crate) fn column_name(&self, field: Field) -> &str {
        self.column_of[field as usize]
            .map(|c| self.names[c].as_str())
            .unwrap_or(field.name())
    }

    /// The recognised fields, in canonical order (for diagnostics and tests).
    #[cfg(test)]
    pub(crate) fn fields(&self) -> Vec<Field> {
        Field::ALL.into_iter().filter(|f| self.has(*f)).collect()
    }
}

/// A header the loader cannot use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LayoutError {
    Missing {
        missing: Vec<&'static str>,
        found: Vec<String>,
    },
    Repeated {
        field: &'static str,
        first: String,
        second: String,
    },
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayoutError::Missing { missing, found } => {
                let plural = if missing.len() == 1 { "" } else { "s" };
                write!(f, "missing required column{plural} ")?;
                write_list(f, missing.iter().copied())?;
                write!(f, "; the header has ")?;
                write_list(f, found.iter().map(String::as_str))?;
                write!(
                    f,
                    " (expected date, open, high, low, close and volume; \
                     optional time, adj close and name/symbol/ticker)"
                )
            }
            LayoutError::Repeated {
                field,
                first,
                second,
            } => write!(
                f,
                "columns `{first}` and `{second}` both hold the {field}; keep one of them"
            ),
        }
    }
}

fn write_list<'a>(f: &mut fmt::Formatter<'_>, items: impl Iterator<Item = &'a str>) -> fmt::Result {
    for (i, item) in items.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "`{item}`")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yahoo_in_both_column_orders() {
        for header in [
            "Date,Open,High,Low,Close,Adj Close,Volume",
            "Date,High,Low,Open,Close,Volume,Adj Close,Name",
        ] {
            let layout = Layout::from_header(header).unwrap();
            assert!(layout.has(Field::AdjClose), "{header}");
            assert_eq!(layout.column_name(Field::High), "High");
        }
        let shared = Layout::from_header("Date,High,Low,Open,Close,Volume,Adj Close,Name").unwrap();
        assert_eq!(shared.field_at[3], Some(Field::Open));
        assert_eq!(shared.field_at[7], Some(Field::Symbol));
    }

    #[test]
    fn stooq_header_with_ignored_columns() {
        let layout = Layout::from_header(
            "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>",
        )
        .unwrap();
        assert_eq!(layout.width(), 10);
        assert_eq!(layout.field_at[1], None);
        assert_eq!(layout.field_at[9], None);
        assert_eq!(
            layout.fields(),
            [
                Field::Symbol,
                Field::Date,
                Field::Time,
                Field::Open,
                Field::High,
                Field::Low,
                Field::Close,
                Field::Volume
            ]
        );
        assert_eq!(layout.column_name(Field::Volume), "<VOL>");
    }

    #[test]
    fn names_are_case_bracket_quote_and_space_insensitive() {
        let layout =
            Layout::from_header(" <date> , \"OPEN\",hIgH,<Low>,close , VOLUME,adj_close,Ticker")
                .unwrap();
        assert_eq!(layout.width(), 8);
        assert!(layout.has(Field::Symbol) && layout.has(Field::AdjClose));
        assert!(!layout.has(Field::Time));
        for alias in ["adjclose", "Adj Close", "ADJ_CLOSE"] {
            let header = format!("date,open,high,low,close,volume,{alias}");
            assert!(Layout::from_header(&header).unwrap().has(Field::AdjClose));
        }
        for alias in ["symbol", "<TICKER>", "Name"] {
            let header = format!("date,open,high,low,close,volume,{alias}");
            assert!(Layout::from_header(&header).unwrap().has(Field::Symbol));
        }
    }

    #[test]
    fn missing_columns_are_named_with_the_columns_found() {
        let error = Layout::from_header("Date,Open,High,Close").unwrap_err();
        assert_eq!(
            error.to_string(),
            "missing required columns `low`, `volume`; the header has `Date`, `Open`, \
             `High`, `Close` (expected date, open, high, low, close and volume; \
             optional time, adj close and name/symbol/ticker)"
        );
    }

    #[test]
    fn repeated_fields_are_refused() {
        let error = Layout::from_header("date,open,high,low,close,volume,symbol,ticker")
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "columns `symbol` and `ticker` both hold the symbol; keep one of them"
        );
    }
}
