//! Services: a selector that matches no pod, or pods none of which is a ready endpoint.

use chrono::Duration;

use super::super::facts::{Facts, Kind, ServiceFacts};
use super::super::finding::{Finding, FindingClass, Severity};
use super::context::{Context, EVIDENCE_LIMIT};

/// How long new pods may take to become ready endpoints.
pub const NO_READY_ENDPOINTS_GRACE: Duration = Duration::minutes(2);

pub fn analyze(cx: &Context, s: &ServiceFacts) -> Vec<Finding> {
    // ExternalName and selector-less Services have no endpoints for us to judge.
    if s.external_name || s.selector.is_empty() {
        return Vec::new();
    }
    let ready: usize = cx
        .facts
        .endpoint_slices(cx.key)
        .map(|o| match &o.facts {
            Facts::EndpointSlice(e) => e.ready,
            _ => 0,
        })
        .sum();
    // A ready endpoint means selected pods serve it: no need to look at the pods.
    if ready > 0 {
        return Vec::new();
    }
    let selector = s
        .selector
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let selected: Vec<_> = cx
        .facts
        .pods(&cx.key.namespace)
        .filter(|(_, o, p)| !o.meta.deleting && s.selector.iter().all(|(k, v)| p.labels.get(k) == Some(v)))
        .collect();
    if selected.is_empty() {
        let mut finding = cx.finding(
            FindingClass::ServiceNoPods,
            "",
            Severity::Warning,
            "Service selects no pods".into(),
            format!(
                "Service {} selects pods with {selector}, and there is none in its namespace.",
                cx.display()
            ),
        );
        finding.evidence.facts.insert("selector".into(), selector);
        return vec![finding];
    }
    if !selected
        .iter()
        .any(|(_, o, _)| o.meta.created.is_some_and(|c| cx.now - c > NO_READY_ENDPOINTS_GRACE))
    {
        return Vec::new();
    }
    let mut finding = cx.finding(
        FindingClass::ServiceNoReadyEndpoints,
        "",
        Severity::Critical,
        "Service has no ready endpoints".into(),
        format!(
            "Service {} selects {} pod(s) with {selector}, and none is a ready endpoint: requests to it fail.",
            cx.display(),
            selected.len()
        ),
    );
    finding.evidence.facts.insert("selector".into(), selector);
    let pods = selected.iter().take(EVIDENCE_LIMIT);
    finding
        .evidence
        .related
        .extend(pods.map(|(name, _, _)| cx.related(&cx.sibling(Kind::Pod, name))));
    vec![finding]
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::super::fixtures::{ago, classes, facts_of, key, now};
    use super::super::analyze_object;
    use super::*;

    fn service(spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": spec})
    }

    fn pod(name: &str, app: &str, minutes: i64) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "shop", "labels": {"app": app}, "creationTimestamp": ago(minutes)},
            "spec": {"containers": [{"name": "app", "image": "web:1"}]}, "status": {"phase": "Running"}})
    }

    fn slice(ready: bool) -> Value {
        json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "web-abc", "namespace": "shop", "labels": {"kubernetes.io/service-name": "web"}},
            "endpoints": [{"addresses": ["10.0.0.1"], "conditions": {"ready": ready}}]})
    }

    fn findings(objects: &[Value]) -> Vec<Finding> {
        analyze_object("prod", &facts_of(objects), &key(Kind::Service, "shop", "web"), now())
    }

    #[test]
    fn a_selector_matching_no_pod_is_reported() {
        let found = findings(&[service(json!({"selector": {"app": "web"}})), pod("api-1", "api", 30)]);
        assert_eq!(classes(&found), [FindingClass::ServiceNoPods]);
        assert_eq!(found[0].evidence.facts["selector"], "app=web");
    }

    #[test]
    fn selector_less_and_external_name_services_are_not_judged() {
        assert!(findings(&[service(json!({"ports": [{"port": 5432}]}))]).is_empty());
        assert!(
            findings(&[service(
                json!({"type": "ExternalName", "externalName": "db.example.com", "selector": {"app": "x"}})
            )])
            .is_empty()
        );
    }

    #[test]
    fn selected_pods_without_a_ready_endpoint_are_critical_after_a_grace() {
        let svc = service(json!({"selector": {"app": "web"}}));
        let found = findings(&[svc.clone(), pod("web-1", "web", 30), slice(false)]);
        assert_eq!(classes(&found), [FindingClass::ServiceNoReadyEndpoints]);
        assert_eq!(found[0].evidence.related[0].name, "web-1");
        assert!(findings(&[svc.clone(), pod("web-1", "web", 30), slice(true)]).is_empty());
        assert!(
            findings(&[svc, pod("web-1", "web", 1), slice(false)]).is_empty(),
            "just started"
        );
    }
}
