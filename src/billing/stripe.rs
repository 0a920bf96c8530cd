//! Stripe: Checkout sessions for orders (`POST /v1/checkout/sessions`), and the webhook's events,
//! believed only with a valid `Stripe-Signature` (HMAC-SHA256 of `{t}.{body}` under the endpoint's
//! secret) whose timestamp is within the tolerance. The parsing and checks are pure; `Stripe`
//! makes the calls.

use std::time::Duration;

use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use serde::Deserialize;
use sha2::Sha256;

/// Currencies Stripe counts in whole units (no cents): amounts go to it as they are.
const ZERO_DECIMAL: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
];

/// An amount in `currency`'s smallest unit (cents; yen), as Stripe takes it; None when the amount
/// has places the currency does not.
pub fn minor_units(amount: Decimal, currency: &str) -> Option<i64> {
    let places = if ZERO_DECIMAL.contains(&currency) { 0 } else { 2 };
    let minor = amount * Decimal::from(10i64.pow(places));
    (minor.fract().is_zero()).then(|| minor.trunc().try_into().ok())?
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// No `Stripe-Signature`, or not `t=…,v1=…`.
    Malformed,
    /// No `v1` signature matches.
    Mismatch,
    /// Signed, but longer ago (or further ahead) than the tolerance: a replay.
    Expired,
}

/// Whether `payload` came from Stripe: one of the header's `v1` signatures is the HMAC-SHA256 of
/// `{t}.{payload}` under `secret`, and `t` is within `tolerance` of `now` (Unix seconds).
pub fn verify(header: &str, payload: &[u8], secret: &str, now: i64, tolerance: Duration) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = Some(t.parse::<i64>().map_err(|_| SignatureError::Malformed)?),
            Some(("v1", v)) => signatures.push(v),
            _ => {}
        }
    }
    let Some(t) = timestamp else {
        return Err(SignatureError::Malformed);
    };
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let signed = |signature: &&str| {
        let Ok(expected) = hex::decode(signature) else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        // Constant time: the comparison says nothing of how close a guess was.
        mac.verify_slice(&expected).is_ok()
    };
    if !signatures.iter().any(signed) {
        return Err(SignatureError::Mismatch);
    }
    if now.abs_diff(t) > tolerance.as_secs() {
        return Err(SignatureError::Expired);
    }
    Ok(())
}

/// The part of an event Fleetdeck reads.
#[derive(Debug, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: EventData,
}

#[derive(Debug, Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
}

/// A Checkout session, as events carry it.
#[derive(Debug, Default, Deserialize)]
pub struct Session {
    pub id: String,
    pub client_reference_id: Option<String>,
    pub payment_status: Option<String>,
    pub amount_total: Option<i64>,
    pub currency: Option<String>,
    pub payment_intent: Option<String>,
}

/// What an event means for orders.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The order's session was paid: `amount` of `currency` (lowercase, as Stripe writes it).
    Paid {
        order_id: String,
        session: String,
        amount: Option<i64>,
        currency: Option<String>,
        /// The payment intent, else the session.
        reference: String,
    },
    /// The session expired unpaid: the order may check out again.
    Expired { session: String },
    /// Nothing for orders (another event, or a session not paid yet).
    Ignored,
}

/// What `event` means: a completed session counts once its payment status is `paid` (a delayed
/// method completes first and pays later, in `checkout.session.async_payment_succeeded`).
pub fn outcome(event: &Event) -> Outcome {
    let session = || serde_json::from_value::<Session>(event.data.object.clone()).ok();
    match event.kind.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => match session() {
            Some(s) if s.payment_status.as_deref() == Some("paid") => match s.client_reference_id {
                Some(order_id) => Outcome::Paid {
                    order_id,
                    reference: s.payment_intent.unwrap_or_else(|| s.id.clone()),
                    session: s.id,
                    amount: s.amount_total,
                    currency: s.currency,
                },
                None => Outcome::Ignored,
            },
            _ => Outcome::Ignored,
        },
        "checkout.session.expired" => match session() {
            Some(s) => Outcome::Expired { session: s.id },
            None => Outcome::Ignored,
        },
        _ => Outcome::Ignored,
    }
}

/// What a Checkout session is for.
#[derive(Debug)]
pub struct CheckoutRequest<'a> {
    pub order_id: &'a str,
    pub tenant_id: &'a str,
    pub product: &'a str,
    /// In the currency's smallest unit.
    pub unit_amount: i64,
    /// ISO 4217, any case.
    pub currency: &'a str,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
}

