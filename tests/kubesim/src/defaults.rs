//! What the apiserver fills in on every write, so objects come back as a real cluster
//! returns them: kubernetes `pkg/apis/*/v1/defaults.go`, plus the few fields its
//! registry strategies and default admission plugins set (a Service's cluster IP and
//! node ports, a Job's selector, a Pod's service account, priority and initial status).
//! A field the client set is never overwritten.

use serde_json::{Map, Value, json};

use crate::discovery::ResourceInfo;
use crate::status::{ApiError, ApiResult};

/// Fills in defaults on `obj` (a whole object with metadata). `old` is the stored object
/// on an update: a Service keeps its allocated IPs and node ports when the client leaves
/// them out. `existing` lists the stored objects, read only to allocate free IPs and ports.
/// Fails only when a Service's cluster IP or node port range is full.
pub fn apply<'a, I>(
    r: &ResourceInfo,
    obj: &mut Value,
    old: Option<&Value>,
    existing: impl FnOnce() -> I,
) -> ApiResult<()>
where
    I: IntoIterator<Item = &'a Value>,
{
    if r.custom.is_some() {
        return Ok(());
    }
    match (r.group.as_str(), r.resource.as_str()) {
        ("", "pods") => pod(obj),
        ("", "services") => return service(obj, old, existing),
        ("", "secrets") => default(obj, "type", json!("Opaque")),
        ("", "namespaces") => namespace(obj),
        ("", "persistentvolumeclaims") => pvc(obj),
        ("", "resourcequotas") => resource_quota(obj, existing),
        ("", "limitranges") => limit_range(obj),
        ("apps", "deployments") => deployment(obj),
        ("apps", "replicasets") => replicated(obj),
        ("apps", "statefulsets") => stateful_set(obj),
        ("apps", "daemonsets") => daemon_set(obj),
        ("batch", "jobs") => job(obj),
        ("batch", "cronjobs") => cron_job(obj),
        ("autoscaling", "horizontalpodautoscalers") => hpa(obj),
        ("scheduling.k8s.io", "priorityclasses") => default(obj, "preemptionPolicy", json!("PreemptLowerPriority")),
        _ => {}
    }
    Ok(())
}

/// Sets `v[key]` when it is missing or null (and `v` is an object).
fn default(v: &mut Value, key: &str, value: Value) {
    if let Some(m) = v.as_object_mut() {
        let slot = m.entry(key).or_insert(Value::Null);
        if slot.is_null() {
            *slot = value;
        }
    }
}

/// `v[key]` as an object, created empty when missing; None when either is something else,
/// so odd input is left alone instead of panicking.
fn child<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    let slot = v.as_object_mut()?.entry(key).or_insert(Value::Null);
    if slot.is_null() {
        *slot = json!({});
    }
    slot.is_object().then_some(slot)
}

/// The items of the array `v[key]`, if there is one.
fn items<'a>(v: &'a mut Value, key: &str) -> impl Iterator<Item = &'a mut Value> {
    v.get_mut(key).and_then(Value::as_array_mut).into_iter().flatten()
}

fn is_set(v: &Value, key: &str) -> bool {
    v.get(key).is_some_and(|x| !x.is_null())
}

fn pod(obj: &mut Value) {
    if let Some(spec) = child(obj, "spec") {
        pod_spec(spec);
        // The ServiceAccount and Priority admission plugins, on every pod.
        default(spec, "serviceAccountName", json!("default"));
        let account = spec["serviceAccountName"].clone();
        default(spec, "serviceAccount", account);
        if !is_set(spec, "priorityClassName") {
            default(spec, "priority", json!(0));
        }
        default(spec, "preemptionPolicy", json!("PreemptLowerPriority"));
    }
    // The pod strategy's PrepareForCreate sets these; a fixture's phase is kept.
    let qos = qos_class(&obj["spec"]);
    if let Some(status) = child(obj, "status") {
        default(status, "phase", json!("Pending"));
        default(status, "qosClass", json!(qos));
    }
}

/// `SetDefaults_PodSpec` and the defaults of what a pod spec holds.
fn pod_spec(spec: &mut Value) {
    default(spec, "restartPolicy", json!("Always"));
    default(spec, "dnsPolicy", json!("ClusterFirst"));
    default(spec, "schedulerName", json!("default-scheduler"));
    default(spec, "terminationGracePeriodSeconds", json!(30));
    default(spec, "securityContext", json!({}));
    default(spec, "enableServiceLinks", json!(true));
    for key in ["initContainers", "containers"] {
        items(spec, key).for_each(container);
    }
    items(spec, "volumes").for_each(volume);
}

