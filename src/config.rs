//! Every setting: a `--flag` and a `FLEETDECK_*` environment variable, validated at start.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use ipnet::IpNet;

use crate::auth::accounts::RegistrationSettings;
use crate::auth::oidc::config::ProviderConfig;
use crate::auth::proxy::ProxyAuth;
use crate::auth::{BootstrapToken, Role};
use crate::incidents::risk_guard::Policy;
use crate::inventory::kubectl::KubectlSettings;
use crate::kube::cache::CacheSettings;
use crate::kube::secret_box::SecretKey;
use crate::mail::Mailer;
use crate::request::normalize_origin;
use crate::signals::outbound::ssrf::AllowList;

#[derive(Debug, Parser)]
#[command(
    name = "fleetdeck",
    version,
    about = "Control plane console for fleets of Kubernetes clusters",
    long_about = "Fleetdeck serves its API and web console from one port. Every setting below \
                  is also read from the FLEETDECK_* environment variable named with it."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run migrations and serve the API and console (the default).
    Serve,
    /// Run the store's migrations and exit.
    Migrate,
    /// Print the OpenAPI document as YAML.
    Openapi,
}

/// Raw settings as given; `Settings::from_args` validates them.
#[derive(Debug, Clone, Args)]
pub struct SettingsArgs {
    /// Listen address (host:port).
    #[arg(long, env = "FLEETDECK_ADDR", default_value = "127.0.0.1:8080", global = true)]
    pub addr: String,
    /// Store URL: sqlite://PATH (embedded) or postgres://… (production).
    #[arg(
        long,
        env = "FLEETDECK_DATABASE_URL",
        default_value = "sqlite://fleetdeck.db",
        global = true
    )]
    pub database_url: String,
    /// Bootstrap tokens, comma separated `name:role:token` entries.
    #[arg(long, env = "FLEETDECK_AUTH_TOKENS", hide_env_values = true, global = true)]
    pub auth_tokens: Option<String>,
    /// File of bootstrap tokens: `name:role:token` entries, one a line or comma separated.
    #[arg(long, env = "FLEETDECK_AUTH_TOKENS_FILE", global = true)]
    pub auth_tokens_file: Option<PathBuf>,
    /// File holding the first admin's password (else a random one is generated on first start).
    #[arg(long, env = "FLEETDECK_ADMIN_PASSWORD_FILE", global = true)]
    pub admin_password_file: Option<PathBuf>,
    /// Absolute lifetime of a console session (e.g. 30m, 12h, 7d).
    #[arg(long, env = "FLEETDECK_SESSION_TTL", default_value = "12h", global = true)]
    pub session_ttl: String,
    /// Largest request body accepted (bytes, or with KiB/MiB).
    #[arg(long, env = "FLEETDECK_BODY_LIMIT", default_value = "1MiB", global = true)]
    pub body_limit: String,
    /// Largest body of POST /api/flux/import, whose catalog document is far larger than any other body.
    #[arg(long, env = "FLEETDECK_IMPORT_BODY_LIMIT", default_value = "64MiB", global = true)]
    pub import_body_limit: String,
    /// Login and other credential attempts (registrations, join tokens) allowed per client IP per minute.
    #[arg(long, env = "FLEETDECK_LOGIN_RATE_LIMIT", default_value = "10", global = true)]
    pub login_rate_limit: String,
    /// Comma separated CIDRs of reverse proxies whose X-Forwarded-For/-Proto are believed.
    #[arg(long, env = "FLEETDECK_TRUSTED_PROXIES", default_value = "", global = true)]
    pub trusted_proxies: String,
    /// Comma separated origins (scheme://host[:port]) allowed to send cookie-authenticated writes besides our own.
    #[arg(long, env = "FLEETDECK_TRUSTED_ORIGINS", default_value = "", global = true)]
    pub trusted_origins: String,
    /// How long audit events are kept (e.g. 90d).
    #[arg(long, env = "FLEETDECK_AUDIT_RETENTION", default_value = "90d", global = true)]
    pub audit_retention: String,
    /// Analyze every cluster continuously for findings (on the leader): on or off.
    #[arg(long, env = "FLEETDECK_DIAGNOSTICS", default_value = "on", global = true)]
    pub diagnostics: String,
    /// How long resolved findings are kept (e.g. 30d).
    #[arg(long, env = "FLEETDECK_FINDINGS_RETENTION", default_value = "30d", global = true)]
    pub findings_retention: String,
    /// Sample every cluster's readiness and usage (on the leader): on or off.
    #[arg(long, env = "FLEETDECK_SAMPLING", default_value = "on", global = true)]
    pub sampling: String,
    /// How often the sampler takes a pass over every cluster (e.g. 60s).
    #[arg(long, env = "FLEETDECK_SAMPLE_INTERVAL", default_value = "60s", global = true)]
    pub sample_interval: String,
    /// Apply every project's namespace, guard rails and apps to its cluster (on the leader): on or off.
    #[arg(long, env = "FLEETDECK_PROJECT_SYNC", default_value = "on", global = true)]
    pub project_sync: String,
    /// How often every project is applied again, whether it changed or not (e.g. 5m): what repairs drift.
    #[arg(long, env = "FLEETDECK_PROJECT_SYNC_INTERVAL", default_value = "5m", global = true)]
    pub project_sync_interval: String,
    /// Meter every cluster's namespaces for billing (on the leader): on or off.
    #[arg(long, env = "FLEETDECK_METERING", default_value = "on", global = true)]
    pub metering: String,
    /// How often the metering takes a pass over every cluster; each pass counts for this long (e.g. 60s).
    #[arg(long, env = "FLEETDECK_METERING_INTERVAL", default_value = "60s", global = true)]
    pub metering_interval: String,
    /// How long raw samples are kept before they fold into 5-minute buckets (e.g. 1d).
    #[arg(long, env = "FLEETDECK_SAMPLES_RAW_RETENTION", default_value = "1d", global = true)]
    pub samples_raw_retention: String,
    /// How long samples (as 5-minute buckets) are kept (e.g. 30d).
    #[arg(long, env = "FLEETDECK_SAMPLES_RETENTION", default_value = "30d", global = true)]
    pub samples_retention: String,
    /// How long node events are kept (e.g. 90d).
    #[arg(long, env = "FLEETDECK_NODE_EVENTS_RETENTION", default_value = "90d", global = true)]
    pub node_events_retention: String,
    /// Allow routes that change Kubernetes objects (true/false).
    #[arg(
        long,
        env = "FLEETDECK_WRITE_ACTIONS_ENABLED",
        default_value = "false",
        global = true
    )]
    pub write_actions_enabled: String,
    /// Environments a cluster may be in (comma separated).
    #[arg(
        long,
        env = "FLEETDECK_FLUX_ENVIRONMENTS",
        default_value = "dev,qa,uat,stage,prod",
        global = true
    )]
    pub flux_environments: String,
    /// Key for cluster credentials at rest: 32 random bytes, base64 (`openssl rand -base64 32`).
    #[arg(long, env = "FLEETDECK_SECRET_KEY", hide_env_values = true, global = true)]
    pub secret_key: Option<String>,
    /// File holding FLEETDECK_SECRET_KEY.
    #[arg(long, env = "FLEETDECK_SECRET_KEY_FILE", global = true)]
    pub secret_key_file: Option<PathBuf>,
    /// Kubeconfig files whose contexts become clusters, ':'-separated (default: $KUBECONFIG, else ~/.kube/config when present).
    #[arg(long, env = "FLEETDECK_KUBECONFIG", global = true)]
    pub kubeconfig: Option<String>,
    /// Groups a user is impersonated with on `impersonate` clusters, by Fleetdeck role:
    /// comma-separated `role=group` entries (a role may appear more than once).
    #[arg(
        long,
        env = "FLEETDECK_IMPERSONATE_GROUPS",
        default_value = "viewer=fleetdeck:viewers,operator=fleetdeck:operators,admin=fleetdeck:admins",
        global = true
    )]
    pub impersonate_groups: String,
    /// How long a list on a cold cache waits for the cluster's first answer before 504 cache_warming.
    #[arg(long, env = "FLEETDECK_CACHE_WARM_TIMEOUT", default_value = "15s", global = true)]
    pub cache_warm_timeout: String,
    /// A watch cache nobody read or streamed for this long is stopped.
    #[arg(long, env = "FLEETDECK_CACHE_IDLE_TIMEOUT", default_value = "10m", global = true)]
    pub cache_idle_timeout: String,
    /// Open watch streams (SSE streams and WebSocket subscriptions) one user may hold at once.
    #[arg(long, env = "FLEETDECK_WATCH_STREAMS_PER_USER", default_value_t = 30, global = true)]
    pub watch_streams_per_user: usize,
    /// How often an open watch stream sends a heartbeat (an SSE comment, a WebSocket ping).
    #[arg(long, env = "FLEETDECK_WATCH_HEARTBEAT", default_value = "15s", global = true)]
    pub watch_heartbeat: String,
    /// How often an open watch stream checks that its session (or key) still works and that
    /// the user may still list what it streams.
    #[arg(long, env = "FLEETDECK_WATCH_SESSION_CHECK", default_value = "10s", global = true)]
    pub watch_session_check: String,
    /// Open pod exec sessions one user may hold at once (on this replica).
    #[arg(long, env = "FLEETDECK_EXEC_SESSIONS_PER_USER", default_value_t = 5, global = true)]
    pub exec_sessions_per_user: usize,
    /// Open pod exec sessions into one cluster at once (on this replica).
    #[arg(
        long,
        env = "FLEETDECK_EXEC_SESSIONS_PER_CLUSTER",
        default_value_t = 50,
        global = true
    )]
    pub exec_sessions_per_cluster: usize,
    /// An exec session without input for this long is closed (a warning frame comes first).
    #[arg(long, env = "FLEETDECK_EXEC_IDLE_TIMEOUT", default_value = "15m", global = true)]
    pub exec_idle_timeout: String,
    /// Clusters where pod exec is switched off (comma separated names).
    #[arg(long, env = "FLEETDECK_EXEC_DISABLED_CLUSTERS", default_value = "", global = true)]
    pub exec_disabled_clusters: String,
    /// Log format: text or json.
    #[arg(long, env = "FLEETDECK_LOG_FORMAT", default_value = "text", global = true)]
    pub log_format: String,
    /// The kubectl binary the console's read-only kubectl runs: a path, or a name looked up on PATH.
    #[arg(long, env = "FLEETDECK_KUBECTL", default_value = "kubectl", global = true)]
    pub kubectl: PathBuf,
    /// How long one console kubectl command may run before it is stopped.
    #[arg(long, env = "FLEETDECK_KUBECTL_TIMEOUT", default_value = "30s", global = true)]
    pub kubectl_timeout: String,
    /// The most a console kubectl command's stdout (and its stderr) may print (bytes, or with KiB/MiB).
    #[arg(long, env = "FLEETDECK_KUBECTL_OUTPUT_LIMIT", default_value = "1MiB", global = true)]
    pub kubectl_output_limit: String,
    /// The URL users reach Fleetdeck at (e.g. https://fleetdeck.example.com); the OIDC redirect
    /// URI is this + /api/auth/callback. Required with OIDC providers.
    #[arg(long, env = "FLEETDECK_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// YAML file of OIDC providers (issuer, client id and secret, scopes, group → role map).
    #[arg(long, env = "FLEETDECK_OIDC_CONFIG", global = true)]
    pub oidc_config: Option<PathBuf>,
    /// How long an admin-issued password reset link works.
    #[arg(long, env = "FLEETDECK_PASSWORD_RESET_TTL", default_value = "1h", global = true)]
    pub password_reset_ttl: String,
    /// Self-service registration with an emailed verification code: off or on (needs the SMTP settings).
    #[arg(long, env = "FLEETDECK_REGISTRATION", default_value = "off", global = true)]
    pub registration: String,
    /// The role of self-registered users: viewer, operator or admin.
    #[arg(long, env = "FLEETDECK_REGISTRATION_ROLE", default_value = "viewer", global = true)]
    pub registration_role: String,
    /// SMTP server for outgoing mail: smtp://[user@]host:port (`?tls=required` for STARTTLS) or smtps://….
    #[arg(long, env = "FLEETDECK_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// Sender of outgoing mail, e.g. `Fleetdeck <noreply@example.com>`.
    #[arg(long, env = "FLEETDECK_SMTP_FROM", global = true)]
    pub smtp_from: Option<String>,
    /// File holding the SMTP password of the URL's user.
    #[arg(long, env = "FLEETDECK_SMTP_PASSWORD_FILE", global = true)]
    pub smtp_password_file: Option<PathBuf>,
    /// Trusted reverse-proxy auth: the header a proxy in FLEETDECK_TRUSTED_PROXIES names the user in
    /// (e.g. X-Forwarded-User); empty: off.
    #[arg(long, env = "FLEETDECK_PROXY_AUTH_USER_HEADER", default_value = "", global = true)]
    pub proxy_auth_user_header: String,
    /// The header with the user's groups, comma separated (e.g. X-Forwarded-Groups).
    #[arg(long, env = "FLEETDECK_PROXY_AUTH_GROUPS_HEADER", default_value = "", global = true)]
    pub proxy_auth_groups_header: String,
    /// Group to role for proxy-named users, comma-separated `group=role` (highest wins).
    #[arg(long, env = "FLEETDECK_PROXY_AUTH_ROLES", default_value = "", global = true)]
    pub proxy_auth_roles: String,
    /// The role of proxy-named users none of whose groups is mapped; empty: they are denied.
    #[arg(long, env = "FLEETDECK_PROXY_AUTH_DEFAULT_ROLE", default_value = "", global = true)]
    pub proxy_auth_default_role: String,
    /// Leader election among replicas, so once-per-installation tasks (audit retention) run on
    /// one: auto (on when running in a pod), on (outside a pod: through the current context of
    /// the first FLEETDECK_KUBECONFIG file) or off (this replica is the only one).
    #[arg(long, env = "FLEETDECK_LEADER_ELECTION", default_value = "auto", global = true)]
    pub leader_election: String,
    /// Namespace of the leader Lease (default: the pod's namespace, or the context's).
    #[arg(long, env = "FLEETDECK_LEASE_NAMESPACE", global = true)]
    pub lease_namespace: Option<String>,
    /// Name of the leader Lease.
    #[arg(
        long,
        env = "FLEETDECK_LEASE_NAME",
        default_value = "fleetdeck-leader",
        global = true
    )]
    pub lease_name: String,
    /// The risk guard on applies: off, warn (apply and answer the findings) or block (blocking
    /// findings refuse the apply with 422 risk_guard_blocked).
    #[arg(long, env = "FLEETDECK_RISK_GUARD", default_value = "warn", global = true)]
    pub risk_guard: String,
    /// Registry prefixes container images must come from, comma separated (e.g.
    /// `registry.example.com,ghcr.io/acme`); empty: any registry.
    #[arg(long, env = "FLEETDECK_IMAGE_ALLOWLIST", default_value = "", global = true)]
    pub image_allowlist: String,
    /// Cluster environments where the proposer of a remediation may approve it themselves,
    /// comma separated (e.g. `dev,qa`); empty (the default): a second person approves everywhere.
    #[arg(
        long,
        env = "FLEETDECK_REMEDIATION_SELF_APPROVAL_ENVIRONMENTS",
        default_value = "",
        global = true
    )]
    pub remediation_self_approval_environments: String,
    /// Evaluate alert rules and send alerts (on the leader): on or off.
    #[arg(long, env = "FLEETDECK_ALERTING", default_value = "on", global = true)]
    pub alerting: String,
    /// Let alerts leave Fleetdeck: on or off (off: every delivery is one failed attempt
    /// `delivery_off`; for test and contract environments).
    #[arg(long, env = "FLEETDECK_ALERT_DELIVERY", default_value = "on", global = true)]
    pub alert_delivery: String,
    /// How often the leader evaluates the alert rules (e.g. 30s).
    #[arg(long, env = "FLEETDECK_ALERT_INTERVAL", default_value = "30s", global = true)]
    pub alert_interval: String,
    /// Comma separated CIDRs alert deliveries may reach although they are internal (loopback,
    /// private, link-local, metadata, …), e.g. an in-cluster Alertmanager's Service range.
    #[arg(long, env = "FLEETDECK_OUTBOUND_ALLOW_CIDRS", default_value = "", global = true)]
    pub outbound_allow_cidrs: String,
    /// The assistant's OpenAI-compatible model endpoint, its base URL (e.g.
    /// http://127.0.0.1:11434/v1 for Ollama); empty: answers are extractive.
    #[arg(long, env = "FLEETDECK_ASSISTANT_URL", default_value = "", global = true)]
    pub assistant_url: String,
    /// The model the assistant asks (required with FLEETDECK_ASSISTANT_URL).
    #[arg(long, env = "FLEETDECK_ASSISTANT_MODEL", default_value = "", global = true)]
    pub assistant_model: String,
    /// Bearer key for the assistant's endpoint (secret: never logged or returned).
    #[arg(long, env = "FLEETDECK_ASSISTANT_API_KEY", hide_env_values = true, global = true)]
    pub assistant_api_key: Option<String>,
    /// The most tokens the assistant sends the model (counted as characters / 3, rounded up);
    /// the retrieved context is cut to fit, never the question. 1000 to 1000000.
    #[arg(
        long,
        env = "FLEETDECK_ASSISTANT_MAX_CONTEXT_TOKENS",
        default_value = "3000",
        global = true
    )]
    pub assistant_max_context_tokens: String,
    /// How long the assistant waits for the model before answering extractively.
    #[arg(long, env = "FLEETDECK_ASSISTANT_TIMEOUT", default_value = "20s", global = true)]
    pub assistant_timeout: String,
    /// The SLO target of workloads without a fleetdeck.dev/slo-target annotation, in percent.
    #[arg(long, env = "FLEETDECK_SLO_TARGET", default_value = "99.9", global = true)]
    pub slo_target: String,
    /// The period error budgets are counted over (at most FLEETDECK_SAMPLES_RETENTION).
    #[arg(long, env = "FLEETDECK_SLO_PERIOD", default_value = "30d", global = true)]
    pub slo_period: String,
    /// How often the leader recomputes every workload's SLO.
    #[arg(long, env = "FLEETDECK_SLO_INTERVAL", default_value = "5m", global = true)]
    pub slo_interval: String,
    /// How often the leader recomputes every workload's rightsizing.
    #[arg(long, env = "FLEETDECK_RIGHTSIZING_INTERVAL", default_value = "1h", global = true)]
    pub rightsizing_interval: String,
    /// The usage history rightsizing reads (at most FLEETDECK_SAMPLES_RETENTION).
    #[arg(long, env = "FLEETDECK_RIGHTSIZING_HISTORY", default_value = "7d", global = true)]
    pub rightsizing_history: String,
    /// The least history a container needs before it gets a recommendation.
    #[arg(long, env = "FLEETDECK_RIGHTSIZING_MIN_HISTORY", default_value = "1d", global = true)]
    pub rightsizing_min_history: String,
    /// The price of one CPU core for an hour, for savings estimates.
    #[arg(long, env = "FLEETDECK_PRICE_CPU_HOUR", default_value = "0.0316", global = true)]
    pub price_cpu_hour: String,
    /// The price of one GiB of memory for an hour, for savings estimates.
    #[arg(
        long,
        env = "FLEETDECK_PRICE_MEMORY_GIB_HOUR",
        default_value = "0.0042",
        global = true
    )]
    pub price_memory_gib_hour: String,
    /// How often the leader recomputes the predictions `GET /api/predictions` serves.
    #[arg(long, env = "FLEETDECK_PREDICTION_INTERVAL", default_value = "5m", global = true)]
    pub prediction_interval: String,
    /// An external predictor's URL: each prediction pass POSTs it the series it would model and
    /// stores its predictions, falling back to the local model when it fails; empty: local only.
    #[arg(long, env = "FLEETDECK_PREDICTOR_URL", default_value = "", global = true)]
    pub predictor_url: String,
    /// The bearer secret sent to the predictor (required with FLEETDECK_PREDICTOR_URL; secret:
    /// never logged or returned).
    #[arg(long, env = "FLEETDECK_PREDICTOR_SECRET", hide_env_values = true, global = true)]
    pub predictor_secret: Option<String>,
    /// How long the predictor may take before the local model answers instead.
    #[arg(long, env = "FLEETDECK_PREDICTOR_TIMEOUT", default_value = "2s", global = true)]
    pub predictor_timeout: String,
    /// A Prometheus (or Thanos) HTTP API's base URL: SLO availability and rightsizing usage come
    /// from its kube-state-metrics and cAdvisor series instead of Fleetdeck's samples; empty: off.
    #[arg(long, env = "FLEETDECK_PROMETHEUS_URL", default_value = "", global = true)]
    pub prometheus_url: String,
    /// The label whose value is the Fleetdeck cluster name in the Prometheus series.
    #[arg(
        long,
        env = "FLEETDECK_PROMETHEUS_CLUSTER_LABEL",
        default_value = "cluster",
        global = true
    )]
    pub prometheus_cluster_label: String,
    /// A bearer token sent to Prometheus (secret: never logged or returned).
    #[arg(long, env = "FLEETDECK_PROMETHEUS_TOKEN", hide_env_values = true, global = true)]
    pub prometheus_token: Option<String>,
    /// How long one Prometheus query may take.
    #[arg(long, env = "FLEETDECK_PROMETHEUS_TIMEOUT", default_value = "10s", global = true)]
    pub prometheus_timeout: String,
    /// Stripe's secret API key: orders are paid through Stripe Checkout (needs
    /// FLEETDECK_STRIPE_WEBHOOK_SECRET and FLEETDECK_PUBLIC_URL; secret: never logged or returned);
    /// unset: admins mark orders paid.
    #[arg(long, env = "FLEETDECK_STRIPE_SECRET_KEY", hide_env_values = true, global = true)]
    pub stripe_secret_key: Option<String>,
    /// The signing secret of the Stripe webhook endpoint `<public URL>/api/stripe/webhook` (`whsec_…`).
    #[arg(long, env = "FLEETDECK_STRIPE_WEBHOOK_SECRET", hide_env_values = true, global = true)]
    pub stripe_webhook_secret: Option<String>,
    /// Stripe's API base URL.
    #[arg(
        long,
        env = "FLEETDECK_STRIPE_API_URL",
        default_value = "https://api.stripe.com",
        global = true
    )]
    pub stripe_api_url: String,
    /// How old a webhook's signed timestamp may be (either way) before it is refused as a replay.
    #[arg(
        long,
        env = "FLEETDECK_STRIPE_WEBHOOK_TOLERANCE",
        default_value = "5m",
        global = true
    )]
    pub stripe_webhook_tolerance: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Validated settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub database_url: String,
    pub auth_tokens: Vec<BootstrapToken>,
    pub admin_password: Option<String>,
    pub session_ttl: Duration,
    pub body_limit: usize,
    pub import_body_limit: usize,
    pub login_rate_limit: u32,
    pub trusted_proxies: Vec<IpNet>,
    pub trusted_origins: Vec<String>,
    pub audit_retention: Duration,
    /// Whether the leader analyzes every cluster for findings.
    pub diagnostics: bool,
    pub findings_retention: Duration,
    /// Whether the leader samples every cluster (signals).
    pub sampling: bool,
    pub sample_interval: Duration,
    /// Whether the leader applies projects to their clusters (billing::project_sync).
    pub project_sync: bool,
    pub project_sync_interval: Duration,
    /// Whether the leader meters every cluster (billing::meter), and how often.
    pub metering: bool,
    pub metering_interval: Duration,
    pub samples_raw_retention: Duration,
    pub samples_retention: Duration,
    pub node_events_retention: Duration,
    pub write_actions_enabled: bool,
    pub flux_environments: Vec<String>,
    pub secret_key: Option<SecretKey>,
    /// Kubeconfig files to read clusters from; the default ones are skipped when absent.
    pub kubeconfig: Vec<PathBuf>,
    /// (role, group) pairs for impersonation.
    pub impersonate_groups: Vec<(Role, String)>,
    pub caches: CacheSettings,
    pub watch: WatchSettings,
    pub log_format: LogFormat,
    pub exec: ExecSettings,
    pub kubectl: KubectlSettings,
    pub public_url: Option<String>,
    pub oidc_providers: Vec<ProviderConfig>,
    pub password_reset_ttl: Duration,
    /// Self-service registration, when on.
    pub registration: Option<RegistrationSettings>,
    /// Trusted reverse-proxy auth, when on.
    pub proxy_auth: Option<ProxyAuth>,
    pub leader: LeaderSettings,
    pub risk_guard: RiskGuardSettings,
    /// Environments where a remediation's proposer may approve it (the two-person rule waived).
    pub remediation_self_approval_environments: Vec<String>,
    /// Internal addresses outbound deliveries may reach despite the SSRF guard.
    pub outbound_allow_cidrs: AllowList,
    /// Whether the leader evaluates alert rules and sends alerts.
    pub alerting: bool,
    /// Whether alerts may be sent at all (off: nothing leaves, each delivery fails `delivery_off`).
    pub alert_delivery: bool,
    pub alert_interval: Duration,
    /// The assistant's model endpoint, when one is configured.
    pub assistant: Option<AssistantModelSettings>,
    pub slo: SloSettings,
    pub rightsizing: RightsizingSettings,
    pub prediction_interval: Duration,
    /// The external predictor, when one is configured.
    pub predictor: Option<PredictorSettings>,
    /// The Prometheus SLOs and rightsizing read, when one is configured.
    pub prometheus: Option<PrometheusSettings>,
    /// Stripe, when orders are paid through Stripe Checkout.
    pub stripe: Option<StripeSettings>,
}

