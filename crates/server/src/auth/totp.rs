//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits, 30 s steps, one step of
//! clock drift either way) and the enrolment a phone app scans.
//!
//! A code is accepted once: the caller stores the step a code was accepted for and
//! passes it back, and a code for that step or an earlier one is refused.

use qrcode::render::svg;
use qrcode::QrCode;
use totp_rs::{Algorithm, Builder, Secret, Totp};

const DIGITS: u8 = 6;
const STEP_SECS: u64 = 30;
const SKEW_STEPS: u16 = 1;

#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    #[error("the stored two-factor secret is unreadable")]
    BadSecret,
    #[error("cannot build the two-factor setup: {0}")]
    Setup(String),
    #[error(transparent)]
    Random(#[from] super::secrets::RandomError),
}

/// What the user needs to add the account to an authenticator app.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// Base32, for typing in by hand; also what is stored.
    pub secret: String,
    /// `otpauth://totp/…`, the content of the QR code.
    pub uri: String,
    /// The QR code as an SVG document.
    pub qr_svg: String,
}

fn totp(secret_base32: &str, issuer: &str, account: &str) -> Result<Totp, TotpError> {
    let secret = Secret::try_from_base32(secret_base32).map_err(|_| TotpError::BadSecret)?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(SKEW_STEPS)
        .with_step_duration(STEP_SECS)
        .with_secret(secret)
        // A colon would break the label `issuer:account`.
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build()
        .map_err(|e| TotpError::Setup(e.to_string()))
}

/// A new random secret (160 bits, as RFC 4226 recommends) and its enrolment.
pub fn enrol(issuer: &str, account: &str) -> Result<Enrolment, TotpError> {
    let bytes: [u8; 20] = super::secrets::random_bytes()?;
    let secret = data_encoding::BASE32_NOPAD.encode(&bytes);
    let uri = totp(&secret, issuer, account)?
        .to_url()
        .map_err(|e| TotpError::Setup(e.to_string()))?;
    let qr_svg = QrCode::new(uri.as_bytes())
        .map_err(|e| TotpError::Setup(e.to_string()))?
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(Enrolment {
        secret,
        uri,
        qr_svg,
    })
}

/// The step `code` is valid for at `unix_time`, if it is valid and for a step after
/// `last_step` (the one a code was last accepted for).
pub fn accept(
    secret_base32: &str,
    code: &str,
    unix_time: u64,
    last_step: Option<u64>,
) -> Result<Option<u64>, TotpError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(secret_base32, "check", "check")?;
    Ok(totp
        .check(&code, unix_time)
        .filter(|step| last_step.is_none_or(|last| *step > last)))
}

/// The code for `unix_time`, for tests and for the browser tests' authenticator.
pub fn code_at(secret_base32: &str, unix_time: u64) -> Result<String, TotpError> {
    Ok(totp(secret_base32, "check", "check")?
        .generate(unix_time)
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 secret "12345678901234567890", truncated to 6 digits.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_match_the_rfc_vectors() {
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
        ] {
            assert_eq!(code_at(RFC_SECRET, time).unwrap(), code, "at {time}");
        }
    }

    #[test]
    fn a_code_is_accepted_within_one_step_and_only_once() {
        let now = 1_700_000_000;
        let code = code_at(RFC_SECRET, now).unwrap();
        let step = accept(RFC_SECRET, &code, now, None).unwrap().unwrap();
        assert_eq!(step, now / 30);
        assert_eq!(accept(RFC_SECRET, &code, now, Some(step)).unwrap(), None);
        assert!(accept(RFC_SECRET, &code, now + 30, None).unwrap().is_some());
        assert_eq!(accept(RFC_SECRET, &code, now + 90, None).unwrap(), None);
        assert_eq!(accept(RFC_SECRET, "12345", now, None).unwrap(), None);
        assert_eq!(accept(RFC_SECRET, "abcdef", now, None).unwrap(), None);
    }

    #[test]
    fn enrolment_offers_a_uri_and_an_svg_qr_code() {
        let e = enrol("Stock Scanner", "ann@example.com").unwrap();
        assert_eq!(e.secret.len(), 32);
        assert!(
            e.uri
                .starts_with("otpauth://totp/Stock%20Scanner:ann%40example.com?"),
            "{}",
            e.uri
        );
        assert!(e.uri.contains(&format!("secret={}", e.secret)));
        assert!(e.qr_svg.contains("<svg"));
        let now = 1_800_000_000;
        let code = code_at(&e.secret, now).unwrap();
        assert!(accept(&e.secret, &code, now, None).unwrap().is_some());
    }
}
