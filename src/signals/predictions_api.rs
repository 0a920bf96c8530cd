//! `GET /api/predictions` (and its alias `GET /api/predictive-incidents`, KubeLens's name): the
//! predictions of the leader's latest pass (`evaluator::predictions`) about the clusters and
//! namespaces the caller may see, highest score first.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::evaluator::{PredictionPass, PredictionSource};
use super::predictions::{self, Prediction, PredictionKind};
use super::predictor::FallbackReason;
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::clusters::visibility::Views;
use crate::error::{ApiError, ApiQuery, ApiResult, ErrorBody};
use crate::store::workload_signals::{PREDICTIONS, WorkloadSignalFilter};

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

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PredictionList {
    pub source: PredictionSource,
    /// Why the configured predictor's answer was not used; absent when it was, or when none is
    /// configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<FallbackReason>,
    /// When the leader computed these (every FLEETDECK_PREDICTION_INTERVAL); null before its
    /// first pass.
    #[schema(required = true)]
    pub generated_at: Option<DateTime<Utc>>,
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

async fn answer(state: &AppState, principal: &Principal, q: PredictionsQuery) -> ApiResult<PredictionList> {
    principal.require(Role::Viewer)?;
    let min_score = q.min_score.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&min_score) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "minScore must be between 0 and 1",
        ));
    }
    let filter = WorkloadSignalFilter {
        cluster: q.cluster.as_deref(),
        namespace: q.namespace.as_deref(),
    };
    let mut views = Views::new(state, principal);
    let mut predictions = Vec::new();
    for row in state.store.workload_signals(PREDICTIONS, &filter).await? {
        // Nodes have no namespace: a namespace filter, even an empty one, leaves them out.
        let node = row.namespace.is_empty();
        if (node && q.namespace.is_some()) || !views.shows(&row.cluster, &row.namespace).await {
            continue;
        }
        let list: Vec<Prediction> = serde_json::from_str(&row.body).map_err(ApiError::internal)?;
        predictions.extend(
            list.into_iter()
                .filter(|p| q.kind.is_none_or(|k| k == p.kind) && p.score >= min_score),
        );
    }
    predictions::sort(&mut predictions);
    let pass = state.store.signal_pass(PREDICTIONS).await?;
    let (generated_at, summary) = match pass {
        Some((at, body)) => (Some(at), serde_json::from_str(&body).map_err(ApiError::internal)?),
        None => (
            None,
            PredictionPass {
                source: PredictionSource::Local,
                fallback_reason: None,
            },
        ),
    };
    Ok(PredictionList {
        source: summary.source,
        fallback_reason: summary.fallback_reason,
        generated_at,
        predictions,
    })
}
