//! The cluster record every domain shares — its metadata, where its connection comes from, how
//! requests to it are authorized — and the rules a set of clusters must satisfy. Pure: these
//! take values and say what is wrong; the store keeps them as they are.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::names::{check_labels, is_dns_label, is_fqdn};

/// Where a cluster's connection comes from (`clusters.source`).
pub const KUBECONFIG: &str = "kubeconfig";
pub const IN_CLUSTER: &str = "in-cluster";
pub const REGISTERED: &str = "registered";
/// No connection: Fleetdeck knows the cluster's metadata only.
pub const METADATA_ONLY: &str = "metadata-only";

/// How requests to a cluster are authorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuthzMode {
    /// Fleetdeck's own identity; Fleetdeck's roles decide.
    #[default]
    Shared,
    /// Requests carry Impersonate-User/-Group for the signed-in user; Kubernetes RBAC decides.
    Impersonate,
}

impl AuthzMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthzMode::Shared => "shared",
            AuthzMode::Impersonate => "impersonate",
        }
    }

    /// The stored value; anything but `impersonate` is `shared`.
    pub fn from_stored(s: &str) -> AuthzMode {
        if s == AuthzMode::Impersonate.as_str() {
            AuthzMode::Impersonate
        } else {
            AuthzMode::Shared
        }
    }
}

/// A cluster's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterMeta {
    /// DNS-1123 label, unique.
    pub name: String,
    pub display_name: String,
    /// FQDN, unique; Flux inputs are served for clusters that have one.
    pub dns: Option<String>,
    pub environment: String,
    pub labels: BTreeMap<String, String>,
    /// One of the source constants above.
    pub source: String,
}

/// Every cluster, by name.
pub type Clusters = BTreeMap<String, ClusterMeta>;

#[derive(Debug, Clone, PartialEq)]
pub enum ClusterError {
    /// 422 with a code of its own.
    Invalid {
        code: &'static str,
        message: String,
    },
    /// 409: the name or dns is taken.
    Duplicate(String),
    NotFound(String),
}

fn invalid(code: &'static str, message: String) -> ClusterError {
    ClusterError::Invalid { code, message }
}

/// What a cluster's metadata must satisfy when it is written.
pub fn check(meta: &ClusterMeta, environments: &[String]) -> Result<(), ClusterError> {
    if !is_dns_label(&meta.name) {
        return Err(invalid(
            "invalid_name",
            format!("cluster name {:?} must be a DNS-1123 label", meta.name),
        ));
    }
    if let Some(dns) = &meta.dns
        && !is_fqdn(dns)
    {
        return Err(invalid(
            "invalid_dns",
            format!("dns {dns:?} is not a fully qualified domain name"),
        ));
    }
    if !environments.contains(&meta.environment) {
        return Err(invalid(
            "invalid_environment",
            format!(
                "environment {:?} is not one of {}",
                meta.environment,
                environments.join(", ")
            ),
        ));
    }
    if meta.display_name.chars().count() > 253 {
        return Err(invalid(
            "invalid_field",
            "displayName is longer than 253 characters".into(),
        ));
    }
    check_labels(&meta.labels).map_err(|m| invalid("invalid_labels", m))
}

/// No two clusters have the same dns.
pub fn check_unique_dns(clusters: &Clusters) -> Result<(), ClusterError> {
    let mut seen = BTreeSet::new();
    match clusters
        .values()
        .filter_map(|c| c.dns.as_deref())
        .find(|d| !seen.insert(*d))
    {
        Some(dns) => Err(ClusterError::Duplicate(format!(
            "another cluster already has dns {dns}"
        ))),
        None => Ok(()),
    }
}

pub fn by_dns<'a>(clusters: &'a Clusters, dns: &str) -> Option<&'a ClusterMeta> {
    clusters.values().find(|c| c.dns.as_deref() == Some(dns))
}

pub fn create(clusters: &mut Clusters, meta: ClusterMeta, environments: &[String]) -> Result<(), ClusterError> {
    check(&meta, environments)?;
    if clusters.contains_key(&meta.name) {
        return Err(ClusterError::Duplicate(format!("a cluster named {} exists", meta.name)));
    }
    clusters.insert(meta.name.clone(), meta);
    check_unique_dns(clusters)
}

