//! PagerDuty Events API v2: trigger, acknowledge and resolve one dedup key (the alert's id).

use chrono::SecondsFormat;
use serde_json::json;

use super::alert::{Alert, AlertState, Severity, truncate};
use super::request::{HttpRequest, Secret};

pub const DEFAULT_URL: &str = "https://events.pagerduty.com/v2/enqueue";

#[derive(Debug, Clone)]
pub struct PagerDutyChannel {
    /// The service integration's routing key: a secret.
    pub routing_key: Secret,
    /// The Events API endpoint ([`DEFAULT_URL`] unless a region or a test says otherwise).
    pub url: String,
}

impl PagerDutyChannel {
    pub fn new(routing_key: Secret) -> PagerDutyChannel {
        PagerDutyChannel {
            routing_key,
            url: DEFAULT_URL.to_string(),
        }
    }

    pub fn request(&self, alert: &Alert) -> HttpRequest {
        let event_action = match alert.state {
            AlertState::Firing => "trigger",
            AlertState::Acknowledged => "acknowledge",
            AlertState::Resolved => "resolve",
        };
        // PagerDuty's four severities are ours.
        let severity = match alert.severity {
            Severity::Critical => "critical",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let mut custom_details = json!({"summary": alert.summary, "labels": alert.labels});
        if let Some(link) = &alert.link {
            custom_details["link"] = json!(link);
        }
        let mut body = json!({
            "routing_key": self.routing_key.expose(),
            "event_action": event_action,
            // PagerDuty caps the key at 255 characters and the summary at 1024.
            "dedup_key": truncate(&alert.id, 255),
            "payload": {
                "summary": truncate(&format!("{}: {}", alert.title, alert.summary), 1024),
                "source": alert.cluster,
                "severity": severity,
                "timestamp": alert.started_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                "custom_details": custom_details,
            },
        });
        if let Some(link) = &alert.link {
            body["links"] = json!([{"href": link, "text": "Open in Fleetdeck"}]);
        }
        HttpRequest::json(self.url.clone(), &body)
    }
}

#[cfg(test)]
mod tests {
    use super::super::alert::tests::sample;
    use super::*;
    use serde_json::Value;

    #[test]
    fn events_for_each_state() {
        let channel = PagerDutyChannel::new(Secret::new("R0UT1NGKEY"));
        assert!(!format!("{channel:?}").contains("R0UT1NGKEY"));
        let request = channel.request(&sample());
        assert_eq!(request.url, DEFAULT_URL);
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(
            body,
            json!({
                "routing_key": "R0UT1NGKEY",
                "event_action": "trigger",
                "dedup_key": "f-7c1d",
                "payload": {
                    "summary": "CrashLoopBackOff in payments: Pod api-5d9 restarted 12 times in 10 minutes",
                    "source": "prod-eu",
                    "severity": "critical",
                    "timestamp": "2026-12-06T10:00:00Z",
                    "custom_details": {
                        "summary": "Pod api-5d9 restarted 12 times in 10 minutes",
                        "labels": {"app.kubernetes.io/name": "api", "namespace": "payments"},
                        "link": "https://fleetdeck.example.com/incidents/f-7c1d",
                    },
                },
                "links": [{"href": "https://fleetdeck.example.com/incidents/f-7c1d", "text": "Open in Fleetdeck"}],
            })
        );
        for (state, action, severity, expected) in [
            (AlertState::Acknowledged, "acknowledge", Severity::Warning, "warning"),
            (AlertState::Resolved, "resolve", Severity::Info, "info"),
            (AlertState::Firing, "trigger", Severity::Error, "error"),
        ] {
            let mut alert = sample();
            alert.state = state;
            alert.severity = severity;
            let body: Value = serde_json::from_slice(&channel.request(&alert).body).unwrap();
            assert_eq!(body["event_action"], action);
            assert_eq!(body["payload"]["severity"], expected);
            assert_eq!(body["dedup_key"], "f-7c1d");
        }
    }
}
