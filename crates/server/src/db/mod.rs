//! The database layer: connecting (SQLite by default, PostgreSQL when `DATABASE_URL`
//! says so), running the migrations, and the append-only audit log.
//!
//! Everything goes through SeaORM so one code path serves both backends; raw SQL appears
//! only where a backend feature is the point (triggers, advisory locks, catalog queries).

pub mod audit;
mod connect;
mod error;
pub mod migrations;

pub use connect::{connect, ping, Backend};
pub use error::{is_unavailable, DbError};
pub use migrations::{migrate, Migrator};
pub use sea_orm::DatabaseConnection;
