//! Usage metering (pure): what each namespace of a cluster holds and uses at one pass — its
//! pods' CPU and memory requests and their usage from metrics.k8s.io — and what that costs by
//! OpenCost's rule, the larger of request and usage. What the nodes offer beyond the namespaces'
//! cost is the cluster's idle capacity. A pass stands for the metering interval: its figures
//! times the interval's seconds are added to the hour it falls in, and read back as core-hours
//! and GiB-hours, exact decimals rounded once, to 6 places.

use std::collections::BTreeMap;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use kube::api::DynamicObject;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

use crate::kube::metrics::PodMetrics;
use crate::kube::quantity;

/// Decimal places of metered quantities.
pub const QUANTITY_PLACES: u32 = 6;

/// What a pod holds: its effective requests (millicores, bytes) while a node runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodRequests {
    pub namespace: String,
    pub cpu: i64,
    pub memory: i64,
}

fn millicores(q: &Value) -> i64 {
    q.as_str().and_then(quantity::whole_millicores).unwrap_or(0)
}

fn bytes(q: &Value) -> i64 {
    q.as_str().and_then(quantity::whole_bytes).unwrap_or(0)
}

impl PodRequests {
    /// None for a pod no node runs: not scheduled yet, or finished (Succeeded, Failed). The
    /// effective requests are Kubernetes's: the larger of the app containers' (with restartable
    /// init containers, the sidecars) sum and the largest plain init container's, plus the
    /// pod's overhead.
    pub fn of(pod: &DynamicObject) -> Option<PodRequests> {
        let d = &pod.data;
        let scheduled = d["spec"]["nodeName"].as_str().is_some_and(|n| !n.is_empty());
        let finished = matches!(d["status"]["phase"].as_str(), Some("Succeeded" | "Failed"));
        if !scheduled || finished {
            return None;
        }
        let containers = |field: &str| d["spec"][field].as_array().cloned().unwrap_or_default();
        let requests = |c: &Value| {
            let r = &c["resources"]["requests"];
            (millicores(&r["cpu"]), bytes(&r["memory"]))
        };
        let (mut cpu, mut memory) = (0, 0);
        let (mut init_cpu, mut init_memory) = (0, 0);
        for c in containers("containers") {
            let (c, m) = requests(&c);
            (cpu, memory) = (cpu + c, memory + m);
        }
        for c in containers("initContainers") {
            let (c_cpu, c_memory) = requests(&c);
            if c["restartPolicy"] == "Always" {
                (cpu, memory) = (cpu + c_cpu, memory + c_memory);
            } else {
                (init_cpu, init_memory) = (init_cpu.max(c_cpu), init_memory.max(c_memory));
            }
        }
        let overhead = &d["spec"]["overhead"];
        Some(PodRequests {
            namespace: pod.metadata.namespace.clone().unwrap_or_default(),
            cpu: cpu.max(init_cpu) + millicores(&overhead["cpu"]),
            memory: memory.max(init_memory) + bytes(&overhead["memory"]),
        })
    }
}

/// A node's allocatable CPU (millicores) and memory (bytes).
pub fn allocatable(node: &DynamicObject) -> (i64, i64) {
    let a = &node.data["status"]["allocatable"];
    (millicores(&a["cpu"]), bytes(&a["memory"]))
}

/// One namespace at one pass: millicores and bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamespaceUse {
    pub namespace: String,
    pub cpu_request: i64,
    pub cpu_usage: i64,
    pub memory_request: i64,
    pub memory_usage: i64,
}

impl NamespaceUse {
    /// What the namespace costs: the larger of request and usage.
    pub fn cpu_cost(&self) -> i64 {
        self.cpu_request.max(self.cpu_usage)
    }

    pub fn memory_cost(&self) -> i64 {
        self.memory_request.max(self.memory_usage)
    }
}

/// A cluster at one pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Measure {
    /// By namespace name.
    pub namespaces: Vec<NamespaceUse>,
    pub cpu_allocatable: i64,
    pub memory_allocatable: i64,
}

