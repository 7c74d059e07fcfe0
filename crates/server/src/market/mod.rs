//! The market the server scans: every symbol's bars, held in memory.

pub mod universe;
