//! PersistentVolumeClaims: Pending, Lost, and claims without a StorageClass to provision them.

use chrono::Duration;

use super::super::facts::{Facts, Kind, ObjectKey, PvcFacts, StorageClassFacts};
use super::super::finding::{Finding, FindingClass, Severity};
use super::context::{Context, age};

/// How long provisioning may take before a Pending claim is reported.
pub const PVC_PENDING_GRACE: Duration = Duration::minutes(5);

pub fn analyze(cx: &Context, p: &PvcFacts) -> Vec<Finding> {
    let name = cx.display();
    match p.phase.as_str() {
        "Lost" => {
            let mut finding = cx.finding(
                FindingClass::PvcLost,
                "",
                Severity::Critical,
                "Claim lost its volume".into(),
                format!(
                    "PersistentVolumeClaim {name} is Lost: its volume {} no longer exists.",
                    p.volume.as_deref().unwrap_or("(unnamed)")
                ),
            );
            finding
                .evidence
                .facts
                .extend(p.volume.clone().map(|v| ("volume".to_string(), v)));
            vec![finding]
        }
        "Pending" => pending(cx, p).into_iter().collect(),
        _ => Vec::new(),
    }
}

fn pending(cx: &Context, p: &PvcFacts) -> Option<Finding> {
    let name = cx.display();
    let class = match p.storage_class.as_deref() {
        // No class on purpose: it waits for a matching volume made by hand.
        Some("") => None,
        Some(class) => match cx
            .facts
            .get(&ObjectKey::new(Kind::StorageClass, "", class))
            .map(|o| &o.facts)
        {
            Some(Facts::StorageClass(c)) => Some(c.as_ref()),
            _ => {
                return Some(no_class(
                    cx,
                    format!("PersistentVolumeClaim {name} names StorageClass {class}, which does not exist."),
                ));
            }
        },
        None if p.volume.is_some() => None,
        None => match default_class(cx) {
            Some(c) => Some(c),
            None => {
                return Some(no_class(
                    cx,
                    format!("PersistentVolumeClaim {name} names no StorageClass and the cluster has no default one."),
                ));
            }
        },
    };
    let pending_for = cx.meta.created.map(|c| cx.now - c);
    if pending_for.is_some_and(|d| d < PVC_PENDING_GRACE) {
        return None;
    }
    // WaitForFirstConsumer binds when a pod uses the claim: until then Pending is expected.
    let used = cx.facts.readers(cx.key).any(|k| k.kind == Kind::Pod);
    if class.is_some_and(|c| c.wait_for_first_consumer) && !used {
        return None;
    }
    let mut finding = cx.finding(
        FindingClass::PvcPending,
        "",
        Severity::Warning,
        "Claim stays Pending".into(),
        format!(
            "PersistentVolumeClaim {name} has been Pending{}{}.",
            cx.meta
                .created
                .map(|c| format!(" for {}", age(c, cx.now)))
                .unwrap_or_default(),
            latest_warning(cx)
        ),
    );
    finding.evidence.facts.insert(
        "storageClass".into(),
        p.storage_class.clone().unwrap_or_else(|| "(default)".into()),
    );
    Some(finding)
}

/// The latest Warning event's message (ProvisioningFailed, …), which says why.
fn latest_warning(cx: &Context) -> String {
    let events = cx.facts.events(cx.key);
    events
        .into_iter()
        .next()
        .map(|e| format!(": {}", e.message))
        .unwrap_or_default()
}

fn default_class<'a>(cx: &Context<'a>) -> Option<&'a StorageClassFacts> {
    cx.facts.all(Kind::StorageClass).find_map(|(_, _, o)| match &o.facts {
        Facts::StorageClass(c) if c.is_default => Some(c.as_ref()),
        _ => None,
    })
}

fn no_class(cx: &Context, explanation: String) -> Finding {
    cx.finding(
        FindingClass::PvcNoStorageClass,
        "",
        Severity::Warning,
        "Claim has no StorageClass".into(),
        explanation,
    )
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::super::fixtures::{ago, classes, facts_of, key, now};
    use super::super::analyze_object;
    use super::*;

    fn pvc(class: Option<&str>, phase: &str, minutes: i64) -> Value {
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "shop", "creationTimestamp": ago(minutes)},
            "spec": {"storageClassName": class}, "status": {"phase": phase}})
    }

    fn class(name: &str, default: bool, mode: &str) -> Value {
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": name, "annotations": {"storageclass.kubernetes.io/is-default-class": default.to_string()}},
            "volumeBindingMode": mode})
    }

    fn findings(objects: &[Value]) -> Vec<Finding> {
        analyze_object(
            "prod",
            &facts_of(objects),
            &key(Kind::PersistentVolumeClaim, "shop", "data"),
            now(),
        )
    }

    #[test]
    fn a_pending_claim_is_reported_after_the_grace_with_the_provisioners_message() {
        let event = json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "data.1", "namespace": "shop"},
            "involvedObject": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": "shop", "name": "data"},
            "type": "Warning", "reason": "ProvisioningFailed", "message": "quota exceeded", "lastTimestamp": ago(1)});
        let found = findings(&[
            pvc(Some("fast"), "Pending", 30),
            class("fast", false, "Immediate"),
            event,
        ]);
        assert_eq!(classes(&found), [FindingClass::PvcPending]);
        assert!(
            found[0].explanation.ends_with(": quota exceeded."),
            "{}",
            found[0].explanation
        );
        assert!(findings(&[pvc(Some("fast"), "Pending", 1), class("fast", false, "Immediate")]).is_empty());
        assert!(findings(&[pvc(Some("fast"), "Bound", 30), class("fast", false, "Immediate")]).is_empty());
    }

    #[test]
    fn a_claim_waiting_for_its_first_consumer_is_pending_only_once_a_pod_uses_it() {
        let objects = [pvc(None, "Pending", 30), class("local", true, "WaitForFirstConsumer")];
        assert!(findings(&objects).is_empty());
        let user = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db-0", "namespace": "shop"},
            "spec": {"containers": [{"name": "db", "image": "pg"}], "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]}});
        let mut with_user = objects.to_vec();
        with_user.push(user);
        assert_eq!(classes(&findings(&with_user)), [FindingClass::PvcPending]);
    }

    #[test]
    fn a_missing_class_or_default_is_no_storage_class() {
        assert_eq!(
            classes(&findings(&[pvc(Some("gone"), "Pending", 1)])),
            [FindingClass::PvcNoStorageClass]
        );
        assert_eq!(
            classes(&findings(&[pvc(None, "Pending", 1), class("slow", false, "Immediate")])),
            [FindingClass::PvcNoStorageClass]
        );
        assert!(findings(&[pvc(Some(""), "Pending", 1)]).is_empty(), "static binding");
    }

    #[test]
    fn a_lost_claim_is_critical() {
        let found = findings(&[pvc(Some("fast"), "Lost", 300)]);
        assert_eq!(classes(&found), [FindingClass::PvcLost]);
        assert_eq!(found[0].severity, Severity::Critical);
    }
}
