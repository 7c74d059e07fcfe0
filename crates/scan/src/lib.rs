//! The Stock Scanner engine: bar series, indicators, and the scan language (parsing and checking).
//!
//! Pure computation: no I/O, no async, no knowledge of HTTP or databases. Everything
//! here is deterministic and can be tested with plain values.

pub mod catalog;
pub mod columns;
pub mod eval;
pub mod indicators;
pub mod lang;
mod memory;
pub mod series;
pub mod time;

pub use series::{Bar, BarProblem, BarSeries, PriceField};
pub use time::{BarTime, TimeParseError};
