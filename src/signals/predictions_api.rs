//! `GET /api/predictions` (and its alias `GET /api/predictive-incidents`, KubeLens's name): the
//! local model's predictions (`predictions`) over the stored samples of the clusters and
//! namespaces the caller may see, or the external predictor's (`predictor`) when one is
//! configured and answers, highest score first.

use std::collections::HashMap;
use std::time::Instant;

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::predictions::{self, PVC_WINDOW_SECONDS, Prediction, PredictionKind, Samples, Series, WINDOW_SECONDS};
use super::predictor::{self, Endpoint, FallbackReason};
use super::samples::ContainerSpec;
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::clusters::visibility::Views;
use crate::error::{ApiError, ApiQuery, ApiResult, ErrorBody};
use crate::store::samples::{CONTAINER_SAMPLES, NODE_SAMPLES, VOLUME_SAMPLES, WORKLOAD_SAMPLES};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(predictions))
        .routes(routes!(predictive_incidents))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct PredictionsQuery {
    pub cluster: Option<String>,
    /// Only objects in this namespace (nodes have none, so none are listed).
    pub namespace: Option<String>,
    #[param(inline)]
    pub kind: Option<PredictionKind>,
    /// 0 to 1: only predictions scoring at least this.
    pub min_score: Option<f64>,
}

/// Whose predictions these are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PredictionSource {
    /// The external predictor (FLEETDECK_PREDICTOR_URL) answered.
    External,
    /// Fleetdeck's own model: no predictor is configured, or it failed (`fallbackReason`).
    Local,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PredictionList {
    pub source: PredictionSource,
    /// Why the configured predictor's answer was not used; absent when it was, or when none is
    /// configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<FallbackReason>,
    pub generated_at: DateTime<Utc>,
    /// Highest score first.
    pub predictions: Vec<Prediction>,
}

/// Predicted trouble: restart rates rising, memory nearing its limit, volumes filling, node
/// pressure building (viewer).
#[utoipa::path(get, path = "/api/predictions", tag = "signals", params(PredictionsQuery),
    responses((status = 200, body = PredictionList),
        (status = 400, description = "`invalid_query`: an unknown parameter or kind, or a minScore outside 0..1", body = ErrorBody),
        (status = 401, body = ErrorBody)))]
async fn predictions(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<PredictionsQuery>,
) -> ApiResult<Json<PredictionList>> {
    answer(&state, &principal, q).await.map(Json)
}

/// The same as `GET /api/predictions` under KubeLens's name (viewer).
#[utoipa::path(get, path = "/api/predictive-incidents", tag = "signals", params(PredictionsQuery),
    responses((status = 200, body = PredictionList),
        (status = 400, description = "`invalid_query`: an unknown parameter or kind, or a minScore outside 0..1", body = ErrorBody),
        (status = 401, body = ErrorBody)))]
async fn predictive_incidents(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<PredictionsQuery>,
) -> ApiResult<Json<PredictionList>> {
    answer(&state, &principal, q).await.map(Json)
}

/// Memory limits by (cluster, namespace, kind, name, container), from the workloads' specs as
/// the sampler last recorded them; a container without a limit is not modelled.
async fn memory_limits(state: &AppState, cluster: &str) -> ApiResult<HashMap<[String; 5], i64>> {
    let mut limits = HashMap::new();
    for spec in state.store.workload_specs(cluster).await? {
        let containers: Vec<ContainerSpec> = serde_json::from_str(&spec.containers).unwrap_or_default();
        for c in containers {
            if let Some(limit) = c.memory_limit {
                let key = [
                    cluster.to_string(),
                    spec.namespace.clone(),
                    spec.kind.clone(),
                    spec.name.clone(),
                    c.name,
                ];
                limits.insert(key, limit);
            }
        }
    }
    Ok(limits)
}

/// The series of the clusters and namespaces the caller may see that the filters select.
async fn visible_series(
    state: &AppState,
    principal: &Principal,
    q: &PredictionsQuery,
    now: DateTime<Utc>,
) -> ApiResult<Vec<Series>> {
    let since = |seconds: i64| now - TimeDelta::seconds(seconds);
    let mut views = Views::new(state, principal);
    let mut out = Vec::new();
    for cluster in state.store.list_clusters().await? {
        if q.cluster.as_deref().is_some_and(|c| c != cluster.name) {
            continue;
        }
        let name = cluster.name.as_str();
        let store = &state.store;
        // Each read folded into 5-minute buckets by the database (the model folds by maximum).
        let wanted = |k: PredictionKind| q.kind.is_none_or(|want| want == k);
        let read = |table, window, kind| async move {
            match wanted(kind) {
                true => store.bucket_maxima(table, name, since(window)).await,
                false => Ok(Vec::new()),
            }
        };
        let limits = memory_limits(state, name).await?;
        let workloads = read(&WORKLOAD_SAMPLES, WINDOW_SECONDS, PredictionKind::RestartRateRising).await?;
        let containers = match limits.is_empty() {
            true => Vec::new(),
            false => read(&CONTAINER_SAMPLES, WINDOW_SECONDS, PredictionKind::MemoryNearLimit).await?,
        };
        let nodes = read(&NODE_SAMPLES, WINDOW_SECONDS, PredictionKind::NodePressure).await?;
        let volumes = read(&VOLUME_SAMPLES, PVC_WINDOW_SECONDS, PredictionKind::PvcFilling).await?;
        let samples = Samples {
            workloads: &workloads,
            containers: &containers,
            nodes: &nodes,
            volumes: &volumes,
            memory_limits: &limits,
        };
        for s in predictions::series(&samples, now) {
            let namespace = s.object.namespace.as_deref();
            if q.kind.is_some_and(|k| k != s.kind)
                || q.namespace.as_deref().is_some_and(|ns| namespace != Some(ns))
                || !views.shows(&s.object.cluster, namespace.unwrap_or_default()).await
            {
                continue;
            }
            out.push(s);
        }
    }
    Ok(out)
}

async fn answer(state: &AppState, principal: &Principal, q: PredictionsQuery) -> ApiResult<PredictionList> {
    principal.require(Role::Viewer)?;
    let min_score = q.min_score.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&min_score) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "minScore must be between 0 and 1",
        ));
    }
    let started = Instant::now();
    let now = crate::store::now();
    let series = visible_series(state, principal, &q, now).await?;
    let (source, fallback_reason, mut predictions) = match &state.settings.predictor {
        None => (PredictionSource::Local, None, predictions::predict_all(&series)),
        Some(p) => {
            let endpoint = Endpoint {
                url: &p.url,
                secret: &p.secret.0,
                timeout: p.timeout,
            };
            match predictor::ask(&endpoint, &state.settings.outbound_allow_cidrs, now, &series).await {
                Ok(predicted) => (PredictionSource::External, None, predicted),
                Err(failure) => {
                    tracing::warn!(
                        reason = failure.reason(),
                        "predictions: the external predictor's answer is not used; the local model answers"
                    );
                    (
                        PredictionSource::Local,
                        Some(failure),
                        predictions::predict_all(&series),
                    )
                }
            }
        }
    };
    predictions.retain(|p| p.score >= min_score);
    predictions::sort(&mut predictions);
    tracing::debug!(
        series = series.len(),
        predictions = predictions.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "predictions: answered"
    );
    Ok(PredictionList {
        source,
        fallback_reason,
        generated_at: now,
        predictions,
    })
}
