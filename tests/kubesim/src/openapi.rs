//! `/openapi/v3`: one OpenAPI document per served group/version, listing every
//! resource's operations. kubectl reads it to learn that the server validates fields
//! itself (`fieldValidation` on PATCH), which `kubectl apply` needs; CRDs' schemas are
//! included so `kubectl explain` works for custom resources. kubectl 1.27 and 1.28 ask
//! `/openapi/v2` the same question, in protobuf only: [`v2_protobuf`] answers it.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::{Map, Value, json};

use crate::discovery::{Registry, ResourceInfo};

/// `apis/apps/v1` (or `api/v1`): the key of a group/version in the root document.
fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// The documents of every served group/version, keyed by `gv_path`.
fn documents(registry: &Registry, git_version: &str) -> BTreeMap<String, Value> {
    let mut by_gv: BTreeMap<String, Vec<&ResourceInfo>> = BTreeMap::new();
    for r in registry.all() {
        by_gv.entry(gv_path(&r.group, &r.version)).or_default().push(r);
    }
    by_gv
        .into_iter()
        .map(|(gv, resources)| (gv, document(&resources, git_version)))
        .collect()
}

pub fn hash_of(doc: &Value) -> String {
    let mut h = DefaultHasher::new();
    doc.to_string().hash(&mut h);
    format!("{:016X}", h.finish())
}

/// The root document: where each group/version's document is, with a content hash so
/// clients can cache it.
pub fn root(registry: &Registry, git_version: &str) -> Value {
    let paths: Map<String, Value> = documents(registry, git_version)
        .into_iter()
        .map(|(gv, doc)| {
            let url = format!("/openapi/v3/{gv}?hash={}", hash_of(&doc));
            (gv, json!({"serverRelativeURL": url}))
        })
        .collect();
    json!({"paths": paths})
}

/// One group/version's document (`api/v1`, `apis/apps/v1`), if served.
pub fn group_version(registry: &Registry, git_version: &str, gv: &str) -> Option<Value> {
    let resources: Vec<&ResourceInfo> = registry
        .all()
        .filter(|r| gv_path(&r.group, &r.version) == gv)
        .map(|r| &**r)
        .collect();
    (!resources.is_empty()).then(|| document(&resources, git_version))
}

fn query_param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "description": description, "schema": {"type": "string", "uniqueItems": true}})
}

fn schema_name(r: &ResourceInfo) -> String {
    // The apiserver names schemas by reversed group (io.k8s.api.apps.v1.Deployment); any
    // unique name works for clients, which follow `$ref`s.
    let group: Vec<&str> = r.group.split('.').rev().collect();
    format!("{}.{}.{}", group.join("."), r.version, r.kind)
}

fn document(resources: &[&ResourceInfo], git_version: &str) -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for r in resources.iter().filter(|r| !r.create_only) {
        let gvk = json!({"group": r.group, "version": r.version, "kind": r.kind});
        let schema_ref = json!({"$ref": format!("#/components/schemas/{}", schema_name(r))});
        let json_body = |s: &Value| json!({"content": {"application/json": {"schema": s}}});
        let op = |action: &str, id: &str, extra: Value| {
            let mut o = json!({
                "operationId": format!("{id}{}", r.kind),
                "x-kubernetes-action": action,
                "x-kubernetes-group-version-kind": gvk,
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": schema_ref}}}},
            });
            if let (Some(o), Some(extra)) = (o.as_object_mut(), extra.as_object()) {
                o.extend(extra.clone());
            }
            o
        };
        let write_params = || {
            vec![
                query_param(
                    "dryRun",
                    "When present, indicates that modifications should not be persisted.",
                ),
                query_param(
                    "fieldManager",
                    "fieldManager is a name associated with the actor or entity that is making these changes.",
                ),
                query_param(
                    "fieldValidation",
                    "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.",
                ),
            ]
        };
        let mut patch_params = write_params();
        patch_params.push(query_param("force", "Force is going to \"force\" Apply requests."));
        let patch_body = json!({"content": {
            "application/apply-patch+yaml": {"schema": {"type": "object"}},
            "application/json-patch+json": {"schema": {"type": "object"}},
            "application/merge-patch+json": {"schema": {"type": "object"}},
        }});
        let base = if r.group.is_empty() {
            format!("/api/{}", r.version)
        } else {
            format!("/apis/{}/{}", r.group, r.version)
        };
        let collection = if r.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}", r.resource)
        } else {
            format!("{base}/{}", r.resource)
        };
        let mut collection_ops = json!({"get": op("list", "list", json!({}))});
        let mut item_ops = json!({"get": op("get", "read", json!({}))});
        // Metrics are read-only, as metrics-server documents them.
        if !r.metrics {
            collection_ops["post"] = op(
                "post",
                "create",
                json!({"parameters": write_params(), "requestBody": json_body(&schema_ref)}),
            );
            item_ops["put"] = op(
                "put",
                "replace",
                json!({"parameters": write_params(), "requestBody": json_body(&schema_ref)}),
            );
            item_ops["patch"] = op(
                "patch",
                "patch",
                json!({"parameters": patch_params, "requestBody": patch_body}),
            );
            item_ops["delete"] = op("delete", "delete", json!({}));
        }
        paths.insert(collection.clone(), collection_ops);
        paths.insert(format!("{collection}/{{name}}"), item_ops);
        if r.namespaced {
            paths.insert(
                format!("{base}/{}", r.resource),
                json!({"get": op("list", "listForAllNamespaces", json!({}))}),
            );
        }
        let mut schema = r
            .custom
            .as_ref()
            .and_then(|c| c.schema.clone())
            // Built-in kinds' schemas are not carried; clients only need to know the kind exists.
            .unwrap_or_else(|| json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}));
        schema["x-kubernetes-group-version-kind"] = json!([gvk]);
        schemas.insert(schema_name(r), schema);
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": git_version},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

