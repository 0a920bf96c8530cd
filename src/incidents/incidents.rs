//! Incidents: `POST /api/incidents` (from findings or by hand, with the steps of the matched
//! runbook), lists and details with their timeline, notes, steps, resolving, the replay and the
//! evidence bundle. A resolved incident is read-only but for its postmortem (postmortems.rs).
//! Findings are shown only to callers who may see them (as on /api/diagnostics); the audit rows
//! in a timeline are every row for admins, a caller's own rows for everyone else.

use axum::Json;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::types::Json as SqlJson;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::diagnostics::finding::Severity;
use super::evidence_bundle;
use super::findings::{StoredFinding, decode_continue, encode_continue, page_limit, stored};
use super::incident_model::{
    BundleFormat, CreateIncident, EvidenceBundle, EvidenceQuery, IncidentDetail, IncidentList, IncidentState,
    IncidentsQuery, Note, NoteInput, Replay, ReplayQuery, ResolveInput, RunbookRef, Step, StepInput, StepState,
};
use super::incident_read::{
    Views, ensure_visible, incident, incident_not_found, load, may_see, note, postmortem_of, step, word,
};
use super::memory::runbooks_for;
use super::runbook_steps;
use super::timeline::{self, NOTE_ADDED};
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::store::incidents::{
    IncidentEventRow, IncidentFilter, IncidentFindingRow, IncidentRow, NewIncident, NoteRow, Refused, StepChange,
    StepRow,
};
use crate::store::now;

const TITLE_MAX_CHARS: usize = 200;
/// Summaries, notes and resolutions.
const TEXT_MAX_BYTES: usize = 16 * 1024;
const STEP_NOTE_MAX_BYTES: usize = 4 * 1024;
const FINDINGS_MAX: usize = 100;

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(Method::POST, "/api/incidents", "create", "incident"),
    AuditedRoute::new(Method::POST, "/api/incidents/{id}/notes", "note", "incident"),
    AuditedRoute::new(
        Method::PATCH,
        "/api/incidents/{id}/steps/{step}",
        "step_update",
        "incident",
    ),
    AuditedRoute::new(Method::POST, "/api/incidents/{id}/resolve", "resolve", "incident"),
    AuditedRoute::new(Method::POST, "/api/incidents/{id}/postmortem", "write", "postmortem"),
];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new()
            .routes(routes!(list_incidents, create_incident))
            .routes(routes!(get_incident))
            .routes(routes!(add_note))
            .routes(routes!(update_step))
            .routes(routes!(resolve_incident))
            .routes(routes!(replay))
            .routes(routes!(evidence))
            .merge(super::postmortems::routes()),
        audited: AUDITED,
    }
}

fn refused(id: &str, r: Refused) -> ApiError {
    match r {
        Refused::NoIncident => incident_not_found(id),
        Refused::NoStep => ApiError::new(StatusCode::NOT_FOUND, "step_not_found", "the incident has no such step"),
        Refused::Resolved => ApiError::conflict("incident_resolved", format!("incident {id} is resolved")),
    }
}

/// Text of 1 byte to `max` bytes once trimmed.
fn text(value: &str, what: &str, max: usize, code: &'static str) -> ApiResult<String> {
    let t = value.trim();
    if t.is_empty() || t.len() > max {
        return Err(ApiError::unprocessable(
            code,
            format!("{what} must be 1 byte to {} KiB", max / 1024),
        ));
    }
    Ok(t.to_string())
}

fn invalid_incident(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("invalid_incident", message)
}

async fn detail(state: &AppState, principal: &Principal, id: &str) -> ApiResult<IncidentDetail> {
    let l = load(state, principal, id).await?;
    let runbook = match &l.incident.runbook_id {
        Some(r) => state.store.runbook(r).await?.map(|r| RunbookRef {
            id: r.id,
            title: r.title,
        }),
        None => None,
    };
    Ok(IncidentDetail {
        incident: l.incident,
        findings: l.findings,
        steps: l.steps,
        notes: l.notes,
        runbook,
        timeline: l.timeline,
        postmortem: postmortem_of(state, principal, id).await?,
    })
}

