//! Cluster registry API types.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::record::AuthzMode;
use super::registry::ConnectionInput;
use crate::store::clusters::ClusterRow;

/// `?skipVerify=true` stores a connection without checking it first.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RegisterQuery {
    #[serde(default)]
    pub skip_verify: bool,
}

macro_rules! connection_input {
    ($t:ty) => {
        impl $t {
            /// The connection fields, taken out of the body.
            pub fn take_connection(&mut self) -> ConnectionInput {
                ConnectionInput {
                    kubeconfig: self.kubeconfig.take(),
                    server: self.server.take(),
                    certificate_authority_data: self.certificate_authority_data.take(),
                    token: self.token.take(),
                    insecure_skip_tls_verify: self.insecure_skip_tls_verify.take(),
                }
            }
        }
    };
}
connection_input!(CreateCluster);
connection_input!(UpdateCluster);

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
    /// The apiserver URL, when Fleetdeck has a connection.
    pub server: Option<String>,
    /// `shared` (Fleetdeck's identity; our roles gate) or `impersonate` (Kubernetes RBAC decides per user).
    pub authz_mode: String,
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
    /// A kubeconfig (YAML) with one context and inline data only; or give `server` and `token`.
    pub kubeconfig: Option<String>,
    /// The apiserver URL.
    pub server: Option<String>,
    /// Base64 PEM of the apiserver's CA.
    pub certificate_authority_data: Option<String>,
    /// A bearer token for the apiserver (stored sealed, never returned).
    pub token: Option<String>,
    pub insecure_skip_tls_verify: Option<bool>,
    pub authz_mode: Option<AuthzMode>,
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
    /// A kubeconfig (YAML) with one context and inline data only; or give `server` and `token`.
    pub kubeconfig: Option<String>,
    /// The apiserver URL.
    pub server: Option<String>,
    /// Base64 PEM of the apiserver's CA.
    pub certificate_authority_data: Option<String>,
    /// A bearer token for the apiserver (stored sealed, never returned).
    pub token: Option<String>,
    pub insecure_skip_tls_verify: Option<bool>,
    pub authz_mode: Option<AuthzMode>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

impl From<ClusterRow> for Cluster {
    fn from(r: ClusterRow) -> Cluster {
        Cluster {
            name: r.name,
            display_name: r.display_name,
            dns: r.dns,
            environment: r.environment,
            labels: r.labels.0,
            source: r.source,
            server: r.server_url,
            authz_mode: r.authz_mode,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}
