//! Checks that need tools outside Rust, against a real server: the browser smoke test of
//! every public page (tests/browser/smoke.mjs: Debian's Chromium driven by
//! playwright-core), `promtool check metrics` on the exposition that traffic left, and
//! the account pages end to end in the browser (tests/browser/accounts.mjs) with the
//! server's mail caught by a real SMTP server (aiosmtpd). Every tool is required: a
//! missing one fails the test with how to install it.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use support::smtp::{free_port, SmtpSink};
use support::{TempDir, TestServer};

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

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

#[tokio::test(flavor = "multi_thread")]
async fn account_pages_work_end_to_end_in_a_browser() {
    require("node", "apt-get install -y nodejs npm");
    require("python3", "apt-get install -y python3 python3-aiosmtpd");
    let browser_tests = repository().join("tests/browser");
    assert!(
        browser_tests.join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run `npm ci` in tests/browser"
    );
    assert!(
        Path::new(&chromium()).exists(),
        "Chromium is needed at {} (apt-get install -y chromium, or set CHROMIUM)",
        chromium()
    );
    let mail = TempDir::new("mail");
    let sink = SmtpSink::start(free_port(), &mail.0);
    let port = sink.port.to_string();
    let server = TestServer::start(&[
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_PORT", port.as_str()),
        ("SMTP_TLS", "none"),
        ("FROM_EMAIL", "accounts@scanner.example"),
        // One browser signs in many times from one address.
        ("RATE_LIMIT_AUTH", "10000/min"),
        ("RATE_LIMIT_ANONYMOUS", "100000/min"),
        // Its many sign-ins each mail the owner; the reset link must not wait an hour.
        ("EMAIL_RATE_SECURITY", "1000/h"),
        ("EMAIL_RATE_ACCOUNT", "1000/h"),
    ])
    .await;

    let base = server.base.clone();
    let dir = sink.dir.clone();
    let run = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(browser_tests.join("accounts.mjs"))
            .arg(&base)
            .arg(&dir)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    assert!(
        run.status.success(),
        "browser account test failed:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    server.stop().await;
    drop(sink);
}
