//! The pure half of a remediation: which object a kind of remediation changes, the change itself
//! (the patch and the object after it), the texts a reviewer reads (YAML before and after, their
//! unified diff) and the GitOps artifact (a kustomize strategic-merge patch). No IO: the routes
//! read the live objects and hand them in.

use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::incidents::diagnostics::finding::Remediation;
use crate::inventory::helm_diff;
use crate::kube::discovery::ResourceInfo;
use crate::kube::quantity;

/// One mebibyte.
const MI: u128 = 1024 * 1024;

/// A kind's JSON name (`patch_memory_limit`).
pub fn kind_word(kind: Remediation) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// 422 `remediation_not_applicable`.
pub fn not_applicable(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("remediation_not_applicable", message)
}

/// A Kubernetes kind a remediation may change, with its API coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetKind {
    pub group: &'static str,
    pub version: &'static str,
    pub resource: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
}

const KINDS: &[TargetKind] = &[
    TargetKind {
        group: "apps",
        version: "v1",
        resource: "deployments",
        kind: "Deployment",
        namespaced: true,
    },
    TargetKind {
        group: "apps",
        version: "v1",
        resource: "statefulsets",
        kind: "StatefulSet",
        namespaced: true,
    },
    TargetKind {
        group: "apps",
        version: "v1",
        resource: "daemonsets",
        kind: "DaemonSet",
        namespaced: true,
    },
    TargetKind {
        group: "apps",
        version: "v1",
        resource: "replicasets",
        kind: "ReplicaSet",
        namespaced: true,
    },
    TargetKind {
        group: "",
        version: "v1",
        resource: "pods",
        kind: "Pod",
        namespaced: true,
    },
    TargetKind {
        group: "",
        version: "v1",
        resource: "nodes",
        kind: "Node",
        namespaced: false,
    },
];

/// The coordinates of `kind` (`Deployment`, `Pod`, …), if remediations change such objects.
pub fn target_kind(kind: &str) -> Option<TargetKind> {
    KINDS.iter().copied().find(|k| k.kind == kind)
}

/// The kinds of object each remediation changes. Pod findings are followed up their controller
/// chain (pod → ReplicaSet → Deployment) to the first of these.
pub fn changes(kind: Remediation) -> &'static [&'static str] {
    match kind {
        Remediation::Restart => &["Deployment", "StatefulSet", "DaemonSet", "Pod"],
        Remediation::Rollback | Remediation::PatchMemoryLimit | Remediation::SetResources => {
            &["Deployment", "StatefulSet", "DaemonSet"]
        }
        Remediation::Scale => &["Deployment", "StatefulSet", "ReplicaSet"],
        Remediation::Cordon | Remediation::Drain => &["Node"],
        Remediation::DeletePod => &["Pod"],
    }
}

/// Whether the change was computed from the object's content, so that it is stale once the
/// object changed (a restart, a pod delete or a drain acts whatever the object holds).
pub fn computed_from_object(kind: Remediation) -> bool {
    matches!(
        kind,
        Remediation::Scale
            | Remediation::Rollback
            | Remediation::PatchMemoryLimit
            | Remediation::SetResources
            | Remediation::Cordon
    )
}

/// The API resource of a target kind.
pub fn info_of(k: TargetKind) -> ResourceInfo {
    ResourceInfo::builtin(k.group, k.version, k.resource, k.kind, k.namespaced)
}

/// Whether the change has a declarative form a Git repository can hold.
pub fn declarative(kind: Remediation, target: &str) -> bool {
    !matches!(kind, Remediation::DeletePod | Remediation::Drain) && target != "Pod"
}

