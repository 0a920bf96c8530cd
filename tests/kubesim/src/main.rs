//! `kubesim` as a process, for demos and benchmarks:
//! `cargo run -p kubesim -- --fixtures FILE --port N --write-kubeconfig PATH`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use kubesim::{Sim, SimConfig};

#[derive(Parser, Debug)]
#[command(name = "kubesim", about = "A Kubernetes API simulator")]
struct Args {
    /// Multi-document YAML of objects (and kubesim Token/Rule documents) to load, as
    /// `kubectl apply -f` would: existing objects are updated.
    #[arg(long)]
    fixtures: Vec<PathBuf>,
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Write an admin kubeconfig (one context, `kubesim`) to this path.
    #[arg(long)]
    write_kubeconfig: Option<PathBuf>,
    /// The admin bearer token; random when not given.
    #[arg(long, env = "KUBESIM_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// The version `/version` reports.
    #[arg(long, default_value = "v1.33.1")]
    kube_version: String,
    /// Serve plain HTTP instead of HTTPS (kubectl then sends no token).
    #[arg(long)]
    insecure_http: bool,
    /// Generate a cluster: NODES,PODS,NAMESPACES (e.g. 5,10000,50).
    #[arg(long, value_name = "NODES,PODS,NAMESPACES")]
    generate: Option<String>,
    /// Seed for --generate.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Serve no metrics.k8s.io, as a cluster without metrics-server (`kubectl top` fails).
    #[arg(long)]
    no_metrics: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args = Args::parse();
    let sim = Sim::start(SimConfig {
        git_version: args.kube_version.clone(),
        tls: !args.insecure_http,
        port: args.port,
        admin_token: args.admin_token.clone(),
        metrics: !args.no_metrics,
        ..SimConfig::default()
    })
    .await?;
    for path in &args.fixtures {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let n = sim
            .load_yaml(&text)
            .with_context(|| format!("loading {}", path.display()))?;
        tracing::info!(file = %path.display(), objects = n, "fixtures loaded");
    }
    if let Some(spec) = &args.generate {
        let nums: Vec<usize> = spec
            .split(',')
            .map(|s| s.trim().parse())
            .collect::<Result<_, _>>()
            .context("--generate wants NODES,PODS,NAMESPACES")?;
        let [nodes, pods, namespaces] = nums[..] else {
            anyhow::bail!("--generate wants NODES,PODS,NAMESPACES");
        };
        let n = sim.load_objects(kubesim::generate::cluster(nodes, pods, namespaces, args.seed))?;
        tracing::info!(objects = n, "cluster generated");
    }
    if let Some(path) = &args.write_kubeconfig {
        sim.write_kubeconfig(path)
            .with_context(|| format!("writing {}", path.display()))?;
        tracing::info!(path = %path.display(), "kubeconfig written");
    }
    tracing::info!(url = %sim.url(), "kubesim serving");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
