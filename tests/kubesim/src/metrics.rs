//! metrics.k8s.io/v1beta1 as metrics-server serves it (`kubectl top`): NodeMetrics and
//! PodMetrics computed on every read from the stored nodes and pods. Usage comes from
//! `Sim::set_usage`, else the object's usage annotations, else a value derived from its
//! name, so every run shows the same figures.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::discovery::{self, METRICS_GROUP, ResourceInfo};
use crate::generate::Rng;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::status::{ApiError, ApiResult};
use crate::store::{Store, now_rfc3339};

/// `cpu=250m,memory=128Mi`: a node's usage, or a pod's first container's;
/// `kubesim.fleetdeck.dev/usage.<container>` is any container's.
pub const USAGE_ANNOTATION: &str = "kubesim.fleetdeck.dev/usage";

/// The time every sample spans (metrics-server's `--metric-resolution`).
pub const WINDOW: &str = "30s";

/// Which metrics `Sim::set_usage` sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricsKind {
    Pod,
    Node,
}

/// CPU in nanocores and memory in bytes, the units metrics-server measures in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub nanocores: u64,
    pub bytes: u64,
}

impl Usage {
    /// From two quantities (`250m`, `128Mi`).
    pub fn parse(cpu: &str, memory: &str) -> Option<Usage> {
        Some(Usage {
            nanocores: nanocores(parse_quantity(cpu)?),
            bytes: parse_quantity(memory)?.round() as u64,
        })
    }

    fn to_json(self) -> Value {
        json!({"cpu": format_cpu(self.nanocores), "memory": format_memory(self.bytes)})
    }
}

/// Usage set with `Sim::set_usage`, by kind, namespace, name and container (nodes have
/// "" for namespace and container).
pub type Overrides = HashMap<(MetricsKind, String, String, String), Usage>;

const DECIMAL_SUFFIXES: &[(&str, i32)] = &[
    ("n", -9),
    ("u", -6),
    ("m", -3),
    ("", 0),
    ("k", 3),
    ("M", 6),
    ("G", 9),
    ("T", 12),
    ("P", 15),
    ("E", 18),
];
const BINARY_SUFFIXES: &[&str] = &["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/// A Kubernetes quantity (`250m`, `1.5Gi`, `2e3`) in its base unit (cores, bytes).
pub fn parse_quantity(s: &str) -> Option<f64> {
    let s = s.trim();
    let end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (number, suffix) = s.split_at(end);
    let value: f64 = number.parse().ok()?;
    let factor = if let Some((_, exponent)) = DECIMAL_SUFFIXES.iter().find(|(sfx, _)| *sfx == suffix) {
        10f64.powi(*exponent)
    } else if let Some(power) = BINARY_SUFFIXES.iter().position(|sfx| *sfx == suffix) {
        1024f64.powi(power as i32)
    } else {
        10f64.powi(suffix.strip_prefix(['e', 'E'])?.parse().ok()?)
    };
    Some(value * factor)
}

/// A quantity in JSON: a string, or a bare number as YAML gives `cpu: 1`.
fn quantity_of(v: &Value) -> Option<f64> {
    v.as_str().map_or_else(|| v.as_f64(), parse_quantity)
}

fn nanocores(cores: f64) -> u64 {
    (cores * 1e9).round() as u64
}

/// `value`×10^`exponent` as the apiserver prints a decimal quantity: with the largest
/// suffix that keeps the number whole.
fn decimal(mut value: u64, mut exponent: i32) -> String {
    if value == 0 {
        return "0".into();
    }
    while value.is_multiple_of(1000) && exponent < 18 {
        value /= 1000;
        exponent += 3;
    }
    let suffix = DECIMAL_SUFFIXES
        .iter()
        .find(|(_, e)| *e == exponent)
        .map_or("", |(s, _)| s);
    format!("{value}{suffix}")
}

/// CPU as metrics-server prints it: `12345678n`, `250m`, `2`.
pub fn format_cpu(nanocores: u64) -> String {
    decimal(nanocores, -9)
}

/// Memory as metrics-server prints it (a binary quantity): `131076Ki`, `128Mi`, or plain
/// bytes when they are no whole number of KiB.
pub fn format_memory(bytes: u64) -> String {
    // Go prints binary quantities below 1Ki in decimal.
    if bytes < 1024 {
        return decimal(bytes, 0);
    }
    let (mut value, mut power) = (bytes, 0);
    while value.is_multiple_of(1024) && power < BINARY_SUFFIXES.len() - 1 {
        value /= 1024;
        power += 1;
    }
    format!("{value}{}", BINARY_SUFFIXES[power])
}

/// A usage annotation (`cpu=250m,memory=128Mi`, either may be left out): nanocores and bytes.
pub fn parse_usage(text: &str) -> Result<(Option<u64>, Option<u64>), String> {
    let (mut cpu, mut memory) = (None, None);
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, quantity) = part
            .split_once('=')
            .ok_or_else(|| format!("{part:?} is not resource=quantity"))?;
        let value = parse_quantity(quantity).ok_or_else(|| format!("{:?} is not a quantity", quantity.trim()))?;
        match name.trim() {
            "cpu" => cpu = Some(nanocores(value)),
            "memory" => memory = Some(value.round() as u64),
            other => return Err(format!("unknown resource {other:?} (cpu or memory)")),
        }
    }
    Ok((cpu, memory))
}

