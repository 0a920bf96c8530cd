//! Channels as stored and as sent through: checking what a channel is given (pure), sealing its
//! secrets (bound to its id), the read view with `*Configured` flags, and the outbound channel
//! a delivery uses.

use crate::error::ApiError;
use crate::kube::secret_box::{self, SecretKey};
use crate::signals::outbound::alertmanager::AlertmanagerChannel;
use crate::signals::outbound::email::{EmailChannel, SmtpSecurity};
use crate::signals::outbound::pagerduty::PagerDutyChannel;
use crate::signals::outbound::slack::SlackChannel;
use crate::signals::outbound::telegram::TelegramChannel;
use crate::signals::outbound::webhook::WebhookChannel;
use crate::signals::outbound::{Channel, Secret};
use crate::store::alerts::ChannelRow;

use super::model::{ChannelKind, ChannelSecrets, ChannelSettings, ChannelView, SmtpSecurityWord};

const NAME_MAX: usize = 100;
/// The longest URL, host or address a channel takes.
const FIELD_MAX: usize = 2000;
const DEFAULT_SMTP_PORT: u16 = 587;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_channel", message)
}

pub fn check_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "invalid_name",
            format!("name must be 1 to {NAME_MAX} printable characters"),
        ));
    }
    Ok(name.to_string())
}

/// The secrets after a write: a given value replaces the stored one, an empty string clears
/// it, an omitted one keeps it.
pub fn merge_secret(stored: Option<String>, given: Option<String>) -> Option<String> {
    match given {
        None => stored,
        Some(v) if v.is_empty() => None,
        Some(v) => Some(v),
    }
}

/// Which secret each kind takes.
fn secret_names(kind: ChannelKind) -> &'static [&'static str] {
    match kind {
        ChannelKind::Alertmanager => &[],
        ChannelKind::Slack => &["webhookUrl"],
        ChannelKind::Pagerduty => &["routingKey"],
        ChannelKind::Webhook => &["secret"],
        ChannelKind::Telegram => &["botToken"],
        ChannelKind::Email => &["password"],
    }
}

fn present(secrets: &ChannelSecrets) -> Vec<&'static str> {
    [
        ("webhookUrl", secrets.webhook_url.is_some()),
        ("routingKey", secrets.routing_key.is_some()),
        ("secret", secrets.secret.is_some()),
        ("botToken", secrets.bot_token.is_some()),
        ("password", secrets.password.is_some()),
    ]
    .into_iter()
    .filter_map(|(n, p)| p.then_some(n))
    .collect()
}

/// What the SSRF guard checks as a channel is saved.
#[derive(Debug, PartialEq, Eq)]
pub enum Destination {
    Url(String),
    Host(String),
}

fn field(value: &Option<String>, what: &str) -> Result<(), ApiError> {
    match value {
        Some(v) if v.trim().is_empty() || v.len() > FIELD_MAX => {
            Err(invalid(format!("{what} must be 1 to {FIELD_MAX} characters")))
        }
        _ => Ok(()),
    }
}

fn required<'a>(value: &'a Option<String>, what: &str, kind: ChannelKind) -> Result<&'a str, ApiError> {
    field(value, what)?;
    value
        .as_deref()
        .ok_or_else(|| invalid(format!("a {} channel needs {what}", kind.as_str())))
}

/// Checks a channel's settings and secrets (as they will be stored) for its kind; answers what
/// the guard must check. Secrets of another kind are refused rather than kept unseen.
pub fn check(kind: ChannelKind, s: &ChannelSettings, secrets: &ChannelSecrets) -> Result<Vec<Destination>, ApiError> {
    let allowed = secret_names(kind);
    if let Some(extra) = present(secrets).into_iter().find(|n| !allowed.contains(n)) {
        return Err(invalid(format!("a {} channel takes no {extra}", kind.as_str())));
    }
    field(&s.url, "settings.url")?;
    field(&s.chat_id, "settings.chatId")?;
    let url = |u: &Option<String>| {
        u.iter()
            .map(|u| Destination::Url(u.trim().to_string()))
            .collect::<Vec<_>>()
    };
    match kind {
        ChannelKind::Alertmanager => Ok(vec![Destination::Url(
            required(&s.url, "settings.url", kind)?.trim().into(),
        )]),
        ChannelKind::Webhook => Ok(vec![Destination::Url(
            required(&s.url, "settings.url", kind)?.trim().into(),
        )]),
        ChannelKind::Slack => Ok(vec![Destination::Url(
            required(&secrets.webhook_url, "webhookUrl", kind)?.trim().into(),
        )]),
        ChannelKind::Pagerduty => {
            required(&secrets.routing_key, "routingKey", kind)?;
            Ok(url(&s.url))
        }
        ChannelKind::Telegram => {
            required(&secrets.bot_token, "botToken", kind)?;
            required(&s.chat_id, "settings.chatId", kind)?;
            Ok(url(&s.url))
        }
        ChannelKind::Email => {
            let host = required(&s.host, "settings.host", kind)?.trim();
            let from = required(&s.from, "settings.from", kind)?;
            crate::mail::parse_from(from).map_err(|why| invalid(format!("settings.from: {why}")))?;
            if s.to.is_empty() {
                return Err(invalid("an email channel needs at least one address in settings.to"));
            }
            if let Some(bad) = s.to.iter().find(|a| !crate::mail::is_address(a)) {
                return Err(invalid(format!("settings.to: {bad:?} is not a mail address")));
            }
            if s.port == Some(0) {
                return Err(invalid("settings.port must be 1 to 65535"));
            }
            if secrets.password.is_some() && s.username.is_none() {
                return Err(invalid("an SMTP password needs settings.username"));
            }
            Ok(vec![Destination::Host(host.to_string())])
        }
    }
}

