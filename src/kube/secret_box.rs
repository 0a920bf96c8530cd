//! Credentials at rest: AES-256-GCM with a random nonce, bound to the record they belong to
//! (as associated data), so a sealed value copied onto another cluster does not open.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

/// The 32-byte key from FLEETDECK_SECRET_KEY.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    /// From base64 of exactly 32 bytes; the error never repeats the value.
    pub fn from_base64(s: &str) -> Result<SecretKey, String> {
        let bytes = STANDARD.decode(s.trim()).map_err(|_| "not valid base64".to_string())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("decodes to {} bytes, not 32", b.len()))?;
        Ok(SecretKey(key))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

const VERSION: &str = "v1:";

/// `v1:` + base64(nonce ‖ ciphertext).
pub fn seal(key: &SecretKey, bound_to: &str, plaintext: &[u8]) -> String {
    let cipher = Aes256Gcm::new((&key.0).into());
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: bound_to.as_bytes(),
            },
        )
        .expect("AES-GCM encrypts any input");
    let mut out = nonce.to_vec();
    out.extend(sealed);
    format!("{VERSION}{}", STANDARD.encode(out))
}

/// Opens what `seal` made with the same key and binding.
pub fn open(key: &SecretKey, bound_to: &str, sealed: &str) -> Result<Vec<u8>, String> {
    let raw = sealed.strip_prefix(VERSION).ok_or("unknown sealed format")?;
    let raw = STANDARD.decode(raw).map_err(|_| "sealed value is not base64")?;
    if raw.len() < 12 {
        return Err("sealed value is too short".into());
    }
    let (nonce, ciphertext) = raw.split_at(12);
    Aes256Gcm::new((&key.0).into())
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: bound_to.as_bytes(),
            },
        )
        .map_err(|_| "cannot open the sealed value: wrong key or another record's".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> SecretKey {
        SecretKey::from_base64(&STANDARD.encode([b; 32])).unwrap()
    }

    #[test]
    fn round_trip_and_refusals() {
        let k = key(7);
        let sealed = seal(&k, "prod", b"token-123");
        assert!(sealed.starts_with("v1:") && !sealed.contains("token-123"));
        assert_ne!(sealed, seal(&k, "prod", b"token-123"), "fresh nonce each time");
        assert_eq!(open(&k, "prod", &sealed).unwrap(), b"token-123");
        assert!(open(&key(8), "prod", &sealed).is_err(), "another key");
        assert!(open(&k, "dev", &sealed).is_err(), "another record");
        assert!(open(&k, "prod", "v1:AAAA").is_err());
    }

    #[test]
    fn keys_are_32_bytes_of_base64() {
        assert!(SecretKey::from_base64("not base64!").unwrap_err().contains("base64"));
        assert!(
            SecretKey::from_base64(&STANDARD.encode([1u8; 16]))
                .unwrap_err()
                .contains("16 bytes")
        );
        assert_eq!(format!("{:?}", key(1)), "SecretKey(..)");
    }
}
