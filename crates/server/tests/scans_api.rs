//! `POST /api/v1/scans/run` on the demo universe: answers in the JSON form of
//! `stockscanner scan`, every error in a scan listed with its position, and clear
//! problems for a malformed request.

mod support;

use reqwest::{Client, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};
use support::TestServer;

async fn run(server: &TestServer, body: Value) -> (StatusCode, String, Value) {
    let response = Client::new()
        .post(server.url("/api/v1/scans/run"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    (status, content_type, response.json().await.unwrap())
}

#[tokio::test]
async fn a_scan_answers_ranked_matches_with_their_values() {
    let server = TestServer::start(&[]).await;
    let scan = "close > 0 rank by volume limit 5 show rsi(14) as rsi, close > sma(200) as uptrend";
    let (status, _, answer) = run(&server, json!({ "scan": scan })).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["source"], "demo");
    assert_eq!(answer["as_of"], "2025-12-31");
    assert_eq!(answer["evaluated"], 500);
    assert_eq!(answer["matched"], 500, "every symbol has a positive close");
    assert_eq!(answer["truncated"], false);
    let matches = answer["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 5, "cut by `limit 5`");
    let ranks: Vec<f64> = matches
        .iter()
        .map(|m| m["values"]["rank"].as_f64().unwrap())
        .collect();
    assert!(
        ranks.windows(2).all(|w| w[0] >= w[1]),
        "highest volume first: {ranks:?}"
    );
    for m in matches {
        assert_eq!(m["date"], "2025-12-31");
        let rsi = m["values"]["rsi"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&rsi), "{m}");
        assert!(m["values"]["uptrend"].is_boolean(), "{m}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_scan_answers_as_of_a_past_date() {
    let server = TestServer::start(&[]).await;
    // 2024-06-15 is a Saturday: the answer is for the Friday before.
    let body = json!({ "scan": "close > 0 limit 1", "at": "2024-06-15" });
    let (status, _, answer) = run(&server, body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["as_of"], "2024-06-14");
    assert_eq!(answer["matches"][0]["date"], "2024-06-14");

    let (status, _, problem) = run(&server, json!({ "scan": "close > 0", "at": "June 15" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["type"], "/problems/invalid-date");
    assert!(
        problem["detail"].as_str().unwrap().starts_with("`at`:"),
        "{problem}"
    );
    server.stop().await;
}

#[tokio::test]
async fn every_error_in_a_scan_comes_back_with_its_position() {
    let server = TestServer::start(&[]).await;
    let body = json!({ "scan": "rsi(14) < 30 and\nclsoe > sma(0)" });
    let (status, content_type, problem) = run(&server, body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(problem["type"], "/problems/invalid-scan");
    assert!(problem["request_id"].is_string());
    let errors = problem["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{problem}");
    assert_eq!(
        (&errors[0]["line"], &errors[0]["column"]),
        (&json!(2), &json!(1))
    );
    assert!(
        errors[0]["help"].as_str().unwrap().contains("close"),
        "{problem}"
    );
    assert_eq!(errors[1]["line"], 2);
    // The detail renders them as the command line does, carets under the spans.
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("2 | clsoe > sma(0)"), "{detail}");
    assert!(detail.contains("^^^^^"), "{detail}");
    server.stop().await;
}

#[tokio::test]
async fn a_malformed_request_is_a_problem_that_says_what_is_wrong() {
    let server = TestServer::start(&[]).await;
    let client = Client::new();
    let url = server.url("/api/v1/scans/run");

    let (status, content_type, problem) = run(&server, json!({ "scna": "close > 0" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(content_type, "application/problem+json");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("unknown field `scna`"),
        "{problem}"
    );

    let truncated = client
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"scan\": \"close > 0")
        .send()
        .await
        .unwrap();
    assert_eq!(truncated.status(), StatusCode::BAD_REQUEST);
    let problem: Value = truncated.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/bad-request");

    let not_json = client.post(&url).body("close > 0").send().await.unwrap();
    assert_eq!(not_json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let (status, _, problem) = run(&server, json!({ "scan": "x".repeat(10_001) })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("the limit is 10000"));
    server.stop().await;
}

#[tokio::test]
async fn a_signed_in_run_is_recorded_for_the_monthly_report_and_an_anonymous_one_is_not() {
    use support::accounts::{on_both_backends, Harness};

    on_both_backends(&[], |h: Harness| async move {
        let scan = "close > 0 rank by volume limit 3";
        let (status, _) = h
            .post("/api/v1/scans/run", None, json!({ "scan": scan }))
            .await;
        assert_eq!(status, StatusCode::OK);
        let runs = |h: &Harness| {
            let db = h.db.clone();
            async move {
                db.query_all_raw(Statement::from_string(
                    db.get_database_backend(),
                    "SELECT user_id, expression, triggered_by, status, match_count,
                         symbols_scanned, CAST(results AS TEXT) AS results
                     FROM scan_runs ORDER BY id",
                ))
                .await
                .unwrap()
            }
        };
        assert!(runs(&h).await.is_empty(), "an anonymous run was recorded");

        let token = h.user_token("ada@example.com").await;
        let (status, answer) = h
            .post("/api/v1/scans/run", Some(&token), json!({ "scan": scan }))
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let ranked: Vec<String> = answer["matches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["symbol"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ranked.len(), 3);
        let rows = runs(&h).await;
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        let ada: i64 =
            h.db.query_one_raw(Statement::from_string(
                h.db.get_database_backend(),
                "SELECT id FROM users WHERE email = 'ada@example.com'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get("", "id")
            .unwrap();
        assert_eq!(
            row.try_get::<Option<i64>>("", "user_id").unwrap(),
            Some(ada)
        );
        assert_eq!(row.try_get::<String>("", "expression").unwrap(), scan);
        assert_eq!(row.try_get::<String>("", "triggered_by").unwrap(), "api");
        assert_eq!(row.try_get::<String>("", "status").unwrap(), "done");
        assert_eq!(
            row.try_get::<Option<i32>>("", "match_count").unwrap(),
            Some(500),
            "every symbol matched before `limit 3`"
        );
        assert_eq!(
            row.try_get::<Option<i32>>("", "symbols_scanned").unwrap(),
            Some(500)
        );
        let results: String = row
            .try_get::<Option<String>>("", "results")
            .unwrap()
            .unwrap();
        let symbols: Vec<String> = serde_json::from_str(&results).unwrap();
        assert_eq!(symbols, ranked, "the matched symbols, in ranked order");
        h.server.stop().await;
    })
    .await;
}