/// Incidents, newest first.
#[utoipa::path(get, path = "/api/incidents", tag = "incidents", params(IncidentsQuery),
    responses((status = 200, body = IncidentList),
        (status = 400, body = ErrorBody, description = "invalid_query, invalid_continue"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_incidents(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<IncidentsQuery>,
) -> ApiResult<Json<IncidentList>> {
    principal.require(Role::Viewer)?;
    let limit = page_limit(q.limit)?;
    let before = q
        .next
        .as_deref()
        .map(decode_continue::<(DateTime<Utc>, String)>)
        .transpose()?;
    let (st, severity) = (q.state.map(word), q.severity.map(word));
    let filter = IncidentFilter {
        state: st.as_deref(),
        severity: severity.as_deref(),
        cluster: q.cluster.as_deref(),
        before: before.as_ref().map(|(at, id)| (*at, id.as_str())),
        limit,
    };
    let rows = state.store.incidents(&filter).await?;
    // Paged before the visibility filter: a page may hold fewer than `limit`, never a gap.
    let next = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| encode_continue(&(r.created_at, &r.id))))
        .flatten();
    let mut views = Views::new(&state, &principal);
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        if may_see(&mut views, &row.id).await? {
            items.push(incident(row));
        }
    }
    Ok(Json(IncidentList { items, next }))
}

/// The steps to follow: the runbook given, else the best-ranked runbook for the findings'
/// classes, the most severe finding's class first.
async fn pick_runbook(
    state: &AppState,
    given: Option<&str>,
    findings: &[StoredFinding],
) -> ApiResult<Option<(String, Vec<runbook_steps::RunbookStep>)>> {
    if let Some(id) = given {
        let r = state
            .store
            .runbook(id)
            .await?
            .ok_or_else(|| ApiError::unprocessable("unknown_runbook", format!("no runbook {id}")))?;
        return Ok(Some((r.id, runbook_steps::steps(&r.body))));
    }
    let mut classes: Vec<_> = findings.iter().map(|f| (f.finding.severity, f.finding.class)).collect();
    // Stable: findings of the same severity keep the order they were given in.
    classes.sort_by_key(|(s, _)| std::cmp::Reverse(*s));
    let mut asked = Vec::new();
    for (_, class) in classes {
        if asked.contains(&class) {
            continue;
        }
        asked.push(class);
        if let Some(r) = runbooks_for(state, Some(class)).await?.into_iter().next() {
            return Ok(Some((r.id, runbook_steps::steps(&r.body))));
        }
    }
    Ok(None)
}

/// Opens an incident (operator): from findings (`findingIds`; the title defaults to the most
/// severe finding's, the severity to the highest) or by hand (`title` required, severity
/// `warning` by default), with the steps of its runbook.
#[utoipa::path(post, path = "/api/incidents", tag = "incidents", request_body = CreateIncident,
    responses((status = 201, body = IncidentDetail),
        (status = 400, body = ErrorBody, description = "invalid_body"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "invalid_incident, unknown_finding, unknown_runbook")))]
async fn create_incident(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<CreateIncident>,
) -> ApiResult<(StatusCode, AuditNote, Json<IncidentDetail>)> {
    principal.require(Role::Operator)?;
    let mut ids: Vec<String> = Vec::new();
    for id in body.finding_ids {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() > FINDINGS_MAX {
        return Err(invalid_incident(format!("more than {FINDINGS_MAX} findings")));
    }
    let mut views = Views::new(&state, &principal);
    let mut findings = Vec::new();
    for id in &ids {
        let row = state.store.finding(id).await?;
        // A finding the caller may not see is answered as one that does not exist.
        let visible = match &row {
            Some(r) => views.shows(&r.cluster, &r.namespace).await,
            None => false,
        };
        let found = row.filter(|_| visible).and_then(stored);
        findings.push(found.ok_or_else(|| ApiError::unprocessable("unknown_finding", format!("no finding {id}")))?);
    }
    let worst = findings
        .iter()
        .reduce(|a, b| if b.finding.severity > a.finding.severity { b } else { a });
    let title = match (&body.title, worst) {
        (Some(t), _) => t.trim().to_string(),
        (None, Some(w)) => w.finding.title.clone(),
        (None, None) => return Err(invalid_incident("title is required for an incident without findings")),
    };
    if title.is_empty() || title.chars().count() > TITLE_MAX_CHARS {
        return Err(invalid_incident(format!(
            "title must be 1 to {TITLE_MAX_CHARS} characters"
        )));
    }
    let severity = body
        .severity
        .or(worst.map(|w| w.finding.severity))
        .unwrap_or(Severity::Warning);
    let summary = body.summary.unwrap_or_default().trim().to_string();
    if summary.len() > TEXT_MAX_BYTES {
        return Err(invalid_incident("summary is larger than 16 KiB"));
    }
    let runbook = pick_runbook(&state, body.runbook_id.as_deref(), &findings).await?;

    let id = uuid::Uuid::new_v4().to_string();
    let at = now();
    let actor = principal.subject.as_str();
    let mut events = vec![IncidentEventRow::new(
        &id,
        "opened",
        actor,
        json!({"title": format!("Incident opened: {title}"), "severity": severity,
               "findings": findings.len(), "runbookId": runbook.as_ref().map(|r| &r.0)}),
    )];
    let links = findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            events.push(IncidentEventRow::new(
                &id,
                "finding_linked",
                actor,
                json!({"title": format!("Finding linked: {}", f.finding.title), "findingId": f.finding.id,
                       "class": f.finding.class}),
            ));
            IncidentFindingRow {
                finding_id: f.finding.id.clone(),
                position: i as i32 + 1,
                cluster: f.finding.cluster.clone(),
                namespace: f.finding.object.namespace.clone().unwrap_or_default(),
                kind: f.finding.object.kind.clone(),
                name: f.finding.object.name.clone(),
                class: word(f.finding.class),
                // Re-serialized from the typed finding: only the fields it defines are kept.
                body: SqlJson(serde_json::to_value(&f.finding).expect("a finding serializes")),
                first_seen_at: f.first_seen,
                last_seen_at: f.last_seen,
            }
        })
        .collect();
    let (runbook_id, steps) = runbook.map_or((None, vec![]), |(id, steps)| (Some(id), steps));
    let new = NewIncident {
        incident: IncidentRow {
            id: id.clone(),
            title,
            severity: word(severity),
            state: word(IncidentState::Open),
            summary,
            runbook_id,
            created_by: principal.subject.clone(),
            created_at: at,
            resolved_by: None,
            resolved_at: None,
            resolution: None,
        },
        findings: links,
        steps: steps
            .into_iter()
            .enumerate()
            .map(|(i, s)| StepRow {
                position: i as i32 + 1,
                title: s.title,
                detail: s.detail,
                state: word(StepState::Pending),
                note: None,
                updated_by: None,
                updated_at: None,
            })
            .collect(),
        events,
    };
    state.store.insert_incident(&new).await?;
    let note = AuditNote::named(&id).reason(format!("severity={} findings={}", word(severity), ids.len()));
    Ok((StatusCode::CREATED, note, Json(detail(&state, &principal, &id).await?)))
}

