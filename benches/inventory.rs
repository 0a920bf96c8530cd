//! Inventory benchmark (`cargo bench --bench inventory`): 5 simulated clusters of 10,000 pods in
//! 50 namespaces, a release Fleetdeck in its own process (so its RSS is its own), and:
//! the warm list of all pods at 1 and 16 concurrent clients against `kubectl get pods -A -o json`
//! and a direct `kube::Api::list`; the first page of 100 pods by restarts; RSS and bytes per
//! cached pod; fleet-wide search. See docs/benchmarks.md.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use kubesim::{Sim, SimConfig};
use serde_json::{Value, json};

const CLUSTERS: usize = 5;
const PODS: usize = 10_000;
const TOKEN: &str = "bench-admin-token-0123456789";
const ADDR: &str = "127.0.0.1:18091";

struct Fleetdeck(Child);

impl Drop for Fleetdeck {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

fn rss_bytes(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmRSS"))?;
    Ok(kb * 1024)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// p50 and p99 of the times, in ms.
fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let pick = |q: f64| ms(times[((times.len() - 1) as f64 * q).round() as usize]);
    (pick(0.5), pick(0.99))
}

/// `clients` concurrent callers each GET `path` `each` times; every answer must be 200.
async fn timed(http: &reqwest::Client, path: &str, clients: usize, each: usize) -> anyhow::Result<Vec<Duration>> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (http, url) = (http.clone(), format!("http://{ADDR}{path}"));
        tasks.spawn(async move {
            let mut times = Vec::new();
            for _ in 0..each {
                let started = Instant::now();
                let r = http.get(&url).bearer_auth(TOKEN).send().await?;
                anyhow::ensure!(r.status() == 200, "{url}: {}", r.status());
                r.bytes().await?;
                times.push(started.elapsed());
            }
            Ok(times)
        });
    }
    let mut all = Vec::new();
    while let Some(r) = tasks.join_next().await {
        all.extend(r??);
    }
    Ok(all)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut sims = Vec::new();
    for i in 0..CLUSTERS {
        let sim = Sim::start(SimConfig::default()).await?;
        sim.load_objects(kubesim::generate::cluster(5, PODS, 50, i as u64 + 1))?;
        sims.push(sim);
    }
    let dir = tempfile::tempdir()?;
    let child = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .env("FLEETDECK_ADDR", ADDR)
        .env(
            "FLEETDECK_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("bench.db").display()),
        )
        .env("FLEETDECK_AUTH_TOKENS", format!("bench:admin:{TOKEN}"))
        .env("FLEETDECK_SECRET_KEY", STANDARD.encode([7u8; 32]))
        .env("FLEETDECK_KUBECONFIG", "")
        .env("FLEETDECK_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()?;
    let pid = child.id();
    let _fleetdeck = Fleetdeck(child);
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http.get(format!("http://{ADDR}/healthz")).send().await.is_err() {
        anyhow::ensure!(Instant::now() < deadline, "fleetdeck did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rss_idle = rss_bytes(pid)?;
    for (i, sim) in sims.iter().enumerate() {
        let body = json!({"name": format!("sim-{i}"), "environment": "prod", "server": sim.url(), "token": sim.admin_token(),
            "certificateAuthorityData": STANDARD.encode(sim.ca_pem().unwrap_or_default())});
        let r = http
            .post(format!("http://{ADDR}/api/clusters"))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(r.status() == 201, "registering sim-{i}: {}", r.text().await?);
    }
    let pods = |c: usize| format!("/api/clusters/sim-{c}/resources/core/v1/pods");
    for c in 0..CLUSTERS {
        let started = Instant::now();
        let list: Value = http
            .get(format!("http://{ADDR}{}", pods(c)))
            .bearer_auth(TOKEN)
            .send()
            .await?
            .json()
            .await?;
        anyhow::ensure!(list["total"] == PODS, "sim-{c}: {}", list["total"]);
        println!(
            "sim-{c}: cold list of {PODS} pods (cache start) {:.0} ms",
            ms(started.elapsed())
        );
    }
    let list = http
        .get(format!("http://{ADDR}{}", pods(0)))
        .bearer_auth(TOKEN)
        .send()
        .await?
        .bytes()
        .await?;
    println!("one warm list answer: {} bytes", list.len());

    let (p50, p99) = percentiles(timed(&http, &pods(0), 1, 100).await?);
    println!("warm list of {PODS} pods, 1 client:   p50 {p50:.1} ms, p99 {p99:.1} ms");
    let warm_1 = p50;
    let (p50, p99) = percentiles(timed(&http, &pods(0), 16, 20).await?);
    println!("warm list of {PODS} pods, 16 clients: p50 {p50:.1} ms, p99 {p99:.1} ms (target p99 < 50 ms)");
    let page = format!("{}?sort=restarts&order=desc&limit=100", pods(0));
    let (p50, p99) = percentiles(timed(&http, &page, 1, 200).await?);
    println!("first 100 pods by restarts, 1 client: p50 {p50:.1} ms, p99 {p99:.1} ms (target p99 < 20 ms)");
    let (p50, p99) = percentiles(timed(&http, &page, 16, 25).await?);
    println!("first 100 pods by restarts, 16 clients: p50 {p50:.1} ms, p99 {p99:.1} ms");
    let search = "/api/search?q=web-7&kinds=core/v1/pods&limit=20";
    let (p50, p99) = percentiles(timed(&http, search, 1, 200).await?);
    println!(
        "fleet search over {CLUSTERS} × {PODS} pods, 1 client: p50 {p50:.1} ms, p99 {p99:.1} ms (target p99 < 30 ms)"
    );

    // The same pods straight from the simulator.
    let kubeconfig = dir.path().join("kubeconfig");
    sims[0].write_kubeconfig(&kubeconfig)?;
    let client = kube::Client::try_from(
        kube::Config::from_custom_kubeconfig(
            kube::config::Kubeconfig::read_from(&kubeconfig)?,
            &kube::config::KubeConfigOptions::default(),
        )
        .await?,
    )?;
    let api: Api<Pod> = Api::all(client);
    let mut direct = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let l = api.list(&ListParams::default()).await?;
        anyhow::ensure!(l.items.len() == PODS);
        direct.push(started.elapsed());
    }
    let (direct_p50, _) = percentiles(direct);
    println!(
        "kube::Api::list of the same pods: p50 {direct_p50:.1} ms ({:.1}× Fleetdeck's warm list)",
        direct_p50 / warm_1
    );
    let mut kubectl = Vec::new();
    for _ in 0..5 {
        let (file, started) = (kubeconfig.clone(), Instant::now());
        let out = tokio::task::spawn_blocking(move || {
            Command::new("kubectl")
                .arg("--kubeconfig")
                .arg(file)
                .args(["get", "pods", "-A", "-o", "json"])
                .stdout(Stdio::null())
                .status()
        })
        .await??;
        anyhow::ensure!(out.success(), "kubectl failed");
        kubectl.push(started.elapsed());
    }
    let (kubectl_p50, _) = percentiles(kubectl);
    println!(
        "kubectl get pods -A -o json: p50 {kubectl_p50:.0} ms ({:.1}× Fleetdeck's warm list; goal ≥ 5×)",
        kubectl_p50 / warm_1
    );

    let metrics = http.get(format!("http://{ADDR}/metrics")).send().await?.text().await?;
    let cached: f64 = metrics
        .lines()
        .filter(|l| l.starts_with("fleetdeck_cache_bytes{") && l.contains("core/v1/pods"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    let rss = rss_bytes(pid)?;
    let per_pod = (rss - rss_idle) as f64 / (CLUSTERS * PODS) as f64;
    println!(
        "RSS with {CLUSTERS} × {PODS} pods cached: {:.0} MB (idle {:.0} MB; {per_pod:.0} bytes per cached pod; pods' JSON {:.0} bytes each; target < 400 MB)",
        rss as f64 / 1e6,
        rss_idle as f64 / 1e6,
        cached / (CLUSTERS * PODS) as f64
    );
    Ok(())
}
