//! What one sampling pass records of a cluster, from its cached objects and its metrics.k8s.io
//! usage (pure): per workload its desired and ready replicas and its containers' restarts; per
//! workload container the highest CPU and memory among the workload's pods; per node its usage
//! and allocatable; per workload its spec as the SLO and rightsizing read it (its SLO target
//! annotation, whether an HPA scales it, its containers' requests and limits). Pods reach their
//! workload through their controller (a ReplicaSet's Deployment, a StatefulSet, a DaemonSet);
//! other pods are not sampled.

use std::collections::{BTreeMap, HashMap};

use kube::api::DynamicObject;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::node_history;
use crate::kube::metrics::{NodeMetrics, PodMetrics, Usage};
use crate::kube::quantity;

/// The kinds sampled as workloads.
pub const WORKLOAD_KINDS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet"];

/// A workload: (namespace, kind, name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkloadKey {
    pub namespace: String,
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadSample {
    pub key: WorkloadKey,
    pub desired: i64,
    /// Ready replicas, at most `desired`.
    pub ready: i64,
    /// The restarts of the containers of the workload's pods now.
    pub restarts: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContainerSample {
    pub key: WorkloadKey,
    pub container: String,
    pub cpu_millicores: i64,
    pub memory_bytes: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeSample {
    pub node: String,
    pub cpu_millicores: i64,
    pub memory_bytes: i64,
    pub cpu_allocatable: i64,
    pub memory_allocatable: i64,
}

/// The annotation that sets a workload's SLO target, in percent (e.g. `99.95`).
pub const SLO_TARGET_ANNOTATION: &str = "fleetdeck.dev/slo-target";

/// What the SLO and rightsizing read of a workload's spec.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadSpec {
    pub key: WorkloadKey,
    /// The `fleetdeck.dev/slo-target` annotation as written.
    pub slo_target: Option<String>,
    /// Whether a HorizontalPodAutoscaler scales the workload on CPU, on memory.
    pub hpa_cpu: bool,
    pub hpa_memory: bool,
    pub containers: Vec<ContainerSpec>,
}

/// A pod template container's requests and limits, in millicores and bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerSpec {
    pub name: String,
    pub cpu_request: Option<i64>,
    pub cpu_limit: Option<i64>,
    pub memory_request: Option<i64>,
    pub memory_limit: Option<i64>,
}

/// A pass's samples.
#[derive(Debug, Default, PartialEq)]
pub struct Pass {
    pub workloads: Vec<WorkloadSample>,
    pub containers: Vec<ContainerSample>,
    pub nodes: Vec<NodeSample>,
    pub specs: Vec<WorkloadSpec>,
}

/// What a pass reads of the cluster's objects and usage.
#[derive(Default)]
pub struct Observed<'a> {
    pub workloads: Vec<&'a WorkloadFacts>,
    pub replica_sets: Vec<&'a ReplicaSetFacts>,
    pub pods: Vec<&'a PodFacts>,
    pub nodes: Vec<&'a NodeFacts>,
    pub autoscalers: Vec<&'a AutoscalerFacts>,
    pub pod_metrics: &'a [PodMetrics],
    pub node_metrics: &'a [NodeMetrics],
}

// What a pass reads of each kind of object, derived once per change of the object (the sampler
// keeps them between passes) so that a pass does not parse the cluster's objects again.

/// A Deployment, StatefulSet or DaemonSet.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadFacts {
    pub key: WorkloadKey,
    pub desired: i64,
    /// At most `desired`.
    pub ready: i64,
    /// The `fleetdeck.dev/slo-target` annotation as written.
    pub slo_target: Option<String>,
    pub containers: Vec<ContainerSpec>,
}

