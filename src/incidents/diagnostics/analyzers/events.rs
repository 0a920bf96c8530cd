//! Bursts of Warning events on one object.

use chrono::Duration;

use super::super::finding::{Finding, FindingClass, Severity};
use super::context::Context;

/// Warning events (by their count) within `WARNING_BURST_WINDOW` that make a burst.
pub const WARNING_BURST_COUNT: i32 = 10;
pub const WARNING_BURST_WINDOW: Duration = Duration::minutes(10);

pub fn analyze(cx: &Context) -> Vec<Finding> {
    let recent = || {
        let events = cx.facts.unordered_events(cx.key);
        events.filter(|e| e.last.is_some_and(|t| cx.now - t <= WARNING_BURST_WINDOW))
    };
    // An event's count covers its whole life, so an old event seen again counts in full: a
    // burst is an approximation on the events the API keeps.
    let total: i32 = recent().map(|e| e.count).sum();
    if total < WARNING_BURST_COUNT {
        return Vec::new();
    }
    let mut reasons: Vec<&str> = recent().map(|e| e.reason.as_str()).collect();
    reasons.sort_unstable();
    reasons.dedup();
    let finding = cx.finding(
        FindingClass::WarningEventBurst,
        "",
        Severity::Warning,
        format!(
            "{total} Warning events in {} minutes",
            WARNING_BURST_WINDOW.num_minutes()
        ),
        format!(
            "{} {} drew {total} Warning events in the last {} minutes ({}).",
            cx.key.kind.name(),
            cx.display(),
            WARNING_BURST_WINDOW.num_minutes(),
            reasons.join(", ")
        ),
    );
    vec![finding]
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::super::facts::Kind;
    use super::super::super::fixtures::{ago, classes, facts_of, key, now};
    use super::super::analyze_object;
    use super::*;

    fn event(name: &str, kind: &str, count: i32, minutes: i64) -> Value {
        json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": "shop"},
            "involvedObject": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "web"},
            "type": kind, "reason": "FailedCreate", "message": "quota exceeded", "count": count, "lastTimestamp": ago(minutes)})
    }

    fn findings(events: &[Value]) -> Vec<Finding> {
        let mut objects = vec![
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"replicas": 0}}),
        ];
        objects.extend_from_slice(events);
        analyze_object(
            "prod",
            &facts_of(&objects),
            &key(Kind::Deployment, "shop", "web"),
            now(),
        )
    }

    #[test]
    fn recent_warnings_adding_up_to_the_threshold_are_a_burst() {
        let found = findings(&[event("e1", "Warning", 6, 1), event("e2", "Warning", 4, 3)]);
        assert_eq!(classes(&found), [FindingClass::WarningEventBurst]);
        assert!(found[0].explanation.contains("10 Warning events") && found[0].explanation.contains("FailedCreate"));
        assert_eq!(found[0].evidence.events.len(), 2);
    }

    #[test]
    fn old_or_normal_events_and_few_warnings_are_not() {
        assert!(findings(&[event("e1", "Warning", 30, 60)]).is_empty());
        assert!(findings(&[event("e1", "Normal", 30, 1)]).is_empty());
        assert!(findings(&[event("e1", "Warning", 3, 1)]).is_empty());
    }
}
