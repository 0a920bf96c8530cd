//! Rollouts as kubectl sees them: a Deployment's revisions are its ReplicaSets (numbered by their
//! `deployment.kubernetes.io/revision` annotation), a StatefulSet's or DaemonSet's its
//! ControllerRevisions (numbered by `revision`); rolling back puts a revision's pod template back
//! into the workload. A CronJob is triggered by a Job made from its template. Pure: it takes
//! objects and answers revisions, patches and the Job.

use rand::Rng;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// The annotation a Deployment's ReplicaSets carry their revision in.
pub const REVISION: &str = "deployment.kubernetes.io/revision";
const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
/// The label the Deployment controller adds to each ReplicaSet's template; not part of a rollback.
const TEMPLATE_HASH: &str = "pod-template-hash";
/// kubectl marks Jobs made from a CronJob by hand so.
const INSTANTIATE: &str = "cronjob.kubernetes.io/instantiate";

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    pub revision: i64,
    /// The object holding it: a ReplicaSet (Deployments) or a ControllerRevision (StatefulSets,
    /// DaemonSets).
    pub object: String,
    pub created_at: Option<String>,
    /// The images of its containers, in order.
    pub images: Vec<String>,
    /// Its `kubernetes.io/change-cause` annotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_cause: Option<String>,
    /// The revision the workload runs now.
    pub current: bool,
}

fn annotation<'a>(o: &'a Value, key: &str) -> Option<&'a str> {
    o.pointer("/metadata/annotations")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
}

fn owned_by(holder: &Value, uid: &str) -> bool {
    holder
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|o| o.get("uid").and_then(Value::as_str) == Some(uid) && o.get("controller") == Some(&json!(true)))
}

fn name(o: &Value) -> Option<&str> {
    o.pointer("/metadata/name").and_then(Value::as_str)
}

/// A holder's revision number and pod template: a ReplicaSet's annotation and `spec.template`, or
/// a ControllerRevision's `revision` and the template in its `data` patch.
fn revision_of(holder: &Value) -> Option<(i64, Value)> {
    match holder.get("kind").and_then(Value::as_str) {
        Some("ControllerRevision") => {
            let mut template = holder.pointer("/data/spec/template")?.clone();
            if let Some(t) = template.as_object_mut() {
                t.remove("$patch");
            }
            Some((holder.get("revision")?.as_i64()?, template))
        }
        _ => Some((
            annotation(holder, REVISION)?.parse().ok()?,
            holder.pointer("/spec/template")?.clone(),
        )),
    }
}

/// The workload's revisions among `holders` (the ReplicaSets or ControllerRevisions it
/// controls), newest first. The current one: a Deployment's revision annotation, a StatefulSet's
/// `status.updateRevision`, else the newest.
pub fn revisions(workload: &Value, holders: &[Value]) -> Vec<Revision> {
    let uid = workload
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut out: Vec<Revision> = holders
        .iter()
        .filter(|h| owned_by(h, uid))
        .filter_map(|h| {
            let (revision, template) = revision_of(h)?;
            Some(Revision {
                revision,
                object: name(h)?.to_string(),
                created_at: h
                    .pointer("/metadata/creationTimestamp")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                images: template
                    .pointer("/spec/containers")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.get("image").and_then(Value::as_str).map(str::to_string))
                    .collect(),
                change_cause: annotation(h, CHANGE_CAUSE).map(str::to_string),
                current: false,
            })
        })
        .collect();
    out.sort_by_key(|r| std::cmp::Reverse(r.revision));
    let by_annotation = annotation(workload, REVISION).and_then(|r| r.parse::<i64>().ok());
    let by_status = workload.pointer("/status/updateRevision").and_then(Value::as_str);
    let current = match (by_annotation, by_status) {
        (Some(n), _) => out.iter().position(|r| r.revision == n),
        (None, Some(object)) => out.iter().position(|r| r.object == object),
        (None, None) => (!out.is_empty()).then_some(0),
    };
    if let Some(i) = current {
        out[i].current = true;
    }
    out
}