impl WorkloadFacts {
    /// None for kinds that are not sampled as workloads.
    pub fn of(kind: &str, w: &DynamicObject) -> Option<WorkloadFacts> {
        let (desired, ready) = replicas(kind, w)?;
        let (namespace, name) = names(w);
        Some(WorkloadFacts {
            key: WorkloadKey {
                namespace,
                kind: kind.to_string(),
                name,
            },
            desired,
            ready,
            slo_target: w
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(SLO_TARGET_ANNOTATION))
                .cloned(),
            containers: container_specs(w),
        })
    }
}

/// A ReplicaSet and the Deployment that controls it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaSetFacts {
    pub namespace: String,
    pub name: String,
    pub deployment: Option<String>,
}

impl ReplicaSetFacts {
    pub fn of(rs: &DynamicObject) -> ReplicaSetFacts {
        let (namespace, name) = names(rs);
        let deployment = controller(rs)
            .filter(|(kind, _)| *kind == "Deployment")
            .map(|(_, name)| name.to_string());
        ReplicaSetFacts {
            namespace,
            name,
            deployment,
        }
    }
}

/// A pod: its controller (kind, name), its containers' restarts, its node and whether it mounts
/// a PersistentVolumeClaim.
#[derive(Debug, Clone, PartialEq)]
pub struct PodFacts {
    pub namespace: String,
    pub name: String,
    pub controller: Option<(String, String)>,
    pub restarts: i64,
    pub node: Option<String>,
    pub mounts_claim: bool,
}

impl PodFacts {
    pub fn of(pod: &DynamicObject) -> PodFacts {
        let (namespace, name) = names(pod);
        let volumes = pod.data.pointer("/spec/volumes").and_then(Value::as_array);
        PodFacts {
            namespace,
            name,
            controller: controller(pod).map(|(kind, name)| (kind.to_string(), name.to_string())),
            restarts: restarts(pod),
            node: pod
                .data
                .pointer("/spec/nodeName")
                .and_then(Value::as_str)
                .map(str::to_string),
            mounts_claim: volumes
                .into_iter()
                .flatten()
                .any(|v| v.get("persistentVolumeClaim").is_some()),
        }
    }
}

/// A node: its allocatable CPU (millicores) and memory (bytes), and its state as node history
/// reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeFacts {
    pub name: String,
    pub cpu_allocatable: i64,
    pub memory_allocatable: i64,
    pub history: node_history::Observed,
}

impl NodeFacts {
    pub fn of(node: &DynamicObject) -> NodeFacts {
        let allocatable = &node.data["status"]["allocatable"];
        NodeFacts {
            name: node.metadata.name.clone().unwrap_or_default(),
            cpu_allocatable: millicores(text(&allocatable["cpu"])),
            memory_allocatable: bytes(text(&allocatable["memory"])),
            history: node_history::observe(node),
        }
    }
}

/// The workload a HorizontalPodAutoscaler (autoscaling/v2 or v1) scales, and whether on CPU and
/// on memory. A v2 HPA without metrics scales on CPU (the API's default); a v1 HPA always does.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoscalerFacts {
    pub target: WorkloadKey,
    pub cpu: bool,
    pub memory: bool,
}

impl AutoscalerFacts {
    /// None without a target.
    pub fn of(hpa: &DynamicObject) -> Option<AutoscalerFacts> {
        let spec = &hpa.data["spec"];
        let target = &spec["scaleTargetRef"];
        let (Some(kind), Some(name)) = (target["kind"].as_str(), target["name"].as_str()) else {
            return None;
        };
        let resources: Vec<&str> = spec["metrics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| match m["type"].as_str() {
                Some("Resource") => m["resource"]["name"].as_str(),
                Some("ContainerResource") => m["containerResource"]["name"].as_str(),
                _ => None,
            })
            .collect();
        let no_metrics = spec["metrics"].as_array().is_none_or(Vec::is_empty);
        Some(AutoscalerFacts {
            target: WorkloadKey {
                namespace: names(hpa).0,
                kind: kind.to_string(),
                name: name.to_string(),
            },
            cpu: no_metrics || resources.contains(&"cpu"),
            memory: resources.contains(&"memory"),
        })
    }
}

