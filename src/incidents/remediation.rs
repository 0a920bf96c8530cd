//! Remediation: changes proposed from findings (or, `set_resources`, for a workload: a
//! rightsizing recommendation), approved by a second person, executed through
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

mod execution;
mod item;
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
use super::risk_guard::{self, KubeVersion};
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role};
use crate::clusters::actions::{self, Target, drain, kube_error};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::store::Store;
use crate::store::incidents::IncidentEventRow;
use crate::store::remediations::{RemediationFilter, RemediationRow};
use crate::store::workload_signals::RIGHTSIZING;
use item::{RemediationItem, RemediationState, audit, incident_event, item, item_of, visible};
use plan::{Artifact, Change, Params, TargetKind, info_of};

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
            .routes(routes!(execution::execute))
            .routes(routes!(gitops_get, gitops_post)),
        audited: AUDITED,
    }
}

/// The longest decision note and incident id taken.
const NOTE_MAX_BYTES: usize = 4096;
const INCIDENT_ID_MAX_CHARS: usize = 253;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProposeRequest {
    /// The finding the remediation is for; or `workload`, not both.
    pub finding_id: Option<String>,
    /// The workload a `set_resources` change is for when no finding is (a rightsizing
    /// recommendation, say).
    pub workload: Option<WorkloadRef>,
    /// One of the finding's remediations (none: one proposal for each that can be made), or
    /// `set_resources` for a workload (the default there).
    pub kind: Option<Remediation>,
    #[serde(default)]
    pub params: Params,
    /// The incident the remediation is for.
    pub incident_id: Option<String>,
}

/// A Deployment, StatefulSet or DaemonSet.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkloadRef {
    pub cluster: String,
    pub namespace: String,
    pub kind: String,
    pub name: String,
}

/// What a proposal is for.
enum Subject<'a> {
    Finding(Box<StoredFinding>),
    Workload(&'a WorkloadRef),
}

impl Subject<'_> {
    fn finding(&self) -> Option<&StoredFinding> {
        match self {
            Subject::Finding(f) => Some(f),
            Subject::Workload(_) => None,
        }
    }

    /// (cluster, namespace, name) of the object it names.
    fn object(&self) -> (&str, Option<&str>, &str) {
        match self {
            Subject::Finding(f) => (
                &f.finding.cluster,
                f.finding.object.namespace.as_deref(),
                &f.finding.object.name,
            ),
            Subject::Workload(w) => (&w.cluster, Some(w.namespace.as_str()), &w.name),
        }
    }
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

/// A body that may be empty: `curl -X POST …/approve` takes the defaults.
fn optional_body<T: Default + serde::de::DeserializeOwned>(body: &Bytes) -> ApiResult<T> {
    match body.is_empty() {
        true => Ok(T::default()),
        false => serde_json::from_slice(body).map_err(|e| ApiError::bad_request("invalid_body", e.to_string())),
    }
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

/// The object `kind` changes: a workload's own, or for a finding the finding's object or the
/// highest of its controller chain (pod → ReplicaSet → Deployment) of a kind the remediation
/// changes.
async fn resolve(scope: &ClusterScope, subject: &Subject<'_>, kind: Remediation) -> ApiResult<Live> {
    let wanted = plan::changes(kind);
    let (object_kind, namespace, name) = match subject {
        Subject::Finding(f) => (
            &f.finding.object.kind,
            f.finding.object.namespace.clone(),
            &f.finding.object.name,
        ),
        Subject::Workload(w) => (&w.kind, Some(w.namespace.clone()), &w.name),
    };
    let mut chain: Vec<Live> = Vec::new();
    let mut next = Some((object_kind.clone(), name.clone()));
    // Up the chain only from a finding's object, and only when a controller could be what the
    // remediation changes.
    let climb = subject.finding().is_some() && wanted.iter().any(|k| !["Pod", "Node"].contains(k));
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
                "{} changes a {}; {object_kind} {name} has none",
                plan::kind_word(kind),
                wanted.join(" or "),
            ))
        })
}

/// What the risk guard is told about the cluster.
async fn risk_options(state: &AppState, scope: &ClusterScope) -> ApiResult<risk_guard::Options> {
    let version = scope.reader_client().apiserver_version().await.ok();
    Ok(risk_guard::Options {
        kubernetes_version: version.and_then(|v| KubeVersion::parse(&v.git_version)),
        environment: Some(scope.environment().to_string()),
        image_allowlist: state
            .store
            .risk_guard_allowlist(&state.settings.risk_guard.image_allowlist)
            .await?,
        default_namespace: "default".into(),
    })
}

/// The change `kind` makes to `live`.
async fn change(
    store: &Store,
    scope: &ClusterScope,
    subject: &Subject<'_>,
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
            let at = crate::store::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
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
                .or_else(|| {
                    let f = subject.finding()?;
                    f.finding.evidence.containers.first().map(|c| c.name.clone())
                })
                .ok_or_else(|| plan::not_applicable("the finding names no container; give params.container"))?;
            let rightsized = match params.memory {
                Some(_) => None,
                None => rightsized_memory(store, scope, live, &container).await?,
            };
            plan::memory_limit(&live.object, &container, params.memory.as_deref(), rightsized)?
        }
        Remediation::Cordon => plan::cordon(&live.object),
        Remediation::Drain => {
            // Refused now rather than after approval: the pods it would lose need their flags.
            let preview = drain::plan(scope, &live.name).await?;
            let (delete_empty_dir_data, force) = params.drain_flags();
            drain::refuse_unsafe(&preview, delete_empty_dir_data, force)?;
            plan::drain(&live.object, params)
        }
        Remediation::DeletePod => plan::deleted(),
        Remediation::SetResources => plan::set_resources(&live.object, params.resources.as_deref())?,
    })
}

