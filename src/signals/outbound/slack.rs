//! Slack incoming webhooks: `{text, blocks}`, a mrkdwn section (heading, summary, link) and a
//! context line (cluster, start). The webhook URL is itself the credential.

use chrono::SecondsFormat;
use serde_json::json;

use super::alert::{Alert, Heading, truncate};
use super::request::{HttpRequest, Secret};

#[derive(Debug, Clone)]
pub struct SlackChannel {
    /// `https://hooks.slack.com/services/…`: a secret, never shown.
    pub webhook_url: Secret,
}

/// Slack's mrkdwn escapes: `&`, `<` and `>` only.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

impl SlackChannel {
    pub fn request(&self, alert: &Alert) -> HttpRequest {
        let heading = escape(&Heading(alert).to_string());
        let mut section = format!("*{heading}*\n{}", escape(&alert.summary));
        if let Some(link) = &alert.link {
            section.push_str(&format!("\n<{}|Open in Fleetdeck>", escape(link)));
        }
        let context = format!(
            "cluster *{}* · started {}",
            escape(&alert.cluster),
            alert.started_at.to_rfc3339_opts(SecondsFormat::Secs, true)
        );
        let body = json!({
            // The notification's text, and what clients without blocks show.
            "text": format!("{} ({})", Heading(alert), alert.cluster),
            "blocks": [
                // Slack refuses a section text over 3000 characters.
                {"type": "section", "text": {"type": "mrkdwn", "text": truncate(&section, 3000)}},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
            ],
        });
        HttpRequest::json(self.webhook_url.expose().to_string(), &body)
    }
}

#[cfg(test)]
mod tests {
    use super::super::alert::tests::sample;
    use super::*;
    use serde_json::Value;

    #[test]
    fn text_and_blocks() {
        let channel = SlackChannel {
            webhook_url: Secret::new("https://hooks.slack.example/services/T0/B0/XYZ"),
        };
        let mut alert = sample();
        alert.summary = "restarts > 10 & <rising>".into();
        let request = channel.request(&alert);
        assert_eq!(request.url, "https://hooks.slack.example/services/T0/B0/XYZ");
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(body["text"], "[FIRING:critical] CrashLoopBackOff in payments (prod-eu)");
        assert_eq!(
            body["blocks"][0],
            json!({"type": "section", "text": {"type": "mrkdwn", "text":
                "*[FIRING:critical] CrashLoopBackOff in payments*\nrestarts &gt; 10 &amp; &lt;rising&gt;\n\
                 <https://fleetdeck.example.com/incidents/f-7c1d|Open in Fleetdeck>"}})
        );
        assert_eq!(
            body["blocks"][1],
            json!({"type": "context", "elements": [{"type": "mrkdwn",
                "text": "cluster *prod-eu* · started 2026-12-06T10:00:00Z"}]})
        );
        assert!(!format!("{channel:?}").contains("XYZ"));
    }
}
