//! A finding: one thing wrong with one object, with the evidence that shows it and the kinds of
//! remediation that may help. First/last seen are not part of it: the store that keeps findings
//! over time adds them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::facts::{ContainerFacts, ContainerState, EventFacts, ObjectKey};

/// The classes of findings. docs/diagnostics.md says when each fires and what it ignores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingClass {
    /// A container waits in CrashLoopBackOff; the last exit code and reason say why.
    PodCrashLoop,
    /// A container cannot pull its image (ImagePullBackOff, ErrImagePull, InvalidImageName).
    PodImagePull,
    /// A container was OOMKilled recently (also when it now crash-loops for that reason).
    PodOomKilled,
    /// A container cannot start: a ConfigMap, Secret or key it reads is missing.
    PodConfigMissing,
    /// The scheduler cannot place the pod; its message says why.
    PodUnschedulable,
    /// A running container's probes fail: it is not ready, or the kubelet reports Unhealthy.
    PodProbeFailing,
    /// A container restarted many times and recently, without being in back-off now.
    PodRestartBurst,
    /// A Deployment, StatefulSet or DaemonSet has fewer available replicas than it wants, outside a rollout.
    WorkloadUnavailable,
    /// A Deployment's rollout stopped progressing (ProgressDeadlineExceeded).
    WorkloadProgressDeadline,
    /// A DaemonSet runs pods on nodes where it should not.
    DaemonsetMisscheduled,
    /// A Job failed (its Failed condition).
    JobFailed,
    /// A CronJob is suspended: nothing runs on its schedule.
    CronjobSuspended,
    /// A CronJob did not start a Job at a time its schedule named.
    CronjobMissedSchedule,
    /// A node is NotReady or its status Unknown.
    NodeNotReady,
    /// A node reports memory, disk or PID pressure.
    NodePressure,
    /// A node has been cordoned for longer than a day.
    NodeCordonedLong,
    /// A PersistentVolumeClaim stays Pending.
    PvcPending,
    /// A PersistentVolumeClaim lost its volume.
    PvcLost,
    /// A PersistentVolumeClaim names a StorageClass that does not exist, or relies on a default there is not.
    PvcNoStorageClass,
    /// A Service's selector matches no pod.
    ServiceNoPods,
    /// A Service selects pods but has no ready endpoint.
    ServiceNoReadyEndpoints,
    /// An Ingress routes to a Service that does not exist.
    IngressBackendMissing,
    /// An Ingress names a TLS Secret that does not exist.
    IngressTlsSecretMissing,
    /// An Ingress names an IngressClass that does not exist, or has none and there is no default.
    IngressClassMissing,
    /// A HorizontalPodAutoscaler's target does not exist.
    HpaTargetMissing,
    /// A HorizontalPodAutoscaler cannot read its metrics.
    HpaMetricsUnavailable,
    /// A HorizontalPodAutoscaler wants more replicas than its maximum.
    HpaAtMax,
    /// A PodDisruptionBudget allows no disruption: drains and evictions are blocked.
    PdbBlocksDisruptions,
    /// A NetworkPolicy's pod selector matches no pod in its namespace.
    NetworkPolicySelectsNothing,
    /// An admission webhook calls a Service that does not exist.
    WebhookServiceMissing,
    /// An object drew a burst of Warning events.
    WarningEventBurst,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

/// The kinds of remediation: those a finding suggests, and set_resources for a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Remediation {
    Restart,
    Rollback,
    Scale,
    Cordon,
    Drain,
    PatchMemoryLimit,
    DeletePod,
    /// A workload's containers' requests and limits, e.g. as rightsizing recommends; proposed for
    /// a workload, never suggested by a finding.
    SetResources,
}

/// The object a finding is about, or one related to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    /// Empty for a related object that does not exist (that is often the finding).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
}

