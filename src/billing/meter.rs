//! The metering task: on the leader, every `FLEETDECK_METERING_INTERVAL`, one pass over each
//! cluster measures its namespaces (`metering`, from the shared watch caches of pods and nodes
//! and one list of metrics.k8s.io's PodMetrics), attributes each to the project that holds it,
//! and adds the pass, as that many seconds, to its hour.

use std::collections::HashMap;

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::metering::{self, PodRequests};
use crate::AppState;
use crate::clusters::clients::own_access;
use crate::clusters::passes;
use crate::kube::cache::{Memo, Source};
use crate::kube::leader::Leadership;
use crate::kube::metrics::{self, PodMetrics};
use crate::store::clusters::ClusterRow;
use crate::store::usage::{Capacity, MeteredNamespace, MeteringWrite};

/// Meters while this replica leads, until the runtime stops.
pub fn spawn(state: AppState, mut leadership: Leadership) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(state.settings.metering_interval);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut meter = Meter::default();
        loop {
            if !leadership.is_leader() {
                meter = Meter::default();
                if !leadership.leading().await {
                    return;
                }
            }
            tick.tick().await;
            for (cluster, outcome) in meter.meter_all(&state, crate::store::now()).await {
                if let Err(e) = outcome {
                    tracing::warn!(cluster, error = format!("{e:#}"), "billing: metering failed");
                }
            }
        }
    })
}

/// What the metering keeps between passes, per cluster: each pod's requests and each node's
/// allocatable, derived again only when the object changes.
#[derive(Default)]
pub struct Meter {
    clusters: HashMap<String, Kept>,
}

#[derive(Default)]
struct Kept {
    /// What the rest was kept from.
    connection: String,
    pods: Memo<Option<PodRequests>>,
    nodes: Memo<(i64, i64)>,
}

impl Meter {
    /// One pass over every cluster at `at`; each cluster's outcome (the namespaces measured).
    pub async fn meter_all(&mut self, state: &AppState, at: DateTime<Utc>) -> Vec<(String, anyhow::Result<usize>)> {
        passes::each(state, &mut self.clusters, |c, mut kept| async move {
            let outcome = meter(state, &c, at, &mut kept).await;
            (c, kept, outcome)
        })
        .await
    }

    /// One pass over `cluster` at `at`.
    pub async fn meter_cluster(
        &mut self,
        state: &AppState,
        cluster: &ClusterRow,
        at: DateTime<Utc>,
    ) -> anyhow::Result<usize> {
        let kept = self.clusters.entry(cluster.name.clone()).or_default();
        meter(state, cluster, at, kept).await
    }
}

/// One pass over `cluster` at `at`. A cluster without a connection, or whose pods or nodes cannot
/// be read, is not metered (an error); one without metrics.k8s.io is metered on requests alone.
async fn meter(state: &AppState, cluster: &ClusterRow, at: DateTime<Utc>, kept: &mut Kept) -> anyhow::Result<usize> {
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
    let usage = async {
        match metrics::served(&served) {
            Some(info) => metrics::list::<PodMetrics>(&client, info, "pods").await,
            None => Ok(Vec::new()),
        }
    };
    let caches = state.caches.of_kinds(&source, &served, &[("", "Pod"), ("", "Node")]);
    let (caches, usage) = tokio::join!(caches, usage);
    let usage = usage?;
    let (Some(pods), Some(nodes)) = (caches.get("Pod"), caches.get("Node")) else {
        return Err(anyhow!("pods and nodes cannot both be read"));
    };
    let pods = pods.memoized(&mut kept.pods, PodRequests::of);
    let nodes = nodes.memoized(&mut kept.nodes, metering::allocatable);
    let pods: Vec<&PodRequests> = pods.iter().filter_map(|p| p.as_ref().as_ref()).collect();
    let nodes: Vec<(i64, i64)> = nodes.iter().map(|n| *n.as_ref()).collect();
    let measure = metering::measure(&pods, &usage, &nodes);
    let holders: HashMap<String, (String, String)> = state
        .store
        .projects_in_cluster(&cluster.name)
        .await?
        .into_iter()
        .map(|p| (p.namespace, (p.tenant_id, p.id)))
        .collect();
    let namespaces: Vec<MeteredNamespace> = measure
        .namespaces
        .iter()
        .map(|n| {
            let holder = holders.get(&n.namespace);
            MeteredNamespace {
                namespace: n.namespace.clone(),
                tenant_id: holder.map(|h| h.0.clone()),
                project_id: holder.map(|h| h.1.clone()),
                cpu_request: n.cpu_request,
                cpu_usage: n.cpu_usage,
                cpu_cost: n.cpu_cost(),
                memory_request: n.memory_request,
                memory_usage: n.memory_usage,
                memory_cost: n.memory_cost(),
            }
        })
        .collect();
    let (cpu_idle, memory_idle) = measure.idle();
    let seconds = i64::try_from(state.settings.metering_interval.as_secs()).unwrap_or(i64::MAX);
    state
        .store
        .write_metering(&MeteringWrite {
            cluster: &cluster.name,
            at,
            hour: metering::hour_of(at),
            seconds,
            namespaces: &namespaces,
            capacity: Capacity {
                cpu_allocatable: measure.cpu_allocatable,
                memory_allocatable: measure.memory_allocatable,
                cpu_idle,
                memory_idle,
            },
        })
        .await?;
    Ok(namespaces.len())
}
