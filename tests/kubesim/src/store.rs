//! The object store: JSON objects keyed by (group, resource, namespace, name),
//! one global resourceVersion counter, and a bounded history of changes for watches.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use base64::Engine as _;
use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};

use crate::crd;
use crate::discovery::{Registry, ResourceInfo};
use crate::patch;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::status::{ApiError, ApiResult, FieldError};

/// Live changes, for watches.
pub type ChangeReceiver = broadcast::Receiver<Arc<Change>>;

/// Where an object is kept. Not by version: every served version of a resource shows the
/// same objects, and a CRD's storage version may change under them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjKey {
    pub group: String,
    pub resource: String,
    pub namespace: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, kept in the history and broadcast to open watches.
#[derive(Debug, Clone)]
pub struct Change {
    pub rv: u64,
    pub group: String,
    pub resource: String,
    pub namespace: String,
    pub kind: EventType,
    pub object: Value,
    /// The object before a modification, so a watch can tell when it left a selector.
    pub previous: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Merge,
    Json,
    Strategic,
}

impl PatchType {
    pub fn from_content_type(ct: &str) -> ApiResult<Self> {
        let base = ct.split(';').next().unwrap_or_default().trim();
        match base {
            "application/merge-patch+json" => Ok(PatchType::Merge),
            "application/json-patch+json" => Ok(PatchType::Json),
            "application/strategic-merge-patch+json" => Ok(PatchType::Strategic),
            other => Err(ApiError::unsupported_media_type(other)),
        }
    }

    pub fn apply(self, target: &mut Value, patch: &Value) -> ApiResult<()> {
        match self {
            PatchType::Merge => patch::merge_patch(target, patch),
            PatchType::Strategic => patch::strategic_merge_patch(target, patch),
            PatchType::Json => patch::json_patch(target, patch)?,
        }
        Ok(())
    }
}

/// Which part of an object a write may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Everything but `.status` (for kinds with a status subresource).
    Main,
    /// Only `.status`.
    Status,
    /// Everything, `.status` included when given; without one the stored status stays.
    /// For fixtures, whose status is kept as `create_fixture` keeps it.
    All,
}

/// Options of a list call.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub labels: LabelSelector,
    pub fields: FieldSelector,
    pub limit: Option<usize>,
    pub continue_token: Option<String>,
}

pub struct Store {
    /// The served resources; CRDs written here change it.
    pub registry: Registry,
    /// While set (`dryRun=All`), writes are checked and answered but not kept.
    pub dry_run: bool,
    objects: BTreeMap<ObjKey, Value>,
    rv: u64,
    history: VecDeque<Arc<Change>>,
    history_limit: usize,
    /// Highest resourceVersion dropped from the history; older watches get 410.
    compacted_rv: u64,
    tx: broadcast::Sender<Arc<Change>>,
    /// Counts `compact` calls; each ends the watches open at the time.
    compactions: watch::Sender<u64>,
    uid_counter: u64,
}

fn key(r: &ResourceInfo, namespace: &str, name: &str) -> ObjKey {
    ObjKey {
        group: r.group.clone(),
        resource: r.resource.clone(),
        namespace: namespace.to_string(),
        name: name.to_string(),
    }
}

pub fn now_rfc3339() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn name_of(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or_default()
}

/// A stored object as a client of version `r` sees it (conversion strategy None).
pub fn present(r: &ResourceInfo, mut obj: Value) -> Value {
    obj["apiVersion"] = json!(r.api_version());
    obj
}

