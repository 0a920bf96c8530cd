//! Actions on workloads and pods: scale (`{"replicas": n}` on the scale subresource), restart (the
//! rollout restart annotation, as `kubectl rollout restart` sets it; for a pod, deleting it so its
//! controller makes a new one), a workload's revisions and rollback (`kubectl rollout undo`),
//! and triggering a CronJob (`kubectl create job --from=cronjob/…`). Each passes the three gates —
//! the write gate, the operator role, and Kubernetes RBAC, since the change is made as the caller
//! on `impersonate` clusters — and leaves one audit row with its outcome.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use kube::api::{DynamicObject, PostParams};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::rollout::{self, Revision};
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::write_gate::WriteActionsEnabled;
use crate::auth::{Principal, Role};
use crate::clusters::actions::{
    self as action, RESTARTABLE, ROLLABLE, SCALABLE, TRIGGERABLE, Target, kube_error, note, only,
};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::kube::discovery::ResourceInfo;

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
    AuditedRoute::new(
        Method::POST,
        "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/rollback",
        "rollback",
        "workload",
    ),
    AuditedRoute::new(
        Method::POST,
        "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/trigger",
        "trigger",
        "workload",
    ),
];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new()
            .routes(routes!(scale))
            .routes(routes!(restart))
            .routes(routes!(revisions))
            .routes(routes!(rollback))
            .routes(routes!(trigger)),
        audited: AUDITED,
    }
}

