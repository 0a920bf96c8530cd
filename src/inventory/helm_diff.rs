//! What changed between two revisions of a Helm release (pure): the values, path by path, and
//! the manifest, object by object, with a unified text diff of each object that changed.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::helm_release::{ManifestResource, documents};

/// Lines of context around each change of a text diff, as `diff -u`.
const CONTEXT: usize = 3;
/// Beyond this many cells (lines × lines, once the common head and tail are cut) two texts are
/// not aligned line by line: the changed middle is shown as removed, then added.
const MAX_CELLS: usize = 4_000_000;

/// A value at one path: added (no `from`), removed (no `to`) or changed (both).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ValueChange {
    /// `image.tag`, `ports[0].name`, `annotations["app.kubernetes.io/name"]`.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct ValuesDiff {
    pub added: Vec<ValueChange>,
    pub removed: Vec<ValueChange>,
    pub changed: Vec<ValueChange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Removed,
    Changed,
}

/// An object of the manifest that is new, gone or different.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ResourceChange {
    pub change: Change,
    /// The object as the newer side names it (the older one for a removed object).
    pub resource: ManifestResource,
    /// The unified diff of the object's YAML, for a changed object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct ManifestDiff {
    /// Added, removed and changed objects, by kind, namespace and name.
    pub resources: Vec<ResourceChange>,
    /// Objects the same in both.
    pub unchanged: usize,
}

/// Every leaf path of `from` and `to` that differs.
pub fn values(from: &Value, to: &Value) -> ValuesDiff {
    let (mut old, mut new) = (BTreeMap::new(), BTreeMap::new());
    leaves(String::new(), from, &mut old);
    leaves(String::new(), to, &mut new);
    let mut diff = ValuesDiff::default();
    for (path, before) in &old {
        match new.remove(path) {
            None => diff.removed.push(ValueChange {
                path: path.clone(),
                from: Some(before.clone()),
                to: None,
            }),
            Some(after) if after != *before => diff.changed.push(ValueChange {
                path: path.clone(),
                from: Some(before.clone()),
                to: Some(after),
            }),
            Some(_) => {}
        }
    }
    diff.added = new
        .into_iter()
        .map(|(path, after)| ValueChange {
            path,
            from: None,
            to: Some(after),
        })
        .collect();
    diff
}

/// The scalars (and empty maps and lists) of `value` by path.
fn leaves(path: String, value: &Value, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, v) in map {
                leaves(child(&path, key), v, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                leaves(format!("{path}[{i}]"), v, out);
            }
        }
        // The top of the values is a map; `null` there means no values.
        Value::Null if path.is_empty() => {}
        leaf => {
            out.insert(path, leaf.clone());
        }
    }
}

/// `parent.key`, or `parent["key"]` when the key would not read back as one segment.
fn child(parent: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (plain, parent.is_empty()) {
        (true, true) => key.to_string(),
        (true, false) => format!("{parent}.{key}"),
        (false, _) => format!("{parent}[{}]", Value::String(key.to_string())),
    }
}

type Key = (String, Option<String>, String);

fn by_object(manifest: &str) -> BTreeMap<Key, (ManifestResource, String)> {
    documents(manifest)
        .into_iter()
        .filter_map(|d| {
            let r = d.resource?;
            Some(((r.kind.clone(), r.namespace.clone(), r.name.clone()), (r, d.text)))
        })
        .collect()
}