fn container(c: &mut Value) {
    let image = c.get("image").and_then(Value::as_str).unwrap_or_default();
    let policy = image_pull_policy(image);
    default(c, "imagePullPolicy", json!(policy));
    default(c, "terminationMessagePath", json!("/dev/termination-log"));
    default(c, "terminationMessagePolicy", json!("File"));
    // ResourceRequirements is a struct, not a pointer: Go always writes it.
    default(c, "resources", json!({}));
    for p in items(c, "ports") {
        default(p, "protocol", json!("TCP"));
    }
    for e in items(c, "env") {
        if let Some(field_ref) = e.get_mut("valueFrom").and_then(|v| v.get_mut("fieldRef")) {
            default(field_ref, "apiVersion", json!("v1"));
        }
    }
    for key in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(probe) = c.get_mut(key).filter(|p| p.is_object()) {
            default(probe, "timeoutSeconds", json!(1));
            default(probe, "periodSeconds", json!(10));
            default(probe, "successThreshold", json!(1));
            default(probe, "failureThreshold", json!(3));
            if let Some(get) = probe.get_mut("httpGet") {
                default(get, "path", json!("/"));
                default(get, "scheme", json!("HTTP"));
            }
        }
    }
}

/// `Always` for `:latest` or no tag, else `IfNotPresent` (a digest counts as pinned).
fn image_pull_policy(image: &str) -> &'static str {
    if image.contains('@') {
        return "IfNotPresent";
    }
    // A tag follows the last ':' after the last '/' (a registry port comes before it).
    let last_part = image.rsplit('/').next().unwrap_or_default();
    match last_part.rsplit_once(':') {
        Some((_, tag)) if tag != "latest" => "IfNotPresent",
        _ => "Always",
    }
}

fn volume(v: &mut Value) {
    let has_source = v.as_object().is_some_and(|m| m.keys().any(|k| k != "name"));
    if !has_source {
        default(v, "emptyDir", json!({}));
    }
    // 0644, as the apiserver writes it in JSON.
    for key in ["configMap", "secret", "downwardAPI", "projected"] {
        if let Some(source) = v.get_mut(key) {
            default(source, "defaultMode", json!(420));
        }
    }
    if let Some(host_path) = v.get_mut("hostPath") {
        default(host_path, "type", json!(""));
    }
}

/// The pod's QoS class, as the apiserver computes it on create.
fn qos_class(spec: &Value) -> &'static str {
    let containers: Vec<&Value> = ["initContainers", "containers"]
        .iter()
        .filter_map(|k| spec[*k].as_array())
        .flatten()
        .collect();
    let amounts = |c: &Value, kind: &str| -> Map<String, Value> {
        c["resources"][kind]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| *k == "cpu" || *k == "memory")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let any = containers
        .iter()
        .any(|c| !amounts(c, "requests").is_empty() || !amounts(c, "limits").is_empty());
    if !any {
        return "BestEffort";
    }
    // Guaranteed: every container limits cpu and memory, and requests (default: the limits) equal them.
    let guaranteed = containers.iter().all(|c| {
        let limits = amounts(c, "limits");
        let requests = amounts(c, "requests");
        limits.len() == 2 && requests.iter().all(|(k, v)| limits.get(k) == Some(v))
    });
    if guaranteed { "Guaranteed" } else { "Burstable" }
}

fn pod_template(spec: &mut Value) {
    if let Some(pod_spec_value) = child(spec, "template").and_then(|t| child(t, "spec")) {
        pod_spec(pod_spec_value);
    }
}

fn namespace(obj: &mut Value) {
    let name = obj["metadata"]["name"].clone();
    // The namespace strategy keeps this label equal to the name on every write.
    if let Some(labels) = child(obj, "metadata").and_then(|m| child(m, "labels")) {
        labels["kubernetes.io/metadata.name"] = name;
    }
    if let Some(spec) = child(obj, "spec") {
        default(spec, "finalizers", json!(["kubernetes"]));
    }
}

fn pvc(obj: &mut Value) {
    if let Some(spec) = child(obj, "spec") {
        default(spec, "volumeMode", json!("Filesystem"));
    }
    if let Some(status) = child(obj, "status") {
        default(status, "phase", json!("Pending"));
    }
}