fn int(v: &Value, pointer: &str) -> Option<i64> {
    v.pointer(pointer).and_then(Value::as_i64)
}

fn names(o: &DynamicObject) -> (String, String) {
    (
        o.metadata.namespace.clone().unwrap_or_default(),
        o.metadata.name.clone().unwrap_or_default(),
    )
}

/// The object's controller: (kind, name).
fn controller(o: &DynamicObject) -> Option<(&str, &str)> {
    o.metadata
        .owner_references
        .as_ref()?
        .iter()
        .find(|r| r.controller == Some(true))
        .map(|r| (r.kind.as_str(), r.name.as_str()))
}

/// A workload's desired and ready replicas.
fn replicas(kind: &str, o: &DynamicObject) -> Option<(i64, i64)> {
    let d = &o.data;
    let (desired, ready) = match kind {
        "DaemonSet" => (
            int(d, "/status/desiredNumberScheduled").unwrap_or(0),
            int(d, "/status/numberReady").unwrap_or(0),
        ),
        // An unset spec.replicas means 1, as the apiserver defaults it.
        "Deployment" | "StatefulSet" => (
            int(d, "/spec/replicas").unwrap_or(1),
            int(d, "/status/readyReplicas").unwrap_or(0),
        ),
        _ => return None,
    };
    Some((desired.max(0), ready.clamp(0, desired.max(0))))
}

fn restarts(pod: &DynamicObject) -> i64 {
    ["/status/containerStatuses", "/status/initContainerStatuses"]
        .iter()
        .filter_map(|p| pod.data.pointer(p).and_then(Value::as_array))
        .flatten()
        .filter_map(|s| s["restartCount"].as_i64())
        .sum()
}

fn millicores(q: &str) -> i64 {
    quantity::whole_millicores(q).unwrap_or(0)
}

fn bytes(q: &str) -> i64 {
    quantity::whole_bytes(q).unwrap_or(0)
}

/// A spec's quantity: none when absent or not a string.
fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// A workload's pod template containers' requests and limits.
fn container_specs(w: &DynamicObject) -> Vec<ContainerSpec> {
    let containers = w
        .data
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array);
    containers
        .into_iter()
        .flatten()
        .map(|c| {
            let r = &c["resources"];
            ContainerSpec {
                name: c["name"].as_str().unwrap_or_default().to_string(),
                cpu_request: quantity::whole_millicores(text(&r["requests"]["cpu"])),
                cpu_limit: quantity::whole_millicores(text(&r["limits"]["cpu"])),
                memory_request: quantity::whole_bytes(text(&r["requests"]["memory"])),
                memory_limit: quantity::whole_bytes(text(&r["limits"]["memory"])),
            }
        })
        .collect()
}

