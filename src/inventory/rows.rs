//! Compact list rows: what an operator reads in a table, derived once per change from a cached
//! object — name, namespace, creation time, labels, one status word (what `sort=status` orders
//! by), restarts, and a summary typed per kind; custom resources get their CRD's printer columns.
//! Pure: it takes the object and the resource it belongs to.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::DynamicObject;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::kube::discovery::{PrinterColumn, ResourceInfo};

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub name: String,
    /// None for cluster-scoped kinds.
    pub namespace: Option<String>,
    pub uid: String,
    /// `metadata.creationTimestamp`; the console shows the age from it.
    pub created_at: Option<DateTime<Utc>>,
    pub labels: BTreeMap<String, String>,
    /// One word for the status column: a pod's reason or phase, `Ready`/`NotReady`, an event's
    /// type, a job's outcome, a claim's phase, a custom resource's Ready condition…
    pub status: String,
    /// Container restarts (pods); 0 for other kinds.
    pub restarts: u32,
    pub summary: Summary,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Column {
    pub name: String,
    /// The CRD's column type: string, integer, number, boolean or date.
    #[serde(rename = "type")]
    pub type_: String,
    pub value: Value,
}

/// The kind-specific part of a row.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
// Each variant renames its own fields: utoipa reads a variant's `rename_all`, not the enum's
// `rename_all_fields`, and the schema must name the fields as they are sent.
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Summary {
    #[serde(rename_all = "camelCase")]
    Pod {
        phase: String,
        ready_containers: u32,
        containers: u32,
        node: Option<String>,
        pod_ip: Option<String>,
        /// Why a container is not running (CrashLoopBackOff, ImagePullBackOff, OOMKilled…).
        reason: Option<String>,
    },
    /// Deployments, StatefulSets, ReplicaSets and DaemonSets.
    #[serde(rename_all = "camelCase")]
    Workload {
        desired: u32,
        ready: u32,
        updated: u32,
        available: u32,
    },
    #[serde(rename_all = "camelCase")]
    Node {
        ready: bool,
        unschedulable: bool,
        roles: Vec<String>,
        kubelet_version: String,
        internal_ip: Option<String>,
        taints: Vec<String>,
    },
    #[serde(rename_all = "camelCase")]
    Event {
        event_type: String,
        reason: String,
        /// `Kind/name` of the object the event is about.
        object: String,
        count: u32,
        message: String,
        last_seen: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Job {
        completions: u32,
        succeeded: u32,
        active: u32,
        failed: u32,
    },
    #[serde(rename_all = "camelCase")]
    CronJob {
        schedule: String,
        suspend: bool,
        active: u32,
        last_schedule: Option<String>,
    },
    /// PersistentVolumeClaims and PersistentVolumes.
    #[serde(rename_all = "camelCase")]
    Volume {
        phase: String,
        capacity: Option<String>,
        storage_class: Option<String>,
        access_modes: Vec<String>,
        /// The claim's volume, or the volume's claim (`namespace/name`).
        bound_to: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Service {
        service_type: String,
        cluster_ip: Option<String>,
        external: Vec<String>,
        /// `port/protocol`, with `:nodePort` when there is one.
        ports: Vec<String>,
    },
    #[serde(rename_all = "camelCase")]
    Ingress {
        class: Option<String>,
        hosts: Vec<String>,
        address: Vec<String>,
    },
    /// ConfigMaps and Secrets: the keys, never the values.
    #[serde(rename_all = "camelCase")]
    Data {
        keys: Vec<String>,
        secret_type: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Namespace {
        phase: String,
    },
    /// Custom resources: the CRD's additionalPrinterColumns.
    #[serde(rename_all = "camelCase")]
    Columns {
        columns: Vec<Column>,
    },
    Other,
}

/// A row as the cache keeps it: the row and its JSON, serialized once per change so that a
/// list answer only copies bytes.
#[derive(Debug)]
pub struct CachedRow {
    pub row: Row,
    pub json: Box<RawValue>,
}

impl crate::kube::cache::Derive for CachedRow {
    fn derive(resource: &ResourceInfo, object: &DynamicObject) -> CachedRow {
        let row = row(resource, object);
        let json = serde_json::value::to_raw_value(&row).expect("rows serialize");
        CachedRow { row, json }
    }

    fn key(&self) -> (&str, &str) {
        (self.row.namespace.as_deref().unwrap_or_default(), &self.row.name)
    }
}

/// k8s-openapi's timestamps (jiff) as chrono's, which the rest of Fleetdeck uses.
fn time(t: &k8s_openapi::jiff::Timestamp) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.as_second(), u32::try_from(t.subsec_nanosecond()).ok()?)
}

fn at<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(v, |v, p| v.get(p).unwrap_or(&Value::Null))
}

