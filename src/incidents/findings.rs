//! `GET /api/diagnostics` (the fleet's findings, open or resolved, filtered) and
//! `GET /api/diagnostics/{id}` (one finding with its containers' last log lines, read as the
//! caller). Findings come from the store, which the leader's monitor keeps current. On
//! `impersonate` clusters a caller sees the findings of the namespaces where Kubernetes lets them
//! list pods, and those of cluster-scoped objects when they may list nodes; on `shared` clusters
//! our role alone decides.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::diagnostics::finding::{Finding, FindingClass, Severity};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::clusters::scope::ClusterScope;
pub(super) use crate::clusters::visibility::{View, view};
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::store::findings::{FindingFilter, FindingRow};

/// Log lines read for each container a finding points at.
const LOG_LINES: i64 = 20;
/// The most bytes read of one container's log.
const LOG_BYTES: i64 = 16 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_findings))
        .routes(routes!(get_finding))
}

/// A finding with when it was first and last seen, and when it cleared.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoredFinding {
    #[serde(flatten)]
    pub finding: Finding,
    pub first_seen: DateTime<Utc>,
    /// The last time the analyzers saw the condition (refreshed every minute while it holds).
    pub last_seen: DateTime<Utc>,
    /// Set once the condition cleared.
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingList {
    pub items: Vec<StoredFinding>,
    /// Pass it as `continue` for the next page; absent on the last page.
    #[serde(rename = "continue", skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FindingState {
    /// The conditions that hold now.
    #[default]
    Open,
    Resolved,
    All,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FindingsQuery {
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    /// The object's kind, e.g. `Pod`, `Deployment`, `Node`.
    pub kind: Option<String>,
    /// The object's name.
    pub name: Option<String>,
    #[param(inline)]
    pub severity: Option<Severity>,
    #[param(inline)]
    pub class: Option<FindingClass>,
    /// open (default), resolved or all.
    #[param(inline)]
    pub state: Option<FindingState>,
    /// 1 to 500; default 100.
    pub limit: Option<u32>,
    /// The `continue` of the previous page.
    #[serde(rename = "continue")]
    #[param(rename = "continue")]
    pub next: Option<String>,
}

/// The word a severity or class is stored under: its JSON name.
fn word(v: impl Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The finding `id` if the caller may see it.
pub(super) async fn visible(state: &AppState, principal: &Principal, id: &str) -> ApiResult<Option<StoredFinding>> {
    let Some(row) = state.store.finding(id).await? else {
        return Ok(None);
    };
    if !view(state, principal, &row.cluster).await.shows(&row) {
        return Ok(None);
    }
    Ok(stored(row))
}

pub(super) fn stored(row: FindingRow) -> Option<StoredFinding> {
    match serde_json::from_value::<Finding>(row.body.0) {
        Ok(finding) => Some(StoredFinding {
            finding,
            first_seen: row.first_seen_at,
            last_seen: row.last_seen_at,
            resolved_at: row.resolved_at,
        }),
        // Written by another version of Fleetdeck; the monitor rewrites it on its next pass.
        Err(e) => {
            tracing::debug!(id = row.id, error = %e, "finding skipped");
            None
        }
    }
}

/// A row's place in the list's order.
fn sort_key(row: &FindingRow) -> [String; 5] {
    [&row.cluster, &row.namespace, &row.kind, &row.name, &row.id].map(String::clone)
}

/// A list's `continue` token: the sort key of the last row given, opaque to the client.
pub(super) fn encode_continue(key: &impl Serialize) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).expect("sort keys serialize"))
}

pub(super) fn decode_continue<T: serde::de::DeserializeOwned>(token: &str) -> Result<T, ApiError> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| ApiError::bad_request("invalid_continue", "continue is not a token this list gave"))
}

/// A list's `limit`: 1 to 500, default 100 (400 `invalid_query` otherwise).
pub(super) fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(100);
    match (1..=500).contains(&limit) {
        true => Ok(limit),
        false => Err(ApiError::bad_request(
            "invalid_query",
            "limit must be between 1 and 500",
        )),
    }
}

