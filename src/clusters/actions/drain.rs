//! A node's drain, as `kubectl drain` does it: cordon, then evict every pod the plan names
//! through the Eviction API (so PodDisruptionBudgets are honoured), retrying refused evictions
//! until the drain's timeout, and wait for the pods to go. Progress goes out as `DrainFrame`s on
//! a channel (the inventory streams them as Server-Sent Events); the drain runs to its end even
//! if nobody listens. Everything is done as the caller on `impersonate` clusters.

use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::api::{Api, DeleteParams, EvictParams, ListParams};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;
use utoipa::ToSchema;

use super::kube_error;
use crate::audit::Finished;
use crate::audit::model::Outcome;
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiResult};
use crate::inventory::drain_plan::{self, DrainPod, DrainPreview, PodAction};

/// Evictions in flight at once.
const EVICTIONS_AT_ONCE: usize = 32;
/// How long to wait before asking again after a budget refused an eviction (kubectl's 5 s).
const RETRY_EVERY: Duration = Duration::from_secs(5);
/// How often to look whether an evicted pod has gone.
const GONE_POLL: Duration = Duration::from_millis(500);

/// One pod's end in a drain.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PodOutcome {
    pub namespace: String,
    pub name: String,
    /// Why it failed: `kube_<reason>`, `timeout` or `still_terminating`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The last frame of a drain.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DrainSummary {
    pub node: String,
    pub evicted: usize,
    /// Every pod that could not be evicted, with why.
    pub failed: Vec<PodOutcome>,
    /// The drain's time ran out before every pod was gone.
    pub timed_out: bool,
}

/// A drain's progress so far, folded from its frames: what a remediation running one shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DrainProgress {
    pub node: String,
    /// Pods the drain evicts.
    pub to_evict: usize,
    pub evicted: usize,
    /// Pods a budget refuses for now; they are asked again until the timeout.
    pub blocked: Vec<PodOutcome>,
    pub failed: Vec<PodOutcome>,
}

impl DrainProgress {
    pub fn of(preview: &DrainPreview) -> DrainProgress {
        DrainProgress {
            node: preview.node.clone(),
            to_evict: preview.evict,
            ..DrainProgress::default()
        }
    }

    pub fn apply(&mut self, frame: &DrainFrame) {
        match frame {
            DrainFrame::Plan(preview) => *self = DrainProgress::of(preview),
            DrainFrame::Blocked(o) => self.blocked.push(o.clone()),
            DrainFrame::Evicted(o) => {
                self.unblock(o);
                self.evicted += 1;
            }
            DrainFrame::Failed(o) => {
                self.unblock(o);
                self.failed.push(o.clone());
            }
            DrainFrame::Done(_) | DrainFrame::Notice(_) => {}
        }
    }

    fn unblock(&mut self, o: &PodOutcome) {
        self.blocked
            .retain(|b| (&b.namespace, &b.name) != (&o.namespace, &o.name));
    }
}

/// A drain's progress.
#[derive(Debug)]
pub enum DrainFrame {
    /// What the drain will do (the preview), first.
    Plan(DrainPreview),
    /// A budget refused the pod's eviction; it is asked again until the timeout.
    Blocked(PodOutcome),
    Evicted(PodOutcome),
    Failed(PodOutcome),
    Done(DrainSummary),
    Notice(String),
}

fn values<T: Serialize>(items: &[T]) -> ApiResult<Vec<Value>> {
    items
        .iter()
        .map(|i| serde_json::to_value(i).map_err(ApiError::internal))
        .collect()
}

/// The drain plan of `node`, from live reads as the caller: the node, its pods, and the budgets
/// (and pods) of those pods' namespaces.
pub async fn plan(scope: &ClusterScope, node: &str) -> ApiResult<DrainPreview> {
    let client = scope.reader_client();
    let fail = kube_error(&scope.name);
    let got = Api::<Node>::all(client.clone()).get(node).await.map_err(&fail)?;
    let on_node = ListParams::default().fields(&format!("spec.nodeName={node}"));
    let node_pods = Api::<Pod>::all(client.clone())
        .list(&on_node)
        .await
        .map_err(&fail)?
        .items;
    let mut namespaces: Vec<String> = node_pods.iter().filter_map(|p| p.metadata.namespace.clone()).collect();
    namespaces.sort();
    namespaces.dedup();
    let (mut pdbs, mut all_pods) = (Vec::new(), Vec::new());
    for ns in &namespaces {
        let budgets = Api::<PodDisruptionBudget>::namespaced(client.clone(), ns)
            .list(&ListParams::default())
            .await
            .map_err(&fail)?
            .items;
        if budgets.is_empty() {
            continue;
        }
        let pods = Api::<Pod>::namespaced(client.clone(), ns)
            .list(&ListParams::default())
            .await
            .map_err(&fail)?
            .items;
        pdbs.extend(values(&budgets)?);
        all_pods.extend(values(&pods)?);
    }
    let unschedulable = got.spec.and_then(|s| s.unschedulable).unwrap_or(false);
    Ok(drain_plan::preview(
        node,
        unschedulable,
        &values(&node_pods)?,
        &all_pods,
        &pdbs,
    ))
}

