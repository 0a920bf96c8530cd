//! The kubelet's `/stats/summary` as the apiserver's node proxy serves it
//! (`GET /api/v1/nodes/{node}/proxy/stats/summary`, what `kubectl get --raw` shows): per node,
//! its running pods and, of their volumes, those backed by a PersistentVolumeClaim whose usage
//! was set with `Sim::set_volume_usage` (`usedBytes`, `capacityBytes`, `availableBytes`,
//! `pvcRef`). Computed on every read from the stored pods, so a test scripts a filling volume
//! by setting its usage between reads.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::discovery;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::status::{ApiError, ApiResult};
use crate::store::{Store, now_rfc3339};

/// Bytes used and capacity of a claim's volume, by (namespace, claim).
pub type VolumeUsage = HashMap<(String, String), (u64, u64)>;

fn ready(node: &Value) -> bool {
    node["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// The summary of `node`: 404 for a node that does not exist, 503 (the proxy's dial error) for
/// one whose kubelet is not Ready.
pub fn summary(store: &Store, usage: &VolumeUsage, node: &str) -> ApiResult<Value> {
    let nodes = discovery::find("", "v1", "nodes").expect("registered");
    let n = store.get(nodes, "", node)?;
    if !ready(&n) {
        return Err(ApiError::from_code(
            503,
            format!("error trying to reach service: dial tcp {node}:10250: connect: connection refused"),
        ));
    }
    let now = now_rfc3339();
    let pods = discovery::find("", "v1", "pods").expect("registered");
    let everything = (LabelSelector::default(), FieldSelector::default());
    let mut items = Vec::new();
    for (_, pod) in store.select(pods, None, &everything.0, &everything.1) {
        if pod["spec"]["nodeName"] != node || pod["status"]["phase"] != "Running" {
            continue;
        }
        let namespace = pod["metadata"]["namespace"].as_str().unwrap_or_default();
        let volumes: Vec<Value> = pod["spec"]["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| {
                let claim = v["persistentVolumeClaim"]["claimName"].as_str()?;
                let (used, capacity) = usage.get(&(namespace.to_string(), claim.to_string()))?;
                Some(json!({
                    "time": now,
                    "availableBytes": capacity.saturating_sub(*used),
                    "capacityBytes": capacity,
                    "usedBytes": used,
                    "name": v["name"],
                    "pvcRef": {"name": claim, "namespace": namespace},
                }))
            })
            .collect();
        let mut item = json!({
            "podRef": {"name": pod["metadata"]["name"], "namespace": namespace, "uid": pod["metadata"]["uid"]},
            "startTime": pod["status"]["startTime"],
            "containers": [],
        });
        if !volumes.is_empty() {
            item["volume"] = json!(volumes);
        }
        items.push(item);
    }
    Ok(json!({
        "node": {"nodeName": node, "systemContainers": [], "startTime": n["metadata"]["creationTimestamp"]},
        "pods": items,
    }))
}