/// Stripe Checkout for orders, and the webhook that tells Fleetdeck they are paid.
#[derive(Debug, Clone)]
pub struct StripeSettings {
    /// The base URL without a trailing `/`; sessions are made at `{api_url}/v1/checkout/sessions`.
    pub api_url: String,
    pub secret_key: RedactedSecret,
    pub webhook_secret: RedactedSecret,
    pub webhook_tolerance: Duration,
    /// Where Checkout sends the payer back: FLEETDECK_PUBLIC_URL.
    pub public_url: String,
}

#[derive(Debug, Clone, Copy)]
pub struct SloSettings {
    /// The default target, in percent (99.9).
    pub target: f64,
    pub period: Duration,
    pub interval: Duration,
}

#[derive(Debug, Clone, Copy)]
pub struct RightsizingSettings {
    pub interval: Duration,
    pub history: Duration,
    pub min_history: Duration,
    pub cpu_hour: f64,
    pub memory_gib_hour: f64,
}

/// An external predictor the prediction pass asks before its local model.
#[derive(Debug, Clone)]
pub struct PredictorSettings {
    pub url: String,
    pub secret: RedactedSecret,
    pub timeout: Duration,
}

/// A secret setting (the predictor's shared secret, the Prometheus token); its Debug form hides it,
/// so settings can be printed.
#[derive(Clone)]
pub struct RedactedSecret(pub String);

