//! What the account pages share: reading a posted form, turning an account error into
//! messages next to the fields, redirects after a post, and the `next` rule.

use super::pages::error_page;
use crate::accounts::AccountError;
use crate::auth::password::PasswordProblem;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// A posted `application/x-www-form-urlencoded` body. Anything unreadable is an empty
/// form, which every page answers with "this field is required", never an error page.
pub struct FormData(Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> FormData {
        FormData(serde_urlencoded::from_bytes(body).unwrap_or_default())
    }

    /// The first value of `key`, or empty.
    pub fn get(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// The first value of `key` when it is not blank, trimmed.
    pub fn opt(&self, key: &str) -> Option<String> {
        let value = self.get(key);
        let value = value.trim();
        (!value.is_empty()).then(|| value.to_string())
    }

    /// Every value of `key` (checkboxes).
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// What went wrong with a form: messages by field (`section.field` on the account page),
/// one for the whole form, and the password checker's advice.
#[derive(Default, Debug)]
pub struct Problems {
    pub general: Option<String>,
    fields: Vec<(String, String)>,
    pub advice: Vec<String>,
    /// The account page's section the general message belongs to.
    general_section: Option<String>,
}

impl Problems {
    pub fn general(message: impl Into<String>) -> Problems {
        Problems {
            general: Some(message.into()),
            ..Problems::default()
        }
    }

    pub fn field(key: impl Into<String>, message: impl Into<String>) -> Problems {
        Problems {
            fields: vec![(key.into(), message.into())],
            ..Problems::default()
        }
    }

    /// The message for the field `key`, if any.
    pub fn of(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, m)| m.as_str())
    }

    pub fn has(&self, key: &str) -> bool {
        self.of(key).is_some()
    }

    pub fn any(&self) -> bool {
        self.general.is_some() || !self.fields.is_empty()
    }

    /// The general message when it belongs to `section` of the account page.
    pub fn general_for(&self, section: &str) -> Option<&str> {
        if self.general_section.as_deref() == Some(section) {
            self.general.as_deref()
        } else {
            None
        }
    }

    /// Whether any message belongs to the account page's `section`.
    pub fn in_section(&self, section: &str) -> bool {
        let prefix = format!("{section}.");
        self.general_section.as_deref() == Some(section)
            || self.fields.iter().any(|(k, _)| k.starts_with(&prefix))
    }
}

/// An account error as the page shows it: messages for the form, or a whole page (an
/// internal error, logged, as the friendly 500 or 503).
pub enum Failure {
    Form(Problems),
    Page(Response),
}

fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

fn label(field: &str) -> &str {
    match field {
        "current_password" => "The current password",
        "new_password" => "The new password",
        "new_email" => "The new address",
        "password" => "The password",
        "email" => "The email address",
        "code" => "The code",
        "name" => "The name",
        "display_name" => "The name",
        "scopes" => "The scopes",
        "expires_in_days" => "The expiry",
        _ => "This field",
    }
}

/// Sorts an account error into messages. `section` prefixes the field names (empty on
/// the pages with one form); `password_field` is where password advice goes.
pub fn failure(error: AccountError, section: &str, password_field: &str) -> Failure {
    let key = |field: &str| {
        if section.is_empty() {
            field.to_string()
        } else {
            format!("{section}.{field}")
        }
    };
    let mut problems = match error {
        AccountError::Invalid { field, message } => {
            let text = if message.starts_with("is ") || message.starts_with("must ") {
                format!("{} {message}.", label(field))
            } else {
                sentence(&message)
            };
            Problems::field(key(field), text)
        }
        AccountError::Password(problem) => {
            match problem {
                // The advice is listed under the message, not repeated in it.
                PasswordProblem::TooWeak {
                    warning,
                    suggestions,
                    ..
                } => {
                    let mut p =
                        Problems::field(key(password_field), "The password is too easy to guess.");
                    p.advice = warning.into_iter().chain(suggestions).collect();
                    p
                }
                other => Problems::field(key(password_field), sentence(&other.to_string())),
            }
        }
        AccountError::WrongCode { remaining } => Problems::field(
            key("code"),
            match remaining {
                0 => "The code is wrong, and no attempts are left.".to_string(),
                1 => "The code is wrong; 1 attempt left.".to_string(),
                n => format!("The code is wrong; {n} attempts left."),
            },
        ),
        e @ (AccountError::InvalidCredentials
        | AccountError::EmailNotVerified
        | AccountError::Suspended
        | AccountError::InvalidToken
        | AccountError::SessionEnded
        | AccountError::Forbidden(_)
        | AccountError::NotFound(_)
        | AccountError::Conflict(_)) => Problems::general(sentence(&e.to_string())),
        AccountError::Db(e) if e.is_unavailable() => {
            return Failure::Page(error_page(StatusCode::SERVICE_UNAVAILABLE))
        }
        internal => {
            tracing::error!(error = %internal, "an account page failed");
            return Failure::Page(error_page(StatusCode::INTERNAL_SERVER_ERROR));
        }
    };
    if !section.is_empty() && problems.general.is_some() {
        problems.general_section = Some(section.to_string());
    }
    Failure::Form(problems)
}

/// Around every account page: a form posted from another site is refused even without
/// the session cookie (so no one can sign a visitor in to an account of theirs), and no
/// answer is cached, as some show a secret once.
pub async fn guard(request: Request, next: Next) -> Response {
    let cross_site = request.method() == Method::POST
        && request
            .headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|site| !matches!(site, "same-origin" | "none"));
    let mut response = if cross_site {
        error_page(StatusCode::FORBIDDEN)
    } else {
        next.run(request).await
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `303 See Other` to `location`, with `cookies` set.
pub fn see_other(location: &str, cookies: Vec<HeaderValue>) -> Response {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, value);
    }
    for cookie in cookies {
        headers.append(header::SET_COOKIE, cookie);
    }
    (StatusCode::SEE_OTHER, headers).into_response()
}

/// Where to go after signing in: only a path on this site, never another origin.
pub fn local_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && path.len() <= 500
                && !path.chars().any(|c| c.is_control() || c == '\\') =>
        {
            path.to_string()
        }
        _ => "/account".to_string(),
    }
}

/// A query value, percent-encoded.
pub fn encode(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)])
        .map(|s| s[2..].to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(local_next(Some("/account?x=1")), "/account?x=1");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "account",
            "",
        ] {
            assert_eq!(local_next(Some(bad)), "/account", "{bad}");
        }
        assert_eq!(local_next(None), "/account");
    }

    #[test]
    fn forms_read_repeated_keys_and_bad_bodies() {
        let form = FormData::parse(b"scopes=scans%3Aread&scopes=alerts:read&name=+bot+");
        assert_eq!(form.all("scopes"), ["scans:read", "alerts:read"]);
        assert_eq!(form.opt("name").as_deref(), Some("bot"));
        assert_eq!(form.opt("missing"), None);
        assert_eq!(FormData::parse(&[0xff, b'=', b'%']).get("x"), "");
    }

    #[test]
    fn field_messages_read_as_sentences() {
        let Failure::Form(p) = failure(
            AccountError::invalid("current_password", "is wrong"),
            "password",
            "new_password",
        ) else {
            panic!("a form problem")
        };
        assert_eq!(
            p.of("password.current_password"),
            Some("The current password is wrong.")
        );
        assert_eq!(encode("/a b&c"), "%2Fa+b%26c");
    }
}