/// The quota controller's view, computed when the quota is written: `status.hard`
/// follows `spec.hard`; `status.used` keeps what was given, counts the namespace's
/// objects for object-count resources (`pods`, `count/services`, `services.nodeports`, …)
/// and is "0" for the rest (compute resources are not summed).
fn resource_quota<'a, I>(obj: &mut Value, existing: impl FnOnce() -> I)
where
    I: IntoIterator<Item = &'a Value>,
{
    let hard = obj["spec"]["hard"].clone();
    let Some(hard_map) = hard.as_object() else { return };
    let namespace = obj["metadata"]["namespace"].clone();
    let name = obj["metadata"]["name"].clone();
    let in_namespace: Vec<&Value> = existing()
        .into_iter()
        .filter(|o| o["apiVersion"] == "v1" && o["metadata"]["namespace"] == namespace)
        .filter(|o| !(o["kind"] == "ResourceQuota" && o["metadata"]["name"] == name))
        .collect();
    let Some(status) = child(obj, "status") else { return };
    status["hard"] = hard.clone();
    if let Some(used) = child(status, "used") {
        for resource in hard_map.keys() {
            let count = quota_usage(resource, &in_namespace).map_or("0".to_string(), |n| n.to_string());
            default(used, resource, json!(count));
        }
    }
}

/// Core kinds by the name quotas count them under.
const COUNTED_KINDS: &[(&str, &str)] = &[
    ("pods", "Pod"),
    ("services", "Service"),
    ("configmaps", "ConfigMap"),
    ("secrets", "Secret"),
    ("persistentvolumeclaims", "PersistentVolumeClaim"),
    ("resourcequotas", "ResourceQuota"),
    ("replicationcontrollers", "ReplicationController"),
];

/// How many of `objects` (the namespace's others) a quota on `resource` counts; None
/// for resources kubesim does not count.
fn quota_usage(resource: &str, objects: &[&Value]) -> Option<usize> {
    let services = || objects.iter().filter(|o| o["kind"] == "Service");
    let name = resource.strip_prefix("count/").unwrap_or(resource);
    match name {
        "services.loadbalancers" => Some(services().filter(|s| s["spec"]["type"] == "LoadBalancer").count()),
        "services.nodeports" => Some(
            services()
                .filter(|s| matches!(s["spec"]["type"].as_str(), Some("NodePort" | "LoadBalancer")))
                .map(|s| s["spec"]["ports"].as_array().map_or(0, Vec::len))
                .sum(),
        ),
        // The quota itself counts too.
        "resourcequotas" => Some(objects.iter().filter(|o| o["kind"] == "ResourceQuota").count() + 1),
        _ => {
            let (_, kind) = COUNTED_KINDS.iter().find(|(r, _)| *r == name)?;
            // Finished pods no longer use quota.
            let terminal = |o: &Value| matches!(o["status"]["phase"].as_str(), Some("Succeeded" | "Failed"));
            Some(objects.iter().filter(|o| o["kind"] == *kind && !terminal(o)).count())
        }
    }
}

/// `SetDefaults_LimitRangeItem`: a Container limit's default limit is its max, its
/// default request the default limit, else its min.
fn limit_range(obj: &mut Value) {
    let Some(spec) = obj.get_mut("spec") else { return };
    for item in items(spec, "limits") {
        if item["type"] != "Container" {
            continue;
        }
        let fill = |item: &mut Value, target: &str, from: &str| {
            let Some(source) = item[from].as_object().cloned().filter(|m| !m.is_empty()) else {
                return;
            };
            if let Some(t) = child(item, target) {
                for (k, v) in source {
                    default(t, &k, v);
                }
            }
        };
        fill(item, "default", "max");
        fill(item, "defaultRequest", "default");
        fill(item, "defaultRequest", "min");
    }
}

/// `spec.replicas` 1, `revisionHistoryLimit` 10 where the kind has it, and the template.
fn replicated(obj: &mut Value) {
    if let Some(spec) = child(obj, "spec") {
        default(spec, "replicas", json!(1));
        pod_template(spec);
    }
}

fn deployment(obj: &mut Value) {
    replicated(obj);
    let Some(spec) = child(obj, "spec") else { return };
    default(spec, "revisionHistoryLimit", json!(10));
    default(spec, "progressDeadlineSeconds", json!(600));
    if let Some(strategy) = child(spec, "strategy") {
        default(strategy, "type", json!("RollingUpdate"));
        if strategy["type"] == "RollingUpdate"
            && let Some(rolling) = child(strategy, "rollingUpdate")
        {
            default(rolling, "maxUnavailable", json!("25%"));
            default(rolling, "maxSurge", json!("25%"));
        }
    }
}

fn stateful_set(obj: &mut Value) {
    replicated(obj);
    let Some(spec) = child(obj, "spec") else { return };
    default(spec, "podManagementPolicy", json!("OrderedReady"));
    default(spec, "revisionHistoryLimit", json!(10));
    default(
        spec,
        "persistentVolumeClaimRetentionPolicy",
        json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
    );
    if let Some(strategy) = child(spec, "updateStrategy") {
        default(strategy, "type", json!("RollingUpdate"));
        if strategy["type"] == "RollingUpdate"
            && let Some(rolling) = child(strategy, "rollingUpdate")
        {
            default(rolling, "partition", json!(0));
        }
    }
    for claim in items(spec, "volumeClaimTemplates") {
        pvc(claim);
    }
}

