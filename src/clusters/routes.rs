//! /api/clusters: the cluster registry. Admins create and delete clusters; operators edit their
//! metadata; viewers read. Every write drops the caches fed by the registry (Flux inputs, fleet).

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::*;
use super::record::{self, AuthzMode, ClusterError, ClusterMeta, Clusters};
use super::registry;
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::store::clusters::ConnectionWrite;

pub fn router() -> AuditedRouter {
    let routes = OpenApiRouter::new()
        .routes(routes!(list_clusters, create_cluster))
        .routes(routes!(get_cluster, update_cluster, delete_cluster));
    AuditedRouter {
        routes,
        audited: AUDITED,
    }
}

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(Method::POST, "/api/clusters", "create", "cluster"),
    AuditedRoute::new(Method::PUT, "/api/clusters/{name}", "update", "cluster"),
    AuditedRoute::new(Method::DELETE, "/api/clusters/{name}", "delete", "cluster"),
];

/// Applies `change` to the registry with `connections`, in one transaction, then drops the
/// caches the registry feeds.
async fn write_clusters(
    state: &AppState,
    connections: &[ConnectionWrite],
    change: impl FnOnce(&mut Clusters) -> Result<(), ClusterError>,
) -> ApiResult<()> {
    state.store.write_clusters(connections, change).await?;
    state.clusters_changed();
    Ok(())
}

async fn read_cluster(state: &AppState, name: &str) -> ApiResult<Cluster> {
    let record = state
        .store
        .cluster(name)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no cluster named {name}")))?;
    Ok(record.into())
}

/// Every registered cluster, by name.
#[utoipa::path(get, path = "/api/clusters", tag = "clusters", responses((status = 200, body = ClusterList), (status = 403, body = ErrorBody)))]
async fn list_clusters(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<ClusterList>> {
    principal.require(Role::Viewer)?;
    let items = state.store.list_clusters().await?.into_iter().map(Into::into).collect();
    Ok(Json(ClusterList { items }))
}

/// Registers a cluster (admin).
#[utoipa::path(post, path = "/api/clusters", tag = "clusters", params(RegisterQuery), request_body = CreateCluster, responses(
    (status = 201, body = Cluster), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
    (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_cluster(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<RegisterQuery>,
    ApiJson(mut body): ApiJson<CreateCluster>,
) -> ApiResult<impl IntoResponse> {
    principal.require(Role::Admin)?;
    let connection = body.take_connection().connection()?;
    let authz_mode = body.authz_mode.unwrap_or_default();
    let connections = match &connection {
        Some(c) => vec![registry::register(&state, &body.name, c, authz_mode, q.skip_verify).await?],
        None => vec![],
    };
    let meta = ClusterMeta {
        display_name: body
            .display_name
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| body.name.clone()),
        name: body.name,
        dns: body.dns,
        environment: body.environment,
        labels: body.labels,
        source: if connection.is_some() {
            record::REGISTERED
        } else {
            record::METADATA_ONLY
        }
        .into(),
    };
    let name = meta.name.clone();
    let environments = state.settings.flux_environments.clone();
    write_clusters(&state, &connections, move |c| record::create(c, meta, &environments)).await?;
    Ok((
        StatusCode::CREATED,
        AuditNote::named(&name),
        Json(read_cluster(&state, &name).await?),
    ))
}

/// One cluster.
#[utoipa::path(get, path = "/api/clusters/{name}", tag = "clusters", params(("name" = String, Path)), responses(
    (status = 200, body = Cluster), (status = 404, body = ErrorBody)))]
async fn get_cluster(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<Cluster>> {
    principal.require(Role::Viewer)?;
    Ok(Json(read_cluster(&state, &name).await?))
}

/// Changes a cluster's metadata (operator).
#[utoipa::path(put, path = "/api/clusters/{name}", tag = "clusters", params(("name" = String, Path), RegisterQuery), request_body = UpdateCluster,
    responses((status = 200, body = Cluster), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_cluster(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<RegisterQuery>,
    ApiJson(mut body): ApiJson<UpdateCluster>,
) -> ApiResult<Json<Cluster>> {
    principal.require(Role::Operator)?;
    let input = body.take_connection();
    let mut connections = vec![];
    if !input.is_empty() || body.authz_mode.is_some() {
        // Connections are credentials: only admins set them.
        principal.require(Role::Admin)?;
        let current = read_cluster(&state, &name).await?;
        if matches!(current.source.as_str(), record::KUBECONFIG | record::IN_CLUSTER) {
            return Err(ApiError::conflict(
                "connection_from_config",
                format!(
                    "the connection of {name} comes from the server's {}; change it there (its metadata stays editable here)",
                    current.source
                ),
            ));
        }
        let authz_mode = body.authz_mode.unwrap_or(AuthzMode::from_stored(&current.authz_mode));
        match input.connection()? {
            Some(c) => connections.push(registry::register(&state, &name, &c, authz_mode, q.skip_verify).await?),
            None if current.source == record::REGISTERED => {
                let mut keep = registry::authz_only(&state, &name).await?;
                keep.authz_mode = authz_mode.as_str().into();
                connections.push(keep);
            }
            None => {
                return Err(ApiError::unprocessable(
                    "invalid_connection",
                    "authzMode needs a connection; send one with it",
                ));
            }
        }
    }
    if body.display_name.as_ref().is_some_and(|d| d.trim().is_empty()) {
        return Err(ApiError::unprocessable("invalid_field", "displayName cannot be empty"));
    }
    let environments = state.settings.flux_environments.clone();
    let cluster = name.clone();
    write_clusters(&state, &connections, move |c| {
        record::update(c, &cluster, &environments, |m| {
            if let Some(d) = body.display_name {
                m.display_name = d;
            }
            if let Some(dns) = body.dns {
                m.dns = dns;
            }
            if let Some(e) = body.environment {
                m.environment = e;
            }
            if let Some(l) = body.labels {
                m.labels = l;
            }
        })
    })
    .await?;
    Ok(Json(read_cluster(&state, &name).await?))
}

/// Removes a cluster and its Flux assignments (admin).
#[utoipa::path(delete, path = "/api/clusters/{name}", tag = "clusters", params(("name" = String, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_cluster(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<StatusCode> {
    principal.require(Role::Admin)?;
    write_clusters(&state, &[], move |c| record::delete(c, &name)).await?;
    Ok(StatusCode::NO_CONTENT)
}
