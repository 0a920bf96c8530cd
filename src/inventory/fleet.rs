//! The fleet: every cluster contacted in parallel under the caller's identity, each within a
//! soft timeout, so one slow or dead cluster never holds up the page; cached 10 s per identity.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
use kube::api::{Api, ListParams};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::summary::{ClusterSummary, node_ready, summarize};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::clusters::clients::{client_for, identity};
use crate::error::{ApiError, ApiPath, ApiResult, ErrorBody};
use crate::kube::pool::NoClient;
use crate::store::clusters::ClusterRow;

/// Each cluster gets this long before it is marked as timed out.
pub const SOFT_TIMEOUT: Duration = Duration::from_secs(2);
/// The whole fan-out never takes longer than this.
pub const BUDGET: Duration = Duration::from_secs(8);
const CACHE_FOR: Duration = Duration::from_secs(10);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(fleet)).routes(routes!(dashboard))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ClusterStatus {
    Healthy,
    Degraded,
    Unreachable,
    /// Not contacted: Fleetdeck has no connection to it.
    Unknown,
    /// The caller may not read it.
    Denied,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FleetError {
    /// `denied`, `auth_failed`, `timeout`, `apiserver_unreachable` or `unknown`.
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FleetEntry {
    pub name: String,
    pub display_name: String,
    pub environment: String,
    pub status: ClusterStatus,
    /// The last time this server reached the cluster.
    pub last_contact: Option<DateTime<Utc>>,
    pub summary: Option<ClusterSummary>,
    pub error: Option<FleetError>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rollup {
    pub total_clusters: usize,
    pub by_status: BTreeMap<String, usize>,
    pub by_environment: BTreeMap<String, usize>,
    pub generated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Fleet {
    pub rollup: Rollup,
    pub items: Vec<FleetEntry>,
}

/// Fleet answers per identity, and when each cluster was last reached.
#[derive(Default)]
pub struct FleetCache {
    answers: Mutex<HashMap<String, (Instant, Arc<Fleet>)>>,
    last_contact: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl FleetCache {
    /// Forgets every answer: the registry changed.
    pub fn invalidate(&self) {
        self.answers.lock().expect("fleet lock").clear();
    }
}

fn failure(
    status: ClusterStatus,
    code: &str,
    message: String,
) -> (ClusterStatus, Option<ClusterSummary>, Option<FleetError>) {
    (
        status,
        None,
        Some(FleetError {
            code: code.into(),
            message,
        }),
    )
}

/// Nodes, pods and the namespace count of a cluster.
async fn read_cluster(client: kube::Client) -> Result<(Vec<Node>, Vec<Pod>, usize), kube::Error> {
    let lp = ListParams::default();
    let nodes: Api<Node> = Api::all(client.clone());
    let pods: Api<Pod> = Api::all(client.clone());
    let namespaces: Api<Namespace> = Api::all(client);
    let (n, p, ns) = tokio::try_join!(nodes.list(&lp), pods.list(&lp), namespaces.list_metadata(&lp))?;
    Ok((n.items, p.items, ns.items.len()))
}

async fn probe(
    state: &AppState,
    cluster: &ClusterRow,
    principal: &Principal,
) -> (ClusterStatus, Option<ClusterSummary>, Option<FleetError>) {
    let client = match client_for(
        state,
        cluster,
        identity(cluster, principal, &state.settings.impersonate_groups).as_ref(),
    )
    .await
    {
        Ok(c) => c,
        Err(NoClient::NoConnection) => return (ClusterStatus::Unknown, None, None),
        Err(NoClient::Broken(m)) => return failure(ClusterStatus::Unreachable, "unknown", m),
    };
    match tokio::time::timeout(SOFT_TIMEOUT, read_cluster(client)).await {
        Err(_) => failure(
            ClusterStatus::Unreachable,
            "timeout",
            format!("no answer within {SOFT_TIMEOUT:?}"),
        ),
        Ok(Ok((nodes, pods, namespaces))) => {
            let summary = summarize(&nodes, &pods, namespaces, Utc::now());
            let status = if summary.degraded() {
                ClusterStatus::Degraded
            } else {
                ClusterStatus::Healthy
            };
            (status, Some(summary), None)
        }
        Ok(Err(kube::Error::Api(s))) if s.code == 403 => failure(ClusterStatus::Denied, "denied", s.message.clone()),
        Ok(Err(kube::Error::Api(s))) if s.code == 401 => failure(
            ClusterStatus::Unreachable,
            "auth_failed",
            format!("the cluster refused Fleetdeck's credentials: {}", s.message),
        ),
        Ok(Err(e)) => failure(
            ClusterStatus::Unreachable,
            "apiserver_unreachable",
            format!("cannot reach the apiserver: {}", crate::kube::errors::describe(&e)),
        ),
    }
}

/// The rollup of a set of entries.
pub fn rollup(items: &[FleetEntry], at: DateTime<Utc>) -> Rollup {
    let mut by_status = BTreeMap::new();
    let mut by_environment = BTreeMap::new();
    for e in items {
        let status = serde_json::to_value(e.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        *by_status.entry(status).or_insert(0) += 1;
        *by_environment.entry(e.environment.clone()).or_insert(0) += 1;
    }
    Rollup {
        total_clusters: items.len(),
        by_status,
        by_environment,
        generated_at: at,
    }
}

/// Every cluster's status and summary, contacted in parallel under the caller's identity.
#[utoipa::path(get, path = "/api/fleet", tag = "clusters", responses((status = 200, body = Fleet), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn fleet(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<Fleet>> {
    principal.require(Role::Viewer)?;
    let cache_key = format!("{}|{}", principal.subject, principal.role);
    if let Some((at, f)) = state.fleet_cache.answers.lock().expect("fleet lock").get(&cache_key)
        && at.elapsed() < CACHE_FOR
    {
        return Ok(Json((**f).clone()));
    }
    let clusters = state.store.list_clusters().await?;
    let mut tasks = tokio::task::JoinSet::new();
    for (i, cluster) in clusters.iter().cloned().enumerate() {
        let (state, principal) = (state.clone(), principal.clone());
        tasks.spawn(async move { (i, probe(&state, &cluster, &principal).await) });
    }
    let mut results: Vec<Option<_>> = vec![None; clusters.len()];
    let deadline = tokio::time::Instant::now() + BUDGET;
    while let Ok(Some(joined)) = tokio::time::timeout_at(deadline, tasks.join_next()).await {
        if let Ok((i, r)) = joined {
            results[i] = Some(r);
        }
    }
    tasks.abort_all();
    let now = Utc::now();
    let items: Vec<FleetEntry> = clusters
        .into_iter()
        .zip(results)
        .map(|(c, r)| {
            let (status, summary, error) = r.unwrap_or_else(|| {
                failure(
                    ClusterStatus::Unreachable,
                    "timeout",
                    format!("no answer within {BUDGET:?}"),
                )
            });
            let mut contacts = state.fleet_cache.last_contact.lock().expect("fleet lock");
            if summary.is_some() {
                contacts.insert(c.name.clone(), now);
            }
            FleetEntry {
                last_contact: contacts.get(&c.name).copied(),
                name: c.name,
                display_name: c.display_name,
                environment: c.environment,
                status,
                summary,
                error,
            }
        })
        .collect();
    let fleet = Fleet {
        rollup: rollup(&items, now),
        items,
    };
    state
        .fleet_cache
        .answers
        .lock()
        .expect("fleet lock")
        .insert(cache_key, (Instant::now(), Arc::new(fleet.clone())));
    Ok(Json(fleet))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeLine {
    pub name: String,
    pub ready: bool,
    pub roles: Vec<String>,
    pub kubelet_version: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub name: String,
    pub status: ClusterStatus,
    pub kubernetes_version: String,
    pub summary: ClusterSummary,
    pub nodes: Vec<NodeLine>,
}

/// One cluster's summary, Kubernetes version and nodes.
#[utoipa::path(get, path = "/api/clusters/{name}/dashboard", tag = "clusters", params(("name" = String, Path)), responses(
    (status = 200, body = Dashboard), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn dashboard(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<Dashboard>> {
    principal.require(Role::Viewer)?;
    let cluster = state
        .store
        .cluster(&name)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no cluster named {name}")))?;
    let client = match client_for(
        &state,
        &cluster,
        identity(&cluster, &principal, &state.settings.impersonate_groups).as_ref(),
    )
    .await
    {
        Ok(c) => c,
        Err(NoClient::NoConnection) => {
            return Err(ApiError::conflict(
                "no_connection",
                format!("Fleetdeck has no connection to {name}; register one first"),
            ));
        }
        Err(NoClient::Broken(m)) => return Err(ApiError::internal(anyhow::anyhow!("cluster {name}: {m}"))),
    };
    let read = async {
        let version = client.apiserver_version().await?;
        let (nodes, pods, namespaces) = read_cluster(client.clone()).await?;
        Ok::<_, kube::Error>((version, nodes, pods, namespaces))
    };
    let (version, nodes, pods, namespaces) = match tokio::time::timeout(BUDGET, read).await {
        Err(_) => return Err(crate::kube::errors::timeout(&name)),
        Ok(Err(e)) => return Err(crate::kube::errors::api_error(&name, &e)),
        Ok(Ok(v)) => v,
    };
    let summary = summarize(&nodes, &pods, namespaces, Utc::now());
    let lines = nodes
        .iter()
        .map(|n| NodeLine {
            name: n.metadata.name.clone().unwrap_or_default(),
            ready: node_ready(n),
            roles: n
                .metadata
                .labels
                .iter()
                .flatten()
                .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/").map(str::to_string))
                .collect(),
            kubelet_version: n
                .status
                .as_ref()
                .and_then(|s| s.node_info.as_ref())
                .map(|i| i.kubelet_version.clone())
                .unwrap_or_default(),
        })
        .collect();
    let status = if summary.degraded() {
        ClusterStatus::Degraded
    } else {
        ClusterStatus::Healthy
    };
    Ok(Json(Dashboard {
        name,
        status,
        kubernetes_version: version.git_version,
        summary,
        nodes: lines,
    }))
}