/// The fleet's findings in cluster, namespace, kind and name order: open ones unless `state`
/// says otherwise, only those the caller may see.
#[utoipa::path(
    get,
    path = "/api/diagnostics",
    tag = "diagnostics",
    params(FindingsQuery),
    responses(
        (status = 200, body = FindingList),
        (status = 400, body = ErrorBody, description = "invalid_query, invalid_continue"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn list_findings(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<FindingsQuery>,
) -> ApiResult<Json<FindingList>> {
    principal.require(Role::Viewer)?;
    let limit = page_limit(q.limit)?;
    let mut after: Option<[String; 5]> = q.next.as_deref().map(decode_continue).transpose()?;
    let (severity, class) = (q.severity.map(word), q.class.map(word));
    let resolved = match q.state.unwrap_or_default() {
        FindingState::Open => Some(false),
        FindingState::Resolved => Some(true),
        FindingState::All => None,
    };
    let mut views: HashMap<String, View> = HashMap::new();
    let mut items = Vec::new();
    // Rows the caller may not see are skipped, so a page may take several reads.
    loop {
        let filter = FindingFilter {
            cluster: q.cluster.as_deref(),
            namespace: q.namespace.as_deref(),
            kind: q.kind.as_deref(),
            name: q.name.as_deref(),
            severity: severity.as_deref(),
            class: class.as_deref(),
            resolved,
            after: after.as_ref().map(|a| [0, 1, 2, 3, 4].map(|i| a[i].as_str())),
            limit,
        };
        let rows = state.store.findings(&filter).await?;
        let full = rows.len() == limit as usize;
        for row in rows {
            if !views.contains_key(&row.cluster) {
                let v = view(&state, &principal, &row.cluster).await;
                views.insert(row.cluster.clone(), v);
            }
            after = Some(sort_key(&row));
            if views[&row.cluster].shows(&row)
                && let Some(f) = stored(row)
            {
                items.push(f);
                if items.len() == limit as usize {
                    let next = after.as_ref().map(encode_continue);
                    return Ok(Json(FindingList { items, next }));
                }
            }
        }
        if !full {
            return Ok(Json(FindingList { items, next: None }));
        }
    }
}

/// One finding, with the last log lines of the containers it points at (read as the caller;
/// left empty when the logs cannot be read).
#[utoipa::path(
    get,
    path = "/api/diagnostics/{id}",
    tag = "diagnostics",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = StoredFinding),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn get_finding(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<StoredFinding>> {
    principal.require(Role::Viewer)?;
    let not_found = || ApiError::not_found(format!("no finding {id}"));
    let mut finding = visible(&state, &principal, &id).await?.ok_or_else(not_found)?;
    if finding.resolved_at.is_none() && !finding.finding.evidence.logs.is_empty() {
        read_logs(&state, &principal, &mut finding.finding).await;
    }
    Ok(Json(finding))
}

/// Fills the last lines of each log the finding points at.
async fn read_logs(state: &AppState, principal: &Principal, finding: &mut Finding) {
    let Some(namespace) = finding.object.namespace.clone() else {
        return;
    };
    let Ok(scope) = ClusterScope::open(state, principal, &finding.cluster).await else {
        return;
    };
    let pods: Api<Pod> = Api::namespaced(scope.reader_client(), &namespace);
    for log in &mut finding.evidence.logs {
        let pod = log.pod.clone().unwrap_or_else(|| finding.object.name.clone());
        let params = LogParams {
            container: Some(log.container.clone()),
            previous: log.previous,
            tail_lines: Some(LOG_LINES),
            limit_bytes: Some(LOG_BYTES),
            ..LogParams::default()
        };
        match pods.logs(&pod, &params).await {
            Ok(text) => log.lines = text.lines().map(str::to_string).collect(),
            Err(e) => tracing::debug!(pod, error = %e, "finding logs unreadable"),
        }
    }
}
