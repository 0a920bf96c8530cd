//! What every action on a cluster shares: the operator role (the write gate is the handler's
//! `WriteActionsEnabled` extractor), the caller's view of the cluster, Fleetdeck's field manager
//! and the audit note naming the target.

use kube::api::{Api, DynamicObject, PatchParams};

use crate::AppState;
use crate::audit::AuditNote;
use crate::auth::{Principal, Role};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiResult};
use crate::kube::discovery::ResourceInfo;

/// The field manager of every change Fleetdeck makes.
pub const FIELD_MANAGER: &str = "fleetdeck";

/// The cluster `cluster` for an action by `principal` (operator or above).
pub async fn open(state: &AppState, principal: &Principal, cluster: &str) -> ApiResult<ClusterScope> {
    principal.require(Role::Operator)?;
    ClusterScope::open(state, principal, cluster).await
}

/// The API of `info` objects, acting as the caller (themselves on `impersonate` clusters):
/// in `namespace` for a namespaced kind, cluster-wide otherwise.
pub fn api(scope: &ClusterScope, info: &ResourceInfo, namespace: Option<&str>) -> Api<DynamicObject> {
    match (info.namespaced, namespace) {
        (true, Some(ns)) => Api::namespaced_with(scope.reader_client(), ns, &info.api_resource()),
        _ => Api::all_with(scope.reader_client(), &info.api_resource()),
    }
}

/// Changes are recorded under Fleetdeck's field manager.
pub fn as_fleetdeck() -> PatchParams {
    PatchParams {
        field_manager: Some(FIELD_MANAGER.into()),
        ..PatchParams::default()
    }
}

/// The audit note of an action on `name` (in `namespace`) of `cluster`.
pub fn note(cluster: &str, namespace: Option<&str>, name: &str, reason: impl Into<String>) -> AuditNote {
    AuditNote {
        cluster: Some(cluster.to_string()),
        namespace: namespace.map(str::to_string),
        name: Some(name.to_string()),
        reason: Some(reason.into()),
        ..AuditNote::default()
    }
}

/// An apiserver failure while acting on `cluster`.
pub fn kube_error(cluster: &str) -> impl Fn(kube::Error) -> ApiError + '_ {
    move |e| crate::kube::errors::api_error(cluster, &e)
}

/// 400 `action_not_supported` unless `info` is one of `kinds` (`group/resource`, core as `core`).
pub fn only(info: &ResourceInfo, action: &str, kinds: &[&str]) -> ApiResult<()> {
    let group = if info.group.is_empty() {
        "core"
    } else {
        info.group.as_str()
    };
    if kinds.contains(&format!("{group}/{}", info.resource).as_str()) {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "action_not_supported",
        format!("{} cannot {action}; it is for {}", info.path(), kinds.join(", ")),
    ))
}
