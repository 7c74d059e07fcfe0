//! Random tokens and how they are kept: only a SHA-256 digest of a token is stored, so a
//! copy of the database lets nobody sign in. The tokens carry at least 128 random bits,
//! which makes a fast digest safe here (passwords, chosen by people, get argon2id).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The operating system's random source failed: nothing secret can be made.
#[derive(Debug, thiserror::Error)]
#[error("the system's random number generator failed: {0}")]
pub struct RandomError(String);

/// `bytes` random bytes.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(bytes)
}

/// A URL-safe token of 256 random bits (43 characters).
pub fn random_token() -> Result<String, RandomError> {
    Ok(data_encoding::BASE64URL_NOPAD.encode(&random_bytes::<32>()?))
}

/// The stored form of a token: its SHA-256 digest in hex.
pub fn digest(token: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

/// Equality that takes the same time wherever the inputs differ.
pub fn same(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// A key for one purpose, derived from the application secret, so that a token made
/// for one use can never be replayed as another.
pub fn derive_key(secret: &[u8], purpose: &str) -> [u8; 32] {
    hmac_sha256(secret, purpose.as_bytes())
}

pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_distinct_and_stored_as_digests() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), a);
        assert_eq!(digest(&a), digest(&a.clone()));
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            data_encoding::HEXLOWER.encode(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn comparison_is_exact() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
    }
}
