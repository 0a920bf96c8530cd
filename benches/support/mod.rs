//! What the benchmarks share: starting a release Fleetdeck in its own process, or in the
//! benchmark's (`InProcess`), on SQLite with one admin token; registering simulated clusters;
//! the metrics.k8s.io floor; and the figures.

#![allow(dead_code)] // each benchmark uses a different part of this module

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A release `fleetdeck serve`, stopped when dropped.
pub struct Fleetdeck {
    child: Child,
    addr: String,
    token: String,
    _dir: tempfile::TempDir,
}

impl Fleetdeck {
    /// Starts it on `addr` with the admin token `token` and `env` on top of the defaults, and
    /// waits until it is healthy.
    pub async fn start(addr: &str, token: &str, env: &[(&str, &str)]) -> anyhow::Result<Fleetdeck> {
        let dir = tempfile::tempdir()?;
        let child = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
            .env("FLEETDECK_ADDR", addr)
            .env(
                "FLEETDECK_DATABASE_URL",
                format!("sqlite://{}", dir.path().join("bench.db").display()),
            )
            .env("FLEETDECK_AUTH_TOKENS", format!("bench:admin:{token}"))
            .env("FLEETDECK_SECRET_KEY", STANDARD.encode([7u8; 32]))
            .env("FLEETDECK_KUBECONFIG", "")
            .env("FLEETDECK_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .spawn()?;
        let fleetdeck = Fleetdeck {
            child,
            addr: addr.to_string(),
            token: token.to_string(),
            _dir: dir,
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while http.get(format!("http://{addr}/healthz")).send().await.is_err() {
            anyhow::ensure!(Instant::now() < deadline, "fleetdeck did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(fleetdeck)
    }

    /// Registers `sim` as cluster `name` (shared mode) with its admin token.
    pub async fn register(&self, name: &str, sim: &kubesim::Sim) -> anyhow::Result<()> {
        register(
            &reqwest::Client::new(),
            &format!("http://{}", self.addr),
            &self.token,
            name,
            sim,
        )
        .await
    }

    #[allow(dead_code)] // each bench uses a different part of this module
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Fleetdeck {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Registers `sim` with the Fleetdeck at `base` as cluster `name` (shared mode) with its admin
/// token.
pub async fn register(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    name: &str,
    sim: &kubesim::Sim,
) -> anyhow::Result<()> {
    let body = serde_json::json!({"name": name, "environment": "prod", "server": sim.url(), "token": sim.admin_token(),
        "certificateAuthorityData": STANDARD.encode(sim.ca_pem().unwrap_or_default())});
    let r = http
        .post(format!("{base}/api/clusters"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    anyhow::ensure!(r.status() == 201, "registering {name}: {}", r.text().await?);
    Ok(())
}

/// The admin token of an [`InProcess`] Fleetdeck.
pub const TOKEN: &str = "bench-admin-token-0123456789";

/// Fleetdeck in the benchmark's process (`server::Server`), on SQLite in a temporary folder,
/// with the admin token [`TOKEN`] and no background passes (the benchmark runs them).
pub struct InProcess {
    pub server: fleetdeck::server::Server,
    pub base: String,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl InProcess {
    /// Starts it with `adjust` applied to the settings.
    pub async fn start(adjust: impl FnOnce(&mut fleetdeck::config::Settings)) -> anyhow::Result<InProcess> {
        use fleetdeck::auth::{BootstrapToken, Role};
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let mut settings = fleetdeck::config::Settings::with_database(&url);
        settings.addr = "127.0.0.1:0".parse()?;
        settings.kubeconfig = vec![];
        settings.sampling = false;
        settings.diagnostics = false;
        settings.metering = false;
        settings.secret_key = Some(
            fleetdeck::kube::secret_box::SecretKey::from_base64(&STANDARD.encode([7u8; 32]))
                .map_err(anyhow::Error::msg)?,
        );
        settings.auth_tokens = vec![BootstrapToken::new("bench", Role::Admin, TOKEN)];
        adjust(&mut settings);
        let server = fleetdeck::server::Server::start(settings).await?;
        let base = format!("http://{}", server.addr);
        Ok(InProcess {
            server,
            base,
            http: reqwest::Client::new(),
            _dir: dir,
        })
    }

    /// Registers `sim` as cluster `name`.
    pub async fn register(&self, name: &str, sim: &kubesim::Sim) -> anyhow::Result<()> {
        register(&self.http, &self.base, TOKEN, name, sim).await
    }

    /// POSTs `body` to `path` as the admin; the answer, which must be 201.
    pub async fn created(&self, path: &str, body: serde_json::Value) -> anyhow::Result<serde_json::Value> {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(r.status() == 201, "{path}: {}", r.text().await?);
        Ok(r.json().await?)
    }
}

/// The simulators' metrics.k8s.io lists (`pods`, `nodes`), listed straight and all at once:
/// what a pass over them cannot do without. The items listed.
pub async fn metrics_floor(sims: &[kubesim::Sim], lists: &[&'static str]) -> anyhow::Result<usize> {
    use kube::api::{Api, ApiResource, DynamicObject, ListParams};
    let mut tasks = tokio::task::JoinSet::new();
    for sim in sims {
        let kubeconfig = kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_for_token(sim.admin_token()))?;
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await?;
        let client = kube::Client::try_from(config)?;
        let lists = lists.to_vec();
        tasks.spawn(async move {
            let mut items = 0;
            for plural in lists {
                let kind = if plural == "pods" { "PodMetrics" } else { "NodeMetrics" };
                let resource = ApiResource {
                    group: "metrics.k8s.io".into(),
                    version: "v1beta1".into(),
                    api_version: "metrics.k8s.io/v1beta1".into(),
                    kind: kind.into(),
                    plural: plural.into(),
                };
                let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
                items += api.list(&ListParams::default()).await?.items.len();
            }
            anyhow::Ok(items)
        });
    }
    let mut items = 0;
    while let Some(r) = tasks.join_next().await {
        items += r??;
    }
    Ok(items)
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// p50 and p99 of the times, in ms.
pub fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let pick = |q: f64| ms(times[((times.len() - 1) as f64 * q).round() as usize]);
    (pick(0.5), pick(0.99))
}
