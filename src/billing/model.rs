//! The tenancy API's types and the pure checks of what they carry.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::incidents::risk_guard::Analysis;
use crate::kube::quantity;
use crate::names;
use crate::store::tenancy::{AppRow, ProjectRow, TenantRow};

/// A nested object of a request body, refused when given as an array: serde's derived structs
/// also take their fields in order from a sequence, which the schema does not allow.
pub fn object<'de, D: serde::Deserializer<'de>, T: serde::de::DeserializeOwned>(d: D) -> Result<T, D::Error> {
    match serde_json::Value::deserialize(d)? {
        v @ serde_json::Value::Object(_) => serde_json::from_value(v).map_err(serde::de::Error::custom),
        _ => Err(serde::de::Error::custom("expected an object")),
    }
}

/// Replicas an app may ask for.
pub const REPLICAS_MAX: u32 = 100;
const DISPLAY_NAME_MAX_CHARS: usize = 100;
const IMAGE_MAX_CHARS: usize = 512;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: String,
    /// A DNS-1123 label, unique.
    pub name: String,
    pub display_name: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantList {
    pub items: Vec<Tenant>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateTenant {
    /// A DNS-1123 label of at most 30 characters (it starts the projects' namespaces).
    pub name: String,
    /// At most 100 characters; defaults to the name.
    pub display_name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateTenant {
    /// At most 100 characters.
    pub display_name: String,
}

/// A project's ResourceQuota: hard limits as Kubernetes quantities; what is left out is not
/// limited, unless the platform policy has a ceiling for it, which is then the default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Quota {
    /// `requests.cpu`, e.g. `4` or `1500m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_cpu: Option<String>,
    /// `requests.memory`, e.g. `8Gi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_memory: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits_cpu: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits_memory: Option<String>,
    /// 0 to 100,000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(maximum = 100000)]
    pub pods: Option<u32>,
}

/// The most pods a quota may name.
const PODS_MAX: u32 = 100_000;

/// A quantity's value to compare: millicores for CPU, bytes for memory.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Resource {
    Cpu,
    Memory,
}

fn amount(resource: Resource, q: &str) -> Option<f64> {
    match resource {
        Resource::Cpu => quantity::millicores(q).filter(|m| *m >= 0.0),
        Resource::Memory => quantity::bytes(q).map(|b| b as f64),
    }
}

