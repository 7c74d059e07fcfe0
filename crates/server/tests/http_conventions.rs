//! The conventions every response follows, checked over real HTTP: security headers,
//! request ids, problem+json errors, CSRF refusal, graceful shutdown.

mod support;

use reqwest::{Client, StatusCode};
use support::TestServer;

const SECURITY_HEADERS: [&str; 4] = [
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
    "x-frame-options",
];

#[tokio::test]
async fn every_response_carries_the_security_headers_and_a_request_id() {
    let server = TestServer::start(&[]).await;
    let client = Client::new();
    for (method, path) in [
        (reqwest::Method::GET, "/healthz"),
        (reqwest::Method::GET, "/api/v1/nothing-here"),
        (reqwest::Method::DELETE, "/healthz"),
    ] {
        let response = client
            .request(method.clone(), server.url(path))
            .send()
            .await
            .unwrap();
        for name in SECURITY_HEADERS {
            assert!(
                response.headers().contains_key(name),
                "{method} {path} lacks {name}"
            );
        }
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap();
        for directive in [
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'self'",
        ] {
            assert!(csp.contains(directive), "CSP lacks {directive}: {csp}");
        }
        assert!(response.headers().contains_key("x-request-id"));
        // HSTS is for production only: the test server speaks plain HTTP.
        assert!(!response.headers().contains_key("strict-transport-security"));
    }
    server.stop().await;
}

#[tokio::test]
async fn production_adds_hsts() {
    let secret = "a-production-secret-that-is-long-enough-for-hs256-0123";
    let server = TestServer::start(&[("ENVIRONMENT", "production"), ("JWT_SECRET", secret)]).await;
    let response = reqwest::get(server.url("/healthz")).await.unwrap();
    let hsts = response.headers()["strict-transport-security"]
        .to_str()
        .unwrap();
    assert!(hsts.starts_with("max-age=63072000"), "{hsts}");
    server.stop().await;
}

#[tokio::test]
async fn a_well_formed_request_id_is_kept_and_a_forged_one_replaced() {
    let server = TestServer::start(&[]).await;
    let client = Client::new();
    let kept = client
        .get(server.url("/api/v1/missing"))
        .header("x-request-id", "lb-7f3a_01")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "lb-7f3a_01");
    let body: serde_json::Value = kept.json().await.unwrap();
    assert_eq!(body["request_id"], "lb-7f3a_01");

    let replaced = client
        .get(server.url("/healthz"))
        .header("x-request-id", "evil\" injected=1")
        .send()
        .await
        .unwrap();
    let id = replaced.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(id, "evil\" injected=1");
    assert_eq!(id.len(), 24);
    server.stop().await;
}

#[tokio::test]
async fn api_errors_are_problem_json_with_the_request_id() {
    let server = TestServer::start(&[]).await;
    let client = Client::new();

    let missing = client
        .get(server.url("/api/v1/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
    let id = missing.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let body: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(body["type"], "/problems/not-found");
    assert_eq!(body["status"], 404);
    assert_eq!(body["request_id"], id.as_str());
    assert!(body["detail"].as_str().unwrap().contains("/api/v1/nothing"));

    // axum answers a wrong method itself, with an empty body: it still becomes a
    // problem, and keeps its Allow header.
    let wrong_method = client.delete(server.url("/api/v1")).send().await.unwrap();
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        wrong_method.headers()["content-type"],
        "application/problem+json"
    );
    assert!(wrong_method.headers()["allow"]
        .to_str()
        .unwrap()
        .contains("GET"));
    let body: serde_json::Value = wrong_method.json().await.unwrap();
    assert_eq!(body["type"], "/problems/method-not-allowed");
    server.stop().await;
}

#[tokio::test]
async fn a_cross_site_request_with_the_session_cookie_is_refused() {
    let server = TestServer::start(&[("APP_URL", "https://scanner.example")]).await;
    let client = Client::new();
    let forged = client
        .post(server.url("/api/v1"))
        .header("cookie", "ss_session=stolen-by-the-browser")
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = forged.json().await.unwrap();
    assert_eq!(body["type"], "/problems/csrf");
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("https://evil.example"));

    // The same request from our own origin passes the check (and meets the route's 405).
    let ours = client
        .post(server.url("/api/v1"))
        .header("cookie", "ss_session=abc")
        .header("origin", "https://scanner.example")
        .send()
        .await
        .unwrap();
    assert_eq!(ours.status(), StatusCode::METHOD_NOT_ALLOWED);
    server.stop().await;
}

#[tokio::test]
async fn readiness_and_metrics_answer() {
    let server = TestServer::start(&[]).await;
    let ready = reqwest::get(server.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["database"]["status"], "ok", "{body}");
    assert_eq!(body["checks"]["jobs"]["status"], "ok", "{body}");

    reqwest::get(server.url("/api/v1")).await.unwrap();
    let metrics = reqwest::get(server.url("/metrics")).await.unwrap();
    assert!(metrics.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/api/v1",status="200"} 1"#),
        "{text}"
    );
    #[cfg(target_os = "linux")]
    for name in [
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
    ] {
        assert!(text.contains(name), "metrics lack {name}");
    }
    server.stop().await;
}
