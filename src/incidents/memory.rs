//! Memory: runbooks (`/api/memory/runbooks`, Markdown with tags and the finding classes they are
//! for) and fixes (`/api/memory/fixes`, what was done about which finding and whether it worked).
//! Runbooks for a class are listed by how their fixes of that class went, so what worked before
//! is suggested first.

use std::cmp::Reverse;
use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json as SqlJson;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::diagnostics::finding::FindingClass;
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::store::memory::{FixFilter, FixRow, RunbookContent, RunbookRow, RunbookStatsRow};
use crate::store::now;

const TITLE_MAX_CHARS: usize = 200;
const BODY_MAX_BYTES: usize = 64 * 1024;
const TAGS_MAX: usize = 20;
const TAG_MAX_CHARS: usize = 63;
const ACTION_MAX_CHARS: usize = 200;
const NOTE_MAX_BYTES: usize = 4 * 1024;
/// Kubernetes names are at most 253 characters.
const NAME_MAX_CHARS: usize = 253;

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(Method::POST, "/api/memory/runbooks", "create", "runbook"),
    AuditedRoute::new(Method::PUT, "/api/memory/runbooks/{id}", "update", "runbook"),
    AuditedRoute::new(Method::DELETE, "/api/memory/runbooks/{id}", "delete", "runbook"),
    AuditedRoute::new(Method::POST, "/api/memory/fixes", "create", "fix"),
];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new()
            .routes(routes!(list_runbooks, create_runbook))
            .routes(routes!(get_runbook, update_runbook, delete_runbook))
            .routes(routes!(list_fixes, record_fix)),
        audited: AUDITED,
    }
}

/// A runbook, with how the fixes that followed it went (those of the class asked for, when one
/// was).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Runbook {
    pub id: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub tags: Vec<String>,
    /// The finding classes it is for.
    pub classes: Vec<FindingClass>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    pub successes: i64,
    pub failures: i64,
    /// When a fix that followed it was last recorded.
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunbookList {
    pub items: Vec<Runbook>,
}

/// A runbook's content; a PUT replaces all of it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RunbookInput {
    /// 1 to 200 characters.
    pub title: String,
    /// Markdown, at most 64 KiB.
    #[serde(default)]
    pub body: String,
    /// At most 20, each lowercase letters, digits and `-`.
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub classes: Vec<FindingClass>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RunbooksQuery {
    /// Only runbooks for this class, ranked by their fixes of it: most successes first, then
    /// the best success rate, then the most recently used.
    #[param(inline)]
    pub class: Option<FindingClass>,
    /// Only runbooks with this tag.
    pub tag: Option<String>,
    /// Only runbooks whose title or body holds this text (any case).
    pub q: Option<String>,
}

/// The object a fix acted on.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FixObject {
    pub kind: String,
    /// Absent for cluster-scoped objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Fix {
    pub id: String,
    /// The runbook followed; absent when none was, or once it was deleted.
    pub runbook_id: Option<String>,
    /// The finding fixed (it may since have been pruned).
    pub finding_id: Option<String>,
    pub class: FindingClass,
    pub cluster: String,
    pub object: FixObject,
    /// What was done: free text or a remediation kind such as `restart`.
    pub action: String,
    pub success: bool,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FixList {
    pub items: Vec<Fix>,
}

/// A fix to record. With the `findingId` of a stored finding, its class, cluster and object are
/// the finding's (those given are ignored); else all three are required.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FixInput {
    pub runbook_id: Option<String>,
    pub finding_id: Option<String>,
    pub class: Option<FindingClass>,
    pub cluster: Option<String>,
    pub object: Option<FixObject>,
    /// 1 to 200 characters: free text or a remediation kind such as `restart`.
    pub action: String,
    pub success: bool,
    /// At most 4 KiB.
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct FixesQuery {
    #[param(inline)]
    pub class: Option<FindingClass>,
    pub finding_id: Option<String>,
    pub runbook_id: Option<String>,
    /// 1 to 500; default 100.
    pub limit: Option<u32>,
}

