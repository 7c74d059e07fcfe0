//! A real server on a free port, for tests that speak HTTP to it.

#![allow(dead_code)]

pub mod accounts;
pub mod db;
pub mod smtp;

use server::config::{Config, Vars};
use server::shutdown::{self, Trigger};
use std::path::PathBuf;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub struct TestServer {
    pub base: String,
    trigger: Trigger,
    task: JoinHandle<()>,
    data_dir: TempDir,
}

impl TestServer {
    /// Starts a server with `ENVIRONMENT=test`, a fresh data directory and `vars`.
    pub async fn start(vars: &[(&str, &str)]) -> TestServer {
        let data_dir = TempDir::new("server");
        let data = data_dir.0.to_str().unwrap().to_string();
        let mut pairs = vec![("ENVIRONMENT", "test"), ("DATA_DIR", data.as_str())];
        pairs.extend_from_slice(vars);
        let config = Config::load(&Vars::from_pairs(pairs), None).expect("test configuration");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (trigger, shutdown) = shutdown::channel();
        let task = tokio::spawn(async move {
            server::serve::serve_on(listener, config, shutdown)
                .await
                .expect("server runs");
        });
        let server = TestServer {
            base,
            trigger,
            task,
            data_dir,
        };
        // The listener is bound before the app has migrated its database; a request
        // would wait in the backlog, but a test that goes to the database directly must
        // not start before the server is up.
        let health = server.url("/healthz");
        for _ in 0..300 {
            if reqwest::get(&health)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the test server did not become healthy within 15 s");
    }

    /// The SQLite database the server uses (its default, under the data directory).
    pub fn database_url(&self) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            self.data_dir.0.join("stockscanner.db").display()
        )
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Asks for a graceful shutdown and waits until the server has stopped.
    pub async fn stop(self) {
        self.trigger.fire();
        self.task.await.unwrap();
    }
}

pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).unwrap();
        let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let path = std::env::temp_dir().join(format!("stockscanner-{label}-{suffix}"));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Redis for tests: `TEST_REDIS_URL` (redis://host:port), default the local server.
pub fn test_redis() -> (String, String) {
    let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let rest = url.trim_start_matches("redis://");
    let address = rest.split('/').next().unwrap();
    let (host, port) = address.rsplit_once(':').unwrap_or((address, "6379"));
    (host.to_string(), port.to_string())
}
