//! PodDisruptionBudgets that allow no disruption: drains and evictions are blocked.

use super::super::facts::{Kind, PdbFacts};
use super::super::finding::{Finding, FindingClass, Severity};
use super::context::{Context, EVIDENCE_LIMIT};

pub fn analyze(cx: &Context, p: &PdbFacts) -> Vec<Finding> {
    // No pods expected (the workload is scaled to zero): nothing to block.
    if p.disruptions_allowed > 0 || p.expected == 0 {
        return Vec::new();
    }
    let mut finding = cx.finding(
        FindingClass::PdbBlocksDisruptions,
        "",
        Severity::Warning,
        "Budget allows no disruption".into(),
        format!(
            "PodDisruptionBudget {} allows no disruption: {} of {} pods are healthy and it requires {}. Drains of their nodes block.",
            cx.display(),
            p.current_healthy,
            p.expected,
            p.desired_healthy
        ),
    );
    for (key, value) in [
        ("currentHealthy", p.current_healthy),
        ("desiredHealthy", p.desired_healthy),
        ("expectedPods", p.expected),
    ] {
        finding.evidence.facts.insert(key.into(), value.to_string());
    }
    // The selected pods that are not ready: why the budget has no room.
    let unready = cx
        .facts
        .pods(&cx.key.namespace)
        .filter(|(_, _, pod)| p.selector.matches(&pod.labels) && pod.containers.iter().any(|c| !c.init && !c.ready));
    let related = unready
        .take(EVIDENCE_LIMIT)
        .map(|(name, _, _)| cx.related(&cx.sibling(Kind::Pod, name)));
    finding.evidence.related.extend(related);
    vec![finding]
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::super::fixtures::{classes, facts_of, key, now};
    use super::super::analyze_object;
    use super::*;

    fn pdb(allowed: i32, expected: i32, healthy: i32) -> Value {
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "db", "namespace": "shop"},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "db"}}},
            "status": {"disruptionsAllowed": allowed, "expectedPods": expected, "currentHealthy": healthy, "desiredHealthy": 2}})
    }

    fn pod(name: &str, ready: bool) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "shop", "labels": {"app": "db"}},
            "spec": {"containers": [{"name": "db", "image": "pg"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "db", "ready": ready, "state": {"running": {}}}]}})
    }

    fn findings(objects: &[Value]) -> Vec<Finding> {
        analyze_object(
            "prod",
            &facts_of(objects),
            &key(Kind::PodDisruptionBudget, "shop", "db"),
            now(),
        )
    }

    #[test]
    fn a_budget_with_no_room_names_the_unready_pods() {
        let found = findings(&[pdb(0, 2, 1), pod("db-0", true), pod("db-1", false)]);
        assert_eq!(classes(&found), [FindingClass::PdbBlocksDisruptions]);
        assert_eq!(
            found[0]
                .evidence
                .related
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>(),
            ["db-1"]
        );
    }

    #[test]
    fn a_budget_with_room_or_on_a_workload_scaled_to_zero_is_fine() {
        assert!(findings(&[pdb(1, 3, 3)]).is_empty());
        assert!(findings(&[pdb(0, 0, 0)]).is_empty());
    }
}
