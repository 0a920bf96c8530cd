//! Authentication and authorization: roles, principals, credentials, sessions; the auth router.

use std::fmt;
use std::str::FromStr;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

pub mod bootstrap;
pub mod csrf;
pub mod key_cache;
pub mod model;
pub mod password;
pub mod rate_limit;
pub mod resolve;
pub mod routes;
pub mod secret;
pub mod write_gate;

/// Human roles are ordered `viewer` < `operator` < `admin`; service roles stand outside
/// that order and satisfy only routes that name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Viewer,
    Operator,
    Admin,
    /// Reads the Flux inputs and nothing else.
    FluxReader,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Operator, Role::Admin, Role::FluxReader];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
            Role::FluxReader => "flux-reader",
        }
    }

    /// Position in the human order; `None` for service roles.
    fn rank(self) -> Option<u8> {
        match self {
            Role::Viewer => Some(0),
            Role::Operator => Some(1),
            Role::Admin => Some(2),
            Role::FluxReader => None,
        }
    }

    /// Whether a principal holding `self` may do what needs `required`.
    pub fn satisfies(self, required: Role) -> bool {
        match (self.rank(), required.rank()) {
            (Some(have), Some(need)) => have >= need,
            _ => self == required,
        }
    }

    /// Whether `self` may hand out `other` (to an API key): no higher, and service roles only by operators and admins.
    pub fn may_grant(self, other: Role) -> bool {
        match other.rank() {
            Some(_) => self.satisfies(other),
            None => self.satisfies(Role::Operator),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}; expected one of viewer, operator, admin, flux-reader"))
    }
}

impl TryFrom<String> for Role {
    type Error = String;
    fn try_from(s: String) -> Result<Role, String> {
        s.parse()
    }
}

/// How a principal proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A console session opened with a username and password.
    Password,
    /// A bootstrap token, as Bearer or through a console session opened with it.
    Token,
    /// An API key as Bearer.
    ApiKey,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Password => "password",
            AuthMethod::Token => "token",
            AuthMethod::ApiKey => "api_key",
        }
    }
}

/// Who owns a session or an API key: a local user (by id) or a bootstrap token (by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    User(String),
    Token(String),
}

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
}

impl Principal {
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
            Owner::Token(_) => None,
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
    fn human_roles_are_ordered_and_service_roles_stand_apart() {
        assert!(Role::Admin.satisfies(Role::Operator));
        assert!(Role::Operator.satisfies(Role::Viewer));
        assert!(!Role::Viewer.satisfies(Role::Operator));
        assert!(!Role::Operator.satisfies(Role::Admin));
        assert!(!Role::FluxReader.satisfies(Role::Viewer));
        assert!(!Role::Admin.satisfies(Role::FluxReader));
        assert!(Role::FluxReader.satisfies(Role::FluxReader));
    }

    #[test]
    fn grants_go_no_higher_than_the_granter() {
        assert!(Role::Operator.may_grant(Role::Viewer));
        assert!(!Role::Operator.may_grant(Role::Admin));
        assert!(Role::Operator.may_grant(Role::FluxReader));
        assert!(!Role::Viewer.may_grant(Role::FluxReader));
        assert!(!Role::FluxReader.may_grant(Role::FluxReader));
    }

    #[test]
    fn roles_round_trip_and_unknown_ones_are_named() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert!("root".parse::<Role>().unwrap_err().contains("\"root\""));
    }

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
