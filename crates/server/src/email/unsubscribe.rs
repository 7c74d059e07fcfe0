//! One-click unsubscribe (RFC 8058) from bulk mail: a signed token names the address,
//! so no login is needed, and the opt-out is stored by address.
//!
//! The token is `hex(address) . hex(HMAC-SHA256(key, address))`, where the key is
//! derived from `JWT_SECRET` for this purpose only. It does not expire: an unsubscribe
//! link in an old mail must keep working.

use super::address::EmailAddress;
use super::outbox::{execute, query};
use super::templates::query_value;
use super::EmailError;
use crate::auth::secrets::{self, hmac_sha256};
use chrono::Utc;
use sea_orm::ConnectionTrait;

/// The unsubscribe signing key, separate from the one signing sessions.
pub fn derive_key(secret: &[u8]) -> Vec<u8> {
    secrets::derive_key(secret, "stockscanner email unsubscribe v1").to_vec()
}

fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(text.as_bytes())
        .ok()
}

pub fn token(key: &[u8], address: &EmailAddress) -> String {
    let signature = hmac_sha256(key, address.as_str().as_bytes());
    format!("{}.{}", hex(address.as_str().as_bytes()), hex(&signature))
}

/// The address a token was made for, if its signature holds.
pub fn verify(key: &[u8], token: &str) -> Option<EmailAddress> {
    let (payload, signature) = token.trim().split_once('.')?;
    let address = String::from_utf8(unhex(payload)?).ok()?;
    let given = unhex(signature)?;
    let expected = hmac_sha256(key, address.as_bytes());
    // Constant time: the comparison does not stop at the first difference.
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        given.as_slice(),
        expected.as_slice(),
    )) {
        return None;
    }
    EmailAddress::parse(&address).ok()
}

/// The one-click URL for List-Unsubscribe and the footer of bulk mail.
pub fn url(app_url: &str, key: &[u8], address: &EmailAddress) -> String {
    format!(
        "{}/email/unsubscribe?token={}",
        app_url.trim_end_matches('/'),
        query_value(&token(key, address))
    )
}

pub async fn is_unsubscribed<C: ConnectionTrait>(
    db: &C,
    address: &EmailAddress,
) -> Result<bool, EmailError> {
    let rows = query(
        db,
        "SELECT 1 AS x FROM email_unsubscribes WHERE address = $1",
        vec![address.as_str().into()],
    )
    .await?;
    Ok(!rows.is_empty())
}

/// Records the opt-out (idempotent) and cancels bulk mail to the address still waiting
/// in the outbox.
pub async fn unsubscribe<C: ConnectionTrait>(
    db: &C,
    address: &EmailAddress,
) -> Result<(), EmailError> {
    let now = Utc::now();
    execute(
        db,
        "INSERT INTO email_unsubscribes (address, user_id, created_at)
         VALUES ($1, (SELECT id FROM users WHERE email = lower($1)), $2)
         ON CONFLICT (address) DO NOTHING",
        vec![address.as_str().into(), now.into()],
    )
    .await?;
    execute(
        db,
        "UPDATE email_outbox SET status = 'cancelled', last_error = 'the recipient unsubscribed',
             updated_at = $2
         WHERE to_address = $1 AND category = 'bulk' AND status = 'pending'",
        vec![address.as_str().into(), now.into()],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_and_tampering_fails() {
        let key = derive_key(b"0123456789abcdef0123456789abcdef");
        let ada = EmailAddress::parse("ada@example.com").unwrap();
        let t = token(&key, &ada);
        assert_eq!(verify(&key, &t), Some(ada));
        let bob = EmailAddress::parse("bob@example.com").unwrap();
        let (_, signature) = t.split_once('.').unwrap();
        let forged = format!("{}.{signature}", hex(bob.as_str().as_bytes()));
        assert_eq!(verify(&key, &forged), None);
        assert_eq!(verify(&derive_key(b"another secret"), &t), None);
        assert_eq!(verify(&key, "garbage"), None);
        assert_eq!(verify(&key, "zz.zz"), None);
    }
}
