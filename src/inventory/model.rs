//! Cluster registry API types.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::store::catalog::ClusterRecord;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Cluster {
    /// DNS-1123 label.
    pub name: String,
    pub display_name: String,
    /// The cluster's FQDN; Flux inputs are served for clusters that have one.
    pub dns: Option<String>,
    pub environment: String,
    pub labels: BTreeMap<String, String>,
    /// `kubeconfig`, `in-cluster`, `registered` or `metadata-only`.
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterList {
    pub items: Vec<Cluster>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateCluster {
    pub name: String,
    /// Defaults to the name.
    pub display_name: Option<String>,
    pub dns: Option<String>,
    /// One of FLEETDECK_FLUX_ENVIRONMENTS.
    pub environment: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// Absent fields stay as they are; `"dns": null` removes the dns.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateCluster {
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub dns: Option<Option<String>>,
    pub environment: Option<String>,
    pub labels: Option<BTreeMap<String, String>>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

impl From<ClusterRecord> for Cluster {
    fn from(r: ClusterRecord) -> Cluster {
        Cluster {
            name: r.name,
            display_name: r.display_name,
            dns: r.dns,
            environment: r.environment,
            labels: r.labels.0,
            source: r.source,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}
