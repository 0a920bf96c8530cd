//! Billing benchmark (`cargo bench --bench billing`), in process on SQLite:
//! 1. the metering's pass (`Meter::meter_all`) over 5 simulated clusters of 500 namespaces each
//!    (5,000 pods, 50 nodes; every namespace a project's, caches warm, as on the leader), against
//!    the floor of the same run: listing the five clusters' PodMetrics straight from the
//!    simulators, which every pass must do;
//! 2. `GET /api/invoices/{tenant}` of a tenant with 10,000 hourly usage rows (50 projects × 200
//!    hours), against `GET /healthz` in the same run. See docs/benchmarks.md.

mod support;

use std::time::Instant;

use chrono::{Datelike, TimeDelta, TimeZone, Utc};
use fleetdeck::billing::meter::Meter;
use fleetdeck::store::usage::{Capacity, MeteredNamespace, MeteringWrite};
use kubesim::{Sim, SimConfig};
use serde_json::json;
use support::{InProcess, TOKEN, metrics_floor, ms, percentiles};

const CLUSTERS: usize = 5;
const NAMESPACES: usize = 500;
const PODS: usize = 5_000;
const NODES: usize = 50;
const TENANTS: usize = 50;
const PASSES: usize = 10;
const HOURS: usize = 200;
const READS: usize = 50;

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
    invoice(&fleetdeck, &tenants[0]).await
}

/// Writes 10,000 hourly rows of `tenant` (its 50 projects: `team-N` for N a multiple of 50 in
/// each cluster, 200 hours of last month) and times its invoice of that month.
async fn invoice(fleetdeck: &InProcess, tenant: &str) -> anyhow::Result<()> {
    let now = Utc::now();
    let this_month = Utc
        .with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .single()
        .ok_or_else(|| anyhow::anyhow!("no month"))?;
    let start = this_month - TimeDelta::days(20);
    let month = start.format("%Y-%m").to_string();
    let projects = fleetdeck.server.state.store.projects(Some(tenant)).await?;
    let mut rows = 0;
    for c in 0..CLUSTERS {
        let cluster = format!("sim-{c}");
        let namespaces: Vec<MeteredNamespace> = projects
            .iter()
            .filter(|p| p.cluster == cluster)
            .map(|p| MeteredNamespace {
                namespace: p.namespace.clone(),
                tenant_id: Some(p.tenant_id.clone()),
                project_id: Some(p.id.clone()),
                cpu_request: 500,
                cpu_usage: 650,
                cpu_cost: 650,
                memory_request: 1 << 30,
                memory_usage: 1 << 29,
                memory_cost: 1 << 30,
            })
            .collect();
        for h in 0..HOURS {
            let hour = start + TimeDelta::hours(h as i64);
            let write = MeteringWrite {
                cluster: &cluster,
                at: hour,
                hour,
                seconds: 3600,
                namespaces: &namespaces,
                capacity: Capacity::default(),
            };
            fleetdeck.server.state.store.write_metering(&write).await?;
            rows += namespaces.len();
        }
    }
    anyhow::ensure!(rows == 10_000, "{rows} rows");
    let time = |path: String| async move {
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..READS {
            let started = Instant::now();
            let r = fleetdeck
                .http
                .get(format!("{}{path}", fleetdeck.base))
                .bearer_auth(TOKEN)
                .send()
                .await?;
            anyhow::ensure!(r.status() == 200, "{path}: {}", r.status());
            bytes = r.bytes().await?.len();
            times.push(started.elapsed());
        }
        anyhow::Ok((percentiles(times), bytes))
    };
    let ((healthz, _), _) = time("/healthz".into()).await?;
    let ((p50, p99), bytes) = time(format!("/api/invoices/{tenant}?month={month}")).await?;
    println!(
        "GET /api/invoices/{{tenant}}, {rows} usage rows ({} KB): p50 {p50:.1} ms, p99 {p99:.1} ms; /healthz p50 {healthz:.2} ms",
        bytes / 1024
    );
    Ok(())
}