/// The word a class is stored under: its JSON name.
fn class_word(class: FindingClass) -> String {
    serde_json::to_value(class)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn parse_class(word: &str) -> Option<FindingClass> {
    serde_json::from_value(serde_json::Value::String(word.to_string())).ok()
}

fn invalid_runbook(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("invalid_runbook", message)
}

fn is_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= TAG_MAX_CHARS
        && tag
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Checks a runbook's content; the title is trimmed, repeated tags and classes kept once.
fn validate_runbook(input: RunbookInput) -> Result<RunbookContent, ApiError> {
    let title = input.title.trim().to_string();
    if title.is_empty() {
        return Err(invalid_runbook("title is empty"));
    }
    if title.chars().count() > TITLE_MAX_CHARS {
        return Err(invalid_runbook(format!(
            "title is longer than {TITLE_MAX_CHARS} characters"
        )));
    }
    if input.body.len() > BODY_MAX_BYTES {
        return Err(invalid_runbook("body is larger than 64 KiB"));
    }
    let mut tags: Vec<String> = Vec::new();
    for tag in input.tags {
        if !is_tag(&tag) {
            return Err(invalid_runbook(format!(
                "tag {tag:?} is not 1 to {TAG_MAX_CHARS} lowercase letters, digits and -"
            )));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > TAGS_MAX {
        return Err(invalid_runbook(format!("more than {TAGS_MAX} tags")));
    }
    let mut classes = input.classes;
    classes.sort();
    classes.dedup();
    Ok(RunbookContent {
        title,
        body: input.body,
        tags,
        classes: classes.into_iter().map(class_word).collect(),
    })
}

fn runbook(row: RunbookRow, stats: Option<&RunbookStatsRow>) -> Runbook {
    Runbook {
        id: row.id,
        title: row.title,
        body: row.body,
        tags: row.tags.0,
        // A class this version does not know (written by a newer one) is left out.
        classes: row.classes.0.iter().filter_map(|c| parse_class(c)).collect(),
        created_by: row.created_by,
        created_at: row.created_at,
        updated_by: row.updated_by,
        updated_at: row.updated_at,
        successes: stats.map_or(0, |s| s.successes),
        failures: stats.map_or(0, |s| s.failures),
        last_used_at: stats.map(|s| s.last_used_at),
    }
}

/// Most successes first, then the best success rate (a runbook never used has none and comes
/// after those used), then the most recently used, then by title.
fn rank(runbooks: &mut [Runbook]) {
    runbooks.sort_by(|a, b| {
        let rate = |r: &Runbook| {
            let used = r.successes + r.failures;
            if used > 0 {
                r.successes as f64 / used as f64
            } else {
                -1.0
            }
        };
        b.successes
            .cmp(&a.successes)
            .then_with(|| rate(b).total_cmp(&rate(a)))
            .then_with(|| Reverse(a.last_used_at).cmp(&Reverse(b.last_used_at)))
            .then_with(|| a.title.cmp(&b.title))
    });
}

async fn read_runbook(state: &AppState, id: &str) -> ApiResult<Runbook> {
    let row = state
        .store
        .runbook(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no runbook {id}")))?;
    let stats = state.store.runbook_stats(None).await?;
    let stats = stats.iter().find(|s| s.runbook_id == row.id);
    Ok(runbook(row, stats))
}

/// The runbooks, by title; with `class`, those for it ranked by how their fixes of it went (the
/// best first). Incidents take the first as the one to follow.
pub(super) async fn runbooks_for(state: &AppState, class: Option<FindingClass>) -> ApiResult<Vec<Runbook>> {
    let class = class.map(class_word);
    let stats: HashMap<String, RunbookStatsRow> = state
        .store
        .runbook_stats(class.as_deref())
        .await?
        .into_iter()
        .map(|s| (s.runbook_id.clone(), s))
        .collect();
    let mut items: Vec<Runbook> = state
        .store
        .runbooks()
        .await?
        .into_iter()
        .filter(|r| class.as_ref().is_none_or(|c| r.classes.0.contains(c)))
        .map(|r| {
            let s = stats.get(&r.id);
            runbook(r, s)
        })
        .collect();
    if class.is_some() {
        rank(&mut items);
    }
    Ok(items)
}

/// The runbooks, by title; with `class`, those for it ranked by how their fixes of it went.
#[utoipa::path(get, path = "/api/memory/runbooks", tag = "memory", params(RunbooksQuery),
    responses((status = 200, body = RunbookList),
        (status = 400, body = ErrorBody, description = "invalid_query"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_runbooks(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<RunbooksQuery>,
) -> ApiResult<Json<RunbookList>> {
    principal.require(Role::Viewer)?;
    let text = q.q.as_deref().map(str::to_lowercase).filter(|t| !t.is_empty());
    let items = runbooks_for(&state, q.class)
        .await?
        .into_iter()
        .filter(|r| q.tag.as_ref().is_none_or(|t| r.tags.contains(t)))
        .filter(|r| {
            text.as_ref()
                .is_none_or(|t| r.title.to_lowercase().contains(t) || r.body.to_lowercase().contains(t))
        })
        .collect();
    Ok(Json(RunbookList { items }))
}

/// Writes a runbook (operator).
#[utoipa::path(post, path = "/api/memory/runbooks", tag = "memory", request_body = RunbookInput,
    responses((status = 201, body = Runbook),
        (status = 400, body = ErrorBody, description = "invalid_body (such as an unknown class)"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "invalid_runbook")))]
async fn create_runbook(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<RunbookInput>,
) -> ApiResult<(StatusCode, AuditNote, Json<Runbook>)> {
    principal.require(Role::Operator)?;
    let content = validate_runbook(body)?;
    let at = now();
    let row = RunbookRow {
        id: uuid::Uuid::new_v4().to_string(),
        title: content.title,
        body: content.body,
        tags: SqlJson(content.tags),
        classes: SqlJson(content.classes),
        created_by: principal.subject.clone(),
        created_at: at,
        updated_by: principal.subject.clone(),
        updated_at: at,
    };
    state.store.insert_runbook(&row).await?;
    Ok((StatusCode::CREATED, AuditNote::named(&row.id), Json(runbook(row, None))))
}

/// One runbook, with how all the fixes that followed it went.
#[utoipa::path(get, path = "/api/memory/runbooks/{id}", tag = "memory", params(("id" = String, Path)),
    responses((status = 200, body = Runbook), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_runbook(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Runbook>> {
    principal.require(Role::Viewer)?;
    Ok(Json(read_runbook(&state, &id).await?))
}

/// Replaces a runbook's content (operator).
#[utoipa::path(put, path = "/api/memory/runbooks/{id}", tag = "memory", params(("id" = String, Path)),
    request_body = RunbookInput,
    responses((status = 200, body = Runbook),
        (status = 400, body = ErrorBody, description = "invalid_body (such as an unknown class)"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "invalid_runbook")))]
async fn update_runbook(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RunbookInput>,
) -> ApiResult<Json<Runbook>> {
    principal.require(Role::Operator)?;
    let content = validate_runbook(body)?;
    state
        .store
        .update_runbook(&id, content, &principal.subject, now())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no runbook {id}")))?;
    Ok(Json(read_runbook(&state, &id).await?))
}

/// Deletes a runbook (admin); the fixes that followed it stay, without it.
#[utoipa::path(delete, path = "/api/memory/runbooks/{id}", tag = "memory", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn delete_runbook(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    principal.require(Role::Admin)?;
    if !state.store.delete_runbook(&id).await? {
        return Err(ApiError::not_found(format!("no runbook {id}")));
    }
    Ok(StatusCode::NO_CONTENT)
}

fn fix(row: FixRow) -> Option<Fix> {
    Some(Fix {
        // A class this version does not know (written by a newer one) leaves the fix out.
        class: parse_class(&row.class)?,
        id: row.id,
        runbook_id: row.runbook_id,
        finding_id: row.finding_id,
        cluster: row.cluster,
        object: FixObject {
            kind: row.object_kind,
            namespace: Some(row.object_namespace).filter(|n| !n.is_empty()),
            name: row.object_name,
        },
        action: row.action,
        success: row.success,
        note: row.note,
        recorded_by: row.recorded_by,
        recorded_at: row.recorded_at,
    })
}

/// Recorded fixes, newest first.
#[utoipa::path(get, path = "/api/memory/fixes", tag = "memory", params(FixesQuery),
    responses((status = 200, body = FixList),
        (status = 400, body = ErrorBody, description = "invalid_query"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_fixes(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<FixesQuery>,
) -> ApiResult<Json<FixList>> {
    principal.require(Role::Viewer)?;
    let limit = super::findings::page_limit(q.limit)?;
    let class = q.class.map(class_word);
    let filter = FixFilter {
        class: class.as_deref(),
        finding_id: q.finding_id.as_deref(),
        runbook_id: q.runbook_id.as_deref(),
        limit,
    };
    let items = state.store.fixes(&filter).await?.into_iter().filter_map(fix).collect();
    Ok(Json(FixList { items }))
}

/// A cluster, kind, namespace or object name as a fix records it: not checked against a cluster
/// (the object may be gone), only bounded.
fn is_name(name: &str) -> bool {
    !name.is_empty() && name.chars().count() <= NAME_MAX_CHARS
}

fn invalid_fix(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("invalid_fix", message)
}

/// Records what was done about a finding and whether it worked (operator).
#[utoipa::path(post, path = "/api/memory/fixes", tag = "memory", request_body = FixInput,
    responses((status = 201, body = Fix),
        (status = 400, body = ErrorBody, description = "invalid_body (such as an unknown class)"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "invalid_fix, unknown_runbook")))]
async fn record_fix(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<FixInput>,
) -> ApiResult<(StatusCode, AuditNote, Json<Fix>)> {
    principal.require(Role::Operator)?;
    let action = body.action.trim().to_string();
    if action.is_empty() || action.chars().count() > ACTION_MAX_CHARS {
        return Err(invalid_fix(format!(
            "action must be 1 to {ACTION_MAX_CHARS} characters"
        )));
    }
    if body.note.as_ref().is_some_and(|n| n.len() > NOTE_MAX_BYTES) {
        return Err(invalid_fix("note is larger than 4 KiB"));
    }
    let finding = match &body.finding_id {
        Some(id) => state.store.finding(id).await?,
        None => None,
    };
    let (class, cluster, object) = match finding {
        Some(f) => {
            let class = parse_class(&f.class).ok_or_else(|| invalid_fix("the finding's class is unknown"))?;
            let object = FixObject {
                kind: f.kind,
                namespace: Some(f.namespace).filter(|n| !n.is_empty()),
                name: f.name,
            };
            (class, f.cluster, object)
        }
        None => match (body.class, body.cluster, body.object) {
            (Some(class), Some(cluster), Some(object))
                if is_name(&cluster)
                    && is_name(&object.kind)
                    && is_name(&object.name)
                    && object.namespace.as_deref().is_none_or(is_name) =>
            {
                (class, cluster, object)
            }
            _ => {
                return Err(invalid_fix(format!(
                    "class, cluster and object (kind and name) are required unless findingId names a stored \
                     finding; names are 1 to {NAME_MAX_CHARS} characters"
                )));
            }
        },
    };
    let row = FixRow {
        id: uuid::Uuid::new_v4().to_string(),
        runbook_id: body.runbook_id,
        finding_id: body.finding_id,
        class: class_word(class),
        cluster,
        object_kind: object.kind,
        object_namespace: object.namespace.unwrap_or_default(),
        object_name: object.name,
        action,
        success: body.success,
        note: body.note,
        recorded_by: principal.subject.clone(),
        recorded_at: now(),
    };
    if !state.store.insert_fix(&row).await? {
        return Err(ApiError::unprocessable(
            "unknown_runbook",
            format!("no runbook {}", row.runbook_id.as_deref().unwrap_or_default()),
        ));
    }
    let note = AuditNote {
        cluster: Some(row.cluster.clone()),
        namespace: Some(row.object_namespace.clone()).filter(|n| !n.is_empty()),
        name: Some(row.id.clone()),
        reason: Some(format!("class={} success={}", row.class, row.success)),
        ..AuditNote::default()
    };
    let fix = fix(row).expect("the class was just written from a FindingClass");
    Ok((StatusCode::CREATED, note, Json(fix)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(title: &str, tags: &[&str]) -> RunbookInput {
        RunbookInput {
            title: title.into(),
            body: "# Steps".into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            classes: vec![
                FindingClass::PodOomKilled,
                FindingClass::PodCrashLoop,
                FindingClass::PodOomKilled,
            ],
        }
    }

    fn code(r: Result<RunbookContent, ApiError>) -> &'static str {
        r.expect_err("rejected").code
    }

    #[test]
    fn runbook_content_is_checked() {
        let ok = validate_runbook(input("  Raise the memory limit ", &["memory", "memory", "oom-2"])).unwrap();
        assert_eq!(ok.title, "Raise the memory limit");
        assert_eq!(ok.tags, ["memory", "oom-2"]);
        assert_eq!(ok.classes, ["pod_crash_loop", "pod_oom_killed"]);

        assert_eq!(code(validate_runbook(input("  ", &[]))), "invalid_runbook");
        assert_eq!(code(validate_runbook(input(&"x".repeat(201), &[]))), "invalid_runbook");
        assert!(validate_runbook(input(&"é".repeat(200), &[])).is_ok());
        for tag in ["Memory", "a b", "", "a_b"] {
            assert_eq!(code(validate_runbook(input("t", &[tag]))), "invalid_runbook", "{tag:?}");
        }
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(code(validate_runbook(input("t", &many))), "invalid_runbook");
        assert!(validate_runbook(input("t", &many[..20])).is_ok());
        let mut big = input("t", &[]);
        big.body = "x".repeat(BODY_MAX_BYTES + 1);
        assert_eq!(code(validate_runbook(big)), "invalid_runbook");
    }

    fn used(title: &str, successes: i64, failures: i64, last_used_minute: Option<u32>) -> Runbook {
        let at = |m: u32| format!("2026-01-01T00:{m:02}:00Z").parse().unwrap();
        Runbook {
            id: title.into(),
            title: title.into(),
            body: String::new(),
            tags: vec![],
            classes: vec![],
            created_by: "a".into(),
            created_at: at(0),
            updated_by: "a".into(),
            updated_at: at(0),
            successes,
            failures,
            last_used_at: last_used_minute.map(at),
        }
    }

    #[test]
    fn runbooks_rank_by_successes_then_rate_then_last_use() {
        let mut list = vec![
            used("never", 0, 0, None),
            used("failed", 0, 2, Some(9)),
            used("two-of-four", 2, 2, Some(1)),
            used("two-of-two-old", 2, 0, Some(1)),
            used("two-of-two-new", 2, 0, Some(5)),
            used("three", 3, 5, Some(0)),
        ];
        rank(&mut list);
        let titles: Vec<&str> = list.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "three",
                "two-of-two-new",
                "two-of-two-old",
                "two-of-four",
                "failed",
                "never"
            ]
        );
    }
}
