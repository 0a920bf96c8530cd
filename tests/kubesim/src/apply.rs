//! Field management: who set which field (`metadata.managedFields`, FieldsV1), server-side
//! apply with its conflicts, and the ownership an ordinary write takes.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::patch;
use crate::status::ApiError;

/// One step of a field path: an object field, a list item by its key fields (`k:`), or a
/// set member (`v:`, kept as read).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Field(String),
    /// The key fields as a JSON object, e.g. `{"name":"web"}`.
    Key(String),
    Value(String),
}

impl Step {
    /// The key of this step in FieldsV1 (`f:name`, `k:{"name":"web"}`, `v:"a"`).
    fn fields_v1_key(&self) -> String {
        match self {
            Step::Field(f) => format!("f:{f}"),
            Step::Key(k) => format!("k:{k}"),
            Step::Value(v) => format!("v:{v}"),
        }
    }
}

pub type Path = Vec<Step>;
pub type FieldSet = BTreeSet<Path>;

/// Which part of an object a write addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The object; `status` is left out when it has a status subresource.
    Main { has_status: bool },
    /// Only `status` (the status subresource).
    Status,
}

/// Metadata the server owns; nobody manages it.
const SERVER_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
];

fn in_scope(path: &Path, scope: Scope) -> bool {
    let field = |i: usize| match path.get(i) {
        Some(Step::Field(f)) => Some(f.as_str()),
        _ => None,
    };
    match (field(0), scope) {
        (Some("apiVersion" | "kind"), _) => false,
        (Some("metadata"), Scope::Main { .. }) => field(1).is_some_and(|f| !SERVER_METADATA.contains(&f)),
        (Some("status"), Scope::Main { has_status }) => !has_status,
        (_, Scope::Main { .. }) => true,
        (Some("status"), Scope::Status) => path.len() > 1,
        (_, Scope::Status) => false,
    }
}

/// The list items of `field` that are identified by key, if the list is associative.
fn item_key(field: &str, item: &Value) -> Option<String> {
    let key = patch::merge_key(field)?;
    let value = item.get(key)?;
    Some(json!({ key: value }).to_string())
}

fn collect(value: &Value, path: &mut Path, out: &mut FieldSet) {
    let Value::Object(map) = value else {
        out.insert(path.clone());
        return;
    };
    if map.is_empty() && !path.is_empty() {
        out.insert(path.clone());
    }
    for (k, v) in map {
        path.push(Step::Field(k.clone()));
        match v {
            Value::Array(items) if !items.is_empty() && items.iter().all(|i| item_key(k, i).is_some()) => {
                for item in items {
                    path.push(Step::Key(item_key(k, item).expect("checked above")));
                    out.insert(path.clone());
                    collect(item, path, out);
                    path.pop();
                }
            }
            Value::Object(_) => collect(v, path, out),
            // Scalars and atomic lists are leaves.
            _ => {
                out.insert(path.clone());
            }
        }
        path.pop();
    }
}

/// The fields an object sets, within `scope`.
pub fn fields_of(obj: &Value, scope: Scope) -> FieldSet {
    let mut out = FieldSet::new();
    collect(obj, &mut Vec::new(), &mut out);
    out.retain(|p| in_scope(p, scope));
    out
}

/// Whether a set's item is the member a `v:` step names (by its JSON text).
fn is_member(item: &Value, v: &str) -> bool {
    serde_json::from_str::<Value>(v).is_ok_and(|m| m == *item)
}

/// The value at a path, if the object has it.
pub fn get<'a>(obj: &'a Value, path: &[Step]) -> Option<&'a Value> {
    let mut cur = obj;
    let mut list_field = "";
    for step in path {
        cur = match step {
            Step::Field(f) => {
                list_field = f;
                cur.get(f)?
            }
            Step::Key(k) => cur
                .as_array()?
                .iter()
                .find(|i| item_key(list_field, i).as_deref() == Some(k))?,
            Step::Value(v) => cur.as_array()?.iter().find(|i| is_member(i, v))?,
        };
    }
    Some(cur)
}

