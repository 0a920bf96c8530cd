//! Flux catalog, assignment, import and input types — plain data, which the store keeps as it
//! is. These keep the Flux contract's snake_case names so the catalog, the inputs and
//! ResourceSet templates read alike.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{Array, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::clusters::record::Clusters;

/// Catalog kinds as stored (`flux_catalog.kind`, `flux_assignments.kind`).
pub const COMPONENT: &str = "platform_component";
pub const NAMESPACE: &str = "namespace";
pub const ROLEBINDING: &str = "rolebinding";

/// The catalog as one value: its entries, the clusters it is checked against and rendered for,
/// and what it assigns to them. Changes are made on a copy (`flux::catalog`): one that fails may
/// leave it part-way, and the copy is dropped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub components: BTreeMap<String, PlatformComponent>,
    pub namespaces: BTreeMap<String, FluxNamespace>,
    pub rolebindings: BTreeMap<String, FluxRoleBinding>,
    /// Owned by the cluster registry; the catalog writes them only on import.
    pub clusters: Clusters,
    /// Cluster name → its assignments (normalized; clusters without any are absent).
    pub assignments: BTreeMap<String, ClusterAssignments>,
}

fn latest() -> String {
    "latest".to_string()
}

fn yes() -> bool {
    true
}

/// A platform component of the catalog: a Helm chart or OCI artifact every assigned cluster runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformComponent {
    /// DNS-1123 label, unique in the catalog.
    pub id: String,
    /// Chart name or path within the OCI artifact.
    pub component_path: String,
    /// Upstream version; `latest` means no pinning.
    #[serde(default = "latest")]
    pub component_version: String,
    /// When true, templates append `/<environment>` to the path.
    #[serde(default)]
    pub cluster_env_enabled: bool,
    /// Helm repository or OCI registry URL.
    pub oci_url: String,
    #[serde(default = "latest")]
    pub oci_tag: String,
    /// Ids of components that must be healthy first.
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default)]
    pub description: String,
}

/// A namespace definition of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FluxNamespace {
    pub id: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// A role binding definition of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FluxRoleBinding {
    pub id: String,
    /// The ClusterRole to bind, e.g. `cluster-admin`.
    pub role: String,
    pub subjects: Vec<Subject>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum SubjectKind {
    User,
    Group,
    ServiceAccount,
}

/// A subject of a role binding, as in `rbac.authorization.k8s.io/v1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    pub kind: SubjectKind,
    pub name: String,
    #[serde(rename = "apiGroup", default, skip_serializing_if = "Option::is_none")]
    pub api_group: Option<String>,
    /// Required for ServiceAccount subjects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// A component assigned to a cluster, with the cluster's overrides (`null`: the catalog's value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComponentAssignment {
    pub id: String,
    /// Disabled components are still sent, with `enabled: false`, so Flux garbage-collects them.
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub oci_tag: Option<String>,
    #[serde(default)]
    pub component_path: Option<String>,
}

/// Per-cluster values for one component: string keys to any JSON value.
pub type Patch = BTreeMap<String, Value>;

/// What the catalog assigns to one cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterAssignments {
    #[serde(default)]
    pub platform_components: Vec<ComponentAssignment>,
    /// Namespace ids.
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// Role binding ids.
    #[serde(default)]
    pub rolebindings: Vec<String>,
    /// Component id → values for that component on this cluster.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, BTreeMap<String, serde_json::Value>>)]
    pub patches: BTreeMap<String, Patch>,
}

/// A cluster's Flux inputs that would be larger than the client accepts.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Warning {
    /// `inputs_too_large`
    pub code: String,
    pub cluster: String,
    /// Which input kind: `platform-components`, `namespaces` or `rolebindings`.
    pub inputs: String,
    pub size: usize,
    pub limit: usize,
}

