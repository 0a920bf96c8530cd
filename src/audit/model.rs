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

/// The range `GET /api/audit/verify` checks; both ends optional (RFC 3339).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// From the first chained row at or after this time (default: the start of the chain).
    pub from: Option<DateTime<Utc>>,
    /// To the last chained row at or before this time (default: the head, which is checked too).
    pub to: Option<DateTime<Utc>>,
}

/// A point of the chain: a row's position and its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ChainLink {
    pub seq: i64,
    /// Lowercase hex SHA-256.
    pub hash: String,
}

/// What `GET /api/audit/verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditVerification {
    /// No broken link in the range.
    pub ok: bool,
    /// Rows whose hash was recomputed.
    pub checked: i64,
    /// Where the kept chain starts: the last pruned row (`seq` 0 and 64 zeros before any pruning).
    pub anchor: ChainLink,
    /// The last row written; record its hash elsewhere to detect a rewrite of the whole tail.
    pub head: ChainLink,
    /// The first break in chain order; `null` when `ok`.
    pub first_broken: Option<BrokenLink>,
}

/// The first place where the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrokenLink {
    /// The position of the break: the row found broken, or the head's `seq` when rows are missing at the end.
    pub seq: i64,
    /// The row found broken; `null` when it is missing (the end of the chain was deleted).
    pub id: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub problem: ChainProblem,
    /// What the chain says should be there (see `problem`).
    pub expected: String,
    /// What is there.
    pub found: String,
}

/// `row_altered`: the row's fields no longer give its hash (expected: the recomputed hash, found:
/// the stored one). `link_broken`: the previous hash stored with the row is not the previous row's hash (expected:
/// that hash, found: the stored one). `rows_missing`: rows before this one were deleted (expected: the
/// next `seq`, found: this row's). `head_mismatch`: the last row is not the head (expected: the
/// head's `seq:hash`, found: the last row's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChainProblem {
    RowAltered,
    LinkBroken,
    RowsMissing,
    HeadMismatch,
}
