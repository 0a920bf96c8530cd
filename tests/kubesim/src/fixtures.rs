//! Multi-document YAML fixtures: Kubernetes objects, plus kubesim's own `Token` and
//! `Rule` documents (apiVersion `kubesim.fleetdeck.dev/v1`) for the access tables.

use anyhow::{Context as _, bail};
use serde::Deserialize as _;
use serde_json::Value;

use crate::auth::{Rule, TokenEntry};

pub const KUBESIM_API_VERSION: &str = "kubesim.fleetdeck.dev/v1";

#[derive(Debug, Default)]
pub struct Fixtures {
    pub objects: Vec<Value>,
    pub tokens: Vec<TokenEntry>,
    pub rules: Vec<Rule>,
}

pub fn parse(yaml: &str) -> anyhow::Result<Fixtures> {
    let mut out = Fixtures::default();
    for (i, doc) in yaml_serde::Deserializer::from_str(yaml).enumerate() {
        let value = Value::deserialize(doc).with_context(|| format!("YAML document {}", i + 1))?;
        add(&mut out, value).with_context(|| format!("YAML document {}", i + 1))?;
    }
    Ok(out)
}

fn add(out: &mut Fixtures, value: Value) -> anyhow::Result<()> {
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
            add(out, item.clone())?;
        }
        return Ok(());
    }
    if api_version.is_empty() || kind.is_empty() {
        bail!("an object needs apiVersion and kind");
    }
    out.objects.push(value);
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
}
