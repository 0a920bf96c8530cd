//! Postmortems: `POST /api/incidents/{id}/postmortem` writes (or rewrites) an incident's
//! postmortem with a snapshot of its timeline; `GET /api/postmortems[/{id}]` reads them. A
//! snapshot is shown to each reader as their own timeline would be: audit rows only to admins
//! and their actors, entries about objects only to those who may see their findings.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::types::Json as SqlJson;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::findings::{decode_continue, encode_continue, page_limit};
use super::incident_model::{Postmortem, PostmortemInput, PostmortemList, PostmortemsQuery};
use super::incident_read::{Views, incident_not_found, load, may_see, postmortem};
use crate::AppState;
use crate::audit::AuditNote;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::store::incidents::{IncidentEventRow, PostmortemRow, Refused};
use crate::store::now;

const TEXT_MAX_BYTES: usize = 64 * 1024;
const LIST_MAX: usize = 50;
const NAME_MAX_CHARS: usize = 200;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(write_postmortem))
        .routes(routes!(list_postmortems))
        .routes(routes!(get_postmortem))
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("invalid_postmortem", message)
}

/// Checks a postmortem; texts are trimmed.
fn validate(mut p: PostmortemInput) -> ApiResult<PostmortemInput> {
    p.summary = p.summary.trim().to_string();
    p.root_cause = p.root_cause.trim().to_string();
    if p.summary.is_empty() || p.summary.len() > TEXT_MAX_BYTES {
        return Err(invalid("summary must be 1 byte to 64 KiB"));
    }
    if p.root_cause.len() > TEXT_MAX_BYTES {
        return Err(invalid("rootCause is larger than 64 KiB"));
    }
    if p.impact_end < p.impact_start {
        return Err(invalid("impactEnd is before impactStart"));
    }
    if p.actions.len() > LIST_MAX || p.remediation_ids.len() > LIST_MAX {
        return Err(invalid(format!(
            "at most {LIST_MAX} actions and {LIST_MAX} remediation ids"
        )));
    }
    let bounded = |s: &str| !s.trim().is_empty() && s.chars().count() <= NAME_MAX_CHARS;
    for a in &mut p.actions {
        a.title = a.title.trim().to_string();
        if !bounded(&a.title) || a.owner.as_deref().is_some_and(|o| !bounded(o)) {
            return Err(invalid(format!(
                "an action's title (and owner) must be 1 to {NAME_MAX_CHARS} characters"
            )));
        }
    }
    if !p.remediation_ids.iter().all(|r| bounded(r)) {
        return Err(invalid(format!(
            "remediation ids must be 1 to {NAME_MAX_CHARS} characters"
        )));
    }
    Ok(p)
}

/// Writes an incident's postmortem (operator), open or resolved; it replaces the one it has.
/// The incident's timeline as the writer sees it is kept with it.
#[utoipa::path(post, path = "/api/incidents/{id}/postmortem", tag = "postmortems", params(("id" = String, Path)),
    request_body = PostmortemInput,
    responses((status = 201, body = Postmortem, description = "Written for the first time"),
        (status = 200, body = Postmortem, description = "Replaced"),
        (status = 400, body = ErrorBody, description = "invalid_body"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "incident_not_found"),
        (status = 422, body = ErrorBody, description = "invalid_postmortem")))]
