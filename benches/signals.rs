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

use chrono::{TimeDelta, Utc};
use fleetdeck::signals::evaluator;
use fleetdeck::signals::sampler::Sampler;
use fleetdeck::store::samples::{SampleRow, SamplesWrite, bucket_start};
use fleetdeck::store::workload_signals::WorkloadSpecRow;
use kubesim::{Sim, SimConfig};
use support::{InProcess, TOKEN, metrics_floor, ms, percentiles};

const CLUSTERS: usize = 5;
const PODS: usize = 10_000;
const NODES: usize = 100;
const PASSES: usize = 10;
const WORKLOADS: usize = 1_000;
const READS: usize = 50;

async fn sampling(fleetdeck: &InProcess) -> anyhow::Result<()> {
    let mut sims = Vec::new();
    for i in 0..CLUSTERS {
        let sim = Sim::start(SimConfig::default()).await?;
        sim.load_objects(kubesim::generate::cluster(NODES, PODS, 50, i as u64 + 1))?;
        fleetdeck.register(&format!("sim-{i}"), &sim).await?;
        sims.push(sim);
    }
    // The first pass starts the watch caches and waits for them, as the leader's first does.
    let started = Instant::now();
    let mut sampler = Sampler::default();
    let at = |i: usize| bucket_start(Utc::now()) - TimeDelta::minutes(5 * (PASSES + 2 - i) as i64);
    for (cluster, outcome) in sampler.sample_all(&fleetdeck.server.state, at(0)).await {
        let counts = outcome?;
        // `big` (the answers' cluster) holds nothing.
        anyhow::ensure!(cluster == "big" || counts.workloads > 0, "{cluster}: {counts:?}");
        println!("{cluster}: {counts:?}");
    }
    println!("first pass (caches started): {:.0} ms", ms(started.elapsed()));
    let (mut passes, mut floors) = (Vec::new(), Vec::new());
    for i in 1..=PASSES {
        let started = Instant::now();
        metrics_floor(&sims, &["pods", "nodes"]).await?;
        floors.push(started.elapsed());
        let started = Instant::now();
        for (cluster, outcome) in sampler.sample_all(&fleetdeck.server.state, at(i)).await {
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
async fn history(fleetdeck: &InProcess, cluster: &str) -> anyhow::Result<()> {
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
        fleetdeck.server.state.store.write_samples(cluster, &write).await?;
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
async fn answers(fleetdeck: &InProcess) -> anyhow::Result<Sim> {
    let (state, http, base) = (&fleetdeck.server.state, &fleetdeck.http, &fleetdeck.base);
    // The cluster needs a row; its simulator holds nothing.
    let sim = Sim::start(SimConfig::default()).await?;
    fleetdeck.register("big", &sim).await?;
    let started = Instant::now();
    history(fleetdeck, "big").await?;
    println!(
        "wrote a day of samples of {WORKLOADS} workloads in {:.0} ms",
        ms(started.elapsed())
    );
    let now = Utc::now();
    let started = Instant::now();
    anyhow::ensure!(evaluator::slos(state, now).await? >= WORKLOADS);
    println!(
        "evaluator: SLOs of {WORKLOADS} workloads in {:.0} ms",
        ms(started.elapsed())
    );
    let started = Instant::now();
    anyhow::ensure!(evaluator::rightsizing(state, now).await? >= WORKLOADS);
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
    // A day of history is enough for a recommendation here.
    let fleetdeck = InProcess::start(|s| s.rightsizing.min_history = Duration::from_secs(3600)).await?;
    let _big = answers(&fleetdeck).await?;
    sampling(&fleetdeck).await?;
    Ok(())
}
