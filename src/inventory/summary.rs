//! A cluster's health from its nodes and pods: counts, stuck or failed pods, hot signals, and
//! whether it is healthy or degraded. Pure: it takes the lists and the time.

use chrono::{DateTime, Duration, Utc};
use k8s_openapi::api::core::v1::{Node, Pod};
use serde::Serialize;
use utoipa::ToSchema;

/// A pod Pending longer than this counts as stuck.
pub const PENDING_TOO_LONG: Duration = Duration::minutes(5);

const STUCK_WAITING: [&str; 4] = [
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "CreateContainerConfigError",
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeCounts {
    pub ready: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PodCounts {
    pub running: usize,
    pub pending: usize,
    pub failed: usize,
    pub total: usize,
}

/// Counts of the signals an operator looks at first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HotSignals {
    /// Pods with a container waiting in CrashLoopBackOff.
    pub crash_loop_back_off: usize,
    /// Pods with a container waiting in ImagePullBackOff or ErrImagePull.
    pub image_pull_back_off: usize,
    /// Pods with a container last killed for memory.
    pub oom_killed: usize,
    /// Nodes not Ready.
    pub not_ready: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSummary {
    pub nodes: NodeCounts,
    pub pods: PodCounts,
    pub namespaces: usize,
    /// Pods Failed, waiting in CrashLoopBackOff / ImagePullBackOff / ErrImagePull /
    /// CreateContainerConfigError, or Pending over 5 minutes.
    pub stuck_or_failed: usize,
    pub hot_signals: HotSignals,
}

impl ClusterSummary {
    /// Degraded when reachable with a NotReady node or stuck or failed pods.
    pub fn degraded(&self) -> bool {
        self.hot_signals.not_ready > 0 || self.stuck_or_failed > 0
    }
}

pub fn node_ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

fn waiting_reasons(pod: &Pod) -> impl Iterator<Item = &str> {
    pod.status
        .iter()
        .flat_map(|s| {
            s.container_statuses
                .iter()
                .flatten()
                .chain(s.init_container_statuses.iter().flatten())
        })
        .filter_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.as_deref())
}

fn oom_killed(pod: &Pod) -> bool {
    pod.status
        .iter()
        .flat_map(|s| s.container_statuses.iter().flatten())
        .any(|c| {
            let reason = |s: Option<&k8s_openapi::api::core::v1::ContainerState>| {
                s.and_then(|s| s.terminated.as_ref()).and_then(|t| t.reason.as_deref()) == Some("OOMKilled")
            };
            reason(c.state.as_ref()) || reason(c.last_state.as_ref())
        })
}

pub fn summarize(nodes: &[Node], pods: &[Pod], namespaces: usize, now: DateTime<Utc>) -> ClusterSummary {
    let mut s = ClusterSummary {
        namespaces,
        ..Default::default()
    };
    s.nodes.total = nodes.len();
    s.nodes.ready = nodes.iter().filter(|n| node_ready(n)).count();
    s.hot_signals.not_ready = s.nodes.total - s.nodes.ready;
    for pod in pods {
        s.pods.total += 1;
        let phase = pod
            .status
            .as_ref()
            .and_then(|st| st.phase.as_deref())
            .unwrap_or("Unknown");
        match phase {
            "Running" => s.pods.running += 1,
            "Pending" => s.pods.pending += 1,
            "Failed" => s.pods.failed += 1,
            _ => {}
        }
        let reasons: Vec<&str> = waiting_reasons(pod).collect();
        if reasons.contains(&"CrashLoopBackOff") {
            s.hot_signals.crash_loop_back_off += 1;
        }
        if reasons
            .iter()
            .any(|r| matches!(*r, "ImagePullBackOff" | "ErrImagePull"))
        {
            s.hot_signals.image_pull_back_off += 1;
        }
        if oom_killed(pod) {
            s.hot_signals.oom_killed += 1;
        }
        let created = pod.metadata.creation_timestamp.as_ref().map(|t| t.0);
        let pending_long = phase == "Pending"
            && created.is_some_and(|c| now.timestamp() - c.as_second() > PENDING_TOO_LONG.num_seconds());
        if phase == "Failed" || pending_long || reasons.iter().any(|r| STUCK_WAITING.contains(r)) {
            s.stuck_or_failed += 1;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(phase: &str, waiting: Option<&str>, age_min: i64, oom: bool, now: DateTime<Utc>) -> Pod {
        let created = (now - Duration::minutes(age_min)).to_rfc3339();
        let mut cs = json!({"name": "c", "image": "i", "imageID": "", "ready": false, "restartCount": 0, "state": {}});
        if let Some(r) = waiting {
            cs["state"] = json!({"waiting": {"reason": r}});
        }
        if oom {
            cs["lastState"] = json!({"terminated": {"exitCode": 137, "reason": "OOMKilled"}});
        }
        serde_json::from_value(json!({
            "metadata": {"name": "p", "creationTimestamp": created},
            "status": {"phase": phase, "containerStatuses": [cs]}
        }))
        .unwrap()
    }

    fn node(ready: bool) -> Node {
        serde_json::from_value(json!({
            "metadata": {"name": "n"},
            "status": {"conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}
        }))
        .unwrap()
    }

    #[test]
    fn counts_signals_and_stuck_pods() {
        let now = Utc::now();
        let pods = [
            pod("Running", None, 60, false, now),
            pod("Running", Some("CrashLoopBackOff"), 60, true, now),
            pod("Pending", Some("ImagePullBackOff"), 1, false, now),
            pod("Pending", None, 2, false, now),
            pod("Pending", None, 10, false, now),
            pod("Failed", None, 60, false, now),
            pod("Succeeded", None, 60, false, now),
        ];
        let s = summarize(&[node(true), node(false)], &pods, 3, now);
        assert_eq!(s.nodes, NodeCounts { ready: 1, total: 2 });
        assert_eq!(
            s.pods,
            PodCounts {
                running: 2,
                pending: 3,
                failed: 1,
                total: 7
            }
        );
        assert_eq!(
            s.hot_signals,
            HotSignals {
                crash_loop_back_off: 1,
                image_pull_back_off: 1,
                oom_killed: 1,
                not_ready: 1
            }
        );
        assert_eq!(s.stuck_or_failed, 4, "crash loop, image pull, pending 10 min, failed");
        assert_eq!(s.namespaces, 3);
        assert!(s.degraded());
    }

    #[test]
    fn a_quiet_cluster_is_healthy() {
        let now = Utc::now();
        let s = summarize(
            &[node(true)],
            &[
                pod("Running", None, 60, false, now),
                pod("Pending", None, 1, false, now),
            ],
            1,
            now,
        );
        assert!(!s.degraded());
        assert_eq!(s.stuck_or_failed, 0);
    }
}
