//! The JSONPath subset CRDs use: `.spec.replicas`, `.items[0].name`, `.list[*].x` and
//! filters like `.status.conditions[?(@.type=="Ready")].status`.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    Index(usize),
    All,
    /// `[?(@.key=="value")]`: the array items whose `key` equals `value`.
    Filter(String, Value),
}

fn parse(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    let mut rest = path.trim().trim_start_matches('{').trim_end_matches('}');
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return None;
            }
            steps.push(Step::Field(r[..end].to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = &r[..end];
            steps.push(if inner == "*" {
                Step::All
            } else if let Some(filter) = inner.strip_prefix("?(@.").and_then(|f| f.strip_suffix(')')) {
                let (key, value) = filter.split_once("==")?;
                let value = value.trim();
                let value = serde_json::from_str(value)
                    .or_else(|_| serde_json::from_str(&format!("\"{}\"", value.trim_matches('\''))))
                    .ok()?;
                Step::Filter(key.trim().to_string(), value)
            } else {
                Step::Index(inner.parse().ok()?)
            });
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

/// Every value the path reaches, in document order (none for an invalid path).
pub fn find<'a>(obj: &'a Value, path: &str) -> Vec<&'a Value> {
    let Some(steps) = parse(path) else {
        return Vec::new();
    };
    let mut current = vec![obj];
    for step in &steps {
        current = current
            .into_iter()
            .flat_map(|v| -> Vec<&Value> {
                match step {
                    Step::Field(f) => v.get(f).into_iter().collect(),
                    Step::Index(i) => v.get(i).into_iter().collect(),
                    Step::All => match v {
                        Value::Array(a) => a.iter().collect(),
                        Value::Object(m) => m.values().collect(),
                        _ => Vec::new(),
                    },
                    Step::Filter(key, want) => v
                        .as_array()
                        .map(|a| a.iter().filter(|item| item.get(key) == Some(want)).collect())
                        .unwrap_or_default(),
                }
            })
            .collect();
    }
    current
}

/// Sets the value at a path of plain fields (`.spec.replicas`), creating objects on the way.
pub fn set(obj: &mut Value, path: &str, value: Value) -> bool {
    let Some(steps) = parse(path) else {
        return false;
    };
    let mut target = obj;
    for step in steps {
        let Step::Field(f) = step else {
            return false;
        };
        if !target.is_object() {
            *target = Value::Object(Default::default());
        }
        target = &mut target[f.as_str()];
    }
    *target = value;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_indexes_wildcards_and_filters() {
        let obj = json!({
            "spec": {"replicas": 3, "ports": [{"port": 80}, {"port": 443}]},
            "status": {"conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]}
        });
        assert_eq!(find(&obj, ".spec.replicas"), [&json!(3)]);
        assert_eq!(find(&obj, ".spec.ports[1].port"), [&json!(443)]);
        assert_eq!(find(&obj, ".spec.ports[*].port"), [&json!(80), &json!(443)]);
        assert_eq!(
            find(&obj, r#".status.conditions[?(@.type=="Ready")].status"#),
            [&json!("True")]
        );
        assert_eq!(find(&obj, "{.spec.replicas}"), [&json!(3)]);
        assert!(find(&obj, ".spec.missing").is_empty());
        assert!(find(&obj, "spec..x").is_empty());
    }

    #[test]
    fn set_creates_the_path() {
        let mut obj = json!({"spec": {}});
        assert!(set(&mut obj, ".spec.scale.replicas", json!(2)));
        assert_eq!(obj, json!({"spec": {"scale": {"replicas": 2}}}));
        assert!(!set(&mut obj, ".spec.list[0]", json!(1)));
    }
}
