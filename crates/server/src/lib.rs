//! The Stock Scanner service: configuration, database, HTTP API, background jobs and the
//! web UI, around the engine (`scan`) and market data (`market`) crates.

pub mod accounts;
pub mod api;
pub mod auth;
pub mod background;
pub mod config;
pub mod db;
pub mod email;
pub mod http;
pub mod jobs;
pub mod maintenance;
pub mod market;
pub mod metrics;
pub mod net;
pub mod plans;
pub mod ratelimit;
pub mod scans;
pub mod serve;
pub mod settings;
pub mod shutdown;
pub mod state;
pub mod telemetry;
pub mod web;
