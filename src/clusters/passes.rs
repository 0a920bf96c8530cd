//! Leader passes over every registered cluster (the sampler, the metering): a few clusters at
//! once, each with what the pass kept of it last time.

use std::collections::HashMap;

use futures::StreamExt;

use crate::AppState;
use crate::store::clusters::ClusterRow;

/// Clusters passed over at once.
const CLUSTERS_AT_ONCE: usize = 8;

/// Runs `pass` over every registered cluster with what it kept of that cluster (the default for
/// a cluster it has not seen), keeps what each pass hands back, and drops what it kept of clusters
/// no longer registered. Each cluster's outcome.
pub async fn each<K, T, F, Fut>(
    state: &AppState,
    kept: &mut HashMap<String, K>,
    pass: F,
) -> Vec<(String, anyhow::Result<T>)>
where
    K: Default,
    F: Fn(ClusterRow, K) -> Fut,
    Fut: Future<Output = (ClusterRow, K, anyhow::Result<T>)>,
{
    let clusters = match state.store.list_clusters().await {
        Ok(c) => c,
        Err(e) => return vec![(String::new(), Err(e.into()))],
    };
    let mut before = std::mem::take(kept);
    let outcomes: Vec<(ClusterRow, K, anyhow::Result<T>)> = futures::stream::iter(clusters)
        .map(|c| {
            let k = before.remove(&c.name).unwrap_or_default();
            pass(c, k)
        })
        .buffer_unordered(CLUSTERS_AT_ONCE)
        .collect()
        .await;
    outcomes
        .into_iter()
        .map(|(cluster, k, outcome)| {
            kept.insert(cluster.name.clone(), k);
            (cluster.name, outcome)
        })
        .collect()
}
