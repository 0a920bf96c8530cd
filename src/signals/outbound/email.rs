//! Email over SMTP (lettre, as `crate::mail` uses it). The server's name is resolved through the
//! SSRF guard and the connection made to the checked address, with TLS still verifying the name.
//! STARTTLS is used whenever the server offers it (and a failed upgrade fails the delivery);
//! `RequireStartTls` refuses a server that does not offer it, `Tls` speaks TLS from the start.

use std::time::Duration;

use chrono::SecondsFormat;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::alert::{Alert, Heading};
use super::attempt::Tried;
use super::client::{Guard, ResolveError};
use super::request::Secret;
use super::retry::Outcome;

/// How long one delivery may take (connecting, TLS, the whole conversation).
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// STARTTLS when the server offers it (port 25 or 587).
    StartTlsWhenOffered,
    /// STARTTLS or nothing is sent (port 587).
    RequireStartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Debug, Clone)]
pub struct EmailChannel {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// `Fleetdeck <alerts@example.com>` or a bare address.
    pub from: String,
    pub to: Vec<String>,
}

/// The mail's subject and plain-text body.
pub fn subject_and_body(alert: &Alert) -> (String, String) {
    let subject = format!("{} ({})", Heading(alert), alert.cluster);
    let mut body = format!(
        "{}\n\n{}\n\nCluster:  {}\nSeverity: {}\nState:    {}\nStarted:  {}\n",
        alert.title,
        alert.summary,
        alert.cluster,
        alert.severity.as_str(),
        alert.state.as_str(),
        alert.started_at.to_rfc3339_opts(SecondsFormat::Secs, true)
    );
    if let Some(ended) = alert.ended_at {
        body.push_str(&format!(
            "Ended:    {}\n",
            ended.to_rfc3339_opts(SecondsFormat::Secs, true)
        ));
    }
    if !alert.labels.is_empty() {
        body.push_str("\nLabels:\n");
        for (k, v) in &alert.labels {
            body.push_str(&format!("  {k}={v}\n"));
        }
    }
    if let Some(link) = &alert.link {
        body.push_str(&format!("\nOpen in Fleetdeck: {link}\n"));
    }
    (subject, body)
}

impl EmailChannel {
    /// The message for `alert`; a bad sender or recipient is a permanent failure.
    pub fn message(&self, alert: &Alert) -> Result<Message, String> {
        let from: Mailbox = crate::mail::parse_from(&self.from)?;
        let (subject, body) = subject_and_body(alert);
        let mut builder = Message::builder().from(from).subject(subject);
        if self.to.is_empty() {
            return Err("the channel has no recipients".into());
        }
        for to in &self.to {
            if !crate::mail::is_address(to) {
                return Err(format!("{to:?} is not a mail address"));
            }
            builder = builder.to(to.parse().map_err(|e| format!("{to:?} is not a mail address: {e}"))?);
        }
        builder
            .body(body)
            .map_err(|e| format!("the mail could not be built: {e}"))
    }

    pub(super) async fn send(&self, guard: &Guard, alert: &Alert) -> Tried {
        let message = match self.message(alert) {
            Ok(m) => m,
            Err(why) => return Tried::failed(Outcome::Permanent, "smtp_failed", why),
        };
        let address = match guard.resolve(&self.host).await {
            Ok(ips) => ips[0],
            Err(ResolveError::Refused(r)) => return Tried::failed(Outcome::Refused, r.code(), r.to_string()),
            Err(ResolveError::Lookup(m)) => return Tried::failed(Outcome::Connect, "connect_failed", m),
        };
        let tls_parameters = match TlsParameters::new(self.host.clone()) {
            Ok(p) => p,
            Err(e) => return Tried::failed(Outcome::Permanent, "smtp_failed", format!("TLS settings: {e}")),
        };
        let tls = match self.security {
            SmtpSecurity::StartTlsWhenOffered => Tls::Opportunistic(tls_parameters),
            SmtpSecurity::RequireStartTls => Tls::Required(tls_parameters),
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters),
        };
        // Dialed by the checked address; TLS still verifies the certificate against the name.
        let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(address.to_string())
            .port(self.port)
            .tls(tls)
            .timeout(Some(SEND_TIMEOUT));
        if let (Some(user), Some(password)) = (&self.username, &self.password) {
            transport = transport.credentials(Credentials::new(user.clone(), password.expose().to_string()));
        }
        match transport.build().send(message).await {
            Ok(reply) => Tried {
                outcome: Outcome::Delivered,
                status: Some(u16::from(reply.code())),
                error_code: None,
                message: None,
            },
            Err(e) => {
                // A permanent reply, a TLS failure or a server without the STARTTLS asked for
                // will say the same next time; a transient reply or a lost connection may not.
                let outcome = if e.is_permanent() || e.is_client() || e.is_tls() || e.is_response() {
                    Outcome::Permanent
                } else if e.is_transient() {
                    Outcome::Transient
                } else if e.is_timeout() {
                    Outcome::Timeout
                } else {
                    Outcome::Connect
                };
                let code = match outcome {
                    Outcome::Timeout => "timeout",
                    Outcome::Connect => "connect_failed",
                    _ => "smtp_failed",
                };
                Tried {
                    outcome,
                    status: e.status().map(u16::from),
                    error_code: Some(code),
                    message: Some(format!("SMTP: {e}")),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::alert::tests::sample;
    use super::*;

    #[test]
    fn subject_and_body_of_an_alert() {
        let (subject, body) = subject_and_body(&sample());
        assert_eq!(subject, "[FIRING:critical] CrashLoopBackOff in payments (prod-eu)");
        assert_eq!(
            body,
            "CrashLoopBackOff in payments\n\nPod api-5d9 restarted 12 times in 10 minutes\n\n\
             Cluster:  prod-eu\nSeverity: critical\nState:    firing\nStarted:  2026-12-06T10:00:00Z\n\n\
             Labels:\n  app.kubernetes.io/name=api\n  namespace=payments\n\n\
             Open in Fleetdeck: https://fleetdeck.example.com/incidents/f-7c1d\n"
        );
    }

    #[test]
    fn bad_senders_and_recipients() {
        let channel = EmailChannel {
            host: "smtp.example.com".into(),
            port: 587,
            security: SmtpSecurity::StartTlsWhenOffered,
            username: Some("alerts".into()),
            password: Some(Secret::new("pa55")),
            from: "Fleetdeck <alerts@example.com>".into(),
            to: vec!["oncall@example.com".into()],
        };
        assert!(channel.message(&sample()).is_ok());
        assert!(!format!("{channel:?}").contains("pa55"));
        let no_one = EmailChannel {
            to: vec![],
            ..channel.clone()
        };
        assert!(no_one.message(&sample()).unwrap_err().contains("no recipients"));
        let bad_to = EmailChannel {
            to: vec!["oncall".into()],
            ..channel.clone()
        };
        assert!(bad_to.message(&sample()).unwrap_err().contains("\"oncall\""));
        let bad_from = EmailChannel {
            from: "nobody".into(),
            ..channel
        };
        assert!(bad_from.message(&sample()).is_err());
    }
}
