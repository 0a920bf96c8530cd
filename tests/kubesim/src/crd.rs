//! CustomResourceDefinitions: checking one as the apiserver does, the status an
//! established CRD carries, the resource types it serves, and their Table columns.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::discovery::{CustomInfo, ResourceInfo};
use crate::jsonpath;
use crate::status::{ApiError, ApiResult, FieldError};
use crate::store::now_rfc3339;
use crate::table;

const GROUP: &str = "apiextensions.k8s.io";

pub fn is_crd(r: &ResourceInfo) -> bool {
    r.group == GROUP && r.resource == "customresourcedefinitions"
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// The field errors the apiserver reports for this CRD (none: it is valid).
pub fn validate(crd: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let spec = &crd["spec"];
    let names = &spec["names"];
    let group = spec["group"].as_str().unwrap_or_default();
    let plural = names["plural"].as_str().unwrap_or_default();
    let name = crd["metadata"]["name"].as_str().unwrap_or_default();
    if name != format!("{plural}.{group}") {
        errors.push(FieldError::invalid(
            "metadata.name",
            &json!(name),
            "must be spec.names.plural+\".\"+spec.group",
        ));
    }
    if group.is_empty() {
        errors.push(FieldError::required("spec.group", ""));
    } else if !group.contains('.') {
        errors.push(FieldError::invalid(
            "spec.group",
            &json!(group),
            "should be a domain with at least one dot",
        ));
    }
    match spec["scope"].as_str() {
        Some("Namespaced" | "Cluster") => {}
        None => errors.push(FieldError::required("spec.scope", "")),
        Some(other) => errors.push(FieldError::not_supported(
            "spec.scope",
            &json!(other),
            &["Cluster", "Namespaced"],
        )),
    }
    if plural.is_empty() {
        errors.push(FieldError::required("spec.names.plural", ""));
    } else if !is_dns_label(plural) {
        errors.push(FieldError::invalid(
            "spec.names.plural",
            &json!(plural),
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'",
        ));
    }
    if names["kind"].as_str().unwrap_or_default().is_empty() {
        errors.push(FieldError::required("spec.names.kind", ""));
    }
    let versions = spec["versions"].as_array().map(Vec::as_slice).unwrap_or_default();
    if versions.is_empty() {
        errors.push(FieldError::required(
            "spec.versions",
            "must have exactly one version marked as storage version",
        ));
        return errors;
    }
    let version_names: Vec<&str> = versions
        .iter()
        .map(|v| v["name"].as_str().unwrap_or_default())
        .collect();
    for (i, v) in versions.iter().enumerate() {
        let field = format!("spec.versions[{i}]");
        let vname = version_names[i];
        if vname.is_empty() {
            errors.push(FieldError::required(format!("{field}.name"), ""));
        } else if !is_dns_label(vname) || !vname.starts_with(|c: char| c.is_ascii_lowercase()) {
            errors.push(FieldError::invalid(
                format!("{field}.name"),
                &json!(vname),
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
            ));
        } else if version_names[..i].contains(&vname) {
            errors.push(FieldError {
                field: format!("{field}.name"),
                reason: "FieldValueDuplicate",
                message: format!("Duplicate value: \"{vname}\""),
            });
        }
        if !v["schema"]["openAPIV3Schema"].is_object() {
            errors.push(FieldError::required(
                format!("{field}.schema.openAPIV3Schema"),
                "schemas are required",
            ));
        }
    }
    let storage = versions.iter().filter(|v| v["storage"] == true).count();
    if storage != 1 {
        errors.push(FieldError::invalid(
            "spec.versions",
            &json!(version_names),
            "must have exactly one version marked as storage version",
        ));
    }
    if !versions.iter().any(|v| v["served"] == true) {
        errors.push(FieldError::invalid(
            "spec.versions",
            &json!(version_names),
            "must have at least one version marked as served",
        ));
    }
    errors
}

/// Checks a CRD, gives it the status of an established one (as the apiextensions
/// controllers would at once) and returns the resource types it serves.
pub fn establish(crd: &mut Value) -> ApiResult<Vec<ResourceInfo>> {
    let name = crd["metadata"]["name"].as_str().unwrap_or_default().to_string();
    let errors = validate(crd);
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(
            GROUP,
            "CustomResourceDefinition",
            &name,
            &errors,
        ));
    }
    let spec = crd["spec"].clone();
    let kind = spec["names"]["kind"].as_str().unwrap_or_default();
    let mut accepted = spec["names"].clone();
    if accepted["singular"].as_str().unwrap_or_default().is_empty() {
        accepted["singular"] = json!(kind.to_lowercase());
    }
    if accepted["listKind"].as_str().unwrap_or_default().is_empty() {
        accepted["listKind"] = json!(format!("{kind}List"));
    }
    let versions = spec["versions"].as_array().cloned().unwrap_or_default();
    let storage = versions
        .iter()
        .find(|v| v["storage"] == true)
        .and_then(|v| v["name"].as_str())
        .unwrap_or_default()
        .to_string();
    let mut stored: Vec<Value> = crd["status"]["storedVersions"].as_array().cloned().unwrap_or_default();
    if !stored.contains(&json!(storage)) {
        stored.push(json!(storage));
    }
    let now = now_rfc3339();
    let since = |t: &str| -> String {
        crd["status"]["conditions"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["type"] == t && c["status"] == "True"))
            .and_then(|c| c["lastTransitionTime"].as_str())
            .unwrap_or(&now)
            .to_string()
    };
    crd["status"] = json!({
        "acceptedNames": accepted,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
             "message": "no conflicts found", "lastTransitionTime": since("NamesAccepted")},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
             "message": "the initial names have been accepted", "lastTransitionTime": since("Established")},
        ],
        "storedVersions": stored,
    });
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let group = spec["group"].as_str().unwrap_or_default();
    Ok(versions
        .iter()
        .filter(|v| v["served"] == true)
        .map(|v| {
            let scale = &v["subresources"]["scale"];
            ResourceInfo {
                group: group.to_string(),
                version: v["name"].as_str().unwrap_or_default().to_string(),
                storage_version: storage.clone(),
                resource: accepted["plural"].as_str().unwrap_or_default().to_string(),
                kind: kind.to_string(),
                singular: accepted["singular"].as_str().unwrap_or_default().to_string(),
                namespaced: spec["scope"] == "Namespaced",
                short_names: strings(&accepted["shortNames"]),
                categories: strings(&accepted["categories"]),
                has_status: v["subresources"]["status"].is_object(),
                has_scale: scale.is_object(),
                create_only: false,
                metrics: false,
                custom: Some(CustomInfo {
                    crd: name.clone(),
                    printer_columns: v["additionalPrinterColumns"].as_array().cloned().unwrap_or_default(),
                    schema: v["schema"]["openAPIV3Schema"]
                        .as_object()
                        .map(|_| v["schema"]["openAPIV3Schema"].clone()),
                    spec_replicas_path: scale["specReplicasPath"]
                        .as_str()
                        .unwrap_or(".spec.replicas")
                        .to_string(),
                    status_replicas_path: scale["statusReplicasPath"]
                        .as_str()
                        .unwrap_or(".status.replicas")
                        .to_string(),
                    label_selector_path: scale["labelSelectorPath"].as_str().map(str::to_string),
                }),
            }
        })
        .collect())
}

