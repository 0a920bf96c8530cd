//! Rollouts as kubectl sees them: a Deployment's revisions are its ReplicaSets (numbered by their
//! `deployment.kubernetes.io/revision` annotation), and rolling back puts a revision's pod
//! template back into the Deployment; a CronJob is triggered by a Job made from its template.
//! Pure: it takes objects and answers revisions, patches and the Job.

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
    /// The ReplicaSet holding it.
    pub replica_set: String,
    pub created_at: Option<String>,
    /// The images of its containers, in order.
    pub images: Vec<String>,
    /// Its `kubernetes.io/change-cause` annotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_cause: Option<String>,
    pub replicas: i64,
    /// The revision the Deployment runs now.
    pub current: bool,
}

fn annotation<'a>(o: &'a Value, key: &str) -> Option<&'a str> {
    o.pointer("/metadata/annotations")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
}

fn owned_by(rs: &Value, uid: &str) -> bool {
    rs.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|o| o.get("uid").and_then(Value::as_str) == Some(uid) && o.get("controller") == Some(&json!(true)))
}

/// The Deployment's revisions among `replica_sets` (those it controls), newest first.
pub fn revisions(deployment: &Value, replica_sets: &[Value]) -> Vec<Revision> {
    let uid = deployment
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let current = annotation(deployment, REVISION).and_then(|r| r.parse::<i64>().ok());
    let mut out: Vec<Revision> = replica_sets
        .iter()
        .filter(|rs| owned_by(rs, uid))
        .filter_map(|rs| {
            let revision = annotation(rs, REVISION)?.parse().ok()?;
            Some(Revision {
                revision,
                replica_set: rs.pointer("/metadata/name")?.as_str()?.to_string(),
                created_at: rs
                    .pointer("/metadata/creationTimestamp")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                images: rs
                    .pointer("/spec/template/spec/containers")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.get("image").and_then(Value::as_str).map(str::to_string))
                    .collect(),
                change_cause: annotation(rs, CHANGE_CAUSE).map(str::to_string),
                replicas: rs.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or_default(),
                current: Some(revision) == current,
            })
        })
        .collect();
    out.sort_by_key(|r| std::cmp::Reverse(r.revision));
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

/// The JSON patch that rolls `deployment` back to `revision` (0: the one before the current),
/// as `kubectl rollout undo` makes it: the revision's pod template, without the controller's
/// hash label, replaces the Deployment's.
pub fn rollback_patch(
    revisions: &[Revision],
    replica_sets: &[Value],
    revision: i64,
) -> Result<(i64, Value), RollbackError> {
    let target = match revision {
        0 => revisions
            .iter()
            .find(|r| !r.current)
            .ok_or(RollbackError::NoRevision(0))?,
        n => revisions
            .iter()
            .find(|r| r.revision == n)
            .ok_or(RollbackError::NoRevision(n))?,
    };
    if target.current {
        return Err(RollbackError::AlreadyCurrent(target.revision));
    }
    let rs = replica_sets
        .iter()
        .find(|rs| rs.pointer("/metadata/name").and_then(Value::as_str) == Some(target.replica_set.as_str()))
        .ok_or(RollbackError::NoRevision(target.revision))?;
    let mut template = rs.pointer("/spec/template").cloned().unwrap_or_else(|| json!({}));
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
            .map(|r| (r.revision, r.replica_set.as_str(), r.current))
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
