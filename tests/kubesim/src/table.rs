//! `meta.k8s.io/v1` Table responses with the apiserver's printer columns, so that
//! `kubectl get` prints what it prints against a real cluster.

use chrono::{DateTime, SecondsFormat, Utc};
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

/// ObjectMeta's `creationTimestamp` documentation, which describes AGE and CREATED AT.
const AGE_DESCRIPTION: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

fn age_col() -> Value {
    col("Age", "string", "", AGE_DESCRIPTION, 0)
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
    since(&obj["metadata"]["creationTimestamp"], now).unwrap_or_else(|| "<unknown>".into())
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
    let address = |ty: &str| {
        node["status"]["addresses"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["type"] == ty)
            .and_then(|a| a["address"].as_str())
            .unwrap_or("<none>")
    };
    let info = |k: &str| {
        node["status"]["nodeInfo"][k]
            .as_str()
            .filter(|v| !v.is_empty())
            .unwrap_or("<unknown>")
    };
    vec![
        json!(node["metadata"]["name"]),
        json!(status),
        json!(roles),
        json!(age(node, now)),
        json!(s(&node["status"]["nodeInfo"]["kubeletVersion"], "")),
        json!(address("InternalIP")),
        json!(address("ExternalIP")),
        json!(info("osImage")),
        json!(info("kernelVersion")),
        json!(info("containerRuntimeVersion")),
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
        json!(format_labels(&svc["spec"]["selector"])),
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
                    "string",
                    "",
                    "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
                    0,
                ),
                col(
                    "Available",
                    "string",
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
                    json!(containers(&d["spec"]["template"], "name")),
                    json!(containers(&d["spec"]["template"], "image")),
                    json!(label_selector(&d["spec"]["selector"])),
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
                col(
                    "Internal-IP",
                    "string",
                    "",
                    "List of addresses reachable to the node.",
                    1,
                ),
                col(
                    "External-IP",
                    "string",
                    "",
                    "List of addresses reachable to the node.",
                    1,
                ),
                col(
                    "OS-Image",
                    "string",
                    "",
                    "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
                    1,
                ),
                col(
                    "Kernel-Version",
                    "string",
                    "",
                    "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
                    1,
                ),
                col(
                    "Container-Runtime",
                    "string",
                    "",
                    "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
                    1,
                ),
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
                col(
                    "Selector",
                    "string",
                    "",
                    "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/",
                    1,
                ),
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
                    json!(containers(&o["spec"]["template"], "name")),
                    json!(containers(&o["spec"]["template"], "image")),
                    json!(label_selector(&o["spec"]["selector"])),
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
                    json!(containers(&o["spec"]["template"], "name")),
                    json!(containers(&o["spec"]["template"], "image")),
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
        ("apps", "daemonsets") => (
            vec![
                name_col(),
                col(
                    "Desired",
                    "integer",
                    "",
                    "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
                    0,
                ),
                col(
                    "Current",
                    "integer",
                    "",
                    "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
                    0,
                ),
                col(
                    "Ready",
                    "integer",
                    "",
                    "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.",
                    0,
                ),
                col(
                    "Up-to-date",
                    "integer",
                    "",
                    "The total number of nodes that are running updated daemon pod",
                    0,
                ),
                col(
                    "Available",
                    "integer",
                    "",
                    "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
                    0,
                ),
                col(
                    "Node Selector",
                    "string",
                    "",
                    "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
                    0,
                ),
                age_col(),
                containers_col(),
                images_col(),
                col(
                    "Selector",
                    "string",
                    "",
                    "A label query over pods that are managed by the daemon set. Must match in order to be controlled. If empty, defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
                    1,
                ),
            ],
            |o, now| {
                let st = &o["status"];
                vec![
                    json!(o["metadata"]["name"]),
                    json!(int(&st["desiredNumberScheduled"])),
                    json!(int(&st["currentNumberScheduled"])),
                    json!(int(&st["numberReady"])),
                    json!(int(&st["updatedNumberScheduled"])),
                    json!(int(&st["numberAvailable"])),
                    json!(format_labels(&o["spec"]["template"]["spec"]["nodeSelector"])),
                    json!(age(o, now)),
                    json!(containers(&o["spec"]["template"], "name")),
                    json!(containers(&o["spec"]["template"], "image")),
                    json!(label_selector(&o["spec"]["selector"])),
                ]
            },
        ),
        ("batch", "jobs") => (
            vec![
                name_col(),
                col("Status", "string", "", "Status of the job.", 0),
                col(
                    "Completions",
                    "string",
                    "",
                    "The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.",
                    0,
                ),
                col("Duration", "string", "", "Time required to complete the job.", 0),
                age_col(),
                containers_col(),
                images_col(),
                job_selector_col(),
            ],
            job_row,
        ),
        ("batch", "cronjobs") => (
            vec![
                name_col(),
                col(
                    "Schedule",
                    "string",
                    "",
                    "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.",
                    0,
                ),
                col(
                    "Timezone",
                    "string",
                    "",
                    "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones",
                    0,
                ),
                col(
                    "Suspend",
                    "boolean",
                    "",
                    "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.",
                    0,
                ),
                col(
                    "Active",
                    "integer",
                    "",
                    "A list of pointers to currently running jobs.",
                    0,
                ),
                col(
                    "Last Schedule",
                    "string",
                    "",
                    "Information when was the last time the job was successfully scheduled.",
                    0,
                ),
                age_col(),
                containers_col(),
                images_col(),
                job_selector_col(),
            ],
            cron_job_row,
        ),
        ("networking.k8s.io", "ingresses") => (
            vec![
                name_col(),
                col(
                    "Class",
                    "string",
                    "",
                    "The name of the IngressClass resource that should be used for additional configuration",
                    0,
                ),
                col(
                    "Hosts",
                    "string",
                    "",
                    "Hosts that incoming requests are matched against before the ingress rule",
                    0,
                ),
                col(
                    "Address",
                    "string",
                    "",
                    "Address is a list containing ingress points for the load-balancer",
                    0,
                ),
                col("Ports", "string", "", "Ports of TLS configurations that open", 0),
                age_col(),
            ],
            ingress_row,
        ),
        ("policy", "poddisruptionbudgets") => (
            vec![
                name_col(),
                col(
                    "Min Available",
                    "string",
                    "",
                    "The minimum number of pods that must be available.",
                    0,
                ),
                col(
                    "Max Unavailable",
                    "string",
                    "",
                    "The maximum number of pods that may be unavailable.",
                    0,
                ),
                col(
                    "Allowed Disruptions",
                    "integer",
                    "",
                    "Calculated number of pods that may be disrupted at this time.",
                    0,
                ),
                age_col(),
            ],
            |o, now| {
                let int_or_string = |v: &Value| match v {
                    Value::Number(n) => n.to_string(),
                    Value::String(s) => s.clone(),
                    _ => "N/A".into(),
                };
                vec![
                    json!(o["metadata"]["name"]),
                    json!(int_or_string(&o["spec"]["minAvailable"])),
                    json!(int_or_string(&o["spec"]["maxUnavailable"])),
                    json!(int(&o["status"]["disruptionsAllowed"])),
                    json!(age(o, now)),
                ]
            },
        ),
        ("autoscaling", "horizontalpodautoscalers") => (
            vec![
                name_col(),
                col(
                    "Reference",
                    "string",
                    "",
                    "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.",
                    0,
                ),
                col(
                    "Targets",
                    "string",
                    "",
                    "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond.",
                    0,
                ),
                col(
                    "MinPods",
                    "string",
                    "",
                    "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.",
                    0,
                ),
                col(
                    "MaxPods",
                    "string",
                    "",
                    "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.",
                    0,
                ),
                col(
                    "Replicas",
                    "string",
                    "",
                    "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.",
                    0,
                ),
                age_col(),
            ],
            |o, now| {
                let spec = &o["spec"];
                let min_pods = spec["minReplicas"]
                    .as_i64()
                    .map_or_else(|| "<unset>".to_string(), |n| n.to_string());
                vec![
                    json!(o["metadata"]["name"]),
                    json!(format!(
                        "{}/{}",
                        s(&spec["scaleTargetRef"]["kind"], ""),
                        s(&spec["scaleTargetRef"]["name"], "")
                    )),
                    json!(hpa_targets(&spec["metrics"], &o["status"]["currentMetrics"])),
                    json!(min_pods),
                    json!(int(&spec["maxReplicas"])),
                    json!(int(&o["status"]["currentReplicas"])),
                    json!(age(o, now)),
                ]
            },
        ),
        ("", "persistentvolumeclaims") => (
            vec![
                name_col(),
                col(
                    "Status",
                    "string",
                    "",
                    "phase represents the current phase of PersistentVolumeClaim.",
                    0,
                ),
                col(
                    "Volume",
                    "string",
                    "",
                    "volumeName is the binding reference to the PersistentVolume backing this claim.",
                    0,
                ),
                col(
                    "Capacity",
                    "string",
                    "",
                    "capacity represents the actual resources of the underlying volume.",
                    0,
                ),
                col(
                    "Access Modes",
                    "string",
                    "",
                    "accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1",
                    0,
                ),
                col("StorageClass", "string", "", "StorageClass of the pvc", 0),
                col(
                    "VolumeAttributesClass",
                    "string",
                    "",
                    "VolumeAttributesClass of the pvc",
                    0,
                ),
                age_col(),
                col(
                    "VolumeMode",
                    "string",
                    "",
                    "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.",
                    1,
                ),
            ],
            pvc_row,
        ),
        ("", "serviceaccounts") => (
            vec![
                name_col(),
                col(
                    "Secrets",
                    "string",
                    "",
                    "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret",
                    0,
                ),
                age_col(),
            ],
            |o, now| {
                let secrets = o["secrets"].as_array().map_or(0, Vec::len);
                vec![json!(o["metadata"]["name"]), json!(secrets), json!(age(o, now))]
            },
        ),
        ("rbac.authorization.k8s.io", "rolebindings") => (
            binding_columns(
                "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.",
                "roleBinding",
            ),
            binding_row,
        ),
        ("rbac.authorization.k8s.io", "clusterrolebindings") => (
            binding_columns(
                "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.",
                "clusterRoleBinding",
            ),
            binding_row,
        ),
        ("", "resourcequotas") => (
            vec![
                name_col(),
                age_col(),
                col(
                    "Request",
                    "string",
                    "",
                    "Request represents a minimum amount of cpu/memory that a container may consume.",
                    0,
                ),
                col(
                    "Limit",
                    "string",
                    "",
                    "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
                    0,
                ),
            ],
            resource_quota_row,
        ),
        ("scheduling.k8s.io", "priorityclasses") => (
            vec![
                name_col(),
                col(
                    "Value",
                    "integer",
                    "",
                    "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.",
                    0,
                ),
                col(
                    "Global-Default",
                    "boolean",
                    "",
                    "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.",
                    0,
                ),
                age_col(),
                col(
                    "PreemptionPolicy",
                    "string",
                    "",
                    "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.",
                    0,
                ),
            ],
            |o, now| {
                vec![
                    json!(o["metadata"]["name"]),
                    json!(int(&o["value"])),
                    json!(o["globalDefault"].as_bool().unwrap_or(false)),
                    json!(age(o, now)),
                    json!(s(&o["preemptionPolicy"], "")),
                ]
            },
        ),
        ("coordination.k8s.io", "leases") => (
            vec![
                name_col(),
                col(
                    "Holder",
                    "string",
                    "",
                    "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.",
                    0,
                ),
                age_col(),
            ],
            |o, now| {
                vec![
                    json!(o["metadata"]["name"]),
                    json!(s(&o["spec"]["holderIdentity"], "")),
                    json!(age(o, now)),
                ]
            },
        ),
        // No printer in the apiserver: its default table convertor.
        ("", "limitranges")
        | ("rbac.authorization.k8s.io", "roles" | "clusterroles")
        | ("apiextensions.k8s.io", "customresourcedefinitions") => (
            vec![name_col(), col("Created At", "date", "", AGE_DESCRIPTION, 0)],
            |o, _| {
                let created = o["metadata"]["creationTimestamp"]
                    .as_str()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_default();
                vec![
                    json!(o["metadata"]["name"]),
                    json!(created.to_rfc3339_opts(SecondsFormat::Secs, true)),
                ]
            },
        ),
        // metrics-server's table convertor.
        (crate::discovery::METRICS_GROUP, _) => (
            vec![
                col("Name", "string", "name", "Name of the resource", 0),
                col("cpu", "string", "quantity", "", 0),
                col("memory", "string", "quantity", "", 0),
                col("Window", "string", "duration", "", 0),
            ],
            |o, _| crate::metrics::cells(o),
        ),
        _ => (vec![name_col(), age_col()], |o, now| {
            vec![json!(o["metadata"]["name"]), json!(age(o, now))]
        }),
    }
}

