//! Nodes: NotReady, memory/disk/PID pressure, cordoned for too long.

use chrono::Duration;

use super::super::facts::NodeFacts;
use super::super::finding::{Finding, FindingClass, Remediation, Severity};
use super::context::{Context, age};

/// A cordon older than this is likely forgotten.
pub const CORDONED_TOO_LONG: Duration = Duration::hours(24);

pub fn analyze(cx: &Context, n: &NodeFacts) -> Vec<Finding> {
    let mut findings = Vec::new();
    let name = cx.display();
    // A node without a Ready condition is still registering.
    if let Some(ready) = n.ready.as_ref().filter(|c| !c.is_true()) {
        let state = if ready.status == "Unknown" {
            "has not reported"
        } else {
            "is NotReady"
        };
        let mut finding = cx.finding(
            FindingClass::NodeNotReady,
            "",
            Severity::Critical,
            format!("Node {state}"),
            format!(
                "Node {name} {state}{} ({}): {}",
                ready
                    .since
                    .map(|s| format!(" for {}", age(s, cx.now)))
                    .unwrap_or_default(),
                ready.reason,
                ready.message
            ),
        );
        finding.evidence.facts.insert("reason".into(), ready.reason.clone());
        finding.evidence.facts.insert("message".into(), ready.message.clone());
        finding.remediations = vec![Remediation::Cordon, Remediation::Drain];
        findings.push(finding);
    }
    for (kind, condition) in n.pressures.iter().filter(|(_, c)| c.is_true()) {
        let mut finding = cx.finding(
            FindingClass::NodePressure,
            kind,
            Severity::Warning,
            format!("Node under {kind}"),
            format!(
                "Node {name} reports {kind} ({}): {}",
                condition.reason, condition.message
            ),
        );
        finding.evidence.facts.insert("condition".into(), kind.clone());
        finding
            .evidence
            .facts
            .insert("message".into(), condition.message.clone());
        finding.remediations = vec![Remediation::Cordon, Remediation::Drain];
        findings.push(finding);
    }
    // Without the taint's timeAdded there is no telling how long the cordon has lasted.
    if let Some(since) = n
        .cordoned_since
        .filter(|s| n.unschedulable && cx.now - *s > CORDONED_TOO_LONG)
    {
        let mut finding = cx.finding(
            FindingClass::NodeCordonedLong,
            "",
            Severity::Warning,
            "Node cordoned for long".into(),
            format!(
                "Node {name} has been cordoned for {}: no new pods are placed on it.",
                age(since, cx.now)
            ),
        );
        finding
            .evidence
            .facts
            .insert("cordonedSince".into(), since.to_rfc3339());
        findings.push(finding);
    }
    findings
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::super::facts::Kind;
    use super::super::super::fixtures::{ago, classes, facts_of, key, now};
    use super::super::analyze_object;
    use super::*;

    fn node(spec: Value, conditions: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}, "spec": spec, "status": {"conditions": conditions}})
    }

    fn ready(status: &str) -> Value {
        json!({"type": "Ready", "status": status, "reason": "KubeletReady", "message": "kubelet is posting ready status", "lastTransitionTime": ago(10)})
    }

    fn findings(object: Value) -> Vec<Finding> {
        analyze_object("prod", &facts_of(&[object]), &key(Kind::Node, "", "n1"), now())
    }

    #[test]
    fn a_ready_node_is_healthy_and_a_not_ready_one_is_critical() {
        assert!(findings(node(json!({}), json!([ready("True")]))).is_empty());
        for status in ["False", "Unknown"] {
            let found = findings(node(json!({}), json!([ready(status)])));
            assert_eq!(classes(&found), [FindingClass::NodeNotReady]);
            assert_eq!(found[0].severity, Severity::Critical);
        }
    }

    #[test]
    fn each_pressure_is_its_own_finding() {
        let pressure = |kind: &str, status: &str| json!({"type": kind, "status": status, "reason": "KubeletHasPressure", "message": "low"});
        let conditions = json!([
            ready("True"),
            pressure("MemoryPressure", "True"),
            pressure("DiskPressure", "True"),
            pressure("PIDPressure", "False")
        ]);
        let found = findings(node(json!({}), conditions));
        assert_eq!(
            classes(&found),
            [FindingClass::NodePressure, FindingClass::NodePressure]
        );
        assert_ne!(found[0].id, found[1].id);
    }

    #[test]
    fn a_cordon_is_reported_after_a_day_only() {
        let cordoned = |minutes| json!({"unschedulable": true, "taints": [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": ago(minutes)}]});
        assert_eq!(
            classes(&findings(node(cordoned(26 * 60), json!([ready("True")])))),
            [FindingClass::NodeCordonedLong]
        );
        assert!(findings(node(cordoned(60), json!([ready("True")]))).is_empty());
    }
}
