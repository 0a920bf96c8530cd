//! Generic webhooks: the alert as JSON (`{"version": 1, "alert": …}`), signed when the channel
//! has a secret. The signature is HMAC-SHA256 over `"<timestamp>.<body>"` with the timestamp
//! (unix seconds) in its own header: a receiver recomputes it, compares in constant time, and
//! refuses a timestamp far from its clock, so a captured request cannot be replayed later.

use hmac::{Hmac, Mac};
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::json;
use sha2::Sha256;

use super::alert::Alert;
use super::request::{HttpRequest, Secret};

pub const SIGNATURE_HEADER: &str = "x-fleetdeck-signature";
pub const TIMESTAMP_HEADER: &str = "x-fleetdeck-timestamp";

#[derive(Debug, Clone)]
pub struct WebhookChannel {
    pub url: String,
    /// The signing secret; no signature without one.
    pub secret: Option<Secret>,
}

/// `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl WebhookChannel {
    /// The request for `alert`, signed at `timestamp` (unix seconds) when there is a secret.
    pub fn request(&self, alert: &Alert, timestamp: i64) -> HttpRequest {
        let mut request = HttpRequest::json(self.url.clone(), &json!({"version": 1, "alert": alert}));
        if let Some(secret) = &self.secret {
            let signed = signature(secret.expose(), timestamp, &request.body);
            let value = |s: String| HeaderValue::from_str(&s).expect("hex and digits are header-safe");
            request
                .headers
                .insert(HeaderName::from_static(SIGNATURE_HEADER), value(signed));
            request
                .headers
                .insert(HeaderName::from_static(TIMESTAMP_HEADER), value(timestamp.to_string()));
        }
        request
    }
}

#[cfg(test)]
mod tests {
    use super::super::alert::tests::sample;
    use super::*;
    use serde_json::Value;

    #[test]
    fn the_signature_is_the_hand_computed_hmac() {
        // printf '%s' '1700000000.{"hello":"world"}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_700_000_000, br#"{"hello":"world"}"#),
            "sha256=f592bbf3951cfc94e560eecfb5d9dd4da6b0fff2e626235f8ab4b54860925d0b"
        );
    }

    #[test]
    fn signed_and_unsigned_requests() {
        let unsigned = WebhookChannel {
            url: "https://hooks.example.com/fleetdeck".into(),
            secret: None,
        }
        .request(&sample(), 1_700_000_000);
        assert!(unsigned.headers.get(SIGNATURE_HEADER).is_none());
        let body: Value = serde_json::from_slice(&unsigned.body).unwrap();
        assert_eq!(body["version"], 1);
        assert_eq!(body["alert"]["id"], "f-7c1d");
        assert_eq!(body["alert"]["severity"], "critical");

        let channel = WebhookChannel {
            url: "https://hooks.example.com/fleetdeck".into(),
            secret: Some(Secret::new("whsec_test")),
        };
        assert!(!format!("{channel:?}").contains("whsec_test"));
        let signed = channel.request(&sample(), 1_700_000_000);
        assert_eq!(signed.headers[TIMESTAMP_HEADER], "1700000000");
        assert_eq!(
            signed.headers[SIGNATURE_HEADER].to_str().unwrap(),
            signature("whsec_test", 1_700_000_000, &signed.body)
        );
        assert_eq!(signed.body, unsigned.body);
    }
}
