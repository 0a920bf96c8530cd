//! Inventory benchmark (`cargo bench --bench inventory`): 5 simulated clusters of 10,000 pods in
//! 50 namespaces, a release Fleetdeck in its own process (so its RSS is its own), and:
//! the warm list of all pods at 1 and 16 concurrent clients against `kubectl get pods -A -o json`
//! and a direct `kube::Api::list`; the first page of 100 pods by restarts; RSS and bytes per
//! cached pod; fleet-wide search; the delivery delay of a watch stream fanned out to 200 SSE
//! clients while 100 pod updates a second are written. See docs/benchmarks.md.

mod support;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use kubesim::{Sim, SimConfig};
use serde_json::{Value, json};
use support::{Fleetdeck, ms, percentiles};

const CLUSTERS: usize = 5;
const PODS: usize = 10_000;
const TOKEN: &str = "bench-admin-token-0123456789";
const ADDR: &str = "127.0.0.1:18091";

fn rss_bytes(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmRSS"))?;
    Ok(kb * 1024)
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
    let fleetdeck = Fleetdeck::start(ADDR, TOKEN, &[("FLEETDECK_WATCH_STREAMS_PER_USER", "1000")]).await?;
    let pid = fleetdeck.pid();
    let http = reqwest::Client::new();
    let rss_idle = rss_bytes(pid)?;
    for (i, sim) in sims.iter().enumerate() {
        fleetdeck.register(&format!("sim-{i}"), sim).await?;
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
    // The same while the pods change 100 times a second: each change renders the list anew.
    let names = pod_names(&sims[0], "team-0");
    let stop = AtomicBool::new(false);
    let (written, times) = tokio::join!(write_updates(&sims[0], "team-0", &names, &stop), async {
        let times = timed(&http, &pods(0), 16, 20).await;
        stop.store(true, Ordering::Relaxed);
        times
    });
    let (p50, p99) = percentiles(times?);
    println!(
        "warm list of {PODS} pods, 16 clients, while {} pod updates at {UPDATES_PER_SECOND}/s: p50 {p50:.1} ms, p99 {p99:.1} ms",
        written?
    );
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
    fan_out(&sims[0], pid).await
}

const WATCHERS: usize = 200;
const UPDATES_PER_SECOND: u64 = 100;
const UPDATE_FOR: Duration = Duration::from_secs(20);
const SENT_LABEL: &str = "bench-sent-micros";

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// 200 SSE clients watch one namespace's pods of `sim` (cluster sim-0) while 100 of those pods'
/// updates a second are written to the simulator; each update carries its send time in a label,
/// so each client measures the delay to its `modified` frame. RSS before and after shows whether
/// memory stays flat.
async fn fan_out(sim: &Sim, pid: u32) -> anyhow::Result<()> {
    let namespace = "team-0";
    let path = format!("http://{ADDR}/api/clusters/sim-0/watch/core/v1/pods?namespace={namespace}");
    let delays = Arc::new(std::sync::Mutex::new(Vec::new()));
    let ready = Arc::new(AtomicUsize::new(0));
    let mut watchers = tokio::task::JoinSet::new();
    for _ in 0..WATCHERS {
        let (path, delays, ready) = (path.clone(), delays.clone(), ready.clone());
        watchers.spawn(async move {
            let mut r = reqwest::Client::new().get(&path).bearer_auth(TOKEN).send().await?;
            anyhow::ensure!(r.status() == 200, "watch: {}", r.status());
            let mut buffer = String::new();
            while let Some(chunk) = r.chunk().await? {
                buffer.push_str(std::str::from_utf8(&chunk)?);
                while let Some(end) = buffer.find("\n\n") {
                    let frame: String = buffer.drain(..end + 2).collect();
                    if frame.starts_with("event: snapshot") {
                        ready.fetch_add(1, Ordering::Relaxed);
                    }
                    if !frame.starts_with("event: modified") {
                        continue;
                    }
                    let data = frame.lines().find_map(|l| l.strip_prefix("data: ")).unwrap_or("{}");
                    let row: Value = serde_json::from_str(data)?;
                    if let Some(sent) = row["object"]["labels"][SENT_LABEL]
                        .as_str()
                        .and_then(|s| s.parse::<u64>().ok())
                    {
                        let delay = Duration::from_micros(now_micros().saturating_sub(sent));
                        delays.lock().expect("delays").push(delay);
                    }
                }
            }
            Ok(())
        });
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while ready.load(Ordering::Relaxed) < WATCHERS {
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {} watchers got a snapshot",
            ready.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let names = pod_names(sim, namespace);
    let rss_before = rss_bytes(pid)?;
    let stop = AtomicBool::new(false);
    let (written, ()) = tokio::join!(write_updates(sim, namespace, &names, &stop), async {
        tokio::time::sleep(UPDATE_FOR).await;
        stop.store(true, Ordering::Relaxed);
    });
    let written = written?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = rss_bytes(pid)?;
    watchers.abort_all();
    let delays = std::mem::take(&mut *delays.lock().expect("delays"));
    let delivered = delays.len();
    let (p50, p99) = percentiles(delays);
    println!(
        "watch fan-out, {WATCHERS} SSE clients, {written} pod updates at {UPDATES_PER_SECOND}/s: {delivered} frames of {} delivered, delay p50 {p50:.1} ms, p99 {p99:.1} ms (target p99 < 250 ms); RSS {:.0} MB before, {:.0} MB after",
        written * WATCHERS,
        rss_before as f64 / 1e6,
        rss_after as f64 / 1e6
    );
    Ok(())
}

/// Updates the pods `names` of `namespace` round-robin, UPDATES_PER_SECOND a second, until
/// `stop`; each update writes its send time into a label. Answers how many were written.
async fn write_updates(sim: &Sim, namespace: &str, names: &[String], stop: &AtomicBool) -> anyhow::Result<usize> {
    anyhow::ensure!(!names.is_empty(), "no pods in {namespace}");
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / UPDATES_PER_SECOND));
    let mut written = 0usize;
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        let name = &names[written % names.len()];
        let mut pod = sim.get("v1", "Pod", namespace, name).expect("the pod is there");
        pod["metadata"]["labels"][SENT_LABEL] = json!(now_micros().to_string());
        sim.create_or_update(pod)
            .map_err(|e| anyhow::anyhow!("updating {name}: {e:?}"))?;
        written += 1;
    }
    Ok(written)
}

/// The pods of `namespace` in sim-0 (generated with seed 1, as `main` loaded it).
fn pod_names(sim: &Sim, namespace: &str) -> Vec<String> {
    kubesim::generate::cluster(5, PODS, 50, 1)
        .into_iter()
        .filter(|o| o["kind"] == "Pod" && o["metadata"]["namespace"] == namespace)
        .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_string))
        .filter(|n| sim.get("v1", "Pod", namespace, n).is_some())
        .collect()
}
