//! Merge patch (RFC 7386), JSON patch (RFC 6902) and a small strategic merge patch.

use serde_json::{Map, Value};

use crate::status::{ApiError, ApiResult};

/// RFC 7386: objects merge recursively, null deletes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    strategic_inner(target, patch, false);
}

/// Strategic merge patch, reduced to what kubectl sends in practice: a merge patch
/// whose lists of named things (containers, env, volumes, …) merge element-wise by key
/// instead of being replaced, and `$patch: delete` on an element removes it.
pub fn strategic_merge_patch(target: &mut Value, patch: &Value) {
    strategic_inner(target, patch, true);
}

/// The merge key of list fields that the apiserver merges element-wise.
pub fn merge_key(field: &str) -> Option<&'static str> {
    match field {
        "containers" | "initContainers" | "ephemeralContainers" | "env" | "volumes" | "imagePullSecrets" => {
            Some("name")
        }
        "ports" => Some("containerPort"),
        "volumeMounts" => Some("mountPath"),
        "conditions" => Some("type"),
        _ => None,
    }
}

fn strategic_inner(target: &mut Value, patch: &Value, strategic: bool) {
    let Value::Object(patch_map) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let target_map = target.as_object_mut().expect("made an object above");
    for (key, pv) in patch_map {
        if strategic && key.starts_with("$") {
            continue;
        }
        if pv.is_null() {
            target_map.remove(key);
            continue;
        }
        let key_field = if strategic { merge_key(key) } else { None };
        match (key_field, pv, target_map.get_mut(key)) {
            (Some(mk), Value::Array(items), Some(Value::Array(existing))) => {
                merge_list(existing, items, mk);
            }
            (_, Value::Object(_), Some(tv)) => strategic_inner(tv, pv, strategic),
            _ => {
                let mut fresh = Value::Null;
                if pv.is_object() {
                    strategic_inner(&mut fresh, pv, strategic);
                } else {
                    fresh = pv.clone();
                }
                target_map.insert(key.clone(), fresh);
            }
        }
    }
}

fn merge_list(existing: &mut Vec<Value>, items: &[Value], key: &str) {
    for item in items {
        let Some(k) = item.get(key).cloned() else {
            existing.push(item.clone());
            continue;
        };
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match existing.iter().position(|e| e.get(key) == Some(&k)) {
            Some(i) if delete => {
                existing.remove(i);
            }
            Some(i) => strategic_inner(&mut existing[i], item, true),
            None if delete => {}
            None => {
                let mut fresh = Value::Null;
                strategic_inner(&mut fresh, item, true);
                existing.push(fresh);
            }
        }
    }
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn split_pointer(path: &str) -> ApiResult<Vec<String>> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| ApiError::bad_request(format!("invalid JSON pointer {path:?}")))?;
    Ok(rest.split('/').map(unescape).collect())
}

fn pointer_get<'a>(doc: &'a Value, path: &str) -> ApiResult<&'a Value> {
    doc.pointer(path)
        .ok_or_else(|| ApiError::invalid_patch(format!("missing path {path:?}")))
}

/// Removes and returns the value at `path`.
fn pointer_remove(doc: &mut Value, path: &str) -> ApiResult<Value> {
    let mut segs = split_pointer(path)?;
    let last = segs
        .pop()
        .ok_or_else(|| ApiError::invalid_patch("cannot remove the root"))?;
    let parent = navigate(doc, &segs)?;
    match parent {
        Value::Object(m) => m
            .remove(&last)
            .ok_or_else(|| ApiError::invalid_patch(format!("missing path {path:?}"))),
        Value::Array(a) => {
            let i: usize = last
                .parse()
                .map_err(|_| ApiError::invalid_patch(format!("bad index in {path:?}")))?;
            if i >= a.len() {
                return Err(ApiError::invalid_patch(format!("index out of range in {path:?}")));
            }
            Ok(a.remove(i))
        }
        _ => Err(ApiError::invalid_patch(format!("missing path {path:?}"))),
    }
}

fn navigate<'a>(doc: &'a mut Value, segs: &[String]) -> ApiResult<&'a mut Value> {
    let mut cur = doc;
    for s in segs {
        cur = match cur {
            Value::Object(m) => m.get_mut(s),
            Value::Array(a) => s.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| ApiError::invalid_patch(format!("missing path segment {s:?}")))?;
    }
    Ok(cur)
}

fn pointer_add(doc: &mut Value, path: &str, value: Value) -> ApiResult<()> {
    let mut segs = split_pointer(path)?;
    let Some(last) = segs.pop() else {
        *doc = value;
        return Ok(());
    };
    match navigate(doc, &segs)? {
        Value::Object(m) => {
            m.insert(last, value);
        }
        Value::Array(a) => {
            if last == "-" {
                a.push(value);
            } else {
                let i: usize = last
                    .parse()
                    .map_err(|_| ApiError::invalid_patch(format!("bad index in {path:?}")))?;
                if i > a.len() {
                    return Err(ApiError::invalid_patch(format!("index out of range in {path:?}")));
                }
                a.insert(i, value);
            }
        }
        _ => return Err(ApiError::invalid_patch(format!("missing path {path:?}"))),
    }
    Ok(())
}