/// The form `POST /v1/checkout/sessions` takes: one line item of the order's price, with the
/// order as the client reference the webhook's events bring back.
pub fn checkout_form(r: &CheckoutRequest<'_>) -> Vec<(&'static str, String)> {
    vec![
        ("mode", "payment".into()),
        ("client_reference_id", r.order_id.into()),
        ("metadata[order_id]", r.order_id.into()),
        ("metadata[tenant_id]", r.tenant_id.into()),
        ("success_url", r.success_url.into()),
        ("cancel_url", r.cancel_url.into()),
        ("line_items[0][quantity]", "1".into()),
        ("line_items[0][price_data][currency]", r.currency.to_ascii_lowercase()),
        ("line_items[0][price_data][unit_amount]", r.unit_amount.to_string()),
        ("line_items[0][price_data][product_data][name]", r.product.into()),
    ]
}

/// A Checkout session made.
#[derive(Debug, Deserialize)]
pub struct Created {
    pub id: String,
    pub url: String,
}

#[derive(Debug, Deserialize)]
struct ErrorReply {
    error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    message: Option<String>,
}

/// Stripe's API: its base URL and the secret key.
pub struct Stripe<'a> {
    pub api_url: &'a str,
    pub secret_key: &'a str,
}

const TIMEOUT: Duration = Duration::from_secs(20);

impl Stripe<'_> {
    /// Makes a Checkout session; `idempotency_key` makes a retried call return the same session.
    pub async fn create_session(&self, form: &[(&str, String)], idempotency_key: &str) -> Result<Created, String> {
        let url = format!("{}/v1/checkout/sessions", self.api_url);
        let reply = client()
            .post(url)
            .bearer_auth(self.secret_key)
            .header("Idempotency-Key", idempotency_key)
            .form(form)
            .send()
            .await
            .map_err(|e| format!("Stripe could not be reached: {}", e.without_url()))?;
        read(reply).await
    }

    /// Expires an open Checkout session, so it can no longer be paid.
    pub async fn expire_session(&self, id: &str) -> Result<(), String> {
        let url = format!("{}/v1/checkout/sessions/{id}/expire", self.api_url);
        let reply = client()
            .post(url)
            .bearer_auth(self.secret_key)
            .send()
            .await
            .map_err(|e| format!("Stripe could not be reached: {}", e.without_url()))?;
        read::<serde_json::Value>(reply).await.map(|_| ())
    }
}

fn client() -> &'static reqwest::Client {
    static CLIENT: std::sync::LazyLock<reqwest::Client> = std::sync::LazyLock::new(|| {
        reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client with a timeout builds")
    });
    &CLIENT
}

