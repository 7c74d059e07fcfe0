//! Access tokens: short-lived HS256 JWTs naming the user and their session.
//!
//! Verification is strict, in this order: the header must be exactly `{"alg":"HS256",
//! "typ":"JWT"}` (so `alg: none`, another algorithm, or a key reference such as `kid`,
//! `jku`, `jwk`, `x5u` or `crit` is refused before any signature check), then the
//! signature, then `iss`, `aud`, `exp`, `nbf` and our own `typ` claim. The signing key
//! is derived from `JWT_SECRET` for this purpose only.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub const ISSUER: &str = "stockscanner";
/// Our `typ` claim: an access token, never a token made for something else.
const ACCESS: &str = "access";
/// Seconds of clock difference tolerated on `exp` and `nbf` between instances.
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id.
    pub sub: String,
    /// The session (refresh-token family) the token was issued for; revoking the
    /// session makes the token useless at its next check.
    pub sid: String,
    pub role: String,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub typ: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the access token is malformed")]
    Malformed,
    #[error("the access token's header is not accepted: {0}")]
    Header(String),
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is not valid: {0}")]
    Invalid(String),
    #[error("could not sign the access token: {0}")]
    Signing(String),
}

#[derive(Clone)]
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    audience: String,
    pub ttl: Duration,
}

impl AccessTokens {
    pub fn new(secret: &[u8], audience: &str, ttl: Duration) -> AccessTokens {
        let key = super::secrets::derive_key(secret, "stockscanner access tokens v1");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        AccessTokens {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            validation,
            audience: audience.to_string(),
            ttl,
        }
    }

    pub fn issue(
        &self,
        user_id: i64,
        session: &str,
        role: &str,
        now: u64,
    ) -> Result<String, TokenError> {
        let claims = AccessClaims {
            sub: user_id.to_string(),
            sid: session.to_string(),
            role: role.to_string(),
            iss: ISSUER.to_string(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp: now + self.ttl.as_secs(),
            typ: ACCESS.to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| TokenError::Signing(e.to_string()))
    }

    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        check_header(token)?;
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                other => TokenError::Invalid(format!("{other:?}")),
            })?;
        if data.claims.typ != ACCESS {
            return Err(TokenError::Invalid(format!(
                "typ is `{}`, not `{ACCESS}`",
                data.claims.typ
            )));
        }
        Ok(data.claims)
    }
}

