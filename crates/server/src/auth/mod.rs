//! The building blocks of account security, free of HTTP and of the database: settings,
//! random tokens, passwords, access tokens, TOTP and recovery codes.

pub mod jwt;
pub mod password;
pub mod recovery;
pub mod secrets;
pub mod settings;
pub mod totp;