/// An incident with its findings (their current state), steps, notes, runbook and timeline.
#[utoipa::path(get, path = "/api/incidents/{id}", tag = "incidents", params(("id" = String, Path)),
    responses((status = 200, body = IncidentDetail), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "incident_not_found")))]
async fn get_incident(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<IncidentDetail>> {
    principal.require(Role::Viewer)?;
    Ok(Json(detail(&state, &principal, &id).await?))
}

/// Adds a note (Markdown) to an open incident (operator).
#[utoipa::path(post, path = "/api/incidents/{id}/notes", tag = "incidents", params(("id" = String, Path)),
    request_body = NoteInput,
    responses((status = 201, body = Note), (status = 400, body = ErrorBody, description = "invalid_body"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "incident_not_found"),
        (status = 409, body = ErrorBody, description = "incident_resolved"),
        (status = 422, body = ErrorBody, description = "invalid_note")))]
async fn add_note(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NoteInput>,
) -> ApiResult<(StatusCode, AuditNote, Json<Note>)> {
    principal.require(Role::Operator)?;
    ensure_visible(&state, &principal, &id).await?;
    let body = text(&body.body, "body", TEXT_MAX_BYTES, "invalid_note")?;
    let row = NoteRow {
        id: uuid::Uuid::new_v4().to_string(),
        author: principal.subject.clone(),
        body,
        at: now(),
    };
    let event = IncidentEventRow::new(&id, NOTE_ADDED, &principal.subject, json!({"noteId": row.id}));
    state
        .store
        .add_incident_note(&id, &row, &event)
        .await?
        .map_err(|r| refused(&id, r))?;
    Ok((StatusCode::CREATED, AuditNote::named(&id), Json(note(row))))
}

/// Marks a step done, skipped or pending again, and/or sets its note (operator).
#[utoipa::path(patch, path = "/api/incidents/{id}/steps/{step}", tag = "incidents",
    params(("id" = String, Path), ("step" = i32, Path, description = "The step's number, from 1")),
    request_body = StepInput,
    responses((status = 200, body = Step), (status = 400, body = ErrorBody, description = "invalid_body, invalid_path"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "incident_not_found, step_not_found"),
        (status = 409, body = ErrorBody, description = "incident_resolved"),
        (status = 422, body = ErrorBody, description = "invalid_step")))]