/// What a channel's secrets are bound to when sealed.
fn binding(id: &str) -> String {
    format!("alert-channel:{id}")
}

pub fn seal(key: &SecretKey, id: &str, secrets: &ChannelSecrets) -> Option<String> {
    (!secrets.is_empty()).then(|| {
        let plain = serde_json::to_vec(secrets).expect("secrets serialize");
        secret_box::seal(key, &binding(id), &plain)
    })
}

/// A channel's secrets; none stored is none. Fails without the key or when they do not open.
pub fn unseal(key: Option<&SecretKey>, row: &ChannelRow) -> Result<ChannelSecrets, String> {
    let Some(sealed) = &row.sealed_secrets else {
        return Ok(ChannelSecrets::default());
    };
    let key = key.ok_or("this server has no FLEETDECK_SECRET_KEY to open the channel's secrets")?;
    let plain = secret_box::open(key, &binding(&row.id), sealed)?;
    serde_json::from_slice(&plain).map_err(|e| format!("the channel's secrets do not parse: {e}"))
}

pub fn settings_of(row: &ChannelRow) -> ChannelSettings {
    serde_json::from_str(&row.settings).unwrap_or_default()
}

/// The read view; which secrets are set is all that is told of them. The flags come from the
/// sealed JSON's presence per name, which needs the key: without it they read as the stored
/// blob says nothing (all false except the kind's own, reported set when something is sealed).
pub fn view(row: &ChannelRow, key: Option<&SecretKey>) -> ChannelView {
    let kind = ChannelKind::parse(&row.kind).unwrap_or(ChannelKind::Webhook);
    let secrets = unseal(key, row).unwrap_or_else(|_| {
        // Unreadable here: what is sealed is the kind's own secret.
        let sealed = row.sealed_secrets.is_some().then(String::new);
        match kind {
            ChannelKind::Slack => ChannelSecrets {
                webhook_url: sealed,
                ..Default::default()
            },
            ChannelKind::Pagerduty => ChannelSecrets {
                routing_key: sealed,
                ..Default::default()
            },
            ChannelKind::Webhook => ChannelSecrets {
                secret: sealed,
                ..Default::default()
            },
            ChannelKind::Telegram => ChannelSecrets {
                bot_token: sealed,
                ..Default::default()
            },
            ChannelKind::Email => ChannelSecrets {
                password: sealed,
                ..Default::default()
            },
            ChannelKind::Alertmanager => ChannelSecrets::default(),
        }
    });
    ChannelView {
        id: row.id.clone(),
        name: row.name.clone(),
        kind,
        enabled: row.enabled,
        settings: settings_of(row),
        webhook_url_configured: secrets.webhook_url.is_some(),
        routing_key_configured: secrets.routing_key.is_some(),
        secret_configured: secrets.secret.is_some(),
        bot_token_configured: secrets.bot_token.is_some(),
        password_configured: secrets.password.is_some(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// The channel a delivery sends through.
pub fn outbound(row: &ChannelRow, key: Option<&SecretKey>) -> Result<Channel, String> {
    let kind = ChannelKind::parse(&row.kind).ok_or_else(|| format!("unknown channel kind {:?}", row.kind))?;
    let s = settings_of(row);
    let secrets = unseal(key, row)?;
    let missing = |what: &str| format!("the channel has no {what}");
    Ok(match kind {
        ChannelKind::Alertmanager => Channel::Alertmanager(AlertmanagerChannel {
            url: s.url.ok_or_else(|| missing("URL"))?,
        }),
        ChannelKind::Webhook => Channel::Webhook(WebhookChannel {
            url: s.url.ok_or_else(|| missing("URL"))?,
            secret: secrets.secret.map(Secret::new),
        }),
        ChannelKind::Slack => Channel::Slack(SlackChannel {
            webhook_url: Secret::new(secrets.webhook_url.ok_or_else(|| missing("webhook URL"))?),
        }),
        ChannelKind::Pagerduty => {
            let mut c = PagerDutyChannel::new(Secret::new(secrets.routing_key.ok_or_else(|| missing("routing key"))?));
            if let Some(url) = s.url {
                c.url = url;
            }
            Channel::PagerDuty(c)
        }
        ChannelKind::Telegram => {
            let mut c = TelegramChannel::new(
                Secret::new(secrets.bot_token.ok_or_else(|| missing("bot token"))?),
                s.chat_id.ok_or_else(|| missing("chat id"))?,
            );
            if let Some(url) = s.url {
                c.base_url = url;
            }
            Channel::Telegram(c)
        }
        ChannelKind::Email => Channel::Email(EmailChannel {
            host: s.host.ok_or_else(|| missing("SMTP host"))?,
            port: s.port.unwrap_or(DEFAULT_SMTP_PORT),
            security: match s.security.unwrap_or(SmtpSecurityWord::Starttls) {
                SmtpSecurityWord::Starttls => SmtpSecurity::StartTlsWhenOffered,
                SmtpSecurityWord::RequireStarttls => SmtpSecurity::RequireStartTls,
                SmtpSecurityWord::Tls => SmtpSecurity::Tls,
            },
            username: s.username,
            password: secrets.password.map(Secret::new),
            from: s.from.ok_or_else(|| missing("sender"))?,
            to: s.to,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<Vec<Destination>, ApiError>) -> &'static str {
        r.unwrap_err().code
    }

    #[test]
    fn what_each_kind_needs() {
        let none = ChannelSecrets::default();
        let url = ChannelSettings {
            url: Some("https://am.example.com".into()),
            ..Default::default()
        };
        assert_eq!(
            check(ChannelKind::Alertmanager, &url, &none).unwrap(),
            vec![Destination::Url("https://am.example.com".into())]
        );
        assert_eq!(
            code(check(ChannelKind::Alertmanager, &ChannelSettings::default(), &none)),
            "invalid_channel"
        );
        let hook = ChannelSecrets {
            webhook_url: Some("https://hooks.slack.example/T/B/X".into()),
            ..Default::default()
        };
        assert_eq!(
            check(ChannelKind::Slack, &ChannelSettings::default(), &hook).unwrap(),
            vec![Destination::Url("https://hooks.slack.example/T/B/X".into())]
        );
        // A secret of another kind is refused.
        assert_eq!(code(check(ChannelKind::Alertmanager, &url, &hook)), "invalid_channel");
        let key = ChannelSecrets {
            routing_key: Some("R0UT".into()),
            ..Default::default()
        };
        assert_eq!(
            check(ChannelKind::Pagerduty, &ChannelSettings::default(), &key).unwrap(),
            vec![]
        );
        let mail = ChannelSettings {
            host: Some("smtp.example.com".into()),
            from: Some("Fleetdeck <alerts@example.com>".into()),
            to: vec!["ops@example.com".into()],
            ..Default::default()
        };
        assert_eq!(
            check(ChannelKind::Email, &mail, &none).unwrap(),
            vec![Destination::Host("smtp.example.com".into())]
        );
        let bad_to = ChannelSettings {
            to: vec!["nope".into()],
            ..mail.clone()
        };
        assert_eq!(code(check(ChannelKind::Email, &bad_to, &none)), "invalid_channel");
    }

    #[test]
    fn secrets_merge_seal_and_open() {
        assert_eq!(merge_secret(Some("a".into()), None), Some("a".into()));
        assert_eq!(merge_secret(Some("a".into()), Some(String::new())), None);
        assert_eq!(merge_secret(None, Some("b".into())), Some("b".into()));
        let key = SecretKey::from_base64("BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU=").unwrap();
        let secrets = ChannelSecrets {
            bot_token: Some("123:tok".into()),
            ..Default::default()
        };
        let sealed = seal(&key, "c1", &secrets).unwrap();
        assert!(!sealed.contains("123:tok"));
        let now = crate::store::now();
        let row = ChannelRow {
            id: "c1".into(),
            name: "tg".into(),
            kind: "telegram".into(),
            enabled: true,
            settings: r#"{"chatId":"42"}"#.into(),
            sealed_secrets: Some(sealed.clone()),
            created_at: now,
            updated_at: now,
        };
        assert_eq!(unseal(Some(&key), &row).unwrap(), secrets);
        // Bound to its id: copied onto another channel, it does not open.
        let moved = ChannelRow {
            id: "c2".into(),
            ..row.clone()
        };
        assert!(unseal(Some(&key), &moved).is_err());
        assert!(unseal(None, &row).is_err());
        let v = view(&row, Some(&key));
        assert!(v.bot_token_configured && !v.password_configured);
        assert!(view(&row, None).bot_token_configured);
        assert!(seal(&key, "c1", &ChannelSecrets::default()).is_none());
    }
}
