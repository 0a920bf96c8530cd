//! Pods: crash loops, image pulls, OOM kills, missing configuration, unschedulable pods,
//! failing probes and restart bursts, judged per container from its state.

use chrono::Duration;

use super::super::facts::{ContainerFacts, ContainerState, Facts, Kind, ObjectKey, PodFacts};
use super::super::finding::{ContainerEvidence, Finding, FindingClass, LogExcerpt, Remediation, Severity};
use super::context::{Context, age};

/// Restarts that make a burst, when the last one is recent (`RESTART_BURST_WINDOW`).
pub const RESTART_BURST_COUNT: i32 = 5;
pub const RESTART_BURST_WINDOW: Duration = Duration::hours(1);
/// How long an OOM kill stays a finding after the container came back.
pub const OOM_WINDOW: Duration = Duration::hours(1);
/// How long the scheduler may take (a cluster autoscaler adding a node) before a pod is reported.
pub const UNSCHEDULABLE_GRACE: Duration = Duration::minutes(2);
/// How long a probed container may run without being ready.
pub const PROBE_GRACE: Duration = Duration::minutes(5);

const IMAGE_PULL_REASONS: [&str; 3] = ["ImagePullBackOff", "ErrImagePull", "InvalidImageName"];

pub fn analyze(cx: &Context, pod: &PodFacts) -> Vec<Finding> {
    // A finished pod is judged by its Job, if any; an evicted one by its controller.
    if pod.phase == "Succeeded" || pod.phase == "Failed" {
        return Vec::new();
    }
    let mut findings: Vec<Finding> = pod.containers.iter().filter_map(|c| container(cx, pod, c)).collect();
    findings.extend(unschedulable(cx, pod));
    findings
}

