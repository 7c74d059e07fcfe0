//! The account pages as a browser without JavaScript uses them: plain form posts,
//! redirects and cookies, against the real server (reqwest, redirects not followed), on
//! SQLite and on the live PostgreSQL (`TEST_DATABASE_URL`).

mod support;

use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use support::accounts::{on_both_backends, Harness, PASSWORD};

/// A browser's cookie jar and its same-origin form posts.
struct Browser {
    http: Client,
    base: String,
    cookies: Vec<(String, String)>,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }
}

impl Browser {
    fn new(h: &Harness) -> Browser {
        Browser {
            http: Client::builder().redirect(Policy::none()).build().unwrap(),
            base: h.server.base.clone(),
            cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn keep(&mut self, response: reqwest::Response) -> Answer {
        let status = response.status();
        let headers = response.headers().clone();
        for value in headers.get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(k, _)| k != name);
            if !text.contains("Max-Age=0") {
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
        let body = response.text().await.unwrap();
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(response).await
    }

    /// A form post as a browser sends it from one of our pages.
    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        self.post_from(path, form, "same-origin").await
    }

    async fn post_from(&mut self, path: &str, form: &[(&str, &str)], site: &str) -> Answer {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("sec-fetch-site", site)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).unwrap())
            .send()
            .await
            .unwrap();
        self.keep(response).await
    }

    fn has(&self, name: &str) -> bool {
        self.cookies.iter().any(|(k, _)| k == name)
    }
}

const EMAIL: &str = "page@example.com";

