//! The ExternalService endpoints Flux Operator polls: `GET /api/v2/flux/clusters` and
//! `GET /api/v2/flux/clusters/{cluster_dns}/{platform-components,namespaces,rolebindings}`.
//! Answers come from `InputsCache`; a miss renders from the store once.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::cache::{Rendered, etag, none_match};
use super::merge::{self, InputKind, MAX_BYTES};
use super::model::*;
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::clusters::record;
use crate::error::{ApiError, ApiPath, ApiResult, ErrorBody};
use crate::store::catalog::Scope;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(clusters))
        .routes(routes!(platform_components))
        .routes(routes!(namespaces))
        .routes(routes!(rolebindings))
}

/// Any signed-in role, or the flux-reader service role; a key bound to a cluster reads only that
/// cluster's inputs.
fn authorize(principal: &Principal, dns: Option<&str>) -> ApiResult<()> {
    if !(principal.role.satisfies(Role::Viewer) || principal.role == Role::FluxReader) {
        return Err(ApiError::forbidden(
            "forbidden",
            format!("the {} role cannot read Flux inputs", principal.role),
        ));
    }
    match (&principal.cluster_dns, dns) {
        (Some(bound), Some(asked)) if bound != asked => Err(ApiError::forbidden(
            "cluster_scope",
            format!("this key reads only the inputs of {bound}"),
        )),
        _ => Ok(()),
    }
}

fn finish(bytes: Vec<u8>, cluster: &str) -> Rendered {
    if bytes.len() > MAX_BYTES {
        return Rendered::TooLarge {
            cluster: cluster.to_string(),
            size: bytes.len(),
            limit: MAX_BYTES,
        };
    }
    Rendered::Body {
        etag: etag(&bytes),
        bytes: bytes.into(),
    }
}

/// Renders one answer from the store (a cache miss).
async fn render(
    state: &AppState,
    dns: Option<&str>,
    kind: Option<InputKind>,
    scope: Option<&str>,
) -> anyhow::Result<Rendered> {
    match (dns, kind) {
        (Some(dns), Some(kind)) => {
            let catalog = state.store.load_catalog(Scope::ClusterByDns(dns)).await?;
            Ok(match record::by_dns(&catalog.clusters, dns) {
                Some(cluster) => finish(merge::render_kind(&catalog, cluster, kind), &cluster.name),
                None => Rendered::UnknownCluster,
            })
        }
        _ => {
            let clusters = state.store.load_clusters().await?;
            Ok(finish(merge::render(merge::cluster_inputs(&clusters, scope)), "*"))
        }
    }
}

async fn serve(
    state: AppState,
    principal: Principal,
    headers: HeaderMap,
    dns: Option<String>,
    kind: Option<InputKind>,
) -> ApiResult<Response> {
    authorize(&principal, dns.as_deref())?;
    // A bound key sees only its own cluster in the list too.
    let scope = if dns.is_none() {
        principal.cluster_dns.as_deref()
    } else {
        None
    };
    let key = format!(
        "{}|{}|{}",
        kind.map_or("clusters", InputKind::path),
        dns.as_deref().unwrap_or(""),
        scope.unwrap_or("")
    );
    let rendered = match state.inputs_cache.get(&key) {
        Some(r) => r,
        None => {
            let generation = state.inputs_cache.generation();
            let r = Arc::new(
                render(&state, dns.as_deref(), kind, scope)
                    .await
                    .map_err(ApiError::internal)?,
            );
            state.inputs_cache.insert(generation, key, Arc::clone(&r));
            r
        }
    };
    match &*rendered {
        Rendered::Body { bytes, etag } => {
            let etag = HeaderValue::from_str(etag).expect("hex etag is a header value");
            let fresh = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| none_match(v, etag.to_str().unwrap_or("")));
            let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            if fresh {
                return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag), cache]).into_response());
            }
            let json = (header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            Ok(([(header::ETAG, etag), cache, json], bytes.clone()).into_response())
        }
        Rendered::UnknownCluster => Err(ApiError::not_found(format!("no cluster has dns {}", dns.unwrap_or_default()))),
        Rendered::TooLarge { cluster, size, limit } => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "inputs_too_large",
            format!("the inputs of cluster {cluster} would be {size} bytes, over the client's limit of {limit}; none are sent"),
        )
        .with_details(json!({"cluster": cluster, "size": size, "limit": limit}))),
    }
}

/// One input per cluster that has a dns (a cluster-bound key sees only its own).
#[utoipa::path(get, path = "/api/v2/flux/clusters", tag = "flux inputs", responses(
    (status = 200, body = Inputs<ClusterInput>, headers(("ETag" = String))), (status = 304),
    (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn clusters(State(state): State<AppState>, principal: Principal, headers: HeaderMap) -> ApiResult<Response> {
    serve(state, principal, headers, None, None).await
}

/// The cluster's platform components: catalog defaults merged with its overrides and patches.
#[utoipa::path(get, path = "/api/v2/flux/clusters/{cluster_dns}/platform-components", tag = "flux inputs",
    params(("cluster_dns" = String, Path)), responses(
    (status = 200, body = Inputs<ComponentInput>, headers(("ETag" = String))), (status = 304),
    (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    (status = 500, body = ErrorBody, description = "inputs_too_large")))]
async fn platform_components(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    ApiPath(dns): ApiPath<String>,
) -> ApiResult<Response> {
    serve(
        state,
        principal,
        headers,
        Some(dns),
        Some(InputKind::PlatformComponents),
    )
    .await
}

/// The cluster's namespaces.
#[utoipa::path(get, path = "/api/v2/flux/clusters/{cluster_dns}/namespaces", tag = "flux inputs",
    params(("cluster_dns" = String, Path)), responses(
    (status = 200, body = Inputs<NamespaceInput>, headers(("ETag" = String))), (status = 304),
    (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    (status = 500, body = ErrorBody, description = "inputs_too_large")))]
async fn namespaces(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    ApiPath(dns): ApiPath<String>,
) -> ApiResult<Response> {
    serve(state, principal, headers, Some(dns), Some(InputKind::Namespaces)).await
}

/// The cluster's role bindings.
#[utoipa::path(get, path = "/api/v2/flux/clusters/{cluster_dns}/rolebindings", tag = "flux inputs",
    params(("cluster_dns" = String, Path)), responses(
    (status = 200, body = Inputs<RoleBindingInput>, headers(("ETag" = String))), (status = 304),
    (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    (status = 500, body = ErrorBody, description = "inputs_too_large")))]
async fn rolebindings(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    ApiPath(dns): ApiPath<String>,
) -> ApiResult<Response> {
    serve(state, principal, headers, Some(dns), Some(InputKind::RoleBindings)).await
}
