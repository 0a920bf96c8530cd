//! Ingresses: backends, TLS Secrets and classes that do not exist.

use super::super::facts::{Facts, IngressFacts, Kind};
use super::super::finding::{Finding, FindingClass, Severity};
use super::context::Context;

pub fn analyze(cx: &Context, i: &IngressFacts) -> Vec<Finding> {
    let ns = &cx.key.namespace;
    let name = cx.display();
    let mut findings = Vec::new();
    let missing = |kind: Kind, names: &[String]| -> Vec<String> {
        names
            .iter()
            .filter(|n| !cx.facts.contains(kind, ns, n))
            .cloned()
            .collect()
    };
    for (kind, names, class, what) in [
        (
            Kind::Service,
            &i.services,
            FindingClass::IngressBackendMissing,
            "backend Service",
        ),
        (
            Kind::Secret,
            &i.tls_secrets,
            FindingClass::IngressTlsSecretMissing,
            "TLS Secret",
        ),
    ] {
        let absent = missing(kind, names);
        if absent.is_empty() {
            continue;
        }
        let mut finding = cx.finding(
            class,
            "",
            Severity::Warning,
            format!("Ingress {what} missing"),
            format!(
                "Ingress {name} names {what}(s) {} that do not exist in {ns}.",
                absent.join(", ")
            ),
        );
        finding
            .evidence
            .related
            .extend(absent.iter().map(|n| cx.related(&cx.sibling(kind, n))));
        findings.push(finding);
    }
    let class_problem = match &i.class {
        Some(class) if !cx.facts.contains(Kind::IngressClass, "", class) => Some(format!(
            "Ingress {name} names IngressClass {class}, which does not exist: no controller serves it."
        )),
        // The legacy annotation names a controller directly.
        None if !i.legacy_class && !has_default_class(cx) => Some(format!(
            "Ingress {name} names no IngressClass and the cluster has no default one: no controller serves it."
        )),
        _ => None,
    };
    if let Some(explanation) = class_problem {
        let mut finding = cx.finding(
            FindingClass::IngressClassMissing,
            "",
            Severity::Warning,
            "Ingress class missing".into(),
            explanation,
        );
        finding
            .evidence
            .facts
            .extend(i.class.clone().map(|c| ("ingressClassName".to_string(), c)));
        findings.push(finding);
    }
    findings
}

fn has_default_class(cx: &Context) -> bool {
    cx.facts
        .all(Kind::IngressClass)
        .any(|(_, _, o)| matches!(o.facts, Facts::IngressClass { is_default: true }))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::super::fixtures::{classes, facts_of, key, now};
    use super::super::analyze_object;
    use super::*;

    fn ingress(class: Option<&str>) -> Value {
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"ingressClassName": class, "tls": [{"hosts": ["shop.example.com"], "secretName": "web-tls"}],
                "rules": [{"host": "shop.example.com", "http": {"paths": [
                    {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}},
                    {"path": "/api", "pathType": "Prefix", "backend": {"service": {"name": "api", "port": {"number": 80}}}}]}}]}})
    }

    fn object(kind: &str, api_version: &str, name: &str, namespace: &str) -> Value {
        json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": namespace}})
    }

    fn complete() -> Vec<Value> {
        vec![
            object("Service", "v1", "web", "shop"),
            object("Service", "v1", "api", "shop"),
            object("Secret", "v1", "web-tls", "shop"),
            object("IngressClass", "networking.k8s.io/v1", "nginx", ""),
        ]
    }

    fn findings(objects: &[Value]) -> Vec<Finding> {
        analyze_object("prod", &facts_of(objects), &key(Kind::Ingress, "shop", "web"), now())
    }

    #[test]
    fn a_complete_ingress_is_healthy() {
        let mut objects = complete();
        objects.push(ingress(Some("nginx")));
        assert!(findings(&objects).is_empty());
    }

    #[test]
    fn missing_backends_secrets_and_class_are_each_reported() {
        let found = findings(&[ingress(Some("traefik")), object("Service", "v1", "web", "shop")]);
        assert_eq!(
            classes(&found),
            [
                FindingClass::IngressBackendMissing,
                FindingClass::IngressTlsSecretMissing,
                FindingClass::IngressClassMissing
            ]
        );
        assert_eq!(
            found[0]
                .evidence
                .related
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>(),
            ["api"]
        );
    }

    #[test]
    fn an_ingress_without_a_class_needs_a_default_or_the_legacy_annotation() {
        let mut objects = complete();
        objects.push(ingress(None));
        assert_eq!(classes(&findings(&objects)), [FindingClass::IngressClassMissing]);
        objects[3]["metadata"]["annotations"] = json!({"ingressclass.kubernetes.io/is-default-class": "true"});
        assert!(findings(&objects).is_empty());
        let mut legacy = ingress(None);
        legacy["metadata"]["annotations"] = json!({"kubernetes.io/ingress.class": "nginx"});
        assert!(
            findings(&[
                complete()[0].clone(),
                complete()[1].clone(),
                complete()[2].clone(),
                legacy
            ])
            .is_empty()
        );
    }
}