/// Why a rollback cannot be made.
#[derive(Debug, PartialEq)]
pub enum RollbackError {
    /// No such revision (or, for revision 0, no revision before the current one).
    NoRevision(i64),
    /// The revision asked for is the one running.
    AlreadyCurrent(i64),
}

/// The JSON patch that rolls a workload back to `revision` (0: the one before the current), as
/// `kubectl rollout undo` makes it: the revision's pod template, without the controller's hash
/// label, replaces the workload's.
pub fn rollback_patch(revisions: &[Revision], holders: &[Value], revision: i64) -> Result<(i64, Value), RollbackError> {
    let current = revisions.iter().find(|r| r.current).map(|r| r.revision);
    let target = match revision {
        0 => revisions
            .iter()
            .find(|r| !r.current && current.is_none_or(|c| r.revision < c))
            .ok_or(RollbackError::NoRevision(0))?,
        n => revisions
            .iter()
            .find(|r| r.revision == n)
            .ok_or(RollbackError::NoRevision(n))?,
    };
    if target.current {
        return Err(RollbackError::AlreadyCurrent(target.revision));
    }
    let (_, mut template) = holders
        .iter()
        .find(|h| name(h) == Some(target.object.as_str()))
        .and_then(revision_of)
        .ok_or(RollbackError::NoRevision(target.revision))?;
    if let Some(labels) = template.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        labels.remove(TEMPLATE_HASH);
    }
    let patch = json!([{"op": "replace", "path": "/spec/template", "value": template}]);
    Ok((target.revision, patch))
}

/// A name for a Job triggered by hand from CronJob `cronjob`: `<cronjob>-manual-<5 random>`,
/// shortened so the Job's pods can carry it in their `job-name` label (63 characters at most).
pub fn manual_job_name(cronjob: &str) -> String {
    const SUFFIX_LEN: usize = "-manual-xxxxx".len();
    let alphabet = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    let suffix: String = (0..5)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect();
    let stem = &cronjob[..cronjob.len().min(63 - SUFFIX_LEN)];
    format!("{}-manual-{suffix}", stem.trim_end_matches(['-', '.']))
}