impl std::fmt::Debug for RedactedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RedactedSecret(<redacted>)")
    }
}

/// A Prometheus HTTP API the SLO and rightsizing passes query instead of the stored samples.
#[derive(Debug, Clone)]
pub struct PrometheusSettings {
    /// The base URL without a trailing `/`; queries go to `{url}/api/v1/query`.
    pub url: String,
    pub cluster_label: String,
    pub token: Option<RedactedSecret>,
    pub timeout: Duration,
}

/// An OpenAI-compatible endpoint the assistant has write its answers.
#[derive(Debug, Clone)]
pub struct AssistantModelSettings {
    /// The base URL without a trailing `/`; requests go to `{url}/chat/completions`.
    pub url: String,
    pub model: String,
    pub api_key: Option<AssistantApiKey>,
    pub max_context_tokens: usize,
    pub timeout: Duration,
}

/// The endpoint's key; its Debug form hides it, so settings can be printed.
#[derive(Clone)]
pub struct AssistantApiKey(pub String);

impl std::fmt::Debug for AssistantApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AssistantApiKey(<redacted>)")
    }
}

/// The risk guard's policy on applies and the platform's image registries.
#[derive(Debug, Clone, Default)]
pub struct RiskGuardSettings {
    pub policy: Policy,
    /// Normalized registry prefixes (no trailing `/`); empty: the allowlist check is skipped.
    pub image_allowlist: Vec<String>,
}

/// Whether and where replicas elect a leader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderSettings {
    pub election: LeaderElection,
    pub lease_namespace: Option<String>,
    pub lease_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaderElection {
    /// On when running in a pod.
    Auto,
    On,
    Off,
}

/// Limits of pod exec sessions.
#[derive(Debug, Clone)]
pub struct ExecSettings {
    pub sessions_per_user: usize,
    pub sessions_per_cluster: usize,
    pub idle_timeout: Duration,
    pub disabled_clusters: Vec<String>,
}

/// Limits and timers of the watch streams.
#[derive(Debug, Clone, Copy)]
pub struct WatchSettings {
    pub streams_per_user: usize,
    pub heartbeat: Duration,
    pub session_check: Duration,
}

/// A setting that failed validation; the message names the variable and the flag.
#[derive(Debug, thiserror::Error)]
#[error("{env} (--{flag}): {message}", flag = flag_of(.env))]
pub struct ConfigError {
    pub env: &'static str,
    pub message: String,
}

/// `FLEETDECK_BODY_LIMIT` → `body-limit`.
fn flag_of(env: &str) -> String {
    env.trim_start_matches("FLEETDECK_")
        .to_ascii_lowercase()
        .replace('_', "-")
}

fn bad(env: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        env,
        message: message.into(),
    }
}

