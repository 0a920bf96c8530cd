//! Remediation: changes proposed from findings, approved by a second person, executed through
//! the same action cores as the console's buttons (`clusters::actions`: the operator role, the
//! caller's identity on `impersonate` clusters, the field manager), each step audited.
//!
//! - `POST /api/remediation/propose` reads the live object as the caller and stores the exact
//!   change: the patch, the object before and after as YAML, their unified diff, the
//!   resourceVersion it was computed from and the risk guard's analysis of the result.
//! - `POST /api/remediation/{id}/approve|reject`: the two-person rule — the approver is not the
//!   proposer, unless the cluster's environment is in
//!   FLEETDECK_REMEDIATION_SELF_APPROVAL_ENVIRONMENTS.
//! - `POST /api/remediation/{id}/execute` (write gate): a change computed from an object carries
//!   the resourceVersion it was computed from as the apiserver's precondition, so one that
//!   changed since is refused (409 `remediation_stale`, the remediation failed) with no window
//!   between a check and the write. The outcome lands on the remediation and as a fix in memory
//!   in one transaction; the audit row names the proposer and the approver.
//! - `GET|POST /api/remediation/{id}/gitops`: the change as a kustomize strategic-merge patch and
//!   a unified diff, for teams that change clusters only through Git.
//!
//! A remediation is visible to whoever may see its finding (see `findings::view`).

pub mod plan;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::types::Json as SqlJson;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::diagnostics::finding::Remediation;
use super::findings::{self, StoredFinding};
use super::incident_read::{Views, may_see};
use super::risk_guard::{self, Analysis, KubeVersion};
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::write_gate::WriteActionsEnabled;
use crate::auth::{Principal, Role};
use crate::clusters::actions::{self, Target, drain, kube_error};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::kube::discovery::ResourceInfo;
use crate::store::incidents::IncidentEventRow;
use crate::store::memory::FixRow;
use crate::store::remediations::{Execution, RemediationFilter, RemediationRow};
use plan::{Artifact, Change, Params, TargetKind};

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(
        Method::POST,
        "/api/remediation/propose",
        "remediation_propose",
        "remediation",
    ),
    AuditedRoute::new(
        Method::POST,
        "/api/remediation/{id}/approve",
        "remediation_approve",
        "remediation",
    ),
    AuditedRoute::new(
        Method::POST,
        "/api/remediation/{id}/reject",
        "remediation_reject",
        "remediation",
    ),
    AuditedRoute::new(
        Method::POST,
        "/api/remediation/{id}/execute",
        "remediation_execute",
        "remediation",
    ),
    AuditedRoute::new(
        Method::POST,
        "/api/remediation/{id}/gitops",
        "remediation_gitops",
        "remediation",
    ),
];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new()
            .routes(routes!(propose))
            .routes(routes!(list))
            .routes(routes!(get_one))
            .routes(routes!(approve))
            .routes(routes!(reject))
            .routes(routes!(execute))
            .routes(routes!(gitops_get, gitops_post)),
        audited: AUDITED,
    }
}

/// The longest decision note and incident id taken.
const NOTE_MAX_BYTES: usize = 4096;
const INCIDENT_ID_MAX_CHARS: usize = 253;
/// How long a drain run by a remediation may take.
const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);
/// An execution claimed longer ago than this was abandoned (its server stopped mid-way: every
/// action ends well within it, a drain within DRAIN_TIMEOUT): it may be claimed again.
const CLAIM_TIMEOUT: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RemediationState {
    Proposed,
    Approved,
    Rejected,
    Executed,
    Failed,
}

impl RemediationState {
    fn word(self) -> &'static str {
        match self {
            RemediationState::Proposed => "proposed",
            RemediationState::Approved => "approved",
            RemediationState::Rejected => "rejected",
            RemediationState::Executed => "executed",
            RemediationState::Failed => "failed",
        }
    }

    fn parse(word: &str) -> Option<RemediationState> {
        serde_json::from_value(json!(word)).ok()
    }
}

/// The object a remediation changes.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemediationTarget {
    /// Empty for the core group.
    pub group: String,
    pub version: String,
    pub resource: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

/// The exact change a remediation makes.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemediationChange {
    /// The patch sent: a merge patch (scale, restart, cordon), a JSON patch (rollback) or a
    /// strategic merge patch (patch_memory_limit); absent for a pod delete and a drain.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub patch: Option<Value>,
    /// The object as it was read (YAML, without status and server-kept fields).
    pub before: String,
    /// The object after the change; empty when the object goes (a pod deleted).
    pub after: String,
    /// `diff -u` of before and after.
    pub diff: String,
    /// The object's resourceVersion the change was computed from.
    pub resource_version: String,
}