impl Measure {
    /// What the nodes offer beyond what the namespaces cost (millicores, bytes); none below 0.
    pub fn idle(&self) -> (i64, i64) {
        let cpu: i64 = self.namespaces.iter().map(NamespaceUse::cpu_cost).sum();
        let memory: i64 = self.namespaces.iter().map(NamespaceUse::memory_cost).sum();
        (
            (self.cpu_allocatable - cpu).max(0),
            (self.memory_allocatable - memory).max(0),
        )
    }
}

/// The namespaces' requests and usage, and the nodes' allocatable total. A namespace with usage
/// but no running pod of its own (metrics lag a deleted pod) is still measured.
pub fn measure(pods: &[&PodRequests], usage: &[PodMetrics], nodes: &[(i64, i64)]) -> Measure {
    let mut by_namespace: BTreeMap<&str, NamespaceUse> = BTreeMap::new();
    for p in pods {
        let n = by_namespace.entry(&p.namespace).or_default();
        n.cpu_request += p.cpu;
        n.memory_request += p.memory;
    }
    for m in usage {
        let n = by_namespace.entry(&m.metadata.namespace).or_default();
        for c in &m.containers {
            n.cpu_usage += quantity::whole_millicores(&c.usage.cpu).unwrap_or(0);
            n.memory_usage += quantity::whole_bytes(&c.usage.memory).unwrap_or(0);
        }
    }
    Measure {
        namespaces: by_namespace
            .into_iter()
            .map(|(namespace, n)| NamespaceUse {
                namespace: namespace.to_string(),
                ..n
            })
            .collect(),
        cpu_allocatable: nodes.iter().map(|n| n.0).sum(),
        memory_allocatable: nodes.iter().map(|n| n.1).sum(),
    }
}

/// The start of the hour `at` falls in.
pub fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::hours(1)).unwrap_or(at)
}

/// Millicore-seconds as core-hours.
pub fn core_hours(millicore_seconds: i64) -> Decimal {
    rounded(Decimal::from(millicore_seconds) / Decimal::from(3_600_000))
}

/// Byte-seconds as GiB-hours.
pub fn gib_hours(byte_seconds: i64) -> Decimal {
    rounded(Decimal::from(byte_seconds) / Decimal::from(1024_i64 * 1024 * 1024 * 3600))
}

