//! Alert delivery against real receivers: axum servers on 127.0.0.1 (allow-listed, since the
//! SSRF guard refuses loopback otherwise) that record what they are sent and answer from a
//! script; Debian's Alertmanager; the SMTP receiver of tests/common. Also the guard's refusals
//! (the receiver never sees a request) and DNS rebinding through an injected resolver.

mod common;

use common::receivers::*;

use std::io;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fleetdeck::signals::outbound::alert::{Alert, AlertState};
use fleetdeck::signals::outbound::alertmanager::AlertmanagerChannel;
use fleetdeck::signals::outbound::client::{ClientSettings, Guard, Lookup, OutboundClient, ResolveError, SystemLookup};
use fleetdeck::signals::outbound::email::{EmailChannel, SmtpSecurity};
use fleetdeck::signals::outbound::pagerduty::PagerDutyChannel;
use fleetdeck::signals::outbound::retry::RetryPolicy;
use fleetdeck::signals::outbound::slack::SlackChannel;
use fleetdeck::signals::outbound::ssrf::AllowList;
use fleetdeck::signals::outbound::telegram::TelegramChannel;
use fleetdeck::signals::outbound::webhook::WebhookChannel;
use fleetdeck::signals::outbound::{Channel, Delivery, Secret, deliver};
use futures::future::BoxFuture;
use serde_json::{Value, json};

/// The alert as a rule would hand it over (and as a webhook receiver reads it back).
fn alert() -> Alert {
    serde_json::from_value(json!({
        "id": "f-7c1d",
        "title": "CrashLoopBackOff in payments",
        "summary": "Pod api-5d9 restarted 12 times in 10 minutes",
        "severity": "critical",
        "cluster": "prod-eu",
        "labels": {"namespace": "payments"},
        "state": "firing",
        "startedAt": "2026-12-06T10:00:00Z",
        "link": "https://fleetdeck.example.com/incidents/f-7c1d",
    }))
    .unwrap()
}

/// A client whose guard allows `allow` (e.g. "127.0.0.1/32"), with the system's resolver.
fn client(allow: &str) -> OutboundClient {
    client_with(allow, Arc::new(SystemLookup), ClientSettings::default())
}

fn client_with(allow: &str, lookup: Arc<dyn Lookup>, settings: ClientSettings) -> OutboundClient {
    OutboundClient::new(Guard::new(AllowList::parse(allow).unwrap(), lookup), settings).unwrap()
}

/// Fast retries with known waits.
fn quick(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(20),
        jitter: || 0.0,
        ..RetryPolicy::default()
    }
}

fn webhook(url: String) -> Channel {
    Channel::Webhook(WebhookChannel { url, secret: None })
}

/// A delivery of the test alert to `receiver` as an unsigned webhook, loopback allowed.
async fn to_webhook(receiver: &Receiver, max_attempts: u32) -> Delivery {
    let channel = webhook(receiver.url("/"));
    deliver(&client("127.0.0.1/32"), &channel, &alert(), &quick(max_attempts)).await
}

fn codes(d: &Delivery) -> Vec<Option<&'static str>> {
    d.attempts.iter().map(|a| a.error_code).collect()
}

fn statuses(d: &Delivery) -> Vec<Option<u16>> {
    d.attempts.iter().map(|a| a.status).collect()
}

#[tokio::test]
async fn a_signed_webhook_is_verified_by_its_receiver() {
    let receiver = Receiver::start(vec![ok()]).await;
    let channel = Channel::Webhook(WebhookChannel {
        url: receiver.url("/hooks/fleetdeck"),
        secret: Some(Secret::new("whsec_0123456789")),
    });
    let delivery = deliver(&client("127.0.0.1/32"), &channel, &alert(), &quick(3)).await;
    assert!(delivery.delivered, "{delivery:?}");
    assert_eq!(statuses(&delivery), [Some(200)]);
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/hooks/fleetdeck");
    assert_eq!(got[0].headers["content-type"], "application/json");
    assert!(verify("whsec_0123456789", &got[0].headers, &got[0].body));
    // Another secret, or a body changed on the way, fails the check.
    assert!(!verify("whsec_other", &got[0].headers, &got[0].body));
    assert!(!verify("whsec_0123456789", &got[0].headers, b"{\"version\":1}"));
    let body = got[0].json();
    assert_eq!(body["version"], 1);
    assert_eq!(body["alert"]["id"], "f-7c1d");
    assert_eq!(body["alert"]["state"], "firing");
    assert_eq!(body["alert"]["labels"]["namespace"], "payments");
}

