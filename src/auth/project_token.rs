//! Short-lived project tokens: a bearer credential of the `project` role for one project,
//! sealed with the server's secret key (AES-GCM: without the key it can be neither read nor
//! made) and stored nowhere. It works until it expires, its project is deleted or the secret key
//! changes; none of these can be undone for one token, so they are short (a day at most).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Principal;
use super::identity::{AuthMethod, Owner, Role, TenancyScope};
use crate::kube::secret_box::{self, SecretKey};

/// What every project token starts with (API keys start with `fdk_`).
pub const PREFIX: &str = "fdpt_";
/// Seals are bound to what they are, so no other sealed value opens as a token.
const BOUND_TO: &str = "fleetdeck project token";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// Names the token in audit rows (`project-token:<id>`).
    pub id: String,
    pub project: String,
    /// Expiry, in Unix seconds.
    pub exp: i64,
}

pub fn issue(key: &SecretKey, claims: &Claims) -> String {
    let text = serde_json::to_vec(claims).expect("claims serialize");
    format!("{PREFIX}{}", secret_box::seal(key, BOUND_TO, &text))
}

/// The claims of a token this key made that has not expired at `now`.
pub fn verify(key: &SecretKey, token: &str, now: DateTime<Utc>) -> Option<Claims> {
    let sealed = token.strip_prefix(PREFIX)?;
    let text = secret_box::open(key, BOUND_TO, sealed).ok()?;
    let claims: Claims = serde_json::from_slice(&text).ok()?;
    (claims.exp > now.timestamp()).then_some(claims)
}

/// Who a token's bearer is.
pub fn principal(claims: &Claims) -> Principal {
    let subject = format!("project-token:{}", claims.id);
    Principal {
        scope: Some(TenancyScope::Project(claims.project.clone())),
        expires_at: DateTime::from_timestamp(claims.exp, 0),
        ..Principal::new(
            subject.clone(),
            subject.clone(),
            Role::Project,
            AuthMethod::ProjectToken,
            Owner::Token(subject),
        )
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    fn key(b: u8) -> SecretKey {
        SecretKey::from_base64(&STANDARD.encode([b; 32])).unwrap()
    }

    #[test]
    fn tokens_open_with_their_key_until_they_expire() {
        let now = Utc::now();
        let claims = Claims {
            id: "t1".into(),
            project: "project-one".into(),
            exp: now.timestamp() + 60,
        };
        let token = issue(&key(1), &claims);
        assert!(token.starts_with(PREFIX));
        // Long enough not to turn up in random base64 by chance (a two-letter id did, 1 in 40).
        assert!(!token.contains("project-one"), "the claims are not readable");
        assert_eq!(verify(&key(1), &token, now), Some(claims.clone()));
        // Another key, a changed byte, an expired token, another prefix: nothing.
        assert_eq!(verify(&key(2), &token, now), None);
        let mut forged = token.clone().into_bytes();
        let last = forged.len() - 3;
        forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(verify(&key(1), &String::from_utf8(forged).unwrap(), now), None);
        assert_eq!(verify(&key(1), &token, now + chrono::Duration::seconds(60)), None);
        assert_eq!(verify(&key(1), &token.replacen(PREFIX, "fdk_", 1), now), None);
        let p = principal(&claims);
        assert_eq!((p.role, p.method), (Role::Project, AuthMethod::ProjectToken));
        assert_eq!(p.scope, Some(TenancyScope::Project("project-one".into())));
        assert_eq!(p.subject, "project-token:t1");
    }
}
