//! The read side of incidents, which the incident and postmortem routes share: an incident as
//! the caller may see it (the findings they may see, the audit rows they may read) with its
//! timeline, postmortems with their snapshot filtered the same way, and the lists' keyset tokens.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::diagnostics::finding::{Finding, Severity};
use super::findings::{StoredFinding, stored};
use super::incident_model::{Incident, IncidentState, Note, Postmortem, PostmortemAction, Step, StepState};
use super::timeline::{self, EntrySource, Sources, TimelineEntry};
use crate::AppState;
use crate::audit::model::AuditEvent;
use crate::auth::{Principal, Role};
pub(super) use crate::clusters::visibility::Views;
use crate::error::{ApiError, ApiResult};
use crate::store::audit::AuditFilter;
use crate::store::incidents::{IncidentRow, NoteRow, PostmortemRow, StepRow};

/// Audit rows read per object of a timeline.
const AUDIT_ROWS_MAX: i64 = 200;
/// How long before the first finding a timeline's audit rows start.
const AUDIT_LEAD: Duration = Duration::hours(1);

/// A value's JSON name: how severities, states and classes are stored.
pub(super) fn word(v: impl Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub(super) fn parse<T: serde::de::DeserializeOwned>(w: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(w.to_string())).ok()
}

pub(super) fn incident_not_found(id: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "incident_not_found", format!("no incident {id}"))
}

pub(super) fn incident(row: IncidentRow) -> Incident {
    Incident {
        // Written from these types; an unknown word (a newer version's) reads as the default.
        severity: parse(&row.severity).unwrap_or(Severity::Warning),
        state: parse(&row.state).unwrap_or(IncidentState::Open),
        id: row.id,
        title: row.title,
        summary: row.summary,
        runbook_id: row.runbook_id,
        created_by: row.created_by,
        created_at: row.created_at,
        resolved_by: row.resolved_by,
        resolved_at: row.resolved_at,
        resolution: row.resolution,
    }
}

pub(super) fn step(row: StepRow) -> Step {
    Step {
        step: row.position,
        title: row.title,
        detail: row.detail,
        state: parse(&row.state).unwrap_or(StepState::Pending),
        note: row.note,
        updated_by: row.updated_by,
        updated_at: row.updated_at,
    }
}

pub(super) fn note(row: NoteRow) -> Note {
    Note {
        id: row.id,
        author: row.author,
        body: row.body,
        at: row.at,
    }
}

/// Whether the caller may see incident `id` at all: one opened by hand (no findings) is
/// everyone's; one from findings only theirs who may see at least one of its findings (as
/// Kubernetes would let them, on `impersonate` clusters). Fails closed.
pub(super) async fn may_see(views: &mut Views<'_>, id: &str) -> ApiResult<bool> {
    let places = views.state().store.incident_finding_places(id).await?;
    Ok(views.shows_any(&places).await)
}

/// 404 `incident_not_found` unless incident `id` exists and the caller may see it.
pub(super) async fn ensure_visible(state: &AppState, principal: &Principal, id: &str) -> ApiResult<()> {
    if state.store.incident(id).await?.is_none() || !may_see(&mut Views::new(state, principal), id).await? {
        return Err(incident_not_found(id));
    }
    Ok(())
}

