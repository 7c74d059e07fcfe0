//! Scans as the service runs them: compiled from text, evaluated over the universe in
//! memory, answered in the same JSON form as `stockscanner scan --format json`.

pub mod activity;
pub mod report;
pub mod run;