/// `additionalPrinterColumns`, or the apiserver's default (an Age column) without them.
fn printer_columns(custom: &CustomInfo) -> Vec<Value> {
    if custom.printer_columns.is_empty() {
        vec![json!({"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"})]
    } else {
        custom.printer_columns.clone()
    }
}

/// The Table columns of a custom resource: Name, then the CRD's printer columns.
pub fn columns(custom: &CustomInfo) -> Vec<Value> {
    let mut out = vec![table::name_col()];
    out.extend(printer_columns(custom).iter().map(|c| {
        json!({
            "name": c["name"],
            "type": c["type"],
            "format": c["format"].as_str().unwrap_or_default(),
            "description": c["description"].as_str().unwrap_or_default(),
            "priority": c["priority"].as_i64().unwrap_or(0),
        })
    }));
    out
}

/// One row's cells, converted by column type as the apiserver's table convertor does.
pub fn cells(custom: &CustomInfo, obj: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let mut out = vec![obj["metadata"]["name"].clone()];
    for c in printer_columns(custom) {
        let path = c["jsonPath"].as_str().unwrap_or_default();
        let Some(value) = jsonpath::find(obj, path).into_iter().next() else {
            out.push(Value::Null);
            continue;
        };
        out.push(match (c["type"].as_str().unwrap_or_default(), value) {
            ("string", Value::String(s)) => json!(s),
            ("string", v) => json!(v.to_string()),
            ("integer", v) => v.as_f64().map(|f| json!(f as i64)).unwrap_or(Value::Null),
            ("number", v) => v.as_f64().map(|f| json!(f)).unwrap_or(Value::Null),
            ("boolean", Value::Bool(b)) => json!(b),
            ("date", v) => table::since(v, now).map(Value::String).unwrap_or(Value::Null),
            _ => Value::Null,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crd() -> Value {
        json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {
                "group": "example.com",
                "scope": "Namespaced",
                "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
                "versions": [
                    {"name": "v1beta1", "served": true, "storage": false,
                     "schema": {"openAPIV3Schema": {"type": "object"}}},
                    {"name": "v1", "served": true, "storage": true,
                     "schema": {"openAPIV3Schema": {"type": "object"}},
                     "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.size",
                                                               "statusReplicasPath": ".status.size"}},
                     "additionalPrinterColumns": [
                        {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                        {"name": "Ready", "type": "string",
                         "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
                        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]}
                ]
            }
        })
    }

    #[test]
    fn establishes_and_serves_each_version() {
        let mut c = crd();
        let resources = establish(&mut c).unwrap();
        assert_eq!(resources.len(), 2);
        let v1 = &resources[1];
        assert_eq!((v1.version.as_str(), v1.storage_version.as_str()), ("v1", "v1"));
        assert_eq!(resources[0].storage_version, "v1");
        assert!(v1.has_status && v1.has_scale && !resources[0].has_scale);
        assert_eq!(v1.short_names, ["wd"]);
        assert_eq!(v1.singular, "widget");
        assert_eq!(v1.custom.as_ref().unwrap().spec_replicas_path, ".spec.size");
        assert_eq!(c["status"]["conditions"][1]["type"], "Established");
        assert_eq!(c["status"]["storedVersions"], json!(["v1"]));
        assert_eq!(c["status"]["acceptedNames"]["listKind"], "WidgetList");
    }

    #[test]
    fn reports_every_broken_rule() {
        let mut c = crd();
        c["metadata"]["name"] = json!("widgets.example.org");
        c["spec"]["scope"] = json!("Global");
        c["spec"]["versions"][0]["storage"] = json!(true);
        c["spec"]["versions"][0]["schema"] = json!({});
        let fields: Vec<String> = validate(&c).into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "metadata.name",
                "spec.scope",
                "spec.versions[0].schema.openAPIV3Schema",
                "spec.versions"
            ]
        );
        let err = establish(&mut c).unwrap_err();
        assert_eq!(err.code, 422);
        assert!(
            err.message.starts_with(
                "CustomResourceDefinition.apiextensions.k8s.io \"widgets.example.org\" is invalid: [metadata.name: Invalid value: \"widgets.example.org\": must be spec.names.plural+\".\"+spec.group, spec.scope: Unsupported value: \"Global\": supported values: \"Cluster\", \"Namespaced\""
            ),
            "{}",
            err.message
        );
    }

    #[test]
    fn printer_columns_convert_by_type() {
        let mut c = crd();
        let resources = establish(&mut c).unwrap();
        let custom = resources[1].custom.as_ref().unwrap();
        let names: Vec<Value> = columns(custom).iter().map(|c| c["name"].clone()).collect();
        assert_eq!(names, [json!("Name"), json!("Size"), json!("Ready"), json!("Age")]);
        let now = Utc::now();
        let obj = json!({
            "metadata": {"name": "w", "creationTimestamp": (now - chrono::Duration::seconds(90)).to_rfc3339()},
            "spec": {"size": 3},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}
        });
        assert_eq!(
            cells(custom, &obj, now),
            [json!("w"), json!(3), json!("True"), json!("90s")]
        );
        let bare = json!({"metadata": {"name": "b"}});
        assert_eq!(
            cells(custom, &bare, now),
            [json!("b"), Value::Null, Value::Null, Value::Null]
        );
        // Without printer columns: Name and Age.
        let default = CustomInfo {
            printer_columns: Vec::new(),
            ..custom.clone()
        };
        assert_eq!(columns(&default).len(), 2);
    }
}