pub fn rv_of(obj: &Value) -> &str {
    obj["metadata"]["resourceVersion"].as_str().unwrap_or_default()
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ContinueToken {
    rv: u64,
    start: String,
}

impl Store {
    pub fn new(history_limit: usize) -> Self {
        let (tx, _) = broadcast::channel(4096);
        Self {
            registry: Registry::default(),
            dry_run: false,
            objects: BTreeMap::new(),
            rv: 0,
            history: VecDeque::new(),
            history_limit: history_limit.max(1),
            compacted_rv: 0,
            tx,
            compactions: watch::channel(0).0,
            uid_counter: 0,
        }
    }

    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    fn record(&mut self, r: &ResourceInfo, namespace: &str, kind: EventType, object: Value, previous: Option<Value>) {
        let change = Arc::new(Change {
            rv: self.rv,
            group: r.group.to_string(),
            resource: r.resource.to_string(),
            namespace: namespace.to_string(),
            kind,
            object,
            previous,
        });
        self.history.push_back(change.clone());
        while self.history.len() > self.history_limit {
            if let Some(old) = self.history.pop_front() {
                self.compacted_rv = old.rv;
            }
        }
        // No receivers is fine: nobody is watching.
        let _ = self.tx.send(change);
    }

    fn next_rv(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    fn check_namespace(&self, r: &ResourceInfo, namespace: &str) -> ApiResult<()> {
        if !r.namespaced {
            return Ok(());
        }
        if self.namespace_exists(namespace) {
            Ok(())
        } else {
            Err(ApiError::not_found("", "namespaces", namespace))
        }
    }

    pub fn namespace_exists(&self, namespace: &str) -> bool {
        self.objects.contains_key(&ObjKey {
            group: String::new(),
            resource: "namespaces".into(),
            namespace: String::new(),
            name: namespace.to_string(),
        })
    }

    pub fn create(&mut self, r: &ResourceInfo, namespace: &str, obj: Value) -> ApiResult<Value> {
        self.create_inner(r, namespace, obj, false)
    }

    /// Like `create`, but keeps a given uid so fixtures' ownerReferences and events line up.
    pub fn create_fixture(&mut self, r: &ResourceInfo, namespace: &str, obj: Value) -> ApiResult<Value> {
        self.create_inner(r, namespace, obj, true)
    }

    fn create_inner(&mut self, r: &ResourceInfo, namespace: &str, mut obj: Value, keep_uid: bool) -> ApiResult<Value> {
        if !obj.is_object() {
            return Err(ApiError::bad_request("the body must be a JSON object"));
        }
        if !obj["metadata"].is_object() {
            obj["metadata"] = json!({});
        }
        let meta_ns = obj["metadata"]["namespace"].as_str().unwrap_or_default().to_string();
        if r.namespaced && !meta_ns.is_empty() && meta_ns != namespace {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        let mut name = name_of(&obj).to_string();
        if name.is_empty() {
            match obj["metadata"]["generateName"].as_str() {
                Some(prefix) => {
                    self.uid_counter += 1;
                    name = format!("{prefix}{}", short_suffix(self.uid_counter + self.rv * 7919));
                }
                None => {
                    return Err(ApiError::invalid(
                        &r.kind,
                        "",
                        "metadata.name: Required value: name or generateName is required",
                    ));
                }
            }
        }
        self.check_namespace(r, namespace)?;
        let k = key(r, namespace, &name);
        if self.objects.contains_key(&k) {
            return Err(ApiError::already_exists(&r.group, &r.resource, &name));
        }
        let meta = obj["metadata"].as_object_mut().expect("metadata is an object");
        meta.insert("name".into(), json!(name));
        if r.namespaced {
            meta.insert("namespace".into(), json!(namespace));
        } else {
            meta.remove("namespace");
        }
        if !(keep_uid && meta.get("uid").is_some_and(Value::is_string)) {
            meta.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
        }
        meta.insert("generation".into(), json!(1));
        // Fixtures may carry an age; keep it so AGE columns look realistic.
        if !meta.get("creationTimestamp").is_some_and(Value::is_string) {
            meta.insert("creationTimestamp".into(), json!(now_rfc3339()));
        }
        obj["apiVersion"] = json!(r.storage_api_version());
        obj["kind"] = json!(r.kind);
        if r.resource == "namespaces" && obj["status"]["phase"].is_null() {
            obj["status"] = json!({"phase": "Active"});
        }
        crate::defaults::apply(r, &mut obj, None, || self.all_objects())?;
        let defined = crd::is_crd(r).then(|| crd::establish(&mut obj)).transpose()?;
        if self.dry_run {
            // As the apiserver answers a dry-run create: no resourceVersion.
            return Ok(present(r, obj));
        }
        let rv = self.next_rv();
        obj["metadata"]["resourceVersion"] = json!(rv.to_string());
        self.objects.insert(k, obj.clone());
        self.record(r, namespace, EventType::Added, obj.clone(), None);
        if let Some(resources) = defined {
            self.registry.set_custom(&name, resources);
        }
        Ok(present(r, obj))
    }

    /// Like `update`, for fixtures: a resourceVersion in one is no precondition (it was
    /// not counted by this store), and a status it gives is written.
    pub fn update_fixture(
        &mut self,
        r: &ResourceInfo,
        namespace: &str,
        name: &str,
        mut obj: Value,
    ) -> ApiResult<Value> {
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("resourceVersion");
        }
        self.update(r, namespace, name, obj, Part::All)
    }

    /// A stored object's uid, without copying the object.
    pub fn uid_of(&self, r: &ResourceInfo, namespace: &str, name: &str) -> Option<&Value> {
        self.objects
            .get(&key(r, namespace, name))
            .map(|o| &o["metadata"]["uid"])
    }

    pub fn get(&self, r: &ResourceInfo, namespace: &str, name: &str) -> ApiResult<Value> {
        self.objects
            .get(&key(r, namespace, name))
            .cloned()
            .map(|o| present(r, o))
            .ok_or_else(|| ApiError::not_found(&r.group, &r.resource, name))
    }

    /// Replaces an object (PUT), enforcing optimistic concurrency on resourceVersion.
    pub fn update(
        &mut self,
        r: &ResourceInfo,
        namespace: &str,
        name: &str,
        mut obj: Value,
        part: Part,
    ) -> ApiResult<Value> {
        let k = key(r, namespace, name);
        let old = self
            .objects
            .get(&k)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&r.group, &r.resource, name))?;
        if !obj.is_object() {
            return Err(ApiError::bad_request("the body must be a JSON object"));
        }
        let body_name = name_of(&obj);
        if !body_name.is_empty() && body_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        let body_rv = rv_of(&obj);
        if !body_rv.is_empty() && body_rv != rv_of(&old) {
            return Err(ApiError::conflict(&r.group, &r.resource, name));
        }
        let mut new = match part {
            Part::Status => {
                let mut n = old.clone();
                n["status"] = obj["status"].take();
                // Field ownership is written through the status subresource too.
                match obj["metadata"].get("managedFields") {
                    Some(m) => n["metadata"]["managedFields"] = m.clone(),
                    None => {
                        if let Some(m) = n["metadata"].as_object_mut() {
                            m.remove("managedFields");
                        }
                    }
                }
                n
            }
            Part::Main | Part::All => {
                if r.has_status && (part == Part::Main || obj.get("status").is_none()) {
                    // Main writes cannot touch status (All can, by giving one); an object
                    // without one stays without.
                    match old.get("status") {
                        Some(st) => obj["status"] = st.clone(),
                        None => {
                            if let Some(m) = obj.as_object_mut() {
                                m.remove("status");
                            }
                        }
                    }
                }
                if !obj["metadata"].is_object() {
                    obj["metadata"] = json!({});
                }
                // A uid may be left out, not changed (the apiserver's metadata validation).
                let uid = &obj["metadata"]["uid"];
                if uid.as_str().is_some_and(|u| !u.is_empty()) && *uid != old["metadata"]["uid"] {
                    let error = FieldError::invalid("metadata.uid", uid, "field is immutable");
                    return Err(ApiError::invalid_fields(&r.group, &r.kind, name, &[error]));
                }
                // Fields the server owns survive any client write.
                for f in ["uid", "creationTimestamp", "generation", "deletionTimestamp"] {
                    match old["metadata"].get(f) {
                        Some(v) => obj["metadata"][f] = v.clone(),
                        None => {
                            if let Some(m) = obj["metadata"].as_object_mut() {
                                m.remove(f);
                            }
                        }
                    }
                }
                obj
            }
        };
        new["metadata"]["name"] = json!(name);
        if r.namespaced {
            new["metadata"]["namespace"] = json!(namespace);
        }
        new["apiVersion"] = json!(r.storage_api_version());
        new["kind"] = json!(r.kind);
        if part != Part::Status {
            crate::defaults::apply(r, &mut new, Some(&old), || self.all_objects())?;
        }
        if new["spec"] != old["spec"] {
            let g = old["metadata"]["generation"].as_i64().unwrap_or(1);
            new["metadata"]["generation"] = json!(g + 1);
        }
        let defined = crd::is_crd(r).then(|| crd::establish(&mut new)).transpose()?;
        if new == old_with_rv(&old, &new) {
            // A no-op write keeps its resourceVersion and emits no event, as the apiserver does.
            return Ok(present(r, old));
        }
        if self.dry_run {
            return Ok(present(r, new));
        }
        let rv = self.next_rv();
        new["metadata"]["resourceVersion"] = json!(rv.to_string());
        self.objects.insert(k, new.clone());
        self.record(r, namespace, EventType::Modified, new.clone(), Some(old));
        if let Some(resources) = defined {
            self.registry.set_custom(name, resources);
        }
        Ok(present(r, new))
    }

    /// Patches an object; `track` sees the stored and the patched object before the write.
    #[allow(clippy::too_many_arguments)]
    pub fn patch(
        &mut self,
        r: &ResourceInfo,
        namespace: &str,
        name: &str,
        patch_type: PatchType,
        patch_body: &Value,
        part: Part,
        track: impl FnOnce(&Value, &mut Value) -> ApiResult<()>,
    ) -> ApiResult<Value> {
        let old = self.get(r, namespace, name)?;
        let mut obj = old.clone();
        let current_rv = rv_of(&obj).to_string();
        patch_type.apply(&mut obj, patch_body)?;
        track(&old, &mut obj)?;
        // A resourceVersion in the patch is a precondition; otherwise patches never conflict.
        if rv_of(&obj) != current_rv && !rv_of(&obj).is_empty() {
            return Err(ApiError::conflict(&r.group, &r.resource, name));
        }
        obj["metadata"]["resourceVersion"] = json!(current_rv);
        self.update(r, namespace, name, obj, part)
    }

    pub fn delete(&mut self, r: &ResourceInfo, namespace: &str, name: &str) -> ApiResult<Value> {
        let k = key(r, namespace, name);
        if self.dry_run {
            return self.get(r, namespace, name);
        }
        let mut old = self
            .objects
            .remove(&k)
            .ok_or_else(|| ApiError::not_found(&r.group, &r.resource, name))?;
        let rv = self.next_rv();
        old["metadata"]["resourceVersion"] = json!(rv.to_string());
        self.record(r, namespace, EventType::Deleted, old.clone(), None);
        // No namespace controller or garbage collector runs here: contents go at once.
        let contents: Vec<ObjKey> = if r.resource == "namespaces" {
            self.objects.keys().filter(|k| k.namespace == name).cloned().collect()
        } else if crd::is_crd(r) {
            let group = old["spec"]["group"].as_str().unwrap_or_default();
            let plural = old["spec"]["names"]["plural"].as_str().unwrap_or_default();
            self.objects
                .keys()
                .filter(|k| k.group == group && k.resource == plural)
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        for k in contents {
            if let Some(info) = self.registry.find_resource(&k.group, &k.resource) {
                let _ = self.delete(&info, &k.namespace, &k.name);
            }
        }
        if crd::is_crd(r) {
            self.registry.set_custom(name, Vec::new());
        }
        Ok(present(r, old))
    }

    /// Objects of one resource, in one namespace or all (None), filtered and sorted by key.
    pub fn select(
        &self,
        r: &ResourceInfo,
        namespace: Option<&str>,
        labels: &LabelSelector,
        fields: &FieldSelector,
    ) -> Vec<(&ObjKey, &Value)> {
        // Keys sort by resource then namespace, so one range scan covers exactly the candidates.
        let start = key(r, namespace.unwrap_or_default(), "");
        self.objects
            .range(start..)
            .take_while(|(k, _)| k.group == r.group && k.resource == r.resource)
            .take_while(|(k, _)| namespace.is_none_or(|ns| k.namespace == ns))
            .filter(|(_, v)| labels.matches(v) && fields.matches(v))
            .collect()
    }

    pub fn list(&self, r: &ResourceInfo, namespace: Option<&str>, opts: &ListOptions) -> ApiResult<Value> {
        let mut items = self.select(r, namespace, &opts.labels, &opts.fields);
        let mut list_rv = self.rv;
        if let Some(token) = opts.continue_token.as_deref().filter(|t| !t.is_empty()) {
            let t = decode_continue(token)?;
            list_rv = t.rv;
            items.retain(|(k, _)| format!("{}/{}", k.namespace, k.name) > t.start);
        }
        let mut metadata = json!({"resourceVersion": list_rv.to_string()});
        if let Some(limit) = opts.limit.filter(|l| *l > 0)
            && items.len() > limit
        {
            let remaining = items.len() - limit;
            items.truncate(limit);
            let last = items.last().expect("limit > 0").0;
            metadata["continue"] = json!(encode_continue(&ContinueToken {
                rv: list_rv,
                start: format!("{}/{}", last.namespace, last.name),
            }));
            metadata["remainingItemCount"] = json!(remaining);
        }
        Ok(json!({
            "kind": format!("{}List", r.kind),
            "apiVersion": r.api_version(),
            "metadata": metadata,
            "items": items.into_iter().map(|(_, v)| present(r, v.clone())).collect::<Vec<_>>(),
        }))
    }

    /// Changes after `rv` still in the history, plus a receiver for the ones to come.
    /// Both are taken under the same lock so nothing falls between them.
    pub fn changes_since(&self, rv: u64) -> ApiResult<(Vec<Arc<Change>>, ChangeReceiver)> {
        if rv < self.compacted_rv {
            return Err(self.too_old(rv));
        }
        let past = self.history.iter().filter(|c| c.rv > rv).cloned().collect();
        Ok((past, self.tx.subscribe()))
    }

    /// The 410 for a watch from `rv`, which the history no longer reaches.
    pub fn too_old(&self, rv: u64) -> ApiError {
        ApiError::expired(format!("too old resource version: {rv} ({})", self.compacted_rv + 1))
    }

    /// Forgets every change so far, as etcd compaction does: watches can resume only
    /// from the current resourceVersion, and the open ones end.
    pub fn compact(&mut self) {
        self.history.clear();
        self.compacted_rv = self.rv;
        self.compactions.send_modify(|n| *n += 1);
    }

    /// Tells of `compact` calls from now on.
    pub fn compactions(&self) -> watch::Receiver<u64> {
        self.compactions.subscribe()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.tx.subscribe()
    }

    pub fn all_objects(&self) -> impl Iterator<Item = &Value> {
        self.objects.values()
    }
}

/// `old` with `new`'s resourceVersion (none for an unconditional update), to compare
/// everything else.
fn old_with_rv(old: &Value, new: &Value) -> Value {
    let mut o = old.clone();
    match new["metadata"].get("resourceVersion") {
        Some(rv) => o["metadata"]["resourceVersion"] = rv.clone(),
        None => {
            if let Some(m) = o["metadata"].as_object_mut() {
                m.remove("resourceVersion");
            }
        }
    }
    o
}

fn encode_continue(t: &ContinueToken) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(t).expect("serializable"))
}

