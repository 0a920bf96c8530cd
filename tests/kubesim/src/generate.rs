//! A deterministic generator of realistic clusters for tests and benchmarks.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::store::short_suffix;

/// splitmix64: tiny, seedable, and the same on every platform.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const APPS: &[(&str, &str)] = &[
    ("web", "nginx:1.27"),
    ("api", "ghcr.io/example/api:2.4.1"),
    ("worker", "ghcr.io/example/worker:2.4.1"),
    ("cache", "redis:7.2"),
    ("auth", "ghcr.io/example/auth:1.9.0"),
    ("billing", "ghcr.io/example/billing:0.8.3"),
    ("search", "opensearchproject/opensearch:2.13.0"),
    ("frontend", "ghcr.io/example/frontend:5.0.2"),
];

fn ts(age_secs: i64) -> String {
    (Utc::now() - Duration::seconds(age_secs))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Objects for a cluster: `namespaces` namespaces, `nodes` nodes, and about `pods` pods
/// owned by Deployments through ReplicaSets. Roughly 3% crash-loop, 3% are Pending,
/// 2% fail to pull their image; the rest run. The same seed gives the same cluster.
pub fn cluster(nodes: usize, pods: usize, namespaces: usize, seed: u64) -> Vec<Value> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    let namespaces = namespaces.max(1);
    for n in 0..nodes {
        let name = format!("node-{n}");
        let mut labels = json!({
            "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
            "topology.kubernetes.io/zone": format!("zone-{}", n % 3),
        });
        if n == 0 {
            labels["node-role.kubernetes.io/control-plane"] = json!("");
        }
        out.push(json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": labels, "creationTimestamp": ts(86400 * 30)},
            "spec": {"podCIDR": format!("10.244.{n}.0/24")},
            "status": {
                "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                "allocatable": {"cpu": "7800m", "memory": "30Gi", "pods": "110"},
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                "message": "kubelet is posting ready status", "lastHeartbeatTime": ts(10),
                                "lastTransitionTime": ts(86400 * 30)}],
                "addresses": [{"type": "InternalIP", "address": format!("10.0.0.{}", n + 10)},
                              {"type": "Hostname", "address": name}],
                "nodeInfo": {"kubeletVersion": "v1.33.1", "containerRuntimeVersion": "containerd://2.0.5",
                             "osImage": "Ubuntu 24.04 LTS", "kernelVersion": "6.8.0-1021-aws",
                             "operatingSystem": "linux", "architecture": "amd64"}
            }
        }));
    }
    for ns in 0..namespaces {
        out.push(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": format!("team-{ns}"), "creationTimestamp": ts(86400 * 20),
                         "labels": {"kubernetes.io/metadata.name": format!("team-{ns}")}},
            "status": {"phase": "Active"}}));
    }
    let per_ns = pods.div_ceil(namespaces);
    let mut made = 0usize;
    for ns_i in 0..namespaces {
        let ns = format!("team-{ns_i}");
        let mut left = per_ns.min(pods - made);
        let mut app_i = 0usize;
        while left > 0 {
            let (app, image) = APPS[app_i % APPS.len()];
            let deploy = if app_i < APPS.len() {
                app.to_string()
            } else {
                format!("{app}-{}", app_i / APPS.len())
            };
            app_i += 1;
            let replicas = (1 + rng.below(6) as usize).min(left);
            left -= replicas;
            made += replicas;
            let hash = short_suffix(rng.next()).replace(|c: char| !c.is_ascii_alphanumeric(), "") + "x5";
            let rs_name = format!("{deploy}-{hash}");
            let labels = json!({"app": deploy, "pod-template-hash": hash});
            let deploy_uid = uuid::Uuid::from_u64_pair(seed, rng.next()).to_string();
            let rs_uid = uuid::Uuid::from_u64_pair(seed, rng.next()).to_string();
            let age = 3600 * (1 + rng.below(24 * 14) as i64);
            let template = json!({
                "metadata": {"labels": {"app": deploy}},
                "spec": {"containers": [{"name": app, "image": image,
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}}}]}
            });
            let mut ready = 0;
            let mut pod_objs = Vec::new();
            for _ in 0..replicas {
                let pod_name = format!("{rs_name}-{}", short_suffix(rng.next()));
                let node = if nodes > 0 {
                    format!("node-{}", rng.below(nodes as u64))
                } else {
                    String::new()
                };
                let roll = rng.below(100);
                let (pod, is_ready) = pod(
                    &ns, &pod_name, app, image, &labels, &rs_name, &rs_uid, &node, roll, age, &mut rng,
                );
                if is_ready {
                    ready += 1;
                }
                pod_objs.push(pod);
            }
            out.push(json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": deploy, "namespace": ns, "uid": deploy_uid, "labels": {"app": deploy},
                             "creationTimestamp": ts(age)},
                "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": deploy}}, "template": template},
                "status": {"replicas": replicas, "readyReplicas": ready, "updatedReplicas": replicas,
                           "availableReplicas": ready, "observedGeneration": 1}
            }));
            out.push(json!({
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": rs_name, "namespace": ns, "uid": rs_uid, "labels": labels, "creationTimestamp": ts(age),
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": deploy,
                                         "uid": deploy_uid, "controller": true, "blockOwnerDeletion": true}]},
                "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": template},
                "status": {"replicas": replicas, "readyReplicas": ready, "availableReplicas": ready}
            }));
            out.extend(pod_objs);
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn pod(
    ns: &str,
    name: &str,
    container: &str,
    image: &str,
    labels: &Value,
    rs_name: &str,
    rs_uid: &str,
    node: &str,
    roll: u64,
    age: i64,
    rng: &mut Rng,
) -> (Value, bool) {
    let started = ts(age - 30);
    let mut spec = json!({
        "containers": [{"name": container, "image": image, "ports": [{"containerPort": 8080, "protocol": "TCP"}]}],
        "restartPolicy": "Always", "serviceAccountName": "default", "schedulerName": "default-scheduler",
    });
    let meta = json!({"name": name, "namespace": ns, "labels": labels, "creationTimestamp": ts(age),
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs_name, "uid": rs_uid,
                             "controller": true, "blockOwnerDeletion": true}]});
    let cond = |t: &str, s: bool| json!({"type": t, "status": if s { "True" } else { "False" }, "lastTransitionTime": started});
    let (status, ready) = if roll < 3 || node.is_empty() {
        (
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
            "reason": "Unschedulable", "lastTransitionTime": started,
            "message": "0/5 nodes are available: 5 Insufficient cpu. preemption: 0/5 nodes are available: 5 No preemption victims found for incoming pod."}],
            "qosClass": "Burstable"}),
            false,
        )
    } else {
        spec["nodeName"] = json!(node);
        let ip = format!("10.244.{}.{}", rng.below(5), 2 + rng.below(250));
        let (state, last, restarts, ready) = if roll < 6 {
            let restarts = 3 + rng.below(40);
            (
                json!({"waiting": {"reason": "CrashLoopBackOff",
                "message": format!("back-off 5m0s restarting failed container={container} pod={name}")}}),
                json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": ts(200), "finishedAt": ts(180)}}),
                restarts,
                false,
            )
        } else if roll < 8 {
            (
                json!({"waiting": {"reason": "ImagePullBackOff", "message": format!("Back-off pulling image \"{image}\"")}}),
                json!({}),
                0,
                false,
            )
        } else {
            (
                json!({"running": {"startedAt": started}}),
                json!({}),
                rng.below(3) * rng.below(2),
                true,
            )
        };
        (
            json!({
                "phase": if ready || restarts > 0 { "Running" } else { "Pending" },
                "hostIP": "10.0.0.10", "podIP": ip, "podIPs": [{"ip": ip}], "startTime": ts(age),
                "qosClass": "Burstable",
                "conditions": [cond("PodScheduled", true), cond("Initialized", true), cond("ContainersReady", ready), cond("Ready", ready)],
                "containerStatuses": [{"name": container, "image": image, "imageID": "", "ready": ready, "started": ready,
                    "restartCount": restarts, "state": state, "lastState": last}]
            }),
            ready,
        )
    };
    (
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}),
        ready,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_the_requested_shape_deterministically() {
        let a = cluster(5, 1000, 10, 42);
        let count = |k: &str| a.iter().filter(|o| o["kind"] == k).count();
        assert_eq!(count("Node"), 5);
        assert_eq!(count("Namespace"), 10);
        assert_eq!(count("Pod"), 1000);
        assert_eq!(count("Deployment"), count("ReplicaSet"));
        let reason = |r: &str| {
            a.iter()
                .filter(|o| o["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == r)
                .count()
        };
        assert!(reason("CrashLoopBackOff") > 0);
        assert!(reason("ImagePullBackOff") > 0);
        assert!(
            a.iter()
                .any(|o| o["kind"] == "Pod" && o["status"]["phase"] == "Pending")
        );
        let b = cluster(5, 1000, 10, 42);
        let names = |v: &[Value]| v.iter().map(|o| o["metadata"]["name"].clone()).collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b));
    }
}
