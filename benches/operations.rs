//! Operations benchmark (`cargo bench --bench operations`): a Fleetdeck in this process against a
//! simulated cluster in `impersonate` mode, and
//! - `POST /api/clusters/{c}/can-i` with 64 checks: cold (every check new, so 64 access reviews
//!   go to the apiserver as the caller) and warm (the same 64 again, answered from the 30 s
//!   cache), p50 and p99;
//! - the drain of a node with 100 pods, end to end (cordon, 100 evictions, every pod gone),
//!   through Fleetdeck's SSE route against `kubectl drain` straight to the simulator.
//!
//! See docs/benchmarks.md.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use fleetdeck::auth::{BootstrapToken, Role};
use fleetdeck::config::Settings;
use fleetdeck::kube::secret_box::SecretKey;
use fleetdeck::server::Server;
use kubesim::auth::Rule;
use kubesim::{Sim, SimConfig};
use serde_json::{Value, json};
use support::{ms, percentiles};

const TOKEN: &str = "bench-operator-token-0123456789";
const ADMIN: &str = "bench-admin-token-0123456789";
const PODS: usize = 100;
const ROUNDS: usize = 50;

/// A node with `PODS` pods of one ReplicaSet.
fn node_with_pods(node: &str) -> Vec<Value> {
    let mut objects = vec![json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": node},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}})];
    objects.extend((0..PODS).map(|i| {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("{node}-pod-{i}"), "namespace": "bench", "labels": {"app": "bench"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "bench", "uid": "rs-bench", "controller": true}]},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}})
    }));
    objects
}

async fn drain_through_fleetdeck(http: &reqwest::Client, base: &str, node: &str) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let url = format!("{base}/api/clusters/sim/resources/core/v1/nodes/{node}/drain");
    let body = http
        .post(url)
        .bearer_auth(TOKEN)
        .json(&json!({}))
        .send()
        .await?
        .text()
        .await?;
    let elapsed = started.elapsed();
    let done = body
        .split("\n\n")
        .find(|e| e.starts_with("event: done"))
        .ok_or_else(|| anyhow::anyhow!("no done: {body}"))?;
    let summary: Value = serde_json::from_str(done.lines().nth(1).unwrap_or_default().trim_start_matches("data: "))?;
    anyhow::ensure!(summary["evicted"] == PODS, "{summary}");
    Ok(elapsed)
}

fn drain_with_kubectl(kubeconfig: &std::path::Path, node: &str) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let out = Command::new("kubectl")
        .args([
            "--kubeconfig",
            kubeconfig.to_str().unwrap_or_default(),
            "drain",
            node,
            "--ignore-daemonsets",
            "--timeout=120s",
        ])
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "kubectl drain: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(started.elapsed())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sim = Sim::start(SimConfig::default()).await?;
    sim.load_yaml("apiVersion: v1\nkind: Namespace\nmetadata: {name: bench}\n")?;
    // The operator may do everything in the simulator, as the drain needs; reviews still go out.
    sim.add_rule(Rule::group("fleetdeck:operators", &["*"], &["*"], &["*"], &[]));
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::with_database(&format!("sqlite://{}", dir.path().join("bench.db").display()));
    settings.addr = "127.0.0.1:0".parse()?;
    settings.kubeconfig = vec![];
    settings.write_actions_enabled = true;
    settings.secret_key = Some(SecretKey::from_base64(&STANDARD.encode([7u8; 32])).map_err(anyhow::Error::msg)?);
    settings.auth_tokens = vec![
        BootstrapToken::new("bench", Role::Operator, TOKEN),
        BootstrapToken::new("admin", Role::Admin, ADMIN),
    ];
    let server = Server::start(settings).await?;
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::new();
    let register = json!({"name": "sim", "environment": "prod", "server": sim.url(), "token": sim.admin_token(),
        "authzMode": "impersonate", "certificateAuthorityData": STANDARD.encode(sim.ca_pem().unwrap_or_default())});
    let r = http
        .post(format!("{base}/api/clusters"))
        .bearer_auth(ADMIN)
        .json(&register)
        .send()
        .await?;
    anyhow::ensure!(r.status() == 201, "registering: {}", r.text().await?);

    // can-i: 64 checks a call; cold rounds ask about names never asked before.
    let checks = |round: usize| -> Value {
        let checks: Vec<Value> = (0..64)
            .map(|i| json!({"verb": "delete", "group": "", "resource": "pods", "namespace": "bench", "name": format!("p-{round}-{i}")}))
            .collect();
        json!({"checks": checks})
    };
    let url = format!("{base}/api/clusters/sim/can-i");
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for round in 0..ROUNDS {
        for times in [&mut cold, &mut warm] {
            let started = Instant::now();
            let answer: Value = http
                .post(&url)
                .bearer_auth(TOKEN)
                .json(&checks(round))
                .send()
                .await?
                .json()
                .await?;
            times.push(started.elapsed());
            anyhow::ensure!(
                answer["results"]
                    .as_array()
                    .is_some_and(|r| r.len() == 64 && r.iter().all(|v| v["allowed"] == true)),
                "{answer}"
            );
        }
    }
    let (c50, c99) = percentiles(cold);
    let (w50, w99) = percentiles(warm);
    println!(
        "can-i, 64 checks, {ROUNDS} calls each: cold p50 {c50:.1} ms p99 {c99:.1} ms; warm p50 {w50:.2} ms p99 {w99:.2} ms ({:.0}x)",
        c99 / w99
    );

    // Drains: three rounds each way, a fresh node of 100 pods each time.
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, sim.kubeconfig_for_token(sim.admin_token()))?;
    for round in 0..3 {
        let ours = format!("fd-{round}");
        sim.load_objects(node_with_pods(&ours))?;
        let through = drain_through_fleetdeck(&http, &base, &ours).await?;
        let theirs = format!("kc-{round}");
        sim.load_objects(node_with_pods(&theirs))?;
        let path = kubeconfig.clone();
        let direct = tokio::task::spawn_blocking(move || drain_with_kubectl(&path, &theirs)).await??;
        println!(
            "drain of {PODS} pods, round {round}: Fleetdeck {:.0} ms, kubectl drain {:.0} ms ({:.2}x)",
            ms(through),
            ms(direct),
            through.as_secs_f64() / direct.as_secs_f64()
        );
    }
    server.shutdown().await?;
    Ok(())
}
