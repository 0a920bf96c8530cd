//! metrics.k8s.io (metrics-server's API): the usage lists the sampler and the metering read,
//! typed to the fields they use.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::discovery::ResourceInfo;

pub const GROUP: &str = "metrics.k8s.io";

/// The served metrics.k8s.io version, when the cluster serves one.
pub fn served(resources: &[ResourceInfo]) -> Option<&ResourceInfo> {
    resources.iter().find(|r| r.group == GROUP && r.preferred)
}

/// The items of a metrics.k8s.io list (`pods` or `nodes`) of version `info`.
pub async fn list<T: DeserializeOwned>(
    client: &kube::Client,
    info: &ResourceInfo,
    resource: &str,
) -> anyhow::Result<Vec<T>> {
    let request = axum::http::Request::get(format!("/apis/{GROUP}/{}/{resource}", info.version)).body(Vec::new())?;
    let list: MetricsList<T> = client.request(request).await?;
    Ok(list.items)
}

/// A metrics.k8s.io list. Its items are read into the few fields readers use: a generic JSON
/// tree of 10,000 PodMetrics costs more to build than a sampling pass itself.
#[derive(Debug, Deserialize)]
struct MetricsList<T> {
    items: Vec<T>,
}

#[derive(Debug, Default, Deserialize)]
pub struct MetricsMeta {
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub name: String,
}

/// CPU and memory quantities as metrics-server prints them (`12345678n`, `20Mi`).
#[derive(Debug, Default, Deserialize)]
pub struct Usage {
    #[serde(default)]
    pub cpu: String,
    #[serde(default)]
    pub memory: String,
}

#[derive(Debug, Deserialize)]
pub struct ContainerMetrics {
    pub name: String,
    #[serde(default)]
    pub usage: Usage,
}

/// A PodMetrics item: its containers' usage.
#[derive(Debug, Deserialize)]
pub struct PodMetrics {
    pub metadata: MetricsMeta,
    #[serde(default)]
    pub containers: Vec<ContainerMetrics>,
}

/// A NodeMetrics item: the node's usage.
#[derive(Debug, Deserialize)]
pub struct NodeMetrics {
    pub metadata: MetricsMeta,
    #[serde(default)]
    pub usage: Usage,
}