impl Quota {
    /// (field name, resource, value) of the quantities set.
    fn quantities(&self) -> [(&'static str, Resource, Option<&String>); 4] {
        [
            ("requestsCpu", Resource::Cpu, self.requests_cpu.as_ref()),
            ("requestsMemory", Resource::Memory, self.requests_memory.as_ref()),
            ("limitsCpu", Resource::Cpu, self.limits_cpu.as_ref()),
            ("limitsMemory", Resource::Memory, self.limits_memory.as_ref()),
        ]
    }

    /// The fields as whole numbers to add up — millicores (rounded up), bytes, pods — by field
    /// name; None where not set. The quota must have passed `check`.
    pub fn amounts(&self) -> [(&'static str, Option<u128>); 5] {
        let [a, b, c, d] = self.quantities().map(|(field, resource, value)| {
            let n = value.and_then(|v| amount(resource, v)).map(|n| n.ceil() as u128);
            (field, n)
        });
        [a, b, c, d, ("pods", self.pods.map(u128::from))]
    }

    /// Every quantity given is one, and `pods` is within bounds.
    pub fn check(&self) -> Result<(), String> {
        if self.pods.is_some_and(|p| p > PODS_MAX) {
            return Err(format!("pods must be 0 to {PODS_MAX}"));
        }
        for (field, resource, value) in self.quantities() {
            if let Some(v) = value
                && amount(resource, v).is_none()
            {
                let kind = match resource {
                    Resource::Cpu => "CPU",
                    Resource::Memory => "memory",
                };
                return Err(format!("{field}: {v:?} is not a {kind} quantity"));
            }
        }
        Ok(())
    }

    /// This quota with what it leaves out taken from `ceiling`.
    pub fn defaulted(&self, ceiling: &Quota) -> Quota {
        Quota {
            requests_cpu: self.requests_cpu.clone().or_else(|| ceiling.requests_cpu.clone()),
            requests_memory: self.requests_memory.clone().or_else(|| ceiling.requests_memory.clone()),
            limits_cpu: self.limits_cpu.clone().or_else(|| ceiling.limits_cpu.clone()),
            limits_memory: self.limits_memory.clone().or_else(|| ceiling.limits_memory.clone()),
            pods: self.pods.or(ceiling.pods),
        }
    }

    /// The first field above `ceiling`'s: (field, value, ceiling). Both must have passed `check`.
    pub fn above(&self, ceiling: &Quota) -> Option<(&'static str, String, String)> {
        for ((field, resource, value), (_, _, max)) in self.quantities().into_iter().zip(ceiling.quantities()) {
            if let (Some(v), Some(m)) = (value, max)
                && amount(resource, v) > amount(resource, m)
            {
                return Some((field, v.clone(), m.clone()));
            }
        }
        match (self.pods, ceiling.pods) {
            (Some(v), Some(m)) if v > m => Some(("pods", v.to_string(), m.to_string())),
            _ => None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    /// The registered cluster the namespace is in.
    pub cluster: String,
    pub namespace: String,
    pub quota: Quota,
    /// Whether the cluster holds the project as it is now.
    pub sync: ProjectSync,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SyncStatus {
    /// The cluster holds the project, its guard rails and apps as they are now.
    Synced,
    /// A change waits for the project sync.
    Pending,
    /// The last try failed: see `error`.
    Failed,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectSync {
    pub status: SyncStatus,
    /// Why the last try failed.
    pub error: Option<String>,
    /// When a sync last succeeded.
    pub synced_at: Option<DateTime<Utc>>,
}

impl ProjectSync {
    fn of(r: &ProjectRow) -> ProjectSync {
        let status = match (&r.sync_error, r.synced_generation == r.generation) {
            (Some(_), _) => SyncStatus::Failed,
            (None, true) => SyncStatus::Synced,
            (None, false) => SyncStatus::Pending,
        };
        ProjectSync {
            status,
            error: r.sync_error.clone(),
            synced_at: r.synced_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectList {
    pub items: Vec<Project>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateProject {
    pub tenant_id: String,
    /// A DNS-1123 label of at most 30 characters, unique in its tenant.
    pub name: String,
    /// A registered cluster.
    pub cluster: String,
    /// A DNS-1123 label, free in that cluster; defaults to `<tenant name>-<project name>`.
    pub namespace: Option<String>,
    #[serde(default, deserialize_with = "object")]
    pub quota: Quota,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateProject {
    /// Replaces the quota.
    #[serde(deserialize_with = "object")]
    pub quota: Quota,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct DeleteProjectQuery {
    /// `false` keeps the namespace and what it holds in the cluster; default `true`: the
    /// namespace is deleted with everything in it.
    pub cascade: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct ProjectsQuery {
    pub tenant_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct App {
    pub id: String,
    pub project_id: String,
    pub tenant_id: String,
    pub name: String,
    pub spec: AppSpec,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The risk guard's analysis of the objects the app becomes (Deployment, Service, Ingress),
    /// in the answer to its creation or change while FLEETDECK_RISK_GUARD is not `off`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_guard: Option<Analysis>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppList {
    pub items: Vec<App>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateApp {
    pub project_id: String,
    /// A DNS-1123 label, unique in its project.
    pub name: String,
    #[serde(deserialize_with = "object")]
    pub spec: AppSpec,
}

/// What an app runs; a PUT replaces all of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AppSpec {
    /// From a registry the platform policy allows.
    pub image: String,
    /// 0 to 100; default 1.
    #[serde(default = "one")]
    #[schema(maximum = 100)]
    pub replicas: u32,
    /// 1 to 65535: the container port, served by a Service; none: no Service or Ingress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 65535)]
    pub port: Option<u16>,
    /// A DNS name served by an Ingress to the port (needs `port`); none: no Ingress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

fn one() -> u32 {
    1
}

impl AppSpec {
    pub fn of(r: &AppRow) -> AppSpec {
        AppSpec {
            image: r.image.clone(),
            replicas: u32::try_from(r.replicas).unwrap_or(0),
            port: r.port.and_then(|p| u16::try_from(p).ok()),
            host: r.host.clone(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct AppsQuery {
    pub project_id: Option<String>,
}

/// A tenant's or project's name: a DNS-1123 label short enough that `<tenant>-<project>` is one.
pub fn check_short_name(what: &str, name: &str) -> Result<(), String> {
    match names::is_dns_label(name) && name.len() <= 30 {
        true => Ok(()),
        false => Err(format!(
            "{what} name {name:?} must be a DNS-1123 label of at most 30 characters"
        )),
    }
}

pub fn check_display_name(name: &str) -> Result<(), String> {
    match !name.trim().is_empty() && name.chars().count() <= DISPLAY_NAME_MAX_CHARS {
        true => Ok(()),
        false => Err(format!("displayName must be 1 to {DISPLAY_NAME_MAX_CHARS} characters")),
    }
}

/// An app's spec: a plain image reference, replicas in bounds, a host only with a port.
pub fn check_app_spec(spec: &AppSpec) -> Result<(), (&'static str, String)> {
    let image = &spec.image;
    if image.is_empty()
        || image.chars().count() > IMAGE_MAX_CHARS
        || image.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(("invalid_image", format!("image {image:?} is not an image reference")));
    }
    if spec.replicas > REPLICAS_MAX {
        return Err(("invalid_replicas", format!("replicas must be 0 to {REPLICAS_MAX}")));
    }
    if spec.port == Some(0) {
        return Err(("invalid_port", "port must be 1 to 65535".into()));
    }
    match (&spec.host, spec.port) {
        (Some(host), _) if !names::is_fqdn(host) => Err(("invalid_host", format!("host {host:?} is not a DNS name"))),
        (Some(_), None) => Err(("invalid_host", "a host needs a port to serve".into())),
        _ => Ok(()),
    }
}

impl From<TenantRow> for Tenant {
    fn from(r: TenantRow) -> Tenant {
        Tenant {
            id: r.id,
            name: r.name,
            display_name: r.display_name,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A project's quota as stored; one no longer of its shape reads as no limits (which no
/// entitlement covers).
pub fn quota_of(r: &ProjectRow) -> Quota {
    serde_json::from_value(r.quota.0.clone()).unwrap_or_default()
}

impl From<ProjectRow> for Project {
    fn from(r: ProjectRow) -> Project {
        let sync = ProjectSync::of(&r);
        Project {
            id: r.id,
            tenant_id: r.tenant_id,
            name: r.name,
            cluster: r.cluster,
            namespace: r.namespace,
            // Written from a checked `Quota`; a row no longer of its shape shows as no quota.
            quota: serde_json::from_value(r.quota.0).unwrap_or_default(),
            sync,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl App {
    pub fn from_row(r: AppRow, tenant_id: String) -> App {
        let spec = AppSpec::of(&r);
        App {
            id: r.id,
            project_id: r.project_id,
            tenant_id,
            name: r.name,
            spec,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            risk_guard: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(requests_cpu: Option<&str>, limits_memory: Option<&str>, pods: Option<u32>) -> Quota {
        Quota {
            requests_cpu: requests_cpu.map(str::to_string),
            limits_memory: limits_memory.map(str::to_string),
            pods,
            ..Quota::default()
        }
    }

    #[test]
    fn quotas_are_checked_defaulted_and_bounded_by_the_ceiling() {
        assert!(quota(Some("1500m"), Some("2Gi"), Some(10)).check().is_ok());
        assert!(
            quota(Some("lots"), None, None)
                .check()
                .unwrap_err()
                .contains("requestsCpu")
        );
        assert!(quota(None, Some("-1Gi"), None).check().is_err());
        assert!(quota(None, None, Some(100_001)).check().unwrap_err().contains("pods"));
        let ceiling = quota(Some("4"), Some("8Gi"), Some(50));
        let asked = quota(Some("2"), None, None);
        assert_eq!(asked.defaulted(&ceiling), quota(Some("2"), Some("8Gi"), Some(50)));
        assert_eq!(asked.defaulted(&Quota::default()), asked);
        assert_eq!(quota(Some("4000m"), Some("8Gi"), Some(50)).above(&ceiling), None);
        assert_eq!(
            quota(Some("4001m"), None, None).above(&ceiling),
            Some(("requestsCpu", "4001m".into(), "4".into()))
        );
        assert_eq!(
            quota(None, Some("9Gi"), None).above(&ceiling).map(|a| a.0),
            Some("limitsMemory")
        );
        assert_eq!(quota(None, None, Some(51)).above(&ceiling).map(|a| a.0), Some("pods"));
        // No ceiling: nothing is above it.
        assert_eq!(quota(Some("400"), None, Some(1000)).above(&Quota::default()), None);
    }

    #[test]
    fn nested_objects_are_not_taken_from_arrays() {
        let ok: UpdateProject = serde_json::from_value(serde_json::json!({"quota": {"pods": 3}})).unwrap();
        assert_eq!(ok.quota.pods, Some(3));
        assert!(serde_json::from_value::<UpdateProject>(serde_json::json!({"quota": [null, null]})).is_err());
    }

    #[test]
    fn names_fit_in_a_namespace() {
        assert!(check_short_name("tenant", "acme").is_ok());
        assert!(check_short_name("tenant", &"a".repeat(30)).is_ok());
        assert!(check_short_name("tenant", &"a".repeat(31)).is_err());
        assert!(check_short_name("project", "Web").is_err());
        assert!(check_display_name("Acme Inc.").is_ok());
        assert!(check_display_name(" ").is_err());
    }

    #[test]
    fn app_specs_are_checked() {
        let spec = |image: &str, replicas, port, host: Option<&str>| AppSpec {
            image: image.into(),
            replicas,
            port,
            host: host.map(str::to_string),
        };
        assert!(check_app_spec(&spec("ghcr.io/acme/web:1", 2, Some(8080), Some("web.acme.example"))).is_ok());
        assert_eq!(
            check_app_spec(&spec("a b", 1, None, None)).unwrap_err().0,
            "invalid_image"
        );
        assert_eq!(check_app_spec(&spec("", 1, None, None)).unwrap_err().0, "invalid_image");
        assert_eq!(
            check_app_spec(&spec("nginx", 101, None, None)).unwrap_err().0,
            "invalid_replicas"
        );
        assert_eq!(
            check_app_spec(&spec("nginx", 1, Some(0), None)).unwrap_err().0,
            "invalid_port"
        );
        assert_eq!(
            check_app_spec(&spec("nginx", 1, None, Some("web.example")))
                .unwrap_err()
                .0,
            "invalid_host"
        );
        assert_eq!(
            check_app_spec(&spec("nginx", 1, Some(80), Some("not a host")))
                .unwrap_err()
                .0,
            "invalid_host"
        );
    }
}
