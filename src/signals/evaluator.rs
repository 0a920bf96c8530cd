//! The evaluator: on the leader, after the sampler's passes, every workload's SLO (every
//! `FLEETDECK_SLO_INTERVAL`), rightsizing (every `FLEETDECK_RIGHTSIZING_INTERVAL`) and the
//! predictions (every `FLEETDECK_PREDICTION_INTERVAL`) from the stored samples and specs, into
//! `workload_signals`, which `GET /api/slo`, `/api/rightsizing` and `/api/predictions` read.
//! Sums and buckets over windows are done by the database — or, for SLOs and rightsizing when
//! `FLEETDECK_PROMETHEUS_URL` is set, by Prometheus over kube-state-metrics and cAdvisor series;
//! what is computed from them is `slo`, `rightsizing` and `predictions` (pure), or the external
//! predictor's answer.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::predictions::{self, PVC_WINDOW_SECONDS, Prediction, Samples, Series, WINDOW_SECONDS};
use super::predictor::{self, Endpoint, FallbackReason};
use super::prometheus::{self, Prometheus};
use super::rightsizing::{self, ContainerRightsizing, Policy, Usage};
use super::samples::ContainerSpec;
use super::slo::{self, SloFigures, Totals, WINDOWS};
use crate::AppState;
use crate::store::samples::{CONTAINER_SAMPLES, NODE_SAMPLES, VOLUME_SAMPLES, WORKLOAD_SAMPLES};
use crate::store::workload_signals::{
    ContainerPeak, CpuLevel, PREDICTIONS, RIGHTSIZING, ReadinessTotals, Replace, SLO, SignalRow, WorkloadName,
    WorkloadSpecRow,
};

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

/// Where SLOs and rightsizing read availability and usage: Prometheus when one is configured,
/// else the stored samples. A pass reads every cluster's before it writes anything, so a failed
/// read (Prometheus down) leaves the previous results whole.
enum Source {
    Store,
    Prometheus(Prometheus),
}

impl Source {
    fn of(state: &AppState) -> anyhow::Result<Source> {
        Ok(match &state.settings.prometheus {
            None => Source::Store,
            Some(p) => {
                let endpoint = prometheus::Endpoint {
                    url: &p.url,
                    token: p.token.as_ref().map(|t| t.0.as_str()),
                    cluster_label: &p.cluster_label,
                    timeout: p.timeout,
                };
                Source::Prometheus(Prometheus::new(&endpoint, &state.settings.outbound_allow_cidrs)?)
            }
        })
    }

    /// Per cluster, its workloads' readiness sums since each of `since`.
    async fn readiness_totals(
        &self,
        state: &AppState,
        clusters: &[String],
        now: DateTime<Utc>,
        since: &[DateTime<Utc>],
    ) -> anyhow::Result<HashMap<String, Vec<ReadinessTotals>>> {
        match self {
            Source::Store => {
                let mut totals = HashMap::new();
                for cluster in clusters {
                    totals.insert(cluster.clone(), state.store.readiness_totals(cluster, since).await?);
                }
                Ok(totals)
            }
            Source::Prometheus(p) => {
                let ranges: Vec<i64> = since.iter().map(|s| (now - *s).num_seconds()).collect();
                Ok(p.readiness_totals(now, &ranges).await?)
            }
        }
    }

    /// Per cluster, its containers' CPU levels and memory peaks since `since`.
    async fn container_usage(
        &self,
        state: &AppState,
        clusters: &[String],
        now: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> anyhow::Result<HashMap<String, (Vec<CpuLevel>, Vec<ContainerPeak>)>> {
        match self {
            Source::Store => {
                let mut usage = HashMap::new();
                for cluster in clusters {
                    usage.insert(cluster.clone(), state.store.container_usage(cluster, since).await?);
                }
                Ok(usage)
            }
            Source::Prometheus(p) => Ok(p.container_usage(now, (now - since).num_seconds()).await?),
        }
    }
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
    let mut readiness = Source::of(state)?.readiness_totals(state, &names, now, &since).await?;
    state.store.retain_workload_signals(&names).await?;
    let mut written = 0;
    for cluster in clusters {
        let totals: HashMap<WorkloadName, _> = readiness
            .remove(&cluster.name)
            .unwrap_or_default()
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
                last_sample_at: t.and_then(|t| t.last_at),
                computed_at: now,
            };
            rows.push((cluster.name.clone(), name_of(&spec), serde_json::to_string(&item)?));
        }
        state
            .store
            .replace_workload_signals(SLO, now, Replace::Cluster(&cluster.name), &rows)
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
    let clusters = state.store.list_clusters().await?;
    let names: Vec<String> = clusters.iter().map(|c| c.name.clone()).collect();
    let source = Source::of(state)?;
    let mut usage_of = source.container_usage(state, &names, now, since).await?;
    let mut readiness = source.readiness_totals(state, &names, now, &[since]).await?;
    let mut written = 0;
    for cluster in clusters {
        let (levels, peaks) = usage_of.remove(&cluster.name).unwrap_or_default();
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
        let replicas: HashMap<WorkloadName, i64> = readiness
            .remove(&cluster.name)
            .unwrap_or_default()
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
            rows.push((cluster.name.clone(), name, serde_json::to_string(&item)?));
        }
        state
            .store
            .replace_workload_signals(RIGHTSIZING, now, Replace::Cluster(&cluster.name), &rows)
            .await?;
        written += rows.len();
    }
    Ok(written)
}