/// An object's controller: (kind, name), from its ownerReferences.
pub fn controller(object: &Value) -> Option<(String, String)> {
    object["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|o| o["controller"] == json!(true))
        .and_then(|o| Some((o["kind"].as_str()?.to_string(), o["name"].as_str()?.to_string())))
}

/// What a proposal asks for beyond its kind.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = RemediationParams)]
pub struct Params {
    /// scale: the replicas wanted (required for scale).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(maximum = 10000)]
    pub replicas: Option<u32>,
    /// rollback: the revision to go back to; 0 or none: the one before the current.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub revision: Option<i64>,
    /// patch_memory_limit: the new limit (a Kubernetes quantity such as `512Mi`); none: the
    /// rightsizing's recommendation (peak usage + 15 %) when it is above the current limit (or
    /// there is none), else the current limit × 1.5; rounded up to a whole Mi.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    /// patch_memory_limit: the container; none: the finding's container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// drain: also evict pods with emptyDir data, which is lost (kubectl's --delete-emptydir-data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_empty_dir_data: Option<bool>,
    /// drain: also delete pods no controller owns, which nothing brings back (kubectl's --force).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
    /// set_resources: the containers' new requests and limits (required), e.g. a rightsizing
    /// recommendation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 100)]
    pub resources: Option<Vec<ContainerResources>>,
}

/// set_resources: one container's new requests and limits (Kubernetes quantities); what is left
/// out stays as it is.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainerResources {
    pub container: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_request: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_limit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_request: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_limit: Option<String>,
}

impl Params {
    /// A drain's (deleteEmptyDirData, force), off unless given.
    pub fn drain_flags(&self) -> (bool, bool) {
        (self.delete_empty_dir_data.unwrap_or(false), self.force.unwrap_or(false))
    }
}

/// A change: the patch sent (none for a pod delete or a drain) and the object after it (none
/// when the object goes).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub patch: Option<Value>,
    pub after: Option<Value>,
    /// The parameters as resolved (the revision a rollback goes to, the limit chosen).
    pub params: Params,
}

/// Sets the replicas.
pub fn scale(before: &Value, replicas: Option<u32>) -> ApiResult<Change> {
    let replicas = replicas.ok_or_else(|| ApiError::unprocessable("invalid_params", "scale needs params.replicas"))?;
    if replicas > 10_000 {
        return Err(ApiError::unprocessable("invalid_params", "at most 10000 replicas"));
    }
    let patch = json!({"spec": {"replicas": replicas}});
    Ok(Change {
        after: Some(merged(before, &patch)),
        patch: Some(patch),
        params: Params {
            replicas: Some(replicas),
            ..Params::default()
        },
    })
}

/// A rollout restart with the pod template annotated at `patch` (see
/// `clusters::actions::restart_patch`).
pub fn restart(before: &Value, patch: Value) -> Change {
    Change {
        after: Some(merged(before, &patch)),
        patch: Some(patch),
        params: Params::default(),
    }
}

/// A node marked unschedulable.
pub fn cordon(before: &Value) -> Change {
    let patch = json!({"spec": {"unschedulable": true}});
    Change {
        after: Some(merged(before, &patch)),
        patch: Some(patch),
        params: Params::default(),
    }
}

/// A drain: the node cordoned, then its pods evicted (the eviction plan is read when it runs).
pub fn drain(before: &Value, params: &Params) -> Change {
    Change {
        patch: None,
        params: Params {
            delete_empty_dir_data: params.delete_empty_dir_data,
            force: params.force,
            ..Params::default()
        },
        ..cordon(before)
    }
}

/// The object deleted (a pod, for its controller to replace).
pub fn deleted() -> Change {
    Change {
        patch: None,
        after: None,
        params: Params::default(),
    }
}

/// A rollback to `revision` by the JSON patch `rollout::rollback_patch` made.
pub fn rollback(before: &Value, revision: i64, patch: Value) -> ApiResult<Change> {
    let ops: json_patch::Patch = serde_json::from_value(patch.clone()).map_err(ApiError::internal)?;
    let mut after = before.clone();
    json_patch::patch(&mut after, &ops).map_err(ApiError::internal)?;
    Ok(Change {
        patch: Some(patch),
        after: Some(after),
        params: Params {
            revision: Some(revision),
            ..Params::default()
        },
    })
}