/// The samples of one pass.
pub fn pass(o: &Observed) -> Pass {
    // The workloads HPAs scale, with whether on CPU and on memory.
    let mut scaled: HashMap<&WorkloadKey, (bool, bool)> = HashMap::new();
    for hpa in &o.autoscalers {
        let entry = scaled.entry(&hpa.target).or_default();
        entry.0 |= hpa.cpu;
        entry.1 |= hpa.memory;
    }
    let mut specs = Vec::new();
    let mut workloads: BTreeMap<&WorkloadKey, WorkloadSample> = BTreeMap::new();
    for w in &o.workloads {
        let (hpa_cpu, hpa_memory) = scaled.get(&w.key).copied().unwrap_or_default();
        specs.push(WorkloadSpec {
            key: w.key.clone(),
            slo_target: w.slo_target.clone(),
            hpa_cpu,
            hpa_memory,
            containers: w.containers.clone(),
        });
        let sample = WorkloadSample {
            key: w.key.clone(),
            desired: w.desired,
            ready: w.ready,
            restarts: 0,
        };
        workloads.insert(&w.key, sample);
    }
    // ReplicaSet (namespace, name) → its Deployment.
    let deployments: HashMap<(&str, &str), &str> = o
        .replica_sets
        .iter()
        .filter_map(|rs| Some(((rs.namespace.as_str(), rs.name.as_str()), rs.deployment.as_deref()?)))
        .collect();
    let workload_of = |pod: &PodFacts| -> Option<WorkloadKey> {
        let namespace = pod.namespace.as_str();
        let (kind, name) = match pod.controller.as_ref().map(|(k, n)| (k.as_str(), n.as_str()))? {
            ("ReplicaSet", rs) => ("Deployment", *deployments.get(&(namespace, rs))?),
            (kind @ ("StatefulSet" | "DaemonSet"), name) => (kind, name),
            _ => return None,
        };
        let key = WorkloadKey {
            namespace: namespace.to_string(),
            kind: kind.to_string(),
            name: name.to_string(),
        };
        workloads.contains_key(&key).then_some(key)
    };
    let mut pods: HashMap<(&str, &str), WorkloadKey> = HashMap::new();
    let mut restarts_of: HashMap<WorkloadKey, i64> = HashMap::new();
    for pod in &o.pods {
        if let Some(key) = workload_of(pod) {
            *restarts_of.entry(key.clone()).or_default() += pod.restarts;
            pods.insert((&pod.namespace, &pod.name), key);
        }
    }
    for (key, n) in restarts_of {
        if let Some(w) = workloads.get_mut(&key) {
            w.restarts = n;
        }
    }
    let mut containers: BTreeMap<(&WorkloadKey, &str), (i64, i64)> = BTreeMap::new();
    for m in o.pod_metrics {
        let Some(key) = pods.get(&(m.metadata.namespace.as_str(), m.metadata.name.as_str())) else {
            continue;
        };
        for c in &m.containers {
            let entry = containers.entry((key, &c.name)).or_default();
            entry.0 = entry.0.max(millicores(&c.usage.cpu));
            entry.1 = entry.1.max(bytes(&c.usage.memory));
        }
    }
    let usage: HashMap<&str, &Usage> = o
        .node_metrics
        .iter()
        .map(|m| (m.metadata.name.as_str(), &m.usage))
        .collect();
    let nodes = o
        .nodes
        .iter()
        .filter_map(|n| {
            let used = usage.get(n.name.as_str())?;
            Some(NodeSample {
                node: n.name.clone(),
                cpu_millicores: millicores(&used.cpu),
                memory_bytes: bytes(&used.memory),
                cpu_allocatable: n.cpu_allocatable,
                memory_allocatable: n.memory_allocatable,
            })
        })
        .collect();
    Pass {
        containers: containers
            .into_iter()
            .map(|((key, container), (cpu, memory))| ContainerSample {
                key: key.clone(),
                container: container.to_string(),
                cpu_millicores: cpu,
                memory_bytes: memory,
            })
            .collect(),
        workloads: workloads.into_values().collect(),
        nodes,
        specs,
    }
}

/// A PersistentVolumeClaim's volume as the kubelets report it.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeSample {
    pub namespace: String,
    pub pvc: String,
    pub used_bytes: i64,
    pub capacity_bytes: i64,
}

/// The nodes running a pod that mounts a PersistentVolumeClaim: the only ones whose kubelet
/// summary has a claim's volume to read. Sorted.
pub fn nodes_with_claims<'a>(pods: &[&'a PodFacts]) -> Vec<&'a str> {
    let mut nodes: Vec<&str> = pods
        .iter()
        .filter(|p| p.mounts_claim)
        .filter_map(|p| p.node.as_deref())
        .collect();
    nodes.sort_unstable();
    nodes.dedup();
    nodes
}