/// Changes a cluster's metadata with `edit`; the name stays.
pub fn update(
    clusters: &mut Clusters,
    name: &str,
    environments: &[String],
    edit: impl FnOnce(&mut ClusterMeta),
) -> Result<(), ClusterError> {
    let meta = clusters.get_mut(name).ok_or_else(|| not_found(name))?;
    edit(meta);
    meta.name = name.to_string();
    check(meta, environments)?;
    check_unique_dns(clusters)
}

/// Removes a cluster; what other domains keep of it goes with it (the store cascades).
pub fn delete(clusters: &mut Clusters, name: &str) -> Result<(), ClusterError> {
    clusters.remove(name).map(|_| ()).ok_or_else(|| not_found(name))
}

pub fn not_found(name: &str) -> ClusterError {
    ClusterError::NotFound(format!("no cluster named {name}"))
}

/// A metadata-only cluster in `dev`, for tests of the domains that read clusters.
#[cfg(test)]
pub fn test_cluster(name: &str, dns: Option<&str>) -> ClusterMeta {
    ClusterMeta {
        name: name.into(),
        display_name: name.into(),
        dns: dns.map(str::to_string),
        environment: "dev".into(),
        labels: BTreeMap::new(),
        source: METADATA_ONLY.into(),
    }
}

impl ClusterError {
    /// HTTP status, code and message, for the API error.
    pub fn parts(&self) -> (u16, &'static str, &str) {
        match self {
            ClusterError::Invalid { code, message } => (422, code, message),
            ClusterError::Duplicate(m) => (409, "conflict", m),
            ClusterError::NotFound(m) => (404, "not_found", m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envs() -> Vec<String> {
        vec!["dev".into(), "prod".into()]
    }

    fn two() -> Clusters {
        let mut c = Clusters::new();
        create(&mut c, test_cluster("one", Some("one.example.com")), &envs()).unwrap();
        create(&mut c, test_cluster("two", None), &envs()).unwrap();
        c
    }

    #[test]
    fn clusters_need_valid_unique_metadata() {
        let mut c = two();
        let e = envs();
        let try_create = |m: ClusterMeta| create(&mut c.clone(), m, &e);
        let code = |r: Result<(), ClusterError>| match r {
            Err(ClusterError::Invalid { code, .. }) => code,
            other => panic!("{other:?}"),
        };
        assert_eq!(code(try_create(test_cluster("Bad", None))), "invalid_name");
        assert_eq!(code(try_create(test_cluster("x", Some("nodots")))), "invalid_dns");
        let mut staging = test_cluster("x", None);
        staging.environment = "staging".into();
        assert_eq!(code(try_create(staging)), "invalid_environment");
        let mut long = test_cluster("x", None);
        long.display_name = "d".repeat(254);
        assert_eq!(code(try_create(long)), "invalid_field");
        let mut labelled = test_cluster("x", None);
        labelled.labels.insert("bad key".into(), "v".into());
        assert_eq!(code(try_create(labelled)), "invalid_labels");
        assert!(matches!(
            try_create(test_cluster("x", Some("one.example.com"))),
            Err(ClusterError::Duplicate(_))
        ));
        assert!(matches!(
            try_create(test_cluster("one", None)),
            Err(ClusterError::Duplicate(_))
        ));

        update(&mut c, "two", &e, |m| m.dns = Some("two.example.com".into())).unwrap();
        assert_eq!(by_dns(&c, "two.example.com").unwrap().name, "two");
        assert!(matches!(
            update(&mut c.clone(), "two", &e, |m| m.dns = Some("one.example.com".into())),
            Err(ClusterError::Duplicate(_))
        ));
        update(&mut c, "two", &e, |m| m.name = "renamed".into()).unwrap();
        assert!(c.contains_key("two"), "the name stays");
        delete(&mut c, "two").unwrap();
        assert!(matches!(delete(&mut c, "two"), Err(ClusterError::NotFound(_))));
        assert!(matches!(
            update(&mut c, "two", &e, |_| {}),
            Err(ClusterError::NotFound(_))
        ));
    }

    #[test]
    fn authz_modes_read_from_the_store() {
        assert_eq!(AuthzMode::from_stored("impersonate"), AuthzMode::Impersonate);
        assert_eq!(AuthzMode::from_stored("shared"), AuthzMode::Shared);
    }
}
