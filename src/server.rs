//! The middleware stack over the API's routes and the server's life (bind, serve, shut down).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::{Router, middleware};
use tower_http::catch_panic::CatchPanicLayer;

use crate::AppState;
use crate::auth::Principal;
use crate::config::{LeaderElection, Settings};
use crate::error::ApiError;
use crate::kube::leader::{self, Election, Leadership, Timing};
use crate::store::Store;

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

/// The whole application: routes, console and the middleware stack.
pub fn app(state: AppState) -> Router {
    let (routes, _) = crate::api::router().split_for_parts();
    routes
        .layer(from_fn_with_state(state.clone(), crate::auth::resolve::authenticate))
        .layer(from_fn_with_state(state.clone(), crate::audit::record))
        .fallback(fallback)
        .layer(from_fn_with_state(state.clone(), crate::body_limit::limit))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn(json_method_not_allowed))
        .layer(from_fn_with_state(state.clone(), observe))
        .layer(middleware::from_fn(security_headers))
        .layer(from_fn_with_state(state.clone(), crate::request::request_context))
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
    /// Audit retention, the inputs cache's poller, the diagnostics monitor.
    background: Vec<tokio::task::JoinHandle<()>>,
    /// The leader election's task, and how to end it (it then releases the lease).
    election: Option<(tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
}

impl Server {
    /// Opens the store, migrates it, creates the first admin if needed, and starts serving.
    pub async fn start(settings: Settings) -> anyhow::Result<Server> {
        let store = Store::connect(&settings.database_url).await?;
        store.migrate().await.context("migrating the store")?;
        crate::auth::bootstrap::ensure_initial_admin(
            &store,
            !settings.auth_tokens.is_empty(),
            settings.admin_password.as_deref(),
        )
        .await?;
        let environment = &settings.flux_environments[0];
        if !settings.kubeconfig.is_empty() {
            crate::clusters::registry::sync_kubeconfig(&store, &settings.kubeconfig, environment).await?;
        }
        // Running in a pod: its service account reaches the cluster it runs in.
        let in_cluster = ::kube::Config::incluster().ok().map(|c| c.cluster_url.to_string());
        crate::clusters::registry::sync_in_cluster(&store, in_cluster, environment).await?;
        let listener = tokio::net::TcpListener::bind(settings.addr)
            .await
            .with_context(|| format!("FLEETDECK_ADDR: cannot listen on {}", settings.addr))?;
        let addr = listener.local_addr()?;
        let (leadership, election) = match election(&settings).await? {
            None => (Leadership::always(), None),
            Some(election) => {
                let (end, ended) = tokio::sync::oneshot::channel::<()>();
                let (leadership, task) = election.spawn(async {
                    let _ = ended.await;
                });
                (leadership, Some((end, task)))
            }
        };
        let retention = crate::audit::retention::spawn(store.clone(), settings.audit_retention, leadership.clone());
        let state = AppState::new(settings, store.clone());
        let mut background = vec![
            retention,
            state.inputs_cache.spawn_poller(store),
            state.caches.spawn_idle_stopper(),
            report_leadership(&state, leadership.clone()),
        ];
        if state.settings.diagnostics {
            background.push(crate::incidents::monitor::spawn(state.clone(), leadership.clone()));
        }
        if state.settings.alerting {
            background.push(crate::signals::alerts::dispatch::spawn(
                state.clone(),
                leadership.clone(),
            ));
        }
        if state.settings.project_sync {
            background.push(crate::billing::project_sync::spawn(state.clone(), leadership.clone()));
        }
        if state.settings.metering {
            background.push(crate::billing::meter::spawn(state.clone(), leadership.clone()));
        }
        if state.settings.sampling {
            background.push(crate::signals::sampler::spawn(state.clone(), leadership));
        }
        background.extend(state.oidc.spawn_discovery());
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
            election,
        })
    }

    /// Stops accepting, lets in-flight requests finish (at most `SHUTDOWN_GRACE`), closes the pool.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        // Watch streams never end by themselves: told first, they end before the grace runs out.
        self.state.streams.shut_down();
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
        if let Some((end, task)) = self.election {
            let _ = end.send(());
            // It releases the lease, so another replica leads at once rather than after it expires.
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
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

/// The election this replica takes part in, if any (`FLEETDECK_LEADER_ELECTION`): in a pod
/// through its service account; with `on` outside a pod, through the current context of the
/// first kubeconfig file.
async fn election(settings: &Settings) -> anyhow::Result<Option<Election>> {
    const SETTING: &str = "FLEETDECK_LEADER_ELECTION";
    let wanted = &settings.leader;
    let config = match (wanted.election, ::kube::Config::incluster()) {
        (LeaderElection::Off, _) | (LeaderElection::Auto, Err(_)) => return Ok(None),
        (_, Ok(config)) => config,
        (LeaderElection::On, Err(_)) => {
            let file = settings
                .kubeconfig
                .first()
                .with_context(|| format!("{SETTING}: on outside a pod needs a kubeconfig (FLEETDECK_KUBECONFIG)"))?;
            let kubeconfig = ::kube::config::Kubeconfig::read_from(file)
                .with_context(|| format!("{SETTING}: cannot read {}", file.display()))?;
            ::kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
                .await
                .with_context(|| format!("{SETTING}: {} has no usable current context", file.display()))?
        }
    };
    let namespace = wanted
        .lease_namespace
        .clone()
        .unwrap_or_else(|| config.default_namespace.clone());
    let election = Election::new(
        config,
        &namespace,
        &wanted.lease_name,
        &leader::identity(),
        Timing::default(),
    )
    .with_context(|| format!("{SETTING}: cannot build a client"))?;
    Ok(Some(election))
}

/// `fleetdeck_leader`: 1 on the replica that runs the once-per-installation tasks.
fn report_leadership(state: &AppState, mut leadership: Leadership) -> tokio::task::JoinHandle<()> {
    let gauge = prometheus::IntGauge::new(
        "fleetdeck_leader",
        "Whether this replica leads (runs audit retention): 1 or 0.",
    )
    .expect("valid metric");
    state.metrics.register(Box::new(gauge.clone()));
    tokio::spawn(async move {
        gauge.set(i64::from(leadership.is_leader()));
        while let Some(leading) = leadership.changed().await {
            gauge.set(i64::from(leading));
        }
    })
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