#[tokio::test]
async fn slack_pagerduty_and_telegram_bodies_as_received() {
    let receiver = Receiver::start(vec![ok()]).await;
    let client = client("127.0.0.1/32");

    let slack = Channel::Slack(SlackChannel {
        webhook_url: Secret::new(receiver.url("/services/T0/B0/XYZ")),
    });
    assert!(deliver(&client, &slack, &alert(), &quick(1)).await.delivered);

    let mut acknowledged = alert();
    acknowledged.state = AlertState::Acknowledged;
    let pagerduty = Channel::PagerDuty(PagerDutyChannel {
        routing_key: Secret::new("R0UT1NG"),
        url: receiver.url("/v2/enqueue"),
    });
    assert!(deliver(&client, &pagerduty, &acknowledged, &quick(1)).await.delivered);

    let telegram = Channel::Telegram(TelegramChannel {
        base_url: receiver.url(""),
        bot_token: Secret::new("123456:AAtoken"),
        chat_id: "-1001234".into(),
    });
    assert!(deliver(&client, &telegram, &alert(), &quick(1)).await.delivered);

    let got = receiver.received();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].path, "/services/T0/B0/XYZ");
    let body = got[0].json();
    assert_eq!(body["text"], "[FIRING:critical] CrashLoopBackOff in payments (prod-eu)");
    assert_eq!(body["blocks"][0]["type"], "section");
    assert_eq!(body["blocks"][0]["text"]["type"], "mrkdwn");
    assert!(
        body["blocks"][0]["text"]["text"]
            .as_str()
            .unwrap()
            .starts_with("*[FIRING:critical] CrashLoopBackOff in payments*\nPod api-5d9")
    );
    assert_eq!(body["blocks"][1]["type"], "context");

    assert_eq!(got[1].path, "/v2/enqueue");
    let body = got[1].json();
    assert_eq!(body["routing_key"], "R0UT1NG");
    assert_eq!(body["event_action"], "acknowledge");
    assert_eq!(body["dedup_key"], "f-7c1d");
    assert_eq!(body["payload"]["source"], "prod-eu");
    assert_eq!(body["payload"]["severity"], "critical");
    assert_eq!(body["payload"]["timestamp"], "2026-12-06T10:00:00Z");

    assert_eq!(got[2].path, "/bot123456:AAtoken/sendMessage");
    let body = got[2].json();
    assert_eq!(body["chat_id"], "-1001234");
    assert_eq!(body["parse_mode"], "HTML");
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .starts_with("<b>[FIRING:critical] CrashLoopBackOff")
    );
}

#[tokio::test]
async fn a_503_twice_then_200_is_three_attempts_and_delivered() {
    let receiver = Receiver::start(vec![(503, vec![], "busy".into()), (503, vec![], "busy".into()), ok()]).await;
    let delivery = to_webhook(&receiver, 5).await;
    assert!(delivery.delivered, "{delivery:?}");
    assert_eq!(statuses(&delivery), [Some(503), Some(503), Some(200)]);
    assert_eq!(codes(&delivery), [Some("receiver_error"), Some("receiver_error"), None]);
    assert_eq!(
        delivery.attempts[0].message.as_deref(),
        Some("the receiver answered 503: busy")
    );
    assert_eq!(
        delivery.attempts.iter().map(|a| a.number).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(receiver.received().len(), 3);
    // The second wait (backoff 2 × 20 ms at jitter 0 → 20 ms) came after the first (10 ms).
    let gap = delivery.attempts[2].started_at - delivery.attempts[1].started_at;
    assert!(gap >= chrono::Duration::milliseconds(20), "{gap:?}");
}

#[tokio::test]
async fn a_400_is_one_attempt_and_a_failure() {
    let receiver = Receiver::start(vec![(400, vec![], "{\"error\":\"bad payload\"}".into())]).await;
    let delivery = to_webhook(&receiver, 5).await;
    assert!(!delivery.delivered);
    assert_eq!(statuses(&delivery), [Some(400)]);
    assert_eq!(codes(&delivery), [Some("rejected")]);
    assert_eq!(
        delivery.attempts[0].message.as_deref(),
        Some("the receiver answered 400: {\"error\":\"bad payload\"}")
    );
    assert_eq!(receiver.received().len(), 1);
}

#[tokio::test]
async fn a_429_waits_for_its_retry_after() {
    let receiver = Receiver::start(vec![(429, vec![("retry-after", "1".into())], "slow down".into()), ok()]).await;
    let started = Instant::now();
    let delivery = to_webhook(&receiver, 5).await;
    assert!(delivery.delivered, "{delivery:?}");
    assert_eq!(codes(&delivery), [Some("rate_limited"), None]);
    assert_eq!(statuses(&delivery), [Some(429), Some(200)]);
    // The backoff alone would have waited 10 ms.
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());
    let gap = delivery.attempts[1].started_at - delivery.attempts[0].started_at;
    assert!(gap >= chrono::Duration::seconds(1), "{gap:?}");

    // A Retry-After beyond the policy's cap is not waited for.
    let receiver = Receiver::start(vec![(429, vec![("retry-after", "3600".into())], String::new())]).await;
    let delivery = to_webhook(&receiver, 5).await;
    assert!(!delivery.delivered);
    assert_eq!(codes(&delivery), [Some("rate_limited")]);
}

