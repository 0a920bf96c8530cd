//! Password hashing with argon2id; only passwords get the slow hash.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

pub const MIN_LENGTH: usize = 12;
const MAX_LENGTH: usize = 1024;

/// Rules a new password must meet; the message never repeats the password.
pub fn check_strength(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        return Err(format!("the password must be at least {MIN_LENGTH} characters"));
    }
    if n > MAX_LENGTH {
        return Err(format!("the password must be at most {MAX_LENGTH} characters"));
    }
    Ok(())
}

/// PHC-format argon2id hash. CPU-heavy: call from `spawn_blocking`.
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters hashes")
        .to_string()
}

/// Whether `password` matches `phc`; a malformed hash never matches. CPU-heavy: call from `spawn_blocking`.
pub fn verify(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Hashes off the async runtime.
pub async fn hash_blocking(password: String) -> String {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .expect("hashing task does not panic")
}

/// Verifies off the async runtime. With no hash (unknown user) it still spends the same time,
/// so response times do not tell which usernames exist.
pub async fn verify_blocking(phc: Option<String>, password: String) -> bool {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify(&phc, &password),
        None => {
            verify(dummy_hash(), &password);
            false
        }
    })
    .await
    .expect("verify task does not panic")
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("fleetdeck-dummy-password"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&h, "correct horse battery"));
        assert!(!verify(&h, "wrong horse battery"));
        assert!(!verify("not-a-hash", "x"));
        assert_ne!(h, hash("correct horse battery"), "salted");
    }

    #[test]
    fn strength() {
        assert!(check_strength("short").unwrap_err().contains("at least 12"));
        assert!(check_strength("long enough pw").is_ok());
        assert!(check_strength(&"x".repeat(2000)).is_err());
    }
}