fn daemon_set(obj: &mut Value) {
    let Some(spec) = child(obj, "spec") else { return };
    pod_template(spec);
    default(spec, "revisionHistoryLimit", json!(10));
    if let Some(strategy) = child(spec, "updateStrategy") {
        default(strategy, "type", json!("RollingUpdate"));
        if strategy["type"] == "RollingUpdate"
            && let Some(rolling) = child(strategy, "rollingUpdate")
        {
            default(rolling, "maxUnavailable", json!(1));
            default(rolling, "maxSurge", json!(0));
        }
    }
}

/// `SetDefaults_Job`, with the selector and pod labels the job strategy generates.
fn job(obj: &mut Value) {
    let uid = obj["metadata"]["uid"].clone();
    let name = obj["metadata"]["name"].clone();
    let Some(spec) = child(obj, "spec") else { return };
    pod_template(spec);
    if !is_set(spec, "completions") && !is_set(spec, "parallelism") {
        spec["completions"] = json!(1);
    }
    default(spec, "parallelism", json!(1));
    let backoff = if is_set(spec, "backoffLimitPerIndex") {
        i32::MAX
    } else {
        6
    };
    default(spec, "backoffLimit", json!(backoff));
    default(spec, "completionMode", json!("NonIndexed"));
    default(spec, "suspend", json!(false));
    let replacement = if is_set(spec, "podFailurePolicy") {
        "Failed"
    } else {
        "TerminatingOrFailed"
    };
    default(spec, "podReplacementPolicy", json!(replacement));
    default(spec, "manualSelector", json!(false));
    if spec["manualSelector"] != true && !is_set(spec, "selector") && uid.is_string() {
        spec["selector"] = json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}});
        if let Some(labels) = child(spec, "template")
            .and_then(|t| child(t, "metadata"))
            .and_then(|m| child(m, "labels"))
        {
            for (k, v) in [
                ("batch.kubernetes.io/controller-uid", &uid),
                ("batch.kubernetes.io/job-name", &name),
                ("controller-uid", &uid),
                ("job-name", &name),
            ] {
                default(labels, k, v.clone());
            }
        }
    }
    // A job without labels takes its pods' labels.
    let template_labels = obj["spec"]["template"]["metadata"]["labels"].clone();
    let has_labels = obj["metadata"]["labels"].as_object().is_some_and(|m| !m.is_empty());
    if !has_labels
        && template_labels.is_object()
        && let Some(meta) = child(obj, "metadata")
    {
        meta["labels"] = template_labels;
    }
}

fn cron_job(obj: &mut Value) {
    let Some(spec) = child(obj, "spec") else { return };
    default(spec, "concurrencyPolicy", json!("Allow"));
    default(spec, "suspend", json!(false));
    default(spec, "successfulJobsHistoryLimit", json!(3));
    default(spec, "failedJobsHistoryLimit", json!(1));
    if let Some(job_spec) = child(spec, "jobTemplate").and_then(|t| child(t, "spec")) {
        pod_template(job_spec);
    }
}

/// autoscaling/v2: one replica at least, and 80% CPU when no metric is given.
fn hpa(obj: &mut Value) {
    let Some(spec) = child(obj, "spec") else { return };
    default(spec, "minReplicas", json!(1));
    default(
        spec,
        "metrics",
        json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]),
    );
}

/// The service CIDR (10.96.0.0/12) and node port range of a default cluster.
const SERVICE_NET: u32 = (10 << 24) | (96 << 16);
const SERVICE_NET_SIZE: u32 = 1 << 20;
const NODE_PORTS: std::ops::RangeInclusive<u32> = 30000..=32767;

