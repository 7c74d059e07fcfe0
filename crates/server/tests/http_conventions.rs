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

/// A request to run a scan whose JSON body is `body`, as raw HTTP/1.1.
fn scan_request(body: &str) -> String {
    format!(
        "POST /api/v1/scans/run HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Sends the first `sent` bytes of `request` and returns the open connection.
async fn send_part(base: &str, request: &str, sent: usize) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(&request.as_bytes()[..sent]).await.unwrap();
    stream
}

async fn read_response(mut stream: tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    String::from_utf8(response).unwrap()
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_problem_json() {
    let server = TestServer::start(&[("REQUEST_BODY_LIMIT_BYTES", "1024")]).await;
    let scan = format!("close > 0 {}", "# padding\n".repeat(150));
    let response = Client::new()
        .post(server.url("/api/v1/scans/run"))
        .json(&serde_json::json!({ "scan": scan }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["type"], "/problems/payload-too-large");
    assert!(body["request_id"].is_string());

    let small = Client::new()
        .post(server.url("/api/v1/scans/run"))
        .json(&serde_json::json!({ "scan": "close > 0 limit 1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        small.status(),
        StatusCode::OK,
        "the same route under the limit"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_request_that_outlives_the_timeout_is_cut_off_with_a_problem() {
    let server = TestServer::start(&[("REQUEST_TIMEOUT_SECS", "1")]).await;
    // A client that stops halfway through its body holds the request open.
    let request = scan_request(r#"{"scan": "close > 0 limit 1"}"#);
    let started = std::time::Instant::now();
    let stalled = send_part(&server.base, &request, request.len() - 5).await;
    let response = read_response(stalled).await;
    assert!(
        response.starts_with("HTTP/1.1 503"),
        "after {:?}: {response}",
        started.elapsed()
    );
    assert!(response.contains("application/problem+json"), "{response}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    server.stop().await;
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_and_refuses_new_ones() {
    let server = TestServer::start(&[]).await;
    let base = server.base.clone();
    let request = scan_request(r#"{"scan": "close > 0 limit 1"}"#);
    let in_flight = send_part(&base, &request, request.len() - 5).await;
    // Let the server read the head, so the request is in flight when shutdown begins.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let stopping = tokio::spawn(server.stop());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!stopping.is_finished(), "the server waits for the request");
    assert!(
        tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
            .await
            .is_err(),
        "no new connections once shutdown has begun"
    );

    let mut in_flight = in_flight;
    tokio::io::AsyncWriteExt::write_all(&mut in_flight, &request.as_bytes()[request.len() - 5..])
        .await
        .unwrap();
    let response = read_response(in_flight).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"matched\":500"), "{response}");
    tokio::time::timeout(std::time::Duration::from_secs(10), stopping)
        .await
        .expect("the server stops once the request is answered")
        .unwrap();
}