/// The pod template's containers of a workload.
fn containers(object: &Value) -> Option<&Vec<Value>> {
    object.pointer("/spec/template/spec/containers")?.as_array()
}

/// A container's memory limit raised: to `memory`; else to `rightsized` (bytes, the rightsizing's
/// recommended limit) when the usage outgrew the current limit or there is none; else to the
/// current limit × 1.5. Rounded up to a whole Mi. The patch is a strategic merge patch
/// (containers merge by name).
pub fn memory_limit(
    before: &Value,
    container: &str,
    memory: Option<&str>,
    rightsized: Option<i64>,
) -> ApiResult<Change> {
    let found = containers(before)
        .and_then(|cs| cs.iter().position(|c| c["name"] == json!(container)))
        .ok_or_else(|| not_applicable(format!("the workload has no container {container:?}")))?;
    let current = before
        .pointer(&format!(
            "/spec/template/spec/containers/{found}/resources/limits/memory"
        ))
        .and_then(Value::as_str);
    let memory = match (memory, current) {
        (Some(m), _) => {
            quantity::bytes(m)
                .filter(|b| *b > 0)
                .ok_or_else(|| ApiError::unprocessable("invalid_params", format!("{m:?} is not a memory quantity")))?;
            m.to_string()
        }
        (None, current) => {
            let current_bytes = current.map(|c| {
                quantity::bytes(c).ok_or_else(|| {
                    ApiError::unprocessable(
                        "invalid_params",
                        format!("the current limit {c:?} cannot be read; give params.memory"),
                    )
                })
            });
            let current_bytes = current_bytes.transpose()?;
            match (
                rightsized.and_then(|r| u128::try_from(r).ok()).filter(|r| *r > 0),
                current_bytes,
            ) {
                (Some(r), None) => mebibytes(r),
                (Some(r), Some(c)) if r > c => mebibytes(r),
                (_, Some(c)) => mebibytes((c * 3).div_ceil(2)),
                (None, None) => {
                    return Err(ApiError::unprocessable(
                        "invalid_params",
                        format!(
                            "container {container} has no memory limit to raise and no rightsizing recommendation; give params.memory"
                        ),
                    ));
                }
            }
        }
    };
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": container, "resources": {"limits": {"memory": memory}}}
    ]}}}});
    let mut after = before.clone();
    after["spec"]["template"]["spec"]["containers"][found]["resources"]["limits"]["memory"] = json!(memory);
    Ok(Change {
        patch: Some(patch),
        after: Some(after),
        params: Params {
            memory: Some(memory),
            container: Some(container.to_string()),
            ..Params::default()
        },
    })
}