/// FNV-1a: the same in every build and run, unlike std's hashers.
fn stable_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A plausible usage for `key`: 10–90% of `ceiling`, memory in whole 4 KiB pages.
pub fn generated(key: &str, ceiling: Usage) -> Usage {
    let mut rng = Rng(stable_hash(key));
    let mut share = |of: u64| (u128::from(of) * u128::from(100_000 + rng.below(800_000)) / 1_000_000) as u64;
    let nanocores = share(ceiling.nanocores).max(1);
    let bytes = (share(ceiling.bytes) / 4096 * 4096).max(4096);
    Usage { nanocores, bytes }
}

/// The first of `lists` (e.g. requests, then limits) that names each resource, else `default`.
fn ceiling(lists: [&Value; 2], default: Usage) -> Usage {
    let pick = |name: &str| lists.iter().find_map(|l| quantity_of(&l[name]));
    Usage {
        nanocores: pick("cpu").map_or(default.nanocores, nanocores),
        bytes: pick("memory").map_or(default.bytes, |b| b.round() as u64),
    }
}

/// Set usage, else the annotation's figures, else generated ones below `ceiling`.
fn usage_of(set: Option<Usage>, annotation: Option<&str>, key: &str, ceiling: Usage) -> Result<Usage, String> {
    if let Some(usage) = set {
        return Ok(usage);
    }
    let (cpu, memory) = annotation.map(parse_usage).transpose()?.unwrap_or_default();
    let made = generated(key, ceiling);
    Ok(Usage {
        nanocores: cpu.unwrap_or(made.nanocores),
        bytes: memory.unwrap_or(made.bytes),
    })
}

fn bad_annotation(what: &str, error: String) -> ApiError {
    ApiError::new(
        500,
        "InternalError",
        format!("kubesim: {what}: bad usage annotation: {error}"),
    )
}

/// metadata as metrics-server writes it: the object's name, namespace and labels, and
/// the time of the answer as creationTimestamp.
fn item_metadata(meta: &Value, now: &str) -> Value {
    let mut out = json!({"name": meta["name"], "creationTimestamp": now});
    for field in ["namespace", "labels"] {
        if !meta[field].is_null() {
            out[field] = meta[field].clone();
        }
    }
    out
}

/// A pod's PodMetrics, or None where metrics-server has none: the pod is not Running,
/// or none of its containers is.
pub fn pod_metrics(pod: &Value, set: &Overrides, now: &str) -> ApiResult<Option<Value>> {
    if pod["status"]["phase"] != "Running" {
        return Ok(None);
    }
    let meta = &pod["metadata"];
    let ns = meta["namespace"].as_str().unwrap_or_default();
    let name = meta["name"].as_str().unwrap_or_default();
    let annotations = &meta["annotations"];
    // A container without requests or limits stays below 100m and 128Mi.
    let default = Usage {
        nanocores: 100_000_000,
        bytes: 128 << 20,
    };
    let mut containers = Vec::new();
    for (i, c) in pod["spec"]["containers"].as_array().into_iter().flatten().enumerate() {
        let container = c["name"].as_str().unwrap_or_default();
        if !crate::exec::running(pod, container) {
            continue;
        }
        let annotation = annotations[format!("{USAGE_ANNOTATION}.{container}")]
            .as_str()
            .or_else(|| {
                if i == 0 {
                    annotations[USAGE_ANNOTATION].as_str()
                } else {
                    None
                }
            });
        let key = (
            MetricsKind::Pod,
            ns.to_string(),
            name.to_string(),
            container.to_string(),
        );
        let resources = &c["resources"];
        let usage = usage_of(
            set.get(&key).copied(),
            annotation,
            &format!("{ns}/{name}/{container}"),
            ceiling([&resources["requests"], &resources["limits"]], default),
        )
        .map_err(|e| bad_annotation(&format!("pod {ns}/{name}"), e))?;
        containers.push(json!({"name": container, "usage": usage.to_json()}));
    }
    if containers.is_empty() {
        return Ok(None);
    }
    Ok(Some(json!({
        "metadata": item_metadata(meta, now),
        "timestamp": now,
        "window": WINDOW,
        "containers": containers,
    })))
}