/// The incident's findings the caller may see: as the findings store has them now, else (pruned
/// since) as they were when linked.
pub(super) async fn visible_findings(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> ApiResult<Vec<StoredFinding>> {
    let mut views = Views::new(state, principal);
    let mut out = Vec::new();
    for link in state.store.incident_findings(id).await? {
        if !views.shows(&link.cluster, &link.namespace).await {
            continue;
        }
        let current = state.store.finding(&link.finding_id).await?.and_then(stored);
        let found = current.or_else(|| {
            serde_json::from_value::<Finding>(link.body.0)
                .ok()
                .map(|finding| StoredFinding {
                    finding,
                    first_seen: link.first_seen_at,
                    last_seen: link.last_seen_at,
                    resolved_at: None,
                })
        });
        out.extend(found);
    }
    Ok(out)
}

/// Audit rows about the findings' objects, from an hour before the first finding to the
/// resolution (or now): all of them for admins, the caller's own for others.
pub(super) async fn audit_rows(
    state: &AppState,
    principal: &Principal,
    findings: &[StoredFinding],
    resolved_at: Option<DateTime<Utc>>,
) -> ApiResult<Vec<AuditEvent>> {
    let Some(first) = findings.iter().map(|f| f.first_seen).min() else {
        return Ok(vec![]);
    };
    let actor = (!principal.role.satisfies(Role::Admin)).then(|| principal.subject.clone());
    let mut objects: Vec<(String, Option<String>, String)> = findings
        .iter()
        .map(|f| {
            let o = &f.finding.object;
            (f.finding.cluster.clone(), o.namespace.clone(), o.name.clone())
        })
        .collect();
    objects.sort();
    objects.dedup();
    let mut rows = Vec::new();
    for (cluster, namespace, name) in objects {
        let filter = AuditFilter {
            actor: actor.clone(),
            cluster: Some(cluster),
            namespace,
            name: Some(name),
            from: Some(first - AUDIT_LEAD),
            to: resolved_at,
            ..AuditFilter::default()
        };
        rows.extend(state.store.query_audit(&filter, AUDIT_ROWS_MAX, 0).await?.0);
    }
    Ok(rows)
}

/// An incident as the caller may see it, with everything its timeline is made of.
pub(super) struct Loaded {
    pub incident: Incident,
    pub findings: Vec<StoredFinding>,
    pub steps: Vec<Step>,
    pub notes: Vec<Note>,
    pub timeline: Vec<TimelineEntry>,
}

pub(super) async fn load(state: &AppState, principal: &Principal, id: &str) -> ApiResult<Loaded> {
    let row = state.store.incident(id).await?.ok_or_else(|| incident_not_found(id))?;
    if !may_see(&mut Views::new(state, principal), id).await? {
        return Err(incident_not_found(id));
    }
    let findings = visible_findings(state, principal, id).await?;
    let audit = audit_rows(state, principal, &findings, row.resolved_at).await?;
    let notes = state.store.incident_notes(id).await?;
    let events = state.store.incident_events(id).await?;
    let timeline = timeline::assemble(&Sources {
        findings: &findings,
        audit: &audit,
        notes: &notes,
        events: &events,
    });
    Ok(Loaded {
        incident: incident(row),
        findings,
        steps: state.store.incident_steps(id).await?.into_iter().map(step).collect(),
        notes: notes.into_iter().map(note).collect(),
        timeline,
    })
}

/// The entries of a snapshot the caller may see.
pub(super) async fn visible(
    views: &mut Views<'_>,
    principal: &Principal,
    entries: Vec<TimelineEntry>,
) -> Vec<TimelineEntry> {
    let admin = principal.role.satisfies(Role::Admin);
    let mut out = Vec::new();
    for e in entries {
        if e.source == EntrySource::Audit && !admin && e.actor.as_deref() != Some(principal.subject.as_str()) {
            continue;
        }
        if let Some(o) = &e.object
            && !views
                .shows(&o.cluster, o.namespace.as_deref().unwrap_or_default())
                .await
        {
            continue;
        }
        out.push(e);
    }
    out
}

pub(super) async fn postmortem(state: &AppState, principal: &Principal, row: PostmortemRow) -> Postmortem {
    let mut views = Views::new(state, principal);
    // Written from these types; what does not read back (a newer version's) is left out.
    let timeline: Vec<TimelineEntry> = serde_json::from_value(row.timeline.0).unwrap_or_default();
    Postmortem {
        id: row.id,
        incident_id: row.incident_id,
        summary: row.summary,
        impact_start: row.impact_start_at,
        impact_end: row.impact_end_at,
        root_cause: row.root_cause,
        actions: serde_json::from_value::<Vec<PostmortemAction>>(row.actions.0).unwrap_or_default(),
        remediation_ids: row.remediation_ids.0,
        timeline: visible(&mut views, principal, timeline).await,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_by: row.updated_by,
        updated_at: row.updated_at,
    }
}

/// An incident's postmortem as the caller may see it, if it has one.
pub(super) async fn postmortem_of(
    state: &AppState,
    principal: &Principal,
    incident: &str,
) -> ApiResult<Option<Postmortem>> {
    Ok(match state.store.postmortem_of(incident).await? {
        Some(row) => Some(postmortem(state, principal, row).await),
        None => None,
    })
}