/// The objects of manifest `to` that are not in `from`, the ones gone, and the ones changed.
/// `from_label` and `to_label` name the sides in the text diffs.
pub fn manifests(from: &str, to: &str, from_label: &str, to_label: &str) -> ManifestDiff {
    let mut old = by_object(from);
    let new = by_object(to);
    let mut diff = ManifestDiff::default();
    for (key, (resource, text)) in new {
        match old.remove(&key) {
            None => diff.resources.push(ResourceChange {
                change: Change::Added,
                resource,
                diff: None,
            }),
            Some((_, before)) if before == text => diff.unchanged += 1,
            Some((_, before)) => {
                let name = format!("{}/{}", resource.kind, resource.name);
                let unified = unified(
                    &before,
                    &text,
                    &format!("{name} ({from_label})"),
                    &format!("{name} ({to_label})"),
                );
                diff.resources.push(ResourceChange {
                    change: Change::Changed,
                    resource,
                    diff: Some(unified),
                });
            }
        }
    }
    diff.resources
        .extend(old.into_values().map(|(resource, _)| ResourceChange {
            change: Change::Removed,
            resource,
            diff: None,
        }));
    diff.resources.sort_by(|a, b| a.resource.cmp(&b.resource));
    diff
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Same,
    Delete,
    Insert,
}

/// The edit script turning `a` into `b`: the longest common subsequence of the middle left
/// once the common head and tail are cut, or all of it removed then added when too large.
fn script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (x, y) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut ops = vec![Op::Same; head];
    if x.len().saturating_mul(y.len()) > MAX_CELLS {
        ops.extend(std::iter::repeat_n(Op::Delete, x.len()));
        ops.extend(std::iter::repeat_n(Op::Insert, y.len()));
    } else {
        ops.extend(lcs(x, y));
    }
    ops.extend(std::iter::repeat_n(Op::Same, tail));
    ops
}

fn lcs(x: &[&str], y: &[&str]) -> Vec<Op> {
    let w = y.len() + 1;
    // best[i * w + j]: the common subsequence of x[i..] and y[j..].
    let mut best = vec![0u32; (x.len() + 1) * w];
    for i in (0..x.len()).rev() {
        for j in (0..y.len()).rev() {
            best[i * w + j] = match x[i] == y[j] {
                true => best[(i + 1) * w + j + 1] + 1,
                false => best[(i + 1) * w + j].max(best[i * w + j + 1]),
            };
        }
    }
    let (mut i, mut j, mut ops) = (0, 0, Vec::with_capacity(x.len() + y.len()));
    while i < x.len() || j < y.len() {
        if i < x.len() && j < y.len() && x[i] == y[j] {
            ops.push(Op::Same);
            (i, j) = (i + 1, j + 1);
        } else if j == y.len() || (i < x.len() && best[(i + 1) * w + j] >= best[i * w + j + 1]) {
            ops.push(Op::Delete);
            i += 1;
        } else {
            ops.push(Op::Insert);
            j += 1;
        }
    }
    ops
}

