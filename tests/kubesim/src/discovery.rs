//! The registered resources and the discovery documents built from them.

use serde_json::{Value, json};

/// One registered resource type, as discovery describes it.
#[derive(Debug, Clone, Copy)]
pub struct ResourceInfo {
    pub group: &'static str,
    pub version: &'static str,
    /// The plural, lower-case name used in URLs.
    pub resource: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    /// Whether `kubectl get all` includes it.
    pub in_all: bool,
    pub has_status: bool,
    pub has_scale: bool,
    /// Only `create` (access reviews); not stored.
    pub create_only: bool,
}

impl ResourceInfo {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn singular(&self) -> String {
        self.kind.to_lowercase()
    }
}

const fn res(
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
) -> ResourceInfo {
    ResourceInfo {
        group,
        version,
        resource,
        kind,
        namespaced,
        short_names,
        in_all: false,
        has_status: false,
        has_scale: false,
        create_only: false,
    }
}

const fn all(mut r: ResourceInfo) -> ResourceInfo {
    r.in_all = true;
    r
}

const fn status(mut r: ResourceInfo) -> ResourceInfo {
    r.has_status = true;
    r
}

const fn scale(mut r: ResourceInfo) -> ResourceInfo {
    r.has_scale = true;
    r
}

const fn review(mut r: ResourceInfo) -> ResourceInfo {
    r.create_only = true;
    r
}

pub const RESOURCES: &[ResourceInfo] = &[
    all(status(res("", "v1", "pods", "Pod", true, &["po"]))),
    status(res("", "v1", "nodes", "Node", false, &["no"])),
    status(res("", "v1", "namespaces", "Namespace", false, &["ns"])),
    res("", "v1", "events", "Event", true, &["ev"]),
    all(status(res("", "v1", "services", "Service", true, &["svc"]))),
    res("", "v1", "configmaps", "ConfigMap", true, &["cm"]),
    res("", "v1", "secrets", "Secret", true, &[]),
    res("", "v1", "serviceaccounts", "ServiceAccount", true, &["sa"]),
    status(res(
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        true,
        &["pvc"],
    )),
    all(scale(status(res(
        "apps",
        "v1",
        "deployments",
        "Deployment",
        true,
        &["deploy"],
    )))),
    all(scale(status(res(
        "apps",
        "v1",
        "replicasets",
        "ReplicaSet",
        true,
        &["rs"],
    )))),
    all(scale(status(res(
        "apps",
        "v1",
        "statefulsets",
        "StatefulSet",
        true,
        &["sts"],
    )))),
    all(status(res("apps", "v1", "daemonsets", "DaemonSet", true, &["ds"]))),
    all(status(res("batch", "v1", "jobs", "Job", true, &[]))),
    all(status(res("batch", "v1", "cronjobs", "CronJob", true, &["cj"]))),
    status(res("networking.k8s.io", "v1", "ingresses", "Ingress", true, &["ing"])),
    status(res(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
        &["pdb"],
    )),
    all(status(res(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        true,
        &["hpa"],
    ))),
    res("rbac.authorization.k8s.io", "v1", "roles", "Role", true, &[]),
    res(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
        &[],
    ),
    res(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
        &[],
    ),
    res(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
        &[],
    ),
    // What `kubectl auth whoami` asks; answered from the caller's identity.
    review(res(
        "authentication.k8s.io",
        "v1",
        "selfsubjectreviews",
        "SelfSubjectReview",
        false,
        &[],
    )),
    review(res(
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        false,
        &[],
    )),
    review(res(
        "authorization.k8s.io",
        "v1",
        "subjectaccessreviews",
        "SubjectAccessReview",
        false,
        &[],
    )),
];

type Subresource = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

/// (subresource, group, version, kind, verbs); kubectl drain looks for pods/eviction here.
fn extra_subresources(resource: &str) -> &'static [Subresource] {
    match resource {
        "pods" => &[
            ("log", "", "", "Pod", &["get"]),
            ("eviction", "policy", "v1", "Eviction", &["create"]),
            ("attach", "", "", "PodAttachOptions", &["create", "get"]),
            ("exec", "", "", "PodExecOptions", &["create", "get"]),
        ],
        "serviceaccounts" => &[("token", "authentication.k8s.io", "v1", "TokenRequest", &["create"])],
        _ => &[],
    }
}

