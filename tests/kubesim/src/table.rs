//! `meta.k8s.io/v1` Table responses with the apiserver's printer columns, so that
//! `kubectl get` prints what it prints against a real cluster.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::discovery::ResourceInfo;

/// How much of each object a Table row carries (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

impl IncludeObject {
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            // The apiserver's default is Metadata.
            _ => IncludeObject::Metadata,
        }
    }
}

/// Whether the Accept header asks for a Table.
pub fn wants_table(accept: &str) -> bool {
    accept.split(',').next().is_some_and(|first| first.contains("as=Table"))
}

fn col(name: &str, ty: &str, format: &str, description: &str, priority: i64) -> Value {
    json!({"name": name, "type": ty, "format": format, "description": description, "priority": priority})
}

pub fn name_col() -> Value {
    col(
        "Name",
        "string",
        "name",
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
        0,
    )
}

fn age_col() -> Value {
    col(
        "Age",
        "string",
        "",
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
        0,
    )
}

/// Go's `duration.HumanDuration`, which the apiserver uses for AGE.
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    if secs < 0 {
        return "0s".into();
    }
    if secs < 120 {
        return format!("{secs}s");
    }
    let minutes = secs / 60;
    if minutes < 10 {
        let s = secs % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = secs / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

fn age(obj: &Value, now: DateTime<Utc>) -> String {
    obj["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| human_duration((now - t.with_timezone(&Utc)).num_seconds()))
        .unwrap_or_else(|| "<unknown>".into())
}

fn s<'a>(v: &'a Value, default: &'a str) -> &'a str {
    v.as_str().unwrap_or(default)
}

/// The pod STATUS column, following the apiserver's printPod.
pub fn pod_status(pod: &Value) -> String {
    let mut reason = s(&pod["status"]["reason"], "").to_string();
    if reason.is_empty() {
        reason = s(&pod["status"]["phase"], "").to_string();
    }
    let empty = Vec::new();
    let init_statuses = pod["status"]["initContainerStatuses"].as_array().unwrap_or(&empty);
    let init_count = pod["spec"]["initContainers"].as_array().map_or(0, Vec::len);
    let mut initializing = false;
    for (i, c) in init_statuses.iter().enumerate() {
        let term = &c["state"]["terminated"];
        if term.is_object() && term["exitCode"].as_i64() == Some(0) {
            continue;
        }
        initializing = true;
        if term.is_object() {
            reason = match term["reason"].as_str() {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ => match term["signal"].as_i64() {
                    Some(sig) if sig != 0 => format!("Init:Signal:{sig}"),
                    _ => format!("Init:ExitCode:{}", term["exitCode"].as_i64().unwrap_or(0)),
                },
            };
        } else if let Some(w) = c["state"]["waiting"]["reason"]
            .as_str()
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{w}");
        } else {
            reason = format!("Init:{i}/{init_count}");
        }
        break;
    }
    if !initializing {
        let mut has_running = false;
        let statuses = pod["status"]["containerStatuses"].as_array().unwrap_or(&empty);
        for c in statuses.iter().rev() {
            let st = &c["state"];
            if let Some(w) = st["waiting"]["reason"].as_str().filter(|r| !r.is_empty()) {
                reason = w.to_string();
            } else if st["terminated"].is_object() {
                let t = &st["terminated"];
                reason = match t["reason"].as_str() {
                    Some(r) if !r.is_empty() => r.to_string(),
                    _ => match t["signal"].as_i64() {
                        Some(sig) if sig != 0 => format!("Signal:{sig}"),
                        _ => format!("ExitCode:{}", t["exitCode"].as_i64().unwrap_or(0)),
                    },
                };
            } else if st["running"].is_object() && c["ready"].as_bool() == Some(true) {
                has_running = true;
            }
        }
        if reason == "Completed" && has_running {
            let ready = pod["status"]["conditions"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True");
            reason = if ready { "Running".into() } else { "NotReady".into() };
        }
    }
    if pod["metadata"]["deletionTimestamp"].is_string() {
        reason = if pod["status"]["reason"] == "NodeLost" {
            "Unknown".into()
        } else {
            "Terminating".into()
        };
    }
    reason
}

fn pod_row(pod: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let empty = Vec::new();
    let total = pod["spec"]["containers"].as_array().map_or(0, Vec::len);
    let statuses = pod["status"]["containerStatuses"].as_array().unwrap_or(&empty);
    let ready = statuses.iter().filter(|c| c["ready"].as_bool() == Some(true)).count();
    let restarts: i64 = statuses.iter().map(|c| c["restartCount"].as_i64().unwrap_or(0)).sum();
    let last_restart = statuses
        .iter()
        .filter_map(|c| c["lastState"]["terminated"]["finishedAt"].as_str())
        .filter_map(|t| DateTime::parse_from_rfc3339(t).ok())
        .max();
    let restarts = match last_restart {
        Some(t) if restarts > 0 => format!(
            "{restarts} ({} ago)",
            human_duration((now - t.with_timezone(&Utc)).num_seconds())
        ),
        _ => restarts.to_string(),
    };
    let or_none = |v: &Value| json!(v.as_str().filter(|s| !s.is_empty()).unwrap_or("<none>"));
    vec![
        json!(pod["metadata"]["name"]),
        json!(format!("{ready}/{total}")),
        json!(pod_status(pod)),
        json!(restarts),
        json!(age(pod, now)),
        or_none(&pod["status"]["podIP"]),
        or_none(&pod["spec"]["nodeName"]),
        or_none(&pod["status"]["nominatedNodeName"]),
        json!("<none>"),
    ]
}

fn node_row(node: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let empty = Vec::new();
    let conditions = node["status"]["conditions"].as_array().unwrap_or(&empty);
    let mut status = match conditions.iter().find(|c| c["type"] == "Ready") {
        Some(c) if c["status"] == "True" => "Ready".to_string(),
        Some(_) => "NotReady".to_string(),
        None => "Unknown".to_string(),
    };
    if node["spec"]["unschedulable"].as_bool() == Some(true) {
        status.push_str(",SchedulingDisabled");
    }
    let mut roles: Vec<String> = node["metadata"]["labels"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
                        Some(role.to_string()).filter(|r| !r.is_empty())
                    } else if k == "kubernetes.io/role" {
                        v.as_str().map(str::to_string)
                    } else {
                        None
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    roles.sort();
    roles.dedup();
    let roles = if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.join(",")
    };
    vec![
        json!(node["metadata"]["name"]),
        json!(status),
        json!(roles),
        json!(age(node, now)),
        json!(s(&node["status"]["nodeInfo"]["kubeletVersion"], "")),
    ]
}

fn service_row(svc: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let ty = s(&svc["spec"]["type"], "ClusterIP");
    let cluster_ip = s(&svc["spec"]["clusterIP"], "<none>");
    let mut external: Vec<String> = svc["spec"]["externalIPs"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    if ty == "LoadBalancer" {
        for ing in svc["status"]["loadBalancer"]["ingress"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let Some(ip) = ing["ip"].as_str().or(ing["hostname"].as_str()) {
                external.push(ip.to_string());
            }
        }
    }
    let external = match (ty, external.is_empty()) {
        ("ExternalName", _) => s(&svc["spec"]["externalName"], "<none>").to_string(),
        ("LoadBalancer", true) => "<pending>".to_string(),
        (_, true) => "<none>".to_string(),
        (_, false) => external.join(","),
    };
    let ports: Vec<String> = svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let proto = s(&p["protocol"], "TCP");
            match p["nodePort"].as_i64() {
                Some(np) if np != 0 => format!("{}:{np}/{proto}", p["port"]),
                _ => format!("{}/{proto}", p["port"]),
            }
        })
        .collect();
    let ports = if ports.is_empty() {
        "<none>".to_string()
    } else {
        ports.join(",")
    };
    vec![
        json!(svc["metadata"]["name"]),
        json!(ty),
        json!(cluster_ip),
        json!(external),
        json!(ports),
        json!(age(svc, now)),
    ]
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// Turns one object into its row's cells.
type RowFn = fn(&Value, DateTime<Utc>) -> Vec<Value>;

fn columns_and_row(r: &ResourceInfo) -> (Vec<Value>, RowFn) {
    match (r.group.as_str(), r.resource.as_str()) {
        ("", "pods") => (
            vec![
                name_col(),
                col(
                    "Ready",
                    "string",
                    "",
                    "The aggregate readiness state of this pod for accepting traffic.",
                    0,
                ),
                col(
                    "Status",
                    "string",
                    "",
                    "The aggregate status of the containers in this pod.",
                    0,
                ),
                col(
                    "Restarts",
                    "string",
                    "",
                    "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
                    0,
                ),
                age_col(),
                col(
                    "IP",
                    "string",
                    "",
                    "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
                    1,
                ),
                col(
                    "Node",
                    "string",
                    "",
                    "NodeName is a request to schedule this pod onto a specific node.",
                    1,
                ),
                col(
                    "Nominated Node",
                    "string",
                    "",
                    "nominatedNodeName is set when this pod preempts other pods on the node.",
                    1,
                ),
                col(
                    "Readiness Gates",
                    "string",
                    "",
                    "If specified, all readiness gates will be evaluated for pod readiness.",
                    1,
                ),
            ],
            pod_row,
        ),
        ("apps", "deployments") => (
            vec![
                name_col(),
                col("Ready", "string", "", "Number of the pod with ready state", 0),
                col(
                    "Up-to-date",
                    "integer",
                    "",
                    "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
                    0,
                ),
                col(
                    "Available",
                    "integer",
                    "",
                    "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
                    0,
                ),
                age_col(),
                containers_col(),
                images_col(),
                selector_col(),
            ],
            |d, now| {
                vec![
                    json!(d["metadata"]["name"]),
                    json!(format!(
                        "{}/{}",
                        int(&d["status"]["readyReplicas"]),
                        d["spec"]["replicas"].as_i64().unwrap_or(1)
                    )),
                    json!(int(&d["status"]["updatedReplicas"])),
                    json!(int(&d["status"]["availableReplicas"])),
                    json!(age(d, now)),
                    json!(containers(d, "name")),
                    json!(containers(d, "image")),
                    json!(selector(d)),
                ]
            },
        ),
        ("", "nodes") => (
            vec![
                name_col(),
                col("Status", "string", "", "The status of the node", 0),
                col("Roles", "string", "", "The roles of the node", 0),
                age_col(),
                col("Version", "string", "", "Kubelet Version reported by the node.", 0),
            ],
            node_row,
        ),
        ("", "namespaces") => (
            vec![
                name_col(),
                col("Status", "string", "", "The status of the namespace", 0),
                age_col(),
            ],
            |n, now| {
                vec![
                    json!(n["metadata"]["name"]),
                    json!(s(&n["status"]["phase"], "Active")),
                    json!(age(n, now)),
                ]
            },
        ),
        ("", "services") => (
            vec![
                name_col(),
                col("Type", "string", "", "The type of the service.", 0),
                col("Cluster-IP", "string", "", "The IP address of the service.", 0),
                col(
                    "External-IP",
                    "string",
                    "",
                    "The external IP addresses of the service.",
                    0,
                ),
                col("Port(s)", "string", "", "The ports exposed by the service.", 0),
                age_col(),
            ],
            service_row,
        ),
        ("apps", "replicasets") => (
            vec![
                name_col(),
                col("Desired", "integer", "", "Number of desired pods.", 0),
                col("Current", "integer", "", "Number of actual pods.", 0),
                col("Ready", "integer", "", "Number of ready pods.", 0),
                age_col(),
                containers_col(),
                images_col(),
                selector_col(),
            ],
            |o, now| {
                vec![
                    json!(o["metadata"]["name"]),
                    json!(o["spec"]["replicas"].as_i64().unwrap_or(1)),
                    json!(int(&o["status"]["replicas"])),
                    json!(int(&o["status"]["readyReplicas"])),
                    json!(age(o, now)),
                    json!(containers(o, "name")),
                    json!(containers(o, "image")),
                    json!(selector(o)),
                ]
            },
        ),
        ("apps", "statefulsets") => (
            vec![
                name_col(),
                col("Ready", "string", "", "Number of the pod with ready state", 0),
                age_col(),
                containers_col(),
                images_col(),
            ],
            |o, now| {
                vec![
                    json!(o["metadata"]["name"]),
                    json!(format!(
                        "{}/{}",
                        int(&o["status"]["readyReplicas"]),
                        o["spec"]["replicas"].as_i64().unwrap_or(1)
                    )),
                    json!(age(o, now)),
                    json!(containers(o, "name")),
                    json!(containers(o, "image")),
                ]
            },
        ),
        ("", "configmaps") => (
            vec![
                name_col(),
                col("Data", "string", "", "Data contains the configuration data.", 0),
                age_col(),
            ],
            |o, now| vec![json!(o["metadata"]["name"]), json!(data_count(o)), json!(age(o, now))],
        ),
        ("", "secrets") => (
            vec![
                name_col(),
                col(
                    "Type",
                    "string",
                    "",
                    "Used to facilitate programmatic handling of secret data.",
                    0,
                ),
                col("Data", "string", "", "Data contains the secret data.", 0),
                age_col(),
            ],
            |o, now| {
                vec![
                    json!(o["metadata"]["name"]),
                    json!(s(&o["type"], "Opaque")),
                    json!(data_count(o)),
                    json!(age(o, now)),
                ]
            },
        ),
        ("", "events") => (
            vec![
                col("Last Seen", "string", "", "Time when last event occurred", 0),
                col(
                    "Type",
                    "string",
                    "",
                    "Type of this event (Normal, Warning), new types could be added in the future.",
                    0,
                ),
                col(
                    "Reason",
                    "string",
                    "",
                    "This should be a short, machine understandable string that gives the reason for this event being generated.",
                    0,
                ),
                col("Object", "string", "", "The object this Event is about.", 0),
                col("Subobject", "string", "", "The subobject this Event is about.", 1),
                col(
                    "Source",
                    "string",
                    "",
                    "The component reporting this event. Should be a short machine understandable string.",
                    1,
                ),
                col(
                    "Message",
                    "string",
                    "",
                    "A human-readable description of the status of this operation.",
                    0,
                ),
                col(
                    "First Seen",
                    "string",
                    "",
                    "The time at which the event was first recorded.",
                    1,
                ),
                col("Count", "string", "", "The number of times this event has occurred.", 1),
                col("Name", "string", "name", "The name of the event.", 1),
            ],
            event_row,
        ),
        _ => (vec![name_col(), age_col()], |o, now| {
            vec![json!(o["metadata"]["name"]), json!(age(o, now))]
        }),
    }
}

fn containers_col() -> Value {
    col(
        "Containers",
        "string",
        "",
        "Names of each container in the template.",
        1,
    )
}

fn images_col() -> Value {
    col(
        "Images",
        "string",
        "",
        "Images referenced by each container in the template.",
        1,
    )
}

fn selector_col() -> Value {
    col("Selector", "string", "", "Label selector for pods.", 1)
}

/// A field of every container in a workload's pod template, comma-joined.
fn containers(o: &Value, field: &str) -> String {
    o["spec"]["template"]["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c[field].as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn selector(o: &Value) -> String {
    let sel = o["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    if sel.is_empty() { "<none>".into() } else { sel }
}

fn data_count(o: &Value) -> i64 {
    let n = |v: &Value| v.as_object().map_or(0, |m| m.len() as i64);
    n(&o["data"]) + n(&o["binaryData"])
}

fn since(ts: &Value, now: DateTime<Utc>) -> Option<String> {
    let t = DateTime::parse_from_rfc3339(ts.as_str()?).ok()?;
    Some(human_duration((now - t.with_timezone(&Utc)).num_seconds()))
}

fn event_row(e: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let first = since(&e["firstTimestamp"], now)
        .or_else(|| since(&e["eventTime"], now))
        .or_else(|| since(&e["metadata"]["creationTimestamp"], now))
        .unwrap_or_else(|| "<unknown>".into());
    let last = since(&e["lastTimestamp"], now)
        .or_else(|| since(&e["eventTime"], now))
        .unwrap_or_else(|| first.clone());
    let count = e["count"].as_i64().unwrap_or(1);
    let last_seen = if count > 1 {
        format!("{last} (x{count} over {first})")
    } else {
        last
    };
    let io = &e["involvedObject"];
    let source = e["source"]["component"]
        .as_str()
        .or(e["reportingComponent"].as_str())
        .unwrap_or_default();
    vec![
        json!(last_seen),
        json!(s(&e["type"], "")),
        json!(s(&e["reason"], "")),
        json!(format!("{}/{}", s(&io["kind"], "").to_lowercase(), s(&io["name"], ""))),
        json!(s(&io["fieldPath"], "")),
        json!(source),
        json!(s(&e["message"], "").trim()),
        json!(first),
        json!(count),
        json!(e["metadata"]["name"]),
    ]
}

fn partial_metadata(obj: &Value) -> Value {
    let mut meta = obj["metadata"].clone();
    if let Some(m) = meta.as_object_mut() {
        m.remove("managedFields");
    }
    json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta})
}

/// Builds a Table for the given objects; `list_meta` is the list's metadata (rv, continue).
pub fn table(
    r: &ResourceInfo,
    objects: &[Value],
    list_meta: Value,
    include: IncludeObject,
    now: DateTime<Utc>,
) -> Value {
    let (columns, cells): (Vec<Value>, Vec<Vec<Value>>) = match &r.custom {
        Some(custom) => (
            crate::crd::columns(custom),
            objects.iter().map(|o| crate::crd::cells(custom, o, now)).collect(),
        ),
        None => {
            let (columns, row_fn) = columns_and_row(r);
            (columns, objects.iter().map(|o| row_fn(o, now)).collect())
        }
    };
    let rows: Vec<Value> = objects
        .iter()
        .zip(cells)
        .map(|(o, cells)| {
            let mut row = json!({"cells": cells});
            match include {
                IncludeObject::None => {}
                IncludeObject::Metadata => row["object"] = partial_metadata(o),
                IncludeObject::Object => row["object"] = o.clone(),
            }
            row
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
        "columnDefinitions": columns,
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::find;

    #[test]
    fn human_durations_match_go() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(150), "2m30s");
        assert_eq!(human_duration(600), "10m");
        assert_eq!(human_duration(3 * 3600 + 60), "3h1m");
        assert_eq!(human_duration(20 * 3600), "20h");
        assert_eq!(human_duration(3 * 86400 + 3600), "3d1h");
        assert_eq!(human_duration(30 * 86400), "30d");
        assert_eq!(human_duration(3 * 365 * 86400 + 86400), "3y1d");
    }

    #[test]
    fn pod_columns() {
        let now = Utc::now();
        let pod = json!({
            "metadata": {"name": "web-1", "creationTimestamp": (now - chrono::Duration::seconds(90)).to_rfc3339()},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 0, "state": {"running": {}}},
                {"name": "b", "ready": false, "restartCount": 4,
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {"finishedAt": (now - chrono::Duration::seconds(30)).to_rfc3339()}}}
            ]}
        });
        let t = table(
            find("", "v1", "pods").unwrap(),
            &[pod],
            json!({}),
            IncludeObject::Metadata,
            now,
        );
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "web-1",
                "1/2",
                "CrashLoopBackOff",
                "4 (30s ago)",
                "90s",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ])
        );
        assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
        let names: Vec<&str> = t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names[..5], ["Name", "Ready", "Status", "Restarts", "Age"]);
        assert_eq!(t["columnDefinitions"][5]["priority"], 1);
    }

    #[test]
    fn node_and_service_columns() {
        let now = Utc::now();
        let node = json!({"metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/control-plane": ""}},
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "Ready", "status": "False"}], "nodeInfo": {"kubeletVersion": "v1.33.1"}}});
        assert_eq!(
            node_row(&node, now)[1..3],
            [json!("NotReady,SchedulingDisabled"), json!("control-plane")]
        );
        let svc = json!({"metadata": {"name": "s"}, "spec": {"type": "NodePort", "clusterIP": "10.0.0.1",
            "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}]}});
        assert_eq!(
            service_row(&svc, now)[1..5],
            [
                json!("NodePort"),
                json!("10.0.0.1"),
                json!("<none>"),
                json!("80:30080/TCP,53/UDP")
            ]
        );
    }

    #[test]
    fn table_accept_detection() {
        assert!(wants_table(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
        ));
        assert!(!wants_table("application/json"));
    }
}