fn container(cx: &Context, pod: &PodFacts, c: &ContainerFacts) -> Option<Finding> {
    let pod_name = cx.display();
    let last = c.last_terminated.as_ref();
    let last_oom = last.filter(|t| t.reason == "OOMKilled");
    let recent = |window: Duration| last.and_then(|t| t.finished).is_some_and(|at| cx.now - at <= window);
    let (class, severity, title, explanation, remediations, previous_log) = match &c.state {
        ContainerState::Waiting { reason, .. } if reason == "CrashLoopBackOff" && last_oom.is_some() => (
            FindingClass::PodOomKilled,
            Severity::Critical,
            format!("Container {} is crash-looping out of memory", c.name),
            format!(
                "Container {} of pod {pod_name} is killed for running out of memory ({}) and is in CrashLoopBackOff after {} restarts.",
                c.name,
                limit_text(c),
                c.restarts
            ),
            vec![Remediation::PatchMemoryLimit, Remediation::Rollback],
            true,
        ),
        ContainerState::Waiting { reason, .. } if reason == "CrashLoopBackOff" => (
            FindingClass::PodCrashLoop,
            Severity::Critical,
            format!("Container {} is crash-looping", c.name),
            format!(
                "Container {} of pod {pod_name} is in CrashLoopBackOff after {} restarts{}.",
                c.name,
                c.restarts,
                last.map(|t| format!("; it last exited with code {} ({})", t.exit_code, t.reason))
                    .unwrap_or_default()
            ),
            vec![Remediation::Rollback, Remediation::Restart],
            true,
        ),
        ContainerState::Waiting { reason, message } if IMAGE_PULL_REASONS.contains(&reason.as_str()) => (
            FindingClass::PodImagePull,
            Severity::Critical,
            format!("Image {} cannot be pulled", c.image),
            format!(
                "Container {} of pod {pod_name} cannot pull image {} ({reason}): {message}",
                c.name, c.image
            ),
            vec![Remediation::Rollback],
            false,
        ),
        ContainerState::Waiting { reason, message } if reason == "CreateContainerConfigError" => {
            let mut finding = cx.finding(
                FindingClass::PodConfigMissing,
                &c.name,
                Severity::Critical,
                format!("Container {} is missing its configuration", c.name),
                format!("Container {} of pod {pod_name} cannot be created: {message}", c.name),
            );
            finding.evidence.containers.push(ContainerEvidence::from(c));
            finding.evidence.facts.insert("message".into(), message.clone());
            let missing = |kind: Kind, names: &[String]| {
                let missing = names.iter().filter(|n| !cx.facts.contains(kind, &cx.key.namespace, n));
                missing.map(|n| cx.related(&cx.sibling(kind, n))).collect::<Vec<_>>()
            };
            finding
                .evidence
                .related
                .extend(missing(Kind::ConfigMap, &pod.config_maps));
            finding.evidence.related.extend(missing(Kind::Secret, &pod.secrets));
            return Some(finding);
        }
        ContainerState::Running { .. } if last_oom.is_some() && recent(OOM_WINDOW) => (
            FindingClass::PodOomKilled,
            Severity::Warning,
            format!("Container {} was OOMKilled", c.name),
            format!(
                "Container {} of pod {pod_name} was killed for running out of memory ({}) {} ago; it has restarted {} times.",
                c.name,
                limit_text(c),
                last.and_then(|t| t.finished)
                    .map(|at| age(at, cx.now))
                    .unwrap_or_default(),
                c.restarts
            ),
            vec![Remediation::PatchMemoryLimit],
            true,
        ),
        ContainerState::Running { .. } if c.restarts >= RESTART_BURST_COUNT && recent(RESTART_BURST_WINDOW) => (
            FindingClass::PodRestartBurst,
            Severity::Warning,
            format!("Container {} restarts repeatedly", c.name),
            format!(
                "Container {} of pod {pod_name} has restarted {} times, the last within {} minutes{}.",
                c.name,
                c.restarts,
                RESTART_BURST_WINDOW.num_minutes(),
                last.map(|t| format!(" (exit code {}, {})", t.exit_code, t.reason))
                    .unwrap_or_default()
            ),
            vec![Remediation::Restart, Remediation::Rollback],
            true,
        ),
        ContainerState::Running { since: Some(since) } if c.probed && !c.ready && cx.now - *since > PROBE_GRACE => (
            FindingClass::PodProbeFailing,
            Severity::Warning,
            format!("Container {} fails its probes", c.name),
            format!(
                "Container {} of pod {pod_name} has been running for {} without becoming ready.",
                c.name,
                age(*since, cx.now)
            ),
            vec![Remediation::Restart, Remediation::DeletePod],
            false,
        ),
        _ => return None,
    };
    let mut finding = cx.finding(class, &c.name, severity, title, explanation);
    finding.evidence.containers.push(ContainerEvidence::from(c));
    finding.evidence.logs.push(LogExcerpt {
        pod: None,
        container: c.name.clone(),
        previous: previous_log,
        lines: Vec::new(),
    });
    finding.remediations = remediations;
    Some(finding)
}

fn limit_text(c: &ContainerFacts) -> String {
    match &c.memory_limit {
        Some(limit) => format!("memory limit {limit}"),
        None => "no memory limit".into(),
    }
}

fn unschedulable(cx: &Context, pod: &PodFacts) -> Option<Finding> {
    let condition = pod.unscheduled.as_ref().filter(|c| c.reason == "Unschedulable")?;
    if condition
        .since
        .is_some_and(|since| cx.now - since < UNSCHEDULABLE_GRACE)
        || daemon_pod_on_intolerant_node(cx, pod)
    {
        return None;
    }
    let mut finding = cx.finding(
        FindingClass::PodUnschedulable,
        "",
        Severity::Warning,
        "Pod cannot be scheduled".into(),
        format!(
            "The scheduler cannot place pod {}{}: {}",
            cx.display(),
            condition
                .since
                .map(|s| format!(" (pending for {})", age(s, cx.now)))
                .unwrap_or_default(),
            condition.message
        ),
    );
    finding
        .evidence
        .facts
        .insert("schedulerMessage".into(), condition.message.clone());
    finding.remediations = vec![Remediation::Scale];
    Some(finding)
}

