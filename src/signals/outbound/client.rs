//! The guarded HTTP client every channel sends through. Its DNS resolver checks every address a
//! name resolves to and refuses the connection if any is refused: the check runs at the moment
//! of dialing, on the addresses dialed, so a name that answered a public address when a channel
//! was saved and a loopback one now (DNS rebinding) is still refused. IP literals never reach a
//! resolver, so they are checked before sending. Redirects are not followed, proxies from the
//! environment are not used, requests time out, and response bodies are read up to a cap.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};

use super::ssrf::{self, AllowList, Refusal, UrlHost};
use crate::error::ApiError;

/// How names are looked up; tests inject answers through it.
pub trait Lookup: Send + Sync {
    fn lookup(&self, host: String) -> BoxFuture<'static, io::Result<Vec<IpAddr>>>;
}

/// The system's resolver (tokio's `lookup_host`).
pub struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(&self, host: String) -> BoxFuture<'static, io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

/// The guard: the allow-list and the lookup whose answers it checks.
#[derive(Clone)]
pub struct Guard {
    allow: AllowList,
    lookup: Arc<dyn Lookup>,
}

impl Guard {
    pub fn new(allow: AllowList, lookup: Arc<dyn Lookup>) -> Guard {
        Guard { allow, lookup }
    }

    pub fn allow_list(&self) -> &AllowList {
        &self.allow
    }

    /// `host`'s addresses, every one of them allowed; a refusal names the first refused one.
    pub async fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, ResolveError> {
        if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            ssrf::check_ip(&self.allow, host, ip)?;
            return Ok(vec![ip]);
        }
        let ips = self
            .lookup
            .lookup(host.to_string())
            .await
            .map_err(|e| ResolveError::Lookup(format!("{host} could not be resolved: {e}")))?;
        if ips.is_empty() {
            return Err(ResolveError::Lookup(format!("{host} has no addresses")));
        }
        for ip in &ips {
            ssrf::check_ip(&self.allow, host, *ip)?;
        }
        Ok(ips)
    }

    /// The whole check of a URL as a channel is saved: its form, then its host's addresses now.
    /// Sending checks again at dial time; this gives the early, clear answer.
    pub async fn check_url(&self, url: &str) -> Result<(), ResolveError> {
        if let (_, UrlHost::Name(name)) = ssrf::check_url(&self.allow, url)? {
            self.resolve(&name).await?;
        }
        Ok(())
    }
}

/// A failed guarded resolution: refused by the guard, or the lookup failed.
#[derive(Debug)]
pub enum ResolveError {
    Refused(Refusal),
    Lookup(String),
}

