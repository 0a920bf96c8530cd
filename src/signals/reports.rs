//! `GET /api/slo` and `GET /api/rightsizing`: the results the evaluator last stored, of the
//! workloads the caller may see (on `impersonate` clusters, the namespaces where Kubernetes lets
//! them list pods).

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::evaluator::{WorkloadRightsizing, WorkloadSlo};
use super::slo::SloStatus;
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::clusters::visibility::Views;
use crate::error::{ApiQuery, ApiResult, ErrorBody};
use crate::store::workload_signals::{RIGHTSIZING, SLO, WorkloadSignalFilter};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(slo)).routes(routes!(rightsizing))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SloQuery {
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    #[param(inline)]
    pub status: Option<SloStatus>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RightsizingQuery {
    pub cluster: Option<String>,
    pub namespace: Option<String>,
}

/// How many workloads are in each state.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SloSummary {
    pub ok: usize,
    pub ticket: usize,
    pub page: usize,
    pub no_data: usize,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SloList {
    /// By cluster, namespace, kind and name.
    pub workloads: Vec<WorkloadSlo>,
    pub summary: SloSummary,
    /// The oldest computation among those listed (recomputed every `FLEETDECK_SLO_INTERVAL`).
    pub computed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RightsizingList {
    /// By cluster, namespace, kind and name.
    pub workloads: Vec<WorkloadRightsizing>,
    /// Of the workloads listed.
    pub monthly_savings: f64,
    /// The oldest computation among those listed (recomputed every `FLEETDECK_RIGHTSIZING_INTERVAL`).
    pub computed_at: Option<DateTime<Utc>>,
    pub policy: RightsizingPolicy,
}

/// How recommendations are made and priced (`FLEETDECK_RIGHTSIZING_*`, `FLEETDECK_PRICE_*`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RightsizingPolicy {
    pub history_seconds: u64,
    pub min_history_seconds: u64,
    pub cpu_hour_price: f64,
    pub memory_gib_hour_price: f64,
}

/// The stored results of `signal` the caller may see, as `T`.
async fn visible<T: DeserializeOwned>(
    state: &AppState,
    principal: &Principal,
    signal: &str,
    cluster: Option<&str>,
    namespace: Option<&str>,
) -> ApiResult<(Vec<T>, Option<DateTime<Utc>>)> {
    let rows = state
        .store
        .workload_signals(signal, &WorkloadSignalFilter { cluster, namespace })
        .await?;
    let mut views = Views::new(state, principal);
    let mut items = Vec::with_capacity(rows.len());
    let mut oldest: Option<DateTime<Utc>> = None;
    for row in rows {
        if !views.shows(&row.cluster, &row.namespace).await {
            continue;
        }
        // A body an older version wrote in another shape is skipped until recomputed.
        let Ok(item) = serde_json::from_str(&row.body) else {
            continue;
        };
        oldest = Some(oldest.map_or(row.computed_at, |o| o.min(row.computed_at)));
        items.push(item);
    }
    Ok((items, oldest))
}

/// Every workload's SLO: availability, error budget and burn rates over the multiwindow rules
/// (viewer).
#[utoipa::path(get, path = "/api/slo", tag = "signals", params(SloQuery),
    responses((status = 200, body = SloList),
        (status = 400, description = "`invalid_query`: an unknown parameter or status", body = ErrorBody),
        (status = 401, body = ErrorBody)))]
async fn slo(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<SloQuery>,
) -> ApiResult<Json<SloList>> {
    principal.require(Role::Viewer)?;
    let (all, computed_at): (Vec<WorkloadSlo>, _) =
        visible(&state, &principal, SLO, q.cluster.as_deref(), q.namespace.as_deref()).await?;
    let mut summary = SloSummary::default();
    for w in &all {
        *match w.slo.status {
            SloStatus::Ok => &mut summary.ok,
            SloStatus::Ticket => &mut summary.ticket,
            SloStatus::Page => &mut summary.page,
            SloStatus::NoData => &mut summary.no_data,
        } += 1;
    }
    let workloads = all
        .into_iter()
        .filter(|w| q.status.is_none_or(|s| w.slo.status == s))
        .collect();
    Ok(Json(SloList {
        workloads,
        summary,
        computed_at,
    }))
}

/// Every workload's rightsizing: per container the recommended requests and limits, why, and
/// the monthly savings (viewer).
#[utoipa::path(get, path = "/api/rightsizing", tag = "signals", params(RightsizingQuery),
    responses((status = 200, body = RightsizingList),
        (status = 400, description = "`invalid_query`: an unknown parameter", body = ErrorBody),
        (status = 401, body = ErrorBody)))]
async fn rightsizing(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<RightsizingQuery>,
) -> ApiResult<Json<RightsizingList>> {
    principal.require(Role::Viewer)?;
    let (workloads, computed_at): (Vec<WorkloadRightsizing>, _) = visible(
        &state,
        &principal,
        RIGHTSIZING,
        q.cluster.as_deref(),
        q.namespace.as_deref(),
    )
    .await?;
    let r = state.settings.rightsizing;
    Ok(Json(RightsizingList {
        monthly_savings: workloads.iter().map(|w| w.monthly_savings).sum(),
        workloads,
        computed_at,
        policy: RightsizingPolicy {
            history_seconds: r.history.as_secs(),
            min_history_seconds: r.min_history.as_secs(),
            cpu_hour_price: r.cpu_hour,
            memory_gib_hour_price: r.memory_gib_hour,
        },
    }))
}