async fn update_step(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((id, position)): ApiPath<(String, i32)>,
    ApiJson(body): ApiJson<StepInput>,
) -> ApiResult<(AuditNote, Json<Step>)> {
    principal.require(Role::Operator)?;
    ensure_visible(&state, &principal, &id).await?;
    if body.state.is_none() && body.note.is_none() {
        return Err(ApiError::unprocessable("invalid_step", "give a state, a note or both"));
    }
    if body.note.as_ref().is_some_and(|n| n.len() > STEP_NOTE_MAX_BYTES) {
        return Err(ApiError::unprocessable("invalid_step", "note is larger than 4 KiB"));
    }
    let st = body.state.map(word);
    let change = StepChange {
        state: st.as_deref(),
        note: body.note.as_deref(),
    };
    let mut detail = json!({"step": position, "note": body.note.is_some()});
    if let Some(s) = &st {
        detail["state"] = json!(s);
        detail["title"] = json!(format!("Step {position} {s}"));
    } else {
        detail["title"] = json!(format!("Step {position}: note"));
    }
    let event = IncidentEventRow::new(&id, "step_changed", &principal.subject, detail);
    let row = state
        .store
        .update_incident_step(&id, position, &change, &event)
        .await?
        .map_err(|r| refused(&id, r))?;
    let reason = format!("step={position} state={}", row.state);
    Ok((AuditNote::named(&id).reason(reason), Json(step(row))))
}

/// Resolves an open incident (operator); it is read-only afterwards, but for its postmortem.
#[utoipa::path(post, path = "/api/incidents/{id}/resolve", tag = "incidents", params(("id" = String, Path)),
    request_body = ResolveInput,
    responses((status = 200, body = IncidentDetail), (status = 400, body = ErrorBody, description = "invalid_body"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "incident_not_found"),
        (status = 409, body = ErrorBody, description = "incident_resolved"),
        (status = 422, body = ErrorBody, description = "invalid_resolution")))]
async fn resolve_incident(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ResolveInput>,
) -> ApiResult<(AuditNote, Json<IncidentDetail>)> {
    principal.require(Role::Operator)?;
    ensure_visible(&state, &principal, &id).await?;
    let resolution = text(&body.resolution, "resolution", TEXT_MAX_BYTES, "invalid_resolution")?;
    let title: String = format!("Resolved: {}", resolution.lines().next().unwrap_or_default());
    let event = IncidentEventRow::new(&id, "resolved", &principal.subject, json!({"title": title}));
    state
        .store
        .resolve_incident(&id, &resolution, &event)
        .await?
        .map_err(|r| refused(&id, r))?;
    Ok((AuditNote::named(&id), Json(detail(&state, &principal, &id).await?)))
}

/// The timeline as it unfolded: each entry with its offset from the start and the incident's
/// state after it; with `at`, only the entries until then.
#[utoipa::path(get, path = "/api/incidents/{id}/replay", tag = "incidents",
    params(("id" = String, Path), ReplayQuery),
    responses((status = 200, body = Replay), (status = 400, body = ErrorBody, description = "invalid_query"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "incident_not_found")))]
async fn replay(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ReplayQuery>,
) -> ApiResult<Json<Replay>> {
    principal.require(Role::Viewer)?;
    let l = load(&state, &principal, &id).await?;
    let started_at = l
        .findings
        .iter()
        .map(|f| f.first_seen)
        .chain([l.incident.created_at])
        .min()
        .expect("the opening is there");
    let (entries, now_state) = timeline::replay(&l.timeline, started_at, l.steps.len() as u32, q.at);
    Ok(Json(Replay {
        incident_id: l.incident.id,
        started_at,
        at: q.at,
        entries,
        state: now_state,
    }))
}

/// The evidence bundle: the incident, its findings with their full evidence, steps, notes,
/// timeline and postmortem, as JSON or as a Markdown file.
#[utoipa::path(get, path = "/api/incidents/{id}/evidence", tag = "incidents",
    params(("id" = String, Path), EvidenceQuery),
    responses((status = 200, description = "The bundle; with `format=markdown` a Markdown attachment",
            content((EvidenceBundle = "application/json"), (String = "text/markdown"))),
        (status = 400, body = ErrorBody, description = "invalid_query"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "incident_not_found")))]
async fn evidence(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<EvidenceQuery>,
) -> ApiResult<Response> {
    principal.require(Role::Viewer)?;
    let l = load(&state, &principal, &id).await?;
    let bundle = EvidenceBundle {
        generated_at: now(),
        postmortem: postmortem_of(&state, &principal, &id).await?,
        incident: l.incident,
        findings: l.findings,
        steps: l.steps,
        notes: l.notes,
        timeline: l.timeline,
    };
    Ok(match q.format.unwrap_or_default() {
        BundleFormat::Json => Json(bundle).into_response(),
        BundleFormat::Markdown => (
            [
                (CONTENT_TYPE, "text/markdown; charset=utf-8".to_string()),
                (
                    CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", evidence_bundle::file_name(&id)),
                ),
            ],
            evidence_bundle::markdown(&bundle),
        )
            .into_response(),
    })
}
