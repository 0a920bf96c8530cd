//! The action cores: what the console's buttons (the inventory's routes) and executed
//! remediations (incidents) both run, so that a change made either way passes the same checks.
//! Every core acts through the caller's `ClusterScope` — as the caller on `impersonate` clusters,
//! so Kubernetes RBAC applies — under Fleetdeck's field manager, and its errors carry the audit
//! note naming the target. The operator role is asked by `open`; the write gate is the route's
//! `WriteActionsEnabled` extractor. `drain` holds the eviction loop.

pub mod drain;

use axum::http::StatusCode;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use serde_json::{Value, json};

use crate::AppState;
use crate::audit::AuditNote;
use crate::auth::{Principal, Role};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiResult};
use crate::inventory::drain_plan::controller_kind;
use crate::inventory::rollout::{self, RollbackError};
use crate::kube::discovery::ResourceInfo;

/// The field manager of every change Fleetdeck makes.
pub const FIELD_MANAGER: &str = "fleetdeck";

/// The annotation `kubectl rollout restart` sets on the pod template.
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// Which kinds take which action (`group/resource`, core as `core`).
pub const SCALABLE: &[&str] = &["apps/deployments", "apps/statefulsets", "apps/replicasets"];
pub const RESTARTABLE: &[&str] = &["apps/deployments", "apps/statefulsets", "apps/daemonsets", "core/pods"];
pub const ROLLABLE: &[&str] = &["apps/deployments", "apps/statefulsets", "apps/daemonsets"];
pub const TRIGGERABLE: &[&str] = &["batch/cronjobs"];
pub const NODES: &[&str] = &["core/nodes"];

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

/// One namespaced object an action is about: its cluster, kind, namespace and name.
#[derive(Clone, Copy)]
pub struct Target<'a> {
    pub scope: &'a ClusterScope,
    pub info: &'a ResourceInfo,
    pub namespace: &'a str,
    pub name: &'a str,
    /// The resourceVersion a change was computed from: the apiserver refuses it (409 Conflict)
    /// once the object moved on. `None` changes whatever the object is now.
    pub precondition: Option<&'a str>,
}

impl Target<'_> {
    fn cluster(&self) -> &str {
        &self.scope.name
    }

    fn api(&self) -> Api<DynamicObject> {
        api(self.scope, self.info, Some(self.namespace))
    }

    fn note(&self, reason: impl Into<String>) -> AuditNote {
        note(self.cluster(), Some(self.namespace), self.name, reason)
    }
}

/// A merge or strategic patch that applies only to `precondition`'s resourceVersion: the
/// apiserver treats a resourceVersion in a patch as a precondition.
fn guarded(mut patch: Value, precondition: Option<&str>) -> Value {
    if let Some(rv) = precondition {
        patch["metadata"]["resourceVersion"] = json!(rv);
    }
    patch
}

/// Sets the replicas on the scale subresource; the replicas the apiserver now has.
pub async fn scale(t: Target<'_>, replicas: u32) -> ApiResult<i32> {
    let patch = guarded(json!({"spec": {"replicas": replicas}}), t.precondition);
    let scaled = t
        .api()
        .patch_scale(t.name, &as_fleetdeck(), &Patch::Merge(&patch))
        .await
        .map_err(kube_error(t.cluster()))?;
    Ok(scaled.spec.and_then(|s| s.replicas).unwrap_or_default())
}

/// The merge patch a rollout restart sends: the time into the pod template's annotations.
pub fn restart_patch(at: &str) -> Value {
    json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: at}}}}})
}

/// Restarts a workload's pods by a rollout, as `kubectl rollout restart` does.
pub async fn restart_workload(t: Target<'_>, at: &str) -> ApiResult<()> {
    t.api()
        .patch(t.name, &as_fleetdeck(), &Patch::Merge(&restart_patch(at)))
        .await
        .map_err(kube_error(t.cluster()))?;
    Ok(())
}