/// kubectl's refusals: pods whose data or existence a drain would lose, without the flag that
/// allows it (409 `drain_refused`, the pods under `details.pods`).
pub fn refuse_unsafe(p: &DrainPreview, delete_empty_dir_data: bool, force: bool) -> ApiResult<()> {
    let mut pods = Vec::new();
    if !delete_empty_dir_data {
        pods.extend(
            p.needs_delete_empty_dir_data
                .iter()
                .map(|n| json!({"pod": n, "needs": "deleteEmptyDirData"})),
        );
    }
    if !force {
        pods.extend(p.needs_force.iter().map(|n| json!({"pod": n, "needs": "force"})));
    }
    if pods.is_empty() {
        return Ok(());
    }
    Err(ApiError::conflict(
        "drain_refused",
        format!(
            "{} pod(s) would be lost: pods with emptyDir data need deleteEmptyDirData, pods without a controller need force",
            pods.len()
        ),
    )
    .with_details(json!({"pods": pods})))
}

/// The audit outcome of a drain: success when every pod went; denied when Kubernetes refused
/// every failed eviction; failure otherwise.
pub fn summary_outcome(s: &DrainSummary) -> Finished {
    let outcome = match s.failed.as_slice() {
        [] => Outcome::Success,
        failed if failed.iter().all(|f| f.code.as_deref() == Some("kube_forbidden")) => Outcome::Denied,
        _ => Outcome::Failure,
    };
    Finished {
        outcome,
        reason: format!(
            "evicted={} failed={}{}",
            s.evicted,
            s.failed.len(),
            if s.timed_out { " timedOut" } else { "" }
        ),
    }
}

/// Evicts a drain plan's pods; built by [`Drainer::new`] once the node is cordoned.
pub struct Drainer {
    pods: Api<Pod>,
    cluster: String,
    grace: Option<i64>,
    deadline: Instant,
    frames: mpsc::Sender<DrainFrame>,
}

impl Drainer {
    /// A drain of `scope`'s cluster that gives up after `timeout`, its progress sent to `frames`.
    pub fn new(
        scope: &ClusterScope,
        grace: Option<i64>,
        timeout: Duration,
        frames: mpsc::Sender<DrainFrame>,
    ) -> Drainer {
        Drainer {
            pods: Api::all(scope.reader_client()),
            cluster: scope.name.clone(),
            grace,
            deadline: Instant::now() + timeout,
            frames,
        }
    }

    async fn send(&self, frame: DrainFrame) {
        // The listener may have left; the drain goes on.
        let _ = self.frames.send(frame).await;
    }

    /// Evicts every pod the plan evicts; the summary, also sent as the last frame.
    pub async fn run(&self, preview: DrainPreview) -> DrainSummary {
        let node = preview.node.clone();
        let targets: Vec<DrainPod> = preview
            .pods
            .iter()
            .filter(|p| p.action == PodAction::Evict)
            .cloned()
            .collect();
        self.send(DrainFrame::Plan(preview)).await;
        let outcomes: Vec<Result<PodOutcome, PodOutcome>> = futures::stream::iter(targets)
            .map(|p| async move { self.evict(&p).await })
            .buffer_unordered(EVICTIONS_AT_ONCE)
            .collect()
            .await;
        let failed: Vec<PodOutcome> = outcomes.iter().filter_map(|o| o.clone().err()).collect();
        let summary = DrainSummary {
            node,
            evicted: outcomes.len() - failed.len(),
            timed_out: failed
                .iter()
                .any(|f| matches!(f.code.as_deref(), Some("timeout" | "still_terminating"))),
            failed,
        };
        self.send(DrainFrame::Done(summary.clone())).await;
        summary
    }