/// The containers' requests and limits set as `resources` says: a strategic merge patch of each
/// named container's `resources`.
pub fn set_resources(before: &Value, resources: Option<&[ContainerResources]>) -> ApiResult<Change> {
    let invalid = |m: String| ApiError::unprocessable("invalid_params", m);
    let resources = resources.filter(|r| !r.is_empty()).ok_or_else(|| {
        invalid("set_resources needs params.resources: the containers' new requests and limits".into())
    })?;
    let mut after = before.clone();
    let mut patched = Vec::new();
    for (i, r) in resources.iter().enumerate() {
        if resources[..i].iter().any(|o| o.container == r.container) {
            return Err(invalid(format!("container {:?} is named twice", r.container)));
        }
        let found = containers(before)
            .and_then(|cs| cs.iter().position(|c| c["name"] == json!(r.container)))
            .ok_or_else(|| not_applicable(format!("the workload has no container {:?}", r.container)))?;
        let fields = [
            ("requests", "cpu", &r.cpu_request),
            ("limits", "cpu", &r.cpu_limit),
            ("requests", "memory", &r.memory_request),
            ("limits", "memory", &r.memory_limit),
        ];
        let mut set = json!({});
        for (list, resource, value) in fields {
            let Some(value) = value else { continue };
            let valid = match resource {
                "cpu" => quantity::millicores(value).is_some_and(|m| m > 0.0),
                _ => quantity::bytes(value).is_some_and(|b| b > 0),
            };
            if !valid {
                return Err(invalid(format!("{value:?} is not a {resource} quantity")));
            }
            set[list][resource] = json!(value);
            after["spec"]["template"]["spec"]["containers"][found]["resources"][list][resource] = json!(value);
        }
        if set.as_object().is_some_and(Map::is_empty) {
            return Err(invalid(format!("container {:?}: nothing to set", r.container)));
        }
        patched.push(json!({"name": r.container, "resources": set}));
    }
    Ok(Change {
        patch: Some(json!({"spec": {"template": {"spec": {"containers": patched}}}})),
        after: Some(after),
        params: Params {
            resources: Some(resources.to_vec()),
            ..Params::default()
        },
    })
}

/// `bytes` rounded up to a whole Mi (at least 1Mi).
fn mebibytes(bytes: u128) -> String {
    format!("{}Mi", bytes.div_ceil(MI).max(1))
}

/// A JSON merge patch applied (RFC 7386): enough for the patches above, whose lists are whole.
fn merged(before: &Value, patch: &Value) -> Value {
    let mut out = before.clone();
    merge(&mut out, patch);
    out
}

fn merge(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(t), Some(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

/// The object as a reviewer reads it: without its status and the fields the apiserver keeps
/// (resourceVersion, uid, managedFields, …), which a change does not touch.
pub fn clean(object: &Value) -> Value {
    let mut o = object.clone();
    if let Some(map) = o.as_object_mut() {
        map.remove("status");
    }
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in [
            "resourceVersion",
            "uid",
            "managedFields",
            "creationTimestamp",
            "generation",
            "selfLink",
        ] {
            meta.remove(field);
        }
        if let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
            annotations.remove("deployment.kubernetes.io/revision");
        }
    }
    o
}

pub fn yaml(object: &Value) -> ApiResult<String> {
    yaml_serde::to_string(object).map_err(ApiError::internal)
}

/// The unified diff of the object before and after (an object deleted diffs to nothing).
pub fn diff(before_yaml: &str, after_yaml: &str, label: &str) -> String {
    helm_diff::unified(
        before_yaml,
        after_yaml,
        &format!("{label} (live)"),
        &format!("{label} (after)"),
    )
}

/// The merge key of the pod template's lists that a strategic merge merges element by element
/// (the `patchMergeKey`s of the Kubernetes API); other lists are replaced whole.
fn merge_key(field: &str) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims" => Some("name"),
        "ports" => Some("containerPort"),
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "hostAliases" => Some("ip"),
        _ => None,
    }
}

/// What changed from `before` to `after`, as a strategic merge patch: changed fields only,
/// removed fields as null, a changed list whole (see `whole`).
pub fn strategic_patch(before: &Value, after: &Value) -> Option<Value> {
    changed(None, before, after)
}

