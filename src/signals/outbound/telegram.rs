//! Telegram's Bot API: `POST {base}/bot<token>/sendMessage` with `{chat_id, text, parse_mode}`.
//! The token is in the URL, so neither the URL nor anything reqwest says about it is shown.

use chrono::SecondsFormat;
use serde_json::json;

use super::alert::{Alert, Heading, truncate};
use super::request::{HttpRequest, Secret};

pub const DEFAULT_BASE_URL: &str = "https://api.telegram.org";

#[derive(Debug, Clone)]
pub struct TelegramChannel {
    /// The Bot API's base URL ([`DEFAULT_BASE_URL`] unless a test or a local Bot API server says otherwise).
    pub base_url: String,
    pub bot_token: Secret,
    /// A chat id (`-100…`) or a channel's `@name`.
    pub chat_id: String,
}

/// Telegram's HTML parse mode escapes.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl TelegramChannel {
    pub fn new(bot_token: Secret, chat_id: String) -> TelegramChannel {
        TelegramChannel {
            base_url: DEFAULT_BASE_URL.to_string(),
            bot_token,
            chat_id,
        }
    }

    pub fn request(&self, alert: &Alert) -> HttpRequest {
        let mut text = format!(
            "<b>{}</b>\n{}\ncluster <code>{}</code> · started {}",
            escape(&Heading(alert).to_string()),
            escape(&alert.summary),
            escape(&alert.cluster),
            alert.started_at.to_rfc3339_opts(SecondsFormat::Secs, true)
        );
        if let Some(link) = &alert.link {
            text.push_str(&format!("\n<a href=\"{}\">Open in Fleetdeck</a>", escape(link)));
        }
        let body = json!({
            "chat_id": self.chat_id,
            // Telegram refuses a message over 4096 characters.
            "text": truncate(&text, 4096),
            "parse_mode": "HTML",
        });
        let url = format!(
            "{}/bot{}/sendMessage",
            self.base_url.trim_end_matches('/'),
            self.bot_token.expose()
        );
        HttpRequest::json(url, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::super::alert::tests::sample;
    use super::*;
    use serde_json::Value;

    #[test]
    fn send_message() {
        let channel = TelegramChannel::new(Secret::new("123456:AAsecret"), "-1001234".into());
        assert!(!format!("{channel:?}").contains("AAsecret"));
        let mut alert = sample();
        alert.summary = "p99 > 2s for <api>".into();
        let request = channel.request(&alert);
        assert_eq!(request.url, "https://api.telegram.org/bot123456:AAsecret/sendMessage");
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(
            body,
            json!({
                "chat_id": "-1001234",
                "parse_mode": "HTML",
                "text": "<b>[FIRING:critical] CrashLoopBackOff in payments</b>\np99 &gt; 2s for &lt;api&gt;\n\
                         cluster <code>prod-eu</code> · started 2026-12-06T10:00:00Z\n\
                         <a href=\"https://fleetdeck.example.com/incidents/f-7c1d\">Open in Fleetdeck</a>",
            })
        );
    }
}
