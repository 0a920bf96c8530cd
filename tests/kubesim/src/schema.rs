//! Checking a custom resource against its CRD's structural schema, as the apiserver does:
//! fields the schema does not know are pruned (and reported, for `fieldValidation`), and
//! values are validated (type, required, enum, bounds, lengths, item counts).

use serde_json::{Value, json};

use crate::status::FieldError;

/// What checking one object found.
#[derive(Debug, Default, PartialEq)]
pub struct Checked {
    pub errors: Vec<FieldError>,
    /// Paths of the fields pruned because the schema does not declare them.
    pub unknown: Vec<String>,
}

/// Prunes unknown fields from `obj` and validates it. `apiVersion`, `kind` and `metadata`
/// belong to the apiserver and are left alone.
pub fn check(schema: &Value, obj: &mut Value) -> Checked {
    let mut out = Checked::default();
    if let Value::Object(map) = obj {
        let props = &schema["properties"];
        for (k, v) in map.iter_mut() {
            if matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            if let Some(s) = props.get(k) {
                walk(s, v, k, &mut out);
            }
        }
        if !preserves_unknown(schema) {
            map.retain(|k, _| {
                let known = matches!(k.as_str(), "apiVersion" | "kind" | "metadata") || props.get(k).is_some();
                if !known {
                    out.unknown.push(k.clone());
                }
                known
            });
        }
        required(schema, map, "", &mut out);
    }
    out
}

fn preserves_unknown(schema: &Value) -> bool {
    schema["x-kubernetes-preserve-unknown-fields"] == true
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn required(schema: &Value, map: &serde_json::Map<String, Value>, path: &str, out: &mut Checked) {
    for name in schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !map.contains_key(name) {
            out.errors.push(FieldError::required(child(path, name), ""));
        }
    }
}

fn type_matches(ty: &str, v: &Value) -> bool {
    match ty {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        _ => true,
    }
}

