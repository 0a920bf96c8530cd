//! The middleware stack, the router assembly and the server's life (bind, serve, shut down).

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::{Router, middleware};
use ipnet::IpNet;
use tower_http::catch_panic::CatchPanicLayer;
use tracing::Instrument;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::auth::Principal;
use crate::config::Settings;
use crate::error::ApiError;
use crate::store::Store;

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
}

impl Default for RequestContext {
    fn default() -> RequestContext {
        RequestContext {
            request_id: String::new(),
            client_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            https: false,
        }
    }
}

impl RequestContext {
    /// `scheme://host[:port]` of this server as the client addressed it.
    pub fn own_origin(&self, headers: &HeaderMap) -> String {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        let scheme = if self.https { "https" } else { "http" };
        crate::config::normalize_origin(&format!("{scheme}://{host}")).unwrap_or_default()
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

async fn request_context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
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

/// Metrics and one log line per request.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_string();
    let response = next.run(req).await;
    let latency = started.elapsed();
    let status = response.status().as_u16();
    state
        .metrics
        .observe_request(method.as_str(), &route, status, latency.as_secs_f64());
    let actor = response
        .extensions()
        .get::<Principal>()
        .map_or("anonymous", |p| p.subject.as_str());
    let latency_ms = latency.as_secs_f64() * 1000.0;
    if matches!(route.as_str(), "/healthz" | "/readyz" | "/metrics") {
        tracing::debug!(%method, route, status, latency_ms, actor, "request");
    } else {
        tracing::info!(%method, route, status, latency_ms, actor, "request");
    }
    response
}

const CONSOLE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                           connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

async fn security_headers(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(if api { API_CSP } else { CONSOLE_CSP }),
    );
    response
}

/// axum answers a wrong method with an empty 405; give it the error envelope.
async fn json_method_not_allowed(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if response.status() != StatusCode::METHOD_NOT_ALLOWED || response.headers().contains_key(header::CONTENT_TYPE) {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut json = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
    .into_response();
    if let Some(allow) = allow {
        json.headers_mut().insert(header::ALLOW, allow);
    }
    json
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal(anyhow::anyhow!("handler panicked")).into_response()
}

/// Unknown paths: JSON 404 under /api, the console (SPA fallback) elsewhere.
async fn fallback(req: Request) -> Response {
    let path = req.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::not_found(format!("no API route {path}")).into_response();
    }
    crate::web::serve(req.method(), req.uri()).await
}

/// Every documented route, with the spec built from them.
fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .merge(crate::system::router())
        .merge(crate::auth::routes::router())
        .merge(crate::audit::routes::router())
        .merge(crate::inventory::routes::router())
        .merge(crate::inventory::fleet::router())
        .merge(crate::flux::routes::router())
        .merge(crate::flux::inputs::router())
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api_router().split_for_parts().1;
    utoipa::Modify::modify(&crate::openapi::Contract, &mut doc);
    doc
}

/// The whole application: routes, console and the middleware stack.
pub fn app(state: AppState) -> Router {
    let (routes, _) = api_router().split_for_parts();
    routes
        .layer(from_fn_with_state(state.clone(), crate::auth::resolve::authenticate))
        .layer(from_fn_with_state(state.clone(), crate::audit::record))
        .fallback(fallback)
        .layer(from_fn_with_state(state.clone(), crate::body_limit::limit))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn(json_method_not_allowed))
        .layer(from_fn_with_state(state.clone(), observe))
        .layer(middleware::from_fn(security_headers))
        .layer(from_fn_with_state(state.clone(), request_context))
        .with_state(state)
}

/// How long in-flight requests may take to finish once shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// A running server: its address, and a handle to stop it.
pub struct Server {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    /// Audit retention and the inputs cache's poller.
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Opens the store, migrates it, creates the first admin if needed, and starts serving.
    pub async fn start(settings: Settings) -> anyhow::Result<Server> {
        let store = Store::connect(&settings.database_url).await?;
        store.migrate().await.context("migrating the store")?;
        crate::auth::bootstrap::ensure_initial_admin(&store, &settings).await?;
        let environment = &settings.flux_environments[0];
        if !settings.kubeconfig.is_empty() {
            crate::inventory::registry::sync_kubeconfig(&store, &settings.kubeconfig, environment).await?;
        }
        // Running in a pod: its service account reaches the cluster it runs in.
        let in_cluster = ::kube::Config::incluster().ok().map(|c| c.cluster_url.to_string());
        crate::inventory::registry::sync_in_cluster(&store, in_cluster, environment).await?;
        let listener = tokio::net::TcpListener::bind(settings.addr)
            .await
            .with_context(|| format!("FLEETDECK_ADDR: cannot listen on {}", settings.addr))?;
        let addr = listener.local_addr()?;
        let retention = crate::audit::retention::spawn(store.clone(), settings.audit_retention);
        let state = AppState::new(settings, store.clone());
        let background = vec![retention, state.inputs_cache.spawn_poller(store)];
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let service = app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let task = tokio::spawn(
            axum::serve(listener, service)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .into_future(),
        );
        tracing::info!(%addr, "fleetdeck is listening");
        Ok(Server {
            addr,
            state,
            stop,
            task,
            background,
        })
    }

    /// Stops accepting, lets in-flight requests finish (at most `SHUTDOWN_GRACE`), closes the pool.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.background.iter().for_each(|t| t.abort());
        let mut task = self.task;
        let result = match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(joined) => joined.context("server task")?.context("serving"),
            Err(_) => {
                tracing::warn!("in-flight requests did not finish within {SHUTDOWN_GRACE:?}; stopping anyway");
                task.abort();
                Ok(())
            }
        };
        self.state.store.close().await;
        result
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully.
    pub async fn run_until_signal(self) -> anyhow::Result<()> {
        shutdown_signal().await;
        tracing::info!("shutting down");
        self.shutdown().await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
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
}