fn changed(field: Option<&str>, before: &Value, after: &Value) -> Option<Value> {
    match (before.as_object(), after.as_object()) {
        (Some(b), Some(a)) => {
            let mut out = Map::new();
            for (k, av) in a {
                match b.get(k) {
                    Some(bv) => {
                        if let Some(d) = changed(Some(k), bv, av) {
                            out.insert(k.clone(), d);
                        }
                    }
                    None => {
                        out.insert(k.clone(), av.clone());
                    }
                }
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                out.insert(k.clone(), Value::Null);
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        _ => (before != after).then(|| whole(field, before, after)),
    }
}

/// `after` whole, written so that a strategic merge onto `before` gives exactly `after`: the
/// fields it lost as null, and the elements a keyed list lost as `$patch: delete` (merged by
/// key, they would stay otherwise), at every depth.
fn whole(field: Option<&str>, before: &Value, after: &Value) -> Value {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let mut out = a.clone();
            for (k, av) in a {
                if let Some(bv) = b.get(k) {
                    out.insert(k.clone(), whole(Some(k), bv, av));
                }
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                out.insert(k.clone(), Value::Null);
            }
            Value::Object(out)
        }
        (Value::Array(b), Value::Array(a)) => {
            let Some(key) = field.and_then(merge_key) else {
                return after.clone();
            };
            let id = |e: &Value| e.get(key).filter(|k| !k.is_null()).cloned();
            let mut out: Vec<Value> = a
                .iter()
                .map(|ae| match b.iter().find(|be| id(be).is_some() && id(be) == id(ae)) {
                    Some(be) => whole(None, be, ae),
                    None => ae.clone(),
                })
                .collect();
            for k in b.iter().filter_map(id) {
                if !a.iter().any(|ae| id(ae).as_ref() == Some(&k)) {
                    out.push(json!({key: k, "$patch": "delete"}));
                }
            }
            Value::Array(out)
        }
        _ => after.clone(),
    }
}

/// The GitOps artifact of a change.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = GitopsArtifact)]
pub struct Artifact {
    /// Where the patch goes in the repository: `<path>/<kind>-<name>-<remediation>.yaml`.
    pub file_name: String,
    /// A kustomize strategic-merge patch: the object's apiVersion, kind, name and namespace
    /// and only the fields the change sets.
    pub kustomize_patch: String,
    /// The change as a unified diff of the object's YAML.
    pub unified_diff: String,
    /// What to add to the kustomization.yaml beside it.
    pub kustomization: String,
}

/// 422 `invalid_path` unless `path` is a relative path in a repository (no `..`, no leading `/`).
pub fn check_path(path: &str) -> ApiResult<&str> {
    let path = path.trim_end_matches('/');
    let ok = path.is_empty()
        || (path.len() <= 512
            && !path.starts_with('/')
            && path.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
            && path.chars().all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c)));
    match ok {
        true => Ok(path),
        false => Err(ApiError::unprocessable(
            "invalid_path",
            "path is a relative path in the repository (letters, digits, . _ - /; no ..)",
        )),
    }
}

