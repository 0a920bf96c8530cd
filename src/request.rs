//! What the first middleware learns about a request: its id (the client's, if safe, else a new
//! one), the client's address and whether it spoke HTTPS, behind trusted proxies too.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use tracing::Instrument;

use crate::AppState;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled, for error bodies and audit rows.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What the first middleware learns about a request's origin.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    /// The client's address: the peer, or X-Forwarded-For when the peer is a trusted proxy.
    pub client_ip: IpAddr,
    /// The client spoke HTTPS (to a trusted proxy that says so with X-Forwarded-Proto).
    pub https: bool,
    /// The peer is a trusted proxy, whose identity headers count (proxy auth).
    pub peer_trusted: bool,
}

impl Default for RequestContext {
    fn default() -> RequestContext {
        RequestContext {
            request_id: String::new(),
            client_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            https: false,
            peer_trusted: false,
        }
    }
}

impl RequestContext {
    /// `scheme://host[:port]` of this server as the client addressed it.
    pub fn own_origin(&self, headers: &HeaderMap) -> String {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        let scheme = if self.https { "https" } else { "http" };
        normalize_origin(&format!("{scheme}://{host}")).unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<RequestContext, Infallible> {
        Ok(parts.extensions.get::<RequestContext>().cloned().unwrap_or_default())
    }
}

/// A client's X-Request-Id is kept when it is a short token of safe characters.
pub fn acceptable_request_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The client's address: X-Forwarded-For counts only from trusted proxies, read right to left
/// up to the first address that is not a trusted proxy.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(forwarded.first())
        .copied()
        .unwrap_or(peer)
}

pub async fn request_context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| acceptable_request_id(id))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let trusted = &state.settings.trusted_proxies;
    let peer_trusted = trusted.iter().any(|n| n.contains(&peer));
    let https = peer_trusted
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let ctx = RequestContext {
        request_id: request_id.clone(),
        client_ip: client_ip(peer, req.headers(), trusted),
        https,
        peer_trusted,
    };
    let span =
        tracing::info_span!("request", request_id = %request_id, method = %req.method(), path = %req.uri().path());
    req.extensions_mut().insert(ctx);
    let mut response = REQUEST_ID
        .scope(request_id.clone(), next.run(req).instrument(span))
        .await;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(X_REQUEST_ID, v);
    }
    response
}

/// `https://Host:443/` → `https://host`; `None` when it is not an http(s) origin.
pub fn normalize_origin(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, rest) = s.split_once("://")?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
        return None;
    }
    let default_port = match scheme {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    Some(format!(
        "{scheme}://{}",
        rest.strip_suffix(default_port).unwrap_or(rest)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_clients_must_be_short_safe_tokens() {
        assert!(acceptable_request_id("abc-123_X.y"));
        assert!(!acceptable_request_id(""));
        assert!(!acceptable_request_id(&"a".repeat(65)));
        assert!(!acceptable_request_id("has space"));
        assert!(!acceptable_request_id("inject\r\nx"));
        assert!(!acceptable_request_id("<script>"));
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7, 10.1.1.1".parse().unwrap(),
        );
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let stranger: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(
            client_ip(proxy, &h, &trusted),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_ip(stranger, &h, &trusted),
            stranger,
            "spoofed header from an untrusted peer is ignored"
        );
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
    }

    #[test]
    fn origins_are_normalized() {
        assert_eq!(
            normalize_origin("HTTPS://Console.Example.com:443/").as_deref(),
            Some("https://console.example.com")
        );
        assert_eq!(
            normalize_origin("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(normalize_origin("https://x/path"), None);
    }
}