/// The reply's body, or Stripe's message of why not (it never holds the key).
async fn read<T: serde::de::DeserializeOwned>(reply: reqwest::Response) -> Result<T, String> {
    let status = reply.status();
    let body = reply
        .bytes()
        .await
        .map_err(|e| format!("Stripe's reply broke off: {}", e.without_url()))?;
    if !status.is_success() {
        let message = serde_json::from_slice::<ErrorReply>(&body)
            .ok()
            .and_then(|e| e.error.message)
            .unwrap_or_else(|| "no message".into());
        return Err(format!("Stripe answered {status}: {message}"));
    }
    serde_json::from_slice(&body).map_err(|e| format!("Stripe's reply is not what was expected: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const BODY: &[u8] = br#"{"id":"evt_1"}"#;
    const TOLERANCE: Duration = Duration::from_secs(300);

    fn sign(t: i64, payload: &[u8], secret: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.").as_bytes());
        mac.update(payload);
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn a_signature_is_checked_then_its_age() {
        let now = 1_700_000_000;
        let good = format!("t={now},v1={}", sign(now, BODY, SECRET));
        assert_eq!(verify(&good, BODY, SECRET, now, TOLERANCE), Ok(()));
        // Stripe sends one v1 per active secret while a secret is rolled; any one may match.
        let rolled = format!("t={now},v1={},v1={},v0=abc", "00".repeat(32), sign(now, BODY, SECRET));
        assert_eq!(verify(&rolled, BODY, SECRET, now, TOLERANCE), Ok(()));
        assert_eq!(
            verify(&good, br#"{"id":"evt_2"}"#, SECRET, now, TOLERANCE),
            Err(SignatureError::Mismatch),
            "another body"
        );
        assert_eq!(
            verify(&good, BODY, "whsec_other", now, TOLERANCE),
            Err(SignatureError::Mismatch),
            "another secret"
        );
        assert_eq!(verify(&good, BODY, SECRET, now + 300, TOLERANCE), Ok(()), "at the edge");
        assert_eq!(
            verify(&good, BODY, SECRET, now + 301, TOLERANCE),
            Err(SignatureError::Expired)
        );
        assert_eq!(
            verify(&good, BODY, SECRET, now - 301, TOLERANCE),
            Err(SignatureError::Expired)
        );
        // An old event signed again with a new timestamp does not pass under the old signature.
        let moved = format!("t={},v1={}", now + 600, sign(now, BODY, SECRET));
        assert_eq!(
            verify(&moved, BODY, SECRET, now + 600, TOLERANCE),
            Err(SignatureError::Mismatch)
        );
        for bad in ["", "v1=abc", &format!("t={now}"), "t=soon,v1=abc"] {
            assert_eq!(
                verify(bad, BODY, SECRET, now, TOLERANCE),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
        let not_hex = format!("t={now},v1=zz");
        assert_eq!(
            verify(&not_hex, BODY, SECRET, now, TOLERANCE),
            Err(SignatureError::Mismatch)
        );
    }

    fn event(kind: &str, object: serde_json::Value) -> Event {
        serde_json::from_value(serde_json::json!({"id": "evt_1", "type": kind, "data": {"object": object}})).unwrap()
    }

    #[test]
    fn only_paid_sessions_pay_orders() {
        let paid = serde_json::json!({"id": "cs_1", "client_reference_id": "o1", "payment_status": "paid",
            "amount_total": 4900, "currency": "usd", "payment_intent": "pi_1"});
        let want = Outcome::Paid {
            order_id: "o1".into(),
            session: "cs_1".into(),
            amount: Some(4900),
            currency: Some("usd".into()),
            reference: "pi_1".into(),
        };
        assert_eq!(outcome(&event("checkout.session.completed", paid.clone())), want);
        assert_eq!(outcome(&event("checkout.session.async_payment_succeeded", paid)), want);
        let unpaid = serde_json::json!({"id": "cs_1", "client_reference_id": "o1", "payment_status": "unpaid"});
        assert_eq!(outcome(&event("checkout.session.completed", unpaid)), Outcome::Ignored);
        let anonymous = serde_json::json!({"id": "cs_1", "payment_status": "paid"});
        assert_eq!(
            outcome(&event("checkout.session.completed", anonymous)),
            Outcome::Ignored
        );
        let expired = serde_json::json!({"id": "cs_2", "client_reference_id": "o1", "payment_status": "unpaid"});
        assert_eq!(
            outcome(&event("checkout.session.expired", expired)),
            Outcome::Expired { session: "cs_2".into() }
        );
        let intent = serde_json::json!({"id": "pi_1", "amount": 4900});
        assert_eq!(outcome(&event("payment_intent.succeeded", intent)), Outcome::Ignored);
    }

    #[test]
    fn amounts_go_in_the_smallest_unit() {
        let d = |s: &str| Decimal::from_str_exact(s).unwrap();
        assert_eq!(minor_units(d("49.99"), "USD"), Some(4999));
        assert_eq!(minor_units(d("49"), "EUR"), Some(4900));
        assert_eq!(minor_units(d("5000"), "JPY"), Some(5000));
        assert_eq!(minor_units(d("49.5"), "JPY"), None, "no half yen");
        assert_eq!(minor_units(d("0.001"), "USD"), None);
    }

    #[test]
    fn the_checkout_form_names_the_order() {
        let form = checkout_form(&CheckoutRequest {
            order_id: "o1",
            tenant_id: "t1",
            product: "Team plan",
            unit_amount: 4900,
            currency: "EUR",
            success_url: "https://f.example/orders?paid=o1",
            cancel_url: "https://f.example/orders",
        });
        let get = |k: &str| form.iter().find(|(key, _)| *key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("client_reference_id"), Some("o1"));
        assert_eq!(get("line_items[0][price_data][currency]"), Some("eur"));
        assert_eq!(get("line_items[0][price_data][unit_amount]"), Some("4900"));
        assert_eq!(get("mode"), Some("payment"));
    }
}
