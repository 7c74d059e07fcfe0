//! Addresses and header text that cannot carry a header injection.
//!
//! Everything that ends up in a mail header passes through here first: a recipient is
//! an [`EmailAddress`] (checked by lettre's RFC 5321 parser, no display name, no line
//! breaks), and free text for a subject or display name goes through [`header_text`],
//! which turns every control character — CR and LF above all — into a space. lettre
//! encodes the result again (RFC 2047), so the text can never start a new header line.

use std::fmt;

/// The longest address accepted (RFC 5321: 64 for the local part + @ + 255 for the domain).
const MAX_ADDRESS: usize = 254;
/// Subjects longer than this are cut; mail clients show far less anyway.
const MAX_SUBJECT: usize = 200;

/// A syntactically valid mailbox address such as `ada@example.com`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the email address is empty")]
    Empty,
    #[error("the email address is longer than {MAX_ADDRESS} characters")]
    TooLong,
    #[error("the email address `{0}` contains a space, line break or control character")]
    Whitespace(String),
    #[error("`{0}` is not a valid email address (expected name@domain)")]
    Invalid(String),
}

impl EmailAddress {
    /// Parses `text` (surrounding spaces are ignored). The domain is lower-cased; the
    /// local part is kept as written, since only the receiving server may interpret it.
    pub fn parse(text: &str) -> Result<EmailAddress, AddressError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AddressError::Empty);
        }
        if text.len() > MAX_ADDRESS {
            return Err(AddressError::TooLong);
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(AddressError::Whitespace(text.escape_debug().to_string()));
        }
        let (local, domain) = text
            .rsplit_once('@')
            .ok_or_else(|| AddressError::Invalid(text.to_string()))?;
        let normal = format!("{local}@{}", domain.to_ascii_lowercase());
        // lettre's parser is the one that will build the envelope: what it accepts here
        // it accepts at send time.
        normal
            .parse::<lettre::Address>()
            .map_err(|_| AddressError::Invalid(text.to_string()))?;
        if domain.is_empty() || domain.starts_with('.') || domain.ends_with('.') {
            return Err(AddressError::Invalid(text.to_string()));
        }
        Ok(EmailAddress(normal))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress({})", self.0)
    }
}

/// Text for a header (a subject or display name): control characters become spaces,
/// runs of spaces collapse, and the result is cut to a sane length on a character
/// boundary.
pub fn header_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' {
            if !space && !out.is_empty() {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
        if out.chars().count() >= MAX_SUBJECT {
            break;
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_the_domain() {
        let a = EmailAddress::parse("  Ada.Lovelace+scans@Example.COM ").unwrap();
        assert_eq!(a.as_str(), "Ada.Lovelace+scans@example.com");
    }

    #[test]
    fn refuses_bad_addresses_with_a_reason() {
        assert_eq!(EmailAddress::parse(""), Err(AddressError::Empty));
        assert!(matches!(
            EmailAddress::parse("no-at-sign"),
            Err(AddressError::Invalid(_))
        ));
        assert!(matches!(
            EmailAddress::parse("a@b.com\r\nBcc: victim@example.com"),
            Err(AddressError::Whitespace(_))
        ));
        assert!(matches!(
            EmailAddress::parse("Ada <ada@example.com>"),
            Err(AddressError::Whitespace(_))
        ));
        assert!(matches!(
            EmailAddress::parse("a@@example.com"),
            Err(AddressError::Invalid(_))
        ));
        assert!(matches!(
            EmailAddress::parse("ada@"),
            Err(AddressError::Invalid(_))
        ));
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err(AddressError::TooLong));
    }

    #[test]
    fn header_text_cannot_hold_a_line_break() {
        let cleaned = header_text("Hello\r\nBcc: victim@example.com\n\tthere");
        assert_eq!(cleaned, "Hello Bcc: victim@example.com there");
        assert!(!header_text(&"x".repeat(1000)).contains('\n'));
        assert_eq!(header_text(&"é".repeat(1000)).chars().count(), MAX_SUBJECT);
    }
}
