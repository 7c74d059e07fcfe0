//! Passwords: the rules a new one must pass, and argon2id hashing off the async runtime.
//!
//! Hashing costs 19 MiB and tens of milliseconds by design, so it runs on the blocking
//! pool behind a semaphore: a burst of sign-ins queues instead of exhausting memory.
//! Verifying against an unknown account still hashes (against a fixed dummy hash), so
//! the answer's timing does not tell which emails have accounts.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use prometheus::IntCounterVec;
use std::sync::Arc;
use tokio::sync::Semaphore;

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

/// Why a new password is refused, with advice the page can show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("the password has {chars} characters; use at least {MIN_CHARS}")]
    TooShort { chars: usize },
    #[error("the password has {chars} characters; at most {MAX_CHARS} are accepted")]
    TooLong { chars: usize },
    #[error("the password is too easy to guess{}", advice(.warning, .suggestions))]
    TooWeak {
        score: u8,
        warning: Option<String>,
        suggestions: Vec<String>,
    },
}

fn advice(warning: &Option<String>, suggestions: &[String]) -> String {
    let mut parts: Vec<&str> = warning.iter().map(String::as_str).collect();
    parts.extend(suggestions.iter().map(String::as_str));
    if parts.is_empty() {
        "; add more words or characters that are not a common pattern".into()
    } else {
        format!(": {}", parts.join(" "))
    }
}

/// Checks a new password: length in characters (nothing is truncated), then zxcvbn's
/// estimate, which also penalises passwords built from `user_inputs` (the email, the
/// name).
pub fn check_new(
    password: &str,
    user_inputs: &[&str],
    min_score: u8,
) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordProblem::TooShort { chars });
    }
    if chars > MAX_CHARS {
        return Err(PasswordProblem::TooLong { chars });
    }
    let estimate = zxcvbn::zxcvbn(password, user_inputs);
    let score = u8::from(estimate.score());
    if score >= min_score {
        return Ok(());
    }
    let feedback = estimate.feedback();
    Err(PasswordProblem::TooWeak {
        score,
        warning: feedback.and_then(|f| f.warning()).map(|w| w.to_string()),
        suggestions: feedback
            .map(|f| f.suggestions().iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Argon2(String),
    #[error("the password hashing task stopped: {0}")]
    Task(String),
}

/// Hashes and checks passwords with argon2id (m = 19 MiB, t = 2, p = 1, OWASP's
/// recommendation), at most `concurrency` at once.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    dummy: Arc<str>,
    /// Verifications by what they were checked against: `account` (a real hash: one
    /// guess at that password) or `dummy` (no account, or a locked one).
    checks: Option<IntCounterVec>,
}

fn argon2() -> Argon2<'static> {
    // The parameters are constants within argon2's limits.
    let params = Params::new(19 * 1024, 2, 1, None)
        .unwrap_or_else(|_| unreachable!("19 MiB, t=2, p=1 are valid argon2 parameters"));
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_now(password: &[u8]) -> Result<String, HashError> {
    let salt_bytes: [u8; 16] =
        super::secrets::random_bytes().map_err(|e| HashError::Argon2(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| HashError::Argon2(e.to_string()))?;
    argon2()
        .hash_password(password, &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError::Argon2(e.to_string()))
}

fn verify_now(password: &[u8], stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| argon2().verify_password(password, &hash).is_ok())
        .unwrap_or(false)
}

impl Passwords {
    pub fn new(concurrency: usize, checks: Option<IntCounterVec>) -> Result<Passwords, HashError> {
        Ok(Passwords {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy: Arc::from(hash_now(b"no account has this password")?),
            checks,
        })
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HashError::Task(e.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| HashError::Task(e.to_string()))
    }

    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = password.as_bytes().to_vec();
        self.blocking(move || hash_now(&password)).await?
    }

    /// Whether `password` matches `stored`; with no stored hash (no such account, or an
    /// account without a password) it spends the same time and answers no.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, HashError> {
        if let Some(counter) = &self.checks {
            let against = if stored.is_some() { "account" } else { "dummy" };
            counter.with_label_values(&[against]).inc();
        }
        let password = password.as_bytes().to_vec();
        let (hash, real) = match stored {
            Some(hash) => (hash.to_string(), true),
            None => (self.dummy.to_string(), false),
        };
        let matched = self.blocking(move || verify_now(&password, &hash)).await?;
        Ok(matched && real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_characters_and_never_truncated() {
        assert_eq!(
            check_new("short", &[], 0),
            Err(PasswordProblem::TooShort { chars: 5 })
        );
        // Eight characters, sixteen bytes.
        assert!(check_new("ééééééé€", &[], 0).is_ok());
        let long = "a".repeat(129);
        assert_eq!(
            check_new(&long, &[], 0),
            Err(PasswordProblem::TooLong { chars: 129 })
        );
    }

    #[test]
    fn common_and_personal_passwords_are_refused_with_advice() {
        let err = check_new("password123", &[], 3).unwrap_err();
        assert!(matches!(err, PasswordProblem::TooWeak { .. }), "{err:?}");
        assert!(err
            .to_string()
            .starts_with("the password is too easy to guess"));
        // The account's own email and its local part, as sign-up passes them.
        let inputs = ["alice.trader2026@example.com", "alice.trader2026"];
        assert!(check_new("alice.trader2026", &inputs, 3).is_err());
        assert!(
            check_new("alice.trader2026", &[], 3).is_ok(),
            "refused for itself, not for being the address"
        );
        assert!(check_new("correct horse battery staple vortex", &[], 3).is_ok());
        // The example of the README and the API documentation must be accepted.
        assert!(check_new(
            "correct horse battery staple",
            &["ada@example.com", "ada"],
            3
        )
        .is_ok());
    }

    #[tokio::test]
    async fn hashes_verify_and_unknown_accounts_never_match() {
        let passwords = Passwords::new(2, None).unwrap();
        let hash = passwords.hash("tangerine pelican 42").await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(passwords
            .verify("tangerine pelican 42", Some(&hash))
            .await
            .unwrap());
        assert!(!passwords
            .verify("tangerine pelican 43", Some(&hash))
            .await
            .unwrap());
        assert!(!passwords
            .verify("no account has this password", None)
            .await
            .unwrap());
        assert!(!passwords.verify("x", Some("not a hash")).await.unwrap());
    }
}
