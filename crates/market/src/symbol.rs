//! Ticker symbols as the loader stores them.
//!
//! Data arrives with the same ticker spelled several ways: `AAPL` in a Yahoo `Name`
//! column, `AAPL.US` in a Stooq `<TICKER>` column, and file names such as
//! `AAPL_data.csv` or `aapl.us.txt`. One normal form lets a scan, a watchlist and a
//! file name agree on the symbol: trimmed, uppercase, without a trailing `.US`.
//!
//! Only `.US` is stripped, on purpose. It is the suffix Stooq puts on every US listing,
//! where it carries no information for a US universe; other suffixes (`VOD.UK`,
//! `7203.JP`, `BRK.B`) tell listings apart and are kept.

use std::path::Path;

/// The stored form of a ticker as it appears in a symbol column: trimmed, uppercase,
/// with a trailing `.US` (any case) removed. Returns an empty string for a blank one.
pub fn normalize_symbol(raw: &str) -> String {
    let mut symbol = raw.trim().to_ascii_uppercase();
    if let Some(stripped) = symbol.strip_suffix(".US") {
        symbol.truncate(stripped.len());
    }
    symbol
}

/// The symbol a file holds when it has no symbol column, taken from its name:
/// `AAPL_data.csv` → `AAPL`, `aapl.us.txt` → `AAPL`, `AAPL.csv` → `AAPL`.
///
/// The last extension is dropped, then a `_data` suffix (the shared Yahoo dataset's
/// naming), then `.us` (Stooq's), all case-insensitively. `None` when nothing is left.
pub fn symbol_from_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let stem = match name.rfind('.') {
        Some(dot) if dot > 0 => &name[..dot],
        _ => name,
    };
    let stem = strip_suffix_ignore_case(stem, "_data");
    let symbol = normalize_symbol(stem);
    (!symbol.is_empty()).then_some(symbol)
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> &'a str {
    let cut = text.len().wrapping_sub(suffix.len());
    match text.get(cut..) {
        Some(tail) if cut < text.len() && tail.eq_ignore_ascii_case(suffix) => &text[..cut],
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_from_file_names() {
        let cases = [
            ("AAPL_data.csv", Some("AAPL")),
            ("data/aapl.us.txt", Some("AAPL")),
            ("AAPL.csv", Some("AAPL")),
            ("brk.b.csv", Some("BRK.B")),
            ("vod.uk.txt", Some("VOD.UK")),
            ("msft_DATA.CSV", Some("MSFT")),
            ("MSFT", Some("MSFT")),
            ("_data.csv", None),
            (".us.txt", None),
            ("", None),
        ];
        for (name, expected) in cases {
            assert_eq!(
                symbol_from_file_name(Path::new(name)).as_deref(),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn symbol_column_values_are_normalized() {
        assert_eq!(normalize_symbol(" aapl.us "), "AAPL");
        assert_eq!(normalize_symbol("AAPL"), "AAPL");
        assert_eq!(normalize_symbol("brk.b"), "BRK.B");
        assert_eq!(normalize_symbol("USUS.US"), "USUS");
        assert_eq!(normalize_symbol("  "), "");
    }
}
