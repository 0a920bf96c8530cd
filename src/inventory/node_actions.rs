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
use futures::StreamExt;
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::api::{Api, DeleteParams, EvictParams, ListParams, Patch};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::action::{self, kube_error, note, only};
use super::drain_plan::{self, DrainPod, DrainPreview, PodAction};
use crate::AppState;
use crate::audit::model::Outcome;
use crate::audit::{AuditLater, AuditNote, AuditedRoute, AuditedRouter, Finished};
use crate::auth::write_gate::WriteActionsEnabled;
use crate::auth::{Principal, Role};
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

const NODES: &[&str] = &["core/nodes"];
/// Evictions in flight at once.
const EVICTIONS_AT_ONCE: usize = 32;
/// How long to wait before asking again after a budget refused an eviction (kubectl's 5 s).
const RETRY_EVERY: Duration = Duration::from_secs(5);
/// How often to look whether an evicted pod has gone.
const GONE_POLL: Duration = Duration::from_millis(500);
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

/// One pod's end in a drain.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PodOutcome {
    pub namespace: String,
    pub name: String,
    /// Why it failed: `kube_<reason>`, `timeout` or `still_terminating`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The last frame of a drain.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DrainSummary {
    pub node: String,
    pub evicted: usize,
    /// Every pod that could not be evicted, with why.
    pub failed: Vec<PodOutcome>,
    /// The drain's time ran out before every pod was gone.
    pub timed_out: bool,
}

