//! The registered resources and the discovery documents built from them.

use std::sync::{Arc, LazyLock};

use serde_json::{Value, json};

/// One served resource type, as discovery describes it: built in, or defined by a CRD.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceInfo {
    pub group: String,
    pub version: String,
    /// The version objects are stored at. Other served versions of a CRD show the same
    /// objects under their own apiVersion (conversion strategy None).
    pub storage_version: String,
    /// The plural, lower-case name used in URLs.
    pub resource: String,
    pub kind: String,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    /// `all` makes `kubectl get all` include it.
    pub categories: Vec<String>,
    pub has_status: bool,
    pub has_scale: bool,
    /// Only `create` (access reviews); not stored.
    pub create_only: bool,
    /// Only `get` and `list` (metrics.k8s.io); computed from pods and nodes, not stored.
    pub metrics: bool,
    /// Set for custom resources.
    pub custom: Option<CustomInfo>,
}

/// What a CustomResourceDefinition adds to a custom resource's type.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomInfo {
    /// The CRD's name (`<plural>.<group>`).
    pub crd: String,
    /// `additionalPrinterColumns` of this version.
    pub printer_columns: Vec<Value>,
    /// `schema.openAPIV3Schema` of this version.
    pub schema: Option<Value>,
    /// JSON paths of the scale subresource (`.spec.replicas` style).
    pub spec_replicas_path: String,
    pub status_replicas_path: String,
    pub label_selector_path: Option<String>,
}

impl ResourceInfo {
    pub fn api_version(&self) -> String {
        join_group_version(&self.group, &self.version)
    }

    pub fn storage_api_version(&self) -> String {
        join_group_version(&self.group, &self.storage_version)
    }
}

pub fn join_group_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// A built-in resource, as written in the table below.
#[derive(Debug, Clone, Copy)]
struct Builtin {
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    in_all: bool,
    has_status: bool,
    has_scale: bool,
    create_only: bool,
    metrics: bool,
}

impl Builtin {
    fn info(&self) -> ResourceInfo {
        ResourceInfo {
            group: self.group.into(),
            version: self.version.into(),
            storage_version: self.version.into(),
            resource: self.resource.into(),
            kind: self.kind.into(),
            singular: self.kind.to_lowercase(),
            namespaced: self.namespaced,
            short_names: self.short_names.iter().map(|s| s.to_string()).collect(),
            categories: if self.in_all { vec!["all".into()] } else { Vec::new() },
            has_status: self.has_status,
            has_scale: self.has_scale,
            create_only: self.create_only,
            metrics: self.metrics,
            custom: None,
        }
    }
}

const fn res(
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
) -> Builtin {
    Builtin {
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
        metrics: false,
    }
}

const fn all(mut r: Builtin) -> Builtin {
    r.in_all = true;
    r
}

const fn status(mut r: Builtin) -> Builtin {
    r.has_status = true;
    r
}

const fn scale(mut r: Builtin) -> Builtin {
    r.has_scale = true;
    r
}

const fn review(mut r: Builtin) -> Builtin {
    r.create_only = true;
    r
}

const fn metrics(mut r: Builtin) -> Builtin {
    r.metrics = true;
    r
}