/// The claims' volumes in kubelets' stats/summary documents (the node proxy's
/// `/stats/summary`): every `pods[].volume[]` with a `pvcRef` and both `usedBytes` and
/// `capacityBytes`; a claim mounted by several pods (or seen on several nodes) counts once, with
/// the highest figures. Sorted by namespace and claim.
pub fn volumes(summaries: &[Value]) -> Vec<VolumeSample> {
    let mut by_claim: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for summary in summaries {
        let pods = summary["pods"].as_array().into_iter().flatten();
        for volume in pods.flat_map(|p| p["volume"].as_array().into_iter().flatten()) {
            let reference = &volume["pvcRef"];
            let (Some(name), Some(namespace)) = (reference["name"].as_str(), reference["namespace"].as_str()) else {
                continue;
            };
            let (Some(used), Some(capacity)) = (int(volume, "/usedBytes"), int(volume, "/capacityBytes")) else {
                continue;
            };
            let entry = by_claim
                .entry((namespace.to_string(), name.to_string()))
                .or_insert((used, capacity));
            *entry = (entry.0.max(used), entry.1.max(capacity));
        }
    }
    by_claim
        .into_iter()
        .map(|((namespace, pvc), (used_bytes, capacity_bytes))| VolumeSample {
            namespace,
            pvc,
            used_bytes,
            capacity_bytes,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(v: Value) -> DynamicObject {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn only_nodes_running_a_pod_with_a_claim_have_volumes_to_read() {
        let pod = |name: &str, node: Option<&str>, volumes: Value| {
            object(
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "db", "name": name},
                "spec": {"nodeName": node, "volumes": volumes}}),
            )
        };
        let claim = json!([{"name": "data", "persistentVolumeClaim": {"claimName": "data-0"}}]);
        let scratch = json!([{"name": "tmp", "emptyDir": {}}]);
        let pods = [
            pod("pg-0", Some("n2"), claim.clone()),
            pod("pg-1", Some("n1"), claim.clone()),
            pod("pg-2", Some("n1"), claim.clone()),
            pod("web", Some("n3"), scratch),
            pod("pending", None, claim),
            pod("bare", Some("n4"), Value::Null),
        ];
        let facts: Vec<PodFacts> = pods.iter().map(PodFacts::of).collect();
        let refs: Vec<&PodFacts> = facts.iter().collect();
        assert_eq!(nodes_with_claims(&refs), ["n1", "n2"]);
    }

    fn owned(kind: &str, ns: &str, name: &str, owner: Option<(&str, &str)>, rest: Value) -> DynamicObject {
        let mut v = json!({"apiVersion": "v1", "kind": kind, "metadata": {"namespace": ns, "name": name}});
        if let Some((k, n)) = owner {
            v["metadata"]["ownerReferences"] =
                json!([{"apiVersion": "apps/v1", "kind": k, "name": n, "uid": "u", "controller": true}]);
        }
        for (k, val) in rest.as_object().unwrap() {
            v[k] = val.clone();
        }
        object(v)
    }

    fn pod_metrics(ns: &str, name: &str, containers: &[(&str, &str, &str)]) -> PodMetrics {
        let cs: Vec<Value> = containers
            .iter()
            .map(|(c, cpu, mem)| json!({"name": c, "usage": {"cpu": cpu, "memory": mem}}))
            .collect();
        serde_json::from_value(json!({"metadata": {"namespace": ns, "name": name}, "containers": cs})).unwrap()
    }

    #[test]
    fn a_pass_reads_replicas_restarts_and_the_highest_usage_per_container() {
        let web = owned(
            "Deployment",
            "shop",
            "web",
            None,
            json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [
                {"name": "app", "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}}},
                {"name": "proxy", "resources": {"requests": {"cpu": "0.1"}, "limits": {"cpu": "bad"}}},
            ]}}}, "status": {"readyReplicas": 2}}),
        );
        let db = owned(
            "StatefulSet",
            "shop",
            "db",
            None,
            json!({"spec": {}, "status": {"readyReplicas": 5}}),
        );
        let mut agent = owned(
            "DaemonSet",
            "kube-system",
            "agent",
            None,
            json!({"status": {"desiredNumberScheduled": 4, "numberReady": 4}}),
        );
        agent.metadata.annotations = Some([(SLO_TARGET_ANNOTATION.to_string(), "99.95".to_string())].into());
        let rs = owned("ReplicaSet", "shop", "web-6d4", Some(("Deployment", "web")), json!({}));
        let statuses = |n: i64| json!({"status": {"containerStatuses": [{"name": "app", "restartCount": n}]}});
        let pods = [
            owned("Pod", "shop", "web-6d4-a", Some(("ReplicaSet", "web-6d4")), statuses(2)),
            owned("Pod", "shop", "web-6d4-b", Some(("ReplicaSet", "web-6d4")), statuses(1)),
            owned("Pod", "shop", "db-0", Some(("StatefulSet", "db")), statuses(0)),
            // No controller, or one that is not a sampled workload: not sampled.
            owned("Pod", "shop", "bare", None, statuses(9)),
            owned("Pod", "shop", "job-x", Some(("Job", "job")), statuses(9)),
        ];
        let metrics = [
            pod_metrics(
                "shop",
                "web-6d4-a",
                &[("app", "250m", "100Mi"), ("proxy", "5m", "20Mi")],
            ),
            pod_metrics(
                "shop",
                "web-6d4-b",
                &[("app", "120m", "300Mi"), ("proxy", "7500000n", "10Mi")],
            ),
            pod_metrics("shop", "bare", &[("x", "1", "1Gi")]),
        ];
        let node = owned(
            "Node",
            "",
            "n1",
            None,
            json!({"status": {"allocatable": {"cpu": "4", "memory": "8Gi"}}}),
        );
        let unmeasured = owned(
            "Node",
            "",
            "n2",
            None,
            json!({"status": {"allocatable": {"cpu": "4", "memory": "8Gi"}}}),
        );
        let node_metrics: [NodeMetrics; 1] =
            [
                serde_json::from_value(json!({"metadata": {"name": "n1"}, "usage": {"cpu": "1500m", "memory": "2Gi"}}))
                    .unwrap(),
            ];
        let hpa = |name: &str, target: &str, metrics: Value| {
            owned(
                "HorizontalPodAutoscaler",
                "shop",
                name,
                None,
                json!({"spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": target.split('/').next().unwrap(), "name": target.split('/').nth(1).unwrap()}, "metrics": metrics}}),
            )
        };
        let autoscalers = [
            hpa(
                "web",
                "Deployment/web",
                json!([{"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 80}}}]),
            ),
            // Without metrics an HPA scales on CPU.
            hpa("db", "StatefulSet/db", Value::Null),
            hpa("gone", "Deployment/gone", json!([])),
        ];
        let workloads = [
            WorkloadFacts::of("Deployment", &web).unwrap(),
            WorkloadFacts::of("StatefulSet", &db).unwrap(),
            WorkloadFacts::of("DaemonSet", &agent).unwrap(),
        ];
        let replica_sets = [ReplicaSetFacts::of(&rs)];
        let pods: Vec<PodFacts> = pods.iter().map(PodFacts::of).collect();
        let nodes = [NodeFacts::of(&node), NodeFacts::of(&unmeasured)];
        let autoscalers: Vec<AutoscalerFacts> = autoscalers.iter().filter_map(AutoscalerFacts::of).collect();
        let observed = Observed {
            workloads: workloads.iter().collect(),
            replica_sets: replica_sets.iter().collect(),
            pods: pods.iter().collect(),
            nodes: nodes.iter().collect(),
            autoscalers: autoscalers.iter().collect(),
            pod_metrics: &metrics,
            node_metrics: &node_metrics,
        };
        let p = pass(&observed);
        let key = |kind: &str, ns: &str, name: &str| WorkloadKey {
            namespace: ns.into(),
            kind: kind.into(),
            name: name.into(),
        };
        assert_eq!(
            p.workloads,
            vec![
                WorkloadSample {
                    key: key("DaemonSet", "kube-system", "agent"),
                    desired: 4,
                    ready: 4,
                    restarts: 0
                },
                WorkloadSample {
                    key: key("Deployment", "shop", "web"),
                    desired: 3,
                    ready: 2,
                    restarts: 3
                },
                // Unset replicas is 1; ready never counts above desired.
                WorkloadSample {
                    key: key("StatefulSet", "shop", "db"),
                    desired: 1,
                    ready: 1,
                    restarts: 0
                },
            ]
        );
        const MI: i64 = 1024 * 1024;
        assert_eq!(
            p.containers,
            vec![
                ContainerSample {
                    key: key("Deployment", "shop", "web"),
                    container: "app".into(),
                    cpu_millicores: 250,
                    memory_bytes: 300 * MI
                },
                // 7.5 millicores round up.
                ContainerSample {
                    key: key("Deployment", "shop", "web"),
                    container: "proxy".into(),
                    cpu_millicores: 8,
                    memory_bytes: 20 * MI
                },
            ]
        );
        let spec = |kind: &str, ns: &str, name: &str, hpa: (bool, bool), containers: Vec<ContainerSpec>| WorkloadSpec {
            key: key(kind, ns, name),
            slo_target: None,
            hpa_cpu: hpa.0,
            hpa_memory: hpa.1,
            containers,
        };
        assert_eq!(
            p.specs,
            vec![
                spec(
                    "Deployment",
                    "shop",
                    "web",
                    (false, true),
                    vec![
                        ContainerSpec {
                            name: "app".into(),
                            cpu_request: Some(250),
                            cpu_limit: None,
                            memory_request: Some(256 * MI),
                            memory_limit: Some(1024 * MI),
                        },
                        // An unreadable quantity is left out.
                        ContainerSpec {
                            name: "proxy".into(),
                            cpu_request: Some(100),
                            ..ContainerSpec::default()
                        },
                    ]
                ),
                spec("StatefulSet", "shop", "db", (true, false), vec![]),
                WorkloadSpec {
                    slo_target: Some("99.95".into()),
                    ..spec("DaemonSet", "kube-system", "agent", (false, false), vec![])
                },
            ]
        );
        assert_eq!(
            p.nodes,
            vec![NodeSample {
                node: "n1".into(),
                cpu_millicores: 1500,
                memory_bytes: 2048 * MI,
                cpu_allocatable: 4000,
                memory_allocatable: 8192 * MI
            }]
        );
    }
    #[test]
    fn volumes_come_from_pvc_refs_once_per_claim() {
        let summary = |pods: Value| serde_json::json!({"node": {"nodeName": "n"}, "pods": pods});
        let a = summary(serde_json::json!([
            {"podRef": {"name": "db-0", "namespace": "shop"}, "volume": [
                {"name": "data", "usedBytes": 100, "capacityBytes": 1000, "pvcRef": {"name": "data-db-0", "namespace": "shop"}},
                {"name": "tmp", "usedBytes": 5, "capacityBytes": 50},
            ]},
            {"podRef": {"name": "reader", "namespace": "shop"}, "volume": [
                {"name": "data", "usedBytes": 120, "capacityBytes": 1000, "pvcRef": {"name": "data-db-0", "namespace": "shop"}},
                {"name": "bad", "capacityBytes": 9, "pvcRef": {"name": "half", "namespace": "shop"}},
            ]},
        ]));
        let b = summary(serde_json::json!([
            {"podRef": {"name": "x", "namespace": "apps"}, "volume": [
                {"name": "v", "usedBytes": 7, "capacityBytes": 8, "pvcRef": {"name": "cache", "namespace": "apps"}},
            ]},
        ]));
        let got = volumes(&[a, b, serde_json::json!({"node": {}})]);
        let want = |namespace: &str, pvc: &str, used_bytes, capacity_bytes| VolumeSample {
            namespace: namespace.into(),
            pvc: pvc.into(),
            used_bytes,
            capacity_bytes,
        };
        assert_eq!(got, [want("apps", "cache", 7, 8), want("shop", "data-db-0", 120, 1000)]);
    }
}