/// Protobuf wire format, just enough to write a document: every field here is a string or
/// an embedded message (wire type 2).
fn pb_field(out: &mut Vec<u8>, number: u64, payload: &[u8]) {
    let varint = |mut v: u64, out: &mut Vec<u8>| {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    };
    varint((number << 3) | 2, out);
    varint(payload.len() as u64, out);
    out.extend_from_slice(payload);
}

fn pb_message(fields: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (number, payload) in fields {
        pb_field(&mut out, *number, payload);
    }
    out
}

/// `/openapi/v2` as gnostic's `openapi.v2.Document` protobuf: for every resource, a PATCH
/// operation carrying its group/version/kind and the `fieldValidation` query parameter.
/// Field numbers are those of gnostic's OpenAPIv2.proto.
pub fn v2_protobuf(registry: &Registry, git_version: &str) -> Vec<u8> {
    let query_param = |name: &str| {
        // ParametersItem.parameter(1) → Parameter.non_body_parameter(2) →
        // NonBodyParameter.query_parameter_sub_schema(3) {in(2), name(4), type(6)}
        let sub = pb_message(&[
            (2, b"query".to_vec()),
            (4, name.as_bytes().to_vec()),
            (6, b"string".to_vec()),
        ]);
        let non_body = pb_message(&[(3, sub)]);
        let parameter = pb_message(&[(2, non_body)]);
        pb_message(&[(1, parameter)])
    };
    let mut paths = Vec::new();
    for r in registry.all().filter(|r| !r.create_only && !r.metrics) {
        let gvk_yaml = format!("group: \"{}\"\nkind: {}\nversion: {}\n", r.group, r.kind, r.version);
        // NamedAny {name(1), value(2): Any {yaml(2)}}
        let extension = pb_message(&[
            (1, b"x-kubernetes-group-version-kind".to_vec()),
            (2, pb_message(&[(2, gvk_yaml.into_bytes())])),
        ]);
        let mut operation = vec![(5, format!("patch{}", r.kind).into_bytes())];
        for p in ["dryRun", "fieldManager", "fieldValidation", "force"] {
            operation.push((8, query_param(p)));
        }
        operation.push((13, extension));
        // PathItem.patch(8)
        let item = pb_message(&[(8, pb_message(&operation))]);
        let base = if r.group.is_empty() {
            format!("/api/{}", r.version)
        } else {
            format!("/apis/{}/{}", r.group, r.version)
        };
        let path = if r.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}/{{name}}", r.resource)
        } else {
            format!("{base}/{}/{{name}}", r.resource)
        };
        // Paths.path(2): NamedPathItem {name(1), value(2)}
        paths.push((2, pb_message(&[(1, path.into_bytes()), (2, item)])));
    }
    let info = pb_message(&[(1, b"Kubernetes".to_vec()), (2, git_version.as_bytes().to_vec())]);
    pb_message(&[(1, b"2.0".to_vec()), (2, info), (8, pb_message(&paths))])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_lists_each_group_version_with_a_hash() {
        let root = root(&Registry::default(), "v1.33.1");
        let url = root["paths"]["apis/apps/v1"]["serverRelativeURL"].as_str().unwrap();
        assert!(url.starts_with("/openapi/v3/apis/apps/v1?hash="), "{url}");
        assert!(root["paths"]["api/v1"].is_object());
        // Access reviews have no object paths, but their group is still listed.
        assert!(root["paths"]["apis/authorization.k8s.io/v1"].is_object());
    }

    #[test]
    fn patch_operations_say_the_server_validates_fields() {
        let doc = group_version(&Registry::default(), "v1.33.1", "apis/apps/v1").unwrap();
        let patch = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(
            patch["x-kubernetes-group-version-kind"],
            json!({"group": "apps", "version": "v1", "kind": "Deployment"})
        );
        let params: Vec<&str> = patch["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(params.contains(&"fieldValidation") && params.contains(&"force"));
        assert!(doc["components"]["schemas"]["apps.v1.Deployment"].is_object());
        assert!(group_version(&Registry::default(), "v1.33.1", "apis/nope/v1").is_none());
    }

    #[test]
    fn metrics_have_read_operations_only() {
        let doc = group_version(&Registry::default(), "v1.33.1", "apis/metrics.k8s.io/v1beta1").unwrap();
        let pod = &doc["paths"]["/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods/{name}"];
        assert!(pod["get"].is_object());
        assert!(pod["put"].is_null() && pod["patch"].is_null() && pod["delete"].is_null());
        let v2 = v2_protobuf(&Registry::default(), "v1.33.1");
        assert!(!String::from_utf8_lossy(&v2).contains("metrics.k8s.io"));
    }

    #[test]
    fn v2_document_is_well_formed_protobuf() {
        let doc = v2_protobuf(&Registry::default(), "v1.33.1");
        // Field 1 (swagger), wire type 2, length 3, "2.0".
        assert_eq!(&doc[..5], b"\x0a\x032.0");
        let text = String::from_utf8_lossy(&doc);
        assert!(text.contains("/apis/apps/v1/namespaces/{namespace}/deployments/{name}"));
        assert!(text.contains("group: \"apps\"\nkind: Deployment\nversion: v1\n"));
        assert!(text.contains("fieldValidation"));
    }
}
