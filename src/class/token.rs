//! Secrets of a class: the join code learners type, the learner tokens, and the
//! instructor's token. The server keeps only their SHA-256; a presented token is
//! hashed and compared in constant time, and no secret is ever logged.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A digest of a secret, as stored.
pub type Digest32 = [u8; 32];

pub fn digest(secret: &str) -> Digest32 {
    Sha256::digest(secret.as_bytes()).into()
}

/// Whether `presented` is the secret whose digest is `stored`, in constant time.
pub fn matches(stored: &Digest32, presented: &str) -> bool {
    bool::from(stored.ct_eq(&digest(presented)))
}

/// A fresh token: 32 random bytes, in hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system's random source works");
    hex::encode(bytes)
}

/// A join code people can read aloud and type: eight characters without look-alikes
/// (no 0/O, 1/I/L), about 40 bits.
pub fn new_join_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the system's random source works");
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

/// A code as learners may type it: case and spaces or dashes do not matter.
pub fn normalise_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_matches_its_digest_only() {
        let t = new_token();
        assert_eq!(t.len(), 64);
        let d = digest(&t);
        assert!(matches(&d, &t));
        assert!(!matches(&d, &new_token()));
        assert!(!matches(&d, ""));
    }

    #[test]
    fn codes_are_readable_and_forgiving() {
        let c = new_join_code();
        assert_eq!(c.len(), 8);
        assert!(c.chars().all(|ch| !"01OIL".contains(ch)));
        assert_eq!(normalise_code(" ab-cd efgh "), "ABCDEFGH");
    }
}