/// Finds a resource by group, version and plural name.
pub fn find(group: &str, version: &str, resource: &str) -> Option<&'static ResourceInfo> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.resource == resource)
}

/// Finds a resource by `apiVersion` and `kind`, as fixtures name them.
pub fn find_kind(api_version: &str, kind: &str) -> Option<&'static ResourceInfo> {
    RESOURCES
        .iter()
        .find(|r| r.api_version() == api_version && r.kind == kind)
}

/// Groups in registration order, each with its single served version.
fn groups() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for r in RESOURCES {
        if !r.group.is_empty() && !out.contains(&(r.group, r.version)) {
            out.push((r.group, r.version));
        }
    }
    out
}

pub fn version(git_version: &str) -> Value {
    // Go's client only looks at gitVersion, major and minor; keep the rest plausible.
    let trimmed = git_version.trim_start_matches('v');
    let mut parts = trimmed.split('.');
    let major = parts.next().unwrap_or("1").to_string();
    let minor = parts.next().unwrap_or("33").to_string();
    json!({
        "major": major,
        "minor": minor,
        "gitVersion": git_version,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-05-15T00:00:00Z",
        "goVersion": "go1.24.2",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

pub fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]
    })
}

pub fn api_group_list() -> Value {
    let groups: Vec<Value> = groups()
        .into_iter()
        .map(|(group, version)| {
            let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
            json!({"name": group, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// The APIResourceList for one group/version, or None when it is not served.
pub fn api_resource_list(group: &str, version: &str) -> Option<Value> {
    let mut resources = Vec::new();
    for r in RESOURCES.iter().filter(|r| r.group == group && r.version == version) {
        let verbs: Vec<&str> = if r.create_only {
            vec!["create"]
        } else {
            vec![
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch",
            ]
        };
        let mut entry = json!({
            "name": r.resource,
            "singularName": r.singular(),
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": verbs,
        });
        if !r.short_names.is_empty() {
            entry["shortNames"] = json!(r.short_names);
        }
        if r.in_all {
            entry["categories"] = json!(["all"]);
        }
        resources.push(entry);
        if r.has_status {
            resources.push(json!({
                "name": format!("{}/status", r.resource),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": ["get", "patch", "update"],
            }));
        }
        // Subresources with handlers of their own (pods/log, pods/eviction, serviceaccounts/token).
        for (sub, group, version, kind, verbs) in extra_subresources(r.resource) {
            let mut e = json!({
                "name": format!("{}/{sub}", r.resource),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": kind,
                "verbs": verbs,
            });
            if !group.is_empty() {
                e["group"] = json!(group);
                e["version"] = json!(version);
            }
            resources.push(e);
        }
        if r.has_scale {
            resources.push(json!({
                "name": format!("{}/scale", r.resource),
                "singularName": "",
                "namespaced": r.namespaced,
                "group": "autoscaling",
                "version": "v1",
                "kind": "Scale",
                "verbs": ["get", "patch", "update"],
            }));
        }
    }
    if resources.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_list_has_pods_with_short_name_and_status() {
        let list = api_resource_list("", "v1").unwrap();
        let names: Vec<&str> = list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"pods"));
        assert!(names.contains(&"pods/status"));
        assert!(names.contains(&"pods/log"));
        assert!(names.contains(&"serviceaccounts/token"));
        // kubectl drain evicts only when pods/eviction is advertised as policy/v1.
        let eviction = list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "pods/eviction")
            .unwrap();
        assert_eq!(
            (&eviction["group"], &eviction["version"]),
            (&json!("policy"), &json!("v1"))
        );
        assert_eq!(list["resources"][0]["shortNames"], json!(["po"]));
    }

    #[test]
    fn group_list_names_each_group_once() {
        let list = api_group_list();
        let groups = list["groups"].as_array().unwrap();
        assert!(groups.iter().any(|g| g["name"] == "apps"));
        assert_eq!(groups.iter().filter(|g| g["name"] == "apps").count(), 1);
    }

    #[test]
    fn finds_by_kind() {
        assert_eq!(find_kind("apps/v1", "Deployment").unwrap().resource, "deployments");
        assert!(find_kind("v1", "Deployment").is_none());
    }
}
