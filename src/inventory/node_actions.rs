//! Node actions: cordon and uncordon (`spec.unschedulable`), a drain's preview (see `drain_plan`)
//! and the drain itself, as `kubectl drain` does it: cordon, then evict every pod the plan
//! names through the Eviction API (so PodDisruptionBudgets are honoured), retrying refused
//! evictions until the drain's timeout, and wait for the pods to go. Progress streams as
//! Server-Sent Events; the drain runs to its end even if the client leaves, and its audit row
//! says how it ended. Everything is done as the caller on `impersonate` clusters.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::mpsc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::drain_plan::DrainPreview;
use crate::AppState;
use crate::audit::{AuditLater, AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::write_gate::WriteActionsEnabled;
use crate::auth::{Principal, Role};
use crate::clusters::actions::drain::{self, DrainFrame, Drainer};
use crate::clusters::actions::{self as action, NODES, note, only};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(
        Method::POST,
        "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}/cordon",
        "cordon",
        "node",
    ),
    AuditedRoute::new(
        Method::POST,
        "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}/uncordon",
        "uncordon",
        "node",
    ),
    AuditedRoute::new(
        Method::POST,
        "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}/drain",
        "drain",
        "node",
    ),
];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new()
            .routes(routes!(cordon))
            .routes(routes!(uncordon))
            .routes(routes!(drain_preview))
            .routes(routes!(drain)),
        audited: AUDITED,
    }
}

const DEFAULT_TIMEOUT_SECONDS: u64 = 300;
const MAX_TIMEOUT_SECONDS: u64 = 3600;

type NodePath = (String, String, String, String, String);

#[derive(Debug, Serialize, ToSchema)]
pub struct CordonResult {
    pub unschedulable: bool,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DrainRequest {
    /// How long the drain may take in all, evictions refused by budgets retried meanwhile
    /// (default 300, at most 3600).
    #[schema(minimum = 1, maximum = 3600)]
    pub timeout_seconds: Option<u64>,
    /// Evict pods with `emptyDir` volumes, whose data is lost (kubectl's `--delete-emptydir-data`).
    #[serde(default)]
    pub delete_empty_dir_data: bool,
    /// Evict pods no controller owns, which nothing recreates (kubectl's `--force`).
    #[serde(default)]
    pub force: bool,
    /// The pods' termination grace; default their own.
    #[schema(minimum = 0)]
    pub grace_period_seconds: Option<i64>,
}

impl super::sse::Frame for DrainFrame {
    fn sse(&self) -> String {
        use super::sse::event;
        match self {
            DrainFrame::Plan(p) => event("plan", p),
            DrainFrame::Blocked(p) => event("blocked", p),
            DrainFrame::Evicted(p) => event("evicted", p),
            DrainFrame::Failed(p) => event("failed", p),
            DrainFrame::Done(s) => event("done", s),
            DrainFrame::Notice(m) => event("notice", &json!({"message": m})),
        }
    }