    /// Evicts one pod, asking again while a budget refuses, and waits for it to go.
    async fn evict(&self, pod: &DrainPod) -> Result<PodOutcome, PodOutcome> {
        let outcome = |code: Option<&str>, message: Option<String>| PodOutcome {
            namespace: pod.namespace.clone(),
            name: pod.name.clone(),
            code: code.map(str::to_string),
            message,
        };
        let api: Api<Pod> = Api::namespaced(self.pods.clone().into_client(), &pod.namespace);
        let params = EvictParams {
            delete_options: self.grace.map(|g| DeleteParams {
                grace_period_seconds: Some(g as u32),
                ..DeleteParams::default()
            }),
            ..EvictParams::default()
        };
        let uid = match api.get_opt(&pod.name).await {
            Ok(Some(p)) => p.metadata.uid,
            Ok(None) => return self.evicted(outcome(None, None)).await,
            Err(e) => return self.failed(outcome, e).await,
        };
        let mut told_blocked = false;
        loop {
            match api.evict(&pod.name, &params).await {
                Ok(_) => break,
                Err(kube::Error::Api(s)) if s.code == 404 => return self.evicted(outcome(None, None)).await,
                Err(kube::Error::Api(s)) if s.code == 429 => {
                    if !told_blocked {
                        told_blocked = true;
                        self.send(DrainFrame::Blocked(outcome(
                            Some("kube_too_many_requests"),
                            Some(s.message.clone()),
                        )))
                        .await;
                    }
                    let now = Instant::now();
                    if now >= self.deadline {
                        let message = format!("the drain's time ran out; last refusal: {}", s.message);
                        return self.fail(outcome(Some("timeout"), Some(message))).await;
                    }
                    tokio::time::sleep(RETRY_EVERY.min(self.deadline - now)).await;
                }
                Err(e) => return self.failed(outcome, e).await,
            }
        }
        // Evicted: wait until this pod (by uid) is gone.
        loop {
            match api.get_opt(&pod.name).await {
                Ok(Some(p)) if p.metadata.uid == uid => {}
                Ok(_) => return self.evicted(outcome(None, None)).await,
                Err(e) => return self.failed(outcome, e).await,
            }
            if Instant::now() >= self.deadline {
                let message = "evicted, but still terminating when the drain's time ran out".to_string();
                return self.fail(outcome(Some("still_terminating"), Some(message))).await;
            }
            tokio::time::sleep(GONE_POLL).await;
        }
    }

    async fn evicted(&self, o: PodOutcome) -> Result<PodOutcome, PodOutcome> {
        self.send(DrainFrame::Evicted(o.clone())).await;
        Ok(o)
    }

    async fn fail(&self, o: PodOutcome) -> Result<PodOutcome, PodOutcome> {
        self.send(DrainFrame::Failed(o.clone())).await;
        Err(o)
    }

    async fn failed(
        &self,
        outcome: impl Fn(Option<&str>, Option<String>) -> PodOutcome,
        e: kube::Error,
    ) -> Result<PodOutcome, PodOutcome> {
        let e = kube_error(&self.cluster)(e);
        self.fail(outcome(Some(e.code), Some(e.message))).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(failed: &[&str]) -> DrainSummary {
        DrainSummary {
            node: "n1".into(),
            evicted: 3,
            failed: failed.iter().map(|c| pod("p", Some(c))).collect(),
            timed_out: failed.contains(&"timeout"),
        }
    }

    #[test]
    fn a_drain_succeeds_only_when_every_pod_went() {
        assert_eq!(summary_outcome(&summary(&[])).outcome, Outcome::Success);
        assert_eq!(summary_outcome(&summary(&["kube_forbidden"])).outcome, Outcome::Denied);
        let partial = summary_outcome(&summary(&["timeout", "kube_forbidden"]));
        assert_eq!(partial.outcome, Outcome::Failure);
        assert_eq!(partial.reason, "evicted=3 failed=2 timedOut");
    }

    fn pod(name: &str, code: Option<&str>) -> PodOutcome {
        PodOutcome {
            namespace: "a".into(),
            name: name.into(),
            code: code.map(str::to_string),
            message: None,
        }
    }

    #[test]
    fn progress_follows_the_frames() {
        let preview = DrainPreview {
            node: "n1".into(),
            unschedulable: true,
            pods: vec![],
            evict: 3,
            skipped: 1,
            blocked: 1,
            needs_delete_empty_dir_data: vec![],
            needs_force: vec![],
        };
        let mut p = DrainProgress::default();
        p.apply(&DrainFrame::Plan(preview));
        assert_eq!((p.node.as_str(), p.to_evict, p.evicted), ("n1", 3, 0));
        p.apply(&DrainFrame::Blocked(pod("web-1", Some("kube_too_many_requests"))));
        p.apply(&DrainFrame::Evicted(pod("web-0", None)));
        assert_eq!((p.evicted, p.blocked.len()), (1, 1));
        // A blocked pod that is evicted at last is no longer blocked.
        p.apply(&DrainFrame::Evicted(pod("web-1", None)));
        p.apply(&DrainFrame::Failed(pod("db-0", Some("timeout"))));
        p.apply(&DrainFrame::Notice("slow".into()));
        assert_eq!(
            (p.evicted, p.blocked.len(), p.failed),
            (2, 0, vec![pod("db-0", Some("timeout"))])
        );
    }

    #[test]
    fn unsafe_pods_need_their_flag() {
        let p = DrainPreview {
            node: "n1".into(),
            unschedulable: false,
            pods: vec![],
            evict: 2,
            skipped: 0,
            blocked: 0,
            needs_delete_empty_dir_data: vec!["a/cache".into()],
            needs_force: vec!["a/bare".into()],
        };
        let e = refuse_unsafe(&p, false, false).unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (409, "drain_refused"));
        assert_eq!(e.details.unwrap()["pods"].as_array().unwrap().len(), 2);
        assert!(refuse_unsafe(&p, true, true).is_ok());
    }
}
