//! A remediation as the API shows it, who may see it, and what its steps write beside it (the
//! audit note, the incident's timeline entry).

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::plan::Params;
use crate::AppState;
use crate::audit::AuditNote;
use crate::auth::Principal;
use crate::clusters::actions;
use crate::error::{ApiError, ApiResult};
use crate::incidents::diagnostics::finding::Remediation;
use crate::incidents::findings;
use crate::incidents::risk_guard::Analysis;
use crate::store::incidents::IncidentEventRow;
use crate::store::remediations::RemediationRow;

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
    pub(super) fn word(self) -> &'static str {
        match self {
            RemediationState::Proposed => "proposed",
            RemediationState::Approved => "approved",
            RemediationState::Rejected => "rejected",
            RemediationState::Executed => "executed",
            RemediationState::Failed => "failed",
        }
    }

    pub(super) fn parse(word: &str) -> Option<RemediationState> {
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
    /// The finding it was proposed for; absent for one proposed for a workload (set_resources).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding_id: Option<String>,
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
    /// What the action answered (`replicas`, `revision`, `restartedAt`, a drain's summary, …);
    /// while a drain runs, its progress (`node`, `toEvict`, `evicted`, `blocked`, `failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub result: Option<Value>,
    /// Why the execution failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "remediation_not_found",
        format!("no remediation {id}"),
    )
}

pub(super) fn item(row: RemediationRow) -> Option<RemediationItem> {
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

pub(super) fn item_of(row: RemediationRow) -> ApiResult<RemediationItem> {
    item(row).ok_or_else(|| ApiError::internal(anyhow::anyhow!("a remediation this version cannot read")))
}

/// The remediation `id` if the caller may see its target's namespace.
pub(super) async fn visible(state: &AppState, principal: &Principal, id: &str) -> ApiResult<RemediationRow> {
    let row = state.store.remediation(id).await?.ok_or_else(|| not_found(id))?;
    let view = findings::view(state, principal, &row.cluster).await;
    match view.shows_namespace(&row.target_namespace) {
        true => Ok(row),
        false => Err(not_found(id)),
    }
}

/// The entry a remediation's step (`proposed`, `approved`, `rejected`, `executed`, `failed`)
/// adds to the timeline of the incident it is for, if any.
pub(super) fn incident_event(row: &RemediationRow, step: &str, actor: &str) -> Option<IncidentEventRow> {
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

/// The audit note of a step on `row`: the target, the remediation, and who proposed and decided.
pub(super) fn audit(row: &RemediationRow) -> AuditNote {
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
