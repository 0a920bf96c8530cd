//! The analyzers, one file per group of kinds, each a pure function of an object's facts, the
//! cluster's facts and `now`. `analyze_object` answers one object's findings (what the caller
//! recomputes for each object a change affects); `analyze_all` every object's.

mod autoscaling;
mod context;
mod disruption;
mod events;
mod ingresses;
mod jobs;
mod network_policies;
mod nodes;
mod pods;
mod services;
mod storage;
mod webhooks;
mod workloads;

use chrono::{DateTime, Utc};

use super::facts::{Facts, Kind, Object, ObjectKey};
use super::finding::Finding;
use super::index::ClusterFacts;
use context::Context;

/// The findings of one object (none when it does not exist or is being deleted).
pub fn analyze_object(cluster: &str, facts: &ClusterFacts, key: &ObjectKey, now: DateTime<Utc>) -> Vec<Finding> {
    match facts.get(key) {
        Some(object) => analyze(
            &Context {
                cluster,
                facts,
                key,
                meta: &object.meta,
                now,
            },
            object,
        ),
        None => Vec::new(),
    }
}

/// The findings of every object of the cluster, ordered by kind, namespace and name.
pub fn analyze_all(cluster: &str, facts: &ClusterFacts, now: DateTime<Utc>) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Events and EndpointSlices are only ever about other objects: none has findings.
    let judged = facts
        .every()
        .filter(|(kind, ..)| !matches!(kind, Kind::Event | Kind::EndpointSlice));
    for (kind, namespace, name, object) in judged {
        let key = ObjectKey::new(kind, namespace, name);
        findings.extend(analyze(
            &Context {
                cluster,
                facts,
                key: &key,
                meta: &object.meta,
                now,
            },
            object,
        ));
    }
    findings
}

fn analyze(cx: &Context, object: &Object) -> Vec<Finding> {
    if object.meta.deleting {
        return Vec::new();
    }
    let findings = match &object.facts {
        Facts::Pod(p) => pods::analyze(cx, p),
        Facts::Deployment(d) => workloads::deployment(cx, d),
        Facts::StatefulSet(s) => workloads::stateful_set(cx, s),
        Facts::DaemonSet(d) => workloads::daemon_set(cx, d),
        Facts::Job(j) => jobs::job(cx, j),
        Facts::CronJob(c) => jobs::cron_job(cx, c),
        Facts::Node(n) => nodes::analyze(cx, n),
        Facts::PersistentVolumeClaim(p) => storage::analyze(cx, p),
        Facts::Service(s) => services::analyze(cx, s),
        Facts::Ingress(i) => ingresses::analyze(cx, i),
        Facts::HorizontalPodAutoscaler(h) => autoscaling::analyze(cx, h),
        Facts::PodDisruptionBudget(p) => disruption::analyze(cx, p),
        Facts::NetworkPolicy(n) => network_policies::analyze(cx, n),
        Facts::Webhooks(w) => webhooks::analyze(cx, w),
        Facts::ReplicaSet
        | Facts::StorageClass(_)
        | Facts::EndpointSlice(_)
        | Facts::IngressClass { .. }
        | Facts::Exists
        | Facts::Event(_) => Vec::new(),
    };
    // An object with a finding already shows its Warning events as that finding's evidence.
    if findings.is_empty() {
        events::analyze(cx)
    } else {
        findings
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::finding::FindingClass;
    use super::super::fixtures::{ago, classes, facts_of, key, now};
    use super::*;

    fn crashing_pod() -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop", "uid": "u1"},
            "spec": {"containers": [{"name": "app", "image": "shop:2"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "app", "image": "shop:2", "ready": false, "restartCount": 7,
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(2)}}}]}})
    }

    fn warning(name: &str, pod: &str, count: i32) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": "shop"},
            "involvedObject": {"apiVersion": "v1", "kind": "Pod", "namespace": "shop", "name": pod},
            "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container", "count": count, "lastTimestamp": ago(1)})
    }

    #[test]
    fn ids_are_stable_and_tell_clusters_apart() {
        let facts = facts_of(&[crashing_pod()]);
        let pod = key(Kind::Pod, "shop", "web-1");
        let first = analyze_object("prod", &facts, &pod, now());
        let again = analyze_object("prod", &facts_of(&[crashing_pod()]), &pod, now());
        let elsewhere = analyze_object("staging", &facts, &pod, now());
        assert_eq!(first[0].id, again[0].id);
        assert_ne!(first[0].id, elsewhere[0].id);
        assert_eq!(first[0].id.len(), 16);
    }

    #[test]
    fn the_json_is_lower_camel_case_with_snake_case_classes() {
        let facts = facts_of(&[crashing_pod(), warning("e1", "web-1", 4)]);
        let finding = &analyze_object("prod", &facts, &key(Kind::Pod, "shop", "web-1"), now())[0];
        let json = serde_json::to_value(finding).unwrap();
        assert_eq!(json["class"], "pod_crash_loop");
        assert_eq!(json["severity"], "critical");
        assert_eq!(json["object"]["apiVersion"], "v1");
        assert_eq!(json["evidence"]["containers"][0]["lastExitCode"], 1);
        assert_eq!(json["evidence"]["events"][0]["reason"], "BackOff");
        assert_eq!(
            json["evidence"]["logs"][0],
            json!({"container": "app", "previous": true, "lines": []})
        );
    }

    #[test]
    fn a_warning_burst_is_reported_only_for_objects_without_another_finding() {
        let quiet = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "quiet", "namespace": "shop"},
            "spec": {"containers": [{"name": "app", "image": "shop:2"}]}, "status": {"phase": "Running"}});
        let facts = facts_of(&[
            crashing_pod(),
            quiet,
            warning("e1", "web-1", 30),
            warning("e2", "quiet", 30),
        ]);
        let all = analyze_all("prod", &facts, now());
        // Ordered by name: "quiet" before "web-1".
        assert_eq!(
            classes(&all),
            [FindingClass::WarningEventBurst, FindingClass::PodCrashLoop]
        );
        assert_eq!(all[0].object.name, "quiet");
    }

    #[test]
    fn objects_being_deleted_or_gone_have_no_findings() {
        let mut deleting = crashing_pod();
        deleting["metadata"]["deletionTimestamp"] = json!(ago(1));
        let facts = facts_of(&[deleting]);
        assert!(analyze_object("prod", &facts, &key(Kind::Pod, "shop", "web-1"), now()).is_empty());
        assert!(analyze_object("prod", &facts, &key(Kind::Pod, "shop", "gone"), now()).is_empty());
    }
}
