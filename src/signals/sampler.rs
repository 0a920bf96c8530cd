//! The sampler: on the leader, every `FLEETDECK_SAMPLE_INTERVAL`, one pass over each cluster
//! records its workloads' readiness and restarts (from the shared watch caches, whose objects'
//! facts it keeps between passes and derives again only when an object changes), its containers'
//! and nodes' usage (one list each of metrics.k8s.io's PodMetrics and NodeMetrics, as
//! Fleetdeck), its PersistentVolumeClaims' volumes (each node's kubelet stats/summary through
//! the apiserver's node proxy), and what changed of its nodes and of its workloads' specs. Every
//! few minutes it folds raw samples older than `FLEETDECK_SAMPLES_RAW_RETENTION` into 5-minute
//! buckets and drops what is past retention; then the evaluator computes SLOs, rightsizing and
//! predictions when they are due.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use kube::api::DynamicObject;
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use super::evaluator;
use super::node_history::{self, NodeState, NodeStatus};
use super::samples::{
    self, AutoscalerFacts, NodeFacts, Observed, Pass, PodFacts, ReplicaSetFacts, WorkloadFacts, WorkloadSpec,
};
use crate::AppState;
use crate::clusters::clients::own_access;
use crate::clusters::passes;
use crate::kube::cache::{Derive, Memo, ResourceCache, Source};
use crate::kube::leader::Leadership;
use crate::kube::metrics;
use crate::store::clusters::ClusterRow;
use crate::store::samples::{NodeEventRow, SAMPLE_TABLES, SampleRow, SamplesWrite};
use crate::store::workload_signals::{WorkloadName, WorkloadSpecRow};

/// How often raw samples are folded and old ones dropped.
const MAINTAIN_EVERY: Duration = Duration::from_secs(300);

