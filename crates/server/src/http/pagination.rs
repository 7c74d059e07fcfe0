//! Cursor pagination: a page holds up to `limit` items and, when more follow, an opaque
//! `next_cursor` to pass back as `cursor`. Cursors encode the last key seen rather than
//! an offset, so pages stay consistent while data is added.

use super::problem::Problem;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: usize,
    /// The key of the last item of the previous page.
    pub after: Option<String>,
}

impl PageRequest {
    /// Reads `limit` (1 to `max`, default `default`) and `cursor` from a query.
    pub fn parse(
        limit: Option<&str>,
        cursor: Option<&str>,
        default: usize,
        max: usize,
    ) -> Result<PageRequest, Problem> {
        let limit = match limit {
            None => default,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    Problem::bad_request(format!(
                        "query parameter `limit`: `{text}` is not a whole number from 1 to {max}"
                    ))
                })?,
        };
        let after = match cursor {
            None | Some("") => None,
            Some(text) => Some(decode(text).ok_or_else(|| {
                Problem::bad_request(format!(
                    "query parameter `cursor`: `{text}` is not a cursor this API returned"
                ))
            })?),
        };
        Ok(PageRequest { limit, after })
    }
}

/// A page of items and the cursor of the next one.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// `items` holds up to `limit + 1` items: the extra one only says another page exists.
    pub fn from_items(mut items: Vec<T>, limit: usize, key: impl Fn(&T) -> String) -> Page<T> {
        let more = items.len() > limit;
        items.truncate(limit);
        let next_cursor = if more {
            items.last().map(|last| encode(&key(last)))
        } else {
            None
        };
        Page {
            data: items,
            next_cursor,
        }
    }
}

const VERSION: &str = "c1";

/// Opaque to clients (so they do not build cursors), versioned so the format can change.
pub fn encode(key: &str) -> String {
    let hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
    format!("{VERSION}{hex}")
}

fn decode(cursor: &str) -> Option<String> {
    let hex = cursor.strip_prefix(VERSION)?;
    if hex.len() % 2 != 0 || hex.len() > 512 {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let page = PageRequest::parse(Some("2"), Some(&encode("MSFT")), 10, 100).unwrap();
        assert_eq!(page.after.as_deref(), Some("MSFT"));
        assert!(PageRequest::parse(None, Some("c1zz"), 10, 100).is_err());
        assert!(PageRequest::parse(None, Some("MSFT"), 10, 100).is_err());
        assert!(PageRequest::parse(Some("0"), None, 10, 100).is_err());
        assert!(PageRequest::parse(Some("101"), None, 10, 100).is_err());
        assert_eq!(PageRequest::parse(None, None, 10, 100).unwrap().limit, 10);
    }

    #[test]
    fn a_page_says_whether_more_follow() {
        let page = Page::from_items(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!(page.data, [1, 2]);
        assert_eq!(page.next_cursor, Some(encode("2")));
        let last = Page::from_items(vec![1, 2], 2, |n| n.to_string());
        assert_eq!(last.next_cursor, None);
    }
}
