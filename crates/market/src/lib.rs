//! Market data for Stock Scanner: reading bar history from CSV files.
