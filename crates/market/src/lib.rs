//! Market data for Stock Scanner: reading bar history from CSV files.
//!
//! [`load_path`] reads a file or a directory of files into [`scan::BarSeries`], one per
//! symbol, with a [`LoadReport`] of what was left out and why. The layout (Yahoo, long
//! multi-symbol, Stooq) is recognised from the header.
//!
//! This crate does no terminal output: progress is reported through a callback so the
//! command line can draw a bar and a server can ignore it.
//!
//! [`synthetic`] generates deterministic random-walk series for benchmarks and tests;
//! [`demo`] the synthetic demo universe a new installation starts with.

pub mod csv;
pub mod demo;
pub mod symbol;
pub mod synthetic;

pub use csv::{
    load_path, parse_bytes, LoadError, LoadOptions, LoadProblem, LoadReport, OnBadRow,
    ParseOnBadRowError, Progress,
};
pub use symbol::{normalize_symbol, symbol_from_file_name};
