//! Outgoing mail over SMTP (lettre on tokio; TLS by rustls with ring), for registration's
//! verification codes. `smtp://host:port` speaks plain SMTP (add `?tls=required` for STARTTLS),
//! `smtps://host:port` TLS from the start; a user in the URL signs in with the password file's secret.

use std::fmt;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How long one delivery may take before it counts as failed.
const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The URL without credentials, for logs and Debug.
    server: String,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("server", &self.server)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

/// `Fleetdeck <noreply@example.com>` or a bare address.
pub fn parse_from(from: &str) -> Result<Mailbox, String> {
    from.trim()
        .parse()
        .map_err(|e| format!("{from:?} is not a mail address: {e}"))
}

/// Whether `s` is a mail address this mailer can send to.
pub fn is_address(s: &str) -> bool {
    s.len() <= 254 && s.parse::<lettre::Address>().is_ok()
}

/// A user's mail address as it is kept: trimmed and lowercase; 422 `invalid_email` otherwise.
pub fn parse_address(s: &str) -> Result<String, crate::error::ApiError> {
    let address = s.trim().to_ascii_lowercase();
    if is_address(&address) {
        Ok(address)
    } else {
        Err(crate::error::ApiError::unprocessable(
            "invalid_email",
            "email is not a mail address",
        ))
    }
}

/// The user named in an SMTP URL (`smtp://user@host:port`), percent-decoding left aside.
fn url_user(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    Some(userinfo.split(':').next().unwrap_or(userinfo)).filter(|u| !u.is_empty())
}

impl Mailer {
    /// A mailer for `url`; `password` (from the password file) goes with the URL's user.
    pub fn new(url: &str, from: Mailbox, password: Option<&str>) -> Result<Mailer, String> {
        let url = url.trim();
        if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
            return Err(format!("{url:?} is not an smtp:// or smtps:// URL"));
        }
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("{url:?} is not a usable SMTP URL: {e}"))?
            .timeout(Some(SEND_TIMEOUT));
        if let Some(password) = password {
            let user = url_user(url).ok_or("a password file needs a user in the URL: smtp://user@host:port")?;
            builder = builder.credentials(Credentials::new(user.to_string(), password.to_string()));
        }
        let server = match url.split_once('@') {
            Some((_, host)) => format!("{}://{host}", url.split("://").next().unwrap_or("smtp")),
            None => url.to_string(),
        };
        Ok(Mailer {
            transport: builder.build(),
            from,
            server,
        })
    }

    /// Sends a plain-text mail to `to`.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.parse()?)
            .subject(subject)
            .body(body)?;
        self.transport.send(message).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_senders() {
        assert_eq!(url_user("smtp://mailer@smtp.example.com:587"), Some("mailer"));
        assert_eq!(url_user("smtps://a:b@h:465/x"), Some("a"));
        assert_eq!(url_user("smtp://smtp.example.com:25"), None);
        let from = parse_from("Fleetdeck <noreply@example.com>").unwrap();
        assert!(parse_from("not an address").is_err());
        assert!(is_address("ann@example.com"));
        assert!(!is_address("ann") && !is_address("ann@") && !is_address("a b@example.com"));
        assert!(Mailer::new("http://x", from.clone(), None).is_err());
        assert!(
            Mailer::new("smtp://h:25", from.clone(), Some("pw"))
                .unwrap_err()
                .contains("user")
        );
        let m = Mailer::new("smtp://mailer:secret@h:25", from, None).unwrap();
        assert!(!format!("{m:?}").contains("secret"));
    }
}
