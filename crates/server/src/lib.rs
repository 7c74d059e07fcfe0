//! The Stock Scanner service: configuration, database, HTTP API, background jobs and the
//! web UI, around the engine (`scan`) and market data (`market`) crates.

pub mod config;
pub mod db;