async fn signed_up_and_verified(h: &Harness, b: &mut Browser) {
    let form = b.get("/signup").await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.headers["cache-control"], "no-store");
    // Another site cannot post our forms, even without a session (no sign-in CSRF).
    let forged = b
        .post_from(
            "/signin",
            &[("email", EMAIL), ("password", PASSWORD)],
            "cross-site",
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.set_cookies().is_empty());
    assert!(form.body.contains(r#"action="/signup""#));

    let weak = b
        .post(
            "/signup",
            &[
                ("email", EMAIL),
                ("name", "Page"),
                ("password", "password1"),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.body.contains("class=\"field-error\""), "{}", weak.body);
    assert!(
        weak.body.contains("class=\"advice\""),
        "zxcvbn advice shown"
    );
    assert!(weak.body.contains(EMAIL), "the email is kept in the form");
    assert!(
        !weak.body.contains("password1"),
        "the password is never echoed"
    );

    let done = b
        .post(
            "/signup",
            &[("email", EMAIL), ("name", "Page"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), "/signup/sent");
    assert!(b.get("/signup/sent").await.body.contains("Check your mail"));

    let token = h.token_from_mail(EMAIL, "email_verification").await;
    // Opening the link only shows a button: a mail scanner consumes nothing.
    let page = b.get(&format!("/verify-email?token={token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!(r#"value="{token}""#)));
    assert!(page
        .body
        .contains(r#"<meta name="referrer" content="no-referrer">"#));
    let early = b
        .post("/signin", &[("email", EMAIL), ("password", PASSWORD)])
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.body.contains("Verify your email address first"));

    let verified = b.post("/verify-email", &[("token", &token)]).await;
    assert_eq!(verified.status, StatusCode::SEE_OTHER);
    assert_eq!(verified.location(), "/signin?notice=verified");
    assert!(b
        .get("/signin?notice=verified")
        .await
        .body
        .contains("Your email address is verified"));
    let again = b.post("/verify-email", &[("token", &token)]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("invalid, used or expired"));
}

#[tokio::test]
async fn sign_up_verify_sign_in_account_and_sign_out_without_javascript() {
    on_both_backends(&[], |h: Harness| async move {
        let mut b = Browser::new(&h);

        let gate = b.get("/account").await;
        assert_eq!(gate.status, StatusCode::SEE_OTHER);
        assert_eq!(gate.location(), "/signin?notice=sign-in&next=%2Faccount");

        signed_up_and_verified(&h, &mut b).await;

        let wrong = b
            .post(
                "/signin",
                &[("email", EMAIL), ("password", "not the password")],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.body.contains("The email or password is wrong."));
        assert!(wrong.set_cookies().is_empty());

        let signed_in = b
            .post(
                "/signin",
                &[
                    ("email", EMAIL),
                    ("password", PASSWORD),
                    ("next", "https://evil.example/"),
                ],
            )
            .await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
        assert_eq!(signed_in.location(), "/account", "only local paths in next");
        let cookies = signed_in.set_cookies();
        let session = cookies
            .iter()
            .find(|c| c.starts_with("__Host-ss_session="))
            .expect("a session cookie");
        assert!(session.contains("HttpOnly"), "{session}");
        assert!(session.contains("SameSite=Lax"), "{session}");
        assert!(
            session.contains("Secure") && session.contains("Path=/"),
            "{session}"
        );
        assert!(cookies.iter().any(|c| c.starts_with("__Host-ss_device=")
            && c.contains("HttpOnly")
            && c.contains("SameSite=Lax")));
        assert!(b.has("__Host-ss_csrf"));

        let account = b.get("/account").await;
        assert_eq!(account.status, StatusCode::OK);
        assert!(account.body.contains(EMAIL));
        assert!(
            account.body.contains(r#"action="/signout""#),
            "nav offers sign-out"
        );
        assert!(account.body.contains("This browser"));
        let landing = b.get("/").await;
        assert!(landing.body.contains(r#"href="/account""#));
        assert!(!landing.body.contains(r#"href="/signin""#));

        // Another site's form posting with the cookie is refused, and nothing happens.
        let forged = b.post_from("/signout", &[], "cross-site").await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let forged = b
            .post_from(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "an attacker's chosen phrase 99"),
                ],
                "cross-site",
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(b.get("/account").await.status, StatusCode::OK);

        let out = b.post("/signout", &[]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(out.location(), "/signin?notice=signed-out");
        assert!(out
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("__Host-ss_session=;") && c.contains("Max-Age=0")));
        assert!(!b.has("__Host-ss_session"));
        assert_eq!(b.get("/account").await.status, StatusCode::SEE_OTHER);
        let landing = b.get("/").await;
        assert!(landing.body.contains(r#"href="/signin""#));
        assert!(landing.body.contains(r#"href="/signup""#));
        h.server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn account_forms_show_errors_next_to_fields_and_keep_the_session() {
    on_both_backends(&[], |h: Harness| async move {
        let mut b = Browser::new(&h);
        signed_up_and_verified(&h, &mut b).await;
        let signed_in = b
            .post(
                "/signin",
                &[
                    ("email", EMAIL),
                    ("password", PASSWORD),
                    ("next", "/account#keys"),
                ],
            )
            .await;
        assert_eq!(signed_in.location(), "/account#keys");

        let wrong = b
            .post(
                "/account/password",
                &[("current_password", "nope"), ("new_password", "x")],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.body.contains("The current password is wrong."));

        let new_password = "marmalade glacier violin 77";
        let changed = b
            .post(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", new_password),
                ],
            )
            .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER);
        assert_eq!(changed.location(), "/account?done=password#password");
        let page = b.get("/account?done=password").await;
        assert_eq!(page.status, StatusCode::OK, "the new session cookie works");
        assert!(page.body.contains("Your password is changed"));

        // API keys: a bad form is a message, a good one shows the key once.
        let bad = b
            .post("/account/api-keys", &[("name", "bot"), ("scopes", "nope")])
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("field-error"), "{}", bad.body);
        let days = b
            .post(
                "/account/api-keys",
                &[
                    ("name", "bot"),
                    ("scopes", "scans:read"),
                    ("expires_in_days", "soon"),
                ],
            )
            .await;
        assert_eq!(days.status, StatusCode::UNPROCESSABLE_ENTITY);
        let created = b
            .post(
                "/account/api-keys",
                &[
                    ("name", "bot"),
                    ("scopes", "scans:read"),
                    ("scopes", "account:read"),
                    ("expires_in_days", "30"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::OK);
        let start = created.body.find("sk_live_").expect("the key is shown");
        let key: String = created.body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let (status, _) = h.get("/api/v1/account", Some(&key)).await;
        assert_eq!(status, StatusCode::OK);
        let listed = b.get("/account").await;
        assert!(listed.body.contains("scans:read, account:read"));
        assert!(!listed.body.contains(&key), "the key is shown once only");
        let id_at = listed
            .body
            .find(r#"action="/account/api-keys/revoke#keys""#)
            .unwrap();
        let id: String = listed.body[id_at..]
            .split("name=\"id\" value=\"")
            .nth(1)
            .unwrap()
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let revoked = b.post("/account/api-keys/revoke", &[("id", &id)]).await;
        assert_eq!(revoked.location(), "/account?done=key-revoked#keys");
        let (status, _) = h.get("/api/v1/account", Some(&key)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let unknown = b.post("/account/api-keys/revoke", &[("id", "x")]).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);

        // The email change: the password is checked, then the new address confirms.
        let wrong = b
            .post(
                "/account/email",
                &[("new_email", "moved@example.com"), ("password", "nope")],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            wrong.body.contains("The password is wrong."),
            "{}",
            wrong.body
        );
        assert!(wrong.body.contains(r#"value="moved@example.com""#));
        let asked = b
            .post(
                "/account/email",
                &[
                    ("new_email", "moved@example.com"),
                    ("password", new_password),
                ],
            )
            .await;
        assert_eq!(asked.location(), "/account?done=email#email");
        let token = h
            .token_from_mail("moved@example.com", "email_verification")
            .await;
        let confirmed = b.post("/verify-email", &[("token", &token)]).await;
        assert_eq!(confirmed.location(), "/signin?notice=verified");
        assert_eq!(b.get("/account").await.status, StatusCode::SEE_OTHER);
        let back = b
            .post(
                "/signin",
                &[("email", "moved@example.com"), ("password", new_password)],
            )
            .await;
        assert_eq!(back.location(), "/account");
        assert!(b.get("/account").await.body.contains("moved@example.com"));
        let security = b.get("/account/security").await;
        assert_eq!(security.location(), "/account#security");

        // Garbage bodies are messages, never a 500.
        for path in ["/signin", "/signup", "/forgot-password", "/reset-password"] {
            let response = b
                .http
                .post(format!("{}{path}", b.base))
                .header("content-type", "text/plain")
                .body(vec![0xffu8, b'%', b'='])
                .send()
                .await
                .unwrap();
            assert!(
                response.status().is_client_error(),
                "{path}: {}",
                response.status()
            );
        }
        h.server.stop().await;
    })
    .await;
}
