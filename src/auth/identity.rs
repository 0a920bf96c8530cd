//! The plain values of an identity — roles, how a principal signed in, who owns a credential —
//! as the store keeps them. Nothing here imports from above the store.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    /// Named by a trusted reverse proxy's headers.
    Proxy,
    /// A console session opened through an OIDC provider.
    Oidc,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Password => "password",
            AuthMethod::Token => "token",
            AuthMethod::ApiKey => "api_key",
            AuthMethod::Proxy => "proxy",
            AuthMethod::Oidc => "oidc",
        }
    }
}

/// Who owns a session or an API key: a local user (by id) or a bootstrap token (by name); a
/// user named by a trusted proxy (by that name) owns neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    User(String),
    Token(String),
    Proxy(String),
    /// A user of an OIDC provider (`provider:subject`), who owns no stored credentials.
    Provider(String),
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
}