/// A remediation and where it stands.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemediationItem {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<String>,
    pub finding_id: String,
    pub kind: Remediation,
    pub cluster: String,
    pub target: RemediationTarget,
    pub params: Params,
    pub change: RemediationChange,
    /// The risk guard's analysis of the object after the change (workloads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Analysis>)]
    pub risk: Option<Value>,
    pub state: RemediationState,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_note: Option<String>,
    /// Set when an execution starts: an `approved` one with an executor is running, unless its
    /// claim is over 10 minutes old (its server stopped mid-way), when it may be executed again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executed_at: Option<DateTime<Utc>>,
    /// What the action answered (`replicas`, `revision`, `restartedAt`, a drain's summary, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub result: Option<Value>,
    /// Why the execution failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProposeRequest {
    pub finding_id: String,
    /// One of the finding's remediations; none: one proposal for each that can be made.
    pub kind: Option<Remediation>,
    #[serde(default)]
    pub params: Params,
    /// The incident the remediation is for.
    pub incident_id: Option<String>,
}

/// A kind that could not be proposed when the request named none.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkippedKind {
    pub kind: Remediation,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposeResult {
    pub items: Vec<RemediationItem>,
    /// Without `kind`: the finding's remediations that could not be proposed, with why.
    pub skipped: Vec<SkippedKind>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(inline)]
    pub state: Option<RemediationState>,
    pub incident_id: Option<String>,
    pub cluster: Option<String>,
    /// 1 to 500; default 100.
    pub limit: Option<u32>,
    /// The `continue` of the previous page.
    #[serde(rename = "continue")]
    #[param(rename = "continue")]
    pub next: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RemediationList {
    /// Newest first.
    pub items: Vec<RemediationItem>,
    /// Pass it as `continue` for the next page; absent on the last page.
    #[serde(rename = "continue", skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// Why (at most 4 KiB).
    pub note: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GitopsRequest {
    /// The folder of the kustomization in the repository, prefixed to the file name.
    pub path: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GitopsFormat {
    /// The artifact as JSON.
    #[default]
    Json,
    /// The patch file itself (`application/yaml`).
    Patch,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GitopsQuery {
    #[param(inline)]
    pub format: Option<GitopsFormat>,
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

/// A body that may be empty: `curl -X POST …/approve` takes the defaults.
fn optional_body<T: Default + serde::de::DeserializeOwned>(body: &Bytes) -> ApiResult<T> {
    match body.is_empty() {
        true => Ok(T::default()),
        false => serde_json::from_slice(body).map_err(|e| ApiError::bad_request("invalid_body", e.to_string())),
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "remediation_not_found",
        format!("no remediation {id}"),
    )
}

fn item(row: RemediationRow) -> Option<RemediationItem> {
    // A kind or state this version does not know (written by a newer one) leaves the row out.
    let kind = serde_json::from_value(json!(row.kind)).ok()?;
    let state = RemediationState::parse(&row.state)?;
    Some(RemediationItem {
        id: row.id,
        incident_id: row.incident_id,
        finding_id: row.finding_id,
        kind,
        cluster: row.cluster,
        target: RemediationTarget {
            group: row.target_group,
            version: row.target_version,
            resource: row.target_resource,
            kind: row.target_kind,
            namespace: Some(row.target_namespace).filter(|n| !n.is_empty()),
            name: row.target_name,
        },
        params: serde_json::from_value(row.params.0).unwrap_or_default(),
        change: RemediationChange {
            patch: row.patch.map(|p| p.0),
            before: row.before_yaml,
            after: row.after_yaml,
            diff: row.diff,
            resource_version: row.resource_version,
        },
        risk: row.risk.map(|r| r.0),
        state,
        proposed_by: row.proposed_by,
        proposed_at: row.proposed_at,
        decided_by: row.decided_by,
        decided_at: row.decided_at,
        decision_note: row.decision_note,
        executed_by: row.executed_by,
        executed_at: row.executed_at,
        result: row.result.map(|r| r.0),
        error: row.error,
    })
}

fn item_of(row: RemediationRow) -> ApiResult<RemediationItem> {
    item(row).ok_or_else(|| ApiError::internal(anyhow::anyhow!("a remediation this version cannot read")))
}

/// The remediation `id` if the caller may see its finding's namespace.
async fn visible(state: &AppState, principal: &Principal, id: &str) -> ApiResult<RemediationRow> {
    let row = state.store.remediation(id).await?.ok_or_else(|| not_found(id))?;
    let view = findings::view(state, principal, &row.cluster).await;
    match view.shows_namespace(&row.target_namespace) {
        true => Ok(row),
        false => Err(not_found(id)),
    }
}

/// The audit note of a step on `row`: the target, the remediation, and who proposed and decided.
/// The entry a remediation's step (`proposed`, `approved`, `rejected`, `executed`, `failed`)
/// adds to the timeline of the incident it is for, if any.
fn incident_event(row: &RemediationRow, step: &str, actor: &str) -> Option<IncidentEventRow> {
    let incident = row.incident_id.as_deref()?;
    let object = match row.target_namespace.as_str() {
        "" => row.target_name.clone(),
        ns => format!("{ns}/{}", row.target_name),
    };
    let detail = json!({
        "title": format!("Remediation {} of {} {object} {step}", row.kind, row.target_kind),
        "remediationId": row.id,
        "kind": row.kind,
        "cluster": row.cluster,
    });
    Some(IncidentEventRow::new(
        incident,
        &format!("remediation_{step}"),
        actor,
        detail,
    ))
}

fn audit(row: &RemediationRow) -> AuditNote {
    let mut reason = format!(
        "remediation={} kind={} proposedBy={}",
        row.id, row.kind, row.proposed_by
    );
    if let Some(by) = &row.decided_by {
        let verb = if row.state == "rejected" {
            "rejectedBy"
        } else {
            "approvedBy"
        };
        reason.push_str(&format!(" {verb}={by}"));
    }
    actions::note(
        &row.cluster,
        Some(row.target_namespace.as_str()).filter(|n| !n.is_empty()),
        &row.target_name,
        reason,
    )
}

fn info_of(k: TargetKind) -> ResourceInfo {
    ResourceInfo::builtin(k.group, k.version, k.resource, k.kind, k.namespaced)
}

/// An object read as the caller.
async fn read(scope: &ClusterScope, k: TargetKind, namespace: Option<&str>, name: &str) -> ApiResult<Value> {
    let object = actions::api(scope, &info_of(k), namespace)
        .get(name)
        .await
        .map_err(kube_error(&scope.name))?;
    serde_json::to_value(object).map_err(ApiError::internal)
}

/// An object a remediation changes, as read live.
struct Live {
    kind: TargetKind,
    namespace: Option<String>,
    name: String,
    object: Value,
}

/// The object `kind` changes for `finding`: the finding's own object, or the highest of its
/// controller chain (pod → ReplicaSet → Deployment) of a kind the remediation changes.
async fn resolve(scope: &ClusterScope, finding: &StoredFinding, kind: Remediation) -> ApiResult<Live> {
    let wanted = plan::changes(kind);
    let object = &finding.finding.object;
    let namespace = object.namespace.clone();
    let mut chain: Vec<Live> = Vec::new();
    let mut next = Some((object.kind.clone(), object.name.clone()));
    // Up the chain only when a controller could be what the remediation changes.
    let climb = wanted.iter().any(|k| !["Pod", "Node"].contains(k));
    while let Some((k, name)) = next.take() {
        let Some(tk) = plan::target_kind(&k) else { break };
        let value = read(scope, tk, namespace.as_deref(), &name).await?;
        next = plan::controller(&value).filter(|_| climb && chain.len() < 3);
        chain.push(Live {
            kind: tk,
            namespace: namespace.clone(),
            name,
            object: value,
        });
    }
    chain
        .into_iter()
        .rev()
        .find(|l| wanted.contains(&l.kind.kind))
        .ok_or_else(|| {
            plan::not_applicable(format!(
                "{} changes a {}; {} {} has none",
                plan::kind_word(kind),
                wanted.join(" or "),
                object.kind,
                object.name
            ))
        })
}

/// What the risk guard is told about the cluster.
async fn risk_options(state: &AppState, scope: &ClusterScope) -> risk_guard::Options {
    let version = scope.reader_client().apiserver_version().await.ok();
    risk_guard::Options {
        kubernetes_version: version.and_then(|v| KubeVersion::parse(&v.git_version)),
        environment: Some(scope.environment().to_string()),
        image_allowlist: state.settings.risk_guard.image_allowlist.clone(),
        default_namespace: "default".into(),
    }
}

/// The change `kind` makes to `live`.
async fn change(
    scope: &ClusterScope,
    finding: &StoredFinding,
    kind: Remediation,
    params: &Params,
    live: &Live,
) -> ApiResult<Change> {
    let info = info_of(live.kind);
    let target = Target {
        scope,
        info: &info,
        namespace: live.namespace.as_deref().unwrap_or_default(),
        name: &live.name,
        precondition: None,
    };
    let unmanaged = || {
        plan::not_applicable(format!(
            "pod {} has no controller: deleting it does not bring it back",
            live.name
        ))
    };
    Ok(match kind {
        Remediation::Scale => plan::scale(&live.object, params.replicas)?,
        Remediation::Restart | Remediation::DeletePod if live.kind.kind == "Pod" => {
            plan::controller(&live.object).ok_or_else(unmanaged)?;
            plan::deleted()
        }
        Remediation::Restart => {
            let at = now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            plan::restart(&live.object, actions::restart_patch(&at))
        }
        Remediation::Rollback => {
            let (workload, held) = actions::workload_and_revisions(target).await?;
            let (revision, patch) = actions::rollback_plan(target, &workload, &held, params.revision.unwrap_or(0))?;
            plan::rollback(&live.object, revision, patch)?
        }
        Remediation::PatchMemoryLimit => {
            let container = params
                .container
                .clone()
                .or_else(|| finding.finding.evidence.containers.first().map(|c| c.name.clone()))
                .ok_or_else(|| plan::not_applicable("the finding names no container; give params.container"))?;
            plan::memory_limit(&live.object, &container, params.memory.as_deref())?
        }
        Remediation::Cordon => plan::cordon(&live.object),
        Remediation::Drain => plan::drain(&live.object),
        Remediation::DeletePod => plan::deleted(),
    })
}

/// One proposal: the live object, the change, its texts and the risk guard's analysis.
async fn proposal(
    principal: &Principal,
    scope: &ClusterScope,
    finding: &StoredFinding,
    request: &ProposeRequest,
    kind: Remediation,
    options: &risk_guard::Options,
) -> ApiResult<RemediationRow> {
    let live = resolve(scope, finding, kind).await?;
    let change = change(scope, finding, kind, &request.params, &live).await?;
    let before_yaml = plan::yaml(&plan::clean(&live.object))?;
    let after_yaml = match &change.after {
        Some(after) => plan::yaml(&plan::clean(after))?,
        None => String::new(),
    };
    let label = match &live.namespace {
        Some(ns) => format!("{} {ns}/{}", live.kind.kind, live.name),
        None => format!("{} {}", live.kind.kind, live.name),
    };
    let diff = plan::diff(&before_yaml, &after_yaml, &label);
    let risk = match (&change.after, live.kind.kind) {
        (Some(_), "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet") => {
            let options = risk_guard::Options {
                default_namespace: live.namespace.clone().unwrap_or_else(|| "default".into()),
                ..options.clone()
            };
            let analysis = risk_guard::analyze(&after_yaml, &options);
            Some(SqlJson(serde_json::to_value(analysis).map_err(ApiError::internal)?))
        }
        _ => None,
    };
    let class = serde_json::to_value(finding.finding.class).map_err(ApiError::internal)?;
    Ok(RemediationRow {
        id: uuid::Uuid::now_v7().to_string(),
        incident_id: request.incident_id.clone(),
        finding_id: finding.finding.id.clone(),
        finding_class: class.as_str().unwrap_or_default().to_string(),
        kind: plan::kind_word(kind),
        cluster: scope.name.clone(),
        target_group: live.kind.group.to_string(),
        target_version: live.kind.version.to_string(),
        target_resource: live.kind.resource.to_string(),
        target_kind: live.kind.kind.to_string(),
        target_namespace: live.namespace.clone().unwrap_or_default(),
        target_name: live.name.clone(),
        params: SqlJson(serde_json::to_value(&change.params).map_err(ApiError::internal)?),
        patch: change.patch.map(SqlJson),
        before_yaml,
        after_yaml,
        diff,
        resource_version: live.object["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        risk,
        state: RemediationState::Proposed.word().into(),
        proposed_by: principal.subject.clone(),
        proposed_at: now(),
        decided_by: None,
        decided_at: None,
        decision_note: None,
        executed_by: None,
        executed_at: None,
        result: None,
        error: None,
    })
}

/// Proposes remediations for a finding (operator): each reads the live object as the caller and
/// holds the exact change. Without `kind`, one proposal for each of the finding's remediations
/// that can be made (the others under `skipped`).
#[utoipa::path(post, path = "/api/remediation/propose", tag = "remediation", request_body = ProposeRequest,
    responses((status = 201, body = ProposeResult),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`finding_not_found` (or not visible to the caller); the apiserver's `kube_not_found` for the object", body = ErrorBody),
        (status = 409, description = "`already_current`: a rollback to the revision running", body = ErrorBody),
        (status = 422, description = "`remediation_not_applicable`: not one of the finding's remediations, or no object it can change; `invalid_params`; `invalid_incident_id`; `unknown_incident`; `revision_not_found` is 404", body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn propose(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(request): ApiJson<ProposeRequest>,
) -> ApiResult<(StatusCode, AuditNote, Json<ProposeResult>)> {
    principal.require(Role::Operator)?;
    if request
        .incident_id
        .as_ref()
        .is_some_and(|i| i.is_empty() || i.chars().count() > INCIDENT_ID_MAX_CHARS)
    {
        return Err(ApiError::unprocessable(
            "invalid_incident_id",
            format!("incidentId is 1 to {INCIDENT_ID_MAX_CHARS} characters"),
        ));
    }
    if let Some(incident) = &request.incident_id
        && (state.store.incident(incident).await?.is_none()
            || !may_see(&mut Views::new(&state, &principal), incident).await?)
    {
        return Err(ApiError::unprocessable(
            "unknown_incident",
            format!("no incident {incident}"),
        ));
    }
    let finding = findings::visible(&state, &principal, &request.finding_id)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "finding_not_found",
                format!("no finding {}", request.finding_id),
            )
        })?;
    let f = &finding.finding;
    let note = actions::note(&f.cluster, f.object.namespace.as_deref(), &f.object.name, "");
    let fail = |e: ApiError| e.with_audit(note.clone());
    let kinds = match request.kind {
        Some(kind) if f.remediations.contains(&kind) => vec![kind],
        Some(kind) => {
            return Err(fail(plan::not_applicable(format!(
                "{} is not a remediation of this finding; it has {}",
                plan::kind_word(kind),
                f.remediations
                    .iter()
                    .map(|k| plan::kind_word(*k))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))));
        }
        None => f.remediations.clone(),
    };
    if kinds.is_empty() {
        return Err(fail(plan::not_applicable("the finding suggests no remediation")));
    }
    let scope = actions::open(&state, &principal, &f.cluster).await.map_err(fail)?;
    let options = risk_options(&state, &scope).await;
    let (mut rows, mut skipped, mut first_error) = (Vec::new(), Vec::new(), None);
    for kind in kinds {
        match proposal(&principal, &scope, &finding, &request, kind, &options).await {
            Ok(row) => rows.push(row),
            Err(e) if request.kind.is_none() => {
                skipped.push(SkippedKind {
                    kind,
                    code: e.code.to_string(),
                    message: e.message.clone(),
                });
                first_error.get_or_insert(e);
            }
            Err(e) => return Err(fail(e)),
        }
    }
    if rows.is_empty() {
        return Err(fail(first_error.expect("a kind was tried")));
    }
    let events: Vec<IncidentEventRow> = rows
        .iter()
        .filter_map(|r| incident_event(r, "proposed", &principal.subject))
        .collect();
    state.store.insert_remediations(&rows, &events).await?;
    let reason = rows
        .iter()
        .map(|r| format!("{}={}", r.kind, r.id))
        .collect::<Vec<_>>()
        .join(" ");
    let note = actions::note(
        &f.cluster,
        f.object.namespace.as_deref(),
        &f.object.name,
        format!("finding={} {reason}", f.id),
    );
    let items = rows.into_iter().map(item_of).collect::<ApiResult<_>>()?;
    Ok((StatusCode::CREATED, note, Json(ProposeResult { items, skipped })))
}

/// Remediations, newest first, those whose finding the caller may see (viewer).
#[utoipa::path(get, path = "/api/remediation", tag = "remediation", params(ListQuery),
    responses((status = 200, body = RemediationList),
        (status = 400, body = ErrorBody, description = "invalid_query, invalid_continue"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<RemediationList>> {
    principal.require(Role::Viewer)?;
    let limit = findings::page_limit(q.limit)?;
    let mut before: Option<(DateTime<Utc>, String)> = q.next.as_deref().map(findings::decode_continue).transpose()?;
    let mut views = std::collections::HashMap::new();
    let mut items = Vec::new();
    // Rows the caller may not see are skipped, so a page may take several reads.
    loop {
        let filter = RemediationFilter {
            state: q.state.map(RemediationState::word),
            incident_id: q.incident_id.as_deref(),
            cluster: q.cluster.as_deref(),
            before: before.as_ref().map(|(at, id)| (*at, id.as_str())),
            limit,
        };
        let rows = state.store.remediations(&filter).await?;
        let full = rows.len() == limit as usize;
        for row in rows {
            if !views.contains_key(&row.cluster) {
                let v = findings::view(&state, &principal, &row.cluster).await;
                views.insert(row.cluster.clone(), v);
            }
            before = Some((row.proposed_at, row.id.clone()));
            let token = findings::encode_continue(&(row.proposed_at, &row.id));
            if views[&row.cluster].shows_namespace(&row.target_namespace)
                && let Some(i) = item(row)
            {
                items.push(i);
                if items.len() == limit as usize {
                    return Ok(Json(RemediationList {
                        items,
                        next: Some(token),
                    }));
                }
            }
        }
        if !full {
            return Ok(Json(RemediationList { items, next: None }));
        }
    }
}

/// One remediation (viewer; 404 when its finding is not visible to the caller).
#[utoipa::path(get, path = "/api/remediation/{id}", tag = "remediation", params(("id" = String, Path)),
    responses((status = 200, body = RemediationItem),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`remediation_not_found`", body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<RemediationItem>> {
    principal.require(Role::Viewer)?;
    Ok(Json(item_of(visible(&state, &principal, &id).await?)?))
}

/// Approves or rejects a proposed remediation.
async fn decide(
    state: &AppState,
    principal: &Principal,
    id: &str,
    body: &Bytes,
    to: RemediationState,
) -> ApiResult<(AuditNote, Json<RemediationItem>)> {
    principal.require(Role::Operator)?;
    let request: DecisionRequest = optional_body(body)?;
    let row = visible(state, principal, id).await?;
    let fail = |e: ApiError| e.with_audit(audit(&row));
    if request.note.as_ref().is_some_and(|n| n.len() > NOTE_MAX_BYTES) {
        return Err(fail(ApiError::unprocessable(
            "invalid_note",
            "note is larger than 4 KiB",
        )));
    }
    let not_pending = || {
        fail(ApiError::conflict(
            "remediation_not_pending",
            format!("remediation {id} is {}, not proposed", row.state),
        ))
    };
    if row.state != RemediationState::Proposed.word() {
        return Err(not_pending());
    }
    if to == RemediationState::Approved && row.proposed_by == principal.subject {
        let environment = state.store.cluster(&row.cluster).await?.map(|c| c.environment);
        let waived = environment.is_some_and(|e| state.settings.remediation_self_approval_environments.contains(&e));
        if !waived {
            return Err(fail(ApiError::new(
                StatusCode::FORBIDDEN,
                "approver_is_proposer",
                "a remediation is approved by someone other than its proposer",
            )));
        }
    }
    let decided = state
        .store
        .decide_remediation(
            id,
            to.word(),
            &principal.subject,
            now(),
            request.note.as_deref(),
            incident_event(&row, to.word(), &principal.subject).as_ref(),
        )
        .await?
        .ok_or_else(not_pending)?;
    Ok((audit(&decided), Json(item_of(decided)?)))
}

/// Approves a proposed remediation (operator). The two-person rule: the proposer may not
/// approve their own (403 `approver_is_proposer`) unless the cluster's environment is in
/// FLEETDECK_REMEDIATION_SELF_APPROVAL_ENVIRONMENTS.
#[utoipa::path(post, path = "/api/remediation/{id}/approve", tag = "remediation", params(("id" = String, Path)),
    request_body(content = DecisionRequest, description = "optional"),
    responses((status = 200, body = RemediationItem),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`approver_is_proposer`, or not an operator", body = ErrorBody),
        (status = 404, description = "`remediation_not_found`", body = ErrorBody),
        (status = 409, description = "`remediation_not_pending`: decided already", body = ErrorBody),
        (status = 422, description = "`invalid_note`", body = ErrorBody)))]
async fn approve(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    body: Bytes,
) -> ApiResult<(AuditNote, Json<RemediationItem>)> {
    decide(&state, &principal, &id, &body, RemediationState::Approved).await
}

/// Rejects a proposed remediation (operator; the proposer may withdraw their own).
#[utoipa::path(post, path = "/api/remediation/{id}/reject", tag = "remediation", params(("id" = String, Path)),
    request_body(content = DecisionRequest, description = "optional"),
    responses((status = 200, body = RemediationItem),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`remediation_not_found`", body = ErrorBody),
        (status = 409, description = "`remediation_not_pending`: decided already", body = ErrorBody),
        (status = 422, description = "`invalid_note`", body = ErrorBody)))]
async fn reject(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    body: Bytes,
) -> ApiResult<(AuditNote, Json<RemediationItem>)> {
    decide(&state, &principal, &id, &body, RemediationState::Rejected).await
}

/// 409 `remediation_stale`: the object changed since the change was computed from it.
fn stale(row: &RemediationRow) -> ApiError {
    ApiError::conflict(
        "remediation_stale",
        format!(
            "{} {} changed since the proposal (it was computed from resourceVersion {}); propose it again",
            row.target_kind, row.target_name, row.resource_version
        ),
    )
    .with_details(json!({"proposedFrom": row.resource_version}))
}

/// Runs the approved change through the action core, as the executor.
async fn run(scope: &ClusterScope, row: &RemediationRow, kind: Remediation, params: &Params) -> ApiResult<Value> {
    let tk = plan::target_kind(&row.target_kind)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("an unknown target kind")))?;
    let info = info_of(tk);
    let target = Target {
        scope,
        info: &info,
        namespace: &row.target_namespace,
        name: &row.target_name,
        precondition: plan::computed_from_object(kind).then_some(row.resource_version.as_str()),
    };
    Ok(match kind {
        Remediation::Scale => json!({"replicas": actions::scale(target, params.replicas.unwrap_or_default()).await?}),
        // A pod restarts by being deleted for its controller to replace.
        Remediation::DeletePod | Remediation::Restart if tk.kind == "Pod" => {
            json!({"deleted": actions::delete_pod(target, false).await?})
        }
        Remediation::DeletePod => return Err(ApiError::internal(anyhow::anyhow!("delete_pod of a non-pod"))),
        Remediation::Restart => {
            let at = now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            actions::restart_workload(target, &at).await?;
            json!({"restartedAt": at})
        }
        Remediation::Rollback => json!({"revision": actions::rollback(target, params.revision.unwrap_or(0)).await?}),
        Remediation::PatchMemoryLimit => {
            let patch = row.patch.as_ref().map(|p| p.0.clone()).unwrap_or_default();
            let after = actions::patch_strategic(target, &patch).await?;
            json!({"resourceVersion": after.metadata.resource_version})
        }
        Remediation::Cordon => {
            json!({"unschedulable": actions::set_unschedulable(scope, &row.target_name, true, target.precondition).await?})
        }
        Remediation::Drain => {
            let preview = drain::plan(scope, &row.target_name).await?;
            drain::refuse_unsafe(&preview, false, false)?;
            actions::set_unschedulable(scope, &row.target_name, true, None).await?;
            // Nobody listens to the progress: the summary is the result.
            let (frames, _) = tokio::sync::mpsc::channel(1);
            let summary = drain::Drainer::new(scope, None, DRAIN_TIMEOUT, frames)
                .run(preview)
                .await;
            let value = serde_json::to_value(&summary).map_err(ApiError::internal)?;
            if !summary.failed.is_empty() {
                return Err(ApiError::conflict(
                    "drain_incomplete",
                    format!("{} pod(s) could not be evicted", summary.failed.len()),
                )
                .with_details(json!({"summary": value})));
            }
            value
        }
    })
}