/// `resource: used/hard` for each resource in `status.hard`, sorted; `limits.*` go to LIMIT.
fn resource_quota_row(o: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let status = &o["status"];
    let mut resources: Vec<&String> = status["hard"]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    resources.sort();
    let (mut request, mut limit) = (Vec::new(), Vec::new());
    for resource in resources {
        let cell = format!(
            "{resource}: {}/{}",
            quantity_or_zero(&status["used"][resource]),
            quantity_or_zero(&status["hard"][resource])
        );
        if resource.starts_with("limits.") {
            limit.push(cell);
        } else {
            request.push(cell);
        }
    }
    vec![
        json!(o["metadata"]["name"]),
        json!(age(o, now)),
        json!(request.join(", ")),
        json!(limit.join(", ")),
    ]
}

/// A quantity as written; Go prints a missing one as "0".
fn quantity_or_zero(q: &Value) -> String {
    match q {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => "0".into(),
    }
}

fn job_selector_col() -> Value {
    col(
        "Selector",
        "string",
        "",
        "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
        1,
    )
}

/// The status of the first condition of this type, as the apiserver's hasJobCondition.
fn has_condition(o: &Value, ty: &str) -> bool {
    o["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == ty)
        .is_some_and(|c| c["status"] == "True")
}

fn time_of(v: &Value) -> Option<DateTime<Utc>> {
    Some(DateTime::parse_from_rfc3339(v.as_str()?).ok()?.with_timezone(&Utc))
}

fn job_row(o: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let succeeded = int(&o["status"]["succeeded"]);
    let completions = match (o["spec"]["completions"].as_i64(), int(&o["spec"]["parallelism"])) {
        (Some(c), _) => format!("{succeeded}/{c}"),
        (None, p) if p > 1 => format!("{succeeded}/1 of {p}"),
        (None, _) => format!("{succeeded}/1"),
    };
    let duration = match (
        time_of(&o["status"]["startTime"]),
        time_of(&o["status"]["completionTime"]),
    ) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration((now - start).num_seconds()),
        (Some(start), Some(end)) => human_duration((end - start).num_seconds()),
    };
    let status = if has_condition(o, "Complete") {
        "Complete"
    } else if has_condition(o, "Failed") {
        "Failed"
    } else if o["metadata"]["deletionTimestamp"].is_string() {
        "Terminating"
    } else if has_condition(o, "Suspended") {
        "Suspended"
    } else if has_condition(o, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    vec![
        json!(o["metadata"]["name"]),
        json!(status),
        json!(completions),
        json!(duration),
        json!(age(o, now)),
        json!(containers(&o["spec"]["template"], "name")),
        json!(containers(&o["spec"]["template"], "image")),
        json!(label_selector(&o["spec"]["selector"])),
    ]
}

fn cron_job_row(o: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let spec = &o["spec"];
    let suspend = match spec["suspend"].as_bool() {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    };
    let last_schedule = match &o["status"]["lastScheduleTime"] {
        Value::Null => "<none>".to_string(),
        t => since(t, now).unwrap_or_else(|| "<unknown>".into()),
    };
    let job = &spec["jobTemplate"]["spec"];
    vec![
        json!(o["metadata"]["name"]),
        json!(s(&spec["schedule"], "")),
        json!(s(&spec["timeZone"], "<none>")),
        json!(suspend),
        json!(o["status"]["active"].as_array().map_or(0, Vec::len)),
        json!(last_schedule),
        json!(age(o, now)),
        json!(containers(&job["template"], "name")),
        json!(containers(&job["template"], "image")),
        json!(label_selector(&job["selector"])),
    ]
}

fn ingress_row(o: &Value, now: DateTime<Utc>) -> Vec<Value> {
    // formatHosts: the first three hosts, then how many rules are left.
    let rules = o["spec"]["rules"].as_array().map_or(&[][..], Vec::as_slice);
    let hosts: Vec<&str> = rules
        .iter()
        .take(3)
        .filter_map(|r| r["host"].as_str().filter(|h| !h.is_empty()))
        .collect();
    let hosts = match (hosts.is_empty(), rules.len() > 3) {
        (true, _) => "*".to_string(),
        (false, true) => format!("{} + {} more...", hosts.join(","), rules.len() - 3),
        (false, false) => hosts.join(","),
    };
    let mut address: Vec<&str> = o["status"]["loadBalancer"]["ingress"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["ip"].as_str().filter(|ip| !ip.is_empty()).or(i["hostname"].as_str()))
        .filter(|a| !a.is_empty())
        .collect();
    address.sort();
    address.dedup();
    let has_tls = o["spec"]["tls"].as_array().is_some_and(|t| !t.is_empty());
    vec![
        json!(o["metadata"]["name"]),
        json!(s(&o["spec"]["ingressClassName"], "<none>")),
        json!(hosts),
        json!(address.join(",")),
        json!(if has_tls { "80, 443" } else { "80" }),
        json!(age(o, now)),
    ]
}

/// formatHPAMetrics: `cpu: 50%/80%` and the like for the first two metrics.
fn hpa_targets(specs: &Value, statuses: &Value) -> String {
    let specs = specs.as_array().map_or(&[][..], Vec::as_slice);
    if specs.is_empty() {
        return "<none>".into();
    }
    let unknown = || "<unknown>".to_string();
    // A target quantity left out prints as Go's nil *Quantity does.
    let quantity = |v: &Value| v.as_str().map_or_else(|| "<nil>".to_string(), str::to_string);
    let targets: Vec<String> = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let status = &statuses[i];
            let (source, current) = match s(&spec["type"], "") {
                "External" => ("external", &status["external"]["current"]),
                "Pods" => ("pods", &status["pods"]["current"]),
                "Object" => ("object", &status["object"]["current"]),
                "Resource" => ("resource", &status["resource"]["current"]),
                "ContainerResource" => ("containerResource", &status["containerResource"]["current"]),
                _ => return "<unknown type>".into(),
            };
            let target = &spec[source]["target"];
            let name = s(&spec[source]["name"], "");
            let average_value = || current["averageValue"].as_str().map_or_else(unknown, str::to_string);
            match source {
                "external" | "object" if target["averageValue"].is_string() => {
                    format!("{}/{} (avg)", average_value(), quantity(&target["averageValue"]))
                }
                "external" | "object" => {
                    let value = current["value"].as_str().map_or_else(unknown, str::to_string);
                    format!("{value}/{}", quantity(&target["value"]))
                }
                "pods" => format!("{}/{}", average_value(), quantity(&target["averageValue"])),
                _ if target["averageValue"].is_string() => {
                    format!("{name}: {}/{}", average_value(), quantity(&target["averageValue"]))
                }
                _ => {
                    let percent = |v: &Value| v.as_i64().map(|p| format!("{p}%"));
                    let current = percent(&current["averageUtilization"]).unwrap_or_else(unknown);
                    let target = percent(&target["averageUtilization"]).unwrap_or_else(|| "<auto>".into());
                    format!("{name}: {current}/{target}")
                }
            }
        })
        .collect();
    if targets.len() > 2 {
        format!("{} + {} more...", targets[..2].join(", "), targets.len() - 2)
    } else {
        targets.join(", ")
    }
}