/// The Job `kubectl create job <name> --from=cronjob/<cronjob>` makes: the CronJob's job template,
/// marked as made by hand and owned by the CronJob.
pub fn job_from_cronjob(cronjob: &Value, name: &str) -> Value {
    let template = cronjob
        .pointer("/spec/jobTemplate")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let mut annotations = template
        .pointer("/metadata/annotations")
        .cloned()
        .unwrap_or_else(|| json!({}));
    annotations[INSTANTIATE] = json!("manual");
    let meta = |k: &str| {
        cronjob
            .pointer(&format!("/metadata/{k}"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": meta("namespace"),
            "labels": template.pointer("/metadata/labels").cloned().unwrap_or_else(|| json!({})),
            "annotations": annotations,
            "ownerReferences": [{
                "apiVersion": "batch/v1", "kind": "CronJob", "name": meta("name"), "uid": meta("uid"),
                "controller": true, "blockOwnerDeletion": true
            }]
        },
        "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(name: &str, revision: &str, image: &str, owner: &str) -> Value {
        json!({
            "metadata": {"name": name, "annotations": {REVISION: revision},
                "ownerReferences": [{"uid": owner, "controller": true, "kind": "Deployment", "name": "web"}]},
            "spec": {"replicas": 1, "template": {
                "metadata": {"labels": {"app": "web", TEMPLATE_HASH: name}},
                "spec": {"containers": [{"name": "web", "image": image}]}}}
        })
    }

    fn deployment(revision: &str) -> Value {
        json!({"metadata": {"uid": "d1", "annotations": {REVISION: revision}}})
    }

    #[test]
    fn revisions_are_the_deployments_own_replica_sets_newest_first() {
        let sets = vec![
            rs("web-a", "1", "web:1", "d1"),
            rs("web-b", "2", "web:2", "d1"),
            rs("other", "9", "x", "d2"),
        ];
        let revs = revisions(&deployment("2"), &sets);
        let seen: Vec<(i64, &str, bool)> = revs
            .iter()
            .map(|r| (r.revision, r.object.as_str(), r.current))
            .collect();
        assert_eq!(seen, vec![(2, "web-b", true), (1, "web-a", false)]);
        assert_eq!(revs[1].images, vec!["web:1"]);
    }

    #[test]
    fn rollback_restores_the_template_without_the_hash_label() {
        let sets = vec![rs("web-a", "1", "web:1", "d1"), rs("web-b", "2", "web:2", "d1")];
        let revs = revisions(&deployment("2"), &sets);
        let (to, patch) = rollback_patch(&revs, &sets, 0).unwrap();
        assert_eq!(to, 1);
        assert_eq!(patch[0]["path"], "/spec/template");
        assert_eq!(patch[0]["value"]["spec"]["containers"][0]["image"], "web:1");
        assert_eq!(patch[0]["value"]["metadata"]["labels"], json!({"app": "web"}));
        assert_eq!(rollback_patch(&revs, &sets, 1).unwrap().0, 1);
        assert_eq!(rollback_patch(&revs, &sets, 2), Err(RollbackError::AlreadyCurrent(2)));
        assert_eq!(rollback_patch(&revs, &sets, 7), Err(RollbackError::NoRevision(7)));
        let only = revisions(&deployment("1"), &sets[..1]);
        assert_eq!(rollback_patch(&only, &sets, 0), Err(RollbackError::NoRevision(0)));
    }

    fn controller_revision(name: &str, revision: i64, image: &str) -> Value {
        json!({
            "kind": "ControllerRevision",
            "metadata": {"name": name, "ownerReferences": [{"uid": "s1", "controller": true}]},
            "revision": revision,
            "data": {"spec": {"template": {"$patch": "replace", "metadata": {"labels": {"app": "db"}},
                "spec": {"containers": [{"name": "db", "image": image}]}}}}
        })
    }

    #[test]
    fn a_statefulsets_revisions_are_its_controller_revisions() {
        let held = vec![
            controller_revision("db-a", 1, "pg:16"),
            controller_revision("db-b", 2, "pg:17"),
        ];
        let sts = json!({"metadata": {"uid": "s1"}, "status": {"updateRevision": "db-b"}});
        let revs = revisions(&sts, &held);
        assert_eq!(
            (revs[0].revision, revs[0].current, revs[1].images.clone()),
            (2, true, vec!["pg:16".to_string()])
        );
        let (to, patch) = rollback_patch(&revs, &held, 0).unwrap();
        assert_eq!(to, 1);
        assert_eq!(
            patch[0]["value"],
            json!({"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "pg:16"}]}})
        );
        // A DaemonSet says nothing of its revision: the newest is current.
        let ds = json!({"metadata": {"uid": "s1"}});
        assert!(revisions(&ds, &held)[0].current);
    }

    #[test]
    fn a_triggered_job_is_the_cronjobs_template_owned_by_it() {
        let cj = json!({
            "metadata": {"name": "report", "namespace": "shop", "uid": "c1"},
            "spec": {"jobTemplate": {"metadata": {"labels": {"team": "a"}},
                "spec": {"template": {"spec": {"containers": [{"name": "r", "image": "r:1"}]}}}}}
        });
        let job = job_from_cronjob(&cj, "report-manual-abcde");
        assert_eq!(job["metadata"]["namespace"], "shop");
        assert_eq!(job["metadata"]["labels"], json!({"team": "a"}));
        assert_eq!(job["metadata"]["annotations"][INSTANTIATE], "manual");
        assert_eq!(job["metadata"]["ownerReferences"][0]["uid"], "c1");
        assert_eq!(job["spec"]["template"]["spec"]["containers"][0]["image"], "r:1");
    }

    #[test]
    fn manual_job_names_fit_a_label() {
        let name = manual_job_name("report");
        assert!(
            name.starts_with("report-manual-") && name.len() == "report-manual-".len() + 5,
            "{name}"
        );
        let long = manual_job_name(&"a".repeat(80));
        assert_eq!(long.len(), 63, "{long}");
        assert_ne!(manual_job_name("x"), manual_job_name("x"));
    }
}
