//! The market the server scans: every symbol's bars, held in memory.

pub mod reload;
pub mod store;
pub mod universe;
