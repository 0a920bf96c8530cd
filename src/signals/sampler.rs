//! The sampler: on the leader, every `FLEETDECK_SAMPLE_INTERVAL`, one pass over each cluster
//! records its workloads' readiness and restarts (from the shared watch caches), its containers'
//! and nodes' usage (one list each of metrics.k8s.io's PodMetrics and NodeMetrics, as
//! Fleetdeck), its PersistentVolumeClaims' volumes (each node's kubelet stats/summary through
//! the apiserver's node proxy), and what changed of its nodes and of its workloads' specs. Every
//! few minutes it folds raw samples older than `FLEETDECK_SAMPLES_RAW_RETENTION` into 5-minute
//! buckets and drops what is past retention; then the evaluator computes SLOs, rightsizing and
//! predictions when they are due.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use kube::api::DynamicObject;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use super::evaluator;
use super::node_history::{self, NodeState, NodeStatus};
use super::samples::{self, MetricsList, Observed, Pass, WorkloadSpec};
use crate::AppState;
use crate::clusters::clients::own_access;
use crate::kube::cache::Source;
use crate::kube::discovery::ResourceInfo;
use crate::kube::leader::Leadership;
use crate::store::clusters::ClusterRow;
use crate::store::samples::{NodeEventRow, SAMPLE_TABLES, SampleRow, SamplesWrite};
use crate::store::workload_signals::{WorkloadName, WorkloadSpecRow};

/// How often raw samples are folded and old ones dropped.
const MAINTAIN_EVERY: Duration = Duration::from_secs(300);
/// Clusters sampled at once.
const CLUSTERS_AT_ONCE: usize = 8;

/// Samples while this replica leads, until the runtime stops.
pub fn spawn(state: AppState, mut leadership: Leadership) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(state.settings.sample_interval);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        // When each periodic job last started.
        let (mut maintained, mut evaluated, mut rightsized, mut predicted) = (None, None, None, None);
        loop {
            if !leadership.is_leader() {
                (maintained, evaluated, rightsized, predicted) = (None, None, None, None);
                if leadership.changed().await.is_none() {
                    return;
                }
                continue;
            }
            tick.tick().await;
            for (cluster, outcome) in sample_all(&state, crate::store::now()).await {
                if let Err(e) = outcome {
                    tracing::warn!(cluster, error = format!("{e:#}"), "signals: sampling failed");
                }
            }
            let settings = &state.settings;
            if due(&mut maintained, MAINTAIN_EVERY)
                && let Err(e) = maintain(&state, crate::store::now()).await
            {
                tracing::warn!(error = %e, "signals: folding or pruning samples failed");
            }
            if due(&mut evaluated, settings.slo.interval)
                && let Err(e) = evaluator::slos(&state, crate::store::now()).await
            {
                tracing::warn!(error = format!("{e:#}"), "signals: computing SLOs failed");
            }
            if due(&mut rightsized, settings.rightsizing.interval)
                && let Err(e) = evaluator::rightsizing(&state, crate::store::now()).await
            {
                tracing::warn!(error = format!("{e:#}"), "signals: computing rightsizing failed");
            }
            if due(&mut predicted, settings.prediction_interval)
                && let Err(e) = evaluator::predictions(&state, crate::store::now()).await
            {
                tracing::warn!(error = format!("{e:#}"), "signals: computing predictions failed");
            }
        }
    })
}

/// Whether a job last started at `last` is due again after `every`; if so, it starts now.
fn due(last: &mut Option<Instant>, every: Duration) -> bool {
    if last.is_some_and(|at| at.elapsed() < every) {
        return false;
    }
    *last = Some(Instant::now());
    true
}

/// How much one pass recorded.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub workloads: usize,
    pub containers: usize,
    pub nodes: usize,
    pub node_events: usize,
    pub volumes: usize,
}

/// One pass over every cluster at `at`, a few clusters at once; each cluster's outcome.
pub async fn sample_all(state: &AppState, at: DateTime<Utc>) -> Vec<(String, anyhow::Result<Counts>)> {
    let clusters = match state.store.list_clusters().await {
        Ok(c) => c,
        Err(e) => return vec![(String::new(), Err(e.into()))],
    };
    futures::stream::iter(clusters)
        .map(|c| async move {
            let outcome = sample_cluster(state, &c, at).await;
            (c.name, outcome)
        })
        .buffer_unordered(CLUSTERS_AT_ONCE)
        .collect()
        .await
}

/// The resources a pass reads from the caches, by (group, kind).
const READ: &[(&str, &str)] = &[
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("apps", "ReplicaSet"),
    ("", "Pod"),
    ("", "Node"),
    ("autoscaling", "HorizontalPodAutoscaler"),
];

const METRICS_GROUP: &str = "metrics.k8s.io";

