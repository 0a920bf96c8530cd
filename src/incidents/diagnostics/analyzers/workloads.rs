//! Deployments, StatefulSets and DaemonSets: unavailable replicas outside a rollout, rollouts
//! past their progress deadline, DaemonSet pods on nodes they should not run on.

use super::super::facts::{DaemonSetFacts, DeploymentFacts, Facts, StatefulSetFacts};
use super::super::finding::{Finding, FindingClass, Remediation, Severity};
use super::context::{Context, EVIDENCE_LIMIT};

pub fn deployment(cx: &Context, d: &DeploymentFacts) -> Vec<Finding> {
    // Scaled to zero: nothing is expected to run.
    if d.desired == 0 {
        return Vec::new();
    }
    let name = cx.display();
    if let Some(p) = d
        .progressing
        .as_ref()
        .filter(|p| p.reason == "ProgressDeadlineExceeded")
    {
        let mut finding = cx.finding(
            FindingClass::WorkloadProgressDeadline,
            "",
            Severity::Critical,
            "Rollout is stuck".into(),
            format!(
                "Deployment {name} exceeded its progress deadline: {} ({} of {} replicas updated, {} available).",
                p.message, d.updated, d.desired, d.available
            ),
        );
        finding.evidence.facts.insert("message".into(), p.message.clone());
        with_replicas(cx, &mut finding, d.desired, d.available);
        finding.remediations = vec![Remediation::Rollback];
        return vec![finding];
    }
    // While a rollout progresses, fewer available replicas are expected (maxUnavailable).
    let settled = d
        .progressing
        .as_ref()
        .is_some_and(|p| p.reason == "NewReplicaSetAvailable");
    if settled && d.available < d.desired {
        return vec![unavailable(cx, "Deployment", d.desired, d.available)];
    }
    Vec::new()
}

pub fn stateful_set(cx: &Context, s: &StatefulSetFacts) -> Vec<Finding> {
    if s.desired > 0 && !s.rolling && s.available < s.desired {
        return vec![unavailable(cx, "StatefulSet", s.desired, s.available)];
    }
    Vec::new()
}

pub fn daemon_set(cx: &Context, d: &DaemonSetFacts) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Only nodes the DaemonSet tolerates count in desiredNumberScheduled, so a tainted node it
    // does not tolerate is no unavailability; an update under way is not either.
    if d.desired > 0 && d.unavailable > 0 && d.updated >= d.desired {
        findings.push(unavailable(cx, "DaemonSet", d.desired, d.desired - d.unavailable));
    }
    if d.misscheduled > 0 {
        let mut finding = cx.finding(
            FindingClass::DaemonsetMisscheduled,
            "",
            Severity::Warning,
            "DaemonSet runs pods where it should not".into(),
            format!(
                "DaemonSet {} runs {} pod(s) on nodes its selector, affinity or tolerations exclude.",
                cx.display(),
                d.misscheduled
            ),
        );
        finding
            .evidence
            .facts
            .insert("misscheduled".into(), d.misscheduled.to_string());
        findings.push(finding);
    }
    findings
}

fn unavailable(cx: &Context, kind: &str, desired: i32, available: i32) -> Finding {
    let severity = if available == 0 {
        Severity::Critical
    } else {
        Severity::Warning
    };
    let mut finding = cx.finding(
        FindingClass::WorkloadUnavailable,
        "",
        severity,
        format!("{} of {desired} replicas unavailable", desired - available),
        format!(
            "{kind} {} wants {desired} replicas and {available} are available.",
            cx.display()
        ),
    );
    with_replicas(cx, &mut finding, desired, available);
    finding.remediations = vec![Remediation::Rollback, Remediation::Restart];
    finding
}

