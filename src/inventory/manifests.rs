//! Manifests a user applies: one YAML (or JSON) document or several separated by `---`, each a
//! Kubernetes object naming its `apiVersion`, `kind` and `metadata.name`. Checked whole before
//! anything is sent, so a typo in the fifth document changes nothing. Pure, and a model (it
//! imports nothing of the crate): the risk guard (`incidents::risk_guard`) reads documents with it.

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

/// Why a text cannot be applied; `document` is 1-based, `code` a stable snake_case word.
#[derive(Debug, PartialEq)]
pub struct ManifestError {
    pub document: usize,
    pub code: &'static str,
    pub message: String,
}

fn err(document: usize, code: &'static str, message: impl Into<String>) -> ManifestError {
    ManifestError {
        document,
        code,
        message: message.into(),
    }
}

/// The objects of `text`, in order; empty documents (and `---` alone) are skipped.
pub fn parse(text: &str) -> Result<Vec<Manifest>, ManifestError> {
    let all = documents(text).into_iter().collect::<Result<Vec<_>, _>>()?;
    if all.is_empty() {
        return Err(err(1, "no_documents", "no object to apply"));
    }
    Ok(all)
}

/// Every non-empty document of `text`, each read on its own so one bad document does not hide
/// the others. A YAML syntax error ends the reading (the parser cannot find the next document
/// after it), as does the document past [`MAX_DOCUMENTS`].
pub fn documents(text: &str) -> Vec<Result<Manifest, ManifestError>> {
    let mut out = Vec::new();
    for doc in yaml_serde::Deserializer::from_str(text) {
        let number = out.len() + 1;
        let value = match Value::deserialize(doc) {
            Ok(v) => v,
            Err(e) => {
                out.push(Err(err(number, "not_yaml", format!("not YAML: {e}"))));
                break;
            }
        };
        if value.is_null() {
            continue;
        }
        if out.len() == MAX_DOCUMENTS {
            out.push(Err(err(
                number,
                "too_many_documents",
                format!("at most {MAX_DOCUMENTS} documents at once"),
            )));
            break;
        }
        out.push(manifest(number, value));
    }
    out
}

fn manifest(document: usize, object: Value) -> Result<Manifest, ManifestError> {
    let text = |pointer: &str| {
        object
            .pointer(pointer)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    if !object.is_object() {
        return Err(err(document, "not_an_object", "not an object"));
    }
    let api_version =
        text("/apiVersion").ok_or_else(|| err(document, "api_version_missing", "apiVersion is missing"))?;
    let kind = text("/kind").ok_or_else(|| err(document, "kind_missing", "kind is missing"))?;
    if kind == "List" || kind.ends_with("List") {
        return Err(err(
            document,
            "list_kind",
            format!("{kind}: apply the items one by one, as documents"),
        ));
    }
    let name = text("/metadata/name").ok_or_else(|| {
        let hint = match text("/metadata/generateName") {
            Some(_) => " (generateName cannot be applied: apply needs a name)",
            None => "",
        };
        err(
            document,
            "name_missing",
            format!("{kind}: metadata.name is missing{hint}"),
        )
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
                "api_version_missing",
                "apiVersion is missing",
            ),
            (
                format!("{good}---\napiVersion: v1\nmetadata: {{name: b}}\n"),
                2,
                "kind_missing",
                "kind is missing",
            ),
            (
                "apiVersion: v1\nkind: Pod\nmetadata: {generateName: p-}\n".to_string(),
                1,
                "name_missing",
                "generateName",
            ),
            (
                "apiVersion: v1\nkind: List\nitems: []\n".to_string(),
                1,
                "list_kind",
                "one by one",
            ),
            ("- a\n- b\n".to_string(), 1, "not_an_object", "not an object"),
            (format!("{good}---\nkind: [\n"), 2, "not_yaml", "not YAML"),
            ("---\n".to_string(), 1, "no_documents", "no object"),
        ];
        for (text, document, code, words) in cases {
            let e = parse(&text).unwrap_err();
            assert_eq!((e.document, e.code), (document, code), "{text}");
            assert!(e.message.contains(words), "{}", e.message);
        }
        let many = format!("{good}---\n").repeat(MAX_DOCUMENTS + 1);
        assert_eq!(parse(&many).unwrap_err().document, MAX_DOCUMENTS + 1);
    }

    #[test]
    fn every_document_is_read_on_its_own_until_a_syntax_error() {
        let good = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n";
        let text = format!("{good}---\nmetadata: {{name: b}}\n---\n{good}---\nkind: [\n---\n{good}");
        let all = documents(&text);
        let codes: Vec<Result<usize, &str>> = all
            .iter()
            .map(|d| d.as_ref().map(|m| m.document).map_err(|e| e.code))
            .collect();
        // The syntax error of the fourth ends the reading: the fifth is not read.
        assert_eq!(codes, vec![Ok(1), Err("api_version_missing"), Ok(3), Err("not_yaml")]);
    }
}
