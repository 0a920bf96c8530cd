//! The Flux inputs of a cluster: catalog defaults, the cluster's overrides and patches merged,
//! serialized exactly as served. Pure: it takes the catalog and answers bytes.

use serde::Serialize;

use super::model::*;
use crate::clusters::record::{ClusterMeta, Clusters};

/// The ExternalService client refuses bodies larger than this (900 KiB).
pub const MAX_BYTES: usize = 921_600;

/// The input kinds served per cluster, as they appear in the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputKind {
    PlatformComponents,
    Namespaces,
    RoleBindings,
}

impl InputKind {
    pub const ALL: [InputKind; 3] = [
        InputKind::PlatformComponents,
        InputKind::Namespaces,
        InputKind::RoleBindings,
    ];

    pub fn path(self) -> &'static str {
        match self {
            InputKind::PlatformComponents => "platform-components",
            InputKind::Namespaces => "namespaces",
            InputKind::RoleBindings => "rolebindings",
        }
    }
}

fn cluster_ref(cluster: &ClusterMeta) -> ClusterRef {
    ClusterRef {
        name: cluster.name.clone(),
        dns: cluster.dns.clone().unwrap_or_default(),
        environment: cluster.environment.clone(),
    }
}

/// Assigned components, by id: cluster overrides win when set, patches default to `{}`,
/// and assignments whose component is gone are skipped.
pub fn component_inputs(catalog: &Catalog, cluster: &ClusterMeta) -> Vec<ComponentInput> {
    let a = catalog.assignments_of(&cluster.name);
    a.platform_components
        .iter()
        .filter_map(|assigned| {
            let c = catalog.components.get(&assigned.id)?;
            Some(ComponentInput {
                id: c.id.clone(),
                component_path: assigned
                    .component_path
                    .clone()
                    .unwrap_or_else(|| c.component_path.clone()),
                component_version: c.component_version.clone(),
                cluster_env_enabled: c.cluster_env_enabled,
                depends_on: c.depends_on.clone(),
                enabled: assigned.enabled,
                patches: a.patches.get(&c.id).cloned().unwrap_or_default(),
                cluster: cluster_ref(cluster),
                source: Source {
                    oci_url: c.oci_url.clone(),
                    oci_tag: assigned.oci_tag.clone().unwrap_or_else(|| c.oci_tag.clone()),
                },
            })
        })
        .collect()
}

pub fn namespace_inputs(catalog: &Catalog, cluster: &ClusterMeta) -> Vec<NamespaceInput> {
    let a = catalog.assignments_of(&cluster.name);
    a.namespaces
        .iter()
        .filter_map(|id| catalog.namespaces.get(id))
        .map(|n| NamespaceInput {
            id: n.id.clone(),
            labels: n.labels.clone(),
            annotations: n.annotations.clone(),
            cluster: cluster_ref(cluster),
        })
        .collect()
}

pub fn rolebinding_inputs(catalog: &Catalog, cluster: &ClusterMeta) -> Vec<RoleBindingInput> {
    let a = catalog.assignments_of(&cluster.name);
    a.rolebindings
        .iter()
        .filter_map(|id| catalog.rolebindings.get(id))
        .map(|r| RoleBindingInput {
            id: r.id.clone(),
            role: r.role.clone(),
            subjects: r.subjects.clone(),
            cluster: cluster_ref(cluster),
        })
        .collect()
}

/// One input per cluster that has a dns (all of them, or only `only_dns`), by name.
pub fn cluster_inputs(clusters: &Clusters, only_dns: Option<&str>) -> Vec<ClusterInput> {
    clusters
        .values()
        .filter_map(|c| {
            let dns = c.dns.as_ref()?;
            if only_dns.is_some_and(|d| d != dns) {
                return None;
            }
            Some(ClusterInput {
                id: c.name.clone(),
                cluster_name: c.name.clone(),
                cluster_dns: dns.clone(),
                environment: c.environment.clone(),
                labels: c.labels.clone(),
            })
        })
        .collect()
}

/// `{"inputs": [...]}` as bytes.
pub fn render<T: Serialize>(inputs: Vec<T>) -> Vec<u8> {
    serde_json::to_vec(&Inputs { inputs }).expect("inputs serialize")
}

/// The served body of one kind of input for a cluster.
pub fn render_kind(catalog: &Catalog, cluster: &ClusterMeta, kind: InputKind) -> Vec<u8> {
    match kind {
        InputKind::PlatformComponents => render(component_inputs(catalog, cluster)),
        InputKind::Namespaces => render(namespace_inputs(catalog, cluster)),
        InputKind::RoleBindings => render(rolebinding_inputs(catalog, cluster)),
    }
}

