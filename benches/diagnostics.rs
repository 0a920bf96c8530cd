//! Diagnostics benchmark (`cargo bench --bench diagnostics`): 5 clusters of 10,000 pods in 50
//! namespaces (with their Deployments, ReplicaSets, Services, EndpointSlices, budgets, network
//! policies, ConfigMaps, Secrets, 100 nodes and events; about 3 % of pods broken), built into
//! `ClusterFacts` through `apply`, then: one full `analyze_all` over the five clusters, and the
//! incremental path after one pod changes (apply, the affected objects, `analyze_object` for
//! each). Pure code, no IO. See docs/benchmarks.md.

mod support;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use fleetdeck::incidents::diagnostics::analyzers::{analyze_all, analyze_object};
use fleetdeck::incidents::diagnostics::index::ClusterFacts;
use fleetdeck::kube::discovery::ResourceInfo;
use kube::api::DynamicObject;
use serde_json::{Value, json};
use support::{ms, percentiles};

const CLUSTERS: usize = 5;
const NAMESPACES: usize = 50;
const DEPLOYMENTS_PER_NAMESPACE: usize = 20;
const PODS_PER_DEPLOYMENT: usize = 10;
const NODES: usize = 100;
/// One pod in this many crash-loops (with its BackOff events): about 3 %.
const BROKEN_EVERY: usize = 33;
const FULL_RUNS: usize = 20;
const INCREMENTAL_RUNS: usize = 500;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-06T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn resource(object: &Value) -> ResourceInfo {
    let api_version = object["apiVersion"].as_str().unwrap();
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let kind = object["kind"].as_str().unwrap().to_string();
    ResourceInfo {
        group: group.into(),
        version: version.into(),
        resource: format!("{}s", kind.to_lowercase()),
        namespaced: kind != "Node",
        kind,
        verbs: Vec::new(),
        short_names: Vec::new(),
        categories: Vec::new(),
        subresources: Vec::new(),
        preferred: true,
        printer_columns: Vec::new(),
    }
}

fn owner(kind: &str, name: &str) -> Value {
    json!([{"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": format!("uid-{name}"), "controller": true}])
}

fn pod(ns: &str, app: &str, name: &str, node: usize, broken: bool) -> Value {
    let state = if broken {
        json!({"ready": false, "restartCount": 12, "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-12-06T11:58:00Z"}}})
    } else {
        json!({"ready": true, "restartCount": 0, "state": {"running": {"startedAt": "2026-12-01T10:00:00Z"}}})
    };
    let mut status = json!({"name": "app", "image": format!("registry.example.com/{app}:1.4.2"), "imageID": "sha256:abc", "containerID": "containerd://abc"});
    status
        .as_object_mut()
        .unwrap()
        .extend(state.as_object().unwrap().clone());
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": format!("uid-{ns}-{name}"), "creationTimestamp": "2026-12-01T10:00:00Z",
            "labels": {"app": app, "pod-template-hash": "7d9f8", "team": ns}, "ownerReferences": owner("ReplicaSet", &format!("{app}-7d9f8"))},
        "spec": {"nodeName": format!("node-{node}"), "containers": [{"name": "app", "image": format!("registry.example.com/{app}:1.4.2"),
            "ports": [{"containerPort": 8080}], "resources": {"limits": {"memory": "256Mi", "cpu": "500m"}},
            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
            "envFrom": [{"configMapRef": {"name": format!("{app}-config")}}],
            "env": [{"name": "DB_URL", "valueFrom": {"secretKeyRef": {"name": format!("{app}-db"), "key": "url"}}}]}],
            "volumes": [{"name": "config", "configMap": {"name": format!("{app}-config")}}]},
        "status": {"phase": "Running", "startTime": "2026-12-01T10:00:00Z", "podIP": "10.0.0.1",
            "conditions": [{"type": "Ready", "status": if broken { "False" } else { "True" }}, {"type": "PodScheduled", "status": "True"}],
            "containerStatuses": [status]}})
}

/// Where one pod of the generated cluster is: what `pod` needs to write it again.
struct PodPlace {
    namespace: String,
    app: String,
    name: String,
    node: usize,
}

/// The resident set of this process, in bytes.
fn rss_bytes() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmRSS"))?;
    Ok(kb * 1024)
}