/// Removes the field or list item at a path.
fn remove(obj: &mut Value, path: &[Step]) {
    let Some((last, parent_path)) = path.split_last() else {
        return;
    };
    let list_field = match parent_path.last() {
        Some(Step::Field(f)) => f.clone(),
        _ => String::new(),
    };
    let mut parent = obj;
    for (i, step) in parent_path.iter().enumerate() {
        let field = match i.checked_sub(1).map(|j| &parent_path[j]) {
            Some(Step::Field(f)) => f.clone(),
            _ => String::new(),
        };
        let next = match step {
            Step::Field(f) => parent.get_mut(f),
            Step::Key(k) => parent
                .as_array_mut()
                .and_then(|a| a.iter_mut().find(|it| item_key(&field, it).as_deref() == Some(k))),
            Step::Value(v) => parent
                .as_array_mut()
                .and_then(|a| a.iter_mut().find(|it| is_member(it, v))),
        };
        let Some(next) = next else { return };
        parent = next;
    }
    match last {
        Step::Field(f) => {
            if let Some(m) = parent.as_object_mut() {
                m.remove(f);
            }
        }
        Step::Key(k) => {
            if let Some(a) = parent.as_array_mut() {
                a.retain(|it| item_key(&list_field, it).as_deref() != Some(k));
            }
        }
        Step::Value(v) => {
            if let Some(a) = parent.as_array_mut() {
                a.retain(|it| !is_member(it, v));
            }
        }
    }
}

/// FieldsV1: `{"f:spec":{"f:replicas":{}}}`, with `".": {}` on nodes that are owned themselves.
pub fn encode(set: &FieldSet) -> Value {
    let mut root = Map::new();
    for path in set {
        let mut node = &mut root;
        for step in path {
            let key = step.fields_v1_key();
            node = node
                .entry(key)
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("nodes are objects");
        }
    }
    // A path that is also a prefix of another gets ".".
    for path in set {
        let has_children = set
            .range(path.clone()..)
            .nth(1)
            .is_some_and(|next| next.starts_with(path));
        if has_children && !path.is_empty() {
            let mut node = &mut root;
            for step in path {
                node = node
                    .get_mut(&step.fields_v1_key())
                    .and_then(Value::as_object_mut)
                    .expect("inserted above");
            }
            node.insert(".".into(), json!({}));
        }
    }
    Value::Object(root)
}

pub fn decode(fields: &Value) -> FieldSet {
    fn walk(node: &Value, path: &mut Path, out: &mut FieldSet) {
        let Some(map) = node.as_object() else { return };
        if (map.is_empty() || map.contains_key(".")) && !path.is_empty() {
            out.insert(path.clone());
        }
        for (k, v) in map {
            let step = if let Some(f) = k.strip_prefix("f:") {
                Step::Field(f.into())
            } else if let Some(key) = k.strip_prefix("k:") {
                // Canonical form, so it compares equal to keys taken from objects.
                Step::Key(
                    serde_json::from_str::<Value>(key)
                        .map(|v| v.to_string())
                        .unwrap_or(key.into()),
                )
            } else if let Some(val) = k.strip_prefix("v:") {
                Step::Value(val.into())
            } else {
                continue;
            };
            path.push(step);
            walk(v, path, out);
            path.pop();
        }
    }
    let mut out = FieldSet::new();
    walk(fields, &mut Vec::new(), &mut out);
    out
}

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Managed {
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    pub api_version: String,
    pub time: String,
    pub subresource: String,
    pub fields: FieldSet,
}

impl Managed {
    fn same_owner(&self, manager: &str, operation: &str, subresource: &str) -> bool {
        self.manager == manager && self.operation == operation && self.subresource == subresource
    }

    /// How the apiserver names this manager in conflict messages.
    fn describe(&self) -> String {
        let mut s = format!("{:?}", self.manager);
        if !self.subresource.is_empty() {
            s.push_str(&format!(" with subresource {:?}", self.subresource));
        }
        if self.operation == "Update" {
            s.push_str(&format!(" using {} at {}", self.api_version, self.time));
        }
        s
    }
}

