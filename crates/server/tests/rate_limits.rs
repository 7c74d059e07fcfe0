//! Rate limits over real HTTP: in process, shared through a live Redis by two app
//! instances, and falling back to in-process limits when Redis is unreachable.

mod support;

use reqwest::{Client, StatusCode};
use support::{test_redis, TestServer};

async fn get(
    client: &Client,
    server: &TestServer,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut request = client.get(server.url("/api/v1"));
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    request.send().await.unwrap()
}

fn unique_prefix() -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).unwrap();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("test-{hex}:")
}

#[tokio::test]
async fn the_quota_is_enforced_and_reported() {
    let server = TestServer::start(&[("RATE_LIMIT_ANONYMOUS", "3/min")]).await;
    let client = Client::new();
    for remaining in ["2", "1", "0"] {
        let response = get(&client, &server, None).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["ratelimit-limit"], "3");
        assert_eq!(response.headers()["ratelimit-remaining"], remaining);
    }
    let refused = get(&client, &server, None).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers()["retry-after"], "20");
    assert_eq!(refused.headers()["ratelimit-remaining"], "0");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["type"], "/problems/rate-limited");
    assert!(body["detail"].as_str().unwrap().contains("3/min"));
    // Health checks are never limited.
    let health = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    let client = Client::new();
    let direct = TestServer::start(&[("RATE_LIMIT_ANONYMOUS", "1/min")]).await;
    assert_eq!(
        get(&client, &direct, Some("1.1.1.1")).await.status(),
        StatusCode::OK
    );
    // The client cannot escape its limit by claiming another address.
    assert_eq!(
        get(&client, &direct, Some("2.2.2.2")).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    direct.stop().await;

    let proxied = TestServer::start(&[
        ("RATE_LIMIT_ANONYMOUS", "1/min"),
        ("TRUSTED_PROXIES", "127.0.0.0/8"),
    ])
    .await;
    assert_eq!(
        get(&client, &proxied, Some("1.1.1.1")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get(&client, &proxied, Some("2.2.2.2")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get(&client, &proxied, Some("1.1.1.1")).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    proxied.stop().await;
}

#[tokio::test]
async fn two_instances_on_one_redis_share_one_limit() {
    let (host, port) = test_redis();
    let prefix = unique_prefix();
    let vars = [
        ("RATE_LIMIT_ANONYMOUS", "4/min"),
        ("REDIS_HOST", host.as_str()),
        ("REDIS_PORT", port.as_str()),
        ("REDIS_KEY_PREFIX", prefix.as_str()),
    ];
    let first = TestServer::start(&vars).await;
    let second = TestServer::start(&vars).await;
    let client = Client::new();
    let alternating = [&first, &second, &first, &second, &first, &second];
    assert_eq!(
        statuses(&client, &alternating).await,
        [200, 200, 200, 200, 429, 429]
    );

    let ready: serde_json::Value = reqwest::get(first.url("/readyz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["checks"]["redis"]["status"], "ok", "{ready}");
    first.stop().await;
    second.stop().await;
}

#[tokio::test]
async fn without_redis_limits_stay_in_process_and_readiness_says_degraded() {
    // Nothing listens on port 1: every Redis call fails fast.
    let server = TestServer::start(&[
        ("RATE_LIMIT_ANONYMOUS", "2/min"),
        ("REDIS_HOST", "127.0.0.1"),
        ("REDIS_PORT", "1"),
    ])
    .await;
    let client = Client::new();
    assert_eq!(
        statuses(&client, &[&server, &server, &server]).await,
        [200, 200, 429]
    );

    let ready = reqwest::get(server.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["checks"]["redis"]["status"], "degraded", "{body}");
    server.stop().await;
}

/// The status of one request to each server in turn.
async fn statuses(client: &Client, servers: &[&TestServer]) -> Vec<u16> {
    let mut statuses = Vec::new();
    for server in servers {
        statuses.push(get(client, server, None).await.status().as_u16());
    }
    statuses
}

/// What the authentication layer will do: name the caller on the request.
async fn as_caller(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let headers = request.headers();
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_string());
    let caller = match (header("x-test-caller"), header("x-test-plan")) {
        (Some(key), Some(plan)) => Some(server::ratelimit::Caller { key, plan }),
        _ => None,
    };
    if let Some(caller) = caller {
        request.extensions_mut().insert(caller);
    }
    next.run(request).await
}

#[tokio::test]
async fn a_known_caller_is_limited_by_its_own_key_at_its_plans_quota() {
    use axum::middleware::{from_fn, from_fn_with_state};
    use tower::ServiceExt;

    let data_dir = support::db::temp_dir("caller-limits");
    let database = format!("sqlite://{}?mode=rwc", data_dir.join("app.db").display());
    let config = support::db::config(
        &database,
        &data_dir,
        &[("RATE_LIMIT_FREE", "1/min"), ("RATE_LIMIT_PRO", "3/min")],
    );
    let app = server::state::App::start(config).await.unwrap();
    let router = axum::Router::new()
        .route("/limited", axum::routing::get(|| async { "ok" }))
        .layer(from_fn_with_state(app, server::ratelimit::limit))
        .layer(from_fn(as_caller));
    let call = |caller: &str, plan: &str| {
        let request = axum::http::Request::get("/limited")
            .header("x-test-caller", caller)
            .header("x-test-plan", plan)
            .body(axum::body::Body::empty())
            .unwrap();
        let router = router.clone();
        async move { router.oneshot(request).await.unwrap().status().as_u16() }
    };
    let pro: Vec<u16> = [
        call("user:1", "pro").await,
        call("user:1", "pro").await,
        call("user:1", "pro").await,
        call("user:1", "pro").await,
    ]
    .into();
    assert_eq!(pro, [200, 200, 200, 429], "pro: 3/min for user 1");
    assert_eq!(
        call("key:7", "free").await,
        200,
        "API key 7 has its own bucket"
    );
    assert_eq!(call("key:7", "free").await, 429, "free: 1/min");
    assert_eq!(call("user:2", "pro").await, 200, "user 2 is not user 1");
}