fn walk(schema: &Value, v: &mut Value, path: &str, out: &mut Checked) {
    if v.is_null() && schema["nullable"] == true {
        return;
    }
    if schema["x-kubernetes-int-or-string"] == true {
        if !(v.is_i64() || v.is_u64() || v.is_string()) {
            out.errors.push(FieldError::type_invalid(path, v, "integer,string"));
        }
        return;
    }
    let ty = schema["type"].as_str().unwrap_or_default();
    if !ty.is_empty() && !type_matches(ty, v) {
        out.errors.push(FieldError::type_invalid(path, v, ty));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(v)
    {
        let names: Vec<String> = allowed
            .iter()
            .map(|a| a.as_str().map(str::to_string).unwrap_or_else(|| a.to_string()))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        out.errors.push(FieldError::not_supported(path, v, &names));
    }
    let bound = |key: &str| schema[key].as_f64();
    match v {
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or_default();
            if let Some(min) = bound("minimum")
                && (x < min || (schema["exclusiveMinimum"] == true && x == min))
            {
                let op = if schema["exclusiveMinimum"] == true {
                    "greater than"
                } else {
                    "greater than or equal to"
                };
                out.errors.push(FieldError::invalid(
                    path,
                    v,
                    &format!("{path} in body should be {op} {min}"),
                ));
            }
            if let Some(max) = bound("maximum")
                && (x > max || (schema["exclusiveMaximum"] == true && x == max))
            {
                let op = if schema["exclusiveMaximum"] == true {
                    "less than"
                } else {
                    "less than or equal to"
                };
                out.errors.push(FieldError::invalid(
                    path,
                    v,
                    &format!("{path} in body should be {op} {max}"),
                ));
            }
        }
        Value::String(s) => {
            let len = s.chars().count() as f64;
            if let Some(min) = bound("minLength")
                && len < min
            {
                out.errors.push(FieldError::invalid(
                    path,
                    v,
                    &format!("{path} in body should be at least {min} chars long"),
                ));
            }
            if let Some(max) = bound("maxLength")
                && len > max
            {
                out.errors.push(FieldError {
                    field: path.to_string(),
                    reason: "FieldValueTooLong",
                    message: format!("Too long: may not be more than {max} bytes"),
                });
            }
        }
        Value::Array(items) => {
            let n = items.len() as f64;
            if let Some(min) = bound("minItems")
                && n < min
            {
                out.errors.push(FieldError::invalid(
                    path,
                    &json!(n as u64),
                    &format!("{path} in body should have at least {min} items"),
                ));
            }
            if let Some(max) = bound("maxItems")
                && n > max
            {
                out.errors.push(FieldError {
                    field: path.to_string(),
                    reason: "FieldValueTooMany",
                    message: format!("Too many: {}: must have at most {max} items", n as u64),
                });
            }
            if schema["items"].is_object() {
                for (i, item) in items.iter_mut().enumerate() {
                    walk(&schema["items"], item, &format!("{path}[{i}]"), out);
                }
            }
        }
        Value::Object(map) => {
            let props = &schema["properties"];
            let additional = &schema["additionalProperties"];
            let embedded = schema["x-kubernetes-embedded-resource"] == true;
            for (k, item) in map.iter_mut() {
                let p = child(path, k);
                match props.get(k) {
                    Some(s) => walk(s, item, &p, out),
                    None if additional.is_object() => walk(additional, item, &p, out),
                    None => {}
                }
            }
            let keeps_all = preserves_unknown(schema) || additional.is_object() || additional == &json!(true);
            if !keeps_all {
                map.retain(|k, _| {
                    let known = props.get(k).is_some()
                        || (embedded && matches!(k.as_str(), "apiVersion" | "kind" | "metadata"));
                    if !known {
                        out.unknown.push(child(path, k));
                    }
                    known
                });
            }
            required(schema, map, path, out);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "required": ["size"],
                    "properties": {
                        "size": {"type": "integer", "minimum": 1, "maximum": 10},
                        "color": {"type": "string", "enum": ["red", "blue"]},
                        "name": {"type": "string", "maxLength": 5},
                        "port": {"x-kubernetes-int-or-string": true},
                        "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
                        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                    }
                },
                "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}}
            }
        })
    }

    #[test]
    fn a_valid_object_keeps_everything_declared() {
        let mut obj = json!({
            "apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
            "spec": {"size": 3, "color": "red", "port": "http", "tags": ["a"], "labels": {"x": "y"},
                     "extra": {"anything": [1, 2]}}
        });
        let before = obj.clone();
        assert_eq!(check(&schema(), &mut obj), Checked::default());
        assert_eq!(obj, before);
    }

    #[test]
    fn unknown_fields_are_pruned_and_reported() {
        let mut obj = json!({"spec": {"size": 1, "bogus": true}, "top": 1, "status": {"ready": true, "x": 1}});
        let c = check(&schema(), &mut obj);
        assert!(c.errors.is_empty());
        assert_eq!(c.unknown, ["spec.bogus", "status.x", "top"]);
        assert_eq!(obj, json!({"spec": {"size": 1}, "status": {"ready": true}}));
    }

    #[test]
    fn every_broken_rule_is_a_field_error_worded_as_the_apiserver_does() {
        let mut obj = json!({"spec": {"size": "big", "color": "pink", "name": "toolong", "port": 1.5,
                                      "tags": ["a", "b", "c"], "labels": {"x": 1}}});
        let c = check(&schema(), &mut obj);
        let texts: Vec<String> = c.errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
        assert_eq!(
            texts,
            [
                "spec.color: Unsupported value: \"pink\": supported values: \"red\", \"blue\"",
                "spec.labels.x: Invalid value: \"integer\": spec.labels.x in body must be of type string: \"integer\"",
                "spec.name: Too long: may not be more than 5 bytes",
                "spec.port: Invalid value: \"number\": spec.port in body must be of type integer,string: \"number\"",
                "spec.size: Invalid value: \"string\": spec.size in body must be of type integer: \"string\"",
                "spec.tags: Too many: 3: must have at most 2 items",
            ]
        );
        let mut low = json!({"spec": {"size": 0}});
        let c = check(&schema(), &mut low);
        assert_eq!(
            c.errors[0].message,
            "Invalid value: 0: spec.size in body should be greater than or equal to 1"
        );
        let mut missing = json!({"spec": {}});
        assert_eq!(
            check(&schema(), &mut missing).errors,
            [FieldError::required("spec.size", "")]
        );
    }
}