/// The memory limit the rightsizing last recommended for `container` of the workload `live`, in
/// bytes; none while it has no recommendation. Its stored body is the signals domain's
/// `WorkloadRightsizing` as `GET /api/rightsizing` serves it (a domain reads another's through
/// the store and the API's shape, not its types).
async fn rightsized_memory(
    store: &Store,
    scope: &ClusterScope,
    live: &Live,
    container: &str,
) -> ApiResult<Option<i64>> {
    let workload = (
        live.namespace.clone().unwrap_or_default(),
        live.kind.kind.to_string(),
        live.name.clone(),
    );
    let Some(body) = store.workload_signal(RIGHTSIZING, &scope.name, &workload).await? else {
        return Ok(None);
    };
    let body: Value = serde_json::from_str(&body).map_err(ApiError::internal)?;
    let mut containers = body["containers"].as_array().into_iter().flatten();
    Ok(containers
        .find(|c| c["container"] == json!(container))
        .and_then(|c| c.pointer("/recommended/memoryLimit")?.as_i64()))
}

/// One proposal: the live object, the change, its texts and the risk guard's analysis.
async fn proposal(
    store: &Store,
    principal: &Principal,
    scope: &ClusterScope,
    subject: &Subject<'_>,
    request: &ProposeRequest,
    kind: Remediation,
    options: &risk_guard::Options,
) -> ApiResult<RemediationRow> {
    let live = resolve(scope, subject, kind).await?;
    let change = change(store, scope, subject, kind, &request.params, &live).await?;
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
    let finding = subject.finding().map(|f| &f.finding);
    let class = match finding {
        Some(f) => Some(serde_json::to_value(f.class).map_err(ApiError::internal)?),
        None => None,
    };
    Ok(RemediationRow {
        id: uuid::Uuid::now_v7().to_string(),
        incident_id: request.incident_id.clone(),
        finding_id: finding.map(|f| f.id.clone()),
        finding_class: class.and_then(|c| c.as_str().map(str::to_string)),
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
        proposed_at: crate::store::now(),
        decided_by: None,
        decided_at: None,
        decision_note: None,
        executed_by: None,
        executed_at: None,
        result: None,
        error: None,
    })
}

/// Proposes remediations for a finding, or a `set_resources` change for a workload (operator):
/// each reads the live object as the caller and holds the exact change. For a finding without
/// `kind`, one proposal for each of its remediations that can be made (the others under
/// `skipped`).
#[utoipa::path(post, path = "/api/remediation/propose", tag = "remediation", request_body = ProposeRequest,
    responses((status = 201, body = ProposeResult),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`finding_not_found` (or not visible to the caller); the apiserver's `kube_not_found` for the object", body = ErrorBody),
        (status = 409, description = "`already_current`: a rollback to the revision running; `drain_refused`: the drain would lose pods without `params.deleteEmptyDirData` or `params.force`", body = ErrorBody),
        (status = 422, description = "`remediation_not_applicable`: not one of the finding's remediations, not `set_resources` for a workload, or no object it can change; `invalid_subject`: not exactly one of findingId and workload; `invalid_params` (`set_resources` without `params.resources`, a quantity that is not one); `invalid_incident_id`; `unknown_incident`; `revision_not_found` is 404", body = ErrorBody),
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
    let subject = match (&request.finding_id, &request.workload) {
        (Some(id), None) => {
            let finding = findings::visible(&state, &principal, id)
                .await?
                .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "finding_not_found", format!("no finding {id}")))?;
            Subject::Finding(Box::new(finding))
        }
        (None, Some(w)) => Subject::Workload(w),
        _ => {
            return Err(ApiError::unprocessable(
                "invalid_subject",
                "give findingId or workload, one of the two",
            ));
        }
    };
    let (cluster, namespace, name) = subject.object();
    let note = actions::note(cluster, namespace, name, "");
    let fail = |e: ApiError| e.with_audit(note.clone());
    let kinds = match (&subject, request.kind) {
        (Subject::Workload(_), None | Some(Remediation::SetResources)) => vec![Remediation::SetResources],
        (Subject::Workload(_), Some(kind)) => {
            return Err(fail(plan::not_applicable(format!(
                "{} is made for a finding; a workload's remediation is set_resources",
                plan::kind_word(kind)
            ))));
        }
        (Subject::Finding(f), Some(kind)) if f.finding.remediations.contains(&kind) => vec![kind],
        (Subject::Finding(f), Some(kind)) => {
            return Err(fail(plan::not_applicable(format!(
                "{} is not a remediation of this finding; it has {}",
                plan::kind_word(kind),
                f.finding
                    .remediations
                    .iter()
                    .map(|k| plan::kind_word(*k))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))));
        }
        (Subject::Finding(f), None) => f.finding.remediations.clone(),
    };
    if kinds.is_empty() {
        return Err(fail(plan::not_applicable("the finding suggests no remediation")));
    }
    let scope = actions::open(&state, &principal, cluster).await.map_err(fail)?;
    let options = risk_options(&state, &scope).await?;
    let (mut rows, mut skipped, mut first_error) = (Vec::new(), Vec::new(), None);
    for kind in kinds {
        match proposal(&state.store, &principal, &scope, &subject, &request, kind, &options).await {
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
    let about = match &subject {
        Subject::Finding(f) => format!("finding={}", f.finding.id),
        Subject::Workload(w) => format!("workload={}", w.kind),
    };
    let note = actions::note(cluster, namespace, name, format!("{about} {reason}"));
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
            crate::store::now(),
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