/// Samples while this replica leads, until the runtime stops.
pub fn spawn(state: AppState, mut leadership: Leadership) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(state.settings.sample_interval);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut sampler = Sampler::default();
        // When each periodic job last started.
        let (mut maintained, mut evaluated, mut rightsized, mut predicted) = (None, None, None, None);
        loop {
            if !leadership.is_leader() {
                (maintained, evaluated, rightsized, predicted) = (None, None, None, None);
                // Another leader may write node states and specs meanwhile.
                sampler = Sampler::default();
                if leadership.changed().await.is_none() {
                    return;
                }
                continue;
            }
            tick.tick().await;
            for (cluster, outcome) in sampler.sample_all(&state, crate::store::now()).await {
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

/// What the sampler keeps between passes, per cluster, so that a pass parses only the objects
/// that changed since the last one and reads nothing back from the store.
#[derive(Default)]
pub struct Sampler {
    clusters: HashMap<String, Kept>,
}

#[derive(Default)]
struct Kept {
    /// What the rest was kept from; facts of another connection are dropped.
    connection: String,
    workloads: HashMap<&'static str, Memo<Option<WorkloadFacts>>>,
    replica_sets: Memo<ReplicaSetFacts>,
    pods: Memo<PodFacts>,
    nodes: Memo<NodeFacts>,
    autoscalers: Memo<Option<AutoscalerFacts>>,
    /// The node states and workload specs as last written; read from the store when unknown.
    node_states: Option<HashMap<String, NodeState>>,
    specs: Option<HashMap<WorkloadName, WorkloadSpecRow>>,
}

impl Sampler {
    /// One pass over every cluster at `at`, a few clusters at once; each cluster's outcome.
    pub async fn sample_all(&mut self, state: &AppState, at: DateTime<Utc>) -> Vec<(String, anyhow::Result<Counts>)> {
        passes::each(state, &mut self.clusters, |c, mut kept| async move {
            let outcome = sample(state, &c, at, &mut kept).await;
            (c, kept, outcome)
        })
        .await
    }

    /// One pass over `cluster` at `at`.
    pub async fn sample_cluster(
        &mut self,
        state: &AppState,
        cluster: &ClusterRow,
        at: DateTime<Utc>,
    ) -> anyhow::Result<Counts> {
        let kept = self.clusters.entry(cluster.name.clone()).or_default();
        sample(state, cluster, at, kept).await
    }
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

/// The facts of the cached objects of `kind`, from `memo` where they have not changed; none when
/// the kind could not be read.
fn facts<R: Derive, F>(
    caches: &HashMap<&str, Arc<ResourceCache<R>>>,
    kind: &str,
    memo: &mut Memo<F>,
    derive: impl Fn(&DynamicObject) -> F,
) -> Option<Vec<Arc<F>>> {
    caches.get(kind).map(|cache| cache.memoized(memo, derive))
}

/// One pass over `cluster` at `at`: reads, computes and writes its samples in one transaction.
async fn sample(state: &AppState, cluster: &ClusterRow, at: DateTime<Utc>, kept: &mut Kept) -> anyhow::Result<Counts> {
    let (connection, client) = own_access(state, cluster)
        .await
        .map_err(|e| anyhow!("no client: {e:?}"))?;
    if kept.connection != connection {
        *kept = Kept {
            connection: connection.clone(),
            ..Kept::default()
        };
    }
    let source = Source {
        cluster: &cluster.name,
        connection: &connection,
        client: client.clone(),
    };
    let served = state.caches.discovery(&source).await.map_err(|e| anyhow!(e.message))?;
    // The usage lists are read while the caches are.
    let metrics_lists = async {
        match metrics::served(&served) {
            Some(info) => {
                let (pods, nodes) = tokio::join!(
                    metrics::list(&client, info, "pods"),
                    metrics::list(&client, info, "nodes")
                );
                anyhow::Ok((pods.context("PodMetrics")?, nodes.context("NodeMetrics")?))
            }
            None => Ok((Vec::new(), Vec::new())),
        }
    };
    // A kind that cannot be read is left out; without nodes, node history waits.
    let cached = state.caches.of_kinds(&source, &served, READ);
    let (caches, lists) = tokio::join!(cached, metrics_lists);
    let (pod_metrics, node_metrics) = lists?;
    let mut workloads = Vec::new();
    let mut every_workload_kind = true;
    for kind in samples::WORKLOAD_KINDS {
        let memo = kept.workloads.entry(kind).or_default();
        match facts(&caches, kind, memo, |o| WorkloadFacts::of(kind, o)) {
            Some(f) => workloads.extend(f),
            None => every_workload_kind = false,
        }
    }
    let replica_sets = facts(&caches, "ReplicaSet", &mut kept.replica_sets, ReplicaSetFacts::of).unwrap_or_default();
    let pods = facts(&caches, "Pod", &mut kept.pods, PodFacts::of).unwrap_or_default();
    let nodes = facts(&caches, "Node", &mut kept.nodes, NodeFacts::of);
    let autoscalers = facts(
        &caches,
        "HorizontalPodAutoscaler",
        &mut kept.autoscalers,
        AutoscalerFacts::of,
    )
    .unwrap_or_default();
    let observed = Observed {
        workloads: workloads.iter().filter_map(|w| w.as_ref().as_ref()).collect(),
        replica_sets: replica_sets.iter().map(Arc::as_ref).collect(),
        pods: pods.iter().map(Arc::as_ref).collect(),
        nodes: nodes.iter().flatten().map(Arc::as_ref).collect(),
        autoscalers: autoscalers.iter().filter_map(|a| a.as_ref().as_ref()).collect(),
        pod_metrics: &pod_metrics,
        node_metrics: &node_metrics,
    };
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
    // What was last written is known again only once this write is done.
    let mut node_states = None;
    if nodes.is_some() {
        let before = match kept.node_states.take() {
            Some(before) => before,
            None => recorded_node_states(state, &cluster.name).await?,
        };
        node_states = Some(node_changes(&cluster.name, at, before, &observed.nodes, &mut write));
    }
    // Specs of kinds that could not be read are kept as they were.
    let mut specs = None;
    if every_workload_kind {
        let before = match kept.specs.take() {
            Some(before) => before,
            None => recorded_specs(state, &cluster.name).await?,
        };
        specs = Some(spec_changes(before, &pass.specs, &mut write));
    }
    let counts = Counts {
        workloads: write.workloads.len(),
        containers: write.containers.len(),
        nodes: write.nodes.len(),
        node_events: write.node_events.len(),
        volumes: write.volumes.len(),
    };
    state.store.write_samples(&cluster.name, &write).await?;
    (kept.node_states, kept.specs) = (node_states, specs);
    Ok(counts)
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

fn spec_name(r: &WorkloadSpecRow) -> WorkloadName {
    (r.namespace.clone(), r.kind.clone(), r.name.clone())
}

async fn recorded_specs(state: &AppState, cluster: &str) -> anyhow::Result<HashMap<WorkloadName, WorkloadSpecRow>> {
    let rows = state.store.workload_specs(cluster).await?;
    Ok(rows.into_iter().map(|r| (spec_name(&r), r)).collect())
}

/// Adds to `write` the workload specs that differ from `before` (as recorded) and the workloads
/// gone; the specs as recorded after the write.
fn spec_changes(
    before: HashMap<WorkloadName, WorkloadSpecRow>,
    specs: &[WorkloadSpec],
    write: &mut SamplesWrite,
) -> HashMap<WorkloadName, WorkloadSpecRow> {
    let now: HashMap<WorkloadName, WorkloadSpecRow> =
        specs.iter().map(|s| (spec_name(&spec_row(s)), spec_row(s))).collect();
    write.specs_gone = before.keys().filter(|k| !now.contains_key(*k)).cloned().collect();
    write.specs = now
        .iter()
        .filter(|(k, r)| before.get(*k) != Some(r))
        .map(|(_, r)| r.clone())
        .collect();
    now
}

async fn recorded_node_states(state: &AppState, cluster: &str) -> anyhow::Result<HashMap<String, NodeState>> {
    let rows = state.store.node_states(cluster).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(node, (status, unschedulable))| {
            let status = NodeStatus::parse(&status)?;
            Some((node, NodeState { status, unschedulable }))
        })
        .collect())
}

/// Adds to `write` the events between the nodes as recorded (`before`) and `nodes`, and their new
/// states; the states as recorded after the write.
fn node_changes(
    cluster: &str,
    at: DateTime<Utc>,
    before: HashMap<String, NodeState>,
    nodes: &[&NodeFacts],
    write: &mut SamplesWrite,
) -> HashMap<String, NodeState> {
    let now: HashMap<String, node_history::Observed> =
        nodes.iter().map(|n| (n.name.clone(), n.history.clone())).collect();
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
        .iter()
        .filter(|(name, o)| before.get(*name) != Some(&o.state))
        .map(|(name, o)| (name.clone(), (o.state.status.word().to_string(), o.state.unschedulable)))
        .collect();
    now.into_iter().map(|(name, o)| (name, o.state)).collect()
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