/// To [`QUANTITY_PLACES`], halves away from zero.
pub fn rounded(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(QUANTITY_PLACES, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pod(v: Value) -> DynamicObject {
        let mut o = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "shop", "name": "p"}});
        for (k, val) in v.as_object().unwrap() {
            o[k] = val.clone();
        }
        serde_json::from_value(o).unwrap()
    }

    fn requests(cpu: &str, memory: &str) -> Value {
        json!({"requests": {"cpu": cpu, "memory": memory}})
    }

    #[test]
    fn a_pod_holds_its_effective_requests_while_a_node_runs_it() {
        let running = pod(json!({
            "spec": {"nodeName": "n1",
                     "containers": [{"name": "a", "resources": requests("250m", "256Mi")},
                                    {"name": "b", "resources": requests("100m", "64Mi")}],
                     "initContainers": [{"name": "migrate", "resources": requests("500m", "128Mi")},
                                        {"name": "proxy", "restartPolicy": "Always", "resources": requests("50m", "32Mi")}],
                     "overhead": {"cpu": "10m", "memory": "1Mi"}},
            "status": {"phase": "Running"}}));
        const MI: i64 = 1024 * 1024;
        // CPU: the init container's 500m beats the 400m of containers and sidecar; memory: the
        // 352Mi sum beats the init container's 128Mi. Then the overhead.
        assert_eq!(
            PodRequests::of(&running),
            Some(PodRequests {
                namespace: "shop".into(),
                cpu: 510,
                memory: 353 * MI
            })
        );
        let unscheduled = pod(
            json!({"spec": {"containers": [{"name": "a", "resources": requests("1", "1Gi")}]},
                                     "status": {"phase": "Pending"}}),
        );
        let done = pod(
            json!({"spec": {"nodeName": "n1", "containers": [{"name": "a", "resources": requests("1", "1Gi")}]},
                              "status": {"phase": "Succeeded"}}),
        );
        assert_eq!((PodRequests::of(&unscheduled), PodRequests::of(&done)), (None, None));
        let bare = pod(json!({"spec": {"nodeName": "n1", "containers": [{"name": "a"}]}}));
        assert_eq!(PodRequests::of(&bare).map(|p| (p.cpu, p.memory)), Some((0, 0)));
    }

    fn usage(namespace: &str, containers: &[(&str, &str)]) -> PodMetrics {
        let cs: Vec<Value> = containers
            .iter()
            .map(|(cpu, memory)| json!({"name": "c", "usage": {"cpu": cpu, "memory": memory}}))
            .collect();
        serde_json::from_value(json!({"metadata": {"namespace": namespace, "name": "x"}, "containers": cs})).unwrap()
    }

    #[test]
    fn a_namespace_costs_the_larger_of_request_and_usage_and_the_rest_is_idle() {
        const GI: i64 = 1024 * 1024 * 1024;
        let pods = [
            PodRequests {
                namespace: "shop".into(),
                cpu: 500,
                memory: 2 * GI,
            },
            PodRequests {
                namespace: "shop".into(),
                cpu: 500,
                memory: 0,
            },
            PodRequests {
                namespace: "batch".into(),
                cpu: 100,
                memory: GI,
            },
        ];
        let metrics = [
            usage("shop", &[("300m", "1Gi"), ("200m", "512Mi")]),
            // 1.5 cores used against 100m requested.
            usage("batch", &[("1500000000n", "256Mi")]),
            usage("gone", &[("10m", "1Mi")]),
        ];
        let m = measure(
            &pods.iter().collect::<Vec<_>>(),
            &metrics,
            &[(4000, 8 * GI), (2000, 4 * GI)],
        );
        let by: BTreeMap<&str, &NamespaceUse> = m.namespaces.iter().map(|n| (n.namespace.as_str(), n)).collect();
        assert_eq!(
            (by["shop"].cpu_request, by["shop"].cpu_usage, by["shop"].cpu_cost()),
            (1000, 500, 1000)
        );
        assert_eq!(
            (
                by["shop"].memory_request,
                by["shop"].memory_usage,
                by["shop"].memory_cost()
            ),
            (2 * GI, GI + GI / 2, 2 * GI)
        );
        assert_eq!((by["batch"].cpu_cost(), by["batch"].memory_cost()), (1500, GI));
        assert_eq!((by["gone"].cpu_request, by["gone"].cpu_cost()), (0, 10));
        assert_eq!((m.cpu_allocatable, m.memory_allocatable), (6000, 12 * GI));
        // 6000 − (1000 + 1500 + 10); 12Gi − (2Gi + 1Gi + 1Mi).
        assert_eq!(m.idle(), (3490, 9 * GI - 1024 * 1024));
        let full = Measure {
            cpu_allocatable: 100,
            ..m.clone()
        };
        assert_eq!(full.idle().0, 0, "never below zero");
    }

    #[test]
    fn quantities_are_exact_decimals_rounded_once() {
        // 250 millicores for an hour, 12 passes of 300 s: a quarter of a core-hour.
        assert_eq!(core_hours(250 * 300 * 12).to_string(), "0.25");
        // One millicore for one second: 1/3,600,000 core-hours rounds to 0.000000.
        assert_eq!(core_hours(1).to_string(), "0");
        // 2 millicore-seconds = 0.000000555… → 0.000001.
        assert_eq!(core_hours(2).to_string(), "0.000001");
        assert_eq!(gib_hours(3 * 1024 * 1024 * 1024 * 3600).to_string(), "3");
        assert_eq!(gib_hours(512 * 1024 * 1024 * 60).to_string(), "0.008333");
        let at: DateTime<Utc> = "2026-12-07T10:59:59.9Z".parse().unwrap();
        assert_eq!(hour_of(at).to_rfc3339(), "2026-12-07T10:00:00+00:00");
    }
}
