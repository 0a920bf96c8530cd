//! Signals benchmark (`cargo bench --bench signals`), in process on SQLite:
//! 1. the sampler's pass (`Sampler::sample_all`) over 5 simulated clusters of 10,000 pods and 100
//!    nodes each (caches warm, as on the leader), against the floor of the same run: listing the
//!    five clusters' PodMetrics and NodeMetrics straight from the simulators, which every pass
//!    must do;
//! 2. `GET /api/slo` and `GET /api/rightsizing` over 1,000 workloads (a day of 5-minute samples,
//!    computed by the evaluator, whose passes are timed too), against `GET /healthz` in the same
//!    run. See docs/benchmarks.md.

mod support;

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{TimeDelta, Utc};
use fleetdeck::auth::{BootstrapToken, Role};
use fleetdeck::config::Settings;
use fleetdeck::kube::secret_box::SecretKey;
use fleetdeck::server::Server;
use fleetdeck::signals::evaluator;
use fleetdeck::signals::sampler::Sampler;
use fleetdeck::store::samples::{SampleRow, SamplesWrite, bucket_start};
use fleetdeck::store::workload_signals::WorkloadSpecRow;
use kube::api::{Api, DynamicObject, ListParams};
use kube::discovery::ApiResource;
use kubesim::{Sim, SimConfig};
use support::{ms, percentiles};

const CLUSTERS: usize = 5;
const PODS: usize = 10_000;
const NODES: usize = 100;
const PASSES: usize = 10;
const WORKLOADS: usize = 1_000;
const READS: usize = 50;
const TOKEN: &str = "bench-admin-token-0123456789";