/// The artifact of the change from `before` to `after` (both as read: cleaned here).
pub fn artifact(
    kind: Remediation,
    before: &Value,
    after: &Value,
    unified_diff: &str,
    path: &str,
) -> ApiResult<Artifact> {
    let (before, after) = (clean(before), clean(after));
    let mut patch = strategic_patch(&before, &after)
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    patch.remove("metadata");
    let mut metadata = json!({"name": after["metadata"]["name"]});
    if let Some(ns) = after["metadata"]["namespace"].as_str() {
        metadata["namespace"] = json!(ns);
    }
    let mut head = Map::new();
    head.insert("apiVersion".into(), after["apiVersion"].clone());
    head.insert("kind".into(), after["kind"].clone());
    head.insert("metadata".into(), metadata);
    head.extend(patch);
    let kind_name = after["kind"].as_str().unwrap_or_default();
    let base = format!(
        "{}-{}-{}.yaml",
        kind_name.to_ascii_lowercase(),
        after["metadata"]["name"].as_str().unwrap_or_default(),
        kind_word(kind).replace('_', "-"),
    );
    let file_name = match path {
        "" => base,
        p => format!("{p}/{base}"),
    };
    let mut kustomization = format!("patches:\n  - path: {file_name}\n    target:\n      kind: {kind_name}\n");
    kustomization.push_str(&format!(
        "      name: {}\n",
        after["metadata"]["name"].as_str().unwrap_or_default()
    ));
    if let Some(ns) = after["metadata"]["namespace"].as_str() {
        kustomization.push_str(&format!("      namespace: {ns}\n"));
    }
    Ok(Artifact {
        file_name,
        kustomize_patch: yaml(&Value::Object(head))?,
        unified_diff: unified_diff.to_string(),
        kustomization,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(limit: Option<&str>) -> Value {
        let mut c = json!({"name": "app", "image": "shop:2"});
        if let Some(l) = limit {
            c["resources"] = json!({"limits": {"memory": l, "cpu": "1"}});
        }
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api", "namespace": "shop", "resourceVersion": "7", "uid": "u1"},
            "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "api"}},
                "spec": {"containers": [c, {"name": "sidecar", "image": "envoy:1"}]}}},
            "status": {"replicas": 2}
        })
    }

    fn default_limit(limit: Option<&str>, rightsized: Option<i64>) -> ApiResult<String> {
        let c = memory_limit(&deployment(limit), "app", None, rightsized)?;
        Ok(c.params.memory.unwrap())
    }

    #[test]
    fn the_default_limit_is_half_again_rounded_up_to_mi() {
        assert_eq!(default_limit(Some("256Mi"), None).unwrap(), "384Mi");
        assert_eq!(default_limit(Some("1Gi"), None).unwrap(), "1536Mi");
        // 100 MB × 1.5 = 150,000,000 bytes = 143.05 Mi → 144Mi.
        assert_eq!(default_limit(Some("100M"), None).unwrap(), "144Mi");
        assert_eq!(default_limit(Some("1"), None).unwrap(), "1Mi");
        assert_eq!(default_limit(Some("x"), None).unwrap_err().code, "invalid_params");
    }

    #[test]
    fn the_rightsizing_sets_the_default_limit_only_above_the_current_one() {
        // Usage outgrew the limit (it was raised by hand and lowered since): 300 Mi + 1 byte.
        assert_eq!(
            default_limit(Some("256Mi"), Some(300 * 1024 * 1024 + 1)).unwrap(),
            "301Mi"
        );
        // At or below the limit the container was killed under, half again.
        assert_eq!(default_limit(Some("256Mi"), Some(256 * 1024 * 1024)).unwrap(), "384Mi");
        assert_eq!(default_limit(Some("256Mi"), Some(100 * 1024 * 1024)).unwrap(), "384Mi");
        // No limit: the recommendation; neither: the caller must say.
        assert_eq!(default_limit(None, Some(148 * 1024 * 1024)).unwrap(), "148Mi");
        assert_eq!(default_limit(None, None).unwrap_err().code, "invalid_params");
        assert_eq!(default_limit(None, Some(0)).unwrap_err().code, "invalid_params");
    }

    #[test]
    fn a_memory_limit_patch_touches_one_container() {
        let before = deployment(Some("256Mi"));
        let c = memory_limit(&before, "app", None, None).unwrap();
        assert_eq!(c.params.memory.as_deref(), Some("384Mi"));
        let after = c.after.unwrap();
        assert_eq!(
            after
                .pointer("/spec/template/spec/containers/0/resources/limits/memory")
                .unwrap(),
            "384Mi"
        );
        assert_eq!(
            after
                .pointer("/spec/template/spec/containers/0/resources/limits/cpu")
                .unwrap(),
            "1"
        );
        assert_eq!(
            after["spec"]["template"]["spec"]["containers"][1],
            before["spec"]["template"]["spec"]["containers"][1]
        );
        assert_eq!(
            c.patch.unwrap(),
            json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "resources": {"limits": {"memory": "384Mi"}}}]}}}})
        );
        let given = memory_limit(&before, "app", Some("1Gi"), None).unwrap();
        assert_eq!(given.params.memory.as_deref(), Some("1Gi"));
        assert_eq!(
            memory_limit(&before, "nope", None, None).unwrap_err().code,
            "remediation_not_applicable"
        );
        assert_eq!(
            memory_limit(&deployment(None), "app", None, None).unwrap_err().code,
            "invalid_params"
        );
        assert_eq!(
            memory_limit(&before, "app", Some("big"), None).unwrap_err().code,
            "invalid_params"
        );
    }

    #[test]
    fn set_resources_patches_only_what_it_names() {
        let before = deployment(Some("256Mi"));
        let wanted = ContainerResources {
            container: "app".into(),
            cpu_request: Some("250m".into()),
            memory_limit: Some("148Mi".into()),
            ..Default::default()
        };
        let c = set_resources(&before, Some(std::slice::from_ref(&wanted))).unwrap();
        assert_eq!(
            c.patch.unwrap(),
            json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "resources":
                {"requests": {"cpu": "250m"}, "limits": {"memory": "148Mi"}}}]}}}})
        );
        let after = c.after.unwrap();
        let resources = &after["spec"]["template"]["spec"]["containers"][0]["resources"];
        assert_eq!(
            (
                resources["limits"]["cpu"].as_str(),
                resources["limits"]["memory"].as_str()
            ),
            (Some("1"), Some("148Mi"))
        );
        assert_eq!(resources["requests"]["cpu"], "250m");
        assert_eq!(c.params.resources, Some(vec![wanted.clone()]));

        let code = |r: Option<&[ContainerResources]>| set_resources(&before, r).unwrap_err().code;
        assert_eq!(code(None), "invalid_params");
        assert_eq!(code(Some(&[])), "invalid_params");
        assert_eq!(code(Some(&[wanted.clone(), wanted.clone()])), "invalid_params");
        let named = |container: &str, cpu: &str| ContainerResources {
            container: container.into(),
            cpu_request: Some(cpu.into()),
            ..Default::default()
        };
        assert_eq!(code(Some(&[named("app", "lots")])), "invalid_params");
        assert_eq!(code(Some(&[named("app", "0")])), "invalid_params");
        assert_eq!(code(Some(&[named("nope", "1")])), "remediation_not_applicable");
        let nothing = ContainerResources {
            container: "app".into(),
            ..Default::default()
        };
        assert_eq!(code(Some(&[nothing])), "invalid_params");
    }

    #[test]
    fn scale_needs_its_replicas() {
        let c = scale(&deployment(None), Some(5)).unwrap();
        assert_eq!(c.after.unwrap()["spec"]["replicas"], 5);
        assert_eq!(scale(&deployment(None), None).unwrap_err().code, "invalid_params");
        assert_eq!(
            scale(&deployment(None), Some(10_001)).unwrap_err().code,
            "invalid_params"
        );
    }

    #[test]
    fn a_rollback_applies_its_json_patch() {
        let template = json!({"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "app", "image": "shop:1"}]}});
        let patch = json!([{"op": "replace", "path": "/spec/template", "value": template}]);
        let c = rollback(&deployment(None), 3, patch).unwrap();
        assert_eq!(c.params.revision, Some(3));
        assert_eq!(c.after.unwrap()["spec"]["template"], template);
    }

    #[test]
    fn the_diff_shows_only_the_change() {
        let before = deployment(Some("256Mi"));
        let after = memory_limit(&before, "app", None, None).unwrap().after.unwrap();
        let (b, a) = (yaml(&clean(&before)).unwrap(), yaml(&clean(&after)).unwrap());
        assert!(!b.contains("resourceVersion") && !b.contains("status"), "{b}");
        let d = diff(&b, &a, "Deployment shop/api");
        assert!(
            d.starts_with("--- Deployment shop/api (live)\n+++ Deployment shop/api (after)\n"),
            "{d}"
        );
        let changed: Vec<&str> = d.lines().skip(2).filter(|l| l.starts_with(['-', '+'])).collect();
        assert_eq!(
            changed,
            ["-            memory: 256Mi", "+            memory: 384Mi"],
            "{d}"
        );
    }

    #[test]
    fn a_strategic_patch_holds_the_changes_and_what_was_removed() {
        let before = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2], "gone": true});
        let after = json!({"a": 1, "b": {"c": 2, "d": 4}, "e": [1, 2, 3], "new": "x"});
        assert_eq!(
            strategic_patch(&before, &after).unwrap(),
            json!({"b": {"d": 4}, "e": [1, 2, 3], "new": "x", "gone": null})
        );
        assert_eq!(strategic_patch(&before, &before), None);
    }

    #[test]
    fn a_keyed_list_says_which_elements_go_at_every_depth() {
        let container =
            |env: Value, mounts: Value| json!({"name": "app", "image": "a:1", "env": env, "volumeMounts": mounts});
        let before = json!({"spec": {"containers": [
            container(json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]), json!([{"mountPath": "/d", "name": "d"}])),
            {"name": "sidecar", "image": "s:1"},
        ], "tolerations": [{"key": "x"}]}});
        let after = json!({"spec": {"containers": [
            container(json!([{"name": "A", "value": "1"}]), json!([])),
        ], "tolerations": []}});
        let patch = strategic_patch(&before, &after).unwrap();
        assert_eq!(
            patch,
            json!({"spec": {"containers": [
                container(json!([{"name": "A", "value": "1"}, {"name": "B", "$patch": "delete"}]),
                    json!([{"mountPath": "/d", "$patch": "delete"}])),
                {"name": "sidecar", "$patch": "delete"},
            ], "tolerations": []}})
        );
    }

    #[test]
    fn the_artifact_names_the_object_and_holds_only_the_change() {
        let before = deployment(Some("256Mi"));
        let after = memory_limit(&before, "app", None, None).unwrap().after.unwrap();
        let a = artifact(Remediation::PatchMemoryLimit, &before, &after, "diff", "apps/shop").unwrap();
        assert_eq!(a.file_name, "apps/shop/deployment-api-patch-memory-limit.yaml");
        let patch: Value = yaml_serde::from_str(&a.kustomize_patch).unwrap();
        assert_eq!(patch["apiVersion"], "apps/v1");
        assert_eq!(patch["kind"], "Deployment");
        assert_eq!(patch["metadata"], json!({"name": "api", "namespace": "shop"}));
        assert_eq!(
            patch["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"],
            "384Mi"
        );
        assert!(
            patch["spec"].get("replicas").is_none() && patch.get("status").is_none(),
            "{patch}"
        );
        assert!(
            a.kustomization
                .contains("- path: apps/shop/deployment-api-patch-memory-limit.yaml")
        );
        assert_eq!(a.unified_diff, "diff");
    }

    #[test]
    fn paths_stay_in_the_repository() {
        assert_eq!(check_path("").unwrap(), "");
        assert_eq!(check_path("clusters/prod/").unwrap(), "clusters/prod");
        for bad in ["/etc", "a/../b", "a//b", "a b", "./a"] {
            assert_eq!(check_path(bad).unwrap_err().code, "invalid_path", "{bad}");
        }
    }

    #[test]
    fn kinds_change_their_objects() {
        assert!(declarative(Remediation::Scale, "Deployment"));
        assert!(!declarative(Remediation::Drain, "Node"));
        assert!(!declarative(Remediation::DeletePod, "Pod"));
        assert!(!declarative(Remediation::Restart, "Pod"));
        assert!(computed_from_object(Remediation::PatchMemoryLimit));
        assert!(!computed_from_object(Remediation::Restart));
        assert_eq!(target_kind("Node").unwrap().resource, "nodes");
        let pod =
            json!({"metadata": {"ownerReferences": [{"kind": "ReplicaSet", "name": "api-1", "controller": true}]}});
        assert_eq!(controller(&pod), Some(("ReplicaSet".into(), "api-1".into())));
        assert_eq!(controller(&json!({"metadata": {}})), None);
    }
}
