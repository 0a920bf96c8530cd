//! Who may read or change a tenant, project or app (kubeop's rules): an admin everything; the
//! viewer and operator roles read everything and change nothing; a `tenant` key its own tenant
//! (its projects and apps, and reading the tenant); a `project` key its own project (reading it,
//! and its apps); orders (what a tenant buys) are the tenant's: its `tenant` keys read and place
//! them, `project` keys do not see them. No IO: `may` on a role and scope, `allowed` on a caller.

use crate::auth::{Principal, Role, TenancyScope};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Tenant,
    Project,
    App,
    Order,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Tenant => "tenant",
            Kind::Project => "project",
            Kind::App => "app",
            Kind::Order => "order",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    /// Create, update or delete.
    Write,
}

/// Where an object sits: its tenant, and its project (none for a tenant, or for a project being
/// created).
#[derive(Debug, Clone, Copy)]
pub struct Owned<'a> {
    pub tenant_id: &'a str,
    pub project_id: Option<&'a str>,
}

/// Whether a principal of `role` with `scope` may `access` an object of `kind` owned as `owned`.
pub fn may(role: Role, scope: Option<&TenancyScope>, access: Access, kind: Kind, owned: Owned<'_>) -> bool {
    match (role, scope) {
        (Role::Admin, _) => true,
        (Role::Viewer | Role::Operator, _) => access == Access::Read,
        (Role::Tenant, Some(TenancyScope::Tenant(t))) => {
            t == owned.tenant_id && (access == Access::Read || kind != Kind::Tenant)
        }
        (Role::Project, Some(TenancyScope::Project(p))) => {
            owned.project_id == Some(p.as_str())
                && match kind {
                    Kind::Tenant | Kind::Order => false,
                    Kind::Project => access == Access::Read,
                    Kind::App => true,
                }
        }
        _ => false,
    }
}

/// Any role but flux-reader gets this far; `may` decides the rest.
pub fn signed_in(principal: &Principal) -> ApiResult<()> {
    match principal.role {
        Role::FluxReader => principal.require(Role::Viewer),
        _ => Ok(()),
    }
}

/// Whether `principal` may `access` an object of `kind` owned as `owned`.
pub fn allowed(principal: &Principal, access: Access, kind: Kind, owned: Owned<'_>) -> bool {
    may(principal.role, principal.scope.as_ref(), access, kind, owned)
}

/// 403 when the caller may read the object but not change it.
pub fn refuse_write(principal: &Principal, kind: Kind, owned: Owned<'_>) -> ApiResult<()> {
    match allowed(principal, Access::Write, kind, owned) {
        true => Ok(()),
        false => Err(ApiError::forbidden(
            "forbidden",
            format!("the {} role cannot change this {}", principal.role, kind.word()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IN_T1: Owned = Owned {
        tenant_id: "t1",
        project_id: Some("p1"),
    };
    const IN_T1_OTHER: Owned = Owned {
        tenant_id: "t1",
        project_id: Some("p2"),
    };
    const IN_T2: Owned = Owned {
        tenant_id: "t2",
        project_id: Some("p3"),
    };
    const TENANT_T1: Owned = Owned {
        tenant_id: "t1",
        project_id: None,
    };

    fn tenant(id: &str) -> Option<TenancyScope> {
        Some(TenancyScope::Tenant(id.into()))
    }
    fn project(id: &str) -> Option<TenancyScope> {
        Some(TenancyScope::Project(id.into()))
    }

    #[test]
    fn admins_do_everything_and_staff_only_read() {
        for kind in [Kind::Tenant, Kind::Project, Kind::App, Kind::Order] {
            for access in [Access::Read, Access::Write] {
                assert!(may(Role::Admin, None, access, kind, IN_T2));
            }
            for role in [Role::Viewer, Role::Operator] {
                assert!(may(role, None, Access::Read, kind, IN_T2));
                assert!(!may(role, None, Access::Write, kind, IN_T2));
            }
            assert!(!may(Role::FluxReader, None, Access::Read, kind, IN_T2));
        }
    }

    #[test]
    fn a_tenant_key_reaches_its_tenant_and_changes_all_but_the_tenant() {
        let t1 = tenant("t1");
        let s = t1.as_ref();
        assert!(may(Role::Tenant, s, Access::Read, Kind::Tenant, TENANT_T1));
        assert!(!may(Role::Tenant, s, Access::Write, Kind::Tenant, TENANT_T1));
        for kind in [Kind::Project, Kind::App, Kind::Order] {
            for access in [Access::Read, Access::Write] {
                assert!(may(Role::Tenant, s, access, kind, IN_T1));
                assert!(may(Role::Tenant, s, access, kind, IN_T1_OTHER));
                assert!(!may(Role::Tenant, s, access, kind, IN_T2));
            }
        }
        // A project created in its tenant.
        assert!(may(Role::Tenant, s, Access::Write, Kind::Project, TENANT_T1));
    }

    #[test]
    fn a_project_key_reads_its_project_and_changes_its_apps() {
        let p1 = project("p1");
        let s = p1.as_ref();
        assert!(may(Role::Project, s, Access::Read, Kind::Project, IN_T1));
        assert!(!may(Role::Project, s, Access::Write, Kind::Project, IN_T1));
        assert!(may(Role::Project, s, Access::Write, Kind::App, IN_T1));
        assert!(!may(Role::Project, s, Access::Read, Kind::App, IN_T1_OTHER));
        assert!(!may(Role::Project, s, Access::Read, Kind::Tenant, TENANT_T1));
        assert!(
            !may(Role::Project, s, Access::Read, Kind::Order, TENANT_T1),
            "orders are the tenant's"
        );
        assert!(
            !may(Role::Project, s, Access::Write, Kind::Project, TENANT_T1),
            "no new projects"
        );
    }

    #[test]
    fn a_scope_of_the_other_kind_or_none_reaches_nothing() {
        assert!(!may(
            Role::Tenant,
            project("p1").as_ref(),
            Access::Read,
            Kind::App,
            IN_T1
        ));
        assert!(!may(
            Role::Project,
            tenant("t1").as_ref(),
            Access::Read,
            Kind::App,
            IN_T1
        ));
        assert!(!may(Role::Tenant, None, Access::Read, Kind::Tenant, TENANT_T1));
        assert!(!may(Role::Project, None, Access::Read, Kind::App, IN_T1));
    }
}