/// Deletes a pod for its controller to replace; the audit reason. A pod no controller owns is
/// refused (409 `unmanaged_pod`) unless `force`: nothing would bring it back.
pub async fn delete_pod(t: Target<'_>, force: bool) -> ApiResult<String> {
    let api = t.api();
    let pod = api.get(t.name).await.map_err(kube_error(t.cluster()))?;
    let owner = controller_kind(&serde_json::to_value(&pod).map_err(ApiError::internal)?).map(str::to_string);
    if owner.is_none() && !force {
        return Err(ApiError::conflict(
            "unmanaged_pod",
            format!(
                "pod {} has no controller, so deleting it does not bring it back; add force=true to delete it anyway",
                t.name
            ),
        )
        .with_audit(t.note("unmanaged")));
    }
    // Delete this very pod, not one that replaced it meanwhile under the same name.
    let params = DeleteParams {
        preconditions: pod.metadata.uid.map(|uid| kube::api::Preconditions {
            uid: Some(uid),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    api.delete(t.name, &params).await.map_err(kube_error(t.cluster()))?;
    Ok(match owner {
        Some(kind) => format!("deleted for its {kind} to replace"),
        None => "deleted (force: no controller)".into(),
    })
}

/// The workload and what holds its revisions — ReplicaSets for a Deployment,
/// ControllerRevisions otherwise — read as the caller.
pub async fn workload_and_revisions(t: Target<'_>) -> ApiResult<(Value, Vec<Value>)> {
    let workload = t.api().get(t.name).await.map_err(kube_error(t.cluster()))?;
    let holders = match t.info.resource.as_str() {
        "deployments" => ResourceInfo::builtin("apps", "v1", "replicasets", "ReplicaSet", true),
        _ => ResourceInfo::builtin("apps", "v1", "controllerrevisions", "ControllerRevision", true),
    };
    let held = api(t.scope, &holders, Some(t.namespace))
        .list(&ListParams::default())
        .await
        .map_err(kube_error(t.cluster()))?;
    let value = |o: &DynamicObject| serde_json::to_value(o).map_err(ApiError::internal);
    let held = held.items.iter().map(value).collect::<ApiResult<Vec<_>>>()?;
    Ok((value(&workload)?, held))
}

/// The revision a rollback to `revision` (0: the previous) goes to and its JSON patch, from the
/// workload and its revisions' holders.
pub fn rollback_plan(t: Target<'_>, workload: &Value, held: &[Value], revision: i64) -> ApiResult<(i64, Value)> {
    let revisions = rollout::revisions(workload, held);
    rollout::rollback_patch(&revisions, held, revision).map_err(|e| {
        let e = match e {
            RollbackError::NoRevision(0) => ApiError::new(
                StatusCode::NOT_FOUND,
                "revision_not_found",
                "there is no revision before the current one",
            ),
            RollbackError::NoRevision(n) => ApiError::new(
                StatusCode::NOT_FOUND,
                "revision_not_found",
                format!("{} has no revision {n}", t.name),
            ),
            RollbackError::AlreadyCurrent(n) => {
                ApiError::conflict("already_current", format!("{} runs revision {n} already", t.name))
            }
        };
        e.with_audit(t.note(format!("revision={revision}")))
    })
}

/// Rolls a workload back to a revision's pod template, as `kubectl rollout undo` does; the
/// revision it now has.
pub async fn rollback(t: Target<'_>, revision: i64) -> ApiResult<i64> {
    let (workload, held) = workload_and_revisions(t).await?;
    let (revision, mut patch) = rollback_plan(t, &workload, &held, revision)?;
    if let (Some(rv), Some(ops)) = (t.precondition, patch.as_array_mut()) {
        ops.push(json!({"op": "replace", "path": "/metadata/resourceVersion", "value": rv}));
    }
    let patch: json_patch::Patch = serde_json::from_value(patch).map_err(ApiError::internal)?;
    t.api()
        .patch(t.name, &as_fleetdeck(), &Patch::<()>::Json(patch))
        .await
        .map_err(|e| kube_error(t.cluster())(e).with_audit(t.note(format!("revision={revision}"))))?;
    Ok(revision)
}

/// Sends a strategic merge patch (what `kubectl patch` sends by default); the object after it.
pub async fn patch_strategic(t: Target<'_>, patch: &Value) -> ApiResult<DynamicObject> {
    t.api()
        .patch(
            t.name,
            &as_fleetdeck(),
            &Patch::Strategic(guarded(patch.clone(), t.precondition)),
        )
        .await
        .map_err(kube_error(t.cluster()))
}

/// Marks a node unschedulable (or schedulable again), only at `precondition`'s resourceVersion
/// when given; what the node now says.
pub async fn set_unschedulable(
    scope: &ClusterScope,
    node: &str,
    on: bool,
    precondition: Option<&str>,
) -> ApiResult<bool> {
    let audit = note(&scope.name, None, node, format!("unschedulable={on}"));
    let node = Api::<k8s_openapi::api::core::v1::Node>::all(scope.reader_client())
        .patch(
            node,
            &as_fleetdeck(),
            &Patch::Merge(guarded(json!({"spec": {"unschedulable": on}}), precondition)),
        )
        .await
        .map_err(|e| kube_error(&scope.name)(e).with_audit(audit))?;
    Ok(node.spec.and_then(|s| s.unschedulable).unwrap_or(false))
}

/// Deletes an object; whether it is still there, waiting for its finalizers.
pub async fn delete(
    scope: &ClusterScope,
    info: &ResourceInfo,
    namespace: Option<&str>,
    name: &str,
    params: &DeleteParams,
) -> ApiResult<bool> {
    let answer = api(scope, info, namespace)
        .delete(name, params)
        .await
        .map_err(kube_error(&scope.name))?;
    Ok(answer.is_left())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_precondition_is_the_patchs_resource_version() {
        let patch = json!({"spec": {"unschedulable": true}});
        assert_eq!(guarded(patch.clone(), None), patch);
        assert_eq!(
            guarded(patch, Some("41")),
            json!({"spec": {"unschedulable": true}, "metadata": {"resourceVersion": "41"}})
        );
    }
}
