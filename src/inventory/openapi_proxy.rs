//! `GET /api/clusters/{c}/openapi/v3[/{path}]`: the apiserver's OpenAPI v3 documents, passed
//! through for the console's YAML editor (schema-aware completion and validation). Read as the
//! caller on `impersonate` clusters; ETag and If-None-Match pass through; a document larger than
//! [`MAX_DOCUMENT`] is refused rather than held in memory.

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiPath, ApiResult, ErrorBody};

/// The largest document passed on (a real cluster's `api/v1` is about 2 MB).
pub const MAX_DOCUMENT: usize = 16 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(openapi_root))
        .routes(routes!(openapi_document))
}

/// The cluster's OpenAPI v3 root: `{"paths": {"apis/apps/v1": {"serverRelativeURL": …}}}`; each
/// group/version's document is at `…/openapi/v3/{path}` (the `serverRelativeURL` after
/// `/openapi/v3/`, its `hash` query not needed). Viewer or above.
#[utoipa::path(get, path = "/api/clusters/{cluster}/openapi/v3", tag = "inventory",
    params(("cluster" = String, Path), ("If-None-Match" = Option<String>, Header, description = "an ETag this server sent")),
    responses((status = 200, description = "the apiserver's document, passed through", body = Object),
        (status = 304, description = "unchanged since the ETag sent"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn openapi_root(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(cluster): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    proxy(&state, &principal, &cluster, "/openapi/v3", &headers).await
}

/// One group/version's OpenAPI v3 document, e.g. `apis/apps/v1` or `api/v1`. Viewer or above.
#[utoipa::path(get, path = "/api/clusters/{cluster}/openapi/v3/{*path}", tag = "inventory",
    params(("cluster" = String, Path), ("path" = String, Path, description = "`api/v1`, `apis/{group}/{version}`"),
        ("If-None-Match" = Option<String>, Header, description = "an ETag this server sent")),
    responses((status = 200, description = "the apiserver's document, passed through", body = Object),
        (status = 304, description = "unchanged since the ETag sent"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn openapi_document(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((cluster, path)): ApiPath<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if !is_document_path(&path) {
        return Err(ApiError::bad_request(
            "invalid_path",
            format!("{path:?} is not an OpenAPI document path such as apis/apps/v1"),
        ));
    }
    proxy(&state, &principal, &cluster, &format!("/openapi/v3/{path}"), &headers).await
}

/// `api/v1`, `apis/apps/v1`: segments of letters, digits, `.`, `-` and `_`, none `.` or `..`.
fn is_document_path(path: &str) -> bool {
    path.split('/').all(|s| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    })
}

async fn proxy(
    state: &AppState,
    principal: &Principal,
    cluster: &str,
    path: &str,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    principal.require(Role::Viewer)?;
    let scope = ClusterScope::open(state, principal, cluster).await?;
    let mut request = Request::get(path).header(ACCEPT, "application/json");
    if let Some(tag) = headers.get(IF_NONE_MATCH) {
        request = request.header(IF_NONE_MATCH, tag);
    }
    let request = request.body(kube::client::Body::empty()).map_err(ApiError::internal)?;
    let kube_error = |e: kube::Error| crate::kube::errors::api_error(cluster, &e);
    let response = scope.reader_client().send(request).await.map_err(kube_error)?;
    let (parts, body) = response.into_parts();
    let mut bytes = Vec::new();
    let mut chunks = Body::new(body).into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| ApiError::internal(anyhow::anyhow!("reading {path} of {cluster}: {e}")))?;
        if bytes.len() + chunk.len() > MAX_DOCUMENT {
            return Err(ApiError::new(
                StatusCode::BAD_GATEWAY,
                "openapi_too_large",
                format!("{path} of {cluster} is larger than {MAX_DOCUMENT} bytes"),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    if !matches!(parts.status, StatusCode::OK | StatusCode::NOT_MODIFIED) {
        let status = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            kube::core::Status::failure(&String::from_utf8_lossy(&bytes), "").with_code(parts.status.as_u16())
        });
        return Err(kube_error(kube::Error::Api(Box::new(status))));
    }
    let mut answer = match parts.status {
        StatusCode::OK => ([(CONTENT_TYPE, "application/json")], bytes).into_response(),
        _ => StatusCode::NOT_MODIFIED.into_response(),
    };
    if let Some(tag) = parts.headers.get(ETAG) {
        answer.headers_mut().insert(ETAG, tag.clone());
    }
    // The document may differ by caller on `impersonate` clusters: no shared caches.
    answer
        .headers_mut()
        .insert(CACHE_CONTROL, "private, no-cache".parse().expect("a header value"));
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_paths_are_group_versions() {
        for ok in ["api/v1", "apis/apps/v1", "apis/fleet.example.com/v1alpha1", "version"] {
            assert!(is_document_path(ok), "{ok}");
        }
        for bad in [
            "",
            "apis//v1",
            "../api/v1",
            "apis/../../api/v1/secrets",
            "api/v1?x",
            "api/v1/",
            "api%2Fv1",
        ] {
            assert!(!is_document_path(bad), "{bad}");
        }
    }
}