async fn register(http: &reqwest::Client, base: &str, name: &str, sim: &Sim) -> anyhow::Result<()> {
    let body = serde_json::json!({"name": name, "environment": "prod", "server": sim.url(), "token": sim.admin_token(),
        "certificateAuthorityData": STANDARD.encode(sim.ca_pem().unwrap_or_default())});
    let r = http
        .post(format!("{base}/api/clusters"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await?;
    anyhow::ensure!(r.status() == 201, "registering {name}: {}", r.text().await?);
    Ok(())
}

/// The simulators' PodMetrics and NodeMetrics, listed straight and all at once: what a pass
/// cannot do without.
async fn metrics_floor(sims: &[Sim]) -> anyhow::Result<usize> {
    let mut tasks = tokio::task::JoinSet::new();
    for sim in sims {
        let kubeconfig = kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_for_token(sim.admin_token()))?;
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await?;
        let client = kube::Client::try_from(config)?;
        tasks.spawn(async move {
            let mut items = 0;
            for (kind, plural) in [("PodMetrics", "pods"), ("NodeMetrics", "nodes")] {
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

async fn sampling(server: &Server, http: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    let mut sims = Vec::new();
    for i in 0..CLUSTERS {
        let sim = Sim::start(SimConfig::default()).await?;
        sim.load_objects(kubesim::generate::cluster(NODES, PODS, 50, i as u64 + 1))?;
        register(http, base, &format!("sim-{i}"), &sim).await?;
        sims.push(sim);
    }
    // The first pass starts the watch caches and waits for them, as the leader's first does.
    let started = Instant::now();
    let mut sampler = Sampler::default();
    let at = |i: usize| bucket_start(Utc::now()) - TimeDelta::minutes(5 * (PASSES + 2 - i) as i64);
    for (cluster, outcome) in sampler.sample_all(&server.state, at(0)).await {
        let counts = outcome?;
        // `big` (the answers' cluster) holds nothing.
        anyhow::ensure!(cluster == "big" || counts.workloads > 0, "{cluster}: {counts:?}");
        println!("{cluster}: {counts:?}");
    }
    println!("first pass (caches started): {:.0} ms", ms(started.elapsed()));
    let (mut passes, mut floors) = (Vec::new(), Vec::new());
    for i in 1..=PASSES {
        let started = Instant::now();
        metrics_floor(&sims).await?;
        floors.push(started.elapsed());
        let started = Instant::now();
        for (cluster, outcome) in sampler.sample_all(&server.state, at(i)).await {
            outcome.map_err(|e| anyhow::anyhow!("{cluster}: {e:#}"))?;
        }
        passes.push(started.elapsed());
    }
    let (p50, p99) = percentiles(passes);
    let (floor, _) = percentiles(floors);
    println!(
        "sampling pass, {CLUSTERS} clusters × {PODS} pods, {NODES} nodes each ({PASSES} passes): \
         p50 {p50:.0} ms, max {p99:.0} ms; metrics lists alone p50 {floor:.0} ms; ratio {:.2}",
        p50 / floor
    );
    Ok(())
}

/// A day of 5-minute samples of 1,000 workloads (one container each; every 4th half ready),
/// with their specs, written as the sampler would.
async fn history(server: &Server, cluster: &str) -> anyhow::Result<()> {
    let last = bucket_start(Utc::now());
    let key = |i: usize| {
        vec![
            cluster.to_string(),
            format!("ns-{}", i % 20),
            "Deployment".into(),
            format!("w-{i}"),
        ]
    };
    for pass in 0..288i64 {
        let at = last - TimeDelta::minutes(5 * (287 - pass));
        let row = |key: Vec<String>, values: Vec<i64>| SampleRow {
            key,
            at,
            samples: 1,
            values,
        };
        let ready = |i: usize| if i.is_multiple_of(4) { 1 } else { 2 };
        let specs =
            match pass {
                0 => (0..WORKLOADS)
                    .map(|i| WorkloadSpecRow {
                        namespace: format!("ns-{}", i % 20),
                        kind: "Deployment".into(),
                        name: format!("w-{i}"),
                        slo_target: None,
                        hpa_cpu: false,
                        hpa_memory: false,
                        containers:
                            r#"[{"name":"app","cpuRequest":500,"memoryRequest":536870912,"memoryLimit":1073741824}]"#
                                .into(),
                    })
                    .collect(),
                _ => Vec::new(),
            };
        let write = SamplesWrite {
            at,
            workloads: (0..WORKLOADS).map(|i| row(key(i), vec![2, ready(i), 0])).collect(),
            containers: (0..WORKLOADS)
                .map(|i| {
                    let mut k = key(i);
                    k.push("app".into());
                    row(k, vec![100 + (pass % 50), 150, 100 << 20])
                })
                .collect(),
            nodes: vec![],
            volumes: vec![],
            node_events: vec![],
            node_states: vec![],
            nodes_gone: vec![],
            specs,
            specs_gone: vec![],
        };
        server.state.store.write_samples(cluster, &write).await?;
    }
    Ok(())
}

/// `READS` GETs of `path`, one after another; every answer 200.
async fn reads(http: &reqwest::Client, url: &str) -> anyhow::Result<(Vec<Duration>, usize)> {
    let (mut times, mut bytes) = (Vec::new(), 0);
    for _ in 0..READS {
        let started = Instant::now();
        let r = http.get(url).bearer_auth(TOKEN).send().await?;
        anyhow::ensure!(r.status() == 200, "{url}: {}", r.status());
        bytes = r.bytes().await?.len();
        times.push(started.elapsed());
    }
    Ok((times, bytes))
}

/// The simulator of `big` is returned: it must stay up, as every pass after reads every cluster.
async fn answers(server: &Server, http: &reqwest::Client, base: &str) -> anyhow::Result<Sim> {
    // The cluster needs a row; its simulator holds nothing.
    let sim = Sim::start(SimConfig::default()).await?;
    register(http, base, "big", &sim).await?;
    let started = Instant::now();
    history(server, "big").await?;
    println!(
        "wrote a day of samples of {WORKLOADS} workloads in {:.0} ms",
        ms(started.elapsed())
    );
    let now = Utc::now();
    let started = Instant::now();
    anyhow::ensure!(evaluator::slos(&server.state, now).await? >= WORKLOADS);
    println!(
        "evaluator: SLOs of {WORKLOADS} workloads in {:.0} ms",
        ms(started.elapsed())
    );
    let started = Instant::now();
    anyhow::ensure!(evaluator::rightsizing(&server.state, now).await? >= WORKLOADS);
    println!(
        "evaluator: rightsizing of {WORKLOADS} workloads in {:.0} ms",
        ms(started.elapsed())
    );
    let (healthz, _) = reads(http, &format!("{base}/healthz")).await?;
    let (healthz, _) = percentiles(healthz);
    println!("GET /healthz: p50 {healthz:.2} ms");
    for path in ["/api/slo?cluster=big", "/api/rightsizing?cluster=big"] {
        let (times, bytes) = reads(http, &format!("{base}{path}")).await?;
        let (p50, p99) = percentiles(times);
        println!(
            "GET {path} ({WORKLOADS} workloads, {} KB): p50 {p50:.1} ms, p99 {p99:.1} ms; ratio to /healthz {:.0}",
            bytes / 1024,
            p50 / healthz
        );
    }
    Ok(sim)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::with_database(&format!("sqlite://{}", dir.path().join("bench.db").display()));
    settings.addr = "127.0.0.1:0".parse()?;
    settings.kubeconfig = vec![];
    settings.sampling = false;
    settings.diagnostics = false;
    settings.secret_key = Some(SecretKey::from_base64(&STANDARD.encode([7u8; 32])).map_err(anyhow::Error::msg)?);
    settings.auth_tokens = vec![BootstrapToken::new("bench", Role::Admin, TOKEN)];
    // A day of history is enough for a recommendation here.
    settings.rightsizing.min_history = Duration::from_secs(3600);
    let server = Server::start(settings).await?;
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::new();
    let _big = answers(&server, &http, &base).await?;
    sampling(&server, &http, &base).await?;
    Ok(())
}