impl From<Refusal> for ResolveError {
    fn from(r: Refusal) -> ResolveError {
        ResolveError::Refused(r)
    }
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::Refused(r) => r.fmt(f),
            ResolveError::Lookup(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ResolveError {}

/// 400 for routes that check a channel's URL as it is saved: the refusal's code, or
/// `destination_not_resolvable` for a name with no addresses.
impl From<ResolveError> for ApiError {
    fn from(e: ResolveError) -> ApiError {
        match e {
            ResolveError::Refused(r) => r.into(),
            ResolveError::Lookup(m) => ApiError::bad_request("destination_not_resolvable", m),
        }
    }
}

/// reqwest's resolver: the guard's, at dial time.
struct GuardedResolver(Guard);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let ips = guard.resolve(&host).await?;
            // The connector sets the URL's port on each address.
            let addrs: Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// The client's limits.
#[derive(Debug, Clone, Copy)]
pub struct ClientSettings {
    /// One request, from connecting to the last byte of the answer.
    pub timeout: Duration,
    /// The most of a response body that is read.
    pub body_cap: usize,
}

impl Default for ClientSettings {
    fn default() -> ClientSettings {
        ClientSettings {
            timeout: Duration::from_secs(10),
            body_cap: 64 * 1024,
        }
    }
}

/// An answer from a receiver: its status, Retry-After, and the start of its body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

/// Why a request got no answer. Messages never hold the URL (it may hold a token).
#[derive(Debug)]
pub enum SendError {
    Refused(Refusal),
    /// The name did not resolve, or the connection was not made.
    Connect(String),
    Timeout,
    Other(String),
}

/// The guarded client: one per installation (it pools connections).
#[derive(Clone)]
pub struct OutboundClient {
    http: reqwest::Client,
    guard: Guard,
    settings: ClientSettings,
}

impl OutboundClient {
    pub fn new(guard: Guard, settings: ClientSettings) -> anyhow::Result<OutboundClient> {
        let http = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver(guard.clone())))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(settings.timeout)
            .user_agent(concat!("fleetdeck/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(OutboundClient { http, guard, settings })
    }

    /// A client for the installation's allow-list (`FLEETDECK_OUTBOUND_ALLOW_CIDRS`) and the
    /// system's resolver.
    pub fn with_allow_list(allow: AllowList) -> anyhow::Result<OutboundClient> {
        OutboundClient::new(Guard::new(allow, Arc::new(SystemLookup)), ClientSettings::default())
    }

    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    /// POSTs `body` (JSON) to `url` with `headers`, through the guard.
    pub async fn post_json(&self, url: &str, headers: HeaderMap, body: Vec<u8>) -> Result<Answer, SendError> {
        let (url, _) = ssrf::check_url(self.guard.allow_list(), url).map_err(SendError::Refused)?;
        self.post_checked(url, headers, body).await
    }

    async fn post_checked(&self, url: Url, headers: HeaderMap, body: Vec<u8>) -> Result<Answer, SendError> {
        let request = self
            .http
            .post(url)
            .headers(headers)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        self.send(request).await
    }

    /// GETs `url` with `headers`, through the guard.
    pub async fn get(&self, url: &str, headers: HeaderMap) -> Result<Answer, SendError> {
        let (url, _) = ssrf::check_url(self.guard.allow_list(), url).map_err(SendError::Refused)?;
        self.send(self.http.get(url).headers(headers)).await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Answer, SendError> {
        let mut response = request.send().await.map_err(send_error)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let mut body = Vec::new();
        while body.len() < self.settings.body_cap {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                // The status is what counts; a body cut short is kept as far as it came.
                Err(_) => break,
            }
        }
        body.truncate(self.settings.body_cap);
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }
}

/// `Retry-After` in seconds (the HTTP-date form is read as no hint).
fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// reqwest's error as a `SendError`: a guard refusal found in its causes, a timeout, a failed
/// connection. reqwest's own message names the URL, so it is dropped (`without_url`).
fn send_error(e: reqwest::Error) -> SendError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(c) = cause {
        if let Some(resolve) = c.downcast_ref::<ResolveError>() {
            return match resolve {
                ResolveError::Refused(r) => SendError::Refused(r.clone()),
                ResolveError::Lookup(m) => SendError::Connect(m.clone()),
            };
        }
        cause = c.source();
    }
    if e.is_timeout() {
        return SendError::Timeout;
    }
    let connect = e.is_connect();
    let message = error_chain(&e.without_url());
    match connect {
        true => SendError::Connect(message),
        false => SendError::Other(message),
    }
}

/// An error and its causes on one line.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cause = c.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers the addresses it is given, or none.
    struct Fixed(Vec<IpAddr>);

    impl Lookup for Fixed {
        fn lookup(&self, _host: String) -> BoxFuture<'static, io::Result<Vec<IpAddr>>> {
            let ips = self.0.clone();
            Box::pin(async move { Ok(ips) })
        }
    }

    #[tokio::test]
    async fn urls_checked_as_a_channel_is_saved() {
        let public: IpAddr = "93.184.216.34".parse().unwrap();
        let guard = |ips: Vec<IpAddr>| Guard::new(AllowList::default(), Arc::new(Fixed(ips)));
        assert!(
            guard(vec![public])
                .check_url("https://hooks.example.com/x")
                .await
                .is_ok()
        );
        let api = |e: ResolveError| {
            let e = ApiError::from(e);
            (e.status.as_u16(), e.code)
        };
        let refused = guard(vec![public, "10.1.2.3".parse().unwrap()])
            .check_url("https://hooks.example.com/x")
            .await
            .unwrap_err();
        assert!(
            refused
                .to_string()
                .starts_with("hooks.example.com resolves to 10.1.2.3, a private address")
        );
        assert_eq!(api(refused), (400, "destination_not_allowed"));
        let nowhere = guard(vec![])
            .check_url("https://hooks.example.com/x")
            .await
            .unwrap_err();
        assert_eq!(api(nowhere), (400, "destination_not_resolvable"));
        let bad = guard(vec![public])
            .check_url("gopher://hooks.example.com/")
            .await
            .unwrap_err();
        assert_eq!(api(bad), (400, "url_not_allowed"));
        // An IP literal is checked without a lookup.
        assert_eq!(
            guard(vec![]).resolve("[::1]").await.map_err(api).unwrap_err().1,
            "destination_not_allowed"
        );
        assert_eq!(
            guard(vec![]).resolve("8.8.8.8").await.unwrap(),
            ["8.8.8.8".parse::<IpAddr>().unwrap()]
        );
    }

    #[test]
    fn retry_after_in_seconds() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
