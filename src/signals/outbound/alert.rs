//! The one alert every channel is given, and the words channels share for it.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    Firing,
    Acknowledged,
    Resolved,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Firing => "firing",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Resolved => "resolved",
        }
    }
}

/// An alert as it is delivered; the webhook channel sends it as it is, in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// Stable across the alert's life: the dedup key of receivers that group by one.
    pub id: String,
    pub title: String,
    pub summary: String,
    pub severity: Severity,
    pub cluster: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub state: AlertState,
    pub started_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    /// Where the alert is seen in the console.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// `[FIRING:critical] title`: the heading chat and mail channels start with.
pub struct Heading<'a>(pub &'a Alert);

impl fmt::Display for Heading<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0;
        write!(
            f,
            "[{}:{}] {}",
            a.state.as_str().to_ascii_uppercase(),
            a.severity.as_str(),
            a.title
        )
    }
}

/// The first `max` characters of `s`, with an ellipsis when cut (receivers cap field lengths).
pub fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max.saturating_sub(1)) {
        Some((at, _)) if s.chars().count() > max => format!("{}…", &s[..at]),
        _ => s.to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A firing alert the channels' tests share.
    pub fn sample() -> Alert {
        Alert {
            id: "f-7c1d".into(),
            title: "CrashLoopBackOff in payments".into(),
            summary: "Pod api-5d9 restarted 12 times in 10 minutes".into(),
            severity: Severity::Critical,
            cluster: "prod-eu".into(),
            labels: BTreeMap::from([
                ("namespace".into(), "payments".into()),
                ("app.kubernetes.io/name".into(), "api".into()),
            ]),
            state: AlertState::Firing,
            started_at: "2026-12-06T10:00:00Z".parse().unwrap(),
            ended_at: None,
            link: Some("https://fleetdeck.example.com/incidents/f-7c1d".into()),
        }
    }

    #[test]
    fn headings_and_truncation() {
        assert_eq!(
            Heading(&sample()).to_string(),
            "[FIRING:critical] CrashLoopBackOff in payments"
        );
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abcd", 4), "abcd");
        assert_eq!(truncate("ééééé", 3), "éé…");
        let json = serde_json::to_value(sample()).unwrap();
        assert_eq!(json["startedAt"], "2026-12-06T10:00:00Z");
        assert_eq!(json["state"], "firing");
        assert!(json.get("endedAt").is_none());
    }
}