#[tokio::test]
async fn timeouts_and_unreachable_receivers_are_retried() {
    let receiver = Receiver::start_with_delay(vec![ok()], Duration::from_secs(2)).await;
    let settings = ClientSettings {
        timeout: Duration::from_millis(300),
        ..ClientSettings::default()
    };
    let client = client_with("127.0.0.1/32", Arc::new(SystemLookup), settings);
    let delivery = deliver(&client, &webhook(receiver.url("/")), &alert(), &quick(2)).await;
    assert!(!delivery.delivered);
    assert_eq!(codes(&delivery), [Some("timeout"), Some("timeout")]);
    assert!(delivery.attempts.iter().all(|a| a.duration_ms < 1500), "{delivery:?}");

    // A port nobody listens on.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let delivery = deliver(
        &client,
        &webhook(format!("http://127.0.0.1:{port}/")),
        &alert(),
        &quick(3),
    )
    .await;
    assert_eq!(codes(&delivery), [Some("connect_failed"); 3]);
}

#[tokio::test]
async fn redirects_are_not_followed_and_answers_are_capped() {
    let receiver = Receiver::start(vec![(302, vec![("location", "/elsewhere".into())], String::new())]).await;
    let delivery = to_webhook(&receiver, 3).await;
    assert!(!delivery.delivered);
    assert_eq!(statuses(&delivery), [Some(302)]);
    assert_eq!(codes(&delivery), [Some("rejected")]);
    let paths: Vec<String> = receiver.received().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/"]);

    let receiver = Receiver::start(vec![(500, vec![], "x".repeat(4 << 20))]).await;
    let delivery = to_webhook(&receiver, 1).await;
    let message = delivery.attempts[0].message.as_deref().unwrap();
    assert!(message.starts_with("the receiver answered 500: xxx") && message.chars().count() < 400);
}

#[tokio::test]
async fn internal_destinations_are_refused_without_the_allow_list() {
    let receiver = Receiver::start(vec![ok()]).await;
    let client = client("");
    let targets = [
        (receiver.url("/"), "a loopback address"),
        (format!("http://[::1]:{}/", receiver.port), "a loopback address"),
        ("http://10.0.0.1/".to_string(), "a private address (RFC 1918)"),
        (
            "http://169.254.169.254/latest/meta-data/".to_string(),
            "a cloud metadata service address",
        ),
        // A name is refused for what it resolves to.
        (format!("http://localhost:{}/", receiver.port), "a loopback address"),
    ];
    for (url, class) in targets {
        let delivery = deliver(&client, &webhook(url.clone()), &alert(), &quick(3)).await;
        assert!(!delivery.delivered, "{url}");
        assert_eq!(
            codes(&delivery),
            [Some("destination_not_allowed")],
            "{url}: not retried"
        );
        let message = delivery.attempts[0].message.as_deref().unwrap();
        assert!(message.contains(class), "{url}: {message}");
        assert!(client.guard().check_url(&url).await.is_err(), "{url}");
    }
    let delivery = deliver(&client, &webhook("ftp://example.com/x".into()), &alert(), &quick(3)).await;
    assert_eq!(codes(&delivery), [Some("url_not_allowed")]);
    assert!(receiver.received().is_empty(), "the receiver saw a request");
}

/// Answers a public address to the first lookup and loopback to every later one: a name
/// rebound between the check and the dial.
struct Rebinding {
    lookups: AtomicUsize,
}

