//! What draining a node would do, as `kubectl drain` decides it: every pod bound to the node is
//! evicted except mirror pods (the kubelet's own) and DaemonSet pods (their controller would put
//! them straight back); pods with `emptyDir` data and pods no controller would recreate are
//! flagged, since draining loses them; and a pod whose PodDisruptionBudget allows no disruption
//! now is blocked. Pure: it takes the node's pods and the budgets and answers the plan.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::selector::spec_selector;

const MIRROR: &str = "kubernetes.io/config.mirror";

/// What the drain does with one pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PodAction {
    Evict,
    /// Left alone: a mirror or DaemonSet pod.
    Skip,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DrainPod {
    pub namespace: String,
    pub name: String,
    pub action: PodAction,
    /// Why a pod is skipped: `mirror` or `daemonset`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
    /// It has `emptyDir` volumes, whose data an eviction deletes.
    pub local_storage: bool,
    /// No controller owns it, so nothing recreates it elsewhere.
    pub unmanaged: bool,
    /// The PodDisruptionBudgets that allow no disruption of it now.
    pub blocked_by: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DrainPreview {
    pub node: String,
    /// Already cordoned.
    pub unschedulable: bool,
    pub pods: Vec<DrainPod>,
    /// Pods that would be evicted.
    pub evict: usize,
    pub skipped: usize,
    /// Pods to evict that a budget blocks for now (the drain retries them until its timeout).
    pub blocked: usize,
    /// Pods to evict that need `deleteEmptyDirData` (local storage) or `force` (unmanaged).
    pub needs_delete_empty_dir_data: Vec<String>,
    pub needs_force: Vec<String>,
}

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn labels(pod: &Value) -> BTreeMap<String, String> {
    pod.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}

/// The kind of the pod's controller, if it has one.
pub fn controller_kind(pod: &Value) -> Option<&str> {
    pod.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
        .and_then(|o| text(o, "/kind"))
}

fn finished(pod: &Value) -> bool {
    matches!(text(pod, "/status/phase"), Some("Succeeded" | "Failed"))
}

/// Healthy as the disruption controller counts it: running and ready.
fn healthy(pod: &Value) -> bool {
    text(pod, "/status/phase") == Some("Running")
        && pod
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|c| text(c, "/type") == Some("Ready") && text(c, "/status") == Some("True"))
}

/// Whether budget `pdb` selects `pod` (same namespace; an empty selector selects every pod).
fn selects(pdb: &Value, pod: &Value) -> bool {
    if text(pdb, "/metadata/namespace") != text(pod, "/metadata/namespace") {
        return false;
    }
    match pdb.pointer("/spec/selector") {
        Some(Value::Object(s)) if s.is_empty() => true,
        Some(_) => spec_selector(pdb).is_some_and(|s| s.matches(&labels(pod))),
        None => false,
    }
}

/// An `IntOrString` budget figure of `total` pods (percentages round up, as the controller does).
fn figure(v: &Value, total: usize) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let pct: i64 = s.strip_suffix('%')?.parse().ok()?;
            Some((pct * total as i64 + 99) / 100)
        }
        _ => None,
    }
}

/// How many pods the budget lets go now: the controller's `status.disruptionsAllowed` when it
/// wrote one for this generation, else worked out from the pods it selects.
pub fn disruptions_allowed(pdb: &Value, all_pods: &[Value]) -> i64 {
    let observed = pdb.pointer("/status/observedGeneration").and_then(Value::as_i64);
    let current = observed.is_some() && observed == pdb.pointer("/metadata/generation").and_then(Value::as_i64);
    if let Some(n) = pdb
        .pointer("/status/disruptionsAllowed")
        .and_then(Value::as_i64)
        .filter(|_| current)
    {
        return n;
    }
    let selected: Vec<&Value> = all_pods.iter().filter(|p| selects(pdb, p)).collect();
    let total = selected.len();
    let up = selected.iter().filter(|p| healthy(p)).count() as i64;
    if let Some(min) = pdb.pointer("/spec/minAvailable").and_then(|v| figure(v, total)) {
        return up - min;
    }
    if let Some(max) = pdb.pointer("/spec/maxUnavailable").and_then(|v| figure(v, total)) {
        return max - (total as i64 - up);
    }
    0
}

