//! Join token API types. The token itself (`value`) is in the create answer only.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::lifecycle::{self, JoinTokenState};
use crate::clusters::record::AuthzMode;
use crate::store::join_tokens::JoinTokenRow;

/// What the cluster will be registered with when it joins under the path's name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateJoinToken {
    /// The cluster's apiserver URL as Fleetdeck reaches it (the Job reports only CA and token).
    pub server: String,
    /// One of FLEETDECK_FLUX_ENVIRONMENTS.
    pub environment: String,
    /// Defaults to the name.
    pub display_name: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Defaults to `shared`.
    pub authz_mode: Option<AuthzMode>,
    /// 60 to 86400; 900 (15 minutes) when absent.
    pub ttl_seconds: Option<i64>,
}

/// A join token's metadata and lifecycle (never its value).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JoinToken {
    pub id: String,
    /// The name the cluster registers under.
    pub cluster: String,
    pub state: JoinTokenState,
    pub server: String,
    pub environment: String,
    pub display_name: String,
    pub labels: BTreeMap<String, String>,
    pub authz_mode: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    /// The cluster that joined with it.
    pub used_by: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
}

impl JoinToken {
    pub fn of(r: JoinTokenRow, now: DateTime<Utc>) -> JoinToken {
        JoinToken {
            state: lifecycle::state(r.used_at, r.revoked_at, r.expires_at, now),
            id: r.id,
            cluster: r.cluster,
            server: r.server_url,
            environment: r.environment,
            display_name: r.display_name,
            labels: r.labels.0,
            authz_mode: r.authz_mode,
            created_by: r.created_by,
            created_at: r.created_at,
            expires_at: r.expires_at,
            used_at: r.used_at,
            used_by: r.used_by,
            revoked_at: r.revoked_at,
            revoked_by: r.revoked_by,
        }
    }
}

/// A new token: shown once, never stored or shown again.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedJoinToken {
    pub token: JoinToken,
    /// The join token.
    pub value: String,
    /// `curl -sfL '<fleetdeck>/join?token=…' | kubectl apply -f -`, to run against the cluster.
    pub command: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JoinTokenList {
    pub items: Vec<JoinToken>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JoinQuery {
    /// The join token.
    pub token: String,
}

/// What the Job posts from the joining cluster.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JoinRegistration {
    /// The join token (its secret: stored nowhere, logged nowhere).
    pub join_token: String,
    /// The name the manifest was made for; must be the token's.
    pub cluster: String,
    /// Base64 PEM of the apiserver's CA (the service account's `ca.crt`).
    pub certificate_authority_data: String,
    /// The agent's service account token, Fleetdeck's credential for the cluster (stored sealed).
    pub token: String,
}