/// Executes an approved remediation (operator; write gate) through the same action core as the
/// console's buttons, as the executor (impersonated on `impersonate` clusters). A change computed
/// from the object (scale, rollback, patch_memory_limit, cordon) is refused by the apiserver's
/// resourceVersion precondition once the object moved on: 409 `remediation_stale`, the
/// remediation failed, nothing changed and no fix is recorded; propose it again. The outcome is
/// recorded on the remediation and as a fix in memory; a failure answers the action's error.
#[utoipa::path(post, path = "/api/remediation/{id}/execute", tag = "remediation", params(("id" = String, Path)),
    responses((status = 200, body = RemediationItem),
        (status = 400, description = "`action_not_supported`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not an operator, write actions disabled, or Kubernetes RBAC (`kube_forbidden`)", body = ErrorBody),
        (status = 404, description = "`remediation_not_found`, or the object is gone (`kube_not_found`)", body = ErrorBody),
        (status = 409, description = "`remediation_not_approved`, `remediation_stale`, `unmanaged_pod`, `drain_refused`, `drain_incomplete`, `already_current`", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn execute(
    State(state): State<AppState>,
    _writes: WriteActionsEnabled,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(AuditNote, Json<RemediationItem>)> {
    principal.require(Role::Operator)?;
    let row = visible(&state, &principal, &id).await?;
    let note = audit(&row);
    let fail = |e: ApiError| e.with_audit(note.clone());
    let not_approved = || {
        fail(ApiError::conflict(
            "remediation_not_approved",
            format!("remediation {id} is {}; only an approved one runs, once", row.state),
        ))
    };
    let claimed_at = now();
    let abandoned_before = claimed_at - CLAIM_TIMEOUT;
    let running = row.executed_at.is_some_and(|at| at >= abandoned_before);
    if row.state != RemediationState::Approved.word() || running {
        return Err(not_approved());
    }
    let kind: Remediation = serde_json::from_value(json!(row.kind)).map_err(ApiError::internal)?;
    let params: Params = serde_json::from_value(row.params.0.clone()).map_err(ApiError::internal)?;
    let scope = actions::open(&state, &principal, &row.cluster).await.map_err(fail)?;
    if !state
        .store
        .claim_remediation(&id, &principal.subject, claimed_at, abandoned_before)
        .await?
    {
        return Err(not_approved());
    }
    let outcome = run(&scope, &row, kind, &params).await.map_err(|e| match e.code {
        // The apiserver refused the precondition: the object moved on since the proposal.
        "kube_conflict" if plan::computed_from_object(kind) => stale(&row),
        _ => e,
    });
    let is_stale = outcome.as_ref().is_err_and(|e| e.code == "remediation_stale");
    let (result, error) = match &outcome {
        Ok(v) => (Some(v.clone()), None),
        Err(e) => (e.details.clone(), Some(format!("{}: {}", e.code, e.message))),
    };
    // A stale change never ran: it says nothing of how well the fix works.
    let fix = (!is_stale).then(|| FixRow {
        id: uuid::Uuid::new_v4().to_string(),
        runbook_id: None,
        finding_id: Some(row.finding_id.clone()),
        class: row.finding_class.clone(),
        cluster: row.cluster.clone(),
        object_kind: row.target_kind.clone(),
        object_namespace: row.target_namespace.clone(),
        object_name: row.target_name.clone(),
        action: row.kind.clone(),
        success: outcome.is_ok(),
        note: Some(format!(
            "remediation {} proposed by {}, approved by {}, executed by {}",
            row.id,
            row.proposed_by,
            row.decided_by.as_deref().unwrap_or_default(),
            principal.subject
        )),
        recorded_by: principal.subject.clone(),
        recorded_at: now(),
    });
    let execution = Execution {
        success: outcome.is_ok(),
        result: result.as_ref(),
        error: error.as_deref(),
        fix: fix.as_ref(),
    };
    let outcome_word = if outcome.is_ok() {
        RemediationState::Executed.word()
    } else {
        RemediationState::Failed.word()
    };
    let event = incident_event(&row, outcome_word, &principal.subject).map(|mut e| {
        if let Some(error) = &error {
            e.detail.0["error"] = json!(error);
        }
        e
    });
    let finished = state.store.finish_remediation(&id, &execution, event.as_ref()).await?;
    let mut note = audit(&row);
    note.reason = note.reason.map(|r| format!("{r} executedBy={}", principal.subject));
    match outcome {
        Ok(_) => {
            let finished =
                finished.ok_or_else(|| ApiError::internal(anyhow::anyhow!("the remediation's claim was lost")))?;
            Ok((note, Json(item_of(finished)?)))
        }
        Err(e) => Err(e.with_audit(note)),
    }
}

/// The artifact of `id`, or 422 `gitops_not_applicable`.
async fn artifact(state: &AppState, principal: &Principal, id: &str, path: &str) -> ApiResult<(AuditNote, Artifact)> {
    let row = visible(state, principal, id).await?;
    let note = audit(&row);
    let fail = |e: ApiError| e.with_audit(note.clone());
    let kind: Remediation = serde_json::from_value(json!(row.kind)).map_err(ApiError::internal)?;
    if !plan::declarative(kind, &row.target_kind) || row.after_yaml.is_empty() {
        return Err(fail(ApiError::unprocessable(
            "gitops_not_applicable",
            format!(
                "{} of a {} has no declarative form to commit",
                row.kind, row.target_kind
            ),
        )));
    }
    let path = plan::check_path(path).map_err(fail)?;
    let parse = |text: &str| yaml_serde::from_str::<Value>(text).map_err(ApiError::internal);
    let artifact = plan::artifact(
        kind,
        &parse(&row.before_yaml)?,
        &parse(&row.after_yaml)?,
        &row.diff,
        path,
    )?;
    Ok((note, artifact))
}

fn gitops_answer(artifact: Artifact, q: &GitopsQuery) -> Response {
    match q.format.unwrap_or_default() {
        GitopsFormat::Json => Json(artifact).into_response(),
        GitopsFormat::Patch => ([(CONTENT_TYPE, "application/yaml")], artifact.kustomize_patch).into_response(),
    }
}

/// The change as a GitOps artifact: a kustomize strategic-merge patch, its file name, the
/// kustomization entry and the unified diff (viewer). `format=patch` answers the patch file.
#[utoipa::path(get, path = "/api/remediation/{id}/gitops", tag = "remediation",
    params(("id" = String, Path), GitopsQuery),
    responses((status = 200, body = Artifact, description = "the artifact; with `format=patch`, the patch file (`application/yaml`)"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`remediation_not_found`", body = ErrorBody),
        (status = 422, description = "`gitops_not_applicable`: a pod delete or a drain", body = ErrorBody)))]
async fn gitops_get(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<GitopsQuery>,
) -> ApiResult<Response> {
    principal.require(Role::Viewer)?;
    let (_, artifact) = artifact(&state, &principal, &id, "").await?;
    Ok(gitops_answer(artifact, &q))
}

/// The GitOps artifact with the file under `path`, the kustomization's folder (viewer).
#[utoipa::path(post, path = "/api/remediation/{id}/gitops", tag = "remediation",
    params(("id" = String, Path), GitopsQuery),
    request_body(content = GitopsRequest, description = "optional"),
    responses((status = 200, body = Artifact, description = "the artifact; with `format=patch`, the patch file (`application/yaml`)"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`remediation_not_found`", body = ErrorBody),
        (status = 422, description = "`gitops_not_applicable`: a pod delete or a drain; `invalid_path`", body = ErrorBody)))]
async fn gitops_post(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<GitopsQuery>,
    body: Bytes,
) -> ApiResult<(AuditNote, Response)> {
    principal.require(Role::Viewer)?;
    let request: GitopsRequest = optional_body(&body)?;
    let (note, artifact) = artifact(&state, &principal, &id, request.path.as_deref().unwrap_or_default()).await?;
    Ok((note, gitops_answer(artifact, &q)))
}
