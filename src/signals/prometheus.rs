//! Prometheus as the source of SLO availability and rightsizing usage (`FLEETDECK_PROMETHEUS_URL`):
//! instant queries of its HTTP API (`GET /api/v1/query`) through the outbound client (the SSRF
//! guard, no redirects, a timeout), with `Authorization: Bearer` when a token is set. Series are
//! kube-state-metrics' and cAdvisor's, grouped by the cluster label; the answers are folded into
//! the shapes the store's sums have (`ReadinessTotals`, `CpuLevel`, `ContainerPeak`), so the
//! evaluator's math is the same for either source. Errors never carry the token.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde::Deserialize;

use super::outbound::client::{ClientSettings, Guard, OutboundClient, SendError, SystemLookup};
use super::outbound::ssrf::AllowList;
use crate::store::workload_signals::{ContainerPeak, CpuLevel, ReadinessTotals, WindowSums, WorkloadName};

/// The most of an answer that is read: 64 MiB (a vector per container of a large fleet).
const BODY_CAP: usize = 64 << 20;

/// A workload kind's kube-state-metrics series.
struct KindSeries {
    kind: &'static str,
    /// The label naming the workload.
    label: &'static str,
    ready: &'static str,
    desired: &'static str,
}

const KINDS: [KindSeries; 3] = [
    KindSeries {
        kind: "Deployment",
        label: "deployment",
        ready: "kube_deployment_status_replicas_available",
        desired: "kube_deployment_spec_replicas",
    },
    KindSeries {
        kind: "StatefulSet",
        label: "statefulset",
        ready: "kube_statefulset_status_replicas_ready",
        desired: "kube_statefulset_replicas",
    },
    KindSeries {
        kind: "DaemonSet",
        label: "daemonset",
        ready: "kube_daemonset_status_number_ready",
        desired: "kube_daemonset_status_desired_number_scheduled",
    },
];

/// Why a query has no answer.
#[derive(Debug)]
pub enum QueryError {
    /// Not sent: the SSRF guard refused, or the client could not be built.
    Refused(String),
    /// No connection, or no answer within FLEETDECK_PROMETHEUS_TIMEOUT.
    Unreachable(String),
    /// A non-2xx status without Prometheus's error.
    Status(u16),
    /// Prometheus's own error (`errorType`, `error`).
    Prometheus { error_type: String, error: String },
    /// An answer that is not an instant vector.
    Invalid(String),
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryError::Refused(m) => write!(f, "prometheus refused: {m}"),
            QueryError::Unreachable(m) => write!(f, "prometheus unreachable: {m}"),
            QueryError::Status(s) => write!(f, "prometheus answered status {s}"),
            QueryError::Prometheus { error_type, error } => write!(f, "prometheus error {error_type}: {error}"),
            QueryError::Invalid(m) => write!(f, "prometheus answer invalid: {m}"),
        }
    }
}

impl std::error::Error for QueryError {}

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: HashMap<String, String>,
    pub value: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    status: String,
    data: Option<AnswerData>,
    error_type: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AnswerData {
    result_type: String,
    result: Vec<VectorElement>,
}

#[derive(Deserialize)]
struct VectorElement {
    metric: HashMap<String, String>,
    /// (unix seconds, the value as a string).
    value: (f64, String),
}

/// An instant query's answer: its vector's elements with finite values, or why not.
pub fn parse_answer(status: u16, body: &[u8]) -> Result<Vec<Sample>, QueryError> {
    let answer: Answer = match serde_json::from_slice(body) {
        Ok(a) => a,
        Err(_) if !(200..300).contains(&status) => return Err(QueryError::Status(status)),
        Err(e) => return Err(QueryError::Invalid(e.to_string())),
    };
    if answer.status != "success" {
        return Err(QueryError::Prometheus {
            error_type: answer.error_type.unwrap_or_default(),
            error: answer.error.unwrap_or_default(),
        });
    }
    let data = answer.data.ok_or_else(|| QueryError::Invalid("no data".into()))?;
    if data.result_type != "vector" {
        return Err(QueryError::Invalid(format!(
            "a {} instead of a vector",
            data.result_type
        )));
    }
    Ok(data
        .result
        .into_iter()
        .filter_map(|e| {
            let value: f64 = e.value.1.parse().ok()?;
            value.is_finite().then_some(Sample {
                labels: e.metric,
                value,
            })
        })
        .collect())
}

