//! The public pages served by the real server on a real socket: status, content type,
//! the hashed static files they link to, error pages, and plans from configuration.

use server::config::{Config, Vars};
use server::serve::serve_on;
use server::shutdown::{self, Trigger};
use std::path::PathBuf;
use tokio::net::TcpListener;

struct TestServer {
    base: String,
    trigger: Trigger,
    data_dir: PathBuf,
}

impl TestServer {
    async fn start(name: &str, extra: &[(&str, &str)]) -> TestServer {
        let data_dir = std::env::temp_dir().join(format!("ss-web-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data_dir);
        let dir = data_dir.to_str().unwrap().to_string();
        let mut pairs = vec![("ENVIRONMENT", "test"), ("DATA_DIR", dir.as_str())];
        pairs.extend_from_slice(extra);
        let config = Config::load(&Vars::from_pairs(pairs), None).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (trigger, shutdown) = shutdown::channel();
        tokio::spawn(serve_on(listener, config, shutdown));
        TestServer {
            base,
            trigger,
            data_dir,
        }
    }

    async fn get(&self, path: &str) -> Page {
        let response = reqwest::get(format!("{}{path}", self.base)).await.unwrap();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        Page {
            status: response.status().as_u16(),
            content_type: header("content-type").unwrap_or_default(),
            cache_control: header("cache-control"),
            body: response.text().await.unwrap(),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.trigger.fire();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

struct Page {
    status: u16,
    content_type: String,
    cache_control: Option<String>,
    body: String,
}

impl Page {
    fn is_html(&self) -> bool {
        self.content_type.starts_with("text/html")
    }
}

/// Every `/static/…` URL the page links to (href or src).
fn static_urls(html: &str) -> Vec<String> {
    html.split("\"/static/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|name| format!("/static/{name}"))
        .collect()
}

#[tokio::test]
async fn public_pages_render_in_the_layout_and_their_assets_are_immutable() {
    let server = TestServer::start("pages", &[]).await;
    for (path, marker) in [("/", "rsi(14)"), ("/pricing", "Simple plans")] {
        let page = server.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(page.is_html(), "{path}: {}", page.content_type);
        assert!(page.body.contains(marker), "{path} lacks {marker}");
        assert!(
            page.body.contains("class=\"site-header\""),
            "{path} lacks the layout"
        );
        assert!(
            page.body
                .contains("Demo data: the market shown here is synthetic"),
            "{path} does not label the demo market"
        );

        let urls = static_urls(&page.body);
        for name in ["app.", "theme.", "nav.", "favicon."] {
            assert!(
                urls.iter()
                    .any(|u| u.starts_with(&format!("/static/{name}"))),
                "{path} does not link {name}*: {urls:?}"
            );
        }
        for url in urls {
            let asset = server.get(&url).await;
            assert_eq!(asset.status, 200, "{url}");
            assert_eq!(
                asset.cache_control.as_deref(),
                Some("public, max-age=31536000, immutable"),
                "{url}"
            );
            let expected_type = match url.rsplit('.').next() {
                Some("css") => "text/css",
                Some("js") => "text/javascript",
                Some("svg") => "image/svg+xml",
                other => panic!("unexpected asset type {other:?}"),
            };
            assert!(asset.content_type.starts_with(expected_type), "{url}");
        }
    }
}

#[tokio::test]
async fn unknown_or_stale_asset_names_are_not_found() {
    let server = TestServer::start("assets", &[]).await;
    for path in [
        "/static/app.css",
        "/static/app.0000000000.css",
        "/static/nope",
    ] {
        let page = server.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        assert_eq!(page.cache_control, None, "{path} must not be cached");
    }
}

#[tokio::test]
async fn missing_pages_are_friendly_and_missing_api_routes_are_problems() {
    let server = TestServer::start("errors", &[]).await;
    let page = server.get("/nope").await;
    assert_eq!(page.status, 404);
    assert!(page.is_html(), "{}", page.content_type);
    assert!(page.body.contains("This page is not on the chart"));
    assert!(page.body.contains("class=\"site-header\""));
    assert!(page.body.contains("Reference for support"));

    let api = server.get("/api/v1/nope").await;
    assert_eq!(api.status, 404);
    assert_eq!(api.content_type, "application/problem+json");
    assert!(api.body.contains("/problems/not-found"), "{}", api.body);

    let icon = server.get("/favicon.ico").await;
    assert_eq!(
        (icon.status, icon.content_type.as_str()),
        (200, "image/svg+xml")
    );

    let health = server.get("/healthz").await;
    assert_eq!(health.status, 200);
    assert!(health.content_type.starts_with("application/json"));
}

#[tokio::test]
async fn pricing_lists_the_built_in_plans() {
    let server = TestServer::start("plans", &[]).await;
    let page = server.get("/pricing").await;
    for text in ["Free", "Basic", "Pro", "Enterprise", "$19", "Most popular"] {
        assert!(page.body.contains(text), "pricing lacks {text}");
    }
}

#[tokio::test]
async fn pricing_shows_plans_from_the_plans_variable() {
    let plans = r#"[
        {"id":"starter","name":"Starter <Club>","price_minor":950,"currency":"eur",
         "interval":"year","features":["Fifty-two weekly scans"],"scans":7,"alerts":2,
         "featured":true}
    ]"#;
    let server = TestServer::start("plans-env", &[("PLANS", plans)]).await;
    let page = server.get("/pricing").await;
    assert_eq!(page.status, 200);
    for text in [
        "Starter &#60;Club&#62;",
        "€9.50",
        "/ year",
        "7 saved scans",
        "2 active alerts",
        "Fifty-two weekly scans",
    ] {
        assert!(page.body.contains(text), "pricing lacks {text}");
    }
    assert!(
        !page.body.contains("Enterprise"),
        "built-in plans still shown"
    );
    assert!(!page.body.contains("<Club>"), "plan name not escaped");
}

#[test]
fn bad_plans_json_names_the_variable() {
    let dir = std::env::temp_dir().join(format!("ss-web-badplans-{}", std::process::id()));
    let vars = Vars::from_pairs([
        ("ENVIRONMENT", "test"),
        ("DATA_DIR", dir.to_str().unwrap()),
        ("PLANS", "[{\"id\":"),
    ]);
    let e = Config::load(&vars, None).unwrap_err();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(e.variable, "PLANS");
    assert!(e.message.contains("line 1"), "{}", e.message);
}