fn text(v: &Value, path: &[&str]) -> String {
    at(v, path).as_str().unwrap_or_default().to_string()
}

fn opt_text(v: &Value, path: &[&str]) -> Option<String> {
    at(v, path).as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

fn count(v: &Value, path: &[&str]) -> u32 {
    at(v, path).as_u64().map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
}

fn list<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    at(v, path).as_array().map(Vec::as_slice).unwrap_or_default()
}

fn strings(v: &Value, path: &[&str]) -> Vec<String> {
    list(v, path)
        .iter()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn condition<'a>(v: &'a Value, kind: &str) -> Option<&'a str> {
    list(v, &["status", "conditions"])
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
        .and_then(|c| c.get("status").and_then(Value::as_str))
}

/// The row of `object`, a member of `resource`.
pub fn row(resource: &ResourceInfo, object: &DynamicObject) -> Row {
    let meta = &object.metadata;
    let (status, restarts, summary) = summarize(resource, meta, &object.data);
    Row {
        name: meta.name.clone().unwrap_or_default(),
        namespace: meta.namespace.clone(),
        uid: meta.uid.clone().unwrap_or_default(),
        created_at: meta.creation_timestamp.as_ref().and_then(|t| time(&t.0)),
        labels: meta.labels.clone().unwrap_or_default(),
        status,
        restarts,
        summary,
    }
}

fn summarize(resource: &ResourceInfo, meta: &ObjectMeta, o: &Value) -> (String, u32, Summary) {
    let terminating = meta.deletion_timestamp.is_some();
    match (resource.group.as_str(), resource.resource.as_str()) {
        ("", "pods") => pod(o, terminating),
        ("apps", "deployments" | "statefulsets" | "replicasets") => {
            let desired = count(o, &["spec", "replicas"]);
            let ready = count(o, &["status", "readyReplicas"]);
            let updated = match resource.resource.as_str() {
                "replicasets" => count(o, &["status", "fullyLabeledReplicas"]),
                _ => count(o, &["status", "updatedReplicas"]),
            };
            let available = count(o, &["status", "availableReplicas"]);
            workload(desired, ready, updated, available)
        }
        ("apps", "daemonsets") => workload(
            count(o, &["status", "desiredNumberScheduled"]),
            count(o, &["status", "numberReady"]),
            count(o, &["status", "updatedNumberScheduled"]),
            count(o, &["status", "numberAvailable"]),
        ),
        ("", "nodes") => node(meta, o),
        ("", "events") | ("events.k8s.io", "events") => event(meta, o),
        ("batch", "jobs") => job(o),
        ("batch", "cronjobs") => {
            let suspend = at(o, &["spec", "suspend"]).as_bool().unwrap_or(false);
            let status = if suspend { "Suspended" } else { "Scheduled" };
            let summary = Summary::CronJob {
                schedule: text(o, &["spec", "schedule"]),
                suspend,
                active: u32::try_from(list(o, &["status", "active"]).len()).unwrap_or(u32::MAX),
                last_schedule: opt_text(o, &["status", "lastScheduleTime"]),
            };
            (status.into(), 0, summary)
        }
        ("", "persistentvolumeclaims") => volume(o, opt_text(o, &["spec", "volumeName"])),
        ("", "persistentvolumes") => {
            let claim = at(o, &["spec", "claimRef"]);
            let bound = opt_text(claim, &["name"]).map(|n| format!("{}/{n}", text(claim, &["namespace"])));
            volume(o, bound)
        }
        ("", "services") => service(o),
        ("networking.k8s.io", "ingresses") => ingress(o),
        ("", "configmaps") => {
            let mut keys: Vec<String> = ["data", "binaryData"]
                .iter()
                .flat_map(|f| at(o, &[f]).as_object().into_iter().flat_map(|m| m.keys().cloned()))
                .collect();
            keys.sort();
            (
                "".into(),
                0,
                Summary::Data {
                    keys,
                    secret_type: None,
                },
            )
        }
        ("", "secrets") => {
            let keys = at(o, &["data"])
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            let kind = text(o, &["type"]);
            (
                kind.clone(),
                0,
                Summary::Data {
                    keys,
                    secret_type: Some(kind),
                },
            )
        }
        ("", "namespaces") => {
            let phase = text(o, &["status", "phase"]);
            (phase.clone(), 0, Summary::Namespace { phase })
        }
        _ if !resource.printer_columns.is_empty() => custom(resource, meta, o, terminating),
        _ => (custom_status(o, terminating), 0, Summary::Other),
    }
}

