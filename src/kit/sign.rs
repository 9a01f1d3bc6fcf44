//! Who made a kit: an ed25519 signature over the kit's manifest, which holds the sha256
//! of its images, so one signature covers every byte that is loaded.
//!
//! Keys are files of one line of hex: the secret key (32-byte seed, mode 0600) and the
//! public key beside it (`.pub`), which an instructor hands out or writes on the board.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The kit's signature entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KitSignature {
    pub algorithm: String,
    /// The signer's public key, hex: says which key signed when it is not the trusted one.
    pub public_key: String,
    /// Over the exact bytes of `dockerlearn-kit.json`, hex.
    pub signature: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("{path}: {why}")]
    Key { path: String, why: String },
    #[error(
        "this kit is not signed, and --trust asks for a kit signed by {trusted}: nothing was loaded.\nAsk whoever made it for a signed kit (`dockerlearn kit save FILE --sign KEYFILE`)."
    )]
    Unsigned { trusted: String },
    #[error(
        "this kit was signed by key {signer}, not by the trusted {trusted}: nothing was loaded.\nCheck that you were given the right public key."
    )]
    OtherKey { signer: String, trusted: String },
    #[error(
        "this kit's signature does not match its contents: it was altered after it was signed, so nothing was loaded.\nCopy the kit again from whoever made it."
    )]
    Altered,
}

fn key_error(path: &Path, why: impl Into<String>) -> SignError {
    SignError::Key { path: path.display().to_string(), why: why.into() }
}

/// Reads 32 bytes of hex from a key file's first line.
fn read_hex32(path: &Path) -> Result<[u8; 32], SignError> {
    let meta = std::fs::metadata(path).map_err(|e| key_error(path, e.to_string()))?;
    if !meta.is_file() || meta.len() > 4096 {
        return Err(key_error(path, "not a dockerlearn key file"));
    }
    let text = std::fs::read_to_string(path).map_err(|e| key_error(path, e.to_string()))?;
    parse_hex32(text.trim()).ok_or_else(|| key_error(path, "not a dockerlearn key file (one line of 64 hex digits)"))
}

fn parse_hex32(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

/// Makes a key pair: `path` (secret) and `path.pub`; neither may exist yet.
pub fn keygen(path: &Path) -> Result<(PathBuf, String), SignError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| key_error(path, format!("no randomness from the system: {e}")))?;
    let key = SigningKey::from_bytes(&seed);
    let public = hex::encode(key.verifying_key().as_bytes());
    let public_path = PathBuf::from(format!("{}.pub", path.display()));
    let create = |p: &Path, mode: u32, text: String| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(p)
            .map_err(|e| key_error(p, format!("{e} (a key file is never overwritten)")))?;
        f.write_all(text.as_bytes()).and_then(|()| f.sync_all()).map_err(|e| key_error(p, e.to_string()))
    };
    create(path, 0o600, format!("{}\n", hex::encode(seed)))?;
    create(&public_path, 0o644, format!("{public}\n"))?;
    Ok((public_path, public))
}

/// The secret key in `path`.
pub fn signing_key(path: &Path) -> Result<SigningKey, SignError> {
    Ok(SigningKey::from_bytes(&read_hex32(path)?))
}

/// A public key given as its file or as its 64 hex digits.
pub fn trusted_key(given: &str) -> Result<VerifyingKey, SignError> {
    let path = Path::new(given);
    let bytes = match parse_hex32(given.trim()) {
        Some(b) => b,
        None => read_hex32(path)?,
    };
    VerifyingKey::from_bytes(&bytes).map_err(|_| key_error(path, "not an ed25519 public key"))
}

pub fn sign(key: &SigningKey, manifest: &[u8]) -> KitSignature {
    KitSignature {
        algorithm: "ed25519".into(),
        public_key: hex::encode(key.verifying_key().as_bytes()),
        signature: hex::encode(key.sign(manifest).to_bytes()),
    }
}

/// Accepts the manifest only if `signature` is `trusted`'s, over exactly these bytes.
pub fn verify(manifest: &[u8], signature: Option<&[u8]>, trusted: &VerifyingKey) -> Result<(), SignError> {
    let trusted_hex = hex::encode(trusted.as_bytes());
    let Some(raw) = signature else {
        return Err(SignError::Unsigned { trusted: trusted_hex });
    };
    let sig: KitSignature = serde_json::from_slice(raw).map_err(|_| SignError::Altered)?;
    if sig.public_key != trusted_hex {
        return Err(SignError::OtherKey { signer: sig.public_key, trusted: trusted_hex });
    }
    let mut bytes = [0u8; 64];
    hex::decode_to_slice(&sig.signature, &mut bytes).map_err(|_| SignError::Altered)?;
    if sig.algorithm != "ed25519" {
        return Err(SignError::Altered);
    }
    trusted.verify_strict(manifest, &Signature::from_bytes(&bytes)).map_err(|_| SignError::Altered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_only_for_its_bytes_and_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("class.key");
        let (public_path, public) = keygen(&secret).unwrap();
        assert!(keygen(&secret).is_err(), "never overwrites a key");
        let key = signing_key(&secret).unwrap();
        let trusted = trusted_key(public_path.to_str().unwrap()).unwrap();
        assert_eq!(trusted, trusted_key(&public).unwrap());
        let sig = serde_json::to_vec(&sign(&key, b"manifest")).unwrap();
        verify(b"manifest", Some(&sig), &trusted).unwrap();
        assert!(matches!(verify(b"manifesT", Some(&sig), &trusted), Err(SignError::Altered)));
        assert!(matches!(verify(b"manifest", None, &trusted), Err(SignError::Unsigned { .. })));
        let other = SigningKey::from_bytes(&[7; 32]);
        let theirs = serde_json::to_vec(&sign(&other, b"manifest")).unwrap();
        assert!(matches!(verify(b"manifest", Some(&theirs), &trusted), Err(SignError::OtherKey { .. })));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
