//! Maintenance mode, switched through the database as `stockscanner admin maintenance`
//! does: pages and the API answer 503 with Retry-After, health, metrics and webhooks
//! keep working, and switching off restores service.

mod support;

use reqwest::StatusCode;
use server::maintenance::{self, Setting};
use std::time::{Duration, Instant};
use support::TestServer;

async fn switch(server: &TestServer, on: bool) {
    let url = server.database_url();
    let data_dir = support::db::temp_dir("maintenance");
    let db = server::db::connect(&support::db::config(&url, &data_dir, &[]))
        .await
        .unwrap();
    let message = on.then(|| "Upgrading the database; back by 14:00 UTC".to_string());
    maintenance::write(&db, &Setting { on, message })
        .await
        .unwrap();
    db.close().await.unwrap();
}

/// Polls until the home page answers `status` (instances re-read the switch every 2 s).
async fn wait_for_home(server: &TestServer, status: StatusCode) -> reqwest::Response {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = reqwest::get(server.url("/")).await.unwrap();
        if response.status() == status || Instant::now() > deadline {
            return response;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn maintenance_mode_closes_the_doors_but_not_the_monitoring() {
    let server = TestServer::start(&[]).await;
    switch(&server, true).await;

    let page = wait_for_home(&server, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.headers()["retry-after"], "120");
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(page.text().await.unwrap().contains("back by 14:00 UTC"));

    let api = reqwest::get(server.url("/api/v1/symbols")).await.unwrap();
    assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api.headers()["retry-after"], "120");
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["type"], "/problems/maintenance");

    for path in ["/healthz", "/readyz", "/metrics"] {
        let response = reqwest::get(server.url(path)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    // Payment webhooks are not refused for maintenance (none is routed yet: 404).
    let webhook = reqwest::Client::new()
        .post(server.url("/api/v1/webhooks/stripe"))
        .send()
        .await
        .unwrap();
    assert_eq!(webhook.status(), StatusCode::NOT_FOUND);

    switch(&server, false).await;
    assert_eq!(
        wait_for_home(&server, StatusCode::OK).await.status(),
        StatusCode::OK
    );
    server.stop().await;
}