async fn write_postmortem(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PostmortemInput>,
) -> ApiResult<(StatusCode, AuditNote, Json<Postmortem>)> {
    principal.require(Role::Operator)?;
    let input = validate(body)?;
    let loaded = load(&state, &principal, &id).await?;
    let existed = state.store.postmortem_of(&id).await?.is_some();
    let at = now();
    let row = PostmortemRow {
        id: uuid::Uuid::new_v4().to_string(),
        incident_id: id.clone(),
        summary: input.summary,
        impact_start_at: input.impact_start,
        impact_end_at: input.impact_end,
        root_cause: input.root_cause,
        actions: SqlJson(serde_json::to_value(&input.actions).expect("actions serialize")),
        remediation_ids: SqlJson(input.remediation_ids),
        timeline: SqlJson(serde_json::to_value(&loaded.timeline).expect("entries serialize")),
        created_by: principal.subject.clone(),
        created_at: at,
        updated_by: principal.subject.clone(),
        updated_at: at,
    };
    let title = if existed {
        "Postmortem rewritten"
    } else {
        "Postmortem written"
    };
    let event = IncidentEventRow::new(&id, "postmortem_written", &principal.subject, json!({"title": title}));
    let stored = state.store.write_postmortem(&row, &event).await?.map_err(|r| match r {
        Refused::NoIncident | Refused::NoStep | Refused::Resolved => incident_not_found(&id),
    })?;
    let status = if existed { StatusCode::OK } else { StatusCode::CREATED };
    let note = AuditNote::named(&stored.id).reason(format!("incident={id}"));
    Ok((status, note, Json(postmortem(&state, &principal, stored).await)))
}

/// Postmortems, newest first.
#[utoipa::path(get, path = "/api/postmortems", tag = "postmortems", params(PostmortemsQuery),
    responses((status = 200, body = PostmortemList),
        (status = 400, body = ErrorBody, description = "invalid_query, invalid_continue"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_postmortems(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<PostmortemsQuery>,
) -> ApiResult<Json<PostmortemList>> {
    principal.require(Role::Viewer)?;
    let limit = page_limit(q.limit)?;
    let before = q
        .next
        .as_deref()
        .map(decode_continue::<(DateTime<Utc>, String)>)
        .transpose()?;
    let rows = state
        .store
        .postmortems(before.as_ref().map(|(at, id)| (*at, id.as_str())), limit)
        .await?;
    let next = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| encode_continue(&(r.created_at, &r.id))))
        .flatten();
    let mut views = Views::new(&state, &principal);
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        if may_see(&mut views, &row.incident_id).await? {
            items.push(postmortem(&state, &principal, row).await);
        }
    }
    Ok(Json(PostmortemList { items, next }))
}

/// One postmortem.
#[utoipa::path(get, path = "/api/postmortems/{id}", tag = "postmortems", params(("id" = String, Path)),
    responses((status = 200, body = Postmortem), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "postmortem_not_found")))]
async fn get_postmortem(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Postmortem>> {
    principal.require(Role::Viewer)?;
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "postmortem_not_found",
            format!("no postmortem {id}"),
        )
    };
    let row = state.store.postmortem(&id).await?.ok_or_else(not_found)?;
    if !may_see(&mut Views::new(&state, &principal), &row.incident_id).await? {
        return Err(not_found());
    }
    Ok(Json(postmortem(&state, &principal, row).await))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::incident_model::PostmortemAction;

    fn input(start: &str, end: &str) -> PostmortemInput {
        PostmortemInput {
            summary: " What happened ".into(),
            impact_start: start.parse().unwrap(),
            impact_end: end.parse().unwrap(),
            root_cause: String::new(),
            actions: vec![PostmortemAction {
                title: " Add an alert ".into(),
                owner: Some("sre".into()),
                done: false,
            }],
            remediation_ids: vec!["r1".into()],
        }
    }

    fn code(r: ApiResult<PostmortemInput>) -> &'static str {
        r.expect_err("rejected").code
    }

    #[test]
    fn postmortems_are_checked() {
        let ok = validate(input("2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z")).unwrap();
        assert_eq!(
            (ok.summary.as_str(), ok.actions[0].title.as_str()),
            ("What happened", "Add an alert")
        );
        assert_eq!(
            code(validate(input("2026-01-01T10:00:01Z", "2026-01-01T10:00:00Z"))),
            "invalid_postmortem"
        );
        let mut empty = input("2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z");
        empty.summary = "  ".into();
        assert_eq!(code(validate(empty)), "invalid_postmortem");
        let mut action = input("2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z");
        action.actions[0].title = String::new();
        assert_eq!(code(validate(action)), "invalid_postmortem");
        let mut many = input("2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z");
        many.remediation_ids = (0..51).map(|i| format!("r{i}")).collect();
        assert_eq!(code(validate(many)), "invalid_postmortem");
    }
}
