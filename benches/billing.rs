//! Billing benchmark (`cargo bench --bench billing`), in process on SQLite: the metering's pass
//! (`Meter::meter_all`) over 5 simulated clusters of 500 namespaces each (5,000 pods, 50 nodes;
//! every namespace a project's, caches warm, as on the leader), against the floor of the same
//! run: listing the five clusters' PodMetrics straight from the simulators, which every pass
//! must do. See docs/benchmarks.md.

mod support;

use std::time::Instant;

use chrono::{TimeDelta, Utc};
use fleetdeck::billing::meter::Meter;
use kubesim::{Sim, SimConfig};
use serde_json::json;
use support::{InProcess, metrics_floor, ms, percentiles};

const CLUSTERS: usize = 5;
const NAMESPACES: usize = 500;
const PODS: usize = 5_000;
const NODES: usize = 50;
const TENANTS: usize = 50;
const PASSES: usize = 10;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let fleetdeck = InProcess::start(|_| {}).await?;
    let mut tenants = Vec::new();
    for t in 0..TENANTS {
        let tenant = fleetdeck
            .created("/api/tenants", json!({"name": format!("tenant-{t}")}))
            .await?;
        tenants.push(tenant["id"].as_str().unwrap_or_default().to_string());
    }
    let mut sims = Vec::new();
    let started = Instant::now();
    for c in 0..CLUSTERS {
        let sim = Sim::start(SimConfig::default()).await?;
        sim.load_objects(kubesim::generate::cluster(NODES, PODS, NAMESPACES, c as u64 + 1))?;
        let cluster = format!("sim-{c}");
        fleetdeck.register(&cluster, &sim).await?;
        // Every namespace is a project's: `team-N` of tenant N mod 50.
        for n in 0..NAMESPACES {
            let body = json!({"tenantId": tenants[n % TENANTS], "name": format!("c{c}-team-{n}"),
                              "cluster": cluster, "namespace": format!("team-{n}")});
            fleetdeck.created("/api/projects", body).await?;
        }
        sims.push(sim);
    }
    println!(
        "{} projects in {CLUSTERS} clusters made in {:.0} ms",
        CLUSTERS * NAMESPACES,
        ms(started.elapsed())
    );
    let state = &fleetdeck.server.state;
    let mut meter = Meter::default();
    let at = |i: usize| Utc::now() - TimeDelta::minutes((PASSES + 1 - i) as i64);
    // The first pass starts the watch caches and waits for them, as the leader's first does.
    let started = Instant::now();
    for (cluster, outcome) in meter.meter_all(state, at(0)).await {
        let namespaces = outcome?;
        anyhow::ensure!(namespaces >= NAMESPACES, "{cluster}: {namespaces} namespaces");
    }
    println!("first pass (caches started): {:.0} ms", ms(started.elapsed()));
    let (mut passes, mut floors) = (Vec::new(), Vec::new());
    for i in 1..=PASSES {
        let started = Instant::now();
        metrics_floor(&sims, &["pods"]).await?;
        floors.push(started.elapsed());
        let started = Instant::now();
        for (cluster, outcome) in meter.meter_all(state, at(i)).await {
            outcome.map_err(|e| anyhow::anyhow!("{cluster}: {e:#}"))?;
        }
        passes.push(started.elapsed());
    }
    let (p50, p99) = percentiles(passes);
    let (floor, _) = percentiles(floors);
    println!(
        "metering pass, {CLUSTERS} clusters × {NAMESPACES} namespaces ({PODS} pods, {NODES} nodes each; \
         {PASSES} passes): p50 {p50:.0} ms, max {p99:.0} ms; PodMetrics lists alone p50 {floor:.0} ms; ratio {:.2}",
        p50 / floor
    );
    Ok(())
}