/// Every cluster input that would be over `MAX_BYTES`.
pub fn oversized(catalog: &Catalog) -> Vec<Warning> {
    let mut warnings = Vec::new();
    for cluster in catalog.clusters.values().filter(|c| c.dns.is_some()) {
        for kind in InputKind::ALL {
            let size = render_kind(catalog, cluster, kind).len();
            if size > MAX_BYTES {
                warnings.push(Warning {
                    code: "inputs_too_large".into(),
                    cluster: cluster.name.clone(),
                    inputs: kind.path().into(),
                    size,
                    limit: MAX_BYTES,
                });
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::{Value, json};

    use super::*;

    fn catalog() -> (Catalog, ClusterMeta) {
        let mut c = Catalog::default();
        let cluster = ClusterMeta {
            name: "demo".into(),
            display_name: "Demo".into(),
            dns: Some("demo.k8s.example.com".into()),
            environment: "dev".into(),
            labels: [("tier".to_string(), "gold".to_string())].into(),
            source: "metadata-only".into(),
        };
        c.clusters.insert("demo".into(), cluster.clone());
        for (id, deps) in [("cert-manager", vec![]), ("ingress", vec!["cert-manager".to_string()])] {
            c.components.insert(
                id.into(),
                PlatformComponent {
                    id: id.into(),
                    component_path: format!("charts/{id}"),
                    component_version: "1.2.3".into(),
                    cluster_env_enabled: id == "ingress",
                    oci_url: "oci://registry.example.com".into(),
                    oci_tag: "1.2.3".into(),
                    depends_on: deps,
                    description: "not sent".into(),
                },
            );
        }
        c.namespaces.insert(
            "apps".into(),
            FluxNamespace {
                id: "apps".into(),
                labels: [("a".to_string(), "b".to_string())].into(),
                annotations: BTreeMap::new(),
            },
        );
        let mut a = ClusterAssignments {
            platform_components: vec![
                ComponentAssignment {
                    id: "cert-manager".into(),
                    enabled: false,
                    oci_tag: None,
                    component_path: None,
                },
                ComponentAssignment {
                    id: "gone".into(),
                    enabled: true,
                    oci_tag: None,
                    component_path: None,
                },
                ComponentAssignment {
                    id: "ingress".into(),
                    enabled: true,
                    oci_tag: Some("4.0.0".into()),
                    component_path: Some("custom/ingress".into()),
                },
            ],
            namespaces: vec!["apps".into(), "missing".into()],
            ..Default::default()
        };
        a.patches.insert(
            "ingress".into(),
            [
                ("replicas".to_string(), json!(3)),
                ("tls".to_string(), json!({"on": true})),
            ]
            .into(),
        );
        c.assignments.insert("demo".into(), a);
        (c, cluster)
    }

    fn body(bytes: Vec<u8>) -> Value {
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn overrides_win_patches_keep_their_types_and_missing_references_are_skipped() {
        let (c, cluster) = catalog();
        let v = body(render_kind(&c, &cluster, InputKind::PlatformComponents));
        let inputs = v["inputs"].as_array().unwrap();
        assert_eq!(inputs.len(), 2, "the assignment of a component that is gone is skipped");
        assert_eq!(
            inputs[0],
            json!({
                "id": "cert-manager", "component_path": "charts/cert-manager", "component_version": "1.2.3",
                "cluster_env_enabled": false, "depends_on": [], "enabled": false, "patches": {},
                "cluster": {"name": "demo", "dns": "demo.k8s.example.com", "environment": "dev"},
                "source": {"oci_url": "oci://registry.example.com", "oci_tag": "1.2.3"}
            })
        );
        assert_eq!(inputs[1]["component_path"], "custom/ingress");
        assert_eq!(inputs[1]["source"]["oci_tag"], "4.0.0");
        assert_eq!(inputs[1]["patches"], json!({"replicas": 3, "tls": {"on": true}}));
        assert_eq!(inputs[1]["depends_on"], json!(["cert-manager"]));
        assert!(inputs[1].get("description").is_none());
    }

    #[test]
    fn namespaces_rolebindings_and_clusters() {
        let (c, cluster) = catalog();
        let ns = body(render_kind(&c, &cluster, InputKind::Namespaces));
        assert_eq!(ns["inputs"].as_array().unwrap().len(), 1);
        assert_eq!(ns["inputs"][0]["labels"], json!({"a": "b"}));
        assert_eq!(ns["inputs"][0]["annotations"], json!({}));
        let rb = body(render_kind(&c, &cluster, InputKind::RoleBindings));
        assert_eq!(rb, json!({"inputs": []}), "no assignments: an empty inputs array");
        let clusters = body(render(cluster_inputs(&c.clusters, None)));
        assert_eq!(
            clusters,
            json!({"inputs": [{"id": "demo", "cluster_name": "demo", "cluster_dns": "demo.k8s.example.com",
                              "environment": "dev", "labels": {"tier": "gold"}}]})
        );
        assert_eq!(
            body(render(cluster_inputs(&c.clusters, Some("other.example.com")))),
            json!({"inputs": []})
        );
    }

    #[test]
    fn oversized_inputs_are_reported() {
        let (mut c, _) = catalog();
        assert!(oversized(&c).is_empty());
        let big = "x".repeat(MAX_BYTES);
        c.assignments
            .get_mut("demo")
            .unwrap()
            .patches
            .insert("ingress".into(), [("blob".to_string(), json!(big))].into());
        let w = oversized(&c);
        assert_eq!(w.len(), 1);
        assert_eq!(
            (w[0].cluster.as_str(), w[0].inputs.as_str(), w[0].limit),
            ("demo", "platform-components", MAX_BYTES)
        );
        assert!(w[0].size > MAX_BYTES);
    }
}
