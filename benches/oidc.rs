//! OIDC callback latency (`cargo bench --bench oidc`): N logins against the local test provider
//! (tests/oidc/op.mjs; `npm ci --prefix tests/oidc` first), each timed from the browser's
//! `GET /api/auth/callback` to its 302 — the code exchange at the provider, the ID token checks,
//! the session, the login history and the audit row. Fleetdeck runs in-process on SQLite.
//! See docs/benchmarks.md.

// Shared with tests/oidc.rs, whose provider controls this bench does not use.
#[allow(dead_code)]
#[path = "../tests/common/oidc.rs"]
mod op;

use std::time::{Duration, Instant};

use base64::Engine;
use fleetdeck::config::Settings;
use fleetdeck::kube::secret_box::SecretKey;
use fleetdeck::server::Server;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, redirect};

const LOGINS: usize = 300;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let port = op::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let provider = op::Op::start(&base, 3600).await;
    let mut settings = Settings::with_database(&format!("sqlite://{}", dir.path().join("fd.db").display()));
    settings.addr = format!("127.0.0.1:{port}").parse().unwrap();
    settings.kubeconfig = vec![];
    settings.login_rate_limit = 1_000_000;
    settings.public_url = Some(base.clone());
    settings.secret_key =
        Some(SecretKey::from_base64(&base64::engine::general_purpose::STANDARD.encode([9u8; 32])).unwrap());
    settings.oidc_providers = op::providers(&provider.issuer, "");
    let server = Server::start(settings).await.unwrap();
    let http = Client::builder().redirect(redirect::Policy::none()).build().unwrap();
    while !server.state.oidc.providers()[0].available() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut latencies = Vec::with_capacity(LOGINS);
    for _ in 0..LOGINS {
        let r = http
            .get(format!("{base}/api/auth/login?provider=test"))
            .send()
            .await
            .unwrap();
        let auth_url = r.headers()[LOCATION].to_str().unwrap().to_string();
        let cookie = r.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let back = provider.authorize(&auth_url, "alice", &base).await;
        let started = Instant::now();
        let r = http.get(&back).header(COOKIE, cookie).send().await.unwrap();
        latencies.push(started.elapsed());
        assert_eq!(r.status(), 302, "{}", r.text().await.unwrap());
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "OIDC callback, {LOGINS} logins: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        at(0.5).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0,
        latencies[latencies.len() - 1].as_secs_f64() * 1000.0
    );
    server.shutdown().await.unwrap();
}