/// One cluster's objects and where its pods are.
fn cluster_objects() -> (Vec<Value>, Vec<PodPlace>) {
    let mut objects = Vec::new();
    let mut pods = Vec::new();
    for n in 0..NODES {
        objects.push(json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": format!("node-{n}"), "uid": format!("node-{n}")},
            "spec": {}, "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"},
                {"type": "MemoryPressure", "status": "False"}, {"type": "DiskPressure", "status": "False"}, {"type": "PIDPressure", "status": "False"}]}}));
    }
    let mut index = 0;
    for n in 0..NAMESPACES {
        let ns = format!("team-{n}");
        for d in 0..DEPLOYMENTS_PER_NAMESPACE {
            let app = format!("app-{d}");
            let rs = format!("{app}-7d9f8");
            let mut ready = 0;
            for p in 0..PODS_PER_DEPLOYMENT {
                let name = format!("{rs}-{p:05}");
                let broken = index % BROKEN_EVERY == 0;
                let node = index % NODES;
                objects.push(pod(&ns, &app, &name, node, broken));
                if broken {
                    objects.push(json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": format!("{name}.backoff"), "namespace": ns},
                        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "namespace": ns, "name": name},
                        "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container app", "count": 40,
                        "lastTimestamp": "2026-12-06T11:59:00Z"}));
                } else {
                    ready += 1;
                }
                objects.push(json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": format!("{name}.pulled"), "namespace": ns},
                    "involvedObject": {"apiVersion": "v1", "kind": "Pod", "namespace": ns, "name": name},
                    "type": "Normal", "reason": "Pulled", "message": "Container image already present", "count": 1,
                    "lastTimestamp": "2026-12-01T10:00:00Z"}));
                pods.push(PodPlace {
                    namespace: ns.clone(),
                    app: app.clone(),
                    name,
                    node,
                });
                index += 1;
            }
            objects.push(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": app, "namespace": ns, "uid": format!("uid-{app}")},
                "spec": {"replicas": PODS_PER_DEPLOYMENT, "selector": {"matchLabels": {"app": app}}},
                "status": {"availableReplicas": ready, "updatedReplicas": PODS_PER_DEPLOYMENT,
                    "conditions": [{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}}));
            objects.push(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": rs, "namespace": ns, "ownerReferences": owner("Deployment", &app)}}));
            objects.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": app, "namespace": ns}, "spec": {"selector": {"app": app}}}));
            objects.push(json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"name": format!("{app}-x1"), "namespace": ns, "labels": {"kubernetes.io/service-name": app}},
                "endpoints": (0..PODS_PER_DEPLOYMENT).map(|i| json!({"addresses": [format!("10.0.0.{i}")], "conditions": {"ready": true}})).collect::<Vec<_>>()}));
            objects.push(json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": app, "namespace": ns},
                "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": app}}},
                "status": {"disruptionsAllowed": 1, "expectedPods": PODS_PER_DEPLOYMENT, "currentHealthy": ready, "desiredHealthy": PODS_PER_DEPLOYMENT - 1}}));
            objects.push(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("{app}-config"), "namespace": ns}}));
            objects.push(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": format!("{app}-db"), "namespace": ns}}));
        }
        objects.push(json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "default-deny", "namespace": ns},
            "spec": {"podSelector": {"matchLabels": {"team": ns}}}}));
        objects.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "legacy", "namespace": ns}, "spec": {"selector": {"app": "retired"}}}));
    }
    (objects, pods)
}

fn main() -> anyhow::Result<()> {
    let (objects, pods) = cluster_objects();
    let dynamic: Vec<(ResourceInfo, DynamicObject)> = objects
        .iter()
        .map(|o| Ok((resource(o), serde_json::from_value(o.clone())?)))
        .collect::<anyhow::Result<_>>()?;
    let mut clusters: Vec<ClusterFacts> = Vec::new();
    let rss_before = rss_bytes()?;
    let started = Instant::now();
    for _ in 0..CLUSTERS {
        let mut facts = ClusterFacts::default();
        for (resource, object) in &dynamic {
            facts.apply(resource, object)?;
        }
        clusters.push(facts);
    }
    let build = started.elapsed();
    let rss = rss_bytes()?.saturating_sub(rss_before);
    println!(
        "built facts of {CLUSTERS} clusters x {} pods ({} objects each) through apply: {:.0} ms ({:.1} µs per object)",
        pods.len(),
        dynamic.len(),
        ms(build),
        build.as_secs_f64() * 1e6 / (CLUSTERS * dynamic.len()) as f64
    );
    println!(
        "memory of the facts (RSS growth): {:.1} MB, {:.0} bytes per object",
        rss as f64 / 1e6,
        rss as f64 / (CLUSTERS * dynamic.len()) as f64
    );

    let names: Vec<String> = (0..CLUSTERS).map(|i| format!("sim-{i}")).collect();
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..FULL_RUNS {
        let started = Instant::now();
        found = clusters
            .iter()
            .zip(&names)
            .map(|(facts, name)| analyze_all(name, facts, now()).len())
            .sum();
        times.push(started.elapsed());
    }
    let (p50, p99) = percentiles(times);
    println!(
        "full analyze_all over {CLUSTERS} clusters ({found} findings), {FULL_RUNS} runs: p50 {p50:.1} ms, p99 {p99:.1} ms (target < 200 ms)"
    );

    // One pod flips between healthy and crash-looping; each change is applied, its affected
    // objects found, and each of them analyzed.
    let mut times: Vec<Duration> = Vec::new();
    let mut affected_count = 0;
    for run in 0..INCREMENTAL_RUNS {
        let place = &pods[(run * 7919) % pods.len()];
        let object = pod(&place.namespace, &place.app, &place.name, place.node, run % 2 == 0);
        let (resource, object) = (resource(&object), serde_json::from_value::<DynamicObject>(object)?);
        let facts = &mut clusters[run % CLUSTERS];
        let started = Instant::now();
        let affected = facts.apply(&resource, &object)?;
        let findings: usize = affected
            .iter()
            .map(|key| analyze_object("sim", facts, key, now()).len())
            .sum();
        times.push(started.elapsed());
        affected_count = affected_count.max(affected.len());
        std::hint::black_box(findings);
    }
    let (p50, p99) = percentiles(times);
    println!(
        "incremental: one pod changed, apply + affected (up to {affected_count} objects) + analyze_object each, {INCREMENTAL_RUNS} runs: p50 {:.3} ms, p99 {:.3} ms (target < 5 ms)",
        p50, p99
    );
    Ok(())
}
