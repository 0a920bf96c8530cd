//! The alerting API's types: channels (secrets write-only), rules, alerts and deliveries.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::signals::outbound::alert::{AlertState, Severity};
use crate::signals::slo::SloStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Alertmanager,
    Slack,
    Pagerduty,
    Webhook,
    Telegram,
    Email,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Alertmanager => "alertmanager",
            ChannelKind::Slack => "slack",
            ChannelKind::Pagerduty => "pagerduty",
            ChannelKind::Webhook => "webhook",
            ChannelKind::Telegram => "telegram",
            ChannelKind::Email => "email",
        }
    }

    pub fn parse(word: &str) -> Option<ChannelKind> {
        [
            ChannelKind::Alertmanager,
            ChannelKind::Slack,
            ChannelKind::Pagerduty,
            ChannelKind::Webhook,
            ChannelKind::Telegram,
            ChannelKind::Email,
        ]
        .into_iter()
        .find(|k| k.as_str() == word)
    }
}

/// How an email channel secures its SMTP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurityWord {
    /// STARTTLS when the server offers it (the default).
    Starttls,
    /// STARTTLS or nothing is sent.
    RequireStarttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// A channel's settings that are not secret; which apply depends on the kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChannelSettings {
    /// alertmanager, webhook: the receiver's URL (required); pagerduty: the Events v2 URL and
    /// telegram: the Bot API's base URL (both optional, the public service by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// telegram: the chat id or @channel (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
    /// email: the SMTP server (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// email: the SMTP port; default 587.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// email: default starttls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<SmtpSecurityWord>,
    /// email: the SMTP user, when the server wants a login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// email: the sender (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// email: the recipients (at least one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
}

/// A channel as written. Secrets are write-only: on PUT an omitted one keeps the stored value
/// and an empty string clears it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChannelInput {
    /// 1 to 100 characters, unique.
    pub name: String,
    /// Fixed once created.
    pub kind: ChannelKind,
    /// Default true.
    pub enabled: Option<bool>,
    #[serde(default)]
    pub settings: ChannelSettings,
    /// slack: the incoming webhook's URL (secret, required).
    pub webhook_url: Option<String>,
    /// pagerduty: the Events v2 routing key (secret, required).
    pub routing_key: Option<String>,
    /// webhook: the HMAC-SHA256 signing secret (optional; no signature without one).
    pub secret: Option<String>,
    /// telegram: the bot's token (secret, required).
    pub bot_token: Option<String>,
    /// email: the SMTP password (optional).
    pub password: Option<String>,
}

/// The secrets a channel keeps, sealed at rest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelSecrets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl ChannelSecrets {
    pub fn is_empty(&self) -> bool {
        *self == ChannelSecrets::default()
    }
}

/// A channel as read: its secrets only as `*Configured` flags.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelView {
    pub id: String,
    pub name: String,
    pub kind: ChannelKind,
    pub enabled: bool,
    pub settings: ChannelSettings,
    pub webhook_url_configured: bool,
    pub routing_key_configured: bool,
    pub secret_configured: bool,
    pub bot_token_configured: bool,
    pub password_configured: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelList {
    pub channels: Vec<ChannelView>,
}

/// A finding's severity, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FindingSeverity {
    Info,
    Warning,
    Critical,
}

impl FindingSeverity {
    pub fn parse(word: &str) -> Option<FindingSeverity> {
        match word {
            "info" => Some(FindingSeverity::Info),
            "warning" => Some(FindingSeverity::Warning),
            "critical" => Some(FindingSeverity::Critical),
            _ => None,
        }
    }
}

/// The SLO statuses that raise an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SloAlertStatus {
    Page,
    Ticket,
}

impl SloAlertStatus {
    pub fn status(self) -> SloStatus {
        match self {
            SloAlertStatus::Page => SloStatus::Page,
            SloAlertStatus::Ticket => SloStatus::Ticket,
        }
    }
}