/// A node's NodeMetrics, or None when its kubelet is not Ready (nothing to scrape).
pub fn node_metrics(node: &Value, set: &Overrides, now: &str) -> ApiResult<Option<Value>> {
    let status = &node["status"];
    let ready = status["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Ready");
    if ready.is_some_and(|c| c["status"] != "True") {
        return Ok(None);
    }
    let meta = &node["metadata"];
    let name = meta["name"].as_str().unwrap_or_default();
    // A node without allocatable or capacity is taken to have 4 cores and 16Gi.
    let default = Usage {
        nanocores: 4_000_000_000,
        bytes: 16 << 30,
    };
    let key = (MetricsKind::Node, String::new(), name.to_string(), String::new());
    let usage = usage_of(
        set.get(&key).copied(),
        meta["annotations"][USAGE_ANNOTATION].as_str(),
        name,
        ceiling([&status["allocatable"], &status["capacity"]], default),
    )
    .map_err(|e| bad_annotation(&format!("node {name}"), e))?;
    Ok(Some(json!({
        "metadata": item_metadata(meta, now),
        "timestamp": now,
        "window": WINDOW,
        "usage": usage.to_json(),
    })))
}

/// The stored resource a metrics resource is computed from (pods or nodes).
fn source(r: &ResourceInfo) -> &'static ResourceInfo {
    discovery::find("", "v1", &r.resource).expect("metrics resources are named after pods and nodes")
}

fn metrics_of(r: &ResourceInfo, obj: &Value, set: &Overrides, now: &str) -> ApiResult<Option<Value>> {
    if r.namespaced {
        pod_metrics(obj, set, now)
    } else {
        node_metrics(obj, set, now)
    }
}

/// One PodMetrics or NodeMetrics, with metrics-server's 404s: the pod or node is
/// missing, or it has no metrics (`podmetrics.metrics.k8s.io "ns/name" not found`).
pub fn get(store: &Store, set: &Overrides, r: &ResourceInfo, ns: &str, name: &str) -> ApiResult<Value> {
    let obj = store.get(source(r), ns, name)?;
    let Some(mut m) = metrics_of(r, &obj, set, &now_rfc3339())? else {
        let (resource, id) = if r.namespaced {
            ("podmetrics", format!("{ns}/{name}"))
        } else {
            ("nodemetrics", name.to_string())
        };
        return Err(ApiError::not_found(METRICS_GROUP, resource, &id));
    };
    m["kind"] = json!(r.kind);
    m["apiVersion"] = json!(r.api_version());
    Ok(m)
}

/// PodMetricsList or NodeMetricsList of the selected pods or nodes that have metrics,
/// sorted by namespace and name. As metrics-server's, the list has no resourceVersion
/// and its items no kind.
pub fn list(
    store: &Store,
    set: &Overrides,
    r: &ResourceInfo,
    namespace: Option<&str>,
    labels: &LabelSelector,
    fields: &FieldSelector,
) -> ApiResult<Value> {
    let now = now_rfc3339();
    let mut items = Vec::new();
    for (_, obj) in store.select(source(r), namespace, labels, fields) {
        items.extend(metrics_of(r, obj, set, &now)?);
    }
    Ok(json!({
        "kind": format!("{}List", r.kind),
        "apiVersion": r.api_version(),
        "metadata": {},
        "items": items,
    }))
}