fn pvc_row(o: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let phase = if o["metadata"]["deletionTimestamp"].is_string() {
        "Terminating"
    } else {
        s(&o["status"]["phase"], "")
    };
    let volume = s(&o["spec"]["volumeName"], "");
    // Capacity and access modes are the bound volume's, so blank until bound.
    let (capacity, access_modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        let modes = o["status"]["accessModes"].as_array().map_or(&[][..], Vec::as_slice);
        let short: Vec<&str> = [
            ("ReadWriteOnce", "RWO"),
            ("ReadOnlyMany", "ROX"),
            ("ReadWriteMany", "RWX"),
            ("ReadWriteOncePod", "RWOP"),
        ]
        .iter()
        .filter(|(mode, _)| modes.iter().any(|m| m == mode))
        .map(|(_, short)| *short)
        .collect();
        (s(&o["status"]["capacity"]["storage"], "0").to_string(), short.join(","))
    };
    let class = o["metadata"]["annotations"]["volume.beta.kubernetes.io/storage-class"]
        .as_str()
        .or(o["spec"]["storageClassName"].as_str())
        .unwrap_or_default();
    vec![
        json!(o["metadata"]["name"]),
        json!(phase),
        json!(volume),
        json!(capacity),
        json!(access_modes),
        json!(class),
        json!(s(&o["spec"]["volumeAttributesClassName"], "<unset>")),
        json!(age(o, now)),
        json!(s(&o["spec"]["volumeMode"], "<unset>")),
    ]
}

