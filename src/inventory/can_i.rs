//! `POST /api/clusters/{c}/can-i`: may the caller do these things? Each check passes our own
//! gates first — the write gate and the role for anything but a read — then Kubernetes RBAC, by a
//! SelfSubjectAccessReview under the caller's identity on `impersonate` clusters and under
//! Fleetdeck's own on `shared` ones (the identity the action would run as), cached 30 s. Any
//! apiserver error is a refusal. Answers are positional, so the console can grey out each button
//! with its reason.

use axum::Json;
use axum::extract::State;
use axum::http::Method;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::kube::access::Attributes;

/// The most checks one request may ask.
pub const MAX_CHECKS: usize = 64;

const AUDITED: &[AuditedRoute] = &[AuditedRoute::new(
    Method::POST,
    "/api/clusters/{cluster}/can-i",
    "can_i",
    "cluster",
)];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new().routes(routes!(can_i)),
        audited: AUDITED,
    }
}

/// One thing the caller may or may not do, as Kubernetes names it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Check {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`, or any
    /// other verb RBAC knows (`use`, `bind`, `impersonate`…).
    pub verb: String,
    /// The API group; empty or `core` for the core group.
    #[serde(default)]
    pub group: String,
    /// The plural resource, e.g. `deployments`.
    pub resource: String,
    /// e.g. `scale`, `log`, `exec`, `eviction`.
    #[serde(default)]
    pub subresource: String,
    /// Empty: every namespace, or a cluster-scoped resource.
    #[serde(default)]
    pub namespace: String,
    /// Empty: any object.
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CanIRequest {
    /// At most 64.
    #[schema(max_items = 64)]
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Verdict {
    pub allowed: bool,
    /// Why not (empty when allowed).
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CanIResponse {
    /// One verdict per check, in the order asked.
    pub results: Vec<Verdict>,
}

/// Reads need only the viewer role; everything else changes the cluster.
fn is_read(verb: &str) -> bool {
    matches!(verb, "get" | "list" | "watch")
}

/// Why our own gates refuse `verb`, if they do.
pub fn refused_by_us(verb: &str, writes_enabled: bool, role: Role) -> Option<String> {
    if is_read(verb) {
        return None;
    }
    if !writes_enabled {
        return Some("write actions are turned off on this server (FLEETDECK_WRITE_ACTIONS_ENABLED)".into());
    }
    if !role.satisfies(Role::Operator) {
        return Some(format!("this needs the operator role; you have {role}"));
    }
    None
}

/// The check as an access review's attributes; a 400 names the check that is not one.
fn attributes(index: usize, c: &Check) -> ApiResult<Attributes> {
    let bad = |what: &str| ApiError::bad_request("invalid_check", format!("checks[{index}]: {what}"));
    if c.verb.trim().is_empty() {
        return Err(bad("verb is empty"));
    }
    if c.resource.trim().is_empty() {
        return Err(bad("resource is empty"));
    }
    let group = if c.group == "core" { "" } else { c.group.as_str() };
    Ok(Attributes {
        verb: c.verb.clone(),
        group: group.to_string(),
        resource: c.resource.clone(),
        subresource: c.subresource.clone(),
        namespace: c.namespace.clone(),
        name: c.name.clone(),
    })
}

fn describe(a: &Attributes) -> String {
    let sub = if a.subresource.is_empty() {
        String::new()
    } else {
        format!("/{}", a.subresource)
    };
    let place = if a.namespace.is_empty() {
        String::new()
    } else {
        format!(" in namespace {}", a.namespace)
    };
    format!("{} {}{sub}{place}", a.verb, a.resource)
}

/// Whether the caller may do each of the checks, in order: our gates, then Kubernetes RBAC.
#[utoipa::path(post, path = "/api/clusters/{cluster}/can-i", tag = "inventory", params(("cluster" = String, Path)),
    request_body = CanIRequest,
    responses((status = 200, body = CanIResponse),
        (status = 400, description = "`too_many_checks` (more than 64) or `invalid_check`", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn can_i(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(cluster): ApiPath<String>,
    ApiJson(body): ApiJson<CanIRequest>,
) -> ApiResult<(AuditNote, Json<CanIResponse>)> {
    principal.require(Role::Viewer)?;
    if body.checks.len() > MAX_CHECKS {
        return Err(ApiError::bad_request(
            "too_many_checks",
            format!("at most {MAX_CHECKS} checks at once; got {}", body.checks.len()),
        ));
    }
    let asked: Vec<Attributes> = body
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| attributes(i, c))
        .collect::<ApiResult<_>>()?;
    let scope = ClusterScope::open(&state, &principal, &cluster).await?;
    let verdicts = asked.iter().map(|a| async {
        if let Some(reason) = refused_by_us(&a.verb, state.settings.write_actions_enabled, principal.role) {
            return Verdict { allowed: false, reason };
        }
        match scope.may(&state, a).await {
            true => Verdict {
                allowed: true,
                reason: String::new(),
            },
            false => Verdict {
                allowed: false,
                reason: format!("Kubernetes RBAC does not allow {} in cluster {cluster}", describe(a)),
            },
        }
    });
    let results = futures::future::join_all(verdicts).await;
    Ok((AuditNote::named(&cluster), Json(CanIResponse { results })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pass_our_gates_and_writes_need_the_gate_and_an_operator() {
        for verb in ["get", "list", "watch"] {
            assert_eq!(refused_by_us(verb, false, Role::Viewer), None);
        }
        let off = refused_by_us("patch", false, Role::Admin).unwrap();
        assert!(off.contains("FLEETDECK_WRITE_ACTIONS_ENABLED"), "{off}");
        let viewer = refused_by_us("delete", true, Role::Viewer).unwrap();
        assert!(viewer.contains("operator"), "{viewer}");
        assert_eq!(refused_by_us("create", true, Role::Operator), None);
        assert!(refused_by_us("impersonate", true, Role::Viewer).is_some());
    }

    #[test]
    fn checks_become_access_reviews_or_a_400_naming_them() {
        let check = |verb: &str, group: &str, resource: &str| Check {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: "scale".into(),
            namespace: "shop".into(),
            name: "web".into(),
        };
        let a = attributes(0, &check("patch", "core", "pods")).unwrap();
        assert_eq!(
            (a.group.as_str(), a.subresource.as_str(), a.name.as_str()),
            ("", "scale", "web")
        );
        assert_eq!(describe(&a), "patch pods/scale in namespace shop");
        let e = attributes(3, &check(" ", "apps", "deployments")).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            ("invalid_check", "checks[3]: verb is empty")
        );
        assert!(attributes(1, &check("get", "apps", "")).is_err());
    }
}