/// A Table row as metrics-server prints one: name, CPU and memory (summed over a pod's
/// containers), window.
pub fn cells(m: &Value) -> Vec<Value> {
    let usages: Vec<&Value> = match m["containers"].as_array() {
        Some(containers) => containers.iter().map(|c| &c["usage"]).collect(),
        None => vec![&m["usage"]],
    };
    let total = |resource: &str| usages.iter().filter_map(|u| quantity_of(&u[resource])).sum::<f64>();
    vec![
        m["metadata"]["name"].clone(),
        json!(format_cpu(nanocores(total("cpu")))),
        json!(format_memory(total("memory").round() as u64)),
        m["window"].clone(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse_in_base_units() {
        assert_eq!(parse_quantity("250m"), Some(0.25));
        assert_eq!(parse_quantity("2"), Some(2.0));
        assert_eq!(parse_quantity("1.5"), Some(1.5));
        assert_eq!(parse_quantity("12345678n").map(nanocores), Some(12_345_678));
        assert_eq!(parse_quantity("128Mi"), Some(134_217_728.0));
        assert_eq!(parse_quantity("1.5Gi"), Some(1_610_612_736.0));
        assert_eq!(parse_quantity("1G"), Some(1e9));
        assert_eq!(parse_quantity("2e3"), Some(2000.0));
        assert_eq!(parse_quantity("1E"), Some(1e18));
        for bad in ["", "m", "-1", "1x", "1.2.3", "1Mb", "e3"] {
            assert_eq!(parse_quantity(bad), None, "{bad}");
        }
    }

    #[test]
    fn quantities_print_as_metrics_server_prints_them() {
        assert_eq!(format_cpu(0), "0");
        assert_eq!(format_cpu(12_345_678), "12345678n");
        assert_eq!(format_cpu(4_116_000), "4116u");
        assert_eq!(format_cpu(250_000_000), "250m");
        assert_eq!(format_cpu(1_500_000_000), "1500m");
        assert_eq!(format_cpu(2_000_000_000), "2");
        assert_eq!(format_memory(0), "0");
        assert_eq!(format_memory(1000), "1k");
        assert_eq!(format_memory(512), "512");
        assert_eq!(format_memory(134_217_728), "128Mi");
        assert_eq!(format_memory(126_418_944), "123456Ki");
        assert_eq!(format_memory(1_000_000_000), "1000000000");
        assert_eq!(format_memory(16 << 30), "16Gi");
    }

    #[test]
    fn usage_annotations_parse_and_name_their_mistakes() {
        assert_eq!(
            parse_usage("cpu=250m,memory=128Mi"),
            Ok((Some(250_000_000), Some(134_217_728)))
        );
        assert_eq!(parse_usage(" memory = 1Gi "), Ok((None, Some(1 << 30))));
        assert_eq!(parse_usage(""), Ok((None, None)));
        assert_eq!(parse_usage("cpu=lots"), Err("\"lots\" is not a quantity".into()));
        assert_eq!(parse_usage("cpu"), Err("\"cpu\" is not resource=quantity".into()));
        assert_eq!(
            parse_usage("gpu=1"),
            Err("unknown resource \"gpu\" (cpu or memory)".into())
        );
    }

    #[test]
    fn generated_usage_is_stable_and_below_the_ceiling() {
        let ceiling = Usage {
            nanocores: 200_000_000,
            bytes: 256 << 20,
        };
        let a = generated("shop/web-1/web", ceiling);
        assert_eq!(a, generated("shop/web-1/web", ceiling));
        assert_ne!(a, generated("shop/web-2/web", ceiling));
        // Pinned: figures must not change between builds, tests compare them.
        assert_eq!(
            (format_cpu(a.nanocores), format_memory(a.bytes)),
            ("86116800n".into(), "88256Ki".into())
        );
        for i in 0..1000 {
            let u = generated(&format!("ns/pod-{i}/c"), ceiling);
            assert!(u.nanocores >= ceiling.nanocores / 10 && u.nanocores < ceiling.nanocores * 9 / 10);
            assert!(u.bytes >= ceiling.bytes / 10 - 4096 && u.bytes < ceiling.bytes * 9 / 10);
            assert_eq!(u.bytes % 4096, 0);
        }
    }

    fn pod(phase: &str, annotations: Value) -> Value {
        json!({
            "metadata": {"name": "p", "namespace": "n", "labels": {"app": "a"}, "annotations": annotations},
            "spec": {"containers": [
                {"name": "app", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}},
                {"name": "side"},
            ]},
            "status": {"phase": phase},
        })
    }

    #[test]
    fn pod_usage_comes_from_set_usage_then_annotations_then_the_generator() {
        let annotations = json!({
            USAGE_ANNOTATION: "cpu=250m,memory=128Mi",
            format!("{USAGE_ANNOTATION}.side"): "memory=16Mi",
        });
        let now = "2026-01-01T00:00:00Z";
        let m = pod_metrics(&pod("Running", annotations.clone()), &Overrides::new(), now)
            .unwrap()
            .unwrap();
        assert_eq!(
            m["metadata"],
            json!({"name": "p", "namespace": "n", "labels": {"app": "a"}, "creationTimestamp": now})
        );
        assert_eq!((&m["timestamp"], &m["window"]), (&json!(now), &json!("30s")));
        assert_eq!(
            m["containers"][0],
            json!({"name": "app", "usage": {"cpu": "250m", "memory": "128Mi"}})
        );
        let side_cpu = generated(
            "n/p/side",
            Usage {
                nanocores: 100_000_000,
                bytes: 128 << 20,
            },
        )
        .nanocores;
        assert_eq!(
            m["containers"][1],
            json!({"name": "side", "usage": {"cpu": format_cpu(side_cpu), "memory": "16Mi"}})
        );

        let mut set = Overrides::new();
        let key = (MetricsKind::Pod, "n".into(), "p".into(), "app".into());
        set.insert(key, Usage::parse("1", "2Gi").unwrap());
        let m = pod_metrics(&pod("Running", annotations), &set, now).unwrap().unwrap();
        assert_eq!(m["containers"][0]["usage"], json!({"cpu": "1", "memory": "2Gi"}));

        assert_eq!(pod_metrics(&pod("Pending", json!({})), &set, now).unwrap(), None);
        let bad = pod("Running", json!({USAGE_ANNOTATION: "cpu=x"}));
        let err = pod_metrics(&bad, &Overrides::new(), now).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (500, "kubesim: pod n/p: bad usage annotation: \"x\" is not a quantity")
        );
    }

    #[test]
    fn containers_that_do_not_run_have_no_usage() {
        let mut p = pod("Running", json!({}));
        p["status"]["containerStatuses"] = json!([
            {"name": "app", "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
            {"name": "side", "state": {"running": {}}},
        ]);
        let m = pod_metrics(&p, &Overrides::new(), "t").unwrap().unwrap();
        assert_eq!(m["containers"].as_array().unwrap().len(), 1);
        assert_eq!(m["containers"][0]["name"], "side");
        p["status"]["containerStatuses"][1]["state"] = json!({"terminated": {}});
        assert_eq!(pod_metrics(&p, &Overrides::new(), "t").unwrap(), None);
    }

    #[test]
    fn node_usage_stays_below_allocatable_and_needs_a_ready_kubelet() {
        let node = |ready: &str| {
            json!({"metadata": {"name": "node-0"},
                   "status": {"allocatable": {"cpu": "2", "memory": "8Gi"},
                              "conditions": [{"type": "Ready", "status": ready}]}})
        };
        let m = node_metrics(&node("True"), &Overrides::new(), "t").unwrap().unwrap();
        let cpu = parse_quantity(m["usage"]["cpu"].as_str().unwrap()).unwrap();
        let memory = parse_quantity(m["usage"]["memory"].as_str().unwrap()).unwrap();
        assert!(cpu > 0.0 && cpu < 2.0 && memory > 0.0 && memory < 8.0 * 1024f64.powi(3));
        assert_eq!(node_metrics(&node("Unknown"), &Overrides::new(), "t").unwrap(), None);
    }

    #[test]
    fn table_cells_sum_a_pods_containers() {
        let m = json!({"metadata": {"name": "p"}, "window": "30s", "containers": [
            {"name": "a", "usage": {"cpu": "250m", "memory": "128Mi"}},
            {"name": "b", "usage": {"cpu": "1500000n", "memory": "4Ki"}},
        ]});
        assert_eq!(
            cells(&m),
            [json!("p"), json!("251500u"), json!("131076Ki"), json!("30s")]
        );
        let n = json!({"metadata": {"name": "n"}, "window": "30s", "usage": {"cpu": "2", "memory": "1Gi"}});
        assert_eq!(cells(&n), [json!("n"), json!("2"), json!("1Gi"), json!("30s")]);
    }
}
