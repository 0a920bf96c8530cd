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
    /// Manages one tenant's projects and apps, and reads its usage and invoices: the key's scope
    /// `tenant:<id>` names it.
    Tenant,
    /// Manages one project's apps and reads its usage: the key's scope `project:<id>` names it.
    Project,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Viewer,
        Role::Operator,
        Role::Admin,
        Role::FluxReader,
        Role::Tenant,
        Role::Project,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
            Role::FluxReader => "flux-reader",
            Role::Tenant => "tenant",
            Role::Project => "project",
        }
    }

    /// Position in the human order; `None` for service roles.
    fn rank(self) -> Option<u8> {
        match self {
            Role::Viewer => Some(0),
            Role::Operator => Some(1),
            Role::Admin => Some(2),
            Role::FluxReader | Role::Tenant | Role::Project => None,
        }
    }

    /// Whether a principal holding `self` may do what needs `required`.
    pub fn satisfies(self, required: Role) -> bool {
        match (self.rank(), required.rank()) {
            (Some(have), Some(need)) => have >= need,
            _ => self == required,
        }
    }

    /// Whether `self` may hand out `other` (to an API key): no higher; flux-reader only by
    /// operators and admins; the tenancy roles, which reach tenants' namespaces, only by admins.
    pub fn may_grant(self, other: Role) -> bool {
        match other {
            Role::Tenant | Role::Project => self.satisfies(Role::Admin),
            Role::FluxReader => self.satisfies(Role::Operator),
            _ => self.satisfies(other),
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
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            format!("unknown role {s:?}; expected one of viewer, operator, admin, flux-reader, tenant, project")
        })
    }
}

impl TryFrom<String> for Role {
    type Error = String;
    fn try_from(s: String) -> Result<Role, String> {
        s.parse()
    }
}

/// What a key of the tenant or project role reaches: one tenant (its projects and apps), or one
/// project. Written `tenant:<id>` and `project:<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TenancyScope {
    Tenant(String),
    Project(String),
}

impl TenancyScope {
    /// The role a key with this scope holds.
    pub fn role(&self) -> Role {
        match self {
            TenancyScope::Tenant(_) => Role::Tenant,
            TenancyScope::Project(_) => Role::Project,
        }
    }
}

impl fmt::Display for TenancyScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TenancyScope::Tenant(id) => write!(f, "tenant:{id}"),
            TenancyScope::Project(id) => write!(f, "project:{id}"),
        }
    }
}

impl FromStr for TenancyScope {
    type Err = String;
    fn from_str(s: &str) -> Result<TenancyScope, String> {
        let scope = match s.split_once(':') {
            Some(("tenant", id)) => TenancyScope::Tenant(id.to_string()),
            Some(("project", id)) => TenancyScope::Project(id.to_string()),
            _ => return Err(format!("scope {s:?} is not tenant:<id> or project:<id>")),
        };
        match s.split_once(':').map(|(_, id)| id) {
            Some(id) if !id.is_empty() && id.len() <= 64 => Ok(scope),
            _ => Err(format!("scope {s:?} names no id")),
        }
    }
}

impl TryFrom<String> for TenancyScope {
    type Error = String;
    fn try_from(s: String) -> Result<TenancyScope, String> {
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
    /// A short-lived project token as Bearer (`auth::project_token`).
    ProjectToken,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Password => "password",
            AuthMethod::Token => "token",
            AuthMethod::ApiKey => "api_key",
            AuthMethod::Proxy => "proxy",
            AuthMethod::Oidc => "oidc",
            AuthMethod::ProjectToken => "project_token",
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
        // The tenancy roles reach nothing the human roles guard, and are not reached by them.
        for r in [Role::Tenant, Role::Project] {
            assert!(!r.satisfies(Role::Viewer) && !Role::Admin.satisfies(r) && r.satisfies(r));
        }
    }

    #[test]
    fn grants_go_no_higher_than_the_granter() {
        assert!(Role::Operator.may_grant(Role::Viewer));
        assert!(!Role::Operator.may_grant(Role::Admin));
        assert!(Role::Operator.may_grant(Role::FluxReader));
        assert!(!Role::Viewer.may_grant(Role::FluxReader));
        assert!(!Role::FluxReader.may_grant(Role::FluxReader));
        assert!(Role::Admin.may_grant(Role::Tenant) && Role::Admin.may_grant(Role::Project));
        assert!(!Role::Operator.may_grant(Role::Tenant) && !Role::Operator.may_grant(Role::Project));
        assert!(!Role::Tenant.may_grant(Role::Project));
    }

    #[test]
    fn tenancy_scopes_round_trip_and_bad_ones_are_refused() {
        for s in [TenancyScope::Tenant("t1".into()), TenancyScope::Project("p-9".into())] {
            assert_eq!(s.to_string().parse::<TenancyScope>().unwrap(), s);
        }
        assert_eq!(TenancyScope::Tenant("t".into()).role(), Role::Tenant);
        assert_eq!(TenancyScope::Project("p".into()).role(), Role::Project);
        for bad in [
            "tenant:",
            "cluster:x",
            "tenant",
            "",
            &format!("project:{}", "x".repeat(65)),
        ] {
            assert!(bad.parse::<TenancyScope>().is_err(), "{bad}");
        }
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