    fn shutting_down() -> DrainFrame {
        DrainFrame::Notice("the server is shutting down; the drain goes on until it ends".into())
    }
}

/// The caller's view of the cluster, for the node at `path`.
async fn node_scope(state: &AppState, principal: &Principal, path: &NodePath, what: &str) -> ApiResult<ClusterScope> {
    let scope = action::open(state, principal, &path.0).await?;
    only(&scope.resource(state, &path.1, &path.2, &path.3).await?, what, NODES)?;
    Ok(scope)
}

async fn set_unschedulable(
    state: &AppState,
    principal: &Principal,
    path: &NodePath,
    on: bool,
) -> ApiResult<(AuditNote, Json<CordonResult>)> {
    let audit = note(&path.0, None, &path.4, format!("unschedulable={on}"));
    let verb = if on { "cordon" } else { "uncordon" };
    let scope = node_scope(state, principal, path, verb)
        .await
        .map_err(|e| e.with_audit(audit.clone()))?;
    let unschedulable = action::set_unschedulable(&scope, &path.4, on, None).await?;
    Ok((audit, Json(CordonResult { unschedulable })))
}

/// Marks a node unschedulable (operator; write gate).
#[utoipa::path(post, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}/cordon", tag = "operations",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = CordonResult),
        (status = 400, description = "`action_not_supported`: not a node", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn cordon(
    State(state): State<AppState>,
    _writes: WriteActionsEnabled,
    principal: Principal,
    ApiPath(path): ApiPath<NodePath>,
) -> ApiResult<(AuditNote, Json<CordonResult>)> {
    set_unschedulable(&state, &principal, &path, true).await
}

/// Marks a node schedulable again (operator; write gate).
#[utoipa::path(post, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}/uncordon", tag = "operations",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = CordonResult),
        (status = 400, description = "`action_not_supported`: not a node", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn uncordon(
    State(state): State<AppState>,
    _writes: WriteActionsEnabled,
    principal: Principal,
    ApiPath(path): ApiPath<NodePath>,
) -> ApiResult<(AuditNote, Json<CordonResult>)> {
    set_unschedulable(&state, &principal, &path, false).await
}

/// What draining the node would do: which pods would be evicted, which a budget blocks now,
/// which are skipped (DaemonSet and mirror pods), which have local storage or no controller
/// (viewer; read as the caller).
#[utoipa::path(get, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}/drain/preview", tag = "operations",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = DrainPreview),
        (status = 400, description = "`action_not_supported`: not a node", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn drain_preview(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(path): ApiPath<NodePath>,
) -> ApiResult<Json<DrainPreview>> {
    principal.require(Role::Viewer)?;
    let scope = ClusterScope::open(&state, &principal, &path.0).await?;
    only(
        &scope.resource(&state, &path.1, &path.2, &path.3).await?,
        "drain",
        NODES,
    )?;
    Ok(Json(drain::plan(&scope, &path.4).await?))
}

/// Cordons the node and evicts its pods, honouring PodDisruptionBudgets (operator; write gate).
/// Answers Server-Sent Events: `plan` (the preview), then per pod `blocked` (a budget refused;
/// retried every 5 s), `evicted` or `failed`, and last `done` with the summary.
#[utoipa::path(post, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}/drain", tag = "operations",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path), ("name" = String, Path)),
    request_body = DrainRequest,
    responses((status = 200, description = "`text/event-stream`: `plan` (DrainPreview), `blocked`/`evicted`/`failed` (PodOutcome), `done` (DrainSummary)",
            content_type = "text/event-stream", body = String),
        (status = 400, description = "`action_not_supported`: not a node", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`drain_refused`: pods with local storage or without a controller, and the flag that allows them not given (`details.pods`)", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn drain(
    State(state): State<AppState>,
    _writes: WriteActionsEnabled,
    principal: Principal,
    ApiPath(path): ApiPath<NodePath>,
    ApiJson(body): ApiJson<DrainRequest>,
) -> ApiResult<(AuditNote, Response)> {
    let audit = note(&path.0, None, &path.4, "");
    let fail = |e: ApiError| e.with_audit(audit.clone());
    let timeout = body.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
    if !(1..=MAX_TIMEOUT_SECONDS).contains(&timeout) {
        return Err(fail(ApiError::unprocessable(
            "invalid_timeout",
            format!("timeoutSeconds is 1 to {MAX_TIMEOUT_SECONDS}"),
        )));
    }
    let scope = node_scope(&state, &principal, &path, "drain").await.map_err(fail)?;
    let preview = drain::plan(&scope, &path.4).await.map_err(fail)?;
    drain::refuse_unsafe(&preview, body.delete_empty_dir_data, body.force).map_err(fail)?;
    action::set_unschedulable(&scope, &path.4, true, None)
        .await
        .map_err(fail)?;

    let (frames, receiver) = mpsc::channel(64);
    let (later, finished) = AuditLater::new();
    let drainer = Drainer::new(&scope, body.grace_period_seconds, Duration::from_secs(timeout), frames);
    tokio::spawn(async move {
        let summary = drainer.run(preview).await;
        let _ = finished.send(drain::summary_outcome(&summary));
    });
    let mut response = super::sse::response(super::sse::body(
        receiver,
        Some(Duration::from_secs(15)),
        state.streams.ending(),
    ))?;
    response.extensions_mut().insert(later);
    Ok((
        note(&path.0, None, &path.4, format!("timeoutSeconds={timeout}")),
        response,
    ))
}