fn workload(desired: u32, ready: u32, updated: u32, available: u32) -> (String, u32, Summary) {
    let status = if ready >= desired { "Ready" } else { "NotReady" };
    let summary = Summary::Workload {
        desired,
        ready,
        updated,
        available,
    };
    (status.into(), 0, summary)
}

/// A pod's status word as kubectl prints it: the first waiting or terminated container's
/// reason, else the phase; `Terminating` while it is being deleted.
fn pod(o: &Value, terminating: bool) -> (String, u32, Summary) {
    let statuses = list(o, &["status", "containerStatuses"]);
    let restarts = statuses.iter().map(|s| count(s, &["restartCount"])).sum();
    let ready = statuses
        .iter()
        .filter(|s| s.get("ready") == Some(&Value::Bool(true)))
        .count();
    let containers = list(o, &["spec", "containers"]).len();
    let reason = list(o, &["status", "initContainerStatuses"])
        .iter()
        .chain(statuses)
        .find_map(|s| {
            opt_text(s, &["state", "waiting", "reason"]).or_else(|| opt_text(s, &["state", "terminated", "reason"]))
        })
        .filter(|r| r != "Completed" || terminating);
    let phase = text(o, &["status", "phase"]);
    let status = if terminating {
        "Terminating".to_string()
    } else {
        reason
            .clone()
            .or_else(|| opt_text(o, &["status", "reason"]))
            .unwrap_or_else(|| phase.clone())
    };
    let summary = Summary::Pod {
        phase,
        ready_containers: u32::try_from(ready).unwrap_or(u32::MAX),
        containers: u32::try_from(containers).unwrap_or(u32::MAX),
        node: opt_text(o, &["spec", "nodeName"]),
        pod_ip: opt_text(o, &["status", "podIP"]),
        reason,
    };
    (status, restarts, summary)
}

fn node(meta: &ObjectMeta, o: &Value) -> (String, u32, Summary) {
    let ready = condition(o, "Ready") == Some("True");
    let unschedulable = at(o, &["spec", "unschedulable"]).as_bool().unwrap_or(false);
    let mut status = if ready { "Ready" } else { "NotReady" }.to_string();
    if unschedulable {
        status.push_str(",SchedulingDisabled");
    }
    let roles = meta
        .labels
        .iter()
        .flatten()
        .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/").map(str::to_string))
        .collect();
    let taints = list(o, &["spec", "taints"])
        .iter()
        .map(|t| {
            let (k, v, e) = (text(t, &["key"]), text(t, &["value"]), text(t, &["effect"]));
            if v.is_empty() {
                format!("{k}:{e}")
            } else {
                format!("{k}={v}:{e}")
            }
        })
        .collect();
    let internal_ip = list(o, &["status", "addresses"])
        .iter()
        .find(|a| a.get("type").and_then(Value::as_str) == Some("InternalIP"))
        .and_then(|a| opt_text(a, &["address"]));
    let summary = Summary::Node {
        ready,
        unschedulable,
        roles,
        kubelet_version: text(o, &["status", "nodeInfo", "kubeletVersion"]),
        internal_ip,
        taints,
    };
    (status, 0, summary)
}