fn binding_columns(role_description: &str, kind: &str) -> Vec<Value> {
    vec![
        name_col(),
        col("Role", "string", "", role_description, 0),
        age_col(),
        col("Users", "string", "", &format!("Users in the {kind}"), 1),
        col("Groups", "string", "", &format!("Groups in the {kind}"), 1),
        col(
            "ServiceAccounts",
            "string",
            "",
            &format!("ServiceAccounts in the {kind}"),
            1,
        ),
    ]
}

/// RoleBinding and ClusterRoleBinding rows; subjects as `rbac.SubjectsStrings` lists them.
fn binding_row(o: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let subjects = o["subjects"].as_array().map_or(&[][..], Vec::as_slice);
    let of_kind = |kind: &str| -> String {
        subjects
            .iter()
            .filter(|sub| sub["kind"] == kind)
            .map(|sub| match kind {
                "ServiceAccount" => format!("{}/{}", s(&sub["namespace"], ""), s(&sub["name"], "")),
                _ => s(&sub["name"], "").to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    vec![
        json!(o["metadata"]["name"]),
        json!(format!(
            "{}/{}",
            s(&o["roleRef"]["kind"], ""),
            s(&o["roleRef"]["name"], "")
        )),
        json!(age(o, now)),
        json!(of_kind("User")),
        json!(of_kind("Group")),
        json!(of_kind("ServiceAccount")),
    ]
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

/// A field of every container in a pod template, comma-joined.
fn containers(template: &Value, field: &str) -> String {
    template["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c[field].as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// A label selector as `metav1.FormatLabelSelector` prints it: requirements sorted
/// by key, `<none>` when there are none.
fn label_selector(sel: &Value) -> String {
    match selector_string(sel) {
        s if s.is_empty() => "<none>".into(),
        s => s,
    }
}

/// A LabelSelector as the Go selector prints it (`a=b,k in (x,y)`; "" when empty), as
/// tables and the Scale subresource's `status.selector` show it.
pub fn selector_string(sel: &Value) -> String {
    let mut reqs: Vec<(String, String)> = Vec::new();
    for (k, v) in sel["matchLabels"].as_object().into_iter().flatten() {
        reqs.push((k.clone(), format!("{k}={}", v.as_str().unwrap_or_default())));
    }
    for e in sel["matchExpressions"].as_array().into_iter().flatten() {
        let key = s(&e["key"], "");
        let mut values: Vec<&str> = e["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        values.sort();
        let req = match s(&e["operator"], "") {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            _ => return "<error>".into(),
        };
        reqs.push((key.to_string(), req));
    }
    // A stable sort, as the Go selector's: matchLabels before expressions on one key.
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    reqs.into_iter().map(|(_, r)| r).collect::<Vec<_>>().join(",")
}

/// A string map as `labels.FormatLabels` prints it: sorted `k=v`, `<none>` when empty.
fn format_labels(map: &Value) -> String {
    let pairs: Vec<String> = map
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    if pairs.is_empty() {
        "<none>".into()
    } else {
        pairs.join(",")
    }
}

fn data_count(o: &Value) -> i64 {
    let n = |v: &Value| v.as_object().map_or(0, |m| m.len() as i64);
    n(&o["data"]) + n(&o["binaryData"])
}

/// How long ago an RFC 3339 timestamp was, as AGE columns print it.
pub fn since(ts: &Value, now: DateTime<Utc>) -> Option<String> {
    Some(human_duration((now - time_of(ts)?).num_seconds()))
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
        assert_eq!(
            node_row(&node, now)[5..],
            [
                json!("<none>"),
                json!("<none>"),
                json!("<unknown>"),
                json!("<unknown>"),
                json!("<unknown>")
            ]
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

    fn cells(group: &str, version: &str, resource: &str, obj: Value, now: DateTime<Utc>) -> Vec<Value> {
        let t = table(
            find(group, version, resource).unwrap(),
            &[obj],
            json!({}),
            IncludeObject::None,
            now,
        );
        assert_eq!(
            t["columnDefinitions"].as_array().unwrap().len(),
            t["rows"][0]["cells"].as_array().unwrap().len(),
            "one cell per column"
        );
        t["rows"][0]["cells"].as_array().unwrap().clone()
    }

    fn at(t: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn job_status_completions_and_duration() {
        let now = at("2026-01-01T01:00:00Z");
        let complete = json!({"metadata": {"name": "m", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"completions": 2, "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}},
                     "selector": {"matchLabels": {"job": "m"}}},
            "status": {"succeeded": 2, "startTime": "2026-01-01T00:00:00Z", "completionTime": "2026-01-01T00:02:30Z",
                       "conditions": [{"type": "Complete", "status": "True"}]}});
        assert_eq!(
            job_row(&complete, now),
            [
                json!("m"),
                json!("Complete"),
                json!("2/2"),
                json!("2m30s"),
                json!("60m"),
                json!("c"),
                json!("i"),
                json!("job=m")
            ]
        );
        let running = json!({"metadata": {"name": "r"}, "spec": {"parallelism": 3},
            "status": {"startTime": "2026-01-01T00:59:00Z", "conditions": [{"type": "Complete", "status": "False"}]}});
        assert_eq!(
            job_row(&running, now)[1..4],
            [json!("Running"), json!("0/1 of 3"), json!("60s")]
        );
        let failed = json!({"metadata": {"name": "f"}, "status": {"conditions": [
            {"type": "FailureTarget", "status": "True"}, {"type": "Failed", "status": "True"}]}});
        assert_eq!(job_row(&failed, now)[1..4], [json!("Failed"), json!("0/1"), json!("")]);
        let deleting = json!({"metadata": {"name": "d", "deletionTimestamp": "2026-01-01T00:00:00Z"}});
        assert_eq!(job_row(&deleting, now)[1], "Terminating");
    }

    #[test]
    fn cron_job_columns() {
        let now = at("2026-01-01T01:00:00Z");
        let cj = json!({"metadata": {"name": "n"}, "spec": {"schedule": "*/5 * * * *",
            "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}}}},
            "status": {"active": [{"name": "n-1"}, {"name": "n-2"}], "lastScheduleTime": "2026-01-01T00:55:00Z"}});
        assert_eq!(
            json!(cells("batch", "v1", "cronjobs", cj, now)),
            json!([
                "n",
                "*/5 * * * *",
                "<none>",
                "<unset>",
                2,
                "5m",
                "<unknown>",
                "c",
                "i",
                "<none>"
            ])
        );
    }

    #[test]
    fn ingress_hosts_address_and_ports() {
        let now = Utc::now();
        let rules: Vec<Value> = ["a", "", "c", "d", "e"].iter().map(|h| json!({"host": h})).collect();
        let ing = json!({"metadata": {"name": "w"}, "spec": {"rules": rules},
            "status": {"loadBalancer": {"ingress": [{"hostname": "lb.example"}, {"ip": "10.0.0.2"}, {"ip": "10.0.0.2"}]}}});
        assert_eq!(
            ingress_row(&ing, now)[1..5],
            [
                json!("<none>"),
                json!("a,c + 2 more..."),
                json!("10.0.0.2,lb.example"),
                json!("80")
            ]
        );
        let catch_all = json!({"metadata": {"name": "w"}, "spec": {"tls": [{"secretName": "t"}]}});
        assert_eq!(
            ingress_row(&catch_all, now)[2..5],
            [json!("*"), json!(""), json!("80, 443")]
        );
    }

    #[test]
    fn hpa_targets_like_format_hpa_metrics() {
        let cpu = json!({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}});
        let pods = json!({"type": "Pods", "pods": {"metric": {"name": "rps"}, "target": {"averageValue": "10"}}});
        let ext = json!({"type": "External", "external": {"target": {"averageValue": "30"}}});
        assert_eq!(hpa_targets(&json!([]), &json!([])), "<none>");
        assert_eq!(hpa_targets(&json!([cpu]), &Value::Null), "cpu: <unknown>/80%");
        assert_eq!(
            hpa_targets(
                &json!([cpu]),
                &json!([{"resource": {"current": {"averageUtilization": 50}}}])
            ),
            "cpu: 50%/80%"
        );
        assert_eq!(
            hpa_targets(
                &json!([pods, ext]),
                &json!([{"pods": {"current": {"averageValue": "7"}}}])
            ),
            "7/10, <unknown>/30 (avg)"
        );
        assert_eq!(
            hpa_targets(&json!([cpu, pods, ext]), &Value::Null),
            "cpu: <unknown>/80%, <unknown>/10 + 1 more..."
        );
    }

    #[test]
    fn pdb_hpa_pvc_and_service_account_columns() {
        let now = Utc::now();
        let pdb = json!({"metadata": {"name": "p"}, "spec": {"minAvailable": "50%"}});
        assert_eq!(
            cells("policy", "v1", "poddisruptionbudgets", pdb, now)[1..4],
            [json!("50%"), json!("N/A"), json!(0)]
        );
        let hpa = json!({"metadata": {"name": "h"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5}});
        assert_eq!(
            cells("autoscaling", "v2", "horizontalpodautoscalers", hpa, now)[1..6],
            [
                json!("Deployment/web"),
                json!("<none>"),
                json!("<unset>"),
                json!(5),
                json!(0)
            ]
        );
        // Unbound: no capacity or access modes yet; the beta annotation wins over the field.
        let pvc = json!({"metadata": {"name": "d", "annotations": {"volume.beta.kubernetes.io/storage-class": "old"}},
            "spec": {"storageClassName": "new", "accessModes": ["ReadWriteOnce"]}, "status": {"phase": "Pending"}});
        assert_eq!(
            cells("", "v1", "persistentvolumeclaims", pvc, now)[1..7],
            [
                json!("Pending"),
                json!(""),
                json!(""),
                json!(""),
                json!("old"),
                json!("<unset>")
            ]
        );
        let bound = json!({"metadata": {"name": "d"}, "spec": {"volumeName": "pv", "volumeMode": "Block"},
            "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"]}});
        assert_eq!(pvc_row(&bound, now)[3..5], [json!("1Gi"), json!("RWO,RWX")]);
        assert_eq!(pvc_row(&bound, now)[8], "Block");
        let sa = json!({"metadata": {"name": "s"}, "secrets": [{"name": "t"}]});
        assert_eq!(cells("", "v1", "serviceaccounts", sa, now)[1], 1);
    }

    #[test]
    fn daemonset_node_selector_and_selector_expressions() {
        let ds = json!({"metadata": {"name": "a"},
            "spec": {"selector": {"matchLabels": {"tier": "x", "app": "a"},
                                  "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]},
                                                       {"key": "app", "operator": "Exists"}]},
                     "template": {"spec": {"nodeSelector": {"zone": "b", "os": "linux"}}}},
            "status": {"desiredNumberScheduled": 2, "numberReady": 1}});
        let c = cells("apps", "v1", "daemonsets", ds, Utc::now());
        assert_eq!(
            c[1..7],
            [
                json!(2),
                json!(0),
                json!(1),
                json!(0),
                json!(0),
                json!("os=linux,zone=b")
            ]
        );
        assert_eq!(c[10], "app=a,app,env in (dev,prod),tier=x");
    }

    #[test]
    fn bindings_list_subjects_and_roles_show_created_at() {
        let rb = json!({"metadata": {"name": "b"}, "roleRef": {"kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "User", "name": "a"}, {"kind": "User", "name": "b"},
                         {"kind": "ServiceAccount", "name": "sa", "namespace": "ns"}]});
        let c = cells("rbac.authorization.k8s.io", "v1", "rolebindings", rb, Utc::now());
        assert_eq!(c[1], "ClusterRole/view");
        assert_eq!(c[3..6], [json!("a, b"), json!(""), json!("ns/sa")]);

        let role = json!({"metadata": {"name": "r", "creationTimestamp": "2026-01-01T00:00:00+02:00"}});
        let t = table(
            find("rbac.authorization.k8s.io", "v1", "clusterroles").unwrap(),
            &[role],
            json!({}),
            IncludeObject::None,
            Utc::now(),
        );
        assert_eq!(t["columnDefinitions"][1]["name"], "Created At");
        assert_eq!(t["columnDefinitions"][1]["type"], "date");
        assert_eq!(t["rows"][0]["cells"], json!(["r", "2025-12-31T22:00:00Z"]));
    }

    #[test]
    fn table_accept_detection() {
        assert!(wants_table(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
        ));
        assert!(!wants_table("application/json"));
    }
}
