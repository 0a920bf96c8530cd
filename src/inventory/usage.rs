//! CPU and memory in use now, from the cluster's metrics.k8s.io (metrics-server), read as the
//! caller; 404 `metrics_unavailable` when the cluster serves no metrics API.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiPath, ApiResult, ErrorBody};

const GROUP: &str = "metrics.k8s.io";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(node_usage))
        .routes(routes!(pod_usage))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageMeta {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContainerUsage {
    pub name: String,
    /// `cpu` and `memory` as Kubernetes quantities (`12m`, `34Mi`, `5123456n`).
    pub usage: BTreeMap<String, String>,
}

/// A NodeMetrics: the node's usage over the last window.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NodeUsage {
    pub metadata: UsageMeta,
    pub timestamp: String,
    pub window: String,
    pub usage: BTreeMap<String, String>,
}

/// A PodMetrics: each running container's usage over the last window.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PodUsage {
    pub metadata: UsageMeta,
    pub timestamp: String,
    pub window: String,
    pub containers: Vec<ContainerUsage>,
}

/// Reads `path` of metrics.k8s.io as the caller, once the cluster is known to serve it.
async fn read<T: serde::de::DeserializeOwned>(
    state: &AppState,
    principal: &Principal,
    cluster: &str,
    path: &str,
) -> ApiResult<T> {
    principal.require(Role::Viewer)?;
    if !path.split('/').all(crate::names::is_object_name) {
        return Err(ApiError::not_found(format!("no object at {path}")));
    }
    let scope = ClusterScope::open(state, principal, cluster).await?;
    let served = scope
        .discovery(state)
        .await?
        .iter()
        .find(|r| r.group == GROUP && r.preferred)
        .map(|r| r.version.clone());
    let Some(version) = served else {
        return Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "metrics_unavailable",
            format!("cluster {cluster} serves no metrics API (is metrics-server installed?)"),
        ));
    };
    let request = axum::http::Request::get(format!("/apis/{GROUP}/{version}/{path}"))
        .body(Vec::new())
        .map_err(ApiError::internal)?;
    scope
        .reader_client()
        .request(request)
        .await
        .map_err(|e| crate::kube::errors::api_error(cluster, &e))
}

/// A node's CPU and memory in use now (metrics.k8s.io).
#[utoipa::path(get, path = "/api/clusters/{cluster}/nodes/{name}/metrics", tag = "inventory",
    params(("cluster" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = NodeUsage), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn node_usage(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((cluster, name)): ApiPath<(String, String)>,
) -> ApiResult<Json<NodeUsage>> {
    Ok(Json(
        read(&state, &principal, &cluster, &format!("nodes/{name}")).await?,
    ))
}

/// A pod's CPU and memory in use now, per container (metrics.k8s.io).
#[utoipa::path(get, path = "/api/clusters/{cluster}/pods/{namespace}/{name}/metrics", tag = "inventory",
    params(("cluster" = String, Path), ("namespace" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = PodUsage), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn pod_usage(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((cluster, namespace, name)): ApiPath<(String, String, String)>,
) -> ApiResult<Json<PodUsage>> {
    Ok(Json(
        read(
            &state,
            &principal,
            &cluster,
            &format!("namespaces/{namespace}/pods/{name}"),
        )
        .await?,
    ))
}