fn event(meta: &ObjectMeta, o: &Value) -> (String, u32, Summary) {
    // core/v1 names the object `involvedObject`, events.k8s.io/v1 `regarding`.
    let about = match at(o, &["involvedObject"]) {
        Value::Null => at(o, &["regarding"]),
        v => v,
    };
    let event_type = text(o, &["type"]);
    let summary = Summary::Event {
        event_type: event_type.clone(),
        reason: text(o, &["reason"]),
        object: format!("{}/{}", text(about, &["kind"]), text(about, &["name"])),
        count: count(o, &["count"]).max(count(o, &["series", "count"])).max(1),
        message: opt_text(o, &["message"])
            .or_else(|| opt_text(o, &["note"]))
            .unwrap_or_default(),
        last_seen: opt_text(o, &["lastTimestamp"])
            .or_else(|| opt_text(o, &["eventTime"]))
            .or_else(|| meta.creation_timestamp.as_ref().map(|t| t.0.to_string())),
    };
    (event_type, 0, summary)
}

fn job(o: &Value) -> (String, u32, Summary) {
    let status = if condition(o, "Complete") == Some("True") {
        "Complete"
    } else if condition(o, "Failed") == Some("True") {
        "Failed"
    } else if at(o, &["spec", "suspend"]).as_bool().unwrap_or(false) {
        "Suspended"
    } else {
        "Running"
    };
    let summary = Summary::Job {
        completions: at(o, &["spec", "completions"])
            .as_u64()
            .map_or(1, |n| u32::try_from(n).unwrap_or(u32::MAX)),
        succeeded: count(o, &["status", "succeeded"]),
        active: count(o, &["status", "active"]),
        failed: count(o, &["status", "failed"]),
    };
    (status.into(), 0, summary)
}

fn volume(o: &Value, bound_to: Option<String>) -> (String, u32, Summary) {
    let phase = text(o, &["status", "phase"]);
    let capacity =
        opt_text(o, &["status", "capacity", "storage"]).or_else(|| opt_text(o, &["spec", "capacity", "storage"]));
    let summary = Summary::Volume {
        phase: phase.clone(),
        capacity,
        storage_class: opt_text(o, &["spec", "storageClassName"]),
        access_modes: strings(o, &["spec", "accessModes"]),
        bound_to,
    };
    (phase, 0, summary)
}

fn service(o: &Value) -> (String, u32, Summary) {
    let service_type = opt_text(o, &["spec", "type"]).unwrap_or_else(|| "ClusterIP".into());
    let mut external = strings(o, &["spec", "externalIPs"]);
    for ingress in list(o, &["status", "loadBalancer", "ingress"]) {
        external.extend(opt_text(ingress, &["ip"]).or_else(|| opt_text(ingress, &["hostname"])));
    }
    let ports = list(o, &["spec", "ports"])
        .iter()
        .map(|p| {
            let protocol = opt_text(p, &["protocol"]).unwrap_or_else(|| "TCP".into());
            match at(p, &["nodePort"]).as_u64() {
                Some(node) => format!("{}:{node}/{protocol}", at(p, &["port"])),
                None => format!("{}/{protocol}", at(p, &["port"])),
            }
        })
        .collect();
    let summary = Summary::Service {
        service_type: service_type.clone(),
        cluster_ip: opt_text(o, &["spec", "clusterIP"]),
        external,
        ports,
    };
    (service_type, 0, summary)
}

fn ingress(o: &Value) -> (String, u32, Summary) {
    let hosts = list(o, &["spec", "rules"])
        .iter()
        .filter_map(|r| opt_text(r, &["host"]))
        .collect();
    let address = list(o, &["status", "loadBalancer", "ingress"])
        .iter()
        .filter_map(|i| opt_text(i, &["ip"]).or_else(|| opt_text(i, &["hostname"])))
        .collect();
    let summary = Summary::Ingress {
        class: opt_text(o, &["spec", "ingressClassName"]),
        hosts,
        address,
    };
    ("".into(), 0, summary)
}

/// A custom resource's status word: its Ready condition, else `status.phase`.
fn custom_status(o: &Value, terminating: bool) -> String {
    if terminating {
        return "Terminating".into();
    }
    match condition(o, "Ready") {
        Some("True") => "Ready".into(),
        Some(_) => "NotReady".into(),
        None => text(o, &["status", "phase"]),
    }
}