const BUILTINS: &[Builtin] = &[
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
    status(res("", "v1", "resourcequotas", "ResourceQuota", true, &["quota"])),
    res("", "v1", "limitranges", "LimitRange", true, &["limits"]),
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
    // StatefulSets' and DaemonSets' revisions; no controller writes them here (see README).
    res("apps", "v1", "controllerrevisions", "ControllerRevision", true, &[]),
    all(status(res("batch", "v1", "jobs", "Job", true, &[]))),
    all(status(res("batch", "v1", "cronjobs", "CronJob", true, &["cj"]))),
    status(res("networking.k8s.io", "v1", "ingresses", "Ingress", true, &["ing"])),
    res(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        true,
        &["netpol"],
    ),
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
    // Leader election (client-go's, and Fleetdeck's own).
    res("coordination.k8s.io", "v1", "leases", "Lease", true, &[]),
    res(
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "PriorityClass",
        false,
        &["pc"],
    ),
    status(res(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        false,
        &["crd", "crds"],
    )),
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
    // `kubectl auth can-i --list`; answered from the rule table.
    review(res(
        "authorization.k8s.io",
        "v1",
        "selfsubjectrulesreviews",
        "SelfSubjectRulesReview",
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
    // What metrics-server serves, for `kubectl top` (src/metrics.rs).
    metrics(res(METRICS_GROUP, "v1beta1", "nodes", "NodeMetrics", false, &[])),
    metrics(res(METRICS_GROUP, "v1beta1", "pods", "PodMetrics", true, &[])),
];

pub const METRICS_GROUP: &str = "metrics.k8s.io";

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

static BUILTIN_INFOS: LazyLock<Vec<ResourceInfo>> = LazyLock::new(|| BUILTINS.iter().map(Builtin::info).collect());

/// Finds a built-in resource by group, version and plural name (custom resources are
/// in the store's [`Registry`]).
pub fn find(group: &str, version: &str, resource: &str) -> Option<&'static ResourceInfo> {
    BUILTIN_INFOS
        .iter()
        .find(|r| r.group == group && r.version == version && r.resource == resource)
}

/// Every served resource: the built-in ones, then those of established CRDs.
#[derive(Debug, Clone)]
pub struct Registry {
    resources: Vec<Arc<ResourceInfo>>,
}

impl Default for Registry {
    fn default() -> Self {
        Self {
            resources: BUILTIN_INFOS.iter().cloned().map(Arc::new).collect(),
        }
    }
}

impl Registry {
    pub fn find(&self, group: &str, version: &str, resource: &str) -> Option<Arc<ResourceInfo>> {
        self.resources
            .iter()
            .find(|r| r.group == group && r.version == version && r.resource == resource)
            .cloned()
    }

    /// Finds a resource by `apiVersion` and `kind`, as objects name them.
    pub fn find_kind(&self, api_version: &str, kind: &str) -> Option<Arc<ResourceInfo>> {
        self.resources
            .iter()
            .find(|r| r.api_version() == api_version && r.kind == kind)
            .cloned()
    }

    /// A resource by group and plural name, in any served version.
    pub fn find_resource(&self, group: &str, resource: &str) -> Option<Arc<ResourceInfo>> {
        self.resources
            .iter()
            .find(|r| r.group == group && r.resource == resource)
            .cloned()
    }

    pub fn all(&self) -> impl Iterator<Item = &Arc<ResourceInfo>> {
        self.resources.iter()
    }

    /// Stops serving a group (metrics.k8s.io when the simulator runs without metrics).
    pub fn remove_group(&mut self, group: &str) {
        self.resources.retain(|r| r.group != group);
    }

    /// Replaces the resources a CRD defines (none: the CRD is gone).
    pub fn set_custom(&mut self, crd: &str, resources: Vec<ResourceInfo>) {
        self.resources
            .retain(|r| r.custom.as_ref().is_none_or(|c| c.crd != crd));
        self.resources.extend(resources.into_iter().map(Arc::new));
    }

    /// Groups in registration order, each with its served versions, preferred first.
    fn groups(&self) -> Vec<(&str, Vec<&str>)> {
        let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
        for r in self.resources.iter().filter(|r| !r.group.is_empty()) {
            match out.iter_mut().find(|(g, _)| *g == r.group) {
                Some((_, versions)) if !versions.contains(&r.version.as_str()) => versions.push(&r.version),
                Some(_) => {}
                None => out.push((&r.group, vec![&r.version])),
            }
        }
        for (_, versions) in &mut out {
            versions.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
        }
        out
    }

    pub fn api_group_list(&self) -> Value {
        let groups: Vec<Value> = self
            .groups()
            .into_iter()
            .map(|(group, versions)| {
                let gvs: Vec<Value> = versions
                    .iter()
                    .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
                    .collect();
                json!({"name": group, "preferredVersion": gvs[0].clone(), "versions": gvs})
            })
            .collect();
        json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
    }

    /// Aggregated discovery (APIGroupDiscoveryList) of the core group (`/api`) or of every
    /// named group (`/apis`): one request instead of one per group/version.
    pub fn aggregated(&self, core: bool, api_version: &str) -> Value {
        let groups: Vec<(&str, Vec<&str>)> = if core { vec![("", vec!["v1"])] } else { self.groups() };
        let items: Vec<Value> = groups
            .into_iter()
            .map(|(group, versions)| {
                let versions: Vec<Value> = versions
                    .into_iter()
                    .map(|v| {
                        let resources: Vec<Value> = self
                            .resources
                            .iter()
                            .filter(|r| r.group == group && r.version == v)
                            .map(|r| aggregated_entry(r))
                            .collect();
                        json!({"version": v, "resources": resources, "freshness": "Current"})
                    })
                    .collect();
                json!({"metadata": {"name": group, "creationTimestamp": null}, "versions": versions})
            })
            .collect();
        json!({"kind": "APIGroupDiscoveryList", "apiVersion": api_version, "metadata": {}, "items": items})
    }

    /// The APIResourceList for one group/version, or None when it is not served.
    pub fn api_resource_list(&self, group: &str, version: &str) -> Option<Value> {
        let mut resources = Vec::new();
        for r in self
            .resources
            .iter()
            .filter(|r| r.group == group && r.version == version)
        {
            resources.extend(resource_entries(r));
        }
        if resources.is_empty() {
            return None;
        }
        Some(json!({
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": join_group_version(group, version),
            "resources": resources
        }))
    }
}

/// The media type of aggregated discovery a client asks for (`v2`, or `v2beta1` from
/// kubectl before 1.30), if it asks for it before plain JSON.
pub fn aggregated_media_type(accept: &str) -> Option<&'static str> {
    for part in accept.split(',') {
        let p: Vec<&str> = part.split(';').map(str::trim).collect();
        if p.contains(&"g=apidiscovery.k8s.io") && p.contains(&"as=APIGroupDiscoveryList") {
            if p.contains(&"v=v2") {
                return Some("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
            }
            if p.contains(&"v=v2beta1") {
                return Some("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
            }
        } else if p
            .first()
            .is_some_and(|m| m.starts_with("application/json") || *m == "*/*")
        {
            return None;
        }
    }
    None
}

/// The order the apiserver prefers versions in: GA over beta over alpha, then by number
/// (v2 > v1 > v1beta2 > v1beta1 > v1alpha1); other names last.
fn version_priority(v: &str) -> (u8, u32, u32) {
    let Some(rest) = v.strip_prefix('v') else {
        return (0, 0, 0);
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let Ok(major) = rest[..digits].parse::<u32>() else {
        return (0, 0, 0);
    };
    let tail = &rest[digits..];
    let (level, minor) = match tail {
        "" => (3, 0),
        t if t.starts_with("beta") => (2, t[4..].parse().unwrap_or(0)),
        t if t.starts_with("alpha") => (1, t[5..].parse().unwrap_or(0)),
        _ => return (0, 0, 0),
    };
    (level, major, minor)
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

fn verbs(r: &ResourceInfo) -> Vec<&'static str> {
    if r.create_only {
        vec!["create"]
    } else if r.metrics {
        vec!["get", "list"]
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
    }
}

/// One subresource as discovery lists it: its name, the kind it answers with (group and
/// version "" = the resource's own), and its verbs.
struct Sub {
    name: &'static str,
    group: &'static str,
    version: &'static str,
    kind: String,
    verbs: &'static [&'static str],
}

fn subresources(r: &ResourceInfo) -> Vec<Sub> {
    let mut out = Vec::new();
    if r.has_status {
        out.push(Sub {
            name: "status",
            group: "",
            version: "",
            kind: r.kind.clone(),
            verbs: &["get", "patch", "update"],
        });
    }
    // Subresources with handlers of their own (pods/log, pods/eviction, serviceaccounts/token).
    if r.custom.is_none() {
        for (name, group, version, kind, verbs) in extra_subresources(&r.resource) {
            out.push(Sub {
                name,
                group,
                version,
                kind: kind.to_string(),
                verbs,
            });
        }
    }
    if r.has_scale {
        out.push(Sub {
            name: "scale",
            group: "autoscaling",
            version: "v1",
            kind: "Scale".into(),
            verbs: &["get", "patch", "update"],
        });
    }
    out
}

/// Short names and categories, both forms of discovery leaving them out when empty.
fn add_names(entry: &mut Value, r: &ResourceInfo) {
    if !r.short_names.is_empty() {
        entry["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        entry["categories"] = json!(r.categories);
    }
}

/// A resource's entries in its APIResourceList: itself and its subresources.
fn resource_entries(r: &ResourceInfo) -> Vec<Value> {
    let mut entry = json!({
        "name": r.resource,
        "singularName": r.singular,
        "namespaced": r.namespaced,
        "kind": r.kind,
        "verbs": verbs(r),
    });
    add_names(&mut entry, r);
    let mut out = vec![entry];
    for sub in subresources(r) {
        let mut e = json!({
            "name": format!("{}/{}", r.resource, sub.name),
            "singularName": "",
            "namespaced": r.namespaced,
            "kind": sub.kind,
            "verbs": sub.verbs,
        });
        if !sub.group.is_empty() {
            e["group"] = json!(sub.group);
            e["version"] = json!(sub.version);
        }
        out.push(e);
    }
    out
}

/// A resource in aggregated discovery (`apidiscovery.k8s.io` APIResourceDiscovery).
fn aggregated_entry(r: &ResourceInfo) -> Value {
    let kind = |group: &str, version: &str, kind: &str| json!({"group": group, "version": version, "kind": kind});
    let subs: Vec<Value> = subresources(r)
        .into_iter()
        .map(|sub| {
            let (g, v) = if sub.group.is_empty() {
                (r.group.as_str(), r.version.as_str())
            } else {
                (sub.group, sub.version)
            };
            json!({"subresource": sub.name, "responseKind": kind(g, v, &sub.kind), "verbs": sub.verbs})
        })
        .collect();
    let mut e = json!({
        "resource": r.resource,
        "responseKind": kind(&r.group, &r.version, &r.kind),
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular,
        "verbs": verbs(r),
    });
    add_names(&mut e, r);
    if !subs.is_empty() {
        e["subresources"] = json!(subs);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_list_has_pods_with_short_name_and_status() {
        let list = Registry::default().api_resource_list("", "v1").unwrap();
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
        let list = Registry::default().api_group_list();
        let groups = list["groups"].as_array().unwrap();
        assert!(groups.iter().any(|g| g["name"] == "apps"));
        assert_eq!(groups.iter().filter(|g| g["name"] == "apps").count(), 1);
    }

    #[test]
    fn finds_by_kind() {
        let reg = Registry::default();
        assert_eq!(reg.find_kind("apps/v1", "Deployment").unwrap().resource, "deployments");
        assert!(reg.find_kind("v1", "Deployment").is_none());
    }

    #[test]
    fn aggregated_discovery_lists_groups_versions_and_subresources() {
        let reg = Registry::default();
        let apis = reg.aggregated(false, "apidiscovery.k8s.io/v2");
        let apps = apis["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["metadata"]["name"] == "apps")
            .unwrap();
        let deployments = apps["versions"][0]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource"] == "deployments")
            .unwrap();
        assert_eq!(deployments["scope"], "Namespaced");
        assert_eq!(deployments["shortNames"], json!(["deploy"]));
        let scale = deployments["subresources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["subresource"] == "scale")
            .unwrap();
        assert_eq!(
            scale["responseKind"],
            json!({"group": "autoscaling", "version": "v1", "kind": "Scale"})
        );
        let core = reg.aggregated(true, "apidiscovery.k8s.io/v2");
        assert_eq!(core["items"].as_array().unwrap().len(), 1);
        assert_eq!(core["items"][0]["versions"][0]["version"], "v1");
    }

    #[test]
    fn aggregated_discovery_is_served_when_asked_for_first() {
        let kubectl = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(
            aggregated_media_type(kubectl),
            Some("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
        );
        assert!(
            aggregated_media_type("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList")
                .unwrap()
                .contains("v2beta1")
        );
        assert_eq!(
            aggregated_media_type(
                "application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
            ),
            None
        );
        assert_eq!(aggregated_media_type(""), None);
    }

    #[test]
    fn versions_sort_as_the_apiserver_prefers_them() {
        let mut v = vec!["v1alpha1", "v1beta2", "v2", "v1", "v1beta1", "foo", "v10alpha3"];
        v.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
        assert_eq!(v, ["v2", "v1", "v1beta2", "v1beta1", "v10alpha3", "v1alpha1", "foo"]);
    }
}
