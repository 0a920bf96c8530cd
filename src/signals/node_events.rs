//! `GET /api/node-events`: each node's history (KubeBYON's node events) as the sampler recorded
//! it, newest first. On `impersonate` clusters only callers Kubernetes lets list nodes see it.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::node_history::{NodeEventType, NodeStatus};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::clusters::record::AuthzMode;
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiQuery, ApiResult, ErrorBody};
use crate::kube::access::Attributes;
use crate::store::samples::{NodeEventFilter, NodeEventRow};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NodeEventsQuery {
    pub cluster: Option<String>,
    pub node: Option<String>,
    #[serde(rename = "type")]
    #[param(rename = "type", inline)]
    pub kind: Option<NodeEventType>,
    /// 1 to 500; default 100.
    pub limit: Option<u32>,
}

/// A node's status change, or its joining, cordoning or going.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeEvent {
    pub id: String,
    pub cluster: String,
    pub node: String,
    #[serde(rename = "type")]
    pub kind: NodeEventType,
    /// The status before a status change (and a deleted node's last).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_status: Option<NodeStatus>,
    /// The status after a status change (and a joining node's first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_status: Option<NodeStatus>,
    pub message: String,
    /// When the sampler saw it (within one sample interval of the change).
    pub observed_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NodeEventList {
    /// Newest first.
    pub events: Vec<NodeEvent>,
}

fn event(row: NodeEventRow) -> Option<NodeEvent> {
    let status = |s: Option<String>| s.as_deref().and_then(NodeStatus::parse);
    Some(NodeEvent {
        kind: serde_json::from_value(serde_json::json!(row.kind)).ok()?,
        old_status: status(row.old_status),
        new_status: status(row.new_status),
        id: row.id,
        cluster: row.cluster,
        node: row.node,
        message: row.message,
        observed_at: row.observed_at,
    })
}

/// The registered `impersonate` clusters whose nodes `principal` may not list (fail closed: one
/// that cannot be opened is hidden). A deleted cluster's history stays readable.
async fn hidden_clusters(state: &AppState, principal: &Principal) -> ApiResult<Vec<String>> {
    let mut hidden = Vec::new();
    for c in state.store.list_clusters().await? {
        if c.authz_mode != AuthzMode::Impersonate.as_str() {
            continue;
        }
        let allowed = match ClusterScope::open(state, principal, &c.name).await {
            Ok(scope) => scope.allows(state, &Attributes::list("", "nodes", "")).await,
            Err(_) => false,
        };
        if !allowed {
            hidden.push(c.name);
        }
    }
    Ok(hidden)
}

/// Node history across the fleet, newest first (viewer).
#[utoipa::path(get, path = "/api/node-events", tag = "signals", params(NodeEventsQuery),
    responses((status = 200, body = NodeEventList),
        (status = 400, description = "`invalid_query`: an unknown parameter or type, or a limit outside 1..500", body = ErrorBody),
        (status = 401, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<NodeEventsQuery>,
) -> ApiResult<Json<NodeEventList>> {
    principal.require(Role::Viewer)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "limit must be between 1 and 500",
        ));
    }
    let hidden = hidden_clusters(&state, &principal).await?;
    let kind = q.kind.map(NodeEventType::word);
    let rows = state
        .store
        .node_events(&NodeEventFilter {
            hidden: &hidden,
            cluster: q.cluster.as_deref(),
            node: q.node.as_deref(),
            kind: kind.as_deref(),
            limit,
        })
        .await?;
    Ok(Json(NodeEventList {
        events: rows.into_iter().filter_map(event).collect(),
    }))
}