fn custom(resource: &ResourceInfo, meta: &ObjectMeta, o: &Value, terminating: bool) -> (String, u32, Summary) {
    let metadata = serde_json::json!({"metadata": meta});
    let columns = resource
        .printer_columns
        .iter()
        .map(|c: &PrinterColumn| {
            let root = if c.json_path.trim_start_matches('.').starts_with("metadata") {
                &metadata
            } else {
                o
            };
            Column {
                name: c.name.clone(),
                type_: c.type_.clone(),
                value: json_path(root, &c.json_path).cloned().unwrap_or(Value::Null),
            }
        })
        .collect();
    (custom_status(o, terminating), 0, Summary::Columns { columns })
}

/// The subset of JSONPath that printer columns use: `.a.b`, `.a[0]`, `.a[?(@.k=="v")].b`.
pub fn json_path<'a>(object: &'a Value, path: &str) -> Option<&'a Value> {
    let path = path.trim().trim_start_matches('{').trim_end_matches('}');
    let mut current = object;
    let mut rest = path.strip_prefix('.').unwrap_or(path);
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let index = &after[..end];
            current = if let Some(filter) = index.strip_prefix("?(@.").and_then(|f| f.strip_suffix(')')) {
                let (field, value) = filter.split_once("==")?;
                let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
                current
                    .as_array()?
                    .iter()
                    .find(|item| item.get(field.trim()).and_then(Value::as_str) == Some(value))?
            } else {
                current.get(index.parse::<usize>().ok()?)?
            };
            rest = &after[end + 1..];
            rest = rest.strip_prefix('.').unwrap_or(rest);
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            current = current.get(&rest[..end])?;
            rest = &rest[end..];
            rest = rest.strip_prefix('.').unwrap_or(rest);
        }
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn info(group: &str, resource: &str) -> ResourceInfo {
        ResourceInfo::builtin(group, "v1", resource, "Test", true)
    }

    fn row(resource: &ResourceInfo, object: &Value) -> Row {
        super::row(resource, &serde_json::from_value(object.clone()).unwrap())
    }

    #[test]
    fn pods_read_like_kubectl() {
        let pod = json!({
            "metadata": {"name": "web-1", "namespace": "shop", "uid": "u1", "labels": {"app": "web"},
                         "creationTimestamp": "2026-01-02T03:04:05Z"},
            "spec": {"nodeName": "n1", "containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"phase": "Running", "podIP": "10.0.0.7", "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 2, "state": {"running": {}}},
                {"name": "b", "ready": false, "restartCount": 5, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
            ]}
        });
        let r = row(&info("", "pods"), &pod);
        assert_eq!(r.name, "web-1");
        assert_eq!(r.namespace.as_deref(), Some("shop"));
        assert_eq!(r.status, "CrashLoopBackOff");
        assert_eq!(r.restarts, 7);
        assert_eq!(r.labels.get("app").map(String::as_str), Some("web"));
        assert_eq!(r.created_at.unwrap().to_rfc3339(), "2026-01-02T03:04:05+00:00");
        let Summary::Pod {
            ready_containers,
            containers,
            node,
            pod_ip,
            ..
        } = r.summary
        else {
            panic!()
        };
        assert_eq!((ready_containers, containers), (1, 2));
        assert_eq!((node.as_deref(), pod_ip.as_deref()), (Some("n1"), Some("10.0.0.7")));

        let done = json!({"metadata": {"name": "j"}, "status": {"phase": "Succeeded", "containerStatuses": [
            {"state": {"terminated": {"reason": "Completed"}}}]}});
        assert_eq!(row(&info("", "pods"), &done).status, "Succeeded");
        let deleting = json!({"metadata": {"name": "d", "deletionTimestamp": "2026-01-01T00:00:00Z"}, "status": {"phase": "Running"}});
        assert_eq!(row(&info("", "pods"), &deleting).status, "Terminating");
    }

    #[test]
    fn workloads_nodes_and_events() {
        let d = json!({"metadata": {"name": "d"}, "spec": {"replicas": 3},
                       "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
        let r = row(&info("apps", "deployments"), &d);
        assert_eq!(r.status, "NotReady");
        assert_eq!(
            r.summary,
            Summary::Workload {
                desired: 3,
                ready: 2,
                updated: 3,
                available: 2
            }
        );

        let n = json!({"metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/control-plane": ""}},
                       "spec": {"unschedulable": true, "taints": [{"key": "k", "effect": "NoSchedule"}]},
                       "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.33.0"},
                                  "addresses": [{"type": "InternalIP", "address": "10.1.0.1"}]}});
        let r = row(&info("", "nodes"), &n);
        assert_eq!(r.status, "Ready,SchedulingDisabled");
        let Summary::Node {
            roles,
            taints,
            internal_ip,
            kubelet_version,
            ..
        } = r.summary
        else {
            panic!()
        };
        assert_eq!(roles, ["control-plane"]);
        assert_eq!(taints, ["k:NoSchedule"]);
        assert_eq!(internal_ip.as_deref(), Some("10.1.0.1"));
        assert_eq!(kubelet_version, "v1.33.0");

        let e = json!({"metadata": {"name": "e"}, "type": "Warning", "reason": "BackOff", "count": 4, "message": "m",
                       "involvedObject": {"kind": "Pod", "name": "web-1"}, "lastTimestamp": "2026-01-01T00:00:00Z"});
        let r = row(&info("", "events"), &e);
        assert_eq!(r.status, "Warning");
        let Summary::Event { object, count, .. } = r.summary else {
            panic!()
        };
        assert_eq!((object.as_str(), count), ("Pod/web-1", 4));
    }

    #[test]
    fn services_claims_and_secrets() {
        let s = json!({"metadata": {"name": "s"}, "spec": {"type": "NodePort", "clusterIP": "10.96.0.5",
                       "ports": [{"port": 80, "nodePort": 30080}, {"port": 53, "protocol": "UDP"}]}});
        let Summary::Service { ports, .. } = row(&info("", "services"), &s).summary else {
            panic!()
        };
        assert_eq!(ports, ["80:30080/TCP", "53/UDP"]);

        let c = json!({"metadata": {"name": "c"}, "spec": {"volumeName": "pv1", "accessModes": ["ReadWriteOnce"]},
                       "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}}});
        let r = row(&info("", "persistentvolumeclaims"), &c);
        assert_eq!(r.status, "Bound");
        assert!(
            matches!(r.summary, Summary::Volume { capacity: Some(ref c), bound_to: Some(ref b), .. } if c == "1Gi" && b == "pv1")
        );

        let secret = json!({"metadata": {"name": "x"}, "type": "Opaque", "data": {"password": "c2VjcmV0"}});
        let secret = serde_json::from_value(secret).unwrap();
        let cached = <CachedRow as crate::kube::cache::Derive>::derive(&info("", "secrets"), &secret);
        assert!(
            !cached.json.get().contains("c2VjcmV0"),
            "a row never carries a secret's value"
        );
        assert!(cached.json.get().contains("password"));
    }

    #[test]
    fn custom_resources_get_printer_columns() {
        let mut res = info("example.com", "widgets");
        res.printer_columns = vec![
            PrinterColumn {
                name: "Size".into(),
                type_: "integer".into(),
                json_path: ".spec.size".into(),
            },
            PrinterColumn {
                name: "Ready".into(),
                type_: "string".into(),
                json_path: r#".status.conditions[?(@.type=="Ready")].status"#.into(),
            },
            PrinterColumn {
                name: "First".into(),
                type_: "string".into(),
                json_path: ".spec.items[0].name".into(),
            },
        ];
        let w = json!({"metadata": {"name": "w"}, "spec": {"size": 3, "items": [{"name": "i0"}]},
                       "status": {"conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]}});
        let r = row(&res, &w);
        assert_eq!(r.status, "Ready");
        let Summary::Columns { columns } = r.summary else {
            panic!()
        };
        let values: Vec<_> = columns.iter().map(|c| c.value.clone()).collect();
        assert_eq!(values, [json!(3), json!("True"), json!("i0")]);
        assert_eq!(json_path(&w, ".spec.missing"), None);
    }
}