impl Settings {
    pub fn from_args(a: &SettingsArgs) -> Result<Settings, ConfigError> {
        let addr = a.addr.parse().map_err(|_| {
            bad(
                "FLEETDECK_ADDR",
                format!(
                    "invalid listen address {:?}, expected host:port such as 127.0.0.1:8080",
                    a.addr
                ),
            )
        })?;
        let database_url = a.database_url.trim().to_string();
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(bad(
                "FLEETDECK_DATABASE_URL",
                "unknown database scheme, expected sqlite://PATH or postgres://…",
            ));
        }
        let mut auth_tokens = Vec::new();
        if let Some(list) = &a.auth_tokens {
            auth_tokens.extend(parse_tokens(list).map_err(|m| bad("FLEETDECK_AUTH_TOKENS", m))?);
        }
        if let Some(path) = &a.auth_tokens_file {
            let text = read_file(path).map_err(|m| bad("FLEETDECK_AUTH_TOKENS_FILE", m))?;
            auth_tokens.extend(parse_tokens(&text).map_err(|m| bad("FLEETDECK_AUTH_TOKENS_FILE", m))?);
        }
        let mut names = std::collections::HashSet::new();
        for t in &auth_tokens {
            if !names.insert(t.name.clone()) {
                return Err(bad(
                    "FLEETDECK_AUTH_TOKENS",
                    format!("token name {:?} is used twice", t.name),
                ));
            }
        }
        let admin_password = match &a.admin_password_file {
            None => None,
            Some(path) => {
                let text = read_file(path).map_err(|m| bad("FLEETDECK_ADMIN_PASSWORD_FILE", m))?;
                let password = text.trim_end_matches(['\r', '\n']).to_string();
                crate::auth::password::check_strength(&password)
                    .map_err(|m| bad("FLEETDECK_ADMIN_PASSWORD_FILE", m))?;
                Some(password)
            }
        };
        let session_ttl = parse_duration(&a.session_ttl).map_err(|m| bad("FLEETDECK_SESSION_TTL", m))?;
        let body_limit = parse_size(&a.body_limit).map_err(|m| bad("FLEETDECK_BODY_LIMIT", m))?;
        let import_body_limit = parse_size(&a.import_body_limit).map_err(|m| bad("FLEETDECK_IMPORT_BODY_LIMIT", m))?;
        let login_rate_limit = match a.login_rate_limit.trim().parse::<u32>() {
            Ok(n) if n > 0 => n,
            _ => {
                return Err(bad(
                    "FLEETDECK_LOGIN_RATE_LIMIT",
                    format!("expected a whole number above 0, got {:?}", a.login_rate_limit),
                ));
            }
        };
        let trusted_proxies: Vec<IpNet> = split_list(&a.trusted_proxies)
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        bad(
                            "FLEETDECK_TRUSTED_PROXIES",
                            format!("{s:?} is not a CIDR or IP address"),
                        )
                    })
            })
            .collect::<Result<_, _>>()?;
        let trusted_origins = split_list(&a.trusted_origins)
            .map(|s| {
                normalize_origin(s).ok_or_else(|| {
                    bad(
                        "FLEETDECK_TRUSTED_ORIGINS",
                        format!("{s:?} is not an origin like https://console.example.com"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        let audit_retention = parse_duration(&a.audit_retention).map_err(|m| bad("FLEETDECK_AUDIT_RETENTION", m))?;
        let switch = |name: &'static str, value: &str| match value.trim() {
            "on" => Ok(true),
            "off" => Ok(false),
            other => Err(bad(name, format!("expected on or off, got {other:?}"))),
        };
        let diagnostics = switch("FLEETDECK_DIAGNOSTICS", &a.diagnostics)?;
        let sampling = switch("FLEETDECK_SAMPLING", &a.sampling)?;
        let duration = |name: &'static str, value: &str| parse_duration(value).map_err(|m| bad(name, m));
        let sample_interval = duration("FLEETDECK_SAMPLE_INTERVAL", &a.sample_interval)?;
        let project_sync = switch("FLEETDECK_PROJECT_SYNC", &a.project_sync)?;
        let metering = switch("FLEETDECK_METERING", &a.metering)?;
        let samples_raw_retention = duration("FLEETDECK_SAMPLES_RAW_RETENTION", &a.samples_raw_retention)?;
        let samples_retention = duration("FLEETDECK_SAMPLES_RETENTION", &a.samples_retention)?;
        let node_events_retention = duration("FLEETDECK_NODE_EVENTS_RETENTION", &a.node_events_retention)?;
        let findings_retention =
            parse_duration(&a.findings_retention).map_err(|m| bad("FLEETDECK_FINDINGS_RETENTION", m))?;
        let caches = CacheSettings {
            warm_timeout: parse_duration(&a.cache_warm_timeout).map_err(|m| bad("FLEETDECK_CACHE_WARM_TIMEOUT", m))?,
            idle_timeout: parse_duration(&a.cache_idle_timeout).map_err(|m| bad("FLEETDECK_CACHE_IDLE_TIMEOUT", m))?,
        };
        let positive = |name: &'static str, value: &str| match parse_duration(value) {
            Ok(d) if d.is_zero() => Err(bad(name, "must be longer than 0s")),
            Ok(d) => Ok(d),
            Err(m) => Err(bad(name, m)),
        };
        let project_sync_interval = positive("FLEETDECK_PROJECT_SYNC_INTERVAL", &a.project_sync_interval)?;
        let metering_interval = positive("FLEETDECK_METERING_INTERVAL", &a.metering_interval)?;
        if a.watch_streams_per_user == 0 {
            return Err(bad("FLEETDECK_WATCH_STREAMS_PER_USER", "must be at least 1"));
        }
        let watch = WatchSettings {
            streams_per_user: a.watch_streams_per_user,
            heartbeat: positive("FLEETDECK_WATCH_HEARTBEAT", &a.watch_heartbeat)?,
            session_check: positive("FLEETDECK_WATCH_SESSION_CHECK", &a.watch_session_check)?,
        };
        if a.exec_sessions_per_user == 0 {
            return Err(bad("FLEETDECK_EXEC_SESSIONS_PER_USER", "must be at least 1"));
        }
        if a.exec_sessions_per_cluster == 0 {
            return Err(bad("FLEETDECK_EXEC_SESSIONS_PER_CLUSTER", "must be at least 1"));
        }
        let exec = ExecSettings {
            sessions_per_user: a.exec_sessions_per_user,
            sessions_per_cluster: a.exec_sessions_per_cluster,
            idle_timeout: positive("FLEETDECK_EXEC_IDLE_TIMEOUT", &a.exec_idle_timeout)?,
            disabled_clusters: split_list(&a.exec_disabled_clusters).map(str::to_string).collect(),
        };
        let write_actions_enabled = match a.write_actions_enabled.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            other => {
                return Err(bad(
                    "FLEETDECK_WRITE_ACTIONS_ENABLED",
                    format!("expected true or false, got {other:?}"),
                ));
            }
        };
        let flux_environments: Vec<String> = split_list(&a.flux_environments).map(str::to_string).collect();
        if let Some(bad_env) = flux_environments.iter().find(|e| !crate::names::is_dns_label(e)) {
            return Err(bad(
                "FLEETDECK_FLUX_ENVIRONMENTS",
                format!("{bad_env:?} is not a lowercase DNS label"),
            ));
        }
        if flux_environments.is_empty() {
            return Err(bad("FLEETDECK_FLUX_ENVIRONMENTS", "name at least one environment"));
        }
        let secret_key = match (&a.secret_key, &a.secret_key_file) {
            (Some(_), Some(_)) => {
                return Err(bad(
                    "FLEETDECK_SECRET_KEY",
                    "set FLEETDECK_SECRET_KEY or FLEETDECK_SECRET_KEY_FILE, not both",
                ));
            }
            (Some(k), None) => Some(SecretKey::from_base64(k).map_err(|m| bad("FLEETDECK_SECRET_KEY", m))?),
            (None, Some(path)) => {
                let text = read_file(path).map_err(|m| bad("FLEETDECK_SECRET_KEY_FILE", m))?;
                Some(SecretKey::from_base64(&text).map_err(|m| bad("FLEETDECK_SECRET_KEY_FILE", m))?)
            }
            (None, None) => None,
        };
        let kubeconfig = match &a.kubeconfig {
            Some(list) => {
                let paths: Vec<PathBuf> = list.split(':').filter(|p| !p.is_empty()).map(PathBuf::from).collect();
                if let Some(missing) = paths.iter().find(|p| !p.is_file()) {
                    return Err(bad(
                        "FLEETDECK_KUBECONFIG",
                        format!("cannot read {}", missing.display()),
                    ));
                }
                paths
            }
            None => default_kubeconfig(),
        };
        let impersonate_groups = split_list(&a.impersonate_groups)
            .map(|entry| {
                let (role, group) = entry
                    .split_once('=')
                    .filter(|(_, g)| !g.trim().is_empty())
                    .ok_or_else(|| bad("FLEETDECK_IMPERSONATE_GROUPS", format!("{entry:?} is not role=group")))?;
                let role = role
                    .trim()
                    .parse::<Role>()
                    .map_err(|m| bad("FLEETDECK_IMPERSONATE_GROUPS", m))?;
                Ok((role, group.trim().to_string()))
            })
            .collect::<Result<_, ConfigError>>()?;
        let log_format = match a.log_format.trim() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(bad(
                    "FLEETDECK_LOG_FORMAT",
                    format!("expected text or json, got {other:?}"),
                ));
            }
        };
        let kubectl = KubectlSettings {
            binary: a.kubectl.clone(),
            timeout: positive("FLEETDECK_KUBECTL_TIMEOUT", &a.kubectl_timeout)?,
            output_limit: parse_size(&a.kubectl_output_limit).map_err(|m| bad("FLEETDECK_KUBECTL_OUTPUT_LIMIT", m))?,
        };
        let (public_url, oidc_providers) = oidc_settings(a, secret_key.is_some())?;
        let password_reset_ttl =
            parse_duration(&a.password_reset_ttl).map_err(|m| bad("FLEETDECK_PASSWORD_RESET_TTL", m))?;
        let registration = registration(a)?;
        let proxy_auth = ProxyAuth::parse(
            &a.proxy_auth_user_header,
            &a.proxy_auth_groups_header,
            &a.proxy_auth_roles,
            &a.proxy_auth_default_role,
        )
        .map_err(|(env, m)| bad(env, m))?;
        if proxy_auth.is_some() && trusted_proxies.is_empty() {
            return Err(bad(
                "FLEETDECK_PROXY_AUTH_USER_HEADER",
                "proxy auth needs FLEETDECK_TRUSTED_PROXIES: the header counts only from those proxies",
            ));
        }
        let election = match a.leader_election.trim() {
            "auto" => LeaderElection::Auto,
            "on" => LeaderElection::On,
            "off" => LeaderElection::Off,
            other => {
                return Err(bad(
                    "FLEETDECK_LEADER_ELECTION",
                    format!("expected auto, on or off, got {other:?}"),
                ));
            }
        };
        let lease_name = a.lease_name.trim();
        if !crate::names::is_object_name(lease_name) {
            return Err(bad(
                "FLEETDECK_LEASE_NAME",
                format!("{lease_name:?} is not a valid object name"),
            ));
        }
        let leader = LeaderSettings {
            election,
            lease_namespace: a
                .lease_namespace
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string),
            lease_name: lease_name.to_string(),
        };
        let risk_guard = risk_guard(a)?;
        let remediation_self_approval_environments: Vec<String> = split_list(&a.remediation_self_approval_environments)
            .map(str::to_string)
            .collect();
        if let Some(bad_env) = remediation_self_approval_environments
            .iter()
            .find(|e| !crate::names::is_dns_label(e))
        {
            return Err(bad(
                "FLEETDECK_REMEDIATION_SELF_APPROVAL_ENVIRONMENTS",
                format!("{bad_env:?} is not a lowercase DNS label"),
            ));
        }
        let outbound_allow_cidrs =
            AllowList::parse(&a.outbound_allow_cidrs).map_err(|m| bad("FLEETDECK_OUTBOUND_ALLOW_CIDRS", m))?;
        let assistant = assistant(a)?;
        let (slo, rightsizing) = workload_signals(a, samples_retention)?;
        let prediction_interval = positive("FLEETDECK_PREDICTION_INTERVAL", &a.prediction_interval)?;
        let predictor = predictor(a)?;
        let prometheus = prometheus(a)?;
        let stripe = stripe(a, public_url.as_deref())?;
        let alerting = switch("FLEETDECK_ALERTING", &a.alerting)?;
        let alert_interval = duration("FLEETDECK_ALERT_INTERVAL", &a.alert_interval)?;
        let alert_delivery = switch("FLEETDECK_ALERT_DELIVERY", &a.alert_delivery)?;
        Ok(Settings {
            slo,
            rightsizing,
            prediction_interval,
            predictor,
            prometheus,
            stripe,
            outbound_allow_cidrs,
            alerting,
            alert_delivery,
            alert_interval,
            remediation_self_approval_environments,
            assistant,
            risk_guard,
            public_url,
            oidc_providers,
            addr,
            database_url,
            auth_tokens,
            admin_password,
            session_ttl,
            body_limit,
            import_body_limit,
            login_rate_limit,
            trusted_proxies,
            trusted_origins,
            audit_retention,
            diagnostics,
            findings_retention,
            sampling,
            sample_interval,
            project_sync,
            project_sync_interval,
            metering,
            metering_interval,
            samples_raw_retention,
            samples_retention,
            node_events_retention,
            caches,
            watch,
            write_actions_enabled,
            flux_environments,
            secret_key,
            kubeconfig,
            impersonate_groups,
            log_format,
            exec,
            kubectl,
            password_reset_ttl,
            registration,
            proxy_auth,
            leader,
        })
    }

    /// Settings for tests and embedding: the defaults with the given store.
    pub fn with_database(database_url: &str) -> Settings {
        let args = SettingsArgs::parse_from(["fleetdeck", "--database-url", database_url]);
        Settings::from_args(&args).expect("default settings are valid")
    }
}

