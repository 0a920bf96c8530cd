//! Alertmanager's v2 API: `POST {url}/api/v2/alerts` with a list of one alert. Alertmanager
//! identifies an alert by its label set, so the labels are the same in every state; a resolved
//! alert is the same labels with `endsAt`.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::alert::{Alert, AlertState};
use super::request::HttpRequest;

#[derive(Debug, Clone)]
pub struct AlertmanagerChannel {
    /// Alertmanager's base URL, e.g. `http://alertmanager.monitoring:9093`.
    pub url: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PostableAlert {
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    starts_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    ends_at: Option<String>,
    #[serde(rename = "generatorURL", skip_serializing_if = "Option::is_none")]
    generator_url: Option<String>,
}

/// A label name Alertmanager accepts (`[a-zA-Z_][a-zA-Z0-9_]*`): other characters become `_`
/// (`app.kubernetes.io/name` → `app_kubernetes_io_name`).
pub fn label_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl AlertmanagerChannel {
    pub fn request(&self, alert: &Alert, now: DateTime<Utc>) -> HttpRequest {
        let mut labels: BTreeMap<String, String> =
            alert.labels.iter().map(|(k, v)| (label_name(k), v.clone())).collect();
        // Ours last, so an alert's own labels cannot change its identity.
        labels.entry("alertname".into()).or_insert_with(|| alert.title.clone());
        labels.insert("cluster".into(), alert.cluster.clone());
        labels.insert("severity".into(), alert.severity.as_str().into());
        labels.insert("fleetdeck_id".into(), alert.id.clone());
        let annotations = BTreeMap::from([
            ("title".to_string(), alert.title.clone()),
            ("summary".to_string(), alert.summary.clone()),
        ]);
        let ends_at = match alert.state {
            AlertState::Resolved => Some(rfc3339(alert.ended_at.unwrap_or(now))),
            // Alertmanager has no acknowledgement: an acknowledged alert is still active.
            AlertState::Firing | AlertState::Acknowledged => None,
        };
        let body = vec![PostableAlert {
            labels,
            annotations,
            starts_at: rfc3339(alert.started_at),
            ends_at,
            generator_url: alert.link.clone(),
        }];
        HttpRequest::json(format!("{}/api/v2/alerts", self.url.trim_end_matches('/')), &body)
    }
}

#[cfg(test)]
mod tests {
    use super::super::alert::tests::sample;
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn firing_and_resolved_alerts() {
        let channel = AlertmanagerChannel {
            url: "http://am.example.com:9093/".into(),
        };
        let now = "2026-12-06T11:00:00Z".parse().unwrap();
        let firing = channel.request(&sample(), now);
        assert_eq!(firing.url, "http://am.example.com:9093/api/v2/alerts");
        let body: Value = serde_json::from_slice(&firing.body).unwrap();
        assert_eq!(
            body,
            json!([{
                "labels": {
                    "alertname": "CrashLoopBackOff in payments",
                    "app_kubernetes_io_name": "api",
                    "cluster": "prod-eu",
                    "fleetdeck_id": "f-7c1d",
                    "namespace": "payments",
                    "severity": "critical",
                },
                "annotations": {
                    "title": "CrashLoopBackOff in payments",
                    "summary": "Pod api-5d9 restarted 12 times in 10 minutes",
                },
                "startsAt": "2026-12-06T10:00:00Z",
                "generatorURL": "https://fleetdeck.example.com/incidents/f-7c1d",
            }])
        );
        let mut resolved = sample();
        resolved.state = AlertState::Resolved;
        let body: Value = serde_json::from_slice(&channel.request(&resolved, now).body).unwrap();
        assert_eq!(body[0]["endsAt"], "2026-12-06T11:00:00Z");
        resolved.ended_at = Some("2026-12-06T10:30:00Z".parse().unwrap());
        let body: Value = serde_json::from_slice(&channel.request(&resolved, now).body).unwrap();
        assert_eq!(body[0]["endsAt"], "2026-12-06T10:30:00Z");
        assert_eq!(body[0]["labels"]["fleetdeck_id"], "f-7c1d");
    }

    #[test]
    fn label_names() {
        assert_eq!(label_name("app.kubernetes.io/name"), "app_kubernetes_io_name");
        assert_eq!(label_name("9lives"), "_9lives");
        assert_eq!(label_name(""), "_");
        assert_eq!(label_name("ok_Name1"), "ok_Name1");
    }
}
