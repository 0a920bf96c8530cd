//! The scope gate: callers of the tenancy roles (`tenant:`/`project:` scoped keys, tokens and
//! sessions) reach only the tenancy surface of the API — their tenants, projects, apps, usage,
//! invoices, plans and orders — and answer 403 `scope_forbids_route` everywhere else, before any
//! handler runs. A route added later is closed to them until it is listed here (fail closed).

use super::Role;
use crate::error::ApiError;

/// Path prefixes (whole segments) of the tenancy surface (tests/tenancy_matrix.rs calls every
/// operation under them).
pub const TENANCY_SURFACE: &[&str] = &[
    "/api/auth/config",
    // Signing in again (an OIDC login and its callback) with a session still in the browser.
    "/api/auth/login",
    "/api/auth/callback",
    "/api/auth/whoami",
    "/api/auth/logout",
    "/api/openapi.json",
    "/api/openapi.yaml",
    "/api/tenants",
    "/api/projects",
    "/api/apps",
    "/api/platform/policy",
    "/api/usage",
    "/api/invoices",
    "/api/plans",
    "/api/orders",
    "/api/billing",
    "/api/tokens/project",
];

/// Whether `path` is `prefix` or below it.
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Refuses a tenancy role's request outside the tenancy surface. Outside `/api` (the console,
/// health, `/join`) nothing changes.
pub fn check(role: Role, path: &str) -> Result<(), ApiError> {
    let scoped = matches!(role, Role::Tenant | Role::Project);
    if !scoped || !under(path, "/api") || TENANCY_SURFACE.iter().any(|p| under(path, p)) {
        return Ok(());
    }
    Err(ApiError::forbidden(
        "scope_forbids_route",
        format!("the {role} role reaches tenants, projects, apps and their billing only"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenancy_roles_reach_the_tenancy_surface_only() {
        for role in [Role::Tenant, Role::Project] {
            for open in [
                "/api/tenants",
                "/api/projects/p1/kubeconfig",
                "/api/auth/logout/everywhere",
                "/",
                "/join",
            ] {
                assert!(check(role, open).is_ok(), "{role} {open}");
            }
            for closed in [
                "/api/clusters",
                "/api/tenantsx",
                "/api/auth/api-keys",
                "/api/tokens/j1",
                "/api/",
            ] {
                assert_eq!(
                    check(role, closed).unwrap_err().code,
                    "scope_forbids_route",
                    "{role} {closed}"
                );
            }
        }
        for role in [Role::Viewer, Role::Operator, Role::Admin, Role::FluxReader] {
            assert!(check(role, "/api/clusters").is_ok());
        }
    }
}