/// `SettingsArgs` parsed from an argument list (and the FLEETDECK_* environment), for `Settings::with_database`.
impl SettingsArgs {
    fn parse_from<'a>(args: impl IntoIterator<Item = &'a str>) -> SettingsArgs {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            s: SettingsArgs,
        }
        Only::parse_from(args).s
    }
}

/// The SLO and rightsizing settings; what they read must be within the samples' retention.
fn workload_signals(a: &SettingsArgs, retention: Duration) -> Result<(SloSettings, RightsizingSettings), ConfigError> {
    let target = crate::signals::slo::parse_target(&a.slo_target).ok_or_else(|| {
        bad(
            "FLEETDECK_SLO_TARGET",
            format!(
                "expected a percentage above 0 and below 100 such as 99.9, got {:?}",
                a.slo_target
            ),
        )
    })?;
    let within = |name: &'static str, value: &str| match parse_duration(value) {
        Ok(d) if d.is_zero() => Err(bad(name, "must be longer than 0s")),
        Ok(d) if d > retention => Err(bad(
            name,
            format!("{value} is longer than FLEETDECK_SAMPLES_RETENTION: the samples it needs are gone by then"),
        )),
        Ok(d) => Ok(d),
        Err(m) => Err(bad(name, m)),
    };
    let period = within("FLEETDECK_SLO_PERIOD", &a.slo_period)?;
    let positive = |name: &'static str, value: &str| match parse_duration(value) {
        Ok(d) if d.is_zero() => Err(bad(name, "must be longer than 0s")),
        Ok(d) => Ok(d),
        Err(m) => Err(bad(name, m)),
    };
    let slo_interval = positive("FLEETDECK_SLO_INTERVAL", &a.slo_interval)?;
    let rightsizing_interval = positive("FLEETDECK_RIGHTSIZING_INTERVAL", &a.rightsizing_interval)?;
    let history = within("FLEETDECK_RIGHTSIZING_HISTORY", &a.rightsizing_history)?;
    let min_history =
        parse_duration(&a.rightsizing_min_history).map_err(|m| bad("FLEETDECK_RIGHTSIZING_MIN_HISTORY", m))?;
    if min_history > history {
        return Err(bad(
            "FLEETDECK_RIGHTSIZING_MIN_HISTORY",
            "must not be longer than FLEETDECK_RIGHTSIZING_HISTORY",
        ));
    }
    let price = |name: &'static str, value: &str| match value.trim().parse::<f64>() {
        Ok(p) if p.is_finite() && p >= 0.0 => Ok(p),
        _ => Err(bad(
            name,
            format!("expected a price of 0 or more such as 0.0316, got {value:?}"),
        )),
    };
    Ok((
        SloSettings {
            target,
            period,
            interval: slo_interval,
        },
        RightsizingSettings {
            interval: rightsizing_interval,
            history,
            min_history,
            cpu_hour: price("FLEETDECK_PRICE_CPU_HOUR", &a.price_cpu_hour)?,
            memory_gib_hour: price("FLEETDECK_PRICE_MEMORY_GIB_HOUR", &a.price_memory_gib_hour)?,
        },
    ))
}

/// The external predictor, when FLEETDECK_PREDICTOR_URL is set.
fn predictor(a: &SettingsArgs) -> Result<Option<PredictorSettings>, ConfigError> {
    let url = a.predictor_url.trim();
    if url.is_empty() {
        return Ok(None);
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) || reqwest::Url::parse(url).is_err() {
        return Err(bad(
            "FLEETDECK_PREDICTOR_URL",
            format!("{url:?} is not an http(s) URL such as https://predictor.example.com/predict"),
        ));
    }
    let Some(secret) = a.predictor_secret.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        return Err(bad(
            "FLEETDECK_PREDICTOR_SECRET",
            "required with FLEETDECK_PREDICTOR_URL: the bearer secret the predictor checks",
        ));
    };
    let timeout = match parse_duration(&a.predictor_timeout) {
        Ok(d) if !d.is_zero() => d,
        Ok(_) => return Err(bad("FLEETDECK_PREDICTOR_TIMEOUT", "must be longer than 0s")),
        Err(m) => return Err(bad("FLEETDECK_PREDICTOR_TIMEOUT", m)),
    };
    Ok(Some(PredictorSettings {
        url: url.to_string(),
        secret: RedactedSecret(secret.to_string()),
        timeout,
    }))
}

/// Stripe, when FLEETDECK_STRIPE_SECRET_KEY is set: with the webhook's secret (else no order
/// would ever be marked paid) and the public URL Checkout sends payers back to.
fn stripe(a: &SettingsArgs, public_url: Option<&str>) -> Result<Option<StripeSettings>, ConfigError> {
    let secret = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let Some(secret_key) = secret(&a.stripe_secret_key) else {
        return Ok(None);
    };
    let Some(webhook_secret) = secret(&a.stripe_webhook_secret) else {
        return Err(bad(
            "FLEETDECK_STRIPE_WEBHOOK_SECRET",
            "required with FLEETDECK_STRIPE_SECRET_KEY: the webhook's signing secret, which proves payments",
        ));
    };
    let Some(public_url) = public_url else {
        return Err(bad(
            "FLEETDECK_PUBLIC_URL",
            "required with FLEETDECK_STRIPE_SECRET_KEY: where Stripe Checkout sends payers back",
        ));
    };
    let api_url = a.stripe_api_url.trim().trim_end_matches('/');
    if !(api_url.starts_with("http://") || api_url.starts_with("https://")) || reqwest::Url::parse(api_url).is_err() {
        return Err(bad(
            "FLEETDECK_STRIPE_API_URL",
            format!("{api_url:?} is not an http(s) URL such as https://api.stripe.com"),
        ));
    }
    let webhook_tolerance = match parse_duration(&a.stripe_webhook_tolerance) {
        Ok(d) if !d.is_zero() => d,
        Ok(_) => return Err(bad("FLEETDECK_STRIPE_WEBHOOK_TOLERANCE", "must be longer than 0s")),
        Err(m) => return Err(bad("FLEETDECK_STRIPE_WEBHOOK_TOLERANCE", m)),
    };
    Ok(Some(StripeSettings {
        api_url: api_url.to_string(),
        secret_key: RedactedSecret(secret_key),
        webhook_secret: RedactedSecret(webhook_secret),
        webhook_tolerance,
        public_url: public_url.trim_end_matches('/').to_string(),
    }))
}

