//! Admission webhooks whose Service does not exist: the API server cannot call them, so the
//! requests they match fail (failurePolicy Fail) or skip the check (Ignore).

use super::super::facts::{Kind, ObjectKey, WebhookFacts};
use super::super::finding::{Finding, FindingClass, Severity};
use super::context::Context;

pub fn analyze(cx: &Context, webhooks: &[WebhookFacts]) -> Vec<Finding> {
    let config = cx.display();
    webhooks
        .iter()
        .filter_map(|w| {
            let (ns, name) = w.service.as_ref()?;
            if cx.facts.contains(Kind::Service, ns, name) {
                return None;
            }
            let (severity, effect) = match w.fail_closed {
                true => (Severity::Critical, "the requests it matches are rejected"),
                false => (Severity::Warning, "the requests it matches skip its check"),
            };
            let mut finding = cx.finding(
                FindingClass::WebhookServiceMissing,
                &w.name,
                severity,
                format!("Webhook {} has no Service", w.name),
                format!(
                    "Webhook {} of {} {config} calls Service {ns}/{name}, which does not exist: {effect}.",
                    w.name,
                    cx.key.kind.name()
                ),
            );
            finding
                .evidence
                .related
                .push(cx.related(&ObjectKey::new(Kind::Service, ns, name)));
            finding.evidence.facts.insert("webhook".into(), w.name.clone());
            Some(finding)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::super::fixtures::{classes, facts_of, key, now};
    use super::super::analyze_object;
    use super::*;

    #[test]
    fn each_webhook_without_its_service_is_reported_by_its_failure_policy() {
        let config = json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration", "metadata": {"name": "injector"},
            "webhooks": [
                {"name": "a.injector.io", "clientConfig": {"service": {"namespace": "mesh", "name": "injector"}}},
                {"name": "b.injector.io", "failurePolicy": "Ignore", "clientConfig": {"service": {"namespace": "mesh", "name": "gone"}}},
                {"name": "c.injector.io", "failurePolicy": "Fail", "clientConfig": {"service": {"namespace": "mesh", "name": "gone"}}},
                {"name": "d.injector.io", "clientConfig": {"url": "https://hooks.example.com"}}]});
        let service =
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "injector", "namespace": "mesh"}});
        let facts = facts_of(&[config, service]);
        let found = analyze_object(
            "prod",
            &facts,
            &key(Kind::MutatingWebhookConfiguration, "", "injector"),
            now(),
        );
        assert_eq!(
            classes(&found),
            [FindingClass::WebhookServiceMissing, FindingClass::WebhookServiceMissing]
        );
        assert_eq!(
            (found[0].severity, found[1].severity),
            (Severity::Warning, Severity::Critical)
        );
        assert_ne!(found[0].id, found[1].id);
    }
}