/// The plan for draining `node`: `node_pods` are the pods bound to it, `all_pods` every pod of
/// their namespaces (budgets count them all), `pdbs` the budgets of those namespaces.
pub fn preview(
    node: &str,
    unschedulable: bool,
    node_pods: &[Value],
    all_pods: &[Value],
    pdbs: &[Value],
) -> DrainPreview {
    let allowed: Vec<(String, i64)> = pdbs
        .iter()
        .map(|b| {
            (
                text(b, "/metadata/name").unwrap_or_default().to_string(),
                disruptions_allowed(b, all_pods),
            )
        })
        .collect();
    let mut pods: Vec<DrainPod> = node_pods
        .iter()
        .map(|pod| {
            let mirror = pod
                .pointer(&format!("/metadata/annotations/{}", MIRROR.replace('/', "~1")))
                .is_some();
            let controller = controller_kind(pod);
            let skip_reason = if mirror {
                Some("mirror")
            } else if controller == Some("DaemonSet") {
                Some("daemonset")
            } else {
                None
            };
            let local_storage = pod
                .pointer("/spec/volumes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|v| v.get("emptyDir").is_some());
            // A finished pod is gone whatever its budget says; so is its lack of a controller.
            let blocked_by = match skip_reason.is_none() && !finished(pod) {
                true => pdbs
                    .iter()
                    .zip(&allowed)
                    .filter(|(b, (_, n))| selects(b, pod) && *n <= 0)
                    .map(|(_, (name, _))| name.clone())
                    .collect(),
                false => vec![],
            };
            DrainPod {
                namespace: text(pod, "/metadata/namespace").unwrap_or_default().to_string(),
                name: text(pod, "/metadata/name").unwrap_or_default().to_string(),
                action: if skip_reason.is_some() {
                    PodAction::Skip
                } else {
                    PodAction::Evict
                },
                skip_reason: skip_reason.map(str::to_string),
                local_storage,
                unmanaged: controller.is_none() && !mirror && !finished(pod),
                blocked_by,
            }
        })
        .collect();
    pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    let evicted = || pods.iter().filter(|p| p.action == PodAction::Evict);
    let key = |p: &DrainPod| format!("{}/{}", p.namespace, p.name);
    DrainPreview {
        node: node.to_string(),
        unschedulable,
        evict: evicted().count(),
        skipped: pods.len() - evicted().count(),
        blocked: evicted().filter(|p| !p.blocked_by.is_empty()).count(),
        needs_delete_empty_dir_data: evicted().filter(|p| p.local_storage).map(key).collect(),
        needs_force: evicted().filter(|p| p.unmanaged).map(key).collect(),
        pods,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, owner: Option<&str>, ready: bool) -> Value {
        let owners: Vec<Value> = owner
            .map(|k| json!({"kind": k, "name": "o", "uid": "u", "apiVersion": "apps/v1", "controller": true}))
            .into_iter()
            .collect();
        json!({
            "metadata": {"name": name, "namespace": "shop", "labels": {"app": "web"}, "ownerReferences": owners},
            "spec": {"nodeName": "n1"},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}
        })
    }

    fn pdb(name: &str, spec: Value) -> Value {
        let mut spec = spec;
        spec["selector"] = json!({"matchLabels": {"app": "web"}});
        json!({"metadata": {"name": name, "namespace": "shop", "generation": 1}, "spec": spec})
    }

    #[test]
    fn mirror_and_daemonset_pods_are_skipped_and_the_rest_flagged() {
        let mut mirror = pod("etcd", None, true);
        mirror["metadata"]["annotations"] = json!({MIRROR: "x"});
        let ds = pod("agent", Some("DaemonSet"), true);
        let mut bare = pod("bare", None, true);
        bare["spec"]["volumes"] = json!([{"name": "scratch", "emptyDir": {}}]);
        let managed = pod("web-1", Some("ReplicaSet"), true);
        let mut done = pod("job-1", None, false);
        done["status"]["phase"] = json!("Succeeded");
        let pods = vec![mirror, ds, bare, managed, done];
        let p = preview("n1", false, &pods, &pods, &[]);
        let by = |n: &str| p.pods.iter().find(|x| x.name == n).unwrap().clone();
        assert_eq!(
            (by("etcd").action, by("etcd").skip_reason.as_deref()),
            (PodAction::Skip, Some("mirror"))
        );
        assert_eq!(by("agent").skip_reason.as_deref(), Some("daemonset"));
        assert!(by("bare").unmanaged && by("bare").local_storage);
        assert!(!by("web-1").unmanaged);
        assert!(!by("job-1").unmanaged, "a finished pod is lost anyway");
        assert_eq!((p.evict, p.skipped, p.blocked), (3, 2, 0));
        assert_eq!(p.needs_force, vec!["shop/bare"]);
        assert_eq!(p.needs_delete_empty_dir_data, vec!["shop/bare"]);
    }

    #[test]
    fn budgets_block_when_they_allow_no_disruption() {
        let a = pod("web-1", Some("ReplicaSet"), true);
        let b = pod("web-2", Some("ReplicaSet"), true);
        let all = vec![a.clone(), b];
        let strict = pdb("strict", json!({"minAvailable": 2}));
        let loose = pdb("loose", json!({"maxUnavailable": 1}));
        assert_eq!(disruptions_allowed(&strict, &all), 0);
        assert_eq!(disruptions_allowed(&loose, &all), 1);
        assert_eq!(
            disruptions_allowed(&pdb("half", json!({"minAvailable": "50%"})), &all),
            1
        );
        let p = preview("n1", true, std::slice::from_ref(&a), &all, &[strict.clone(), loose]);
        assert_eq!(p.pods[0].blocked_by, vec!["strict"]);
        assert_eq!(p.blocked, 1);
        assert!(p.unschedulable);

        // An unready pod already uses up the budget.
        let sick = vec![a.clone(), pod("web-2", Some("ReplicaSet"), false)];
        assert_eq!(
            disruptions_allowed(&pdb("loose", json!({"maxUnavailable": 1})), &sick),
            0
        );

        // The controller's figure wins when it is current.
        let mut counted = strict;
        counted["status"] = json!({"observedGeneration": 1, "disruptionsAllowed": 3});
        assert_eq!(disruptions_allowed(&counted, &all), 3);
        counted["metadata"]["generation"] = json!(2);
        assert_eq!(disruptions_allowed(&counted, &all), 0);

        // Another namespace's budget does not apply.
        let mut elsewhere = pdb("other", json!({"minAvailable": 5}));
        elsewhere["metadata"]["namespace"] = json!("billing");
        assert!(
            preview("n1", false, &[a], &all, &[elsewhere]).pods[0]
                .blocked_by
                .is_empty()
        );
    }
}