/// RFC 6902 on a copy; the target changes only if every operation succeeds.
pub fn json_patch(target: &mut Value, patch: &Value) -> ApiResult<()> {
    let ops = patch
        .as_array()
        .ok_or_else(|| ApiError::bad_request("json patch must be an array of operations"))?;
    let mut doc = target.clone();
    for op in ops {
        let name = op["op"].as_str().unwrap_or_default();
        let path = op["path"]
            .as_str()
            .ok_or_else(|| ApiError::invalid_patch("operation without a path"))?;
        let value = || {
            op.get("value")
                .cloned()
                .ok_or_else(|| ApiError::invalid_patch(format!("{name} without a value")))
        };
        let from = || {
            op["from"]
                .as_str()
                .ok_or_else(|| ApiError::invalid_patch(format!("{name} without from")))
        };
        match name {
            "add" => pointer_add(&mut doc, path, value()?)?,
            "remove" => {
                pointer_remove(&mut doc, path)?;
            }
            "replace" => {
                pointer_remove(&mut doc, path)?;
                pointer_add(&mut doc, path, value()?)?;
            }
            "move" => {
                let v = pointer_remove(&mut doc, from()?)?;
                pointer_add(&mut doc, path, v)?;
            }
            "copy" => {
                let v = pointer_get(&doc, from()?)?.clone();
                pointer_add(&mut doc, path, v)?;
            }
            "test" => {
                if pointer_get(&doc, path)? != &value()? {
                    return Err(ApiError::invalid_patch(format!("test failed at {path:?}")));
                }
            }
            other => {
                return Err(ApiError::invalid_patch(format!("unknown operation {other:?}")));
            }
        }
    }
    *target = doc;
    Ok(())
}

impl ApiError {
    /// The apiserver answers an inapplicable JSON patch with 422 Invalid.
    pub fn invalid_patch(message: impl Into<String>) -> Self {
        ApiError::new(422, "Invalid", message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_rfc7386() {
        let mut t = json!({"a": "b", "c": {"d": "e", "f": "g"}, "l": [1, 2]});
        merge_patch(&mut t, &json!({"a": "z", "c": {"f": null}, "l": [3]}));
        assert_eq!(t, json!({"a": "z", "c": {"d": "e"}, "l": [3]}));
    }

    #[test]
    fn strategic_merges_containers_by_name() {
        let mut t = json!({"spec": {"containers": [
            {"name": "app", "image": "a:1"}, {"name": "side", "image": "s:1"}]}});
        strategic_merge_patch(
            &mut t,
            &json!({"spec": {"containers": [{"name": "app", "image": "a:2"}, {"name": "new", "image": "n:1"}]}}),
        );
        assert_eq!(
            t["spec"]["containers"],
            json!([{"name": "app", "image": "a:2"}, {"name": "side", "image": "s:1"}, {"name": "new", "image": "n:1"}])
        );
        strategic_merge_patch(
            &mut t,
            &json!({"spec": {"containers": [{"name": "side", "$patch": "delete"}]}}),
        );
        assert_eq!(t["spec"]["containers"].as_array().unwrap().len(), 2);
        // Lists without a merge key are replaced, as in a merge patch.
        let mut t = json!({"args": ["a"]});
        strategic_merge_patch(&mut t, &json!({"args": ["b"]}));
        assert_eq!(t, json!({"args": ["b"]}));
    }

    #[test]
    fn json_patch_ops() {
        let mut t = json!({"spec": {"replicas": 1, "l": ["x"]}, "metadata": {"labels": {"a/b": "1"}}});
        json_patch(
            &mut t,
            &json!([
                {"op": "test", "path": "/spec/replicas", "value": 1},
                {"op": "replace", "path": "/spec/replicas", "value": 3},
                {"op": "add", "path": "/spec/l/-", "value": "y"},
                {"op": "add", "path": "/spec/l/0", "value": "w"},
                {"op": "remove", "path": "/metadata/labels/a~1b"},
                {"op": "copy", "from": "/spec/replicas", "path": "/spec/copy"},
                {"op": "move", "from": "/spec/copy", "path": "/spec/moved"}
            ]),
        )
        .unwrap();
        assert_eq!(
            t,
            json!({"spec": {"replicas": 3, "l": ["w", "x", "y"], "moved": 3}, "metadata": {"labels": {}}})
        );
    }

    #[test]
    fn json_patch_is_atomic() {
        let mut t = json!({"a": 1});
        let err = json_patch(
            &mut t,
            &json!([{"op": "replace", "path": "/a", "value": 2}, {"op": "remove", "path": "/zz"}]),
        )
        .unwrap_err();
        assert_eq!(err.code, 422);
        assert_eq!(t, json!({"a": 1}));
    }
}