/// `diff -u` of two texts: `--- from`/`+++ to` headers, then hunks with three lines of context.
pub fn unified(from: &str, to: &str, from_label: &str, to_label: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (from.lines().collect(), to.lines().collect());
    let ops = script(&a, &b);
    // Where each op starts in a and in b.
    let mut at = Vec::with_capacity(ops.len() + 1);
    let (mut i, mut j) = (0, 0);
    for op in &ops {
        at.push((i, j));
        match op {
            Op::Same => (i, j) = (i + 1, j + 1),
            Op::Delete => i += 1,
            Op::Insert => j += 1,
        }
    }
    at.push((i, j));
    let changes: Vec<usize> = (0..ops.len()).filter(|&k| ops[k] != Op::Same).collect();
    let mut out = format!("--- {from_label}\n+++ {to_label}\n");
    let mut k = 0;
    while k < changes.len() {
        let mut last = k;
        while last + 1 < changes.len() && changes[last + 1] - changes[last] <= 2 * CONTEXT + 1 {
            last += 1;
        }
        let start = changes[k].saturating_sub(CONTEXT);
        let end = (changes[last] + CONTEXT + 1).min(ops.len());
        let ((a0, b0), (a1, b1)) = (at[start], at[end]);
        let range = |first: usize, count: usize| match count {
            0 => format!("{first},0"),
            1 => format!("{}", first + 1),
            _ => format!("{},{count}", first + 1),
        };
        out.push_str(&format!("@@ -{} +{} @@\n", range(a0, a1 - a0), range(b0, b1 - b0)));
        for (op, &(i, j)) in ops[start..end].iter().zip(&at[start..end]) {
            match op {
                Op::Same => out.push_str(&format!(" {}\n", a[i])),
                Op::Delete => out.push_str(&format!("-{}\n", a[i])),
                Op::Insert => out.push_str(&format!("+{}\n", b[j])),
            }
        }
        k = last + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_diff_by_path() {
        let from =
            json!({"a": 1, "m": {"x": 1, "y": [1, 2]}, "gone": {"z": true}, "labels": {"app.kubernetes.io/name": "a"}});
        let to = json!({"a": 2, "m": {"x": 1, "y": [1]}, "new": {}, "labels": {"app.kubernetes.io/name": "b"}});
        let diff = values(&from, &to);
        let paths = |v: &[ValueChange]| v.iter().map(|c| c.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&diff.added), ["new"]);
        assert_eq!(paths(&diff.removed), ["gone.z", "m.y[1]"]);
        assert_eq!(paths(&diff.changed), ["a", r#"labels["app.kubernetes.io/name"]"#]);
        assert_eq!(
            diff.changed[0],
            ValueChange {
                path: "a".into(),
                from: Some(json!(1)),
                to: Some(json!(2))
            }
        );
        assert_eq!(diff.added[0].to, Some(json!({})));
        assert_eq!(values(&from, &from), ValuesDiff::default());
        assert_eq!(paths(&values(&Value::Null, &json!({"k": 1})).added), ["k"]);
    }

    #[test]
    fn unified_diff_as_diff_u() {
        let from = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n";
        let to = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n";
        assert_eq!(
            unified(from, to, "old", "new"),
            "--- old\n+++ new\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -9,3 +9,4 @@\n i\n j\n k\n+l\n"
        );
        // Changes closer than twice the context share one hunk.
        assert_eq!(
            unified("1\n2\n3\n4\n5\n6\n7\n8\n", "1\nX\n3\n4\n5\n6\nY\n8\n", "a", "b"),
            "--- a\n+++ b\n@@ -1,8 +1,8 @@\n 1\n-2\n+X\n 3\n 4\n 5\n 6\n-7\n+Y\n 8\n"
        );
        assert_eq!(unified("", "x\n", "a", "b"), "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n");
        assert_eq!(unified("same\n", "same\n", "a", "b"), "--- a\n+++ b\n");
    }

    #[test]
    fn a_huge_change_is_shown_whole_rather_than_aligned() {
        let from: String = (0..2100).map(|i| format!("a{i}\n")).collect();
        let to: String = (0..2100).map(|i| format!("b{i}\n")).collect();
        let diff = unified(&format!("top\n{from}"), &format!("top\n{to}"), "a", "b");
        assert!(
            diff.starts_with("--- a\n+++ b\n@@ -1,2101 +1,2101 @@\n top\n-a0\n"),
            "{}",
            &diff[..60]
        );
        assert_eq!(diff.lines().filter(|l| l.starts_with('-')).count(), 2101);
    }

    #[test]
    fn manifests_diff_by_object() {
        let from = "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: a\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: same\n";
        let to = "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: b\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: same\n";
        let diff = manifests(from, to, "revision 1", "revision 2");
        assert_eq!(diff.unchanged, 1);
        let seen: Vec<(Change, &str)> = diff
            .resources
            .iter()
            .map(|r| (r.change, r.resource.kind.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (Change::Changed, "ConfigMap"),
                (Change::Removed, "Service"),
                (Change::Added, "ServiceAccount")
            ]
        );
        assert_eq!(
            diff.resources[0].diff.as_deref(),
            Some(
                "--- ConfigMap/cm (revision 1)\n+++ ConfigMap/cm (revision 2)\n@@ -4,4 +4,4 @@\n metadata:\n   name: cm\n data:\n-  k: a\n+  k: b\n"
            )
        );
        assert_eq!(diff.resources[1].diff, None);
    }
}