/// A catalog write's answer: the entry as stored, and warnings about clusters it affects.
#[derive(Debug, Serialize)]
pub struct Written<T> {
    #[serde(flatten)]
    pub entry: T,
    pub warnings: Vec<Warning>,
}

/// `T`'s object schema plus `warnings`. A derived schema would be `allOf` of `T`'s and
/// `{warnings}`, which no answer can match: `deny_unknown_fields` closes `T`'s to other properties.
/// (`ComposeSchema` is how utoipa builds generic schemas; the generic it passes is a `$ref`, which
/// cannot be merged, so `T::schema()` is read instead.)
impl<T: ToSchema> utoipa::__dev::ComposeSchema for Written<T> {
    fn compose(_: Vec<RefOr<Schema>>) -> RefOr<Schema> {
        let RefOr::T(Schema::Object(mut object)) = T::schema() else {
            panic!("Written<{}> needs an object schema", T::name());
        };
        object.properties.insert(
            "warnings".into(),
            Array::new(Ref::from_schema_name(Warning::name())).into(),
        );
        object.required.push("warnings".into());
        object.description = Some(format!(
            "{} as stored, and warnings about clusters it affects.",
            T::name()
        ));
        RefOr::T(Schema::Object(object))
    }
}

impl<T: ToSchema> ToSchema for Written<T> {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Warning::name().into(), Warning::schema()));
        T::schemas(schemas);
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// A cluster in the import/export document. It repeats `ClusterAssignments`' fields rather than
/// flattening them because serde cannot flatten under `deny_unknown_fields`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterDocument {
    pub name: String,
    #[serde(default)]
    pub dns: Option<String>,
    pub environment: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub platform_components: Vec<ComponentAssignment>,
    #[serde(default)]
    pub namespaces: Vec<String>,
    #[serde(default)]
    pub rolebindings: Vec<String>,
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, BTreeMap<String, serde_json::Value>>)]
    pub patches: BTreeMap<String, Patch>,
}

/// The whole catalog as one document (import and export).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogDocument {
    #[serde(default)]
    pub platform_components: Vec<PlatformComponent>,
    #[serde(default)]
    pub namespaces: Vec<FluxNamespace>,
    #[serde(default)]
    pub rolebindings: Vec<FluxRoleBinding>,
    #[serde(default)]
    pub clusters: Vec<ClusterDocument>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub deleted: usize,
    pub unchanged: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// True when nothing was written (`?dryRun=true`).
    pub dry_run: bool,
    pub platform_components: Counts,
    pub namespaces: Counts,
    pub rolebindings: Counts,
    pub clusters: Counts,
    pub warnings: Vec<Warning>,
}

/// The `cluster` block of every input.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClusterRef {
    pub name: String,
    pub dns: String,
    pub environment: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Source {
    pub oci_url: String,
    pub oci_tag: String,
}

/// One input of `/api/v2/flux/clusters/{cluster_dns}/platform-components`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComponentInput {
    pub id: String,
    pub component_path: String,
    pub component_version: String,
    pub cluster_env_enabled: bool,
    pub depends_on: Vec<String>,
    pub enabled: bool,
    #[schema(value_type = BTreeMap<String, serde_json::Value>)]
    pub patches: Patch,
    pub cluster: ClusterRef,
    pub source: Source,
}

/// One input of `/api/v2/flux/clusters/{cluster_dns}/namespaces`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NamespaceInput {
    pub id: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub cluster: ClusterRef,
}

/// One input of `/api/v2/flux/clusters/{cluster_dns}/rolebindings`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleBindingInput {
    pub id: String,
    pub role: String,
    pub subjects: Vec<Subject>,
    pub cluster: ClusterRef,
}

/// One input of `/api/v2/flux/clusters`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterInput {
    pub id: String,
    pub cluster_name: String,
    pub cluster_dns: String,
    pub environment: String,
    pub labels: BTreeMap<String, String>,
}

/// The ExternalService response: `{"inputs": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Inputs<T> {
    pub inputs: Vec<T>,
}
