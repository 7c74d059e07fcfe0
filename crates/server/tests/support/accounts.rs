//! A running server with its database at hand, for the account tests: HTTP helpers,
//! the mail it wrote (to follow links), the audit log, and a few direct changes a test
//! needs (making an admin).

use super::db::with_fresh_postgres;
use super::TestServer;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{json, Value};
use std::future::Future;

pub const PASSWORD: &str = "tangerine pelican orbit 42";

pub struct Harness {
    pub server: TestServer,
    pub db: DatabaseConnection,
    pub http: reqwest::Client,
}

/// Runs `body` against a server on SQLite, then against one on a fresh PostgreSQL
/// database, each with `vars` (plus trusting 127.0.0.1 as a proxy, so a test can speak
/// from any address with `X-Forwarded-For`).
pub async fn on_both_backends<F, Fut>(vars: &'static [(&'static str, &'static str)], body: F)
where
    F: Fn(Harness) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    body.clone()(Harness::start(vars, None).await).await;
    with_fresh_postgres(move |url| async move {
        let harness = Harness::start(vars, Some(url)).await;
        body(harness).await;
    })
    .await;
}

impl Harness {
    pub async fn start(vars: &[(&str, &str)], postgres: Option<String>) -> Harness {
        let mut all: Vec<(&str, &str)> = vec![("TRUSTED_PROXIES", "127.0.0.1")];
        if let Some(url) = &postgres {
            all.push(("DATABASE_URL", url.as_str()));
        }
        all.extend_from_slice(vars);
        let server = TestServer::start(&all).await;
        let url = postgres.unwrap_or_else(|| server.database_url());
        let db = Database::connect(url).await.unwrap();
        Harness {
            server,
            db,
            http: reqwest::Client::new(),
        }
    }

    pub async fn post(&self, path: &str, auth: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send(
            self.http.post(self.server.url(path)).json(&body),
            auth,
            None,
        )
        .await
    }

    pub async fn patch(&self, path: &str, auth: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send(
            self.http.patch(self.server.url(path)).json(&body),
            auth,
            None,
        )
        .await
    }

    pub async fn post_from(&self, path: &str, ip: &str, body: Value) -> (StatusCode, Value) {
        self.send(
            self.http.post(self.server.url(path)).json(&body),
            None,
            Some(ip),
        )
        .await
    }

    pub async fn get(&self, path: &str, auth: Option<&str>) -> (StatusCode, Value) {
        self.send(self.http.get(self.server.url(path)), auth, None)
            .await
    }

    pub async fn delete(&self, path: &str, auth: Option<&str>) -> (StatusCode, Value) {
        self.send(self.http.delete(self.server.url(path)), auth, None)
            .await
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        auth: Option<&str>,
        ip: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut request = request;
        if let Some(token) = auth {
            request = request.bearer_auth(token);
        }
        if let Some(ip) = ip {
            request = request.header("x-forwarded-for", ip);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn rows(&self, sql: &str, values: Vec<sea_orm::Value>) -> Vec<sea_orm::QueryResult> {
        self.db
            .query_all_raw(Statement::from_sql_and_values(
                self.db.get_database_backend(),
                sql,
                values,
            ))
            .await
            .unwrap()
    }

    /// The plain-text bodies of the mail of `template` to `to`, oldest first.
    pub async fn mail(&self, to: &str, template: &str) -> Vec<String> {
        self.rows(
            "SELECT body_text FROM email_outbox WHERE to_address = $1 AND template = $2 ORDER BY id",
            vec![to.into(), template.into()],
        )
        .await
        .iter()
        .map(|r| r.try_get::<String>("", "body_text").unwrap())
        .collect()
    }

    /// The token in the link of the newest mail of `template` to `to`.
    pub async fn token_from_mail(&self, to: &str, template: &str) -> String {
        let mail = self.mail(to, template).await;
        let body = mail
            .last()
            .unwrap_or_else(|| panic!("no {template} mail to {to}"));
        let start = body.find("token=").expect("a link with a token") + "token=".len();
        body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }

    /// The audit actions recorded, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        self.rows("SELECT action FROM audit_log ORDER BY id", vec![])
            .await
            .iter()
            .map(|r| r.try_get::<String>("", "action").unwrap())
            .collect()
    }

    /// Every audit row as text, for looking for secrets in it.
    pub async fn audit_text(&self) -> String {
        self.rows(
            "SELECT action, target, ip, user_agent, request_id, details FROM audit_log",
            vec![],
        )
        .await
        .iter()
        .map(|r| {
            let text = |c: &str| {
                r.try_get::<Option<String>>("", c)
                    .unwrap()
                    .unwrap_or_default()
            };
            let details: Value = r.try_get("", "details").unwrap();
            format!(
                "{} {} {} {} {} {details}\n",
                text("action"),
                text("target"),
                text("ip"),
                text("user_agent"),
                text("request_id")
            )
        })
        .collect()
    }

    pub async fn make_admin(&self, email: &str) {
        self.rows(
            "UPDATE users SET role = 'admin' WHERE email = $1",
            vec![email.into()],
        )
        .await;
    }

    /// Registers and verifies `email` with `PASSWORD`.
    pub async fn verified_user(&self, email: &str) {
        let (status, body) = self
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        let token = self.token_from_mail(email, "email_verification").await;
        let (status, body) = self
            .post("/api/v1/auth/verify-email", None, json!({"token": token}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    /// Signs in (no second factor) and returns the sign-in answer.
    pub async fn sign_in(&self, email: &str) -> Value {
        let (status, body) = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "signed_in", "{body}");
        body
    }

    /// A registered, verified, signed-in user's access token.
    pub async fn user_token(&self, email: &str) -> String {
        self.verified_user(email).await;
        self.sign_in(email).await["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The value of a counter line of `/metrics`, e.g.
    /// `auth_password_checks_total{against="account"}`.
    pub async fn metric(&self, series: &str) -> f64 {
        let text = reqwest::get(self.server.url("/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(series).map(|v| v.trim().parse().unwrap()))
            .unwrap_or(0.0)
    }
}