fn decode_continue(s: &str) -> ApiResult<ContinueToken> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| ApiError::bad_request("continue key is not valid"))
}

/// Five characters from the alphabet the apiserver uses for generateName.
pub fn short_suffix(mut n: u64) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    n = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..5)
        .map(|_| {
            let c = ALPHABET[(n % ALPHABET.len() as u64) as usize] as char;
            n /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::find;

    fn store_with_ns() -> Store {
        let mut s = Store::new(100);
        s.create(
            find("", "v1", "namespaces").unwrap(),
            "",
            json!({"metadata": {"name": "a"}}),
        )
        .unwrap();
        s
    }

    #[test]
    fn custom_resources_outlive_a_change_of_storage_version() {
        let crds = find("apiextensions.k8s.io", "v1", "customresourcedefinitions").unwrap();
        let mut s = store_with_ns();
        let version = |name: &str, storage: bool| {
            json!({"name": name, "served": true, "storage": storage,
                   "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}})
        };
        let mut crd = json!({
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                     "names": {"plural": "widgets", "kind": "Widget"}, "versions": [version("v1", true)]}
        });
        s.create(crds, "", crd.clone()).unwrap();
        let v1 = s.registry.find("example.com", "v1", "widgets").unwrap();
        s.create(&v1, "a", json!({"metadata": {"name": "w"}, "spec": {"size": 1}}))
            .unwrap();

        crd["spec"]["versions"] = json!([version("v1", false), version("v2", true)]);
        s.update(crds, "", "widgets.example.com", crd, Part::Main).unwrap();
        let v2 = s.registry.find("example.com", "v2", "widgets").unwrap();
        let w = s.get(&v2, "a", "w").unwrap();
        assert_eq!(
            (w["apiVersion"].as_str(), &w["spec"]["size"]),
            (Some("example.com/v2"), &json!(1))
        );
        assert_eq!(s.get(&v1, "a", "w").unwrap()["apiVersion"], "example.com/v1");
        let stored = s.get(crds, "", "widgets.example.com").unwrap();
        assert_eq!(stored["status"]["storedVersions"], json!(["v1", "v2"]));

        s.delete(crds, "", "widgets.example.com").unwrap();
        assert!(s.registry.find("example.com", "v2", "widgets").is_none());
        assert_eq!(
            s.select(&v2, None, &LabelSelector::default(), &FieldSelector::default())
                .len(),
            0
        );
    }

    #[test]
    fn create_get_conflict_and_stale_update() {
        let pods = find("", "v1", "pods").unwrap();
        let mut s = store_with_ns();
        let p = s
            .create(pods, "a", json!({"metadata": {"name": "p"}, "spec": {"x": 1}}))
            .unwrap();
        assert_eq!(p["metadata"]["generation"], 1);
        assert_eq!(p["kind"], "Pod");
        assert!(p["metadata"]["uid"].is_string());
        let err = s.create(pods, "a", json!({"metadata": {"name": "p"}})).unwrap_err();
        assert_eq!(err.reason, "AlreadyExists");
        assert_eq!(s.get(pods, "a", "q").unwrap_err().code, 404);
        assert_eq!(
            s.create(pods, "nope", json!({"metadata": {"name": "p"}}))
                .unwrap_err()
                .code,
            404
        );

        let mut upd = p.clone();
        upd["spec"]["x"] = json!(2);
        let u = s.update(pods, "a", "p", upd.clone(), Part::Main).unwrap();
        assert_eq!(u["metadata"]["generation"], 2);
        assert!(rv_of(&u).parse::<u64>().unwrap() > rv_of(&p).parse::<u64>().unwrap());
        let err = s.update(pods, "a", "p", upd, Part::Main).unwrap_err();
        assert_eq!(err.reason, "Conflict");
    }

    #[test]
    fn status_is_separate_from_main_writes() {
        let pods = find("", "v1", "pods").unwrap();
        let mut s = store_with_ns();
        s.create(
            pods,
            "a",
            json!({"metadata": {"name": "p"}, "status": {"phase": "Pending"}}),
        )
        .unwrap();
        let p = s
            .patch(
                pods,
                "a",
                "p",
                PatchType::Merge,
                &json!({"status": {"phase": "Running"}}),
                Part::Main,
                |_, _| Ok(()),
            )
            .unwrap();
        assert_eq!(p["status"]["phase"], "Pending");
        let p = s
            .patch(
                pods,
                "a",
                "p",
                PatchType::Merge,
                &json!({"status": {"phase": "Running"}}),
                Part::Status,
                |_, _| Ok(()),
            )
            .unwrap();
        assert_eq!(p["status"]["phase"], "Running");
    }

    #[test]
    fn fixture_updates_replace_what_they_give_and_keep_what_the_server_owns() {
        let pods = find("", "v1", "pods").unwrap();
        let mut s = store_with_ns();
        let created = s
            .create_fixture(
                pods,
                "a",
                json!({"metadata": {"name": "p", "uid": "u-1", "labels": {"x": "1"}, "creationTimestamp": "2026-01-01T00:00:00Z"},
                       "spec": {"containers": [{"name": "c", "image": "i:1"}]}, "status": {"phase": "Running"}}),
            )
            .unwrap();
        // No status: the stored one stays. A stale resourceVersion is no precondition.
        let fixture = json!({"metadata": {"name": "p", "labels": {"y": "2"}, "resourceVersion": "999"},
                             "spec": {"containers": [{"name": "c", "image": "i:2"}]}});
        let updated = s.update_fixture(pods, "a", "p", fixture.clone()).unwrap();
        let meta = &updated["metadata"];
        assert_eq!(meta["labels"], json!({"y": "2"}));
        assert_eq!(
            (&meta["uid"], &meta["creationTimestamp"]),
            (&json!("u-1"), &json!("2026-01-01T00:00:00Z"))
        );
        assert_eq!(meta["generation"], 2);
        assert_eq!(updated["spec"]["containers"][0]["image"], "i:2");
        assert_eq!(updated["status"]["phase"], "Running");
        assert_ne!(rv_of(&updated), rv_of(&created));
        // The same fixture again changes nothing, not even the resourceVersion.
        assert_eq!(s.update_fixture(pods, "a", "p", fixture.clone()).unwrap(), updated);
        // A status given is written.
        let mut with_status = fixture.clone();
        with_status["status"] = json!({"phase": "Succeeded"});
        let p = s.update_fixture(pods, "a", "p", with_status).unwrap();
        assert_eq!(p["status"]["phase"], "Succeeded");
        // The uid may be left out or repeated, not changed.
        let mut other_uid = fixture;
        other_uid["metadata"]["uid"] = json!("u-2");
        let err = s.update_fixture(pods, "a", "p", other_uid).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                422,
                "Pod \"p\" is invalid: metadata.uid: Invalid value: \"u-2\": field is immutable"
            )
        );
    }

    #[test]
    fn list_pages_with_continue() {
        let cms = find("", "v1", "configmaps").unwrap();
        let mut s = store_with_ns();
        for i in 0..5 {
            s.create(cms, "a", json!({"metadata": {"name": format!("c{i}")}}))
                .unwrap();
        }
        let mut names = Vec::new();
        let mut opts = ListOptions {
            limit: Some(2),
            ..Default::default()
        };
        loop {
            let page = s.list(cms, Some("a"), &opts).unwrap();
            for it in page["items"].as_array().unwrap() {
                names.push(it["metadata"]["name"].as_str().unwrap().to_string());
            }
            match page["metadata"]["continue"].as_str() {
                Some(c) => opts.continue_token = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(names, ["c0", "c1", "c2", "c3", "c4"]);
    }

    #[test]
    fn history_window_expires_old_versions() {
        let cms = find("", "v1", "configmaps").unwrap();
        let mut s = Store::new(2);
        s.create(
            find("", "v1", "namespaces").unwrap(),
            "",
            json!({"metadata": {"name": "a"}}),
        )
        .unwrap();
        for i in 0..4 {
            s.create(cms, "a", json!({"metadata": {"name": format!("c{i}")}}))
                .unwrap();
        }
        assert_eq!(s.changes_since(1).unwrap_err().code, 410);
        assert_eq!(s.changes_since(3).unwrap().0.len(), 2);

        s.compact();
        let err = s.changes_since(4).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (410, "too old resource version: 4 (6)")
        );
        assert!(s.changes_since(5).unwrap().0.is_empty());
    }

    #[test]
    fn deleting_a_namespace_deletes_its_objects() {
        let cms = find("", "v1", "configmaps").unwrap();
        let mut s = store_with_ns();
        s.create(cms, "a", json!({"metadata": {"name": "c"}})).unwrap();
        s.delete(find("", "v1", "namespaces").unwrap(), "", "a").unwrap();
        assert_eq!(s.get(cms, "a", "c").unwrap_err().code, 404);
    }
}