/// One pass over `cluster` at `at`: reads, computes and writes its samples in one transaction.
pub async fn sample_cluster(state: &AppState, cluster: &ClusterRow, at: DateTime<Utc>) -> anyhow::Result<Counts> {
    let (connection, client) = own_access(state, cluster)
        .await
        .map_err(|e| anyhow!("no client: {e:?}"))?;
    let source = Source {
        cluster: &cluster.name,
        connection: &connection,
        client: client.clone(),
    };
    let served = state.caches.discovery(&source).await.map_err(|e| anyhow!(e.message))?;
    // The usage lists are read while the caches are.
    let metrics_lists = async {
        match served.iter().find(|r| r.group == METRICS_GROUP && r.preferred) {
            Some(info) => {
                let (pods, nodes) = tokio::join!(metrics(&client, info, "pods"), metrics(&client, info, "nodes"));
                anyhow::Ok((pods.context("PodMetrics")?, nodes.context("NodeMetrics")?))
            }
            None => Ok((Vec::new(), Vec::new())),
        }
    };
    let cached = async {
        let mut objects: HashMap<&str, Vec<Arc<DynamicObject>>> = HashMap::new();
        for (group, kind) in READ {
            let Some(info) = served
                .iter()
                .find(|r| r.preferred && r.group == *group && r.kind == *kind && r.can("list") && r.can("watch"))
            else {
                continue;
            };
            // A kind that cannot be read is left out; without nodes, node history waits.
            match state.caches.get(&source, info).await {
                Ok(cache) => {
                    objects.insert(*kind, cache.objects());
                }
                Err(e) => tracing::debug!(
                    cluster = cluster.name,
                    resource = info.path(),
                    error = e.message,
                    "signals: skipped"
                ),
            }
        }
        objects
    };
    let (objects, lists) = tokio::join!(cached, metrics_lists);
    let (pod_metrics, node_metrics) = lists?;
    let of = |kind: &str| {
        objects
            .get(kind)
            .map(|v| v.iter().map(Arc::as_ref).collect())
            .unwrap_or_default()
    };
    let mut observed = Observed {
        replica_sets: of("ReplicaSet"),
        pods: of("Pod"),
        nodes: of("Node"),
        autoscalers: of("HorizontalPodAutoscaler"),
        pod_metrics: &pod_metrics,
        node_metrics: &node_metrics,
        ..Observed::default()
    };
    for kind in samples::WORKLOAD_KINDS {
        for o in objects.get(kind).into_iter().flatten() {
            observed.workloads.push((kind, o.as_ref()));
        }
    }
    let pass = samples::pass(&observed);
    let mut write = rows(&cluster.name, at, &pass);
    let summaries = summaries(&client, &cluster.name, &samples::nodes_with_claims(&observed.pods)).await;
    write.volumes = samples::volumes(&summaries)
        .into_iter()
        .map(|v| SampleRow {
            key: vec![cluster.name.clone(), v.namespace, v.pvc],
            at,
            samples: 1,
            values: vec![v.used_bytes, v.capacity_bytes],
        })
        .collect();
    if objects.contains_key("Node") {
        node_changes(state, &cluster.name, at, &observed.nodes, &mut write).await?;
    }
    // Specs of kinds that could not be read are kept as they were.
    if samples::WORKLOAD_KINDS.iter().all(|k| objects.contains_key(k)) {
        spec_changes(state, &cluster.name, &pass.specs, &mut write).await?;
    }
    let counts = Counts {
        workloads: write.workloads.len(),
        containers: write.containers.len(),
        nodes: write.nodes.len(),
        node_events: write.node_events.len(),
        volumes: write.volumes.len(),
    };
    state.store.write_samples(&cluster.name, &write).await?;
    Ok(counts)
}

/// The items of a metrics.k8s.io list (`pods` or `nodes`), as Fleetdeck.
async fn metrics<T: DeserializeOwned>(
    client: &kube::Client,
    info: &ResourceInfo,
    resource: &str,
) -> anyhow::Result<Vec<T>> {
    let request =
        axum::http::Request::get(format!("/apis/{METRICS_GROUP}/{}/{resource}", info.version)).body(Vec::new())?;
    let list: MetricsList<T> = client.request(request).await?;
    Ok(list.items)
}

/// Nodes whose kubelet summary is read at once.
const SUMMARIES_AT_ONCE: usize = 8;

/// The kubelets' stats/summary of `nodes`, through the apiserver's node proxy (what
/// `kubectl get --raw /api/v1/nodes/{node}/proxy/stats/summary` shows). A node whose summary
/// cannot be read (its kubelet down, RBAC without `nodes/proxy`) is left out of the pass.
async fn summaries(client: &kube::Client, cluster: &str, nodes: &[&str]) -> Vec<Value> {
    let names: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
    futures::stream::iter(names)
        .map(|node| async move {
            let outcome = async {
                let path = format!("/api/v1/nodes/{node}/proxy/stats/summary");
                let request = axum::http::Request::get(path).body(Vec::new())?;
                anyhow::Ok(client.request::<Value>(request).await?)
            }
            .await;
            match outcome {
                Ok(summary) => Some(summary),
                Err(e) => {
                    tracing::debug!(cluster, node, error = format!("{e:#}"), "signals: no kubelet summary");
                    None
                }
            }
        })
        .buffer_unordered(SUMMARIES_AT_ONCE)
        .filter_map(std::future::ready)
        .collect()
        .await
}

