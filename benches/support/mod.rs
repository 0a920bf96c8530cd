//! What the benchmarks that run a release Fleetdeck in its own process share: starting it on
//! SQLite with one admin token, and the figures.

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
        let body = serde_json::json!({"name": name, "environment": "prod", "server": sim.url(), "token": sim.admin_token(),
            "certificateAuthorityData": STANDARD.encode(sim.ca_pem().unwrap_or_default())});
        let r = reqwest::Client::new()
            .post(format!("http://{}/api/clusters", self.addr))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(r.status() == 201, "registering {name}: {}", r.text().await?);
        Ok(())
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

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// p50 and p99 of the times, in ms.
pub fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let pick = |q: f64| ms(times[((times.len() - 1) as f64 * q).round() as usize]);
    (pick(0.5), pick(0.99))
}