/// A drain's progress, sent as Server-Sent Events named after the variant.
#[derive(Debug)]
enum DrainFrame {
    /// What the drain will do (the preview), first.
    Plan(DrainPreview),
    /// A budget refused the pod's eviction; it is asked again until the timeout.
    Blocked(PodOutcome),
    Evicted(PodOutcome),
    Failed(PodOutcome),
    Done(DrainSummary),
    Notice(String),
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
    let node = Api::<Node>::all(scope.reader_client())
        .patch(
            &path.4,
            &action::as_fleetdeck(),
            &Patch::Merge(json!({"spec": {"unschedulable": on}})),
        )
        .await
        .map_err(|e| kube_error(&path.0)(e).with_audit(audit.clone()))?;
    let unschedulable = node.spec.and_then(|s| s.unschedulable).unwrap_or(false);
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

fn values<T: Serialize>(items: &[T]) -> ApiResult<Vec<Value>> {
    items
        .iter()
        .map(|i| serde_json::to_value(i).map_err(ApiError::internal))
        .collect()
}

/// The drain plan of the node at `path`, from live reads as the caller: the node, its pods, and
/// the budgets (and pods) of those pods' namespaces.
async fn plan(scope: &ClusterScope, path: &NodePath) -> ApiResult<DrainPreview> {
    let client = scope.reader_client();
    let fail = kube_error(&path.0);
    let node = Api::<Node>::all(client.clone()).get(&path.4).await.map_err(&fail)?;
    let on_node = ListParams::default().fields(&format!("spec.nodeName={}", path.4));
    let node_pods = Api::<Pod>::all(client.clone())
        .list(&on_node)
        .await
        .map_err(&fail)?
        .items;
    let mut namespaces: Vec<String> = node_pods.iter().filter_map(|p| p.metadata.namespace.clone()).collect();
    namespaces.sort();
    namespaces.dedup();
    let (mut pdbs, mut all_pods) = (Vec::new(), Vec::new());
    for ns in &namespaces {
        let budgets = Api::<PodDisruptionBudget>::namespaced(client.clone(), ns)
            .list(&ListParams::default())
            .await
            .map_err(&fail)?
            .items;
        if budgets.is_empty() {
            continue;
        }
        let pods = Api::<Pod>::namespaced(client.clone(), ns)
            .list(&ListParams::default())
            .await
            .map_err(&fail)?
            .items;
        pdbs.extend(values(&budgets)?);
        all_pods.extend(values(&pods)?);
    }
    let unschedulable = node.spec.and_then(|s| s.unschedulable).unwrap_or(false);
    Ok(drain_plan::preview(
        &path.4,
        unschedulable,
        &values(&node_pods)?,
        &all_pods,
        &pdbs,
    ))
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
    Ok(Json(plan(&scope, &path).await?))
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
    let preview = plan(&scope, &path).await.map_err(fail)?;
    refuse_unsafe(&preview, &body).map_err(fail)?;
    Api::<Node>::all(scope.reader_client())
        .patch(
            &path.4,
            &action::as_fleetdeck(),
            &Patch::Merge(json!({"spec": {"unschedulable": true}})),
        )
        .await
        .map_err(|e| fail(kube_error(&path.0)(e)))?;

    let (frames, receiver) = mpsc::channel(64);
    let (later, finished) = AuditLater::new();
    let drainer = Drainer {
        pods: Api::all(scope.reader_client()),
        cluster: path.0.clone(),
        grace: body.grace_period_seconds,
        deadline: Instant::now() + Duration::from_secs(timeout),
        frames,
    };
    tokio::spawn(async move {
        let summary = drainer.run(preview).await;
        let _ = finished.send(summary_outcome(&summary));
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

/// kubectl's refusals: pods whose data or existence a drain would lose, without the flag.
fn refuse_unsafe(p: &DrainPreview, body: &DrainRequest) -> ApiResult<()> {
    let mut pods = Vec::new();
    if !body.delete_empty_dir_data {
        pods.extend(
            p.needs_delete_empty_dir_data
                .iter()
                .map(|n| json!({"pod": n, "needs": "deleteEmptyDirData"})),
        );
    }
    if !body.force {
        pods.extend(p.needs_force.iter().map(|n| json!({"pod": n, "needs": "force"})));
    }
    if pods.is_empty() {
        return Ok(());
    }
    Err(ApiError::conflict(
        "drain_refused",
        format!(
            "{} pod(s) would be lost: pods with emptyDir data need deleteEmptyDirData, pods without a controller need force",
            pods.len()
        ),
    )
    .with_details(json!({"pods": pods})))
}

/// The audit outcome of a drain: success when every pod went; denied when Kubernetes refused
/// every failed eviction; failure otherwise.
fn summary_outcome(s: &DrainSummary) -> Finished {
    let outcome = match s.failed.as_slice() {
        [] => Outcome::Success,
        failed if failed.iter().all(|f| f.code.as_deref() == Some("kube_forbidden")) => Outcome::Denied,
        _ => Outcome::Failure,
    };
    Finished {
        outcome,
        reason: format!(
            "evicted={} failed={}{}",
            s.evicted,
            s.failed.len(),
            if s.timed_out { " timedOut" } else { "" }
        ),
    }
}

struct Drainer {
    pods: Api<Pod>,
    cluster: String,
    grace: Option<i64>,
    deadline: Instant,
    frames: mpsc::Sender<DrainFrame>,
}

impl Drainer {
    async fn send(&self, frame: DrainFrame) {
        // The client may have left; the drain goes on.
        let _ = self.frames.send(frame).await;
    }

    async fn run(&self, preview: DrainPreview) -> DrainSummary {
        let node = preview.node.clone();
        let targets: Vec<DrainPod> = preview
            .pods
            .iter()
            .filter(|p| p.action == PodAction::Evict)
            .cloned()
            .collect();
        self.send(DrainFrame::Plan(preview)).await;
        let outcomes: Vec<Result<PodOutcome, PodOutcome>> = futures::stream::iter(targets)
            .map(|p| async move { self.evict(&p).await })
            .buffer_unordered(EVICTIONS_AT_ONCE)
            .collect()
            .await;
        let failed: Vec<PodOutcome> = outcomes.iter().filter_map(|o| o.clone().err()).collect();
        let summary = DrainSummary {
            node,
            evicted: outcomes.len() - failed.len(),
            timed_out: failed
                .iter()
                .any(|f| matches!(f.code.as_deref(), Some("timeout" | "still_terminating"))),
            failed,
        };
        self.send(DrainFrame::Done(summary.clone())).await;
        summary
    }

    /// Evicts one pod, asking again while a budget refuses, and waits for it to go.
    async fn evict(&self, pod: &DrainPod) -> Result<PodOutcome, PodOutcome> {
        let outcome = |code: Option<&str>, message: Option<String>| PodOutcome {
            namespace: pod.namespace.clone(),
            name: pod.name.clone(),
            code: code.map(str::to_string),
            message,
        };
        let api: Api<Pod> = Api::namespaced(self.pods.clone().into_client(), &pod.namespace);
        let params = EvictParams {
            delete_options: self.grace.map(|g| DeleteParams {
                grace_period_seconds: Some(g as u32),
                ..DeleteParams::default()
            }),
            ..EvictParams::default()
        };
        let uid = match api.get_opt(&pod.name).await {
            Ok(Some(p)) => p.metadata.uid,
            Ok(None) => return self.evicted(outcome(None, None)).await,
            Err(e) => return self.failed(outcome, e).await,
        };
        let mut told_blocked = false;
        loop {
            match api.evict(&pod.name, &params).await {
                Ok(_) => break,
                Err(kube::Error::Api(s)) if s.code == 404 => return self.evicted(outcome(None, None)).await,
                Err(kube::Error::Api(s)) if s.code == 429 => {
                    if !told_blocked {
                        told_blocked = true;
                        self.send(DrainFrame::Blocked(outcome(
                            Some("kube_too_many_requests"),
                            Some(s.message.clone()),
                        )))
                        .await;
                    }
                    let now = Instant::now();
                    if now >= self.deadline {
                        let message = format!("the drain's time ran out; last refusal: {}", s.message);
                        return self.fail(outcome(Some("timeout"), Some(message))).await;
                    }
                    tokio::time::sleep(RETRY_EVERY.min(self.deadline - now)).await;
                }
                Err(e) => return self.failed(outcome, e).await,
            }
        }
        // Evicted: wait until this pod (by uid) is gone.
        loop {
            match api.get_opt(&pod.name).await {
                Ok(Some(p)) if p.metadata.uid == uid => {}
                Ok(_) => return self.evicted(outcome(None, None)).await,
                Err(e) => return self.failed(outcome, e).await,
            }
            if Instant::now() >= self.deadline {
                let message = "evicted, but still terminating when the drain's time ran out".to_string();
                return self.fail(outcome(Some("still_terminating"), Some(message))).await;
            }
            tokio::time::sleep(GONE_POLL).await;
        }
    }

    async fn evicted(&self, o: PodOutcome) -> Result<PodOutcome, PodOutcome> {
        self.send(DrainFrame::Evicted(o.clone())).await;
        Ok(o)
    }

    async fn fail(&self, o: PodOutcome) -> Result<PodOutcome, PodOutcome> {
        self.send(DrainFrame::Failed(o.clone())).await;
        Err(o)
    }

    async fn failed(
        &self,
        outcome: impl Fn(Option<&str>, Option<String>) -> PodOutcome,
        e: kube::Error,
    ) -> Result<PodOutcome, PodOutcome> {
        let e = kube_error(&self.cluster)(e);
        self.fail(outcome(Some(e.code), Some(e.message))).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(failed: &[&str]) -> DrainSummary {
        DrainSummary {
            node: "n1".into(),
            evicted: 3,
            failed: failed
                .iter()
                .map(|c| PodOutcome {
                    namespace: "a".into(),
                    name: "p".into(),
                    code: Some(c.to_string()),
                    message: None,
                })
                .collect(),
            timed_out: failed.contains(&"timeout"),
        }
    }

    #[test]
    fn a_drain_succeeds_only_when_every_pod_went() {
        assert_eq!(summary_outcome(&summary(&[])).outcome, Outcome::Success);
        assert_eq!(summary_outcome(&summary(&["kube_forbidden"])).outcome, Outcome::Denied);
        let partial = summary_outcome(&summary(&["timeout", "kube_forbidden"]));
        assert_eq!(partial.outcome, Outcome::Failure);
        assert_eq!(partial.reason, "evicted=3 failed=2 timedOut");
    }

    #[test]
    fn unsafe_pods_need_their_flag() {
        let p = DrainPreview {
            node: "n1".into(),
            unschedulable: false,
            pods: vec![],
            evict: 2,
            skipped: 0,
            blocked: 0,
            needs_delete_empty_dir_data: vec!["a/cache".into()],
            needs_force: vec!["a/bare".into()],
        };
        let e = refuse_unsafe(&p, &DrainRequest::default()).unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (409, "drain_refused"));
        assert_eq!(e.details.unwrap()["pods"].as_array().unwrap().len(), 2);
        let both = DrainRequest {
            delete_empty_dir_data: true,
            force: true,
            ..DrainRequest::default()
        };
        assert!(refuse_unsafe(&p, &both).is_ok());
    }
}