pub fn managed_of(obj: &Value) -> Vec<Managed> {
    let s = |e: &Value, k: &str| e[k].as_str().unwrap_or_default().to_string();
    obj["metadata"]["managedFields"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| Managed {
                    manager: s(e, "manager"),
                    operation: s(e, "operation"),
                    api_version: s(e, "apiVersion"),
                    time: s(e, "time"),
                    subresource: s(e, "subresource"),
                    fields: decode(&e["fieldsV1"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn set_managed(obj: &mut Value, mut entries: Vec<Managed>) {
    entries.retain(|e| !e.fields.is_empty());
    let list: Vec<Value> = entries
        .iter()
        .map(|e| {
            let mut v = json!({
                "manager": e.manager,
                "operation": e.operation,
                "apiVersion": e.api_version,
                "time": e.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": encode(&e.fields),
            });
            if !e.subresource.is_empty() {
                v["subresource"] = json!(e.subresource);
            }
            v
        })
        .collect();
    if list.is_empty() {
        if let Some(m) = obj["metadata"].as_object_mut() {
            m.remove("managedFields");
        }
    } else {
        obj["metadata"]["managedFields"] = json!(list);
    }
}

fn without_managed(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o["metadata"].as_object_mut() {
        m.remove("managedFields");
    }
    o
}

/// Who is writing, and how the write is described in `managedFields`.
#[derive(Debug, Clone)]
pub struct Writer {
    pub manager: String,
    pub api_version: String,
    /// "" for the object itself, else `status` or `scale`.
    pub subresource: String,
    pub scope: Scope,
    pub now: String,
}

/// An ordinary write (create, update, patch): the writer takes the fields it changed
/// from whoever had them; fields the object no longer has are nobody's.
pub fn track_update(old: Option<&Value>, new: &mut Value, w: &Writer) {
    let mut entries = old.map(managed_of).unwrap_or_default();
    let now_set = fields_of(new, w.scope);
    let changed: FieldSet = now_set
        .iter()
        .filter(|p| old.and_then(|o| get(o, p)) != get(new, p))
        .cloned()
        .collect();
    let in_scope = |p: &Path| in_scope(p, w.scope);
    for e in &mut entries {
        e.fields
            .retain(|p| !in_scope(p) || (now_set.contains(p) && !changed.contains(p)));
    }
    // Update entries are kept per apiVersion too, as the apiserver keeps them.
    match entries
        .iter_mut()
        .find(|e| e.same_owner(&w.manager, "Update", &w.subresource) && e.api_version == w.api_version)
    {
        // A write that changed nothing leaves the entry (and so the object) as it was.
        Some(e) if !changed.is_empty() => {
            e.fields.extend(changed);
            e.time = w.now.clone();
        }
        Some(_) => {}
        None if !changed.is_empty() => entries.push(Managed {
            manager: w.manager.clone(),
            operation: "Update".into(),
            api_version: w.api_version.clone(),
            time: w.now.clone(),
            subresource: w.subresource.clone(),
            fields: changed,
        }),
        None => {}
    }
    set_managed(new, entries);
}

/// A field another manager owns with a different value.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// As the apiserver prints it: `"kubectl"` or `"x" using apps/v1 at <time>`.
    pub manager: String,
    pub path: Path,
}

/// `.spec.template.spec.containers[name="web"].image`, as fieldpath prints paths.
pub fn path_string(path: &[Step]) -> String {
    let mut s = String::new();
    for step in path {
        match step {
            Step::Field(f) => {
                s.push('.');
                s.push_str(f);
            }
            Step::Key(k) => {
                let keys: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
                let parts: Vec<String> = keys.iter().map(|(k, v)| format!("{k}={v}")).collect();
                s.push_str(&format!("[{}]", parts.join(",")));
            }
            Step::Value(v) => s.push_str(&format!("[={v}]")),
        }
    }
    s
}

/// The apiserver's 409 for apply conflicts.
pub fn conflict_error(conflicts: &[Conflict]) -> ApiError {
    let message = match conflicts {
        [c] => format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            c.manager,
            path_string(&c.path)
        ),
        _ => {
            let mut managers: Vec<&str> = conflicts.iter().map(|c| c.manager.as_str()).collect();
            managers.dedup();
            let mut lines = Vec::new();
            for m in managers {
                lines.push(format!("conflicts with {m}:"));
                for c in conflicts.iter().filter(|c| c.manager == m) {
                    lines.push(format!("- {}", path_string(&c.path)));
                }
            }
            format!("Apply failed with {} conflicts: {}", conflicts.len(), lines.join("\n"))
        }
    };
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|c| {
            json!({"reason": "FieldManagerConflict", "message": format!("conflict with {}", c.manager),
                   "field": path_string(&c.path)})
        })
        .collect();
    ApiError::new(409, "Conflict", message).with_details(json!({"causes": causes}))
}

/// Server-side apply: merges `config` into `live` (None: creates), checks conflicts with
/// other managers (taking their fields when `force`), removes fields this manager applied
/// before but no longer does (unless someone else owns them), and records ownership.
pub fn apply(live: Option<&Value>, config: &Value, w: &Writer, force: bool) -> Result<Value, Vec<Conflict>> {
    let mut entries = live.map(managed_of).unwrap_or_default();
    let applied = fields_of(config, w.scope);
    let previous_entry = entries
        .iter()
        .find(|e| e.same_owner(&w.manager, "Apply", &w.subresource))
        .cloned();
    let previous = previous_entry.as_ref().map(|e| e.fields.clone()).unwrap_or_default();

    let mut conflicts = Vec::new();
    for e in entries
        .iter_mut()
        .filter(|e| !e.same_owner(&w.manager, "Apply", &w.subresource))
    {
        let clashing: Vec<Path> = e
            .fields
            .intersection(&applied)
            // List items are compared through their fields.
            .filter(|p| !matches!(p.last(), Some(Step::Key(_))))
            .filter(|p| live.and_then(|l| get(l, p)) != get(config, p))
            .cloned()
            .collect();
        if force {
            for p in &clashing {
                e.fields.remove(p);
            }
        } else {
            let manager = e.describe();
            conflicts.extend(clashing.into_iter().map(|path| Conflict {
                manager: manager.clone(),
                path,
            }));
        }
    }
    if !conflicts.is_empty() {
        return Err(conflicts);
    }

    let mut merged = live.cloned().unwrap_or_else(|| json!({}));
    let body = match w.scope {
        Scope::Status => json!({"status": config["status"]}),
        Scope::Main { has_status } => {
            let mut b = config.clone();
            if let Some(m) = b["metadata"].as_object_mut() {
                m.remove("managedFields");
                m.remove("resourceVersion");
            }
            if has_status && let Some(m) = b.as_object_mut() {
                m.remove("status");
            }
            b
        }
    };
    patch::strategic_merge_patch(&mut merged, &body);
    // Deepest first, so a list item goes after its fields were considered.
    let dropped: Vec<&Path> = previous.difference(&applied).collect();
    for p in dropped.into_iter().rev() {
        let owned_elsewhere = entries
            .iter()
            .filter(|e| !e.same_owner(&w.manager, "Apply", &w.subresource))
            .any(|e| e.fields.iter().any(|q| q.starts_with(p)));
        if !owned_elsewhere {
            remove(&mut merged, p);
        }
    }
    // Re-applying the same configuration changes nothing, not even the entry's time.
    let unchanged = live.is_some_and(|l| without_managed(l) == without_managed(&merged));
    let time = match previous_entry {
        Some(e) if unchanged && e.fields == applied && e.api_version == w.api_version => e.time,
        _ => w.now.clone(),
    };
    entries.retain(|e| !e.same_owner(&w.manager, "Apply", &w.subresource));
    entries.insert(
        0,
        Managed {
            manager: w.manager.clone(),
            operation: "Apply".into(),
            api_version: w.api_version.clone(),
            time,
            subresource: w.subresource.clone(),
            fields: applied,
        },
    );
    set_managed(&mut merged, entries);
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: Scope = Scope::Main { has_status: true };

    fn writer(manager: &str) -> Writer {
        Writer {
            manager: manager.into(),
            api_version: "apps/v1".into(),
            subresource: String::new(),
            scope: MAIN,
            now: "2026-11-25T10:00:00Z".into(),
        }
    }

    fn deployment(replicas: i64, image: &str) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "web", "image": image}]}}},
            "status": {"replicas": 1}
        })
    }

    #[test]
    fn fields_v1_round_trips_with_item_nodes() {
        let set = fields_of(&deployment(2, "nginx"), MAIN);
        let encoded = encode(&set);
        assert_eq!(
            encoded,
            json!({
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
                    "k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}}}}}}
            })
        );
        assert_eq!(decode(&encoded), set);
        assert_eq!(
            path_string(&[
                Step::Field("spec".into()),
                Step::Field("containers".into()),
                Step::Key("{\"name\":\"web\"}".into()),
                Step::Field("image".into())
            ]),
            ".spec.containers[name=\"web\"].image"
        );
    }

    #[test]
    fn apply_creates_then_conflicts_with_another_manager_unless_forced() {
        let first = apply(None, &deployment(2, "nginx"), &writer("alice"), false).unwrap();
        assert_eq!(first["spec"]["replicas"], 2);
        assert_eq!(first["metadata"]["managedFields"][0]["manager"], "alice");
        assert_eq!(first["metadata"]["managedFields"][0]["operation"], "Apply");

        // Same values: shared ownership, no conflict.
        let shared = apply(Some(&first), &deployment(2, "nginx"), &writer("bob"), false).unwrap();
        assert_eq!(shared["metadata"]["managedFields"].as_array().unwrap().len(), 2);

        let conflicts = apply(Some(&shared), &deployment(5, "nginx"), &writer("bob"), false).unwrap_err();
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].manager, "\"alice\"");
        assert_eq!(path_string(&conflicts[0].path), ".spec.replicas");
        let err = conflict_error(&conflicts);
        assert_eq!(
            err.message,
            "Apply failed with 1 conflict: conflict with \"alice\": .spec.replicas"
        );
        assert_eq!(err.details.unwrap()["causes"][0]["reason"], "FieldManagerConflict");

        let forced = apply(Some(&shared), &deployment(5, "nginx"), &writer("bob"), true).unwrap();
        assert_eq!(forced["spec"]["replicas"], 5);
        let alice = &managed_of(&forced).into_iter().find(|m| m.manager == "alice").unwrap();
        assert!(
            !alice
                .fields
                .contains(&vec![Step::Field("spec".into()), Step::Field("replicas".into())])
        );
    }

    #[test]
    fn apply_removes_what_a_manager_stopped_applying() {
        let mut with_label = deployment(2, "nginx");
        with_label["metadata"]["labels"]["tier"] = json!("front");
        let first = apply(None, &with_label, &writer("alice"), false).unwrap();
        let second = apply(Some(&first), &deployment(2, "nginx"), &writer("alice"), false).unwrap();
        assert_eq!(second["metadata"]["labels"], json!({"app": "web"}));
        // Status is not the main resource's to apply.
        assert_eq!(second["status"], Value::Null);
    }

    #[test]
    fn repeating_a_write_changes_nothing() {
        let first = apply(None, &deployment(2, "nginx"), &writer("alice"), false).unwrap();
        let mut later = writer("alice");
        later.now = "2026-11-25T11:00:00Z".into();
        assert_eq!(
            apply(Some(&first), &deployment(2, "nginx"), &later, false).unwrap(),
            first
        );
        let mut same = first.clone();
        track_update(Some(&first), &mut same, &later);
        assert_eq!(same, first);
        // A real change moves the time.
        let moved = apply(Some(&first), &deployment(3, "nginx"), &later, false).unwrap();
        assert_eq!(moved["metadata"]["managedFields"][0]["time"], "2026-11-25T11:00:00Z");
    }

    #[test]
    fn an_update_takes_the_fields_it_changes() {
        let applied = apply(None, &deployment(2, "nginx"), &writer("alice"), false).unwrap();
        let mut scaled = applied.clone();
        scaled["spec"]["replicas"] = json!(4);
        track_update(Some(&applied), &mut scaled, &writer("kubectl-scale"));
        let entries = managed_of(&scaled);
        let scale = entries.iter().find(|m| m.manager == "kubectl-scale").unwrap();
        assert_eq!(scale.operation, "Update");
        assert_eq!(
            scale.fields.iter().map(|p| path_string(p)).collect::<Vec<_>>(),
            [".spec.replicas"]
        );
        // Alice applying her old value now conflicts with the update.
        let conflicts = apply(Some(&scaled), &deployment(2, "nginx"), &writer("alice"), false).unwrap_err();
        assert_eq!(
            conflicts[0].manager,
            "\"kubectl-scale\" using apps/v1 at 2026-11-25T10:00:00Z"
        );
    }
}
