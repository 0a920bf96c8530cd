//! Alert delivery: one alert model, the channels that carry it (Alertmanager, Slack, PagerDuty,
//! signed webhooks, Telegram, email), each a pure request builder, and [`deliver`], which sends
//! through the SSRF-guarded client with retries and answers every attempt for the delivery log.
//! Secrets (tokens, routing keys, signing secrets, webhook URLs) are [`Secret`]s: never in Debug
//! output, and scrubbed from attempt messages.

pub mod alert;
pub mod alertmanager;
pub mod attempt;
pub mod client;
pub mod email;
pub mod pagerduty;
pub mod request;
pub mod retry;
pub mod slack;
pub mod ssrf;
pub mod telegram;
pub mod webhook;

use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;

use alert::Alert;
use alertmanager::AlertmanagerChannel;
use client::{OutboundClient, SendError};
use email::EmailChannel;
use pagerduty::PagerDutyChannel;
use retry::{Next, Outcome, RetryPolicy};
use slack::SlackChannel;
use telegram::TelegramChannel;
use webhook::WebhookChannel;

pub use attempt::Attempt;
use attempt::Tried;
pub use request::{HttpRequest, Secret};

/// Where an alert goes.
#[derive(Debug, Clone)]
pub enum Channel {
    Alertmanager(AlertmanagerChannel),
    Slack(SlackChannel),
    PagerDuty(PagerDutyChannel),
    Webhook(WebhookChannel),
    Telegram(TelegramChannel),
    Email(EmailChannel),
}

impl Channel {
    /// The channel's secrets, scrubbed from whatever an attempt reports.
    fn secrets(&self) -> Vec<&str> {
        match self {
            Channel::Alertmanager(_) => vec![],
            Channel::Slack(c) => vec![c.webhook_url.expose()],
            Channel::PagerDuty(c) => vec![c.routing_key.expose()],
            Channel::Webhook(c) => c.secret.iter().map(Secret::expose).collect(),
            Channel::Telegram(c) => vec![c.bot_token.expose()],
            Channel::Email(c) => c.password.iter().map(Secret::expose).collect(),
        }
    }

    fn scrub(&self, text: String) -> String {
        self.secrets()
            .into_iter()
            .filter(|s| !s.is_empty())
            .fold(text, |text, secret| text.replace(secret, "***"))
    }
}

/// A delivery: whether it arrived, and every attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub delivered: bool,
    pub attempts: Vec<Attempt>,
}

/// The most of a receiver's answer quoted in a failed attempt's message.
const QUOTED_ANSWER: usize = 300;

/// An HTTP attempt's result as a `Tried`.
fn tried_http(result: Result<client::Answer, SendError>) -> Tried {
    let answer = match result {
        Ok(answer) => answer,
        Err(SendError::Refused(r)) => return Tried::failed(Outcome::Refused, r.code(), r.to_string()),
        Err(SendError::Connect(m)) => return Tried::failed(Outcome::Connect, "connect_failed", m),
        Err(SendError::Timeout) => {
            return Tried::failed(
                Outcome::Timeout,
                "timeout",
                "the receiver did not answer in time".into(),
            );
        }
        Err(SendError::Other(m)) => return Tried::failed(Outcome::Transient, "request_failed", m),
    };
    let status = answer.status.as_u16();
    if answer.status.is_success() {
        return Tried {
            outcome: Outcome::Delivered,
            status: Some(status),
            error_code: None,
            message: None,
        };
    }
    let code = match status {
        429 => "rate_limited",
        500..=599 => "receiver_error",
        _ => "rejected",
    };
    let said = String::from_utf8_lossy(&answer.body);
    let said = alert::truncate(said.trim(), QUOTED_ANSWER);
    Tried {
        outcome: Outcome::Status {
            status,
            retry_after: answer.retry_after,
        },
        status: Some(status),
        error_code: Some(code),
        message: Some(match said.is_empty() {
            true => format!("the receiver answered {status}"),
            false => format!("the receiver answered {status}: {said}"),
        }),
    }
}

/// One attempt at `now`. Requests are built per attempt: a webhook's signature carries the
/// time it is sent.
async fn attempt(client: &OutboundClient, channel: &Channel, alert: &Alert, now: DateTime<Utc>) -> Tried {
    let request = match channel {
        Channel::Alertmanager(c) => c.request(alert, now),
        Channel::Slack(c) => c.request(alert),
        Channel::PagerDuty(c) => c.request(alert),
        Channel::Webhook(c) => c.request(alert, now.timestamp()),
        Channel::Telegram(c) => c.request(alert),
        Channel::Email(c) => return c.send(client.guard(), alert).await,
    };
    tried_http(client.post_json(&request.url, request.headers, request.body).await)
}

/// Sends `alert` to `channel`, retrying as `policy` says; answers every attempt. A refusal by
/// the guard is not retried and the receiver never sees a request.
pub async fn deliver(client: &OutboundClient, channel: &Channel, alert: &Alert, policy: &RetryPolicy) -> Delivery {
    let mut attempts = Vec::new();
    loop {
        let number = attempts.len() as u32 + 1;
        let started_at = Utc::now();
        let clock = Instant::now();
        let tried = attempt(client, channel, alert, started_at).await;
        attempts.push(Attempt {
            number,
            started_at,
            duration_ms: clock.elapsed().as_millis() as u64,
            status: tried.status,
            error_code: tried.error_code,
            message: tried.message.map(|m| channel.scrub(m)),
        });
        match policy.next(number, tried.outcome) {
            Next::Done => {
                return Delivery {
                    delivered: true,
                    attempts,
                };
            }
            Next::GiveUp => {
                return Delivery {
                    delivered: false,
                    attempts,
                };
            }
            Next::RetryIn(wait) => tokio::time::sleep(wait).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_hidden_and_scrubbed() {
        let secret = Secret::new("s3cr3t");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        let channel = Channel::Telegram(TelegramChannel::new(Secret::new("123:tok"), "42".into()));
        assert_eq!(channel.scrub("bot123:tok refused".into()), "bot*** refused");
        assert!(!format!("{channel:?}").contains("123:tok"));
    }
}