/// Who made the predictions of a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PredictionSource {
    /// The external predictor (FLEETDECK_PREDICTOR_URL) answered.
    External,
    /// Fleetdeck's own model: no predictor is configured, or it failed (`fallbackReason`).
    Local,
}

/// The summary of the latest prediction pass (`signal_passes.body`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PredictionPass {
    pub source: PredictionSource,
    pub fallback_reason: Option<FallbackReason>,
}

/// Memory limits by (cluster, namespace, kind, name, container), from the workloads' specs as
/// the sampler last recorded them; a container without a limit is not modelled.
async fn memory_limits(state: &AppState, cluster: &str) -> anyhow::Result<HashMap<[String; 5], i64>> {
    let mut limits = HashMap::new();
    for spec in state.store.workload_specs(cluster).await? {
        for c in containers(&spec) {
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

/// Every series the rules model of `cluster` at `now`, from its samples folded into 5-minute
/// buckets by the database (by maximum, as the model folds).
async fn cluster_series(state: &AppState, cluster: &str, now: DateTime<Utc>) -> anyhow::Result<Vec<Series>> {
    let since = |seconds: i64| now - chrono::Duration::seconds(seconds);
    let store = &state.store;
    let limits = memory_limits(state, cluster).await?;
    let workloads = store
        .bucket_maxima(&WORKLOAD_SAMPLES, cluster, since(WINDOW_SECONDS))
        .await?;
    let containers = match limits.is_empty() {
        true => Vec::new(),
        false => {
            store
                .bucket_maxima(&CONTAINER_SAMPLES, cluster, since(WINDOW_SECONDS))
                .await?
        }
    };
    let nodes = store
        .bucket_maxima(&NODE_SAMPLES, cluster, since(WINDOW_SECONDS))
        .await?;
    let volumes = store
        .bucket_maxima(&VOLUME_SAMPLES, cluster, since(PVC_WINDOW_SECONDS))
        .await?;
    let samples = Samples {
        workloads: &workloads,
        containers: &containers,
        nodes: &nodes,
        volumes: &volumes,
        memory_limits: &limits,
    };
    Ok(predictions::series(&samples, now))
}

/// Computes and stores the predictions of every cluster at `now` — the external predictor's when
/// one is configured and answers, else the local model's — and the pass's summary; how many.
pub async fn predictions(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let mut series = Vec::new();
    for cluster in state.store.list_clusters().await? {
        series.extend(cluster_series(state, &cluster.name, now).await?);
    }
    let (pass, predicted) = match &state.settings.predictor {
        None => (local(None), predictions::predict_all(&series)),
        Some(p) => {
            let endpoint = Endpoint {
                url: &p.url,
                secret: &p.secret.0,
                timeout: p.timeout,
            };
            match predictor::ask(&endpoint, &state.settings.outbound_allow_cidrs, now, &series).await {
                Ok(predicted) => (
                    PredictionPass {
                        source: PredictionSource::External,
                        fallback_reason: None,
                    },
                    predicted,
                ),
                Err(failure) => {
                    tracing::warn!(
                        reason = failure.reason(),
                        "predictions: the external predictor's answer is not used; the local model's is"
                    );
                    (local(Some(failure)), predictions::predict_all(&series))
                }
            }
        }
    };
    let rows = by_object(predicted)?;
    state
        .store
        .replace_workload_signals(
            PREDICTIONS,
            now,
            Replace::Every {
                pass: &serde_json::to_string(&pass)?,
            },
            &rows,
        )
        .await?;
    Ok(rows.len())
}

fn local(fallback_reason: Option<FallbackReason>) -> PredictionPass {
    PredictionPass {
        source: PredictionSource::Local,
        fallback_reason,
    }
}

/// One row per object (a workload's containers are one object), its predictions as JSON.
fn by_object(predicted: Vec<Prediction>) -> serde_json::Result<Vec<SignalRow>> {
    let mut objects: std::collections::BTreeMap<(String, WorkloadName), Vec<Prediction>> = Default::default();
    for p in predicted {
        let o = &p.object;
        let key = (
            o.cluster.clone(),
            (o.namespace.clone().unwrap_or_default(), o.kind.clone(), o.name.clone()),
        );
        objects.entry(key).or_default().push(p);
    }
    objects
        .into_iter()
        .map(|((cluster, name), list)| Ok((cluster, name, serde_json::to_string(&list)?)))
        .collect()
}
