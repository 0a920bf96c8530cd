//! Where an object's pods are described: a Pod's own spec, a workload's `spec.template`, a
//! CronJob's `spec.jobTemplate.spec.template`. Pure.

use serde_json::Value;

use crate::inventory::manifests::Manifest;

/// The pod template of one object.
pub struct PodTemplate<'a> {
    /// The pod spec.
    pub spec: &'a Value,
    /// Its path in the object, e.g. `spec.template.spec`.
    pub path: &'static str,
    /// The pods' labels (what a PodDisruptionBudget selects).
    pub labels: Option<&'a Value>,
    /// The pods run until stopped (probes matter); a Job's run to completion.
    pub long_running: bool,
}

/// The pod template of `m`, when its kind has one.
pub fn of(m: &Manifest) -> Option<PodTemplate<'_>> {
    let (spec, labels, long_running) = match m.kind.as_str() {
        "Pod" => ("spec", "/metadata/labels", true),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ReplicationController" => {
            ("spec.template.spec", "/spec/template/metadata/labels", true)
        }
        "Job" => ("spec.template.spec", "/spec/template/metadata/labels", false),
        "CronJob" => (
            "spec.jobTemplate.spec.template.spec",
            "/spec/jobTemplate/spec/template/metadata/labels",
            false,
        ),
        _ => return None,
    };
    let pointer = format!("/{}", spec.replace('.', "/"));
    Some(PodTemplate {
        spec: m.object.pointer(&pointer).filter(|s| s.is_object())?,
        path: spec,
        labels: m.object.pointer(labels),
        long_running,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::manifests::parse;

    #[test]
    fn each_kind_has_its_template_where_kubernetes_puts_it() {
        let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n\
                    \x20       metadata: {labels: {app: c}}\n        spec: {containers: [{name: a, image: x}]}\n---\n\
                    apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: []}}}\n---\n\
                    apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {app: p}}\nspec: {containers: []}\n---\n\
                    apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\n---\n\
                    apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: empty}\n";
        let all = parse(text).unwrap();
        let cron = of(&all[0]).unwrap();
        assert_eq!(
            (cron.path, cron.long_running),
            ("spec.jobTemplate.spec.template.spec", false)
        );
        assert_eq!(cron.labels.unwrap()["app"], "c");
        assert_eq!(cron.spec["containers"][0]["name"], "a");
        let deployment = of(&all[1]).unwrap();
        assert_eq!(
            (deployment.path, deployment.long_running, deployment.labels),
            ("spec.template.spec", true, None)
        );
        assert_eq!(of(&all[2]).unwrap().labels.unwrap()["app"], "p");
        assert!(of(&all[3]).is_none());
        assert!(
            of(&all[4]).is_none(),
            "a workload without a template has nothing to check"
        );
    }
}
