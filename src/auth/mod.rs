//! Authentication and authorization: roles, principals, credentials, sessions; the auth router.

use std::fmt;

use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};

pub mod accounts;
pub mod bootstrap;
pub mod csrf;
pub mod identity;
pub mod key_cache;
pub mod model;
pub mod oidc;
pub mod password;
pub mod project_token;
pub mod proxy;
pub mod rate_limit;
pub mod resolve;
pub mod routes;
pub mod scope_gate;
pub mod secret;
pub mod write_gate;

pub use identity::{AuthMethod, Owner, Role, TenancyScope};

/// A bootstrap token from the settings; only the digest of its secret is kept.
#[derive(Clone, PartialEq, Eq)]
pub struct BootstrapToken {
    pub name: String,
    pub role: Role,
    pub digest: String,
}

impl BootstrapToken {
    pub fn new(name: &str, role: Role, token: &str) -> BootstrapToken {
        BootstrapToken {
            name: name.to_string(),
            role,
            digest: secret::digest(token),
        }
    }
}

impl fmt::Debug for BootstrapToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BootstrapToken")
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// Names of users and tokens: 1–63 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit.
pub fn is_valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

/// A new user's name, checked: 422 `invalid_username` unless [`is_valid_name`].
pub fn check_username(s: &str) -> Result<(), ApiError> {
    if is_valid_name(s) {
        Ok(())
    } else {
        Err(ApiError::unprocessable(
            "invalid_username",
            "username must be 1 to 63 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit",
        ))
    }
}

/// The session a principal came in through.
#[derive(Debug, Clone)]
pub struct SessionRef {
    /// Digest of the cookie's secret (the sessions table's id).
    pub id: String,
    pub expires_at: DateTime<Utc>,
}

/// Who is making a request. Every handler gets it through this extractor.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The username, or `token:<name>` for a bootstrap token.
    pub subject: String,
    pub display_name: String,
    pub role: Role,
    pub method: AuthMethod,
    pub owner: Owner,
    /// Set when the request was authenticated by the session cookie.
    pub session: Option<SessionRef>,
    /// When the credential stops working (session or API key expiry).
    pub expires_at: Option<DateTime<Utc>>,
    /// For a key bound to one cluster: the only cluster (by dns) whose Flux inputs it reads.
    pub cluster_dns: Option<String>,
    /// For a key of the `tenant` or `project` role: the tenant or project it reaches.
    pub scope: Option<TenancyScope>,
    /// From an OIDC provider: the user's email.
    pub email: Option<String>,
    /// Groups an identity provider or proxy put the principal in (impersonated on `impersonate` clusters).
    pub groups: Vec<String>,
}

impl Principal {
    /// A principal with no session, expiry, cluster binding, email or groups; callers add those
    /// with struct update syntax.
    pub fn new(subject: String, display_name: String, role: Role, method: AuthMethod, owner: Owner) -> Principal {
        Principal {
            subject,
            display_name,
            role,
            method,
            owner,
            session: None,
            expires_at: None,
            cluster_dns: None,
            scope: None,
            email: None,
            groups: vec![],
        }
    }

    /// 403 `forbidden` unless the principal's role satisfies `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role.satisfies(role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "forbidden",
                format!("this needs the {role} role; you have {}", self.role),
            ))
        }
    }

    /// The local user's id, when the principal is one.
    pub fn user_id(&self) -> Option<&str> {
        match &self.owner {
            Owner::User(id) => Some(id),
            Owner::Token(_) | Owner::Proxy(_) | Owner::Provider(_) => None,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Principal, ApiError> {
        parts.extensions.get::<Principal>().cloned().ok_or_else(|| {
            ApiError::unauthenticated("unauthenticated", "sign in or send Authorization: Bearer <token>")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_valid_name("alice"));
        assert!(is_valid_name("ci-bot.1"));
        assert!(!is_valid_name("Alice"));
        assert!(!is_valid_name("-x"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name(&"a".repeat(64)));
    }

    #[test]
    fn token_debug_hides_the_digest() {
        let t = BootstrapToken::new("ci", Role::Admin, "super-secret-token-value");
        let shown = format!("{t:?}");
        assert!(!shown.contains(&t.digest) && !shown.contains("super-secret"));
    }
}
