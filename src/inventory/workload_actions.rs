//! Workload actions: scale (`{"replicas": n}` on the scale subresource) and restart (the rollout
//! restart annotation, as `kubectl rollout restart` sets it). Each passes the three gates — the
//! write gate, the operator role, and Kubernetes RBAC, since the change is made as the caller on
//! `impersonate` clusters — and leaves one audit row with its outcome.

use axum::Json;
use axum::extract::State;
use axum::http::Method;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::scope::ClusterScope;
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::write_gate::WriteActionsEnabled;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(
        Method::POST,
        "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/scale",
        "scale",
        "workload",
    ),
    AuditedRoute::new(
        Method::POST,
        "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/restart",
        "restart",
        "workload",
    ),
];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new().routes(routes!(scale)).routes(routes!(restart)),
        audited: AUDITED,
    }
}

/// The field manager of every change Fleetdeck makes.
pub const FIELD_MANAGER: &str = "fleetdeck";
/// The annotation `kubectl rollout restart` sets on the pod template.
const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";
/// More replicas than this is a typo, not a plan.
const MAX_REPLICAS: u32 = 10_000;

/// Which kinds take which action.
const SCALABLE: &[&str] = &["deployments", "statefulsets", "replicasets"];
const RESTARTABLE: &[&str] = &["deployments", "statefulsets", "daemonsets"];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScaleRequest {
    #[schema(maximum = 10000)]
    pub replicas: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScaleResult {
    /// The replicas asked for, as the apiserver now has them.
    pub replicas: i32,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RestartResult {
    /// The time written into the pod template: the rollout that follows replaces every pod.
    pub restarted_at: String,
}

type WorkloadPath = (String, String, String, String, String, String);

/// The API to change the apps/v1 workload at `path` with, as the caller, if `action` applies to
/// its kind.
async fn workload(
    state: &AppState,
    principal: &Principal,
    path: &WorkloadPath,
    action: &str,
    kinds: &[&str],
) -> ApiResult<Api<DynamicObject>> {
    principal.require(Role::Operator)?;
    let (cluster, group, version, resource, namespace, _) = path;
    let scope = ClusterScope::open(state, principal, cluster).await?;
    let info = scope.resource(state, group, version, resource).await?;
    if info.group != "apps" || !kinds.contains(&info.resource.as_str()) {
        return Err(ApiError::bad_request(
            "action_not_supported",
            format!(
                "{} cannot {action}; it is for apps/v1 {}",
                info.path(),
                kinds.join(", ")
            ),
        ));
    }
    Ok(Api::namespaced_with(
        scope.reader_client(),
        namespace,
        &info.api_resource(),
    ))
}

/// Changes are recorded under Fleetdeck's field manager.
fn as_fleetdeck() -> PatchParams {
    PatchParams {
        field_manager: Some(FIELD_MANAGER.into()),
        ..PatchParams::default()
    }
}

fn note(path: &WorkloadPath, reason: String) -> AuditNote {
    AuditNote {
        cluster: Some(path.0.clone()),
        namespace: Some(path.4.clone()),
        name: Some(path.5.clone()),
        reason: Some(reason),
        ..AuditNote::default()
    }
}

/// Sets a Deployment's, StatefulSet's or ReplicaSet's replicas (operator; write gate).
#[utoipa::path(post, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/scale", tag = "operations",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
        ("namespace" = String, Path), ("name" = String, Path)),
    request_body = ScaleRequest,
    responses((status = 200, body = ScaleResult),
        (status = 400, description = "`action_not_supported`: the kind has no replicas", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn scale(
    State(state): State<AppState>,
    _writes: WriteActionsEnabled,
    principal: Principal,
    ApiPath(path): ApiPath<WorkloadPath>,
    ApiJson(body): ApiJson<ScaleRequest>,
) -> ApiResult<(AuditNote, Json<ScaleResult>)> {
    if body.replicas > MAX_REPLICAS {
        return Err(ApiError::unprocessable(
            "invalid_replicas",
            format!("at most {MAX_REPLICAS} replicas"),
        ));
    }
    let api = workload(&state, &principal, &path, "scale", SCALABLE).await?;
    let patch = json!({"spec": {"replicas": body.replicas}});
    let scaled = api
        .patch_scale(&path.5, &as_fleetdeck(), &Patch::Merge(&patch))
        .await
        .map_err(|e| crate::kube::errors::api_error(&path.0, &e))?;
    let replicas = scaled.spec.and_then(|s| s.replicas).unwrap_or_default();
    Ok((
        note(&path, format!("replicas={replicas}")),
        Json(ScaleResult { replicas }),
    ))
}

/// Restarts a Deployment's, StatefulSet's or DaemonSet's pods by a rollout (operator; write gate).
#[utoipa::path(post, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/restart", tag = "operations",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
        ("namespace" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = RestartResult),
        (status = 400, description = "`action_not_supported`: the kind has no pod template to roll", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody),
        (status = 504, body = ErrorBody)))]
async fn restart(
    State(state): State<AppState>,
    _writes: WriteActionsEnabled,
    principal: Principal,
    ApiPath(path): ApiPath<WorkloadPath>,
) -> ApiResult<(AuditNote, Json<RestartResult>)> {
    let api = workload(&state, &principal, &path, "restart", RESTARTABLE).await?;
    let restarted_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let patch = json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: restarted_at}}}}});
    api.patch(&path.5, &as_fleetdeck(), &Patch::Merge(&patch))
        .await
        .map_err(|e| crate::kube::errors::api_error(&path.0, &e))?;
    Ok((
        note(&path, format!("restartedAt={restarted_at}")),
        Json(RestartResult { restarted_at }),
    ))
}