impl Lookup for Rebinding {
    fn lookup(&self, _host: String) -> BoxFuture<'static, io::Result<Vec<IpAddr>>> {
        let first = self.lookups.fetch_add(1, Ordering::SeqCst) == 0;
        Box::pin(async move {
            Ok(vec![match first {
                true => "93.184.216.34".parse().unwrap(),
                false => "127.0.0.1".parse().unwrap(),
            }])
        })
    }
}

/// Answers several addresses, one of them internal.
struct Mixed;

impl Lookup for Mixed {
    fn lookup(&self, _host: String) -> BoxFuture<'static, io::Result<Vec<IpAddr>>> {
        Box::pin(async { Ok(vec!["93.184.216.34".parse().unwrap(), "127.0.0.1".parse().unwrap()]) })
    }
}

#[tokio::test]
async fn a_name_rebound_to_loopback_is_refused_at_dial_time() {
    let receiver = Receiver::start(vec![ok()]).await;
    let url = format!("http://hooks.rebind.test:{}/", receiver.port);
    let lookup = Arc::new(Rebinding {
        lookups: AtomicUsize::new(0),
    });
    let client = client_with("", lookup.clone(), ClientSettings::default());
    // The check as the channel is saved sees the public address.
    client.guard().check_url(&url).await.unwrap();
    let delivery = deliver(&client, &webhook(url.clone()), &alert(), &quick(3)).await;
    assert!(!delivery.delivered);
    assert_eq!(codes(&delivery), [Some("destination_not_allowed")]);
    let message = delivery.attempts[0].message.as_deref().unwrap();
    assert!(
        message.starts_with("hooks.rebind.test resolves to 127.0.0.1, a loopback address"),
        "{message}"
    );
    assert_eq!(lookup.lookups.load(Ordering::SeqCst), 2, "resolved again to dial");
    assert!(receiver.received().is_empty(), "the receiver saw a request");

    // Any refused address among several refuses the name.
    let client = client_with("", Arc::new(Mixed), ClientSettings::default());
    match client.guard().check_url(&url).await {
        Err(ResolveError::Refused(r)) => assert_eq!(r.code(), "destination_not_allowed"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let delivery = deliver(&client, &webhook(url), &alert(), &quick(3)).await;
    assert_eq!(codes(&delivery), [Some("destination_not_allowed")]);
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn the_telegram_token_is_never_in_an_attempt() {
    let token = "987654:AAsecretTOKEN";
    let channel = |base_url: String| {
        Channel::Telegram(TelegramChannel {
            base_url,
            bot_token: Secret::new(token),
            chat_id: "42".into(),
        })
    };
    // Refused, unreachable, and a receiver that repeats the path it was sent.
    let refused = deliver(&client(""), &channel("http://127.0.0.1:9".into()), &alert(), &quick(1)).await;
    let unreachable = deliver(
        &client("127.0.0.1/32"),
        &channel("http://127.0.0.1:9".into()),
        &alert(),
        &quick(1),
    )
    .await;
    let receiver = Receiver::start(vec![(
        401,
        vec![],
        format!("{{\"ok\":false,\"description\":\"Unauthorized: /bot{token}/sendMessage\"}}"),
    )])
    .await;
    let rejected = deliver(&client("127.0.0.1/32"), &channel(receiver.url("")), &alert(), &quick(1)).await;
    assert_eq!(codes(&refused), [Some("destination_not_allowed")]);
    assert_eq!(codes(&unreachable), [Some("connect_failed")]);
    assert_eq!(codes(&rejected), [Some("rejected")]);
    for delivery in [refused, unreachable, rejected] {
        let shown = format!("{delivery:?} {}", serde_json::to_string(&delivery).unwrap());
        assert!(!shown.contains("AAsecretTOKEN"), "{shown}");
    }
    assert!(!format!("{:?}", channel("https://api.telegram.org".into())).contains("AAsecretTOKEN"));
}

#[tokio::test]
async fn alertmanager_receives_a_firing_alert_then_its_resolution() {
    let am = Alertmanager::start().await;
    let channel = Channel::Alertmanager(AlertmanagerChannel { url: am.url() });
    let client = client("127.0.0.1/32");
    let mut firing = alert();
    firing.started_at = chrono::Utc::now() - chrono::Duration::minutes(5);
    let delivery = deliver(&client, &channel, &firing, &quick(3)).await;
    assert!(delivery.delivered, "{delivery:?}");

    let held = am.ours("f-7c1d").await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["status"]["state"], "active");
    assert_eq!(
        held[0]["labels"],
        json!({
            "alertname": "CrashLoopBackOff in payments",
            "cluster": "prod-eu",
            "fleetdeck_id": "f-7c1d",
            "namespace": "payments",
            "severity": "critical",
        })
    );
    assert_eq!(
        held[0]["annotations"]["summary"],
        "Pod api-5d9 restarted 12 times in 10 minutes"
    );
    assert_eq!(
        held[0]["generatorURL"],
        "https://fleetdeck.example.com/incidents/f-7c1d"
    );

    let mut resolved = firing.clone();
    resolved.state = AlertState::Resolved;
    resolved.ended_at = Some(chrono::Utc::now() - chrono::Duration::seconds(1));
    let delivery = deliver(&client, &channel, &resolved, &quick(3)).await;
    assert!(delivery.delivered, "{delivery:?}");
    // Alertmanager lists active alerts only: the resolved one is gone.
    assert_eq!(am.ours("f-7c1d").await, Vec::<Value>::new());
}

#[tokio::test]
async fn email_goes_through_the_guard_to_an_smtp_server() {
    let mut smtp = common::smtp::SmtpReceiver::start().await;
    let port = smtp.port;
    let channel = |security| {
        Channel::Email(EmailChannel {
            host: "127.0.0.1".into(),
            port,
            security,
            username: None,
            password: None,
            from: "Fleetdeck <alerts@example.com>".into(),
            to: vec!["oncall@example.com".into()],
        })
    };
    let sent = channel(SmtpSecurity::StartTlsWhenOffered);
    let required = channel(SmtpSecurity::RequireStartTls);

    let delivery = deliver(&client("127.0.0.1/32"), &sent, &alert(), &quick(3)).await;
    assert!(delivery.delivered, "{delivery:?}");
    assert_eq!(statuses(&delivery), [Some(250)]);
    let mail = smtp.next().await;
    assert_eq!(mail.to, ["oncall@example.com"]);
    assert!(
        mail.data
            .contains("Subject: [FIRING:critical] CrashLoopBackOff in payments (prod-eu)")
    );
    assert!(mail.data.contains("Cluster:  prod-eu"));

    // This server offers no STARTTLS: a channel that requires it sends nothing, once.
    let delivery = deliver(&client("127.0.0.1/32"), &required, &alert(), &quick(3)).await;
    assert!(!delivery.delivered);
    assert_eq!(codes(&delivery), [Some("smtp_failed")]);
    smtp.assert_none().await;

    // Without the allow-list the server's loopback address is refused before connecting.
    let delivery = deliver(&client(""), &sent, &alert(), &quick(3)).await;
    assert_eq!(codes(&delivery), [Some("destination_not_allowed")]);
    smtp.assert_none().await;
}

/// An SMTP server that offers STARTTLS and then cannot speak TLS: records the verbs it hears.
async fn smtp_offering_starttls() -> (u16, Arc<Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let verbs = Arc::new(Mutex::new(Vec::new()));
    let heard = verbs.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let heard = heard.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 fake ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                    heard.lock().unwrap().push(verb.clone());
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-fake\r\n250 STARTTLS\r\n",
                        // Agrees, then answers the TLS handshake with plain text.
                        "STARTTLS" => b"220 go ahead\r\nthis is not TLS\r\n",
                        _ => b"250 ok\r\n",
                    };
                    if write.write_all(reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, verbs)
}

#[tokio::test]
async fn email_never_falls_back_to_plain_text_when_starttls_is_offered() {
    let (port, verbs) = smtp_offering_starttls().await;
    let channel = Channel::Email(EmailChannel {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::StartTlsWhenOffered,
        username: Some("alerts".into()),
        password: Some(Secret::new("smtp-pa55word")),
        from: "alerts@example.com".into(),
        to: vec!["oncall@example.com".into()],
    });
    let delivery = deliver(&client("127.0.0.1/32"), &channel, &alert(), &quick(2)).await;
    assert!(!delivery.delivered, "{delivery:?}");
    // The broken handshake is a lost connection, tried again, and never a plain-text send.
    assert_eq!(codes(&delivery), [Some("connect_failed"); 2]);
    assert!(
        delivery.attempts[0]
            .message
            .as_deref()
            .unwrap()
            .contains("tls handshake")
    );
    let heard = verbs.lock().unwrap().clone();
    assert!(heard.contains(&"STARTTLS".to_string()), "{heard:?}");
    for verb in ["AUTH", "MAIL", "RCPT", "DATA"] {
        assert!(!heard.contains(&verb.to_string()), "{verb} sent without TLS: {heard:?}");
    }
    assert!(!format!("{delivery:?}").contains("smtp-pa55word"));
}
