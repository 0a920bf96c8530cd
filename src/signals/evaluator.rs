//! The evaluator: on the leader, after the sampler's passes, every workload's SLO (every
//! `FLEETDECK_SLO_INTERVAL`) and rightsizing (every `FLEETDECK_RIGHTSIZING_INTERVAL`) from the
//! stored samples and specs,
//! into `workload_signals`, which `GET /api/slo` and `GET /api/rightsizing` read. Sums over
//! windows are done by the database; what is computed from them is `slo` and `rightsizing` (pure).

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rightsizing::{self, ContainerRightsizing, Policy, Usage};
use super::samples::ContainerSpec;
use super::slo::{self, SloFigures, Totals, WINDOWS};
use crate::AppState;
use crate::store::workload_signals::{WorkloadName, WorkloadSpecRow};

/// `workload_signals.signal` of each result.
pub const SLO: &str = "slo";
pub const RIGHTSIZING: &str = "rightsizing";

/// A workload's SLO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSlo {
    pub cluster: String,
    pub namespace: String,
    pub kind: String,
    pub name: String,
    #[serde(flatten)]
    pub slo: SloFigures,
    /// The newest readiness sample in the period.
    pub last_sample_at: Option<DateTime<Utc>>,
    pub computed_at: DateTime<Utc>,
}

/// A workload's rightsizing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadRightsizing {
    pub cluster: String,
    pub namespace: String,
    pub kind: String,
    pub name: String,
    /// The mean desired replicas over the history, rounded: what savings are counted for.
    pub replicas: i64,
    /// The pod template's containers.
    pub containers: Vec<ContainerRightsizing>,
    /// The containers' monthly savings.
    pub monthly_savings: f64,
    pub computed_at: DateTime<Utc>,
}

fn ago(now: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| now.checked_sub_signed(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn name_of(spec: &WorkloadSpecRow) -> WorkloadName {
    (spec.namespace.clone(), spec.kind.clone(), spec.name.clone())
}

fn containers(spec: &WorkloadSpecRow) -> Vec<ContainerSpec> {
    serde_json::from_str(&spec.containers).unwrap_or_default()
}

/// Computes and stores the SLO of every workload of every cluster at `now`; how many.
pub async fn slos(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let s = state.settings.slo;
    let period_seconds = s.period.as_secs() as i64;
    // The period first, then each window.
    let mut since = vec![ago(now, s.period)];
    since.extend(WINDOWS.iter().map(|w| now - chrono::Duration::seconds(w.seconds)));
    let clusters = state.store.list_clusters().await?;
    let names: Vec<String> = clusters.iter().map(|c| c.name.clone()).collect();
    state.store.retain_workload_signals(&names).await?;
    let mut written = 0;
    for cluster in clusters {
        let totals: HashMap<WorkloadName, _> = state
            .store
            .readiness_totals(&cluster.name, &since)
            .await?
            .into_iter()
            .map(|t| (t.workload.clone(), t))
            .collect();
        let mut rows = Vec::new();
        for spec in state.store.workload_specs(&cluster.name).await? {
            let t = totals.get(&name_of(&spec));
            let sums = |i: usize| {
                t.map(|t| Totals {
                    desired: t.windows[i].desired,
                    ready: t.windows[i].ready,
                })
                .unwrap_or_default()
            };
            let windows: [Totals; WINDOWS.len()] = std::array::from_fn(|i| sums(i + 1));
            let target = slo::target(spec.slo_target.as_deref(), s.target);
            let item = WorkloadSlo {
                cluster: cluster.name.clone(),
                namespace: spec.namespace.clone(),
                kind: spec.kind.clone(),
                name: spec.name.clone(),
                slo: slo::evaluate(target, period_seconds, sums(0), &windows),
                last_sample_at: t.map(|t| t.last_at),
                computed_at: now,
            };
            rows.push((name_of(&spec), serde_json::to_string(&item)?));
        }
        state
            .store
            .replace_workload_signals(&cluster.name, SLO, now, &rows)
            .await?;
        written += rows.len();
    }
    Ok(written)
}

/// Computes and stores the rightsizing of every workload of every cluster at `now`; how many.
pub async fn rightsizing(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let r = state.settings.rightsizing;
    let policy = Policy {
        min_history_seconds: r.min_history.as_secs() as i64,
        cpu_hour: r.cpu_hour,
        memory_gib_hour: r.memory_gib_hour,
    };
    let since = ago(now, r.history);
    let mut written = 0;
    for cluster in state.store.list_clusters().await? {
        let (levels, peaks) = state.store.container_usage(&cluster.name, since).await?;
        let mut usage: HashMap<(WorkloadName, String), Usage> = HashMap::new();
        for l in levels {
            let u = usage.entry((l.workload, l.container)).or_default();
            u.cpu_levels.push((l.millicores, l.samples));
        }
        for p in peaks {
            let u = usage.entry((p.workload, p.container)).or_default();
            u.memory_peak = p.memory_peak;
            u.samples = p.samples;
            u.history_seconds = (p.last_at - p.first_at).num_seconds();
        }
        let replicas: HashMap<WorkloadName, i64> = state
            .store
            .readiness_totals(&cluster.name, &[since])
            .await?
            .into_iter()
            .map(|t| {
                let w = t.windows[0];
                // The mean, rounded half up.
                let mean = match w.samples {
                    0 => 0,
                    n => (2 * w.desired + n) / (2 * n),
                };
                (t.workload, mean)
            })
            .collect();
        let mut rows = Vec::new();
        for spec in state.store.workload_specs(&cluster.name).await? {
            let name = name_of(&spec);
            let replicas = replicas.get(&name).copied().unwrap_or(0);
            let containers: Vec<ContainerRightsizing> = containers(&spec)
                .iter()
                .map(|c| {
                    let u = usage.get(&(name.clone(), c.name.clone()));
                    rightsizing::recommend(c, u, (spec.hpa_cpu, spec.hpa_memory), replicas, &policy)
                })
                .collect();
            let item = WorkloadRightsizing {
                cluster: cluster.name.clone(),
                namespace: spec.namespace.clone(),
                kind: spec.kind.clone(),
                name: spec.name.clone(),
                replicas,
                monthly_savings: containers.iter().map(|c| c.monthly_savings).sum(),
                containers,
                computed_at: now,
            };
            rows.push((name, serde_json::to_string(&item)?));
        }
        state
            .store
            .replace_workload_signals(&cluster.name, RIGHTSIZING, now, &rows)
            .await?;
        written += rows.len();
    }
    Ok(written)
}