fn service<'a, I>(obj: &mut Value, old: Option<&Value>, existing: impl FnOnce() -> I) -> ApiResult<()>
where
    I: IntoIterator<Item = &'a Value>,
{
    let key = format!(
        "{}/{}",
        obj["metadata"]["namespace"].as_str().unwrap_or_default(),
        obj["metadata"]["name"].as_str().unwrap_or_default()
    );
    if let Some(status) = child(obj, "status") {
        default(status, "loadBalancer", json!({}));
    }
    let Some(spec) = child(obj, "spec") else { return Ok(()) };
    default(spec, "type", json!("ClusterIP"));
    default(spec, "sessionAffinity", json!("None"));
    if spec["sessionAffinity"] == "ClientIP" {
        default(
            spec,
            "sessionAffinityConfig",
            json!({"clientIP": {"timeoutSeconds": 10800}}),
        );
    }
    let ty = spec["type"].as_str().unwrap_or_default().to_string();
    for p in items(spec, "ports") {
        default(p, "protocol", json!("TCP"));
        let port = p["port"].clone();
        default(p, "targetPort", port);
    }
    if ty == "ExternalName" {
        return Ok(());
    }
    default(spec, "internalTrafficPolicy", json!("Cluster"));
    let node_ports = ty == "NodePort" || ty == "LoadBalancer";
    if node_ports {
        default(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if ty == "LoadBalancer" {
        default(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    // An update that leaves allocated values out keeps them, as the service storage does.
    if let Some(old_spec) = old.map(|o| &o["spec"]) {
        if old_spec["clusterIP"].is_string() && spec["clusterIP"].as_str().is_none_or(str::is_empty) {
            spec["clusterIP"] = old_spec["clusterIP"].clone();
            for k in ["clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
                default(spec, k, old_spec[k].clone());
            }
        }
        if node_ports {
            for p in items(spec, "ports") {
                let same = old_spec["ports"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|o| o["port"] == p["port"] && o["protocol"] == p["protocol"]);
                if let Some(np) = same.and_then(node_port)
                    && node_port(p).is_none()
                {
                    p["nodePort"] = json!(np);
                }
            }
        }
    }
    let needs_ip = spec["clusterIP"].as_str().is_none_or(str::is_empty);
    let needs_ports = node_ports && items(spec, "ports").any(|p| node_port(p).is_none());
    if needs_ip || needs_ports {
        let (ips, mut ports) = taken(existing());
        if needs_ip {
            spec["clusterIP"] = json!(allocate_ip(&key, &ips).ok_or_else(|| range_full("serviceIP"))?);
        }
        for (i, p) in items(spec, "ports").enumerate() {
            if node_ports && node_port(p).is_none() {
                let port = allocate_node_port(&format!("{key}/{i}"), &ports).ok_or_else(|| range_full("nodePort"))?;
                ports.push(port);
                p["nodePort"] = json!(port);
            }
        }
    }
    let ip = spec["clusterIP"].clone();
    default(spec, "clusterIPs", json!([ip]));
    default(spec, "ipFamilies", json!(["IPv4"]));
    default(spec, "ipFamilyPolicy", json!("SingleStack"));
    Ok(())
}

/// The apiserver's answer when an allocator has nothing left.
fn range_full(what: &str) -> ApiError {
    ApiError::new(
        500,
        "InternalError",
        format!("Internal error occurred: failed to allocate a {what}: range is full"),
    )
}

/// A port's node port; 0 (Go's zero value) means none.
fn node_port(port: &Value) -> Option<u32> {
    port["nodePort"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n != 0)
}

/// Cluster IPs and node ports the stored Services hold.
fn taken<'a>(objects: impl IntoIterator<Item = &'a Value>) -> (Vec<String>, Vec<u32>) {
    let mut ips = Vec::new();
    let mut ports = Vec::new();
    for o in objects
        .into_iter()
        .filter(|o| o["kind"] == "Service" && o["apiVersion"] == "v1")
    {
        ips.extend(o["spec"]["clusterIP"].as_str().map(str::to_string));
        for p in o["spec"]["ports"].as_array().into_iter().flatten() {
            ports.extend(node_port(p));
        }
    }
    (ips, ports)
}

/// FNV-1a: a stable spread, so a Service gets the same address in every run.
fn spread(key: &str) -> u32 {
    key.bytes()
        .fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// A free address of the service CIDR, skipping the network address, 10.96.0.1 (the
/// `kubernetes` Service's) and the broadcast address.
fn allocate_ip(key: &str, taken: &[String]) -> Option<String> {
    let usable = SERVICE_NET_SIZE - 3;
    (0..usable)
        .map(|i| SERVICE_NET + 2 + (spread(key).wrapping_add(i) % usable))
        .map(|a| std::net::Ipv4Addr::from(a).to_string())
        .find(|ip| !taken.contains(ip))
}

fn allocate_node_port(key: &str, taken: &[u32]) -> Option<u32> {
    let size = NODE_PORTS.end() - NODE_PORTS.start() + 1;
    (0..size)
        .map(|i| NODE_PORTS.start() + (spread(key).wrapping_add(i) % size))
        .find(|p| !taken.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::find;

    fn defaulted(group: &str, resource: &str, mut obj: Value, existing: &[Value]) -> Value {
        let version = if group == "autoscaling" { "v2" } else { "v1" };
        apply(find(group, version, resource).unwrap(), &mut obj, None, || existing).unwrap();
        obj
    }

    #[test]
    fn pods_get_the_apiserver_defaults_without_losing_what_was_set() {
        let p = defaulted(
            "",
            "pods",
            json!({"metadata": {"name": "p"}, "spec": {"restartPolicy": "Never", "containers": [
                {"name": "a", "image": "nginx", "ports": [{"containerPort": 80}]},
                {"name": "b", "image": "registry:5000/app:1.2", "imagePullPolicy": "Never",
                 "readinessProbe": {"httpGet": {"port": 8080}}},
                {"name": "c", "image": "busybox:latest", "resources": {"limits": {"cpu": "1"}}},
                {"name": "d", "image": "app@sha256:abc"},
            ], "volumes": [{"name": "scratch"}, {"name": "cfg", "configMap": {"name": "x"}}]}}),
            &[],
        );
        let spec = &p["spec"];
        assert_eq!(spec["restartPolicy"], "Never");
        assert_eq!(spec["dnsPolicy"], "ClusterFirst");
        assert_eq!(spec["schedulerName"], "default-scheduler");
        assert_eq!(spec["terminationGracePeriodSeconds"], 30);
        assert_eq!(spec["securityContext"], json!({}));
        assert_eq!(spec["enableServiceLinks"], true);
        assert_eq!(spec["serviceAccountName"], "default");
        assert_eq!(spec["serviceAccount"], "default");
        let c = &spec["containers"];
        assert_eq!(
            c[0],
            json!({"name": "a", "image": "nginx", "imagePullPolicy": "Always",
                   "ports": [{"containerPort": 80, "protocol": "TCP"}], "resources": {},
                   "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"})
        );
        assert_eq!(c[1]["imagePullPolicy"], "Never");
        assert_eq!(
            c[1]["readinessProbe"],
            json!({"httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1,
                   "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3})
        );
        assert_eq!(c[2]["imagePullPolicy"], "Always");
        assert_eq!(c[3]["imagePullPolicy"], "IfNotPresent");
        assert_eq!(spec["volumes"][0]["emptyDir"], json!({}));
        assert_eq!(spec["volumes"][1]["configMap"]["defaultMode"], 420);
        assert_eq!(p["status"], json!({"phase": "Pending", "qosClass": "Burstable"}));
        let running = defaulted(
            "",
            "pods",
            json!({"metadata": {"name": "p"}, "spec": {}, "status": {"phase": "Running"}}),
            &[],
        );
        assert_eq!(running["status"], json!({"phase": "Running", "qosClass": "BestEffort"}));
    }

    #[test]
    fn image_pull_policy_follows_the_tag() {
        assert_eq!(image_pull_policy("nginx"), "Always");
        assert_eq!(image_pull_policy("nginx:latest"), "Always");
        assert_eq!(image_pull_policy("nginx:1.27"), "IfNotPresent");
        assert_eq!(image_pull_policy("localhost:5000/nginx"), "Always");
        assert_eq!(image_pull_policy("localhost:5000/nginx:1"), "IfNotPresent");
    }

    #[test]
    fn qos_classes() {
        let spec = |resources: Value| json!({"containers": [{"name": "a", "resources": resources}]});
        assert_eq!(qos_class(&spec(json!({}))), "BestEffort");
        let both = json!({"cpu": "1", "memory": "1Gi"});
        assert_eq!(qos_class(&spec(json!({"limits": both}))), "Guaranteed");
        assert_eq!(
            qos_class(&spec(json!({"limits": both, "requests": {"cpu": "500m"}}))),
            "Burstable"
        );
    }

    #[test]
    fn services_get_unique_cluster_ips_and_node_ports() {
        let first = defaulted(
            "",
            "services",
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "namespace": "n"},
                   "spec": {"type": "NodePort", "ports": [{"port": 80}]}}),
            &[],
        );
        let spec = &first["spec"];
        let ip = spec["clusterIP"].as_str().unwrap();
        let addr: std::net::Ipv4Addr = ip.parse().unwrap();
        assert!(u32::from(addr) >= SERVICE_NET + 2 && u32::from(addr) < SERVICE_NET + SERVICE_NET_SIZE - 1);
        assert_eq!(spec["clusterIPs"], json!([ip]));
        assert_eq!(spec["ipFamilies"], json!(["IPv4"]));
        assert_eq!(spec["ipFamilyPolicy"], "SingleStack");
        assert_eq!(spec["sessionAffinity"], "None");
        assert_eq!(spec["internalTrafficPolicy"], "Cluster");
        assert_eq!(spec["externalTrafficPolicy"], "Cluster");
        let port = &spec["ports"][0];
        assert_eq!(
            (port["protocol"].as_str(), port["targetPort"].as_i64()),
            (Some("TCP"), Some(80))
        );
        assert!(NODE_PORTS.contains(&(port["nodePort"].as_u64().unwrap() as u32)));
        assert_eq!(first["status"], json!({"loadBalancer": {}}));

        // The same name again (another namespace's twin hashing alike) must not collide.
        // Its node port is Go's zero value: none.
        let mut twin = json!({"metadata": {"name": "a", "namespace": "n"},
                              "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 0}]}});
        apply(find("", "v1", "services").unwrap(), &mut twin, None, || [&first]).unwrap();
        assert_ne!(twin["spec"]["clusterIP"], first["spec"]["clusterIP"]);
        assert_ne!(twin["spec"]["ports"][0]["nodePort"], port["nodePort"]);
        assert!(node_port(&twin["spec"]["ports"][0]).is_some());

        // An update without the allocated values keeps them.
        let mut update =
            json!({"metadata": {"name": "a", "namespace": "n"}, "spec": {"type": "NodePort", "ports": [{"port": 80}]}});
        apply(find("", "v1", "services").unwrap(), &mut update, Some(&first), || {
            [&first]
        })
        .unwrap();
        assert_eq!(update["spec"], first["spec"]);
    }

    #[test]
    fn a_full_node_port_range_is_an_error_not_a_panic() {
        let ports: Vec<Value> = NODE_PORTS.map(|p| json!({"port": p, "nodePort": p})).collect();
        let full = json!({"kind": "Service", "apiVersion": "v1", "metadata": {"name": "all", "namespace": "n"},
                          "spec": {"type": "NodePort", "clusterIP": "10.96.0.9", "ports": ports}});
        let mut one_more =
            json!({"metadata": {"name": "b", "namespace": "n"}, "spec": {"type": "NodePort", "ports": [{"port": 80}]}});
        let err = apply(find("", "v1", "services").unwrap(), &mut one_more, None, || [&full]).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                500,
                "Internal error occurred: failed to allocate a nodePort: range is full"
            )
        );
    }

    #[test]
    fn headless_and_external_name_services_keep_their_shape() {
        let headless = defaulted(
            "",
            "services",
            json!({"metadata": {"name": "h"}, "spec": {"clusterIP": "None", "ports": [{"port": 5432, "targetPort": "pg"}]}}),
            &[],
        );
        assert_eq!(headless["spec"]["clusterIP"], "None");
        assert_eq!(headless["spec"]["clusterIPs"], json!(["None"]));
        assert_eq!(headless["spec"]["ports"][0]["targetPort"], "pg");
        let external = defaulted(
            "",
            "services",
            json!({"metadata": {"name": "e"}, "spec": {"type": "ExternalName", "externalName": "db.example.com"}}),
            &[],
        );
        assert!(external["spec"].get("clusterIP").is_none());
    }

    #[test]
    fn workloads_get_their_defaults() {
        let d = defaulted(
            "apps",
            "deployments",
            json!({"metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x:1"}]}}}}),
            &[],
        );
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(
            d["spec"]["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
        );
        assert_eq!(d["spec"]["revisionHistoryLimit"], 10);
        assert_eq!(d["spec"]["progressDeadlineSeconds"], 600);
        assert_eq!(d["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst");
        assert!(d["spec"]["template"]["spec"].get("serviceAccountName").is_none());

        let recreate = defaulted(
            "apps",
            "deployments",
            json!({"metadata": {"name": "d"}, "spec": {"replicas": 0, "strategy": {"type": "Recreate"}}}),
            &[],
        );
        assert_eq!(recreate["spec"]["replicas"], 0);
        assert_eq!(recreate["spec"]["strategy"], json!({"type": "Recreate"}));

        let sts = defaulted(
            "apps",
            "statefulsets",
            json!({"metadata": {"name": "s"}, "spec": {"volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {}}]}}),
            &[],
        );
        assert_eq!(sts["spec"]["podManagementPolicy"], "OrderedReady");
        assert_eq!(
            sts["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
        );
        assert_eq!(
            sts["spec"]["volumeClaimTemplates"][0]["spec"]["volumeMode"],
            "Filesystem"
        );

        let ds = defaulted("apps", "daemonsets", json!({"metadata": {"name": "d"}}), &[]);
        assert_eq!(
            ds["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
        );
        assert_eq!(
            defaulted("apps", "replicasets", json!({"metadata": {"name": "r"}}), &[])["spec"]["replicas"],
            1
        );
    }

    #[test]
    fn jobs_get_a_generated_selector_and_labels() {
        let j = defaulted(
            "batch",
            "jobs",
            json!({"metadata": {"name": "pi", "uid": "u-1"}, "spec": {"template": {"spec": {"restartPolicy": "Never"}}}}),
            &[],
        );
        let spec = &j["spec"];
        assert_eq!(
            (&spec["parallelism"], &spec["completions"], &spec["backoffLimit"]),
            (&json!(1), &json!(1), &json!(6))
        );
        assert_eq!(spec["completionMode"], "NonIndexed");
        assert_eq!(spec["suspend"], false);
        assert_eq!(spec["manualSelector"], false);
        assert_eq!(spec["podReplacementPolicy"], "TerminatingOrFailed");
        assert_eq!(
            spec["selector"],
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}})
        );
        let labels = json!({"batch.kubernetes.io/controller-uid": "u-1", "batch.kubernetes.io/job-name": "pi",
                            "controller-uid": "u-1", "job-name": "pi"});
        assert_eq!(spec["template"]["metadata"]["labels"], labels);
        assert_eq!(j["metadata"]["labels"], labels);
        assert_eq!(spec["template"]["spec"]["restartPolicy"], "Never");

        let parallel = defaulted(
            "batch",
            "jobs",
            json!({"metadata": {"name": "p", "uid": "u", "labels": {"team": "a"}}, "spec": {"parallelism": 3}}),
            &[],
        );
        assert!(parallel["spec"].get("completions").is_none());
        assert_eq!(parallel["metadata"]["labels"], json!({"team": "a"}));

        let cj = defaulted("batch", "cronjobs", json!({"metadata": {"name": "c"}}), &[]);
        assert_eq!(
            (
                &cj["spec"]["concurrencyPolicy"],
                &cj["spec"]["suspend"],
                &cj["spec"]["successfulJobsHistoryLimit"],
                &cj["spec"]["failedJobsHistoryLimit"]
            ),
            (&json!("Allow"), &json!(false), &json!(3), &json!(1))
        );
    }

    #[test]
    fn small_kinds() {
        assert_eq!(
            defaulted("", "secrets", json!({"metadata": {"name": "s"}}), &[])["type"],
            "Opaque"
        );
        let ns = defaulted("", "namespaces", json!({"metadata": {"name": "team"}}), &[]);
        assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
        assert_eq!(ns["metadata"]["labels"]["kubernetes.io/metadata.name"], "team");
        let pvc = defaulted("", "persistentvolumeclaims", json!({"metadata": {"name": "c"}}), &[]);
        assert_eq!(pvc["spec"]["volumeMode"], "Filesystem");
        assert_eq!(pvc["status"]["phase"], "Pending");
        let quota = defaulted(
            "",
            "resourcequotas",
            json!({"metadata": {"name": "q"}, "spec": {"hard": {"pods": "10", "limits.cpu": "2"}},
                   "status": {"used": {"pods": "3"}}}),
            &[],
        );
        assert_eq!(quota["status"]["hard"], json!({"pods": "10", "limits.cpu": "2"}));
        assert_eq!(quota["status"]["used"], json!({"pods": "3", "limits.cpu": "0"}));
        let object = |kind: &str, ns: &str, extra: Value| {
            let mut o = json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": "x", "namespace": ns}});
            o.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            o
        };
        let stored = [
            object("Pod", "a", json!({"status": {"phase": "Running"}})),
            object("Pod", "a", json!({"status": {"phase": "Succeeded"}})),
            object("Pod", "b", json!({})),
            object(
                "Service",
                "a",
                json!({"spec": {"type": "NodePort", "ports": [{"port": 1}, {"port": 2}]}}),
            ),
            object("ResourceQuota", "a", json!({})),
        ];
        let counted = defaulted(
            "",
            "resourcequotas",
            json!({"metadata": {"name": "q", "namespace": "a"}, "spec": {"hard": {
                "pods": "9", "count/services": "9", "services.nodeports": "9", "resourcequotas": "9", "secrets": "9"}}}),
            &stored,
        );
        assert_eq!(
            counted["status"]["used"],
            json!({"pods": "1", "count/services": "1", "services.nodeports": "2", "resourcequotas": "2", "secrets": "0"})
        );
        let limits = defaulted(
            "",
            "limitranges",
            json!({"metadata": {"name": "l"}, "spec": {"limits": [{"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "64Mi"}}]}}),
            &[],
        );
        assert_eq!(
            limits["spec"]["limits"][0],
            json!({"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "64Mi"},
                   "default": {"cpu": "2"}, "defaultRequest": {"cpu": "2", "memory": "64Mi"}})
        );
        let pc = defaulted(
            "scheduling.k8s.io",
            "priorityclasses",
            json!({"metadata": {"name": "high"}, "value": 1000}),
            &[],
        );
        assert_eq!(pc["preemptionPolicy"], "PreemptLowerPriority");
        let hpa = defaulted(
            "autoscaling",
            "horizontalpodautoscalers",
            json!({"metadata": {"name": "h"}, "spec": {}}),
            &[],
        );
        assert_eq!(hpa["spec"]["minReplicas"], 1);
        assert_eq!(
            hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
            80
        );
    }
}
