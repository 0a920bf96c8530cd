//! The Flux inputs of a cluster: catalog defaults, the cluster's overrides and patches merged,
//! serialized exactly as served. Pure: it takes the catalog and answers bytes.

use serde::Serialize;

use super::catalog::{Catalog, ClusterMeta};
use super::model::*;

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
pub fn cluster_inputs(catalog: &Catalog, only_dns: Option<&str>) -> Vec<ClusterInput> {
    catalog
        .clusters
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
