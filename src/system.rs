//! System endpoints: liveness, readiness, version and metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(version))
        .routes(routes!(metrics))
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "system", security(()), responses((status = 200, body = String, content_type = "text/plain")))]
async fn healthz() -> &'static str {
    "ok"
}

#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// `ready`
    pub status: String,
}

/// Readiness: the store answers.
#[utoipa::path(get, path = "/readyz", tag = "system", security(()), responses((status = 200, body = Ready), (status = 503, body = ErrorBody)))]
async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Ready>> {
    state
        .store
        .check_ready()
        .await
        .map(|()| Json(Ready { status: "ready".into() }))
        .map_err(|reason| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", reason))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    pub service: String,
    pub version: String,
    pub git_commit: String,
    pub build_date: String,
}

/// The build of this server.
#[utoipa::path(get, path = "/version", tag = "system", security(()), responses((status = 200, body = VersionInfo)))]
async fn version() -> Json<VersionInfo> {
    Json(VersionInfo {
        service: "fleetdeck".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        git_commit: env!("FLEETDECK_GIT_COMMIT").into(),
        build_date: env!("FLEETDECK_BUILD_DATE").into(),
    })
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "system", security(()), responses((status = 200, body = String, content_type = "text/plain; version=0.0.4")))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    state.caches.observe();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(&state.store),
    )
}