/// The replica counts, and the workload's pods that are not ready as related objects.
fn with_replicas(cx: &Context, finding: &mut Finding, desired: i32, available: i32) {
    finding
        .evidence
        .facts
        .insert("desiredReplicas".into(), desired.to_string());
    finding
        .evidence
        .facts
        .insert("availableReplicas".into(), available.to_string());
    let not_ready = cx.facts.pods_of(cx.key).into_iter().filter(|(_, o)| match &o.facts {
        Facts::Pod(p) => p.containers.iter().any(|c| !c.init && !c.ready),
        _ => false,
    });
    finding
        .evidence
        .related
        .extend(not_ready.take(EVIDENCE_LIMIT).map(|(key, _)| cx.related(key)));
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::super::facts::Kind;
    use super::super::super::fixtures::{classes, facts_of, key, now};
    use super::super::analyze_object;
    use super::*;

    fn deployment(replicas: i32, available: i32, progressing: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"replicas": replicas},
            "status": {"availableReplicas": available, "updatedReplicas": replicas, "conditions": [progressing]}})
    }

    fn settled() -> Value {
        json!({"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"})
    }

    fn findings(kind: Kind, objects: &[Value]) -> Vec<Finding> {
        let name = objects[0]["metadata"]["name"].as_str().unwrap();
        analyze_object("prod", &facts_of(objects), &key(kind, "shop", name), now())
    }

    #[test]
    fn a_deployment_short_of_replicas_is_unavailable_with_its_unready_pods() {
        let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web-7", "namespace": "shop",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "d", "controller": true}]}});
        let pod = |name: &str, ready: bool| {
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "shop", "uid": name,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7", "uid": "r", "controller": true}]},
                "spec": {"containers": [{"name": "app", "image": "web:1"}]},
                "status": {"phase": "Running", "containerStatuses": [{"name": "app", "ready": ready, "state": {"running": {}}}]}})
        };
        let found = findings(
            Kind::Deployment,
            &[
                deployment(3, 2, settled()),
                rs,
                pod("web-7-a", true),
                pod("web-7-b", false),
            ],
        );
        assert_eq!(classes(&found), [FindingClass::WorkloadUnavailable]);
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(
            found[0]
                .evidence
                .related
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>(),
            ["web-7-b"]
        );
        assert_eq!(
            findings(Kind::Deployment, &[deployment(3, 0, settled())])[0].severity,
            Severity::Critical
        );
    }

    #[test]
    fn a_deployment_scaled_to_zero_or_rolling_out_is_not_unavailable() {
        assert!(findings(Kind::Deployment, &[deployment(0, 0, settled())]).is_empty());
        let rolling = json!({"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"});
        assert!(findings(Kind::Deployment, &[deployment(3, 2, rolling)]).is_empty());
        assert!(findings(Kind::Deployment, &[deployment(3, 3, settled())]).is_empty());
    }

    #[test]
    fn a_deployment_past_its_progress_deadline_suggests_a_rollback() {
        let stuck = json!({"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
            "message": "ReplicaSet \"web-8\" has timed out progressing."});
        let found = findings(Kind::Deployment, &[deployment(3, 2, stuck)]);
        assert_eq!(classes(&found), [FindingClass::WorkloadProgressDeadline]);
        assert_eq!(found[0].remediations, [Remediation::Rollback]);
    }

    #[test]
    fn a_stateful_set_is_unavailable_unless_it_is_rolling() {
        let sts = |current: &str| {
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "shop"},
                "spec": {"replicas": 3}, "status": {"availableReplicas": 1, "currentRevision": current, "updateRevision": "db-2"}})
        };
        assert_eq!(
            classes(&findings(Kind::StatefulSet, &[sts("db-2")])),
            [FindingClass::WorkloadUnavailable]
        );
        assert!(findings(Kind::StatefulSet, &[sts("db-1")]).is_empty());
    }

    #[test]
    fn a_daemon_set_reports_unavailable_and_misscheduled_pods() {
        let ds = |unavailable: i32, updated: i32, misscheduled: i32| {
            json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "shop"},
                "status": {"desiredNumberScheduled": 4, "numberUnavailable": unavailable, "updatedNumberScheduled": updated,
                    "numberMisscheduled": misscheduled}})
        };
        let found = findings(Kind::DaemonSet, &[ds(1, 4, 2)]);
        assert_eq!(
            classes(&found),
            [FindingClass::WorkloadUnavailable, FindingClass::DaemonsetMisscheduled]
        );
        assert!(findings(Kind::DaemonSet, &[ds(1, 2, 0)]).is_empty(), "rolling");
        assert!(findings(Kind::DaemonSet, &[ds(0, 4, 0)]).is_empty());
    }
}
