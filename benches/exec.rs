//! Exec benchmark (`cargo bench --bench exec`): the round trip of one keystroke in a terminal —
//! a character sent to a shell with a tty until its echo comes back — through a release
//! Fleetdeck (its own process, the exec WebSocket of JSON frames) and straight to the simulator
//! (`Api::<Pod>::exec` over kube's WebSocket), in the same run against the same simulated pod.
//! See docs/benchmarks.md.

mod support;

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams};
use kubesim::{Sim, SimConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use support::{Fleetdeck, percentiles};

const TOKEN: &str = "bench-admin-token-0123456789";
const ADDR: &str = "127.0.0.1:18092";
const WARMUP: usize = 50;
const KEYSTROKES: usize = 1000;
const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: shell-0, namespace: default}
spec: {nodeName: node-0, containers: [{name: sh, image: busybox:1.37}]}
status: {phase: Running}
"#;

/// The keystrokes typed: one letter after another, never Enter.
fn key(i: usize) -> char {
    (b'a' + (i % 26) as u8) as char
}

type Socket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// The next stdout text through Fleetdeck.
async fn stdout(socket: &mut Socket) -> anyhow::Result<String> {
    loop {
        let message = socket
            .next()
            .await
            .ok_or_else(|| anyhow::anyhow!("the session closed"))??;
        if let Message::Text(text) = message {
            let frame: Value = serde_json::from_str(text.as_str())?;
            match frame["type"].as_str() {
                Some("stdout") => return Ok(frame["data"].as_str().unwrap_or_default().to_string()),
                Some("ready" | "warning") => continue,
                _ => anyhow::bail!("unexpected frame {frame}"),
            }
        }
    }
}

async fn through_fleetdeck() -> anyhow::Result<Vec<Duration>> {
    let mut request =
        format!("ws://{ADDR}/api/clusters/sim/pods/default/shell-0/exec?tty=true").into_client_request()?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {TOKEN}").parse()?);
    let tcp = tokio::net::TcpStream::connect(ADDR).await?;
    tcp.set_nodelay(true)?;
    let (mut socket, _) = tokio_tungstenite::client_async(request, tcp).await?;
    anyhow::ensure!(stdout(&mut socket).await?.ends_with("# "), "no prompt");
    let mut times = Vec::new();
    for i in 0..WARMUP + KEYSTROKES {
        let typed = key(i).to_string();
        let started = Instant::now();
        let frame = json!({"type": "stdin", "data": typed}).to_string();
        socket.send(Message::Text(frame.into())).await?;
        let echo = stdout(&mut socket).await?;
        anyhow::ensure!(echo == typed, "echo {echo:?} for {typed:?}");
        if i >= WARMUP {
            times.push(started.elapsed());
        }
    }
    Ok(times)
}

async fn straight_to_the_simulator(sim: &Sim) -> anyhow::Result<Vec<Duration>> {
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_for_token(sim.admin_token()))?;
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await?;
    let pods: Api<Pod> = Api::namespaced(kube::Client::try_from(config)?, "default");
    let mut process = pods
        .exec("shell-0", ["/bin/sh"], &AttachParams::interactive_tty())
        .await?;
    let mut stdin = process.stdin().ok_or_else(|| anyhow::anyhow!("no stdin"))?;
    let mut stdout = process.stdout().ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut buf = [0u8; 64];
    let n = stdout.read(&mut buf).await?;
    anyhow::ensure!(buf[..n].ends_with(b"# "), "no prompt");
    let mut times = Vec::new();
    for i in 0..WARMUP + KEYSTROKES {
        let typed = key(i) as u8;
        let started = Instant::now();
        stdin.write_all(&[typed]).await?;
        let n = stdout.read(&mut buf).await?;
        anyhow::ensure!(buf[..n] == [typed], "echo {:?}", &buf[..n]);
        if i >= WARMUP {
            times.push(started.elapsed());
        }
    }
    Ok(times)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sim = Sim::start(SimConfig::default()).await?;
    sim.load_yaml(POD)?;
    let fleetdeck = Fleetdeck::start(ADDR, TOKEN, &[("FLEETDECK_WRITE_ACTIONS_ENABLED", "true")]).await?;
    fleetdeck.register("sim", &sim).await?;

    let (direct_p50, direct_p99) = percentiles(straight_to_the_simulator(&sim).await?);
    println!("one keystroke straight to the simulator (kube exec): p50 {direct_p50:.3} ms, p99 {direct_p99:.3} ms");
    let (p50, p99) = percentiles(through_fleetdeck().await?);
    println!("one keystroke through Fleetdeck (exec WebSocket):   p50 {p50:.3} ms, p99 {p99:.3} ms");
    println!(
        "ratio Fleetdeck / straight: p50 {:.2}×, p99 {:.2}× ({KEYSTROKES} keystrokes each, after {WARMUP} to warm up)",
        p50 / direct_p50,
        p99 / direct_p99
    );
    Ok(())
}