/// Open findings a rule matches; an empty list matches everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
// Without deny_unknown_fields: the schema's allOf with the `type` tag would be unsatisfiable
// under additionalProperties: false.
#[serde(rename_all = "camelCase")]
pub struct FindingSource {
    /// Findings of this severity or higher; default every severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_severity: Option<FindingSeverity>,
    /// Finding classes (`pod_crash_loop`, …).
    #[serde(default)]
    pub classes: Vec<String>,
    #[serde(default)]
    pub clusters: Vec<String>,
    #[serde(default)]
    pub namespaces: Vec<String>,
}

fn page_only() -> Vec<SloAlertStatus> {
    vec![SloAlertStatus::Page]
}

/// Workloads whose stored SLO result has one of `statuses`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SloSource {
    /// Default `["page"]`.
    #[serde(default = "page_only")]
    pub statuses: Vec<SloAlertStatus>,
    #[serde(default)]
    pub clusters: Vec<String>,
    #[serde(default)]
    pub namespaces: Vec<String>,
}

/// What a rule watches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum RuleSource {
    Finding(FindingSource),
    Slo(SloSource),
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleInput {
    /// 1 to 100 characters, unique.
    pub name: String,
    pub source: RuleSource,
    /// The channels notified (at least one, each existing).
    pub channel_ids: Vec<String>,
    /// How often a firing alert is sent again: `30m`, `4h`, `1d` (1 minute to 30 days); default `4h`.
    pub repeat_interval: Option<String>,
    /// Default true.
    pub enabled: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleView {
    pub id: String,
    pub name: String,
    pub source: RuleSource,
    pub channel_ids: Vec<String>,
    pub repeat_interval: String,
    pub repeat_interval_seconds: i64,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleList {
    pub rules: Vec<RuleView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertView {
    pub id: String,
    /// The rule that raised it; none for an ad-hoc dispatch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    pub state: AlertState,
    pub title: String,
    pub summary: String,
    pub severity: Severity,
    pub cluster: String,
    /// '' for cluster-scoped subjects and ad-hoc alerts.
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub channel_ids: Vec<String>,
    pub started_at: DateTime<Utc>,
    /// When its firing state was last sent (the repeat interval counts from it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notified_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Who resolved it; none when its condition cleared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertList {
    pub alerts: Vec<AlertView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LifecycleQuery {
    /// firing, acknowledged or resolved.
    pub state: Option<AlertState>,
    pub cluster: Option<String>,
    /// A rule's id.
    pub rule: Option<String>,
    /// 1 to 500; default 100.
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LifecycleAction {
    Acknowledge,
    Resolve,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LifecycleChange {
    /// The alert's id.
    pub id: String,
    pub action: LifecycleAction,
    /// At most 1000 characters.
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TestRequest {
    pub channel_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DispatchRequest {
    /// 1 to 200 characters.
    pub title: String,
    /// At most 2000 characters.
    #[serde(default)]
    pub summary: String,
    /// Default warning.
    pub severity: Option<Severity>,
    #[serde(default)]
    pub cluster: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The channels to send to; default every enabled channel.
    pub channel_ids: Option<Vec<String>>,
}

/// One try of a delivery.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptView {
    /// 1 for the first.
    pub number: u32,
    pub started_at: DateTime<Utc>,
    pub duration_ms: u64,
    /// The receiver's HTTP status (or SMTP reply code), when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `url_not_allowed`, `destination_not_allowed`, `connect_failed`, `timeout`,
    /// `rate_limited`, `receiver_error`, `rejected`, `request_failed`, `smtp_failed`,
    /// `channel_unusable`, `delivery_off`; none when delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The failure for people, scrubbed of secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A delivery's result: whether it arrived, and every attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryResult {
    pub delivered: bool,
    pub attempts: Vec<AttemptView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    pub id: String,
    pub alert_id: String,
    pub channel_id: String,
    pub channel_name: String,
    pub channel_kind: ChannelKind,
    /// The state sent: firing or resolved.
    pub state: AlertState,
    pub delivered: bool,
    pub attempts: Vec<AttemptView>,
    pub sent_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    pub deliveries: Vec<DeliveryView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// An alert's id.
    pub alert: Option<String>,
    /// A channel's id.
    pub channel: Option<String>,
    /// 1 to 500; default 100.
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Dispatched {
    pub alert: AlertView,
    pub deliveries: Vec<DeliveryView>,
}