/// The Prometheus SLOs and rightsizing read, when FLEETDECK_PROMETHEUS_URL is set.
fn prometheus(a: &SettingsArgs) -> Result<Option<PrometheusSettings>, ConfigError> {
    let url = a.prometheus_url.trim().trim_end_matches('/');
    if url.is_empty() {
        return Ok(None);
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) || reqwest::Url::parse(url).is_err() {
        return Err(bad(
            "FLEETDECK_PROMETHEUS_URL",
            format!("{url:?} is not an http(s) URL such as http://prometheus.monitoring:9090"),
        ));
    }
    let cluster_label = a.prometheus_cluster_label.trim();
    if !is_label_name(cluster_label) {
        return Err(bad(
            "FLEETDECK_PROMETHEUS_CLUSTER_LABEL",
            format!("{cluster_label:?} is not a Prometheus label name such as cluster"),
        ));
    }
    let timeout = match parse_duration(&a.prometheus_timeout) {
        Ok(d) if !d.is_zero() => d,
        Ok(_) => return Err(bad("FLEETDECK_PROMETHEUS_TIMEOUT", "must be longer than 0s")),
        Err(m) => return Err(bad("FLEETDECK_PROMETHEUS_TIMEOUT", m)),
    };
    let token = a.prometheus_token.as_deref().map(str::trim).filter(|t| !t.is_empty());
    Ok(Some(PrometheusSettings {
        url: url.to_string(),
        cluster_label: cluster_label.to_string(),
        token: token.map(|t| RedactedSecret(t.to_string())),
        timeout,
    }))
}

/// A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*` (it is written into queries).
fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The assistant's model endpoint, when FLEETDECK_ASSISTANT_URL is set.
fn assistant(a: &SettingsArgs) -> Result<Option<AssistantModelSettings>, ConfigError> {
    let url = a.assistant_url.trim().trim_end_matches('/');
    if url.is_empty() {
        return Ok(None);
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) || reqwest::Url::parse(url).is_err() {
        return Err(bad(
            "FLEETDECK_ASSISTANT_URL",
            format!("{url:?} is not an http(s) URL such as http://127.0.0.1:11434/v1"),
        ));
    }
    let model = a.assistant_model.trim();
    if model.is_empty() {
        return Err(bad(
            "FLEETDECK_ASSISTANT_MODEL",
            "required with FLEETDECK_ASSISTANT_URL: the model to ask",
        ));
    }
    let max_context_tokens = match a.assistant_max_context_tokens.trim().parse::<usize>() {
        Ok(n) if (1000..=1_000_000).contains(&n) => n,
        _ => {
            return Err(bad(
                "FLEETDECK_ASSISTANT_MAX_CONTEXT_TOKENS",
                format!("expected 1000 to 1000000, got {:?}", a.assistant_max_context_tokens),
            ));
        }
    };
    let timeout = match parse_duration(&a.assistant_timeout) {
        Ok(d) if !d.is_zero() => d,
        Ok(_) => return Err(bad("FLEETDECK_ASSISTANT_TIMEOUT", "must be longer than 0s")),
        Err(m) => return Err(bad("FLEETDECK_ASSISTANT_TIMEOUT", m)),
    };
    let api_key = a
        .assistant_api_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| AssistantApiKey(k.to_string()));
    Ok(Some(AssistantModelSettings {
        url: url.to_string(),
        model: model.to_string(),
        api_key,
        max_context_tokens,
        timeout,
    }))
}

/// The risk guard's policy and image allowlist.
fn risk_guard(a: &SettingsArgs) -> Result<RiskGuardSettings, ConfigError> {
    let policy = a.risk_guard.parse().map_err(|m| bad("FLEETDECK_RISK_GUARD", m))?;
    let image_allowlist = split_list(&a.image_allowlist)
        .map(|prefix| {
            let prefix = prefix.trim_end_matches('/');
            // A prefix is a registry host, maybe with a port and a path: no scheme, tag or digest.
            let valid = !prefix.is_empty()
                && !prefix.contains("://")
                && !prefix.contains('@')
                && !prefix.chars().any(char::is_whitespace)
                && prefix.split('/').all(|segment| !segment.is_empty());
            match valid {
                true => Ok(prefix.to_string()),
                false => Err(bad(
                    "FLEETDECK_IMAGE_ALLOWLIST",
                    format!("{prefix:?} is not a registry prefix such as registry.example.com or ghcr.io/acme"),
                )),
            }
        })
        .collect::<Result<_, _>>()?;
    Ok(RiskGuardSettings {
        policy,
        image_allowlist,
    })
}

/// Registration's settings when FLEETDECK_REGISTRATION is on; it cannot be on without mail.
fn registration(a: &SettingsArgs) -> Result<Option<RegistrationSettings>, ConfigError> {
    match a.registration.trim() {
        "off" => return Ok(None),
        "on" => {}
        other => {
            return Err(bad(
                "FLEETDECK_REGISTRATION",
                format!("expected off or on, got {other:?}"),
            ));
        }
    }
    let (Some(url), Some(from)) = (&a.smtp_url, &a.smtp_from) else {
        return Err(bad(
            "FLEETDECK_REGISTRATION",
            "registration mails verification codes: set FLEETDECK_SMTP_URL and FLEETDECK_SMTP_FROM too",
        ));
    };
    let from = crate::mail::parse_from(from).map_err(|m| bad("FLEETDECK_SMTP_FROM", m))?;
    let password = match &a.smtp_password_file {
        Some(path) => Some(read_file(path).map_err(|m| bad("FLEETDECK_SMTP_PASSWORD_FILE", m))?),
        None => None,
    };
    let password = password.as_deref().map(|p| p.trim_end_matches(['\r', '\n']));
    let mailer = Mailer::new(url, from, password).map_err(|m| bad("FLEETDECK_SMTP_URL", m))?;
    let role = match a.registration_role.trim().parse::<Role>() {
        Ok(r) if Role::Admin.satisfies(r) => r,
        _ => {
            return Err(bad(
                "FLEETDECK_REGISTRATION_ROLE",
                format!("expected viewer, operator or admin, got {:?}", a.registration_role),
            ));
        }
    };
    Ok(Some(RegistrationSettings { role, mailer }))
}

/// The public URL and the OIDC providers; providers need both the URL and the secret key.
fn oidc_settings(a: &SettingsArgs, has_secret_key: bool) -> Result<(Option<String>, Vec<ProviderConfig>), ConfigError> {
    let public_url = a
        .public_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .map(|u| crate::auth::oidc::config::parse_public_url(u).map_err(|m| bad("FLEETDECK_PUBLIC_URL", m)))
        .transpose()?;
    let providers = match &a.oidc_config {
        None => vec![],
        Some(path) => crate::auth::oidc::config::load(path, |name| std::env::var(name).ok())
            .map_err(|m| bad("FLEETDECK_OIDC_CONFIG", m))?,
    };
    if !providers.is_empty() && public_url.is_none() {
        return Err(bad(
            "FLEETDECK_PUBLIC_URL",
            "required with OIDC providers: their redirect URI is FLEETDECK_PUBLIC_URL/api/auth/callback",
        ));
    }
    if !providers.is_empty() && !has_secret_key {
        return Err(bad(
            "FLEETDECK_SECRET_KEY",
            "required with OIDC providers: login cookies and refresh tokens are encrypted with it",
        ));
    }
    Ok((public_url, providers))
}

/// $KUBECONFIG's files, else ~/.kube/config; only those that exist.
fn default_kubeconfig() -> Vec<PathBuf> {
    let listed: Vec<PathBuf> = match std::env::var("KUBECONFIG") {
        Ok(v) if !v.is_empty() => v.split(':').filter(|p| !p.is_empty()).map(PathBuf::from).collect(),
        _ => std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".kube/config"))
            .into_iter()
            .collect(),
    };
    listed.into_iter().filter(|p| p.is_file()).collect()
}

fn read_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split([',', '\n']).map(str::trim).filter(|s| !s.is_empty())
}

/// `name:role:token` entries; the message never repeats a token.
pub fn parse_tokens(list: &str) -> Result<Vec<BootstrapToken>, String> {
    split_list(list)
        .filter(|l| !l.starts_with('#'))
        .enumerate()
        .map(|(i, entry)| {
            let mut parts = entry.splitn(3, ':');
            let (Some(name), Some(role), Some(token)) = (parts.next(), parts.next(), parts.next()) else {
                return Err(format!("entry {} is not name:role:token", i + 1));
            };
            if !crate::auth::is_valid_name(name) {
                return Err(format!(
                    "entry {}: token name {name:?} must be lowercase letters, digits and '-'",
                    i + 1
                ));
            }
            let role: Role = role.parse().map_err(|e| format!("entry {} ({name}): {e}", i + 1))?;
            if matches!(role, Role::Tenant | Role::Project) {
                return Err(format!(
                    "entry {} ({name}): the {role} role belongs to API keys with a scope, not to bootstrap tokens",
                    i + 1
                ));
            }
            if token.len() < 16 {
                return Err(format!(
                    "entry {} ({name}): the token must be at least 16 characters",
                    i + 1
                ));
            }
            Ok(BootstrapToken::new(name, role, token))
        })
        .collect()
}

/// `90s`, `30m`, `12h`, `7d` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("expected a duration such as 30m, 12h or 7d, got {s:?}"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => return Err(format!("unknown duration unit {unit:?} in {s:?}; use s, m, h or d")),
    };
    if secs == 0 {
        return Err(format!("the duration must be above zero, got {s:?}"));
    }
    Ok(Duration::from_secs(secs))
}

