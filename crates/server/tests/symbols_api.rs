//! The symbols API on the demo universe: listing, paging, bars by date range, and clear
//! errors for bad input.

mod support;

use reqwest::StatusCode;
use serde_json::Value;
use support::TestServer;

async fn get_json(server: &TestServer, path: &str) -> (StatusCode, Value) {
    let response = reqwest::get(server.url(path)).await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn symbols_page_through_the_whole_demo_universe() {
    let server = TestServer::start(&[]).await;
    let mut cursor: Option<String> = None;
    let mut symbols = Vec::new();
    loop {
        let path = match &cursor {
            None => "/api/v1/symbols?limit=200".to_string(),
            Some(c) => format!("/api/v1/symbols?limit=200&cursor={c}"),
        };
        let (status, page) = get_json(&server, &path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["source"], "demo");
        for item in page["data"].as_array().unwrap() {
            assert_eq!(item["bars"], 1260);
            assert_eq!(item["last_date"], "2025-12-31");
            symbols.push(item["symbol"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(symbols.len(), 500);
    let mut sorted = symbols.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        sorted, symbols,
        "pages are in order, without repeats or gaps"
    );
    server.stop().await;
}

#[tokio::test]
async fn bars_come_by_date_range_and_page_by_cursor() {
    let server = TestServer::start(&[]).await;
    let (_, page) = get_json(&server, "/api/v1/symbols?limit=1").await;
    let symbol = page["data"][0]["symbol"].as_str().unwrap().to_string();

    let path = format!("/api/v1/symbols/{symbol}/bars?from=2025-12-01&to=2025-12-31");
    let (status, december) = get_json(&server, &path).await;
    assert_eq!(status, StatusCode::OK);
    let bars = december["data"].as_array().unwrap();
    assert_eq!(bars.len(), 23, "weekdays of December 2025");
    assert_eq!(bars[0]["date"], "2025-12-01");
    assert_eq!(bars[22]["date"], "2025-12-31");
    for bar in bars {
        let (high, low) = (bar["high"].as_f64().unwrap(), bar["low"].as_f64().unwrap());
        assert!(high >= low);
    }

    // The same month in pages of ten, lower-case symbol, equals the single page.
    let mut paged = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!(
            "/api/v1/symbols/{}/bars?from=2025-12-01&to=2025-12-31&limit=10&cursor={cursor}",
            symbol.to_lowercase()
        );
        let (_, page) = get_json(&server, &path).await;
        paged.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    assert_eq!(&paged, bars);
    server.stop().await;
}

#[tokio::test]
async fn bad_requests_say_what_and_where() {
    let server = TestServer::start(&[]).await;
    let (_, page) = get_json(&server, "/api/v1/symbols?limit=1").await;
    let symbol = page["data"][0]["symbol"].as_str().unwrap().to_string();
    let cases = [
        (
            "/api/v1/symbols?limit=0".to_string(),
            StatusCode::BAD_REQUEST,
            "`limit`",
        ),
        (
            "/api/v1/symbols?limit=abc".to_string(),
            StatusCode::BAD_REQUEST,
            "`limit`",
        ),
        (
            "/api/v1/symbols?cursor=nonsense".to_string(),
            StatusCode::BAD_REQUEST,
            "`cursor`",
        ),
        (
            format!("/api/v1/symbols/{symbol}/bars?from=2025-13-01"),
            StatusCode::BAD_REQUEST,
            "`from`",
        ),
        (
            format!("/api/v1/symbols/{symbol}/bars?from=2025-12-02&to=2025-12-01"),
            StatusCode::BAD_REQUEST,
            "is after",
        ),
        (
            "/api/v1/symbols/NOSUCHSYMBOL/bars".to_string(),
            StatusCode::NOT_FOUND,
            "no symbol `NOSUCHSYMBOL`",
        ),
    ];
    for (path, status, needle) in cases {
        let response = reqwest::get(server.url(&path)).await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let body: Value = response.json().await.unwrap();
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains(needle), "{path}: {detail}");
    }
    server.stop().await;
}
