//! Recovery codes: ten single-use codes shown once when two-factor sign-in is turned on
//! (and when regenerated), for a lost phone. Each has 80 random bits, so only its
//! SHA-256 digest is kept; using one removes it.

use super::secrets::{digest, random_bytes, RandomError};

pub const COUNT: usize = 10;

/// Ten new codes, `xxxx-xxxx-xxxx-xxxx` in lower-case base32.
pub fn generate() -> Result<Vec<String>, RandomError> {
    (0..COUNT)
        .map(|_| {
            let bytes: [u8; 10] = random_bytes()?;
            let text = data_encoding::BASE32_NOPAD
                .encode(&bytes)
                .to_ascii_lowercase();
            Ok(text
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("-"))
        })
        .collect()
}

/// What is stored for a code: spaces, dashes and case do not matter when typed.
pub fn stored_form(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    digest(&normal)
}

/// The stored codes without `code`, if `code` is one of them.
pub fn redeem(stored: &[String], code: &str) -> Option<Vec<String>> {
    let wanted = stored_form(code);
    let position = stored
        .iter()
        .position(|s| super::secrets::same(s, &wanted))?;
    let mut rest = stored.to_vec();
    rest.remove(position);
    Some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_works_once_and_typing_style_does_not_matter() {
        let codes = generate().unwrap();
        assert_eq!(codes.len(), COUNT);
        assert_eq!(codes[0].len(), 19);
        let stored: Vec<String> = codes.iter().map(|c| stored_form(c)).collect();
        let typed = codes[3].to_uppercase().replace('-', " ");
        let rest = redeem(&stored, &typed).unwrap();
        assert_eq!(rest.len(), COUNT - 1);
        assert!(redeem(&rest, &codes[3]).is_none());
        assert!(redeem(&rest, "aaaa-aaaa-aaaa-aaaa").is_none());
    }
}
