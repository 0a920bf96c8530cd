//! Fleet fan-out benchmark (`cargo bench --bench fleet`): 50 simulated clusters, one unreachable
//! and one answering after 5 s; `GET /api/fleet` is timed for 20 callers (each a new identity,
//! so no answer is cached) and the status counts are checked. See docs/benchmarks.md.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use fleetdeck::auth::{BootstrapToken, Role};
use fleetdeck::config::Settings;
use fleetdeck::kube::secret_box::SecretKey;
use fleetdeck::server::Server;
use kubesim::{Sim, SimConfig};
use serde_json::{Value, json};

const CLUSTERS: usize = 50;
const CALLERS: usize = 20;

fn quiet_cluster(nodes: usize, pods: usize) -> Vec<Value> {
    let mut objects = Vec::new();
    for n in 0..nodes {
        objects.push(json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": format!("node-{n}")},
            "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.33.1"}}}));
    }
    for p in 0..pods {
        objects.push(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": format!("app-{p}"), "namespace": "default"},
            "spec": {"nodeName": format!("node-{}", p % nodes), "containers": [{"name": "app", "image": "nginx"}]},
            "status": {"phase": "Running"}}),
        );
    }
    objects
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut sims = Vec::new();
    for _ in 0..CLUSTERS {
        let sim = Sim::start(SimConfig::default()).await?;
        sim.load_objects(quiet_cluster(3, 40))?;
        sims.push(sim);
    }
    sims[0].set_unreachable(true);
    sims[1].set_latency(Duration::from_secs(5));

    let dir = tempfile::tempdir()?;
    let mut settings = Settings::with_database(&format!("sqlite://{}", dir.path().join("bench.db").display()));
    settings.addr = "127.0.0.1:0".parse()?;
    settings.kubeconfig = vec![];
    settings.secret_key = Some(SecretKey::from_base64(&STANDARD.encode([5u8; 32])).map_err(anyhow::Error::msg)?);
    settings.auth_tokens = (0..=CALLERS)
        .map(|i| {
            let role = if i == 0 { Role::Admin } else { Role::Viewer };
            BootstrapToken::new(&format!("caller-{i}"), role, &format!("bench-token-{i:04}-0123456789"))
        })
        .collect();
    let server = Server::start(settings).await?;
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::new();
    for (i, sim) in sims.iter().enumerate() {
        let body = json!({"name": format!("sim-{i:02}"), "environment": "prod", "server": sim.url(),
            "token": sim.admin_token(), "certificateAuthorityData": STANDARD.encode(sim.ca_pem().unwrap_or_default())});
        let r = http
            .post(format!("{base}/api/clusters?skipVerify=true"))
            .bearer_auth("bench-token-0000-0123456789")
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(r.status() == 201, "registering sim-{i:02}: {}", r.text().await?);
    }

    let mut times = Vec::new();
    for i in 1..=CALLERS {
        let started = Instant::now();
        let fleet: Value = http
            .get(format!("{base}/api/fleet"))
            .bearer_auth(format!("bench-token-{i:04}-0123456789"))
            .send()
            .await?
            .json()
            .await?;
        times.push(started.elapsed());
        let by_status = &fleet["rollup"]["byStatus"];
        anyhow::ensure!(
            by_status == &json!({"healthy": 48, "unreachable": 2}),
            "caller {i}: {by_status}"
        );
        let code = |name: &str| {
            fleet["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["name"] == name)
                .unwrap()["error"]["code"]
                .clone()
        };
        anyhow::ensure!(code("sim-00") == json!("apiserver_unreachable") && code("sim-01") == json!("timeout"));
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!("fleet of {CLUSTERS} clusters (1 unreachable, 1 answering after 5 s), {CALLERS} uncached calls:");
    println!(
        "  min {:.0} ms, p50 {:.0} ms, p90 {:.0} ms, max {:.0} ms; every call: 48 healthy, 2 unreachable",
        ms(times[0]),
        ms(pick(0.5)),
        ms(pick(0.9)),
        ms(times[times.len() - 1])
    );
    server.shutdown().await?;
    Ok(())
}
