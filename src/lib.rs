//! Fleetdeck: the control plane console for fleets of Kubernetes clusters.
//! `server::app(state)` is the whole application; `run` is what the binary does.

use std::collections::HashMap;
use std::sync::Arc;

use clap::Parser;

pub mod api;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod body_limit;
pub mod clusters;
pub mod config;
pub mod error;
pub mod flux;
pub mod incidents;
pub mod inventory;
pub mod kube;
pub mod mail;
pub mod metrics;
pub mod names;
pub mod openapi;
pub mod request;
pub mod server;
pub mod signals;
pub mod store;
pub mod system;
pub mod web;

use auth::BootstrapToken;
use auth::rate_limit::RateLimiter;
use config::{Cli, Command, LogFormat, Settings};
use metrics::Metrics;
use store::Store;

pub use server::app;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Store,
    /// Bootstrap tokens by the digest of their secret.
    pub tokens: Arc<HashMap<String, BootstrapToken>>,
    pub login_limiter: Arc<RateLimiter>,
    /// `GET /join` and `POST /api/join/register`, per client address (the login budget).
    pub join_limiter: Arc<RateLimiter>,
    pub registration_limits: Arc<auth::accounts::RegistrationLimits>,
    pub metrics: Arc<Metrics>,
    /// The audited routes of every router.
    pub audited_routes: Arc<Vec<audit::AuditedRoute>>,
    /// API keys verified in the last few seconds.
    pub key_cache: Arc<auth::key_cache::KeyCache>,
    /// Kubernetes clients, one per cluster (and impersonated identity).
    pub pool: Arc<kube::pool::ClusterPool>,
    pub fleet_cache: Arc<inventory::fleet::FleetCache>,
    /// The shared watch caches, one per cluster × resource.
    pub caches: Arc<kube::cache::Caches<inventory::rows::CachedRow>>,
    /// RBAC answers under users' identities.
    pub access: Arc<kube::access::AccessReviews>,
    /// Rendered Flux inputs.
    pub inputs_cache: Arc<flux::cache::InputsCache>,
    /// List answers rendered once per cache change, shared by whoever asks the same.
    pub rendered: Arc<inventory::rendered::RenderedLists>,
    /// Open watch streams: the per-user cap and the shutdown signal.
    pub streams: Arc<inventory::streams::Streams>,
    /// Open pod exec sessions: the per-user and per-cluster caps.
    pub exec_sessions: Arc<inventory::exec_sessions::ExecSessions>,
    /// The OIDC providers (login, token renewal, logout).
    pub oidc: Arc<auth::oidc::Oidc>,
    /// Wakes the diagnostics monitor when this replica changed the cluster registry.
    pub registry_changed: Arc<tokio::sync::Notify>,
    /// Wakes the project sync when this replica changed a project, its apps or the policy.
    pub projects_changed: Arc<tokio::sync::Notify>,
    /// The SSRF-guarded client every alert delivery goes through (it pools connections).
    pub outbound: signals::outbound::client::OutboundClient,
}

impl AppState {
    pub fn new(settings: Settings, store: Store) -> AppState {
        let tokens = settings
            .auth_tokens
            .iter()
            .map(|t| (t.digest.clone(), t.clone()))
            .collect();
        let caches = Arc::new(kube::cache::Caches::new(settings.caches));
        let exec_sessions = Arc::new(inventory::exec_sessions::ExecSessions::new(
            settings.exec.sessions_per_user,
            settings.exec.sessions_per_cluster,
        ));
        let access = Arc::new(kube::access::AccessReviews::default());
        let metrics = Metrics::new();
        for c in caches.metrics.collectors() {
            metrics.register(c);
        }
        let streams = Arc::new(inventory::streams::Streams::new(settings.watch.streams_per_user));
        for c in streams.collectors() {
            metrics.register(c);
        }
        metrics.register(Box::new(access.calls.clone()));
        metrics.register(Box::new(access.hits.clone()));
        let oidc = Arc::new(auth::oidc::Oidc::new(
            settings.oidc_providers.clone(),
            settings.public_url.clone(),
            settings.secret_key.clone(),
        ));
        let outbound =
            signals::outbound::client::OutboundClient::with_allow_list(settings.outbound_allow_cidrs.clone())
                .expect("the outbound HTTP client builds");
        AppState {
            outbound,
            oidc,
            registry_changed: Arc::default(),
            projects_changed: Arc::default(),
            caches,
            access,
            streams,
            login_limiter: Arc::new(RateLimiter::new(settings.login_rate_limit)),
            join_limiter: Arc::new(RateLimiter::new(settings.login_rate_limit)),
            registration_limits: Arc::new(auth::accounts::RegistrationLimits::new(settings.login_rate_limit)),
            settings: Arc::new(settings),
            store,
            tokens: Arc::new(tokens),
            metrics: Arc::new(metrics),
            audited_routes: Arc::new(api::audited_routes()),
            key_cache: Arc::default(),
            inputs_cache: Arc::default(),
            pool: Arc::default(),
            fleet_cache: Arc::default(),
            rendered: Arc::default(),
            exec_sessions,
        }
    }

    /// Drops every cache fed by the cluster registry, after a write to it.
    pub fn clusters_changed(&self) {
        self.inputs_cache.invalidate();
        self.fleet_cache.invalidate();
        self.registry_changed.notify_one();
    }

    /// The bootstrap token with this name, if the settings still have it.
    pub fn token_named(&self, name: &str) -> Option<&BootstrapToken> {
        self.tokens.values().find(|t| t.name == name)
    }
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FLEETDECK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).init(),
        LogFormat::Text => builder.init(),
    }
}

/// The binary: parse the command line, then serve, migrate or print the spec.
pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", api::document().to_yaml()?);
        return Ok(());
    }
    let settings = Settings::from_args(&cli.settings)?;
    init_tracing(settings.log_format);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        match cli.command {
            Some(Command::Migrate) => {
                let store = Store::connect(&settings.database_url).await?;
                store.migrate().await?;
                tracing::info!("migrations are applied");
                store.close().await;
                Ok(())
            }
            _ => server::Server::start(settings).await?.run_until_signal().await,
        }
    })
}