/// A workload's container over its pods: the highest 95th percentile of CPU (millicores) and
/// memory peak, their samples summed and the earliest first sample (Unix seconds).
#[derive(Default)]
struct PodsUsage {
    p95: i64,
    peak: i64,
    samples: i64,
    first: Option<i64>,
}

/// A Prometheus to query.
pub struct Prometheus {
    client: OutboundClient,
    url: String,
    token: Option<String>,
    cluster_label: String,
}

/// A sample's label, or "".
fn label<'a>(s: &'a Sample, name: &str) -> &'a str {
    s.labels.get(name).map_or("", String::as_str)
}

/// PromQL's range of `seconds`.
fn range(seconds: i64) -> String {
    format!("{}s", seconds.max(1))
}

/// Where Prometheus is and how to ask it (from `FLEETDECK_PROMETHEUS_*`).
pub struct Endpoint<'a> {
    /// The base URL without a trailing `/`.
    pub url: &'a str,
    pub token: Option<&'a str>,
    pub cluster_label: &'a str,
    pub timeout: std::time::Duration,
}

impl Prometheus {
    pub fn new(settings: &Endpoint<'_>, allow: &AllowList) -> Result<Prometheus, QueryError> {
        let client = OutboundClient::new(
            Guard::new(allow.clone(), Arc::new(SystemLookup)),
            ClientSettings {
                timeout: settings.timeout,
                body_cap: BODY_CAP,
            },
        )
        .map_err(|e| QueryError::Refused(e.to_string()))?;
        Ok(Prometheus {
            client,
            url: settings.url.to_string(),
            token: settings.token.map(str::to_string),
            cluster_label: settings.cluster_label.to_string(),
        })
    }

