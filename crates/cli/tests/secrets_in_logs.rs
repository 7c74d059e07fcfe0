//! No secret reaches the logs: the real server, logging at debug level, goes through
//! sign-up, verification, sign-in (failed and successful), two-factor enrolment and
//! sign-in, an API key, a refresh and a password reset, with a canary value for every
//! secret; then its whole output is searched for each of them.

mod support;

use serde_json::{json, Value};
use std::process::{Command, Stdio};
use support::serve::{free_port, request, wait_until_healthy};
use support::TempDir;

const PASSWORD: &str = "Canary-Password-7f3a9c-tangerine";
const WRONG_PASSWORD: &str = "Canary-Wrong-Password-51b2e0";
const NEW_PASSWORD: &str = "Canary-New-Password-c0ffee-orbit";

fn post(address: &str, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
    let answer = request(address, "POST", path, &headers, Some(&body.to_string())).unwrap();
    (
        answer.status,
        serde_json::from_str(&answer.body).unwrap_or(Value::Null),
    )
}

/// The token in the link of the newest mail in the development mailbox that has one.
fn mailed_token(address: &str, link: &str) -> String {
    let mut found = None;
    for id in 1.. {
        let page = request(address, "GET", &format!("/dev/mailbox/{id}"), &[], None).unwrap();
        if page.status == 404 {
            break;
        }
        if let Some(start) = page.body.find(link) {
            found = Some(
                page.body[start + link.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect(),
            );
        }
    }
    found.unwrap_or_else(|| panic!("no mail has a {link} link"))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn s(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_string()
}

#[test]
fn no_password_token_code_or_key_appears_in_the_logs() {
    let data = TempDir::new("secrets-in-logs");
    let address = format!("127.0.0.1:{}", free_port());
    let log_path = data.0.join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_stockscanner"))
        .args(["serve", "--bind", &address])
        .env("DATA_DIR", &data.0)
        .env("ENVIRONMENT", "development")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    wait_until_healthy(&address, &mut server);
    let a = address.as_str();

    let (status, _) = post(
        a,
        "/api/v1/auth/register",
        None,
        json!({"email": "canary@example.com", "password": PASSWORD}),
    );
    assert_eq!(status, 202);
    let verification = mailed_token(a, "verify-email?token=");
    assert_eq!(
        post(
            a,
            "/api/v1/auth/verify-email",
            None,
            json!({"token": verification})
        )
        .0,
        200
    );
    let (status, _) = post(
        a,
        "/api/v1/auth/login",
        None,
        json!({"email": "canary@example.com", "password": WRONG_PASSWORD}),
    );
    assert_eq!(status, 401);
    let (status, signed_in) = post(
        a,
        "/api/v1/auth/login",
        None,
        json!({"email": "canary@example.com", "password": PASSWORD}),
    );
    assert_eq!(status, 200, "{signed_in}");
    let access = s(&signed_in["access_token"]);
    let (_, setup) = post(a, "/api/v1/account/2fa/setup", Some(&access), json!({}));
    let secret = s(&setup["secret"]);
    let code = server::auth::totp::code_at(&secret, now()).unwrap();
    let (status, confirmed) = post(
        a,
        "/api/v1/account/2fa/confirm",
        Some(&access),
        json!({"code": code}),
    );
    assert_eq!(status, 200, "{confirmed}");
    let recovery: Vec<String> =
        serde_json::from_value(confirmed["recovery_codes"].clone()).unwrap();
    let (_, challenge) = post(
        a,
        "/api/v1/auth/login",
        None,
        json!({"email": "canary@example.com", "password": PASSWORD}),
    );
    let (status, second) = post(
        a,
        "/api/v1/auth/login/2fa",
        None,
        json!({"challenge": challenge["challenge"], "recovery_code": recovery[0]}),
    );
    assert_eq!(status, 200, "{second}");
    let (status, key) = post(
        a,
        "/api/v1/account/api-keys",
        Some(&access),
        json!({"name": "k", "scopes": ["scans:read"]}),
    );
    assert_eq!(status, 201, "{key}");
    let (status, refreshed) = post(
        a,
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": second["refresh_token"]}),
    );
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(
        post(
            a,
            "/api/v1/auth/password/forgot",
            None,
            json!({"email": "canary@example.com"})
        )
        .0,
        202
    );
    let reset = mailed_token(a, "reset-password?token=");
    let next_code = server::auth::totp::code_at(&secret, now() + 30).unwrap();
    let (status, body) = post(
        a,
        "/api/v1/auth/password/reset",
        None,
        json!({"token": reset, "password": NEW_PASSWORD, "code": next_code}),
    );
    assert_eq!(status, 204, "{body}");

    server.kill().unwrap();
    server.wait().unwrap();
    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logs.contains("/api/v1/auth/login"),
        "the log has the requests:\n{logs}"
    );
    let mut secrets = vec![
        ("password", PASSWORD.to_string()),
        ("wrong password", WRONG_PASSWORD.to_string()),
        ("new password", NEW_PASSWORD.to_string()),
        ("verification token", verification),
        ("access token", access),
        ("refresh token", s(&signed_in["refresh_token"])),
        ("rotated refresh token", s(&refreshed["refresh_token"])),
        ("device token", s(&signed_in["device_token"])),
        ("two-factor challenge", s(&challenge["challenge"])),
        ("TOTP secret", secret),
        ("API key", s(&key["key"])),
        ("reset token", reset),
    ];
    secrets.extend(recovery.into_iter().map(|c| ("recovery code", c)));
    for (name, value) in secrets {
        assert!(!value.is_empty(), "{name} is empty");
        assert!(!logs.contains(&value), "the {name} appears in the logs");
    }
}
