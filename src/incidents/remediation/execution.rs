//! Executing an approved remediation: one claim, the action core as the executor, and the
//! outcome recorded with its fix and its incident's event in one transaction. A drain goes on
//! after the answer (202): until it ends, its progress is the remediation's `result`.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::item::{RemediationItem, RemediationState, audit, incident_event, item_of, visible};
use super::plan::{self, Params, info_of};
use crate::AppState;
use crate::audit::model::Outcome;
use crate::audit::{AuditLater, AuditNote, Finished};
use crate::auth::write_gate::WriteActionsEnabled;
use crate::auth::{Principal, Role};
use crate::clusters::actions::drain::{self, DrainProgress, Drainer};
use crate::clusters::actions::{self, Target};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiPath, ApiResult, ErrorBody};
use crate::incidents::diagnostics::finding::Remediation;
use crate::store::memory::FixRow;
use crate::store::now;
use crate::store::remediations::{Execution, RemediationRow};

/// How long a drain run by a remediation may take.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(300);
/// An execution claimed longer ago than this was abandoned (its server stopped mid-way: every
/// action ends well within it, a drain within DRAIN_TIMEOUT): it may be claimed again.
const CLAIM_TIMEOUT: chrono::TimeDelta = chrono::TimeDelta::minutes(10);
/// How often a running drain's progress is written (and once more when it ends).
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// Executes an approved remediation (operator; write gate) through the same action core as the
/// console's buttons, as the executor (impersonated on `impersonate` clusters). A change computed
/// from the object (scale, rollback, patch_memory_limit, cordon) is refused by the apiserver's
/// resourceVersion precondition once the object moved on: 409 `remediation_stale`, the
/// remediation failed, nothing changed and no fix is recorded; propose it again. The outcome is
/// recorded on the remediation and as a fix in memory; a failure answers the action's error.
/// A drain cordons the node and answers 202 at once: it evicts on (up to 5 minutes), its
/// progress in `result`, and its outcome, fix and audit row are recorded when it ends.
#[utoipa::path(post, path = "/api/remediation/{id}/execute", tag = "remediation", params(("id" = String, Path)),
    responses((status = 200, body = RemediationItem),
        (status = 202, body = RemediationItem, description = "a drain, cordoned and evicting: `state` stays `approved` with `executedBy` set until it ends; `result` is its progress"),
        (status = 400, description = "`action_not_supported`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not an operator, write actions disabled, or Kubernetes RBAC (`kube_forbidden`)", body = ErrorBody),
        (status = 404, description = "`remediation_not_found`, or the object is gone (`kube_not_found`)", body = ErrorBody),
        (status = 409, description = "`remediation_not_approved`, `remediation_stale`, `unmanaged_pod`, `drain_refused`, `already_current`", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
pub(super) async fn execute(
    State(state): State<AppState>,
    _writes: WriteActionsEnabled,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(AuditNote, Response)> {
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
    let executor = principal.subject.as_str();
    let mut note = audit(&row);
    note.reason = note.reason.map(|r| format!("{r} executedBy={executor}"));
    let outcome = match kind {
        Remediation::Drain => match start_drain(&state, &scope, &row, &params, executor, &note).await {
            Ok(response) => return Ok((note, response)),
            Err(e) => Err(e),
        },
        _ => run(&scope, &row, kind, &params).await.map_err(|e| match e.code {
            // The apiserver refused the precondition: the object moved on since the proposal.
            "kube_conflict" if plan::computed_from_object(kind) => stale(&row),
            _ => e,
        }),
    };
    let finished = finish(&state, &row, executor, &outcome).await?;
    match outcome {
        Ok(_) => {
            let finished =
                finished.ok_or_else(|| ApiError::internal(anyhow::anyhow!("the remediation's claim was lost")))?;
            Ok((note, Json(item_of(finished)?).into_response()))
        }
        Err(e) => Err(e.with_audit(note)),
    }
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

/// Runs an approved change other than a drain through the action core, as the executor.
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
        Remediation::PatchMemoryLimit | Remediation::SetResources => {
            let patch = row.patch.as_ref().map(|p| p.0.clone()).unwrap_or_default();
            let after = actions::patch_strategic(target, &patch).await?;
            json!({"resourceVersion": after.metadata.resource_version})
        }
        Remediation::Cordon => {
            json!({"unschedulable": actions::set_unschedulable(scope, &row.target_name, true, target.precondition).await?})
        }
        Remediation::Drain => return Err(ApiError::internal(anyhow::anyhow!("a drain runs in the background"))),
    })
}

/// Cordons the node and starts evicting its pods in the background; the 202 answer. The drain's
/// progress is written to the remediation as it goes; when it ends, its outcome is recorded as
/// any execution's is, and the request's audit row is written with how it ended.
async fn start_drain(
    state: &AppState,
    scope: &ClusterScope,
    row: &RemediationRow,
    params: &Params,
    executor: &str,
    note: &AuditNote,
) -> ApiResult<Response> {
    let preview = drain::plan(scope, &row.target_name).await?;
    let (delete_empty_dir_data, force) = params.drain_flags();
    drain::refuse_unsafe(&preview, delete_empty_dir_data, force)?;
    actions::set_unschedulable(scope, &row.target_name, true, None).await?;
    let mut progress = DrainProgress::of(&preview);
    let value = |p: &DrainProgress| serde_json::to_value(p).map_err(ApiError::internal);
    state
        .store
        .record_remediation_progress(&row.id, &value(&progress)?)
        .await?;
    let running = state
        .store
        .remediation(&row.id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the remediation's claim was lost")))?;

    let (frames, mut received) = mpsc::channel(64);
    let drainer = Drainer::new(scope, None, DRAIN_TIMEOUT, frames);
    let (later, audit_end) = AuditLater::new();
    let (state, row, executor, reason) = (
        state.clone(),
        row.clone(),
        executor.to_string(),
        note.reason.clone().unwrap_or_default(),
    );
    tokio::spawn(async move {
        // The drainer owns the sender: the frames end when the drain does.
        let evicting = tokio::spawn(async move { drainer.run(preview).await });
        let mut written = Instant::now();
        while let Some(frame) = received.recv().await {
            progress.apply(&frame);
            if written.elapsed() >= PROGRESS_EVERY {
                written = Instant::now();
                if let Ok(v) = value(&progress) {
                    let _ = state.store.record_remediation_progress(&row.id, &v).await;
                }
            }
        }
        let (outcome, end) = match evicting.await {
            Ok(summary) => {
                let end = drain::summary_outcome(&summary);
                let value = serde_json::to_value(&summary).unwrap_or_default();
                let outcome = match summary.failed.is_empty() {
                    true => Ok(value),
                    false => Err(ApiError::conflict(
                        "drain_incomplete",
                        format!("{} pod(s) could not be evicted", summary.failed.len()),
                    )
                    .with_details(json!({"summary": value}))),
                };
                (outcome, end)
            }
            Err(e) => (
                Err(ApiError::internal(anyhow::anyhow!("the drain stopped: {e}"))),
                Finished {
                    outcome: Outcome::Failure,
                    reason: "interrupted".into(),
                },
            ),
        };
        if let Err(e) = finish(&state, &row, &executor, &outcome).await {
            tracing::error!(remediation = %row.id, error = %e.message, "could not record the drain's end");
        }
        let _ = audit_end.send(Finished {
            outcome: end.outcome,
            reason: format!("{reason} {}", end.reason),
        });
    });
    let mut response = (StatusCode::ACCEPTED, Json(item_of(running)?)).into_response();
    response.extensions_mut().insert(later);
    Ok(response)
}

/// Records how a claimed execution ended — its state, result or error, its fix in memory and
/// its incident's event — in one transaction; the row after it, `None` if the claim was lost.
async fn finish(
    state: &AppState,
    row: &RemediationRow,
    executor: &str,
    outcome: &ApiResult<Value>,
) -> ApiResult<Option<RemediationRow>> {
    let (result, error) = match outcome {
        Ok(v) => (Some(v.clone()), None),
        Err(e) => (e.details.clone(), Some(format!("{}: {}", e.code, e.message))),
    };
    let is_stale = outcome.as_ref().is_err_and(|e| e.code == "remediation_stale");
    // A stale change never ran: it says nothing of how well the fix works. A workload's change
    // (no finding) fixes no class of problem.
    let class = row.finding_class.clone().filter(|_| !is_stale);
    let fix = class.map(|class| FixRow {
        id: uuid::Uuid::new_v4().to_string(),
        runbook_id: None,
        finding_id: row.finding_id.clone(),
        class,
        cluster: row.cluster.clone(),
        object_kind: row.target_kind.clone(),
        object_namespace: row.target_namespace.clone(),
        object_name: row.target_name.clone(),
        action: row.kind.clone(),
        success: outcome.is_ok(),
        note: Some(format!(
            "remediation {} proposed by {}, approved by {}, executed by {executor}",
            row.id,
            row.proposed_by,
            row.decided_by.as_deref().unwrap_or_default(),
        )),
        recorded_by: executor.to_string(),
        recorded_at: now(),
    });
    let execution = Execution {
        success: outcome.is_ok(),
        result: result.as_ref(),
        error: error.as_deref(),
        fix: fix.as_ref(),
    };
    let outcome_word = match outcome {
        Ok(_) => RemediationState::Executed.word(),
        Err(_) => RemediationState::Failed.word(),
    };
    let event = incident_event(row, outcome_word, executor).map(|mut e| {
        if let Some(error) = &error {
            e.detail.0["error"] = json!(error);
        }
        e
    });
    Ok(state
        .store
        .finish_remediation(&row.id, &execution, event.as_ref())
        .await?)
}