    /// The instant query `promql` at `at`.
    pub async fn query(&self, promql: &str, at: DateTime<Utc>) -> Result<Vec<Sample>, QueryError> {
        let mut url = reqwest::Url::parse(&format!("{}/api/v1/query", self.url))
            .map_err(|e| QueryError::Refused(e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("query", promql)
            .append_pair("time", &at.timestamp().to_string());
        let mut headers = HeaderMap::new();
        if let Some(token) = &self.token {
            let mut bearer = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| QueryError::Refused("the token is not a valid header value".into()))?;
            bearer.set_sensitive(true);
            headers.insert(AUTHORIZATION, bearer);
        }
        let answer = self.client.get(url.as_str(), headers).await.map_err(|e| match e {
            SendError::Refused(r) => QueryError::Refused(r.to_string()),
            SendError::Timeout => QueryError::Unreachable("timed out".into()),
            SendError::Connect(m) | SendError::Other(m) => QueryError::Unreachable(m),
        })?;
        parse_answer(answer.status.as_u16(), &answer.body)
    }

    /// `query`, each element keyed by its cluster and the values of `labels`.
    async fn by(
        &self,
        promql: &str,
        labels: &[&str],
        at: DateTime<Utc>,
    ) -> Result<HashMap<(String, Vec<String>), f64>, QueryError> {
        Ok(self
            .query(promql, at)
            .await?
            .iter()
            .map(|s| {
                let key = labels.iter().map(|l| label(s, l).to_string()).collect();
                ((label(s, &self.cluster_label).to_string(), key), s.value)
            })
            .collect())
    }

    /// Per cluster and workload, Σ ready, Σ desired and the number of desired samples over the
    /// last `seconds` of each range before `now` (the store's `readiness_totals`, from
    /// kube-state-metrics), and the newest desired sample when it is within the lookback.
    pub async fn readiness_totals(
        &self,
        now: DateTime<Utc>,
        ranges: &[i64],
    ) -> Result<HashMap<String, Vec<ReadinessTotals>>, QueryError> {
        let c = &self.cluster_label;
        let mut totals: HashMap<String, Vec<ReadinessTotals>> = HashMap::new();
        for k in &KINDS {
            let group = format!("{c}, namespace, {}", k.label);
            let labels = ["namespace", k.label];
            let mut workloads: HashMap<(String, Vec<String>), ReadinessTotals> = HashMap::new();
            for (i, seconds) in ranges.iter().enumerate() {
                let r = range(*seconds);
                let ready = self
                    .by(
                        &format!("sum by ({group}) (sum_over_time({}[{r}]))", k.ready),
                        &labels,
                        now,
                    )
                    .await?;
                let desired = self
                    .by(
                        &format!("sum by ({group}) (sum_over_time({}[{r}]))", k.desired),
                        &labels,
                        now,
                    )
                    .await?;
                let samples = self
                    .by(
                        &format!("sum by ({group}) (count_over_time({}[{r}]))", k.desired),
                        &labels,
                        now,
                    )
                    .await?;
                for (key, desired) in desired {
                    let w = workloads.entry(key.clone()).or_insert_with(|| ReadinessTotals {
                        workload: (key.1[0].clone(), k.kind.to_string(), key.1[1].clone()),
                        windows: vec![WindowSums::default(); ranges.len()],
                        last_at: None,
                    });
                    w.windows[i] = WindowSums {
                        desired: desired.round() as i64,
                        ready: ready.get(&key).map_or(0, |r| r.round() as i64),
                        samples: samples.get(&key).map_or(0, |n| n.round() as i64),
                    };
                }
            }
            let newest = self
                .by(&format!("max by ({group}) (timestamp({}))", k.desired), &labels, now)
                .await?;
            for (key, mut w) in workloads {
                w.last_at = newest.get(&key).and_then(|t| DateTime::from_timestamp(*t as i64, 0));
                totals.entry(key.0).or_default().push(w);
            }
        }
        Ok(totals)
    }

    /// Per cluster, its workloads' containers' CPU (the 95th percentile of the 5-minute rate)
    /// and memory (peak working set) over the `history` seconds before `now`, from cAdvisor, as
    /// the store's `container_usage` has them: a workload's container gets the highest of its
    /// pods' percentiles and peaks (KRR's simple strategy), their samples summed, and the span
    /// from its oldest pod's first sample to `now`. Pods map to workloads by kube-state-metrics'
    /// owners over the same history (ReplicaSets to their Deployments), so pods gone since count.
    pub async fn container_usage(
        &self,
        now: DateTime<Utc>,
        history: i64,
    ) -> Result<HashMap<String, (Vec<CpuLevel>, Vec<ContainerPeak>)>, QueryError> {
        let c = &self.cluster_label;
        let h = range(history);
        let group = format!("{c}, namespace, pod, container");
        let labels = ["namespace", "pod", "container"];
        let cpu = self
            .by(
                &format!(
                    "quantile_over_time(0.95, max by ({group}) (rate(container_cpu_usage_seconds_total{{container!=\"\"}}[5m]))[{h}:5m])"
                ),
                &labels,
                now,
            )
            .await?;
        let memory = self
            .by(
                &format!(
                    "max by ({group}) (max_over_time(container_memory_working_set_bytes{{container!=\"\"}}[{h}]))"
                ),
                &labels,
                now,
            )
            .await?;
        let samples = self
            .by(
                &format!(
                    "sum by ({group}) (count_over_time(container_memory_working_set_bytes{{container!=\"\"}}[{h}]))"
                ),
                &labels,
                now,
            )
            .await?;
        let first = self
            .by(
                &format!(
                    "min by ({group}) (min_over_time(timestamp(container_memory_working_set_bytes{{container!=\"\"}})[{h}:5m]))"
                ),
                &labels,
                now,
            )
            .await?;
        let pod_owners = self
            .by(
                &format!("max by ({c}, namespace, pod, owner_kind, owner_name) (max_over_time(kube_pod_owner[{h}]))"),
                &["namespace", "pod", "owner_kind", "owner_name"],
                now,
            )
            .await?;
        let replicaset_owners = self
            .by(
                &format!(
                    "max by ({c}, namespace, replicaset, owner_name) (max_over_time(kube_replicaset_owner{{owner_kind=\"Deployment\"}}[{h}]))"
                ),
                &["namespace", "replicaset", "owner_name"],
                now,
            )
            .await?;
        // (cluster, namespace, replicaset) → Deployment.
        let deployments: HashMap<(String, String, String), String> = replicaset_owners
            .into_keys()
            .map(|(cluster, l)| ((cluster, l[0].clone(), l[1].clone()), l[2].clone()))
            .collect();
        // (cluster, namespace, pod) → (kind, name).
        let mut owners: HashMap<(String, String, String), (String, String)> = HashMap::new();
        for (cluster, l) in pod_owners.into_keys() {
            let (namespace, pod, kind, name) = (&l[0], &l[1], l[2].as_str(), &l[3]);
            let owner = match kind {
                "ReplicaSet" => deployments
                    .get(&(cluster.clone(), namespace.clone(), name.clone()))
                    .map(|d| ("Deployment".to_string(), d.clone())),
                "StatefulSet" | "DaemonSet" => Some((kind.to_string(), name.clone())),
                _ => None,
            };
            if let Some(owner) = owner {
                owners.insert((cluster, namespace.clone(), pod.clone()), owner);
            }
        }
        let mut containers: HashMap<(String, WorkloadName, String), PodsUsage> = HashMap::new();
        for ((cluster, l), peak) in &memory {
            let Some((kind, name)) = owners.get(&(cluster.clone(), l[0].clone(), l[1].clone())) else {
                continue;
            };
            let key = (cluster.clone(), l.clone());
            let p95 = cpu.get(&key).map_or(0, |v| (v * 1000.0).round() as i64);
            let n = samples.get(&key).map_or(0, |n| n.round() as i64);
            let since = first.get(&key).map_or(now.timestamp(), |t| *t as i64);
            let workload = (l[0].clone(), kind.clone(), name.clone());
            let u = containers.entry((cluster.clone(), workload, l[2].clone())).or_default();
            u.p95 = u.p95.max(p95);
            u.peak = u.peak.max(peak.round() as i64);
            u.samples += n;
            u.first = Some(u.first.map_or(since, |f| f.min(since)));
        }
        let mut usage: HashMap<String, (Vec<CpuLevel>, Vec<ContainerPeak>)> = HashMap::new();
        for ((cluster, workload, container), u) in containers {
            let (levels, peaks) = usage.entry(cluster).or_default();
            levels.push(CpuLevel {
                workload: workload.clone(),
                container: container.clone(),
                millicores: u.p95,
                samples: u.samples,
            });
            peaks.push(ContainerPeak {
                workload,
                container,
                memory_peak: u.peak,
                samples: u.samples,
                first_at: u.first.and_then(|f| DateTime::from_timestamp(f, 0)).unwrap_or(now),
                last_at: now,
            });
        }
        Ok(usage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_vectors_or_clear_errors() {
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"cluster":"a","namespace":"n"},"value":[1700000000.5,"2.5"]},
            {"metric":{},"value":[1700000000,"NaN"]}]}}"#;
        let samples = parse_answer(200, body).unwrap();
        assert_eq!(samples.len(), 1, "NaN is dropped");
        assert_eq!((label(&samples[0], "cluster"), samples[0].value), ("a", 2.5));

        let error = br#"{"status":"error","errorType":"bad_data","error":"parse error at char 3"}"#;
        assert_eq!(
            parse_answer(400, error).unwrap_err().to_string(),
            "prometheus error bad_data: parse error at char 3"
        );
        assert_eq!(
            parse_answer(502, b"<html>").unwrap_err().to_string(),
            "prometheus answered status 502"
        );
        assert!(matches!(parse_answer(200, b"{"), Err(QueryError::Invalid(_))));
        let matrix = br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        assert!(matches!(parse_answer(200, matrix), Err(QueryError::Invalid(_))));
    }
}