/// The header must hold `alg: HS256` and at most `typ: JWT`, nothing else.
fn check_header(token: &str) -> Result<(), TokenError> {
    let encoded = token.split('.').next().ok_or(TokenError::Malformed)?;
    let bytes = data_encoding::BASE64URL_NOPAD
        .decode(encoded.as_bytes())
        .map_err(|_| TokenError::Malformed)?;
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)?;
    for (name, value) in &header {
        match (name.as_str(), value.as_str()) {
            ("alg", Some("HS256")) | ("typ", Some("JWT")) => {}
            ("alg", _) => return Err(TokenError::Header(format!("alg {value} is not HS256"))),
            _ => return Err(TokenError::Header(format!("`{name}` is not accepted"))),
        }
    }
    if !header.contains_key("alg") {
        return Err(TokenError::Header("alg is missing".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const AUD: &str = "https://scanner.example";

    fn tokens() -> AccessTokens {
        AccessTokens::new(SECRET, AUD, Duration::from_secs(900))
    }

    fn now() -> u64 {
        jsonwebtoken::get_current_timestamp()
    }

    fn b64(json: &serde_json::Value) -> String {
        data_encoding::BASE64URL_NOPAD.encode(json.to_string().as_bytes())
    }

    /// A token with any header and claims, signed with `key` by HS256 (or unsigned).
    fn forge(header: serde_json::Value, claims: serde_json::Value, key: Option<&[u8]>) -> String {
        let signing_input = format!("{}.{}", b64(&header), b64(&claims));
        let signature = key
            .map(|k| {
                data_encoding::BASE64URL_NOPAD.encode(&super::super::secrets::hmac_sha256(
                    k,
                    signing_input.as_bytes(),
                ))
            })
            .unwrap_or_default();
        format!("{signing_input}.{signature}")
    }

    fn good_claims() -> serde_json::Value {
        let now = now();
        serde_json::json!({"sub": "7", "sid": "s", "role": "user", "iss": ISSUER, "aud": AUD,
            "iat": now, "nbf": now, "exp": now + 600, "typ": "access"})
    }

    fn our_key() -> [u8; 32] {
        super::super::secrets::derive_key(SECRET, "stockscanner access tokens v1")
    }

    #[test]
    fn an_issued_token_verifies_and_names_its_user_and_session() {
        let token = tokens().issue(7, "fam", "admin", now()).unwrap();
        let claims = tokens().verify(&token).unwrap();
        assert_eq!(
            (
                claims.sub.as_str(),
                claims.sid.as_str(),
                claims.role.as_str()
            ),
            ("7", "fam", "admin")
        );
        // The forging helper itself produces acceptable tokens, so the refusals below
        // are for the forged part only.
        let hs = serde_json::json!({"alg": "HS256", "typ": "JWT"});
        assert!(tokens()
            .verify(&forge(hs, good_claims(), Some(&our_key())))
            .is_ok());
    }

    #[test]
    fn forged_tokens_of_each_kind_are_refused() {
        let key = our_key();
        let claims = good_claims();
        let with = |field: &str, value: serde_json::Value| {
            let mut c = claims.clone();
            c[field] = value;
            c
        };
        let without = |field: &str| {
            let mut c = claims.clone();
            c.as_object_mut().unwrap().remove(field);
            c
        };
        let hs = serde_json::json!({"alg": "HS256", "typ": "JWT"});
        let now = now();
        let cases = [
            (
                "alg none",
                forge(serde_json::json!({"alg": "none"}), claims.clone(), None),
            ),
            (
                "alg NONE",
                forge(
                    serde_json::json!({"alg": "NONE", "typ": "JWT"}),
                    claims.clone(),
                    Some(&key),
                ),
            ),
            (
                "HS512",
                forge(
                    serde_json::json!({"alg": "HS512", "typ": "JWT"}),
                    claims.clone(),
                    Some(&key),
                ),
            ),
            (
                "RS256",
                forge(
                    serde_json::json!({"alg": "RS256"}),
                    claims.clone(),
                    Some(&key),
                ),
            ),
            (
                "kid",
                forge(
                    serde_json::json!({"alg": "HS256", "kid": "../../dev/null"}),
                    claims.clone(),
                    Some(&key),
                ),
            ),
            (
                "jku",
                forge(
                    serde_json::json!({"alg": "HS256", "jku": "https://evil.example/k"}),
                    claims.clone(),
                    Some(&key),
                ),
            ),
            (
                "jwk",
                forge(
                    serde_json::json!({"alg": "HS256", "jwk": {"kty": "oct", "k": "AA"}}),
                    claims.clone(),
                    Some(&key),
                ),
            ),
            (
                "crit",
                forge(
                    serde_json::json!({"alg": "HS256", "crit": ["exp"]}),
                    claims.clone(),
                    Some(&key),
                ),
            ),
            (
                "no alg",
                forge(
                    serde_json::json!({"typ": "JWT"}),
                    claims.clone(),
                    Some(&key),
                ),
            ),
            (
                "wrong key",
                forge(
                    hs.clone(),
                    claims.clone(),
                    Some(b"another key entirely, 32 bytes!!"),
                ),
            ),
            (
                "raw JWT_SECRET as key",
                forge(hs.clone(), claims.clone(), Some(SECRET)),
            ),
            ("tampered claims", {
                let token = forge(hs.clone(), claims.clone(), Some(&key));
                let mut parts: Vec<&str> = token.split('.').collect();
                let admin = b64(&with("role", "admin".into()));
                parts[1] = &admin;
                parts.join(".")
            }),
            (
                "expired",
                forge(hs.clone(), with("exp", (now - 60).into()), Some(&key)),
            ),
            (
                "not yet valid",
                forge(hs.clone(), with("nbf", (now + 600).into()), Some(&key)),
            ),
            (
                "other issuer",
                forge(hs.clone(), with("iss", "someone-else".into()), Some(&key)),
            ),
            (
                "other audience",
                forge(
                    hs.clone(),
                    with("aud", "https://other.example".into()),
                    Some(&key),
                ),
            ),
            (
                "refresh typ",
                forge(hs.clone(), with("typ", "refresh".into()), Some(&key)),
            ),
            ("no exp", forge(hs.clone(), without("exp"), Some(&key))),
            ("no nbf", forge(hs.clone(), without("nbf"), Some(&key))),
            ("no aud", forge(hs.clone(), without("aud"), Some(&key))),
            ("no iss", forge(hs.clone(), without("iss"), Some(&key))),
            ("no typ", forge(hs.clone(), without("typ"), Some(&key))),
            ("garbage", "not.a.token".to_string()),
            ("empty", String::new()),
        ];
        for (name, token) in cases {
            assert!(tokens().verify(&token).is_err(), "{name} was accepted");
        }
    }
}
