//! Manifests a user applies: one YAML (or JSON) document or several separated by `---`, each a
//! Kubernetes object naming its `apiVersion`, `kind` and `metadata.name`. Checked whole before
//! anything is sent, so a typo in the fifth document changes nothing. Pure.

use serde::Deserialize;
use serde_json::Value;

/// The most documents one apply takes.
pub const MAX_DOCUMENTS: usize = 500;

/// One object to apply and where it is in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// 1-based, counting non-empty documents.
    pub document: usize,
    pub group: String,
    pub version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub object: Value,
}

/// Why a text cannot be applied; `document` is 1-based.
#[derive(Debug, PartialEq)]
pub struct ManifestError {
    pub document: usize,
    pub message: String,
}

fn err(document: usize, message: impl Into<String>) -> ManifestError {
    ManifestError {
        document,
        message: message.into(),
    }
}

/// The objects of `text`, in order; empty documents (and `---` alone) are skipped.
pub fn parse(text: &str) -> Result<Vec<Manifest>, ManifestError> {
    let mut out = Vec::new();
    for doc in yaml_serde::Deserializer::from_str(text) {
        let number = out.len() + 1;
        let value = Value::deserialize(doc).map_err(|e| err(number, format!("not YAML: {e}")))?;
        if value.is_null() {
            continue;
        }
        if out.len() == MAX_DOCUMENTS {
            return Err(err(number, format!("at most {MAX_DOCUMENTS} documents at once")));
        }
        out.push(manifest(number, value)?);
    }
    if out.is_empty() {
        return Err(err(1, "no object to apply"));
    }
    Ok(out)
}

fn manifest(document: usize, object: Value) -> Result<Manifest, ManifestError> {
    let text = |pointer: &str| {
        object
            .pointer(pointer)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    if !object.is_object() {
        return Err(err(document, "not an object"));
    }
    let api_version = text("/apiVersion").ok_or_else(|| err(document, "apiVersion is missing"))?;
    let kind = text("/kind").ok_or_else(|| err(document, "kind is missing"))?;
    if kind == "List" || kind.ends_with("List") {
        return Err(err(
            document,
            format!("{kind}: apply the items one by one, as documents"),
        ));
    }
    let name = text("/metadata/name").ok_or_else(|| {
        let hint = match text("/metadata/generateName") {
            Some(_) => " (generateName cannot be applied: apply needs a name)",
            None => "",
        };
        err(document, format!("{kind}: metadata.name is missing{hint}"))
    })?;
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    Ok(Manifest {
        document,
        group: group.to_string(),
        version: version.to_string(),
        kind: kind.to_string(),
        namespace: text("/metadata/namespace").map(str::to_string),
        name: name.to_string(),
        object: object.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_parse_in_order_and_empty_ones_are_skipped() {
        let text = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n---\n---\n\
                    apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n";
        let all = parse(text).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            (all[0].group.as_str(), all[0].version.as_str(), all[0].kind.as_str()),
            ("", "v1", "ConfigMap")
        );
        assert_eq!(all[0].namespace.as_deref(), Some("shop"));
        assert_eq!(
            (all[1].group.as_str(), all[1].name.as_str(), all[1].namespace.as_deref()),
            ("apps", "web", None)
        );
        assert_eq!(all[1].document, 2);
        // JSON is YAML.
        assert_eq!(
            parse(r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"}}"#).unwrap()[0].name,
            "x"
        );
    }

    #[test]
    fn a_bad_document_is_named() {
        let good = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n";
        let cases = [
            (
                format!("{good}---\nkind: ConfigMap\nmetadata: {{name: b}}\n"),
                2,
                "apiVersion is missing",
            ),
            (
                format!("{good}---\napiVersion: v1\nmetadata: {{name: b}}\n"),
                2,
                "kind is missing",
            ),
            (
                "apiVersion: v1\nkind: Pod\nmetadata: {generateName: p-}\n".to_string(),
                1,
                "generateName",
            ),
            ("apiVersion: v1\nkind: List\nitems: []\n".to_string(), 1, "one by one"),
            ("- a\n- b\n".to_string(), 1, "not an object"),
            (format!("{good}---\nkind: [\n"), 2, "not YAML"),
            ("---\n".to_string(), 1, "no object"),
        ];
        for (text, document, words) in cases {
            let e = parse(&text).unwrap_err();
            assert_eq!(e.document, document, "{text}");
            assert!(e.message.contains(words), "{}", e.message);
        }
        let many = format!("{good}---\n").repeat(MAX_DOCUMENTS + 1);
        assert_eq!(parse(&many).unwrap_err().document, MAX_DOCUMENTS + 1);
    }
}
