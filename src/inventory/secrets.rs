//! Secret values are redacted in every read (the caches drop them before storing); one value is
//! revealed on purpose, to a user allowed to get the Secret, and leaves a `secret_reveal` audit
//! row naming the key, never the value. The Secret is read live as the caller on `impersonate`
//! clusters, so RBAC decides there; in `shared` mode revealing needs the operator role.

use axum::Json;
use axum::extract::State;
use axum::http::Method;
use axum::http::header::CACHE_CONTROL;
use base64::Engine;
use k8s_openapi::api::core::v1::Secret;
use kube::api::Api;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role};
use crate::clusters::actions::{kube_error, note};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiPath, ApiResult, ErrorBody};

const AUDITED: &[AuditedRoute] = &[AuditedRoute::new(
    Method::GET,
    "/api/clusters/{cluster}/secrets/{namespace}/{name}/data/{key}",
    "secret_reveal",
    "secret",
)];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new().routes(routes!(reveal)),
        audited: AUDITED,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SecretValue {
    pub key: String,
    /// The decoded value: text when it is UTF-8, else base64 (see `encoding`).
    pub value: String,
    /// `utf-8` or `base64`.
    pub encoding: String,
}

/// The value as text when it is UTF-8, else as base64.
fn decoded(bytes: Vec<u8>) -> (String, &'static str) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, "utf-8"),
        Err(e) => (
            base64::engine::general_purpose::STANDARD.encode(e.into_bytes()),
            "base64",
        ),
    }
}

/// One decoded value of a Secret (Periscope's path), read live as the caller; audited as
/// `secret_reveal` (viewer with RBAC `get` on the Secret on `impersonate` clusters; operator on
/// `shared` ones). Never cached by the browser.
#[utoipa::path(get, path = "/api/clusters/{cluster}/secrets/{namespace}/{name}/data/{key}", tag = "inventory",
    params(("cluster" = String, Path), ("namespace" = String, Path), ("name" = String, Path), ("key" = String, Path)),
    responses((status = 200, body = SecretValue),
        (status = 404, description = "no such Secret, or `key_not_found`", body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn reveal(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((cluster, namespace, name, key)): ApiPath<(String, String, String, String)>,
) -> ApiResult<(
    AuditNote,
    [(axum::http::HeaderName, &'static str); 1],
    Json<SecretValue>,
)> {
    let audit = note(&cluster, Some(&namespace), &name, format!("key={key}"));
    let fail = |e: ApiError| e.with_audit(audit.clone());
    principal.require(Role::Viewer).map_err(fail)?;
    let scope = ClusterScope::open(&state, &principal, &cluster).await.map_err(fail)?;
    if !scope.acts_as_caller() {
        principal.require(Role::Operator).map_err(fail)?;
    }
    if ![&namespace, &name].into_iter().all(|n| crate::names::is_object_name(n)) {
        return Err(fail(ApiError::not_found(format!(
            "no secret {name} in namespace {namespace}"
        ))));
    }
    let secret = Api::<Secret>::namespaced(scope.reader_client(), &namespace)
        .get(&name)
        .await
        .map_err(|e| fail(kube_error(&cluster)(e)))?;
    let bytes = secret
        .data
        .and_then(|mut d| d.remove(&key))
        .map(|b| b.0)
        .or_else(|| {
            secret
                .string_data
                .and_then(|mut d| d.remove(&key))
                .map(String::into_bytes)
        })
        .ok_or_else(|| {
            fail(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "key_not_found",
                format!("secret {name} has no key {key:?}"),
            ))
        })?;
    let (value, encoding) = decoded(bytes);
    Ok((
        audit,
        [(CACHE_CONTROL, "no-store")],
        Json(SecretValue {
            key,
            value,
            encoding: encoding.into(),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_text_when_they_can_be() {
        assert_eq!(decoded(b"hunter2".to_vec()), ("hunter2".to_string(), "utf-8"));
        assert_eq!(decoded(vec![0xff, 0x00]), ("/wA=".to_string(), "base64"));
    }
}
