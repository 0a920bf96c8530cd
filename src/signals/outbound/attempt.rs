//! An attempt as the delivery log keeps it, and as a channel reports it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::retry::Outcome;

/// One try of a delivery, as the delivery log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    /// 1 for the first.
    pub number: u32,
    pub started_at: DateTime<Utc>,
    pub duration_ms: u64,
    /// The receiver's HTTP status (or SMTP reply code), when it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Why it failed: `url_not_allowed`, `destination_not_allowed`, `connect_failed`,
    /// `timeout`, `rate_limited` (429), `receiver_error` (5xx), `rejected` (another status),
    /// `request_failed`, `smtp_failed`; none when delivered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<&'static str>,
    /// The failure for people: never a URL or a secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// How one attempt ended: its outcome for the retry policy, and what the log keeps.
pub(super) struct Tried {
    pub(super) outcome: Outcome,
    pub(super) status: Option<u16>,
    pub(super) error_code: Option<&'static str>,
    pub(super) message: Option<String>,
}

impl Tried {
    pub(super) fn failed(outcome: Outcome, code: &'static str, message: String) -> Tried {
        Tried {
            outcome,
            status: None,
            error_code: Some(code),
            message: Some(message),
        }
    }
}
