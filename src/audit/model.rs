//! Audit API types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One audit row, as stored and as served.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub id: String,
    pub at: DateTime<Utc>,
    /// Username, `token:<name>`, or `anonymous`.
    pub actor: String,
    /// `password`, `token`, `api_key`, or `none`.
    pub actor_method: String,
    /// snake_case action, e.g. `login`, `create`, `api_key_create`.
    pub verb: String,
    pub resource_type: String,
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    #[sqlx(try_from = "String")]
    pub outcome: Outcome,
    pub http_status: i32,
    pub request_id: String,
    pub client_ip: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Denied,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failure => "failure",
        }
    }
}

impl TryFrom<String> for Outcome {
    type Error = String;
    fn try_from(s: String) -> Result<Outcome, String> {
        [Outcome::Success, Outcome::Denied, Outcome::Failure]
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| format!("unknown audit outcome {s:?}"))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    /// How many events match in all.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// Filters (exact match), newest first.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub verb: Option<String>,
    pub outcome: Option<Outcome>,
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub request_id: Option<String>,
    /// RFC 3339; events at or after.
    pub from: Option<DateTime<Utc>>,
    /// RFC 3339; events at or before.
    pub to: Option<DateTime<Utc>>,
    /// 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// 0 or more (default 0).
    pub offset: Option<i64>,
}
