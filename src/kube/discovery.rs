//! What a cluster serves, from aggregated discovery (`/api` and `/apis` in one request each):
//! every group, version and resource with its scope, verbs, short names and categories; custom
//! resources also carry their CRD's printer columns.

use kube::api::ApiResource;
use kube::core::discovery::v2::APIGroupDiscoveryList;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A column of a CRD's `additionalPrinterColumns`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrinterColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub json_path: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceInfo {
    /// Empty for the core group (written `core` in Fleetdeck's paths).
    pub group: String,
    pub version: String,
    /// The plural name used in paths.
    pub resource: String,
    pub kind: String,
    pub namespaced: bool,
    pub verbs: Vec<String>,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub subresources: Vec<String>,
    /// The version the cluster prefers for this group.
    pub preferred: bool,
    /// Custom resources only.
    pub printer_columns: Vec<PrinterColumn>,
}

impl ResourceInfo {
    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.clone(),
            version: self.version.clone(),
            api_version: match self.group.as_str() {
                "" => self.version.clone(),
                g => format!("{g}/{}", self.version),
            },
            kind: self.kind.clone(),
            plural: self.resource.clone(),
        }
    }

    pub fn can(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }

    /// `group/version/resource` with the core group written `core`, as in Fleetdeck's paths.
    pub fn path(&self) -> String {
        let group = if self.group.is_empty() { "core" } else { &self.group };
        format!("{group}/{}/{}", self.version, self.resource)
    }
}

/// The resources of an aggregated discovery answer (the core group's or the other groups').
pub fn resources(list: APIGroupDiscoveryList) -> Vec<ResourceInfo> {
    let mut out = Vec::new();
    for group in list.items {
        let name = group.metadata.and_then(|m| m.name).unwrap_or_default();
        for (i, version) in group.versions.into_iter().enumerate() {
            let v = version.version.unwrap_or_default();
            for r in version.resources {
                let kind = r.response_kind.and_then(|k| k.kind).unwrap_or_default();
                out.push(ResourceInfo {
                    group: name.clone(),
                    version: v.clone(),
                    resource: r.resource.unwrap_or_default(),
                    kind,
                    namespaced: r.scope.as_deref() == Some("Namespaced"),
                    verbs: r.verbs,
                    short_names: r.short_names,
                    categories: r.categories,
                    subresources: r.subresources.into_iter().filter_map(|s| s.subresource).collect(),
                    // Versions are listed in the server's order of preference.
                    preferred: i == 0,
                    printer_columns: vec![],
                });
            }
        }
    }
    out
}

/// Every resource the cluster serves, core group first, then by group, version and name.
pub async fn discover(client: &kube::Client) -> Result<Vec<ResourceInfo>, kube::Error> {
    let (core, groups) = tokio::try_join!(
        client.list_core_api_versions_aggregated(),
        client.list_api_groups_aggregated()
    )?;
    let mut all = resources(core);
    all.extend(resources(groups));
    all.sort_by(|a, b| (&a.group, &a.version, &a.resource).cmp(&(&b.group, &b.version, &b.resource)));
    Ok(all)
}

impl ResourceInfo {
    /// A resource every cluster serves, known without asking (get, list and watch).
    pub fn builtin(group: &str, version: &str, resource: &str, kind: &str, namespaced: bool) -> ResourceInfo {
        ResourceInfo {
            group: group.into(),
            version: version.into(),
            resource: resource.into(),
            kind: kind.into(),
            namespaced,
            verbs: ["get", "list", "watch"].map(String::from).to_vec(),
            short_names: vec![],
            categories: vec![],
            subresources: vec![],
            preferred: true,
            printer_columns: vec![],
        }
    }
}

/// The CRD resource, whose changes refresh discovery.
pub fn crds() -> ResourceInfo {
    ResourceInfo::builtin(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        false,
    )
}

/// Gives each custom resource the printer columns of its CRD (`spec` of a cached CRD object).
pub fn add_printer_columns(resources: &mut [ResourceInfo], crd_specs: &[&Value]) {
    for spec in crd_specs {
        let group = spec.get("group").and_then(Value::as_str).unwrap_or_default();
        let plural = spec
            .pointer("/names/plural")
            .and_then(Value::as_str)
            .unwrap_or_default();
        for version in spec.get("versions").and_then(Value::as_array).into_iter().flatten() {
            let name = version.get("name").and_then(Value::as_str).unwrap_or_default();
            let columns: Vec<PrinterColumn> = version
                .get("additionalPrinterColumns")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|c| PrinterColumn {
                    name: c.get("name").and_then(Value::as_str).unwrap_or_default().into(),
                    type_: c.get("type").and_then(Value::as_str).unwrap_or("string").into(),
                    json_path: c.get("jsonPath").and_then(Value::as_str).unwrap_or_default().into(),
                })
                .collect();
            if let Some(r) = resources
                .iter_mut()
                .find(|r| r.group == group && r.resource == plural && r.version == name)
            {
                r.printer_columns = columns;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn aggregated_discovery_becomes_resources() {
        let list: APIGroupDiscoveryList = serde_json::from_value(json!({
            "apiVersion": "apidiscovery.k8s.io/v2", "kind": "APIGroupDiscoveryList",
            "items": [{"metadata": {"name": "apps"}, "versions": [
                {"version": "v1", "resources": [{"resource": "deployments", "scope": "Namespaced",
                    "responseKind": {"group": "apps", "version": "v1", "kind": "Deployment"},
                    "verbs": ["get", "list", "watch"], "shortNames": ["deploy"], "categories": ["all"],
                    "subresources": [{"subresource": "scale", "verbs": ["get"]}]}]},
                {"version": "v1beta1", "resources": [{"resource": "widgets", "scope": "Cluster",
                    "responseKind": {"kind": "Widget"}, "verbs": ["list"]}]}
            ]}]
        }))
        .unwrap();
        let r = resources(list);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].path(), "apps/v1/deployments");
        assert!(r[0].namespaced && r[0].preferred && r[0].can("watch"));
        assert_eq!(
            (r[0].short_names.clone(), r[0].subresources.clone()),
            (vec!["deploy".into()], vec!["scale".into()])
        );
        assert!(!r[1].namespaced && !r[1].preferred);
        assert_eq!(r[1].api_resource().api_version, "apps/v1beta1");
    }

    #[test]
    fn printer_columns_come_from_the_crd_version() {
        let mut rs = vec![ResourceInfo::builtin("example.com", "v1", "widgets", "Widget", true)];
        let spec = json!({"group": "example.com", "names": {"plural": "widgets"}, "versions": [
            {"name": "v1", "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]}]});
        add_printer_columns(&mut rs, &[&spec]);
        assert_eq!(
            rs[0].printer_columns,
            vec![PrinterColumn {
                name: "Size".into(),
                type_: "integer".into(),
                json_path: ".spec.size".into()
            }]
        );
        assert_eq!(
            ResourceInfo::builtin("", "v1", "pods", "Pod", true).path(),
            "core/v1/pods"
        );
    }
}