/// `1048576`, `512KiB`, `1MiB` (also KB/MB as powers of 1000).
pub fn parse_size(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: usize = num
        .parse()
        .map_err(|_| format!("expected a size such as 1048576 or 1MiB, got {s:?}"))?;
    let factor = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1024,
        "MiB" => 1024 * 1024,
        "KB" => 1000,
        "MB" => 1000 * 1000,
        other => return Err(format!("unknown size unit {other:?}; use B, KiB or MiB")),
    };
    match n.checked_mul(factor) {
        Some(v) if v >= 1024 => Ok(v),
        _ => Err(format!("the size must be at least 1KiB, got {s:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> SettingsArgs {
        let mut v = vec!["fleetdeck"];
        v.extend_from_slice(extra);
        SettingsArgs::parse_from(v)
    }

    #[test]
    fn defaults_suit_a_laptop() {
        let s = Settings::from_args(&args(&[])).unwrap();
        assert_eq!(s.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_url, "sqlite://fleetdeck.db");
        assert_eq!(s.session_ttl, Duration::from_secs(12 * 3600));
        assert_eq!(s.body_limit, 1024 * 1024);
        assert_eq!(s.import_body_limit, 64 * 1024 * 1024);
        assert_eq!(s.login_rate_limit, 10);
        assert_eq!(s.audit_retention, Duration::from_secs(90 * 86400));
        assert!(s.diagnostics);
        assert_eq!(s.findings_retention, Duration::from_secs(30 * 86400));
        assert!(!s.write_actions_enabled);
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.flux_environments, ["dev", "qa", "uat", "stage", "prod"]);
    }

    #[test]
    fn remediation_self_approval_environments_default_empty_and_parse() {
        let s = Settings::from_args(&args(&[])).unwrap();
        assert!(s.remediation_self_approval_environments.is_empty());
        let s = Settings::from_args(&args(&["--remediation-self-approval-environments", "dev, qa"])).unwrap();
        assert_eq!(s.remediation_self_approval_environments, ["dev", "qa"]);
        let e = Settings::from_args(&args(&["--remediation-self-approval-environments", "Dev"])).unwrap_err();
        assert!(
            e.to_string()
                .contains("FLEETDECK_REMEDIATION_SELF_APPROVAL_ENVIRONMENTS"),
            "{e}"
        );
    }

    #[test]
    fn risk_guard_settings_default_and_parse() {
        let s = Settings::from_args(&args(&[])).unwrap().risk_guard;
        assert_eq!(s.policy, Policy::Warn);
        assert!(s.image_allowlist.is_empty());
        let s = Settings::from_args(&args(&[
            "--risk-guard",
            "block",
            "--image-allowlist",
            "registry.example.com:5000/, ghcr.io/acme",
        ]))
        .unwrap()
        .risk_guard;
        assert_eq!(s.policy, Policy::Block);
        assert_eq!(s.image_allowlist, ["registry.example.com:5000", "ghcr.io/acme"]);
        for (flag, value) in [
            ("--risk-guard", "strict"),
            ("--image-allowlist", "https://registry.example.com"),
            ("--image-allowlist", "ghcr.io//acme"),
            ("--image-allowlist", "ghcr.io/acme/app@sha256:00"),
        ] {
            let e = Settings::from_args(&args(&[flag, value])).unwrap_err().to_string();
            assert!(e.contains(&format!("({flag})")), "{e}");
        }
    }

    #[test]
    fn exec_settings_default_and_parse() {
        let s = Settings::from_args(&args(&[])).unwrap().exec;
        assert_eq!((s.sessions_per_user, s.sessions_per_cluster), (5, 50));
        assert_eq!(s.idle_timeout, Duration::from_secs(15 * 60));
        assert!(s.disabled_clusters.is_empty());
        let s = Settings::from_args(&args(&["--exec-disabled-clusters", "prod-eu, prod-us"]))
            .unwrap()
            .exec;
        assert_eq!(s.disabled_clusters, ["prod-eu", "prod-us"]);
    }

    #[test]
    fn bad_settings_name_the_variable() {
        let cases: &[(&[&str], &str)] = &[
            (&["--addr", "nope"], "FLEETDECK_ADDR (--addr)"),
            (
                &["--database-url", "mysql://x"],
                "FLEETDECK_DATABASE_URL (--database-url)",
            ),
            (
                &["--auth-tokens-file", "/nonexistent/file"],
                "FLEETDECK_AUTH_TOKENS_FILE (--auth-tokens-file): cannot read",
            ),
            (&["--session-ttl", "12y"], "FLEETDECK_SESSION_TTL"),
            (&["--body-limit", "lots"], "FLEETDECK_BODY_LIMIT"),
            (&["--import-body-limit", "lots"], "FLEETDECK_IMPORT_BODY_LIMIT"),
            (&["--login-rate-limit", "0"], "FLEETDECK_LOGIN_RATE_LIMIT"),
            (&["--trusted-proxies", "10.0.0.0/99"], "FLEETDECK_TRUSTED_PROXIES"),
            (
                &["--outbound-allow-cidrs", "10.0.0.0/8,nope"],
                "FLEETDECK_OUTBOUND_ALLOW_CIDRS",
            ),
            (&["--trusted-origins", "ftp://x"], "FLEETDECK_TRUSTED_ORIGINS"),
            (&["--write-actions-enabled", "maybe"], "FLEETDECK_WRITE_ACTIONS_ENABLED"),
            (&["--log-format", "xml"], "FLEETDECK_LOG_FORMAT"),
            (&["--flux-environments", "dev,Prod"], "FLEETDECK_FLUX_ENVIRONMENTS"),
            (
                &["--secret-key", "c2hvcnQ="],
                "FLEETDECK_SECRET_KEY (--secret-key): decodes to 5 bytes",
            ),
            (&["--secret-key-file", "/nonexistent/key"], "FLEETDECK_SECRET_KEY_FILE"),
            (&["--kubeconfig", "/nonexistent/kubeconfig"], "FLEETDECK_KUBECONFIG"),
            (&["--impersonate-groups", "viewer"], "FLEETDECK_IMPERSONATE_GROUPS"),
            (&["--impersonate-groups", "root=x"], "FLEETDECK_IMPERSONATE_GROUPS"),
            (&["--auth-tokens", "ci:root:0123456789abcdef"], "FLEETDECK_AUTH_TOKENS"),
            (&["--exec-sessions-per-user", "0"], "FLEETDECK_EXEC_SESSIONS_PER_USER"),
            (
                &["--exec-sessions-per-cluster", "0"],
                "FLEETDECK_EXEC_SESSIONS_PER_CLUSTER",
            ),
            (&["--exec-idle-timeout", "0s"], "FLEETDECK_EXEC_IDLE_TIMEOUT"),
            (&["--password-reset-ttl", "soon"], "FLEETDECK_PASSWORD_RESET_TTL"),
            (&["--registration", "maybe"], "FLEETDECK_REGISTRATION"),
            (
                &["--registration", "on"],
                "FLEETDECK_REGISTRATION (--registration): registration mails verification codes",
            ),
            (
                &[
                    "--registration",
                    "on",
                    "--smtp-url",
                    "smtp://h:25",
                    "--smtp-from",
                    "nobody",
                ],
                "FLEETDECK_SMTP_FROM",
            ),
            (
                &[
                    "--registration",
                    "on",
                    "--smtp-url",
                    "http://h",
                    "--smtp-from",
                    "a@b.example",
                ],
                "FLEETDECK_SMTP_URL",
            ),
            (
                &[
                    "--registration",
                    "on",
                    "--smtp-url",
                    "smtp://h:25",
                    "--smtp-from",
                    "a@b.example",
                    "--registration-role",
                    "flux-reader",
                ],
                "FLEETDECK_REGISTRATION_ROLE",
            ),
            (
                &["--proxy-auth-user-header", "X-Forwarded-User"],
                "FLEETDECK_PROXY_AUTH_USER_HEADER (--proxy-auth-user-header): proxy auth needs FLEETDECK_TRUSTED_PROXIES",
            ),
            (
                &[
                    "--proxy-auth-user-header",
                    "X-Forwarded-User",
                    "--trusted-proxies",
                    "10.0.0.0/8",
                    "--proxy-auth-roles",
                    "admins",
                ],
                "FLEETDECK_PROXY_AUTH_ROLES",
            ),
            (
                &["--public-url", "fleetdeck.example.com"],
                "FLEETDECK_PUBLIC_URL (--public-url)",
            ),
            (
                &["--oidc-config", "/nonexistent/oidc.yaml"],
                "FLEETDECK_OIDC_CONFIG (--oidc-config): cannot read",
            ),
        ];
        for (a, want) in cases {
            let err = Settings::from_args(&args(a)).unwrap_err().to_string();
            assert!(err.starts_with(want), "{a:?}: {err}");
        }
    }

    #[test]
    fn token_errors_never_echo_the_secret() {
        let err = Settings::from_args(&args(&["--auth-tokens", "ci:admin:short-secret"]))
            .unwrap_err()
            .to_string();
        assert!(!err.contains("short-secret"), "{err}");
        let err = Settings::from_args(&args(&["--auth-tokens", "ci:wizard:long-enough-secret-value"]))
            .unwrap_err()
            .to_string();
        assert!(!err.contains("long-enough-secret-value"), "{err}");
    }

    #[test]
    fn tokens_parse_from_lists_and_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tokens");
        std::fs::write(&file, "# bootstrap\nops:operator:0123456789abcdef0123\n").unwrap();
        let s = Settings::from_args(&args(&[
            "--auth-tokens",
            "ci:admin:abcdefabcdefabcdef, view:viewer:zzzzzzzzzzzzzzzzzz",
            "--auth-tokens-file",
            file.to_str().unwrap(),
        ]))
        .unwrap();
        let got: Vec<_> = s.auth_tokens.iter().map(|t| (t.name.as_str(), t.role)).collect();
        assert_eq!(
            got,
            [("ci", Role::Admin), ("view", Role::Viewer), ("ops", Role::Operator)]
        );
        let dup = Settings::from_args(&args(&[
            "--auth-tokens",
            "a:admin:abcdefabcdefabcdef,a:viewer:abcdefabcdefabcdeg",
        ]));
        assert!(dup.unwrap_err().to_string().contains("used twice"));
    }

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(7 * 86400));
        assert!(parse_duration("0h").is_err());
        assert!(parse_duration("h").is_err());
        assert_eq!(parse_size("512KiB").unwrap(), 512 * 1024);
        assert_eq!(parse_size("2048").unwrap(), 2048);
        assert!(parse_size("10").is_err());
    }
}

#[cfg(test)]
mod oidc_tests {
    use super::*;

