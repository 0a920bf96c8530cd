//! Multi-document YAML fixtures: Kubernetes objects, plus kubesim's own `Token` and
//! `Rule` documents (apiVersion `kubesim.fleetdeck.dev/v1`) for the access tables.
//! A file reads as `kubectl apply -f` reads it: `---` between documents, empty
//! documents and comments skipped, `List`s flattened.

use anyhow::{Context as _, bail};
use serde::Deserialize as _;
use serde_json::Value;

use crate::auth::{Rule, TokenEntry};

pub const KUBESIM_API_VERSION: &str = "kubesim.fleetdeck.dev/v1";

#[derive(Debug, Default)]
pub struct Fixtures {
    /// Each object with the number of the YAML document it came from (from 1), for errors.
    pub objects: Vec<(usize, Value)>,
    pub tokens: Vec<TokenEntry>,
    pub rules: Vec<Rule>,
}

pub fn parse(yaml: &str) -> anyhow::Result<Fixtures> {
    let mut out = Fixtures::default();
    for (i, doc) in yaml_serde::Deserializer::from_str(yaml).enumerate() {
        let value = Value::deserialize(doc).with_context(|| format!("YAML document {}", i + 1))?;
        add(&mut out, i + 1, value).with_context(|| format!("YAML document {}", i + 1))?;
    }
    Ok(out)
}

/// "Kind namespace/name" as far as the object says, to name it in errors.
pub fn describe(obj: &Value) -> String {
    let meta = &obj["metadata"];
    let kind = obj["kind"].as_str().unwrap_or("object");
    let name = meta["name"].as_str().unwrap_or("(no name)");
    match meta["namespace"].as_str() {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

fn add(out: &mut Fixtures, doc: usize, value: Value) -> anyhow::Result<()> {
    if value.is_null() {
        return Ok(());
    }
    let api_version = value["apiVersion"].as_str().unwrap_or_default();
    let kind = value["kind"].as_str().unwrap_or_default();
    if api_version == KUBESIM_API_VERSION {
        match kind {
            "Token" => out.tokens.push(serde_json::from_value(value)?),
            "Rule" => out.rules.push(serde_json::from_value(value)?),
            other => bail!("unknown kubesim kind {other:?}"),
        }
        return Ok(());
    }
    if kind == "List" || (kind.ends_with("List") && value["items"].is_array()) {
        for item in value["items"].as_array().into_iter().flatten() {
            add(out, doc, item.clone())?;
        }
        return Ok(());
    }
    if api_version.is_empty() || kind.is_empty() {
        bail!("{}: an object needs apiVersion and kind", describe(&value));
    }
    out.objects.push((doc, value));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_objects_lists_tokens_and_rules() {
        let f = parse(
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n\
             apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: a}}\n---\n\
             apiVersion: kubesim.fleetdeck.dev/v1\nkind: Token\ntoken: t1\nuser: alice\ngroups: [dev]\n---\n\
             apiVersion: kubesim.fleetdeck.dev/v1\nkind: Rule\nsubject: {group: dev}\nverbs: [get, list]\napiGroups: ['']\nresources: [pods]\nnamespaces: [a]\n---\n",
        )
        .unwrap();
        assert_eq!(f.objects.len(), 2);
        assert_eq!(f.tokens[0].user, "alice");
        assert_eq!(f.rules[0].namespaces, ["a"]);
        assert!(parse("kind: Pod\n").is_err());
    }

    #[test]
    fn skips_empty_documents_and_comments_and_numbers_the_rest() {
        let f = parse(
            "# a comment only\n---\n---\n\
             apiVersion: v1\nkind: ConfigMap # trailing comment\nmetadata: {name: c}\n---\n\
             # between\n---\n\
             apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n",
        )
        .unwrap();
        // As YAML counts: the comment and the first `---` open one (empty) document.
        let docs: Vec<usize> = f.objects.iter().map(|(doc, _)| *doc).collect();
        assert_eq!(docs, [2, 4]);
        assert_eq!(describe(&f.objects[0].1), "ConfigMap c");
        assert_eq!(describe(&f.objects[1].1), "Namespace a");
    }

    #[test]
    fn errors_name_the_document_and_the_object() {
        let err =
            parse("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nmetadata: {name: c, namespace: a}\n")
                .unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "YAML document 2: object a/c: an object needs apiVersion and kind"
        );
    }
}