/// More replicas than this is a typo, not a plan.
const MAX_REPLICAS: u32 = 10_000;

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

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RestartQuery {
    /// Pods only: restart (delete) a pod that no controller owns, which nothing brings back.
    pub force: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RestartResult {
    /// For a workload, the time written into its pod template: the rollout that follows replaces
    /// every pod. For a pod, when it was deleted for its controller to replace.
    pub restarted_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionList {
    /// Newest first.
    pub items: Vec<Revision>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackRequest {
    /// The revision to go back to; 0 or none: the one before the current.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub revision: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RollbackResult {
    /// The revision whose template the workload now has.
    pub revision: i64,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerRequest {
    /// The Job's name; default `<cronjob>-manual-<5 random characters>`.
    pub name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TriggerResult {
    pub job: String,
    pub namespace: String,
}

type WorkloadPath = (String, String, String, String, String, String);

/// The caller's view of the cluster and the kind at `path`, if `action` applies to it.
async fn target(
    state: &AppState,
    principal: &Principal,
    path: &WorkloadPath,
    action: &str,
    kinds: &[&str],
) -> ApiResult<(ClusterScope, ResourceInfo)> {
    let (cluster, group, version, resource, _, _) = path;
    let scope = action::open(state, principal, cluster).await?;
    let info = scope.resource(state, group, version, resource).await?;
    only(&info, action, kinds)?;
    Ok((scope, info))
}

fn note_of(path: &WorkloadPath, reason: impl Into<String>) -> AuditNote {
    note(&path.0, Some(&path.4), &path.5, reason)
}

/// The object at `path` as an action's target.
fn at<'a>(scope: &'a ClusterScope, info: &'a ResourceInfo, path: &'a WorkloadPath) -> Target<'a> {
    Target {
        scope,
        info,
        namespace: &path.4,
        name: &path.5,
        precondition: None,
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
    let (scope, info) = target(&state, &principal, &path, "scale", SCALABLE).await?;
    let replicas = action::scale(at(&scope, &info, &path), body.replicas).await?;
    Ok((
        note_of(&path, format!("replicas={replicas}")),
        Json(ScaleResult { replicas }),
    ))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Restarts a Deployment's, StatefulSet's or DaemonSet's pods by a rollout, or a pod by deleting
/// it for its controller to replace (operator; write gate). A pod no controller owns is refused
/// (409 `unmanaged_pod`) unless `force=true`: nothing would bring it back.
#[utoipa::path(post, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/restart", tag = "operations",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
        ("namespace" = String, Path), ("name" = String, Path), RestartQuery),
    responses((status = 200, body = RestartResult),
        (status = 400, description = "`action_not_supported`: the kind has no pods to restart", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`unmanaged_pod`: a pod without a controller (add `force=true`)", body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn restart(
    State(state): State<AppState>,
    _writes: WriteActionsEnabled,
    principal: Principal,
    ApiPath(path): ApiPath<WorkloadPath>,
    ApiQuery(q): ApiQuery<RestartQuery>,
) -> ApiResult<(AuditNote, Json<RestartResult>)> {
    let (scope, info) = target(&state, &principal, &path, "restart", RESTARTABLE).await?;
    let target = at(&scope, &info, &path);
    let restarted_at = now();
    if info.resource == "pods" {
        let reason = action::delete_pod(target, q.force.unwrap_or(false)).await?;
        return Ok((note_of(&path, reason), Json(RestartResult { restarted_at })));
    }
    if q.force.is_some() {
        return Err(ApiError::bad_request("invalid_query", "force is for pods only"));
    }
    action::restart_workload(target, &restarted_at).await?;
    Ok((
        note_of(&path, format!("restartedAt={restarted_at}")),
        Json(RestartResult { restarted_at }),
    ))
}

/// A Deployment's, StatefulSet's or DaemonSet's revisions (its ReplicaSets or ControllerRevisions),
/// newest first; read as the caller.
#[utoipa::path(get, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/revisions", tag = "operations",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
        ("namespace" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = RevisionList),
        (status = 400, description = "`action_not_supported`: not a Deployment, StatefulSet or DaemonSet", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody),
        (status = 504, body = ErrorBody)))]
async fn revisions(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(path): ApiPath<WorkloadPath>,
) -> ApiResult<Json<RevisionList>> {
    principal.require(Role::Viewer)?;
    let scope = ClusterScope::open(&state, &principal, &path.0).await?;
    let info = scope.resource(&state, &path.1, &path.2, &path.3).await?;
    only(&info, "list revisions", ROLLABLE)?;
    let (workload, held) = action::workload_and_revisions(at(&scope, &info, &path)).await?;
    Ok(Json(RevisionList {
        items: rollout::revisions(&workload, &held),
    }))
}

/// Rolls a Deployment, StatefulSet or DaemonSet back to a revision's pod template, as
/// `kubectl rollout undo` does (operator; write gate).
#[utoipa::path(post, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/rollback", tag = "operations",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
        ("namespace" = String, Path), ("name" = String, Path)),
    request_body = RollbackRequest,
    responses((status = 200, body = RollbackResult),
        (status = 400, description = "`action_not_supported`: not a Deployment, StatefulSet or DaemonSet", body = ErrorBody),
        (status = 404, description = "`revision_not_found`, or no such workload", body = ErrorBody),
        (status = 409, description = "`already_current`: the workload runs that revision", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn rollback(
    State(state): State<AppState>,
    _writes: WriteActionsEnabled,
    principal: Principal,
    ApiPath(path): ApiPath<WorkloadPath>,
    ApiJson(body): ApiJson<RollbackRequest>,
) -> ApiResult<(AuditNote, Json<RollbackResult>)> {
    if body.revision < 0 {
        return Err(ApiError::unprocessable(
            "invalid_revision",
            "revision is 0 (the previous) or more",
        ));
    }
    let (scope, info) = target(&state, &principal, &path, "roll back", ROLLABLE).await?;
    let revision = action::rollback(at(&scope, &info, &path), body.revision).await?;
    Ok((
        note_of(&path, format!("revision={revision}")),
        Json(RollbackResult { revision }),
    ))
}

/// Starts a Job from a CronJob's template now, as `kubectl create job --from=cronjob/…` does
/// (operator; write gate).
#[utoipa::path(post, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/trigger", tag = "operations",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
        ("namespace" = String, Path), ("name" = String, Path)),
    request_body(content = TriggerRequest, description = "optional"),
    responses((status = 201, body = TriggerResult),
        (status = 400, description = "`action_not_supported`: not a CronJob", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "`kube_already_exists`: a Job of that name", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn trigger(
    State(state): State<AppState>,
    _writes: WriteActionsEnabled,
    principal: Principal,
    ApiPath(path): ApiPath<WorkloadPath>,
    body: Bytes,
) -> ApiResult<(StatusCode, AuditNote, Json<TriggerResult>)> {
    // The body is optional: `curl -X POST …/trigger` picks a name.
    let request: TriggerRequest = match body.is_empty() {
        true => TriggerRequest::default(),
        false => serde_json::from_slice(&body).map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?,
    };
    let (scope, info) = target(&state, &principal, &path, "trigger", TRIGGERABLE).await?;
    let cronjob = action::api(&scope, &info, Some(&path.4))
        .get(&path.5)
        .await
        .map_err(kube_error(&path.0))?;
    let name = request.name.unwrap_or_else(|| rollout::manual_job_name(&path.5));
    let job = rollout::job_from_cronjob(&serde_json::to_value(&cronjob).map_err(ApiError::internal)?, &name);
    let job: DynamicObject = serde_json::from_value(job).map_err(ApiError::internal)?;
    let jobs = ResourceInfo::builtin("batch", "v1", "jobs", "Job", true);
    let params = PostParams {
        field_manager: Some(action::FIELD_MANAGER.into()),
        ..PostParams::default()
    };
    action::api(&scope, &jobs, Some(&path.4))
        .create(&params, &job)
        .await
        .map_err(|e| kube_error(&path.0)(e).with_audit(note_of(&path, format!("job={name}"))))?;
    Ok((
        StatusCode::CREATED,
        note_of(&path, format!("job={name}")),
        Json(TriggerResult {
            job: name,
            namespace: path.4.clone(),
        }),
    ))
}
