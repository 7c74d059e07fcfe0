//! What every request handler can reach: the configuration and the shared services.

use crate::config::Config;
use crate::http::health::CheckResult;
use std::collections::BTreeMap;
use std::sync::Arc;

pub type AppState = Arc<App>;

pub struct App {
    pub config: Config,
}

impl App {
    pub fn new(config: Config) -> AppState {
        Arc::new(App { config })
    }
}

impl App {
    /// Each dependency's state, checked now.
    pub async fn readiness(&self) -> BTreeMap<&'static str, CheckResult> {
        BTreeMap::new()
    }
}