/// A DaemonSet pod pinned to a node whose NoSchedule/NoExecute taint it does not tolerate: the
/// DaemonSet does not belong there, and its controller cleans it up; not a stuck pod.
fn daemon_pod_on_intolerant_node(cx: &Context, pod: &PodFacts) -> bool {
    let from_daemon_set = cx.meta.owner.as_ref().is_some_and(|o| o.kind == Kind::DaemonSet);
    let node = pod
        .node
        .as_ref()
        .and_then(|n| cx.facts.get(&ObjectKey::new(Kind::Node, "", n)));
    let Some(Facts::Node(node)) = node.map(|n| &n.facts) else {
        return false;
    };
    from_daemon_set
        && node.taints.iter().any(|t| {
            (t.effect == "NoSchedule" || t.effect == "NoExecute") && !pod.tolerations.iter().any(|tol| tol.tolerates(t))
        })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::super::facts::Kind;
    use super::super::super::fixtures::{ago, classes, facts_of, key, now};
    use super::super::analyze_object;
    use super::*;

    fn pod(status: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop", "uid": "u1"},
            "spec": {"containers": [{"name": "app", "image": "shop:2", "resources": {"limits": {"memory": "256Mi"}},
                "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                "env": [{"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}}}],
                "envFrom": [{"configMapRef": {"name": "shop-config"}}]}]},
            "status": status})
    }

    fn running(container: Value) -> Value {
        let mut c = json!({"name": "app", "image": "shop:2", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": ago(60)}}});
        c.as_object_mut()
            .unwrap()
            .extend(container.as_object().unwrap().clone());
        json!({"phase": "Running", "containerStatuses": [c]})
    }

    fn findings(objects: &[Value]) -> Vec<Finding> {
        analyze_object("prod", &facts_of(objects), &key(Kind::Pod, "shop", "web-1"), now())
    }

    #[test]
    fn a_running_ready_pod_is_healthy() {
        assert!(findings(&[pod(running(json!({})))]).is_empty());
    }

    #[test]
    fn a_crash_loop_names_the_last_exit_code_and_reason() {
        let status = running(
            json!({"ready": false, "restartCount": 9, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 137, "reason": "Error", "finishedAt": ago(1)}}}),
        );
        let found = findings(&[pod(status)]);
        assert_eq!(classes(&found), [FindingClass::PodCrashLoop]);
        assert_eq!(found[0].severity, Severity::Critical);
        assert!(
            found[0]
                .explanation
                .contains("after 9 restarts; it last exited with code 137 (Error)"),
            "{}",
            found[0].explanation
        );
        assert!(found[0].evidence.logs[0].previous);
    }

    #[test]
    fn a_crash_loop_out_of_memory_is_an_oom_kill_with_the_limit() {
        let status = running(
            json!({"ready": false, "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": ago(1)}}}),
        );
        let found = findings(&[pod(status)]);
        assert_eq!(classes(&found), [FindingClass::PodOomKilled]);
        assert!(found[0].explanation.contains("memory limit 256Mi"));
        assert_eq!(found[0].remediations[0], Remediation::PatchMemoryLimit);
    }

    #[test]
    fn an_oom_kill_is_reported_while_recent_only() {
        let oom = |minutes| {
            running(
                json!({"restartCount": 1, "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": ago(minutes)}}}),
            )
        };
        assert_eq!(classes(&findings(&[pod(oom(10))])), [FindingClass::PodOomKilled]);
        assert!(findings(&[pod(oom(OOM_WINDOW.num_minutes() + 5))]).is_empty());
    }

    #[test]
    fn an_image_pull_failure_names_the_image() {
        let status = running(
            json!({"image": "shop:tpyo", "ready": false, "state": {"waiting": {"reason": "ImagePullBackOff", "message": "manifest unknown"}}}),
        );
        let found = findings(&[pod(status)]);
        assert_eq!(classes(&found), [FindingClass::PodImagePull]);
        assert!(found[0].title.contains("shop:tpyo") && found[0].explanation.contains("manifest unknown"));
        assert_eq!(found[0].evidence.containers[0].image, "shop:tpyo");
    }

    #[test]
    fn missing_configuration_lists_the_missing_objects_only() {
        let status = running(
            json!({"ready": false, "state": {"waiting": {"reason": "CreateContainerConfigError", "message": "secret \"db\" not found"}}}),
        );
        let config =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shop-config", "namespace": "shop"}});
        let found = findings(&[pod(status), config]);
        assert_eq!(classes(&found), [FindingClass::PodConfigMissing]);
        let related: Vec<_> = found[0]
            .evidence
            .related
            .iter()
            .map(|r| (r.kind.as_str(), r.name.as_str()))
            .collect();
        assert_eq!(related, [("Secret", "db")]);
    }

    #[test]
    fn an_unschedulable_pod_carries_the_schedulers_message_after_a_grace() {
        let pending = |since: String| {
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                "message": "0/3 nodes are available: 3 Insufficient memory.", "lastTransitionTime": since}]})
        };
        let found = findings(&[pod(pending(ago(30)))]);
        assert_eq!(classes(&found), [FindingClass::PodUnschedulable]);
        assert_eq!(
            found[0].evidence.facts["schedulerMessage"],
            "0/3 nodes are available: 3 Insufficient memory."
        );
        assert!(findings(&[pod(pending(ago(1)))]).is_empty());
    }

    #[test]
    fn a_daemon_set_pod_pending_on_a_node_it_does_not_tolerate_is_not_stuck() {
        let daemon_pod = |tolerations: Value| {
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent", "uid": "d", "controller": true}]},
                "spec": {"containers": [{"name": "agent", "image": "agent:1"}], "tolerations": tolerations,
                    "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["gpu-1"]}]}]}}}},
                "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                    "message": "0/1 nodes are available: 1 node(s) had untolerated taint {gpu: true}.", "lastTransitionTime": ago(30)}]}})
        };
        let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "gpu-1"},
            "spec": {"taints": [{"key": "gpu", "value": "true", "effect": "NoSchedule"}]}});
        assert!(findings(&[daemon_pod(json!([])), node.clone()]).is_empty());
        let tolerating = json!([{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]);
        assert_eq!(
            classes(&findings(&[daemon_pod(tolerating), node])),
            [FindingClass::PodUnschedulable]
        );
    }

    #[test]
    fn a_probed_container_not_ready_past_the_grace_fails_its_probes() {
        let not_ready = |minutes| running(json!({"ready": false, "state": {"running": {"startedAt": ago(minutes)}}}));
        assert_eq!(
            classes(&findings(&[pod(not_ready(20))])),
            [FindingClass::PodProbeFailing]
        );
        assert!(findings(&[pod(not_ready(1))]).is_empty(), "still starting");
    }

    #[test]
    fn many_recent_restarts_are_a_burst_and_old_ones_are_not() {
        let restarted = |count: i32, minutes| {
            running(
                json!({"restartCount": count, "lastState": {"terminated": {"exitCode": 2, "reason": "Error", "finishedAt": ago(minutes)}}}),
            )
        };
        assert_eq!(
            classes(&findings(&[pod(restarted(6, 10))])),
            [FindingClass::PodRestartBurst]
        );
        assert!(findings(&[pod(restarted(6, 600))]).is_empty());
        assert!(findings(&[pod(restarted(2, 10))]).is_empty());
    }

    #[test]
    fn a_completed_pod_is_healthy() {
        let status = json!({"phase": "Succeeded", "containerStatuses": [{"name": "app", "image": "shop:2", "ready": false, "restartCount": 0,
            "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]});
        assert!(findings(&[pod(status)]).is_empty());
    }
}
