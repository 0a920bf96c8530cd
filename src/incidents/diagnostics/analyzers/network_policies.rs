//! NetworkPolicies whose pod selector matches no pod: they protect nothing (often a typo).

use super::super::facts::NetworkPolicyFacts;
use super::super::finding::{Finding, FindingClass, Severity};
use super::context::Context;

pub fn analyze(cx: &Context, n: &NetworkPolicyFacts) -> Vec<Finding> {
    // An empty selector selects every pod of the namespace, those to come included.
    if n.selector.is_empty()
        || cx
            .facts
            .pods(&cx.key.namespace)
            .any(|(_, _, pod)| n.selector.matches(&pod.labels))
    {
        return Vec::new();
    }
    vec![cx.finding(
        FindingClass::NetworkPolicySelectsNothing,
        "",
        Severity::Info,
        "Network policy selects no pod".into(),
        format!(
            "NetworkPolicy {} selects no pod in {}: it restricts nothing.",
            cx.display(),
            cx.key.namespace
        ),
    )]
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::super::facts::Kind;
    use super::super::super::fixtures::{classes, facts_of, key, now};
    use super::super::analyze_object;
    use super::*;

    fn policy(selector: Value) -> Value {
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "db-only", "namespace": "shop"},
            "spec": {"podSelector": selector, "policyTypes": ["Ingress"]}})
    }

    fn findings(selector: Value) -> Vec<Finding> {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db-0", "namespace": "shop", "labels": {"app": "db"}},
            "spec": {"containers": [{"name": "db", "image": "pg"}]}});
        analyze_object(
            "prod",
            &facts_of(&[policy(selector), pod]),
            &key(Kind::NetworkPolicy, "shop", "db-only"),
            now(),
        )
    }

    #[test]
    fn a_policy_selecting_no_pod_is_reported() {
        assert_eq!(
            classes(&findings(json!({"matchLabels": {"app": "dbb"}}))),
            [FindingClass::NetworkPolicySelectsNothing]
        );
        let not_in = json!({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["db"]}]});
        assert_eq!(classes(&findings(not_in)), [FindingClass::NetworkPolicySelectsNothing]);
    }

    #[test]
    fn a_policy_selecting_pods_or_every_pod_is_fine() {
        assert!(findings(json!({"matchLabels": {"app": "db"}})).is_empty());
        assert!(findings(json!({"matchExpressions": [{"key": "app", "operator": "Exists"}]})).is_empty());
        assert!(findings(json!({})).is_empty());
    }
}