impl ObjectRef {
    pub fn new(key: &ObjectKey, uid: &str) -> ObjectRef {
        ObjectRef {
            api_version: key.kind.api_version().to_string(),
            kind: key.kind.name().to_string(),
            namespace: (!key.namespace.is_empty()).then(|| key.namespace.clone()),
            name: key.name.clone(),
            uid: uid.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Deterministic from cluster, class, object and detail (a container, condition or webhook):
    /// the same condition has the same id across restarts.
    pub id: String,
    pub cluster: String,
    pub object: ObjectRef,
    pub class: FindingClass,
    pub severity: Severity,
    pub title: String,
    /// A sentence or two with the actual values.
    pub explanation: String,
    pub evidence: Evidence,
    pub remediations: Vec<Remediation>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    pub containers: Vec<ContainerEvidence>,
    /// The object's recent Warning events, newest first.
    pub events: Vec<EventEvidence>,
    pub related: Vec<ObjectRef>,
    /// Key facts, such as the scheduler's message or the replica counts.
    pub facts: BTreeMap<String, String>,
    /// The logs worth reading; analyzers leave `lines` empty and whoever shows the finding reads them.
    pub logs: Vec<LogExcerpt>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerEvidence {
    pub name: String,
    pub image: String,
    /// waiting, running, terminated or unknown.
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub ready: bool,
    pub restarts: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_limit: Option<String>,
}

impl From<&ContainerFacts> for ContainerEvidence {
    fn from(c: &ContainerFacts) -> ContainerEvidence {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let (state, reason, message) = match &c.state {
            ContainerState::Waiting { reason, message } => ("waiting", some(reason), some(message)),
            ContainerState::Running { .. } => ("running", None, None),
            ContainerState::Terminated(t) => (
                "terminated",
                some(&t.reason),
                Some(format!("exit code {}", t.exit_code)),
            ),
            ContainerState::Unknown => ("unknown", None, None),
        };
        ContainerEvidence {
            name: c.name.clone(),
            image: c.image.clone(),
            state: state.to_string(),
            reason,
            message,
            ready: c.ready,
            restarts: c.restarts,
            last_exit_code: c.last_terminated.as_ref().map(|t| t.exit_code),
            last_reason: c.last_terminated.as_ref().and_then(|t| some(&t.reason)),
            memory_limit: c.memory_limit.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventEvidence {
    pub reason: String,
    pub message: String,
    pub count: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<&EventFacts> for EventEvidence {
    fn from(e: &EventFacts) -> EventEvidence {
        EventEvidence {
            reason: e.reason.clone(),
            message: e.message.clone(),
            count: e.count,
            last_seen: e.last,
        }
    }
}

/// A container's log worth reading: the current instance, or the previous one (that crashed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogExcerpt {
    /// The pod, when it is not the finding's object (a failed Job's pod).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    pub container: String,
    pub previous: bool,
    /// Filled on demand by whoever shows the finding; empty from the analyzers.
    pub lines: Vec<String>,
}

/// The stable id: the first 16 hex digits of a SHA-256 over what names the condition.
pub fn finding_id(cluster: &str, class: FindingClass, object: &ObjectKey, detail: &str) -> String {
    // The class's JSON name, so that renaming a variant in Rust alone does not change ids.
    let class = serde_json::to_value(class).expect("a class serializes");
    let mut hash = Sha256::new();
    for part in [
        cluster,
        class.as_str().unwrap_or_default(),
        object.kind.name(),
        &object.namespace,
        &object.name,
        detail,
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hex::encode(&hash.finalize()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/api.md is where users look up a class's evidence: a new class must be added there.
    #[test]
    fn the_api_document_lists_every_class() {
        let api = include_str!("../../../docs/api.md");
        let schema = serde_json::to_value(<FindingClass as utoipa::PartialSchema>::schema()).unwrap();
        let classes = schema["enum"].as_array().expect("FindingClass is a string enum");
        assert!(classes.len() > 30, "{schema}");
        for class in classes {
            let row = format!("| `{}` |", class.as_str().unwrap());
            assert!(
                api.contains(&row),
                "docs/api.md has no row {row} in its finding classes"
            );
        }
    }
}
