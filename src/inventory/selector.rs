//! Label and field selectors in the apiserver's string syntax (`app=web,tier!=db`,
//! `env in (prod,qa)`, `!canary`; `status.phase=Running,spec.nodeName!=n1`), parsed once per
//! request and matched against cached objects. Pure.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum LabelTerm {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A parsed `labelSelector`; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector(Vec<LabelTerm>);

/// Splits on commas outside parentheses.
fn terms(text: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(text[start..].trim());
    out.into_iter().filter(|t| !t.is_empty()).collect()
}

fn key(text: &str, whole: &str) -> Result<String, String> {
    let k = text.trim();
    let valid = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if valid {
        Ok(k.to_string())
    } else {
        Err(format!("invalid label key {k:?} in selector {whole:?}"))
    }
}

fn set(text: &str, whole: &str) -> Result<Vec<String>, String> {
    let inner = text
        .trim()
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .ok_or_else(|| format!("expected a parenthesised set of values in selector {whole:?}"))?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

impl LabelSelector {
    pub fn parse(text: &str) -> Result<LabelSelector, String> {
        let mut out = Vec::new();
        for term in terms(text) {
            let parsed = if let Some(k) = term.strip_prefix('!') {
                LabelTerm::NotExists(key(k, text)?)
            } else if let Some((k, v)) = term.split_once("!=") {
                LabelTerm::NotEquals(key(k, text)?, v.trim().to_string())
            } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                LabelTerm::Equals(key(k, text)?, v.trim().to_string())
            } else if let Some((k, s)) = term.split_once(" notin ") {
                LabelTerm::NotIn(key(k, text)?, set(s, text)?)
            } else if let Some((k, s)) = term.split_once(" in ") {
                LabelTerm::In(key(k, text)?, set(s, text)?)
            } else {
                LabelTerm::Exists(key(term, text)?)
            };
            out.push(parsed);
        }
        Ok(LabelSelector(out))
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|t| match t {
            LabelTerm::Equals(k, v) => labels.get(k) == Some(v),
            LabelTerm::NotEquals(k, v) => labels.get(k) != Some(v),
            LabelTerm::In(k, vs) => labels.get(k).is_some_and(|l| vs.contains(l)),
            LabelTerm::NotIn(k, vs) => labels.get(k).is_none_or(|l| !vs.contains(l)),
            LabelTerm::Exists(k) => labels.contains_key(k),
            LabelTerm::NotExists(k) => !labels.contains_key(k),
        })
    }
}

/// A parsed `fieldSelector`: `path=value`, `path==value` or `path!=value` terms, where the path
/// is any dotted field of the object (`metadata.name`, `status.phase`, `spec.nodeName`,
/// `involvedObject.uid`…). A missing field reads as the empty string, as on the apiserver.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSelector(Vec<(Vec<String>, bool, String)>);

