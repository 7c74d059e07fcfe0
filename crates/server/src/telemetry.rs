//! Logs: human-readable in development, one JSON object per line in production, where
//! a log pipeline parses them. `RUST_LOG` overrides the default level.

use crate::config::Config;
use tracing_subscriber::EnvFilter;

pub fn init(config: &Config) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // `try_init`: a second call (tests starting several servers) keeps the first logger.
    let _ = if config.is_production() {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}