/// The store's rows of a pass.
fn rows(cluster: &str, at: DateTime<Utc>, pass: &Pass) -> SamplesWrite {
    let row = |key: Vec<String>, values: Vec<i64>| SampleRow {
        key,
        at,
        samples: 1,
        values,
    };
    let workload =
        |k: &samples::WorkloadKey| vec![cluster.to_string(), k.namespace.clone(), k.kind.clone(), k.name.clone()];
    SamplesWrite {
        at,
        workloads: pass
            .workloads
            .iter()
            .map(|w| row(workload(&w.key), vec![w.desired, w.ready, w.restarts]))
            .collect(),
        containers: pass
            .containers
            .iter()
            .map(|c| {
                let mut key = workload(&c.key);
                key.push(c.container.clone());
                row(key, vec![c.cpu_millicores, c.cpu_millicores, c.memory_bytes])
            })
            .collect(),
        nodes: pass
            .nodes
            .iter()
            .map(|n| {
                let values = vec![
                    n.cpu_millicores,
                    n.cpu_millicores,
                    n.memory_bytes,
                    n.cpu_allocatable,
                    n.memory_allocatable,
                ];
                row(vec![cluster.to_string(), n.node.clone()], values)
            })
            .collect(),
        volumes: Vec::new(),
        node_events: Vec::new(),
        node_states: Vec::new(),
        nodes_gone: Vec::new(),
        specs: Vec::new(),
        specs_gone: Vec::new(),
    }
}

fn spec_row(spec: &WorkloadSpec) -> WorkloadSpecRow {
    WorkloadSpecRow {
        namespace: spec.key.namespace.clone(),
        kind: spec.key.kind.clone(),
        name: spec.key.name.clone(),
        slo_target: spec.slo_target.clone(),
        hpa_cpu: spec.hpa_cpu,
        hpa_memory: spec.hpa_memory,
        containers: serde_json::to_string(&spec.containers).unwrap_or_else(|_| "[]".into()),
    }
}

/// Adds to `write` the workload specs that differ from those recorded, and the workloads gone.
async fn spec_changes(
    state: &AppState,
    cluster: &str,
    specs: &[WorkloadSpec],
    write: &mut SamplesWrite,
) -> anyhow::Result<()> {
    let name = |r: &WorkloadSpecRow| (r.namespace.clone(), r.kind.clone(), r.name.clone());
    let before: HashMap<WorkloadName, WorkloadSpecRow> = state
        .store
        .workload_specs(cluster)
        .await?
        .into_iter()
        .map(|r| (name(&r), r))
        .collect();
    let now: Vec<WorkloadSpecRow> = specs.iter().map(spec_row).collect();
    let seen: HashSet<WorkloadName> = now.iter().map(name).collect();
    write.specs_gone = before.keys().filter(|k| !seen.contains(*k)).cloned().collect();
    write.specs = now.into_iter().filter(|r| before.get(&name(r)) != Some(r)).collect();
    Ok(())
}

/// Adds to `write` the events between the nodes as recorded and `nodes`, and their new states.
async fn node_changes(
    state: &AppState,
    cluster: &str,
    at: DateTime<Utc>,
    nodes: &[&DynamicObject],
    write: &mut SamplesWrite,
) -> anyhow::Result<()> {
    let before: HashMap<String, NodeState> = state
        .store
        .node_states(cluster)
        .await?
        .into_iter()
        .filter_map(|(node, (status, unschedulable))| {
            let status = NodeStatus::parse(&status)?;
            Some((node, NodeState { status, unschedulable }))
        })
        .collect();
    let now: HashMap<String, node_history::Observed> = nodes
        .iter()
        .filter_map(|n| Some((n.metadata.name.clone()?, node_history::observe(n))))
        .collect();
    for change in node_history::changes(&before, &now) {
        write.node_events.push(NodeEventRow {
            id: uuid::Uuid::now_v7().to_string(),
            cluster: cluster.to_string(),
            node: change.node,
            kind: change.kind.word(),
            old_status: change.old_status.map(|s| s.word().to_string()),
            new_status: change.new_status.map(|s| s.word().to_string()),
            message: change.message,
            observed_at: at,
        });
    }
    write.nodes_gone = before.keys().filter(|n| !now.contains_key(*n)).cloned().collect();
    write.node_states = now
        .into_iter()
        .filter(|(name, o)| before.get(name) != Some(&o.state))
        .map(|(name, o)| (name, (o.state.status.word().to_string(), o.state.unschedulable)))
        .collect();
    Ok(())
}

/// Folds raw samples past their retention into buckets and drops samples and node events past
/// theirs.
pub async fn maintain(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<()> {
    let s = &state.settings;
    let ago = |d: Duration| {
        chrono::Duration::from_std(d)
            .ok()
            .and_then(|d| now.checked_sub_signed(d))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    };
    for table in SAMPLE_TABLES {
        state.store.downsample(table, ago(s.samples_raw_retention)).await?;
        state.store.prune_samples(table, ago(s.samples_retention)).await?;
    }
    state.store.prune_node_events(ago(s.node_events_retention)).await?;
    Ok(())
}
