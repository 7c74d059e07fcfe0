//! Checks that need tools outside Rust, against a real server: the browser smoke test of
//! every public page (tests/browser/smoke.mjs: Debian's Chromium driven by
//! playwright-core) and `promtool check metrics` on the exposition that traffic left.
//! Both tools are required: a missing one fails the test with how to install it.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use support::TestServer;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn require(program: &str, install: &str) {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(found, "`{program}` is needed by this test: {install}");
}

fn promtool_check(exposition: &str) -> Output {
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs");
    if let Some(mut stdin) = promtool.stdin.take() {
        stdin.write_all(exposition.as_bytes()).unwrap();
    }
    promtool.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn public_pages_load_cleanly_in_a_browser_and_metrics_pass_promtool() {
    require("node", "apt-get install -y nodejs npm");
    require("promtool", "apt-get install -y prometheus");
    let browser_tests = repository().join("tests/browser");
    assert!(
        browser_tests.join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run `npm ci` in tests/browser"
    );
    let server = TestServer::start(&[]).await;

    let base = server.base.clone();
    let smoke = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(browser_tests.join("smoke.mjs"))
            .arg(&base)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    assert!(
        smoke.status.success(),
        "browser smoke test failed:\n{}\n{}",
        String::from_utf8_lossy(&smoke.stdout),
        String::from_utf8_lossy(&smoke.stderr)
    );

    reqwest::get(server.url("/api/v1/symbols?limit=1"))
        .await
        .unwrap();
    let exposition = reqwest::get(server.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for metric in [
        "http_requests_total",
        "http_request_duration_seconds",
        "db_pool_connections",
        "process_resident_memory_bytes",
    ] {
        assert!(exposition.contains(metric), "/metrics lacks {metric}");
    }
    let check = tokio::task::spawn_blocking(move || promtool_check(&exposition))
        .await
        .unwrap();
    assert!(
        check.status.success(),
        "promtool check metrics failed:\n{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    server.stop().await;
}
