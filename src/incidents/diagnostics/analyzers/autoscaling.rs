//! HorizontalPodAutoscalers: a missing target, metrics it cannot read, pinned at its maximum.

use super::super::facts::HpaFacts;
use super::super::finding::{Finding, FindingClass, Severity};
use super::context::Context;

pub fn analyze(cx: &Context, h: &HpaFacts) -> Vec<Finding> {
    let name = cx.display();
    // A target of a kind diagnostics does not read (a custom resource) is not judged.
    if let Some(target) = h.target(&cx.key.namespace)
        && cx.facts.get(&target).is_none()
    {
        let mut finding = cx.finding(
            FindingClass::HpaTargetMissing,
            "",
            Severity::Warning,
            "Autoscaler target missing".into(),
            format!(
                "HorizontalPodAutoscaler {name} scales {} {}, which does not exist.",
                h.target_kind, h.target_name
            ),
        );
        finding.evidence.related.push(cx.related(&target));
        return vec![finding];
    }
    let mut findings = Vec::new();
    // ScalingDisabled: the target is scaled to zero on purpose.
    if let Some(active) = h
        .scaling_active
        .as_ref()
        .filter(|c| c.status == "False" && c.reason != "ScalingDisabled")
    {
        let mut finding = cx.finding(
            FindingClass::HpaMetricsUnavailable,
            "",
            Severity::Warning,
            "Autoscaler cannot read its metrics".into(),
            format!(
                "HorizontalPodAutoscaler {name} cannot compute a replica count ({}): {}",
                active.reason, active.message
            ),
        );
        finding.evidence.facts.insert("reason".into(), active.reason.clone());
        finding.evidence.facts.insert("message".into(), active.message.clone());
        findings.push(finding);
    }
    let limited = h
        .scaling_limited
        .as_ref()
        .is_some_and(|c| c.is_true() && c.reason == "TooManyReplicas");
    if limited && h.current >= h.max {
        let mut finding = cx.finding(
            FindingClass::HpaAtMax,
            "",
            Severity::Warning,
            "Autoscaler pinned at its maximum".into(),
            format!(
                "HorizontalPodAutoscaler {name} runs {} replicas, its maximum, and its metrics ask for more ({}).",
                h.current, h.desired
            ),
        );
        finding.evidence.facts.insert("maxReplicas".into(), h.max.to_string());
        finding
            .evidence
            .facts
            .insert("currentReplicas".into(), h.current.to_string());
        findings.push(finding);
    }
    findings
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::super::facts::Kind;
    use super::super::super::fixtures::{classes, facts_of, key, now};
    use super::super::analyze_object;
    use super::*;

    fn hpa(target: &str, current: i32, conditions: Value) -> Value {
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target}, "minReplicas": 2, "maxReplicas": 10},
            "status": {"currentReplicas": current, "desiredReplicas": current, "conditions": conditions}})
    }

    fn condition(kind: &str, status: &str, reason: &str) -> Value {
        json!({"type": kind, "status": status, "reason": reason, "message": "the HPA says so"})
    }

    fn findings(objects: &[Value]) -> Vec<Finding> {
        let deployment =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}});
        let mut all = objects.to_vec();
        all.push(deployment);
        analyze_object(
            "prod",
            &facts_of(&all),
            &key(Kind::HorizontalPodAutoscaler, "shop", "web"),
            now(),
        )
    }

    #[test]
    fn a_working_autoscaler_is_healthy() {
        let ok = json!([
            condition("ScalingActive", "True", "ValidMetricFound"),
            condition("ScalingLimited", "False", "DesiredWithinRange")
        ]);
        assert!(findings(&[hpa("web", 3, ok)]).is_empty());
    }

    #[test]
    fn a_missing_target_is_reported_alone() {
        let found = findings(&[hpa(
            "gone",
            0,
            json!([condition("ScalingActive", "False", "FailedGetScale")]),
        )]);
        assert_eq!(classes(&found), [FindingClass::HpaTargetMissing]);
    }

    #[test]
    fn unreadable_metrics_are_reported_unless_scaling_is_disabled() {
        let failing = json!([condition("ScalingActive", "False", "FailedGetResourceMetric")]);
        assert_eq!(
            classes(&findings(&[hpa("web", 3, failing)])),
            [FindingClass::HpaMetricsUnavailable]
        );
        assert!(
            findings(&[hpa(
                "web",
                0,
                json!([condition("ScalingActive", "False", "ScalingDisabled")])
            )])
            .is_empty()
        );
    }

    #[test]
    fn an_autoscaler_limited_at_its_maximum_is_at_max() {
        let limited = json!([condition("ScalingLimited", "True", "TooManyReplicas")]);
        assert_eq!(
            classes(&findings(&[hpa("web", 10, limited.clone())])),
            [FindingClass::HpaAtMax]
        );
        let at_min = json!([condition("ScalingLimited", "True", "TooFewReplicas")]);
        assert!(findings(&[hpa("web", 2, at_min)]).is_empty());
    }
}