impl FieldSelector {
    pub fn parse(text: &str) -> Result<FieldSelector, String> {
        let mut out = Vec::new();
        for term in terms(text) {
            let (path, equal, value) = if let Some((p, v)) = term.split_once("!=") {
                (p, false, v)
            } else if let Some((p, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                (p, true, v)
            } else {
                return Err(format!("field selector term {term:?} needs =, == or !="));
            };
            let path: Vec<String> = path.trim().split('.').map(str::to_string).collect();
            if path
                .iter()
                .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric()))
            {
                return Err(format!("invalid field path in field selector term {term:?}"));
            }
            out.push((path, equal, value.trim().to_string()));
        }
        Ok(FieldSelector(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the object with `metadata` and the rest `data` matches.
    pub fn matches(&self, metadata: &ObjectMeta, data: &Value) -> bool {
        // Metadata is typed in a cached object; it is turned into JSON only when a term reads it.
        let meta = std::cell::OnceCell::new();
        self.0.iter().all(|(path, equal, value)| {
            let root = match path[0].as_str() {
                "metadata" => meta.get_or_init(|| serde_json::json!({"metadata": metadata})),
                _ => data,
            };
            let field = path.iter().try_fold(root, |v, p| v.get(p));
            let text = match field {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            (text == *value) == *equal
        })
    }
}

/// An object's `spec.selector` (a workload's, a budget's) (`matchLabels` and `matchExpressions`) as a label selector.
/// None when it has no terms (the apiserver refuses such workloads; reading every pod of the
/// namespace instead would be wrong) or an operator we do not know.
pub fn spec_selector(object: &Value) -> Option<LabelSelector> {
    let s = object.pointer("/spec/selector")?;
    let mut terms = Vec::new();
    for (key, value) in s.get("matchLabels").and_then(Value::as_object).into_iter().flatten() {
        terms.push(format!("{key}={}", value.as_str()?));
    }
    for e in s
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = e.get("key")?.as_str()?;
        let values: Vec<&str> = e
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let values = values.join(",");
        terms.push(match e.get("operator")?.as_str()? {
            "In" => format!("{key} in ({values})"),
            "NotIn" => format!("{key} notin ({values})"),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            _ => return None,
        });
    }
    if terms.is_empty() {
        return None;
    }
    LabelSelector::parse(&terms.join(",")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn label_terms() {
        let l = labels(&[("app", "web"), ("env", "prod")]);
        for (sel, want) in [
            ("", true),
            ("app=web", true),
            ("app==web", true),
            ("app=db", false),
            ("app!=db", true),
            ("env in (prod, qa)", true),
            ("env notin (prod)", false),
            ("tier notin (db)", true),
            ("app", true),
            ("!app", false),
            ("!canary", true),
            ("app=web,env in (qa,dev)", false),
            ("app=web, env in (qa,prod)", true),
        ] {
            assert_eq!(LabelSelector::parse(sel).unwrap().matches(&l), want, "{sel}");
        }
    }

    #[test]
    fn bad_label_selectors_are_refused() {
        for sel in ["app in prod", "a b=c", "=x"] {
            assert!(LabelSelector::parse(sel).is_err(), "{sel}");
        }
    }

    #[test]
    fn field_terms() {
        let meta = ObjectMeta {
            name: Some("p".into()),
            namespace: Some("a".into()),
            ..Default::default()
        };
        let pod = json!({"spec": {"nodeName": "n1"}, "status": {"phase": "Running"}});
        for (sel, want) in [
            ("metadata.name=p", true),
            ("status.phase==Running,spec.nodeName=n1", true),
            ("spec.nodeName!=n1", false),
            ("spec.missing=", true),
            ("status.phase=Pending", false),
        ] {
            assert_eq!(FieldSelector::parse(sel).unwrap().matches(&meta, &pod), want, "{sel}");
        }
        assert!(FieldSelector::parse("status.phase").is_err());
        assert!(FieldSelector::parse("status..phase=x").is_err());
    }

    #[test]
    fn selectors_take_labels_and_expressions() {
        let spec = json!({"spec": {"selector": {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["front", "edge"]},
                {"key": "track", "operator": "NotIn", "values": ["canary"]},
                {"key": "team", "operator": "Exists"},
                {"key": "legacy", "operator": "DoesNotExist"}]}}});
        let s = spec_selector(&spec).unwrap();
        assert!(s.matches(&labels(&[("app", "web"), ("tier", "edge"), ("team", "a")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "db"), ("team", "a")])));
        assert!(!s.matches(&labels(&[
            ("app", "web"),
            ("tier", "edge"),
            ("team", "a"),
            ("track", "canary")
        ])));
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "edge")])));
        assert!(!s.matches(&labels(&[
            ("app", "web"),
            ("tier", "edge"),
            ("team", "a"),
            ("legacy", "1")
        ])));
        assert!(!s.matches(&labels(&[("app", "db"), ("tier", "edge"), ("team", "a")])));

        assert!(spec_selector(&json!({"spec": {"selector": {}}})).is_none());
        assert!(spec_selector(&json!({"spec": {}})).is_none());
        let odd = json!({"spec": {"selector": {"matchExpressions": [{"key": "a", "operator": "Near"}]}}});
        assert!(spec_selector(&odd).is_none());
    }
}
