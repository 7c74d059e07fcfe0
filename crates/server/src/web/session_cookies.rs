//! The cookies of a web session: the session token (HttpOnly), the CSRF token our own
//! scripts echo in `X-CSRF-Token`, and the long-lived device token. Outside development
//! they are `Secure` and carry the `__Host-` prefix, which browsers only accept from a
//! secure origin, for the whole site (`Path=/`) and without a `Domain`: no subdomain can
//! set or shadow them.

use crate::accounts::sessions::Tokens;
use crate::auth::secrets::random_token;
use crate::config::{Config, Environment};
use axum::http::HeaderValue;
use chrono::Utc;

/// Browsers keep a cookie at most 400 days.
const DEVICE_MAX_AGE_SECS: i64 = 400 * 86_400;

fn secure(config: &Config) -> bool {
    config.environment != Environment::Development
}

/// `__Host-ss_<base>` when secure, `ss_<base>` in development.
pub fn name(config: &Config, base: &str) -> String {
    if secure(config) {
        format!("__Host-ss_{base}")
    } else {
        format!("ss_{base}")
    }
}

fn cookie(config: &Config, base: &str, value: &str, max_age: i64, http_only: bool) -> HeaderValue {
    let mut text = format!(
        "{}={value}; Path=/; Max-Age={max_age}; SameSite=Lax",
        name(config, base)
    );
    if http_only {
        text.push_str("; HttpOnly");
    }
    if secure(config) {
        text.push_str("; Secure");
    }
    // Names and values are ours (URL-safe base64), so the header is always valid.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Sets the session and a fresh CSRF token, both ending with the session's refresh.
pub fn for_session(config: &Config, tokens: &Tokens) -> Vec<HeaderValue> {
    let max_age = (tokens.refresh_expires_at - Utc::now())
        .num_seconds()
        .max(0);
    let csrf = random_token().unwrap_or_default();
    vec![
        cookie(config, "session", &tokens.refresh_token, max_age, true),
        cookie(config, "csrf", &csrf, max_age, false),
    ]
}

pub fn device(config: &Config, token: &str) -> HeaderValue {
    cookie(config, "device", token, DEVICE_MAX_AGE_SECS, true)
}

/// Ends the session cookies (the device cookie stays: the device is still known).
pub fn cleared(config: &Config) -> Vec<HeaderValue> {
    vec![
        cookie(config, "session", "", 0, true),
        cookie(config, "csrf", "", 0, false),
    ]
}

/// The two-factor challenge of a sign-in in progress: HttpOnly, for the few minutes the
/// second step may take, so the challenge never appears in a URL or a page.
pub fn challenge(config: &Config, token: &str, max_age: i64) -> HeaderValue {
    cookie(config, "challenge", token, max_age, true)
}

pub fn challenge_cleared(config: &Config) -> HeaderValue {
    cookie(config, "challenge", "", 0, true)
}