    #[test]
    fn oidc_providers_need_the_public_url_and_the_secret_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("oidc.yaml");
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "s3cret\n").unwrap();
        let yaml = format!(
            "providers:\n  - {{id: dex, name: Dex, issuer: 'https://dex.example.com', clientId: fd, clientSecretFile: {}}}\n",
            secret.display()
        );
        std::fs::write(&file, yaml).unwrap();
        let key = "--secret-key=BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU=";
        let parse = |extra: &[&str]| {
            let mut v = vec!["fleetdeck", "--oidc-config", file.to_str().unwrap()];
            v.extend_from_slice(extra);
            Settings::from_args(&SettingsArgs::parse_from(v))
        };
        let err = parse(&[key]).unwrap_err().to_string();
        assert!(
            err.starts_with("FLEETDECK_PUBLIC_URL (--public-url): required"),
            "{err}"
        );
        let err = parse(&["--public-url", "https://fd.example.com"])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("FLEETDECK_SECRET_KEY (--secret-key): required"),
            "{err}"
        );
        let s = parse(&[key, "--public-url", "https://fd.example.com/"]).unwrap();
        assert_eq!(s.public_url.as_deref(), Some("https://fd.example.com"));
        assert_eq!(s.oidc_providers[0].id, "dex");
        assert!(!format!("{s:?}").contains("s3cret"), "the client secret never prints");
    }
}

#[cfg(test)]
mod signals_settings_tests {
    use super::*;

    fn parse(extra: &[&str]) -> Result<Settings, ConfigError> {
        let mut v = vec!["fleetdeck"];
        v.extend_from_slice(extra);
        Settings::from_args(&SettingsArgs::parse_from(v))
    }

    #[test]
    fn slo_and_rightsizing_settings_default_and_are_checked() {
        let s = parse(&[]).unwrap();
        assert_eq!((s.slo.target, s.slo.period), (99.9, Duration::from_secs(30 * 86_400)));
        assert_eq!(
            (s.rightsizing.history, s.rightsizing.min_history),
            (Duration::from_secs(7 * 86_400), Duration::from_secs(86_400))
        );
        let s = parse(&["--slo-target", "99.95%", "--price-cpu-hour", "0"]).unwrap();
        assert_eq!((s.slo.target, s.rightsizing.cpu_hour), (99.95, 0.0));
        for (args, want) in [
            (&["--slo-target", "100"][..], "FLEETDECK_SLO_TARGET"),
            (&["--slo-period", "31d"][..], "FLEETDECK_SLO_PERIOD"),
            (&["--rightsizing-history", "0s"][..], "FLEETDECK_RIGHTSIZING_HISTORY"),
            (&["--slo-interval", "0s"][..], "FLEETDECK_SLO_INTERVAL"),
            (
                &["--rightsizing-interval", "soon"][..],
                "FLEETDECK_RIGHTSIZING_INTERVAL",
            ),
            (
                &["--rightsizing-min-history", "8d"][..],
                "FLEETDECK_RIGHTSIZING_MIN_HISTORY",
            ),
            (&["--price-memory-gib-hour=-1"][..], "FLEETDECK_PRICE_MEMORY_GIB_HOUR"),
            (&["--price-cpu-hour", "cheap"][..], "FLEETDECK_PRICE_CPU_HOUR"),
        ] {
            let e = parse(args).unwrap_err().to_string();
            assert!(e.contains(want), "{args:?}: {e}");
        }
    }

    #[test]
    fn stripe_needs_its_webhook_secret_and_the_public_url() {
        assert!(parse(&[]).unwrap().stripe.is_none());
        let key = ["--stripe-secret-key", "sk_test_secret"];
        let hook = ["--stripe-webhook-secret", "whsec_secret"];
        let public = ["--public-url", "https://fleetdeck.example.com/"];
        let err = |args: &[&str]| parse(args).unwrap_err().to_string();
        assert!(err(&[key[0], key[1], public[0], public[1]]).contains("FLEETDECK_STRIPE_WEBHOOK_SECRET"));
        assert!(err(&[key[0], key[1], hook[0], hook[1]]).contains("FLEETDECK_PUBLIC_URL"));
        let all = [key[0], key[1], hook[0], hook[1], public[0], public[1]];
        let s = parse(&all).unwrap();
        let stripe = s.stripe.as_ref().unwrap();
        assert_eq!(stripe.api_url, "https://api.stripe.com");
        assert_eq!(stripe.public_url, "https://fleetdeck.example.com");
        assert_eq!(stripe.webhook_tolerance, Duration::from_secs(300));
        let printed = format!("{s:?}");
        assert!(!printed.contains("sk_test_secret") && !printed.contains("whsec_secret"));
        let bad_url = [&all[..], &["--stripe-api-url", "ftp://stripe"]].concat();
        assert!(err(&bad_url).contains("FLEETDECK_STRIPE_API_URL"));
        let no_tolerance = [&all[..], &["--stripe-webhook-tolerance", "0s"]].concat();
        assert!(err(&no_tolerance).contains("FLEETDECK_STRIPE_WEBHOOK_TOLERANCE"));
    }

    #[test]
    fn the_assistant_model_is_optional_and_checked() {
        assert!(parse(&[]).unwrap().assistant.is_none());
        let s = parse(&[
            "--assistant-url",
            "http://127.0.0.1:11434/v1/",
            "--assistant-model",
            "llama3",
            "--assistant-api-key",
            "sk-assistant-key",
        ])
        .unwrap();
        let a = s.assistant.as_ref().unwrap();
        assert_eq!(
            (a.url.as_str(), a.model.as_str()),
            ("http://127.0.0.1:11434/v1", "llama3")
        );
        assert_eq!((a.max_context_tokens, a.timeout), (3000, Duration::from_secs(20)));
        assert!(!format!("{s:?}").contains("sk-assistant-key"), "the key never prints");
        let url = ["--assistant-url", "http://h/v1"];
        for (extra, want) in [
            (
                &["--assistant-url", "ftp://h", "--assistant-model", "m"][..],
                "FLEETDECK_ASSISTANT_URL",
            ),
            (&url[..], "FLEETDECK_ASSISTANT_MODEL"),
            (
                &[
                    url[0],
                    url[1],
                    "--assistant-model",
                    "m",
                    "--assistant-max-context-tokens",
                    "999",
                ][..],
                "FLEETDECK_ASSISTANT_MAX_CONTEXT_TOKENS",
            ),
            (
                &[url[0], url[1], "--assistant-model", "m", "--assistant-timeout", "0s"][..],
                "FLEETDECK_ASSISTANT_TIMEOUT",
            ),
        ] {
            let err = parse(extra).unwrap_err().to_string();
            assert!(err.starts_with(want), "{extra:?}: {err}");
        }
    }

    #[test]
    fn the_predictor_is_optional_and_its_secret_required_and_hidden() {
        assert!(parse(&[]).unwrap().predictor.is_none());
        let s = parse(&[
            "--predictor-url",
            "http://127.0.0.1:9000/predict",
            "--predictor-secret",
            "predictor-shared-secret",
        ])
        .unwrap();
        let p = s.predictor.as_ref().unwrap();
        assert_eq!(
            (p.url.as_str(), p.secret.0.as_str(), p.timeout),
            (
                "http://127.0.0.1:9000/predict",
                "predictor-shared-secret",
                Duration::from_secs(2)
            )
        );
        assert!(
            !format!("{s:?}").contains("predictor-shared-secret"),
            "the secret never prints"
        );
        let url = ["--predictor-url", "http://h/p"];
        for (extra, want) in [
            (
                &["--predictor-url", "ftp://h", "--predictor-secret", "s"][..],
                "FLEETDECK_PREDICTOR_URL",
            ),
            (&url[..], "FLEETDECK_PREDICTOR_SECRET"),
            (
                &[url[0], url[1], "--predictor-secret", " "][..],
                "FLEETDECK_PREDICTOR_SECRET",
            ),
            (
                &[url[0], url[1], "--predictor-secret", "s", "--predictor-timeout", "0s"][..],
                "FLEETDECK_PREDICTOR_TIMEOUT",
            ),
        ] {
            let err = parse(extra).unwrap_err().to_string();
            assert!(err.starts_with(want), "{extra:?}: {err}");
        }
    }

    #[test]
    fn prometheus_is_optional_its_settings_checked_and_its_token_hidden() {
        assert!(parse(&[]).unwrap().prometheus.is_none());
        let s = parse(&[
            "--prometheus-url",
            "http://127.0.0.1:9090/",
            "--prometheus-token",
            "prometheus-bearer-token",
        ])
        .unwrap();
        let p = s.prometheus.as_ref().unwrap();
        assert_eq!(
            (p.url.as_str(), p.cluster_label.as_str(), p.timeout),
            ("http://127.0.0.1:9090", "cluster", Duration::from_secs(10))
        );
        assert_eq!(p.token.as_ref().map(|t| t.0.as_str()), Some("prometheus-bearer-token"));
        assert!(
            !format!("{s:?}").contains("prometheus-bearer-token"),
            "the token never prints"
        );
        let s = parse(&[
            "--prometheus-url",
            "https://thanos",
            "--prometheus-cluster-label",
            "k8s_cluster",
        ])
        .unwrap();
        let p = s.prometheus.unwrap();
        assert_eq!((p.cluster_label.as_str(), p.token.is_none()), ("k8s_cluster", true));
        let url = ["--prometheus-url", "http://h:9090"];
        for (extra, want) in [
            (&["--prometheus-url", "ftp://h"][..], "FLEETDECK_PROMETHEUS_URL"),
            (&["--prometheus-url", "h:9090"][..], "FLEETDECK_PROMETHEUS_URL"),
            (
                &[url[0], url[1], "--prometheus-cluster-label", "a-b"][..],
                "FLEETDECK_PROMETHEUS_CLUSTER_LABEL",
            ),
            (
                &[url[0], url[1], "--prometheus-cluster-label", ""][..],
                "FLEETDECK_PROMETHEUS_CLUSTER_LABEL",
            ),
            (
                &[url[0], url[1], "--prometheus-timeout", "0s"][..],
                "FLEETDECK_PROMETHEUS_TIMEOUT",
            ),
            (
                &[url[0], url[1], "--prometheus-timeout", "soon"][..],
                "FLEETDECK_PROMETHEUS_TIMEOUT",
            ),
        ] {
            let err = parse(extra).unwrap_err().to_string();
            assert!(err.starts_with(want), "{extra:?}: {err}");
        }
    }
}
