//! Compact facts: what the analyzers need of each object, extracted once per change from the
//! watch caches' `DynamicObject`s. Everything else of the object is dropped, so that 5 clusters
//! of 10,000 pods stay small. Read from the JSON by path (as `inventory::rows` does): a field
//! the analyzers do not know is ignored, a missing one reads as absent.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use kube::api::DynamicObject;
use serde_json::Value;

use crate::kube::discovery::ResourceInfo;

/// The kinds diagnostics reads; any other resource is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Job,
    CronJob,
    Node,
    PersistentVolumeClaim,
    StorageClass,
    Service,
    EndpointSlice,
    Ingress,
    IngressClass,
    ConfigMap,
    Secret,
    HorizontalPodAutoscaler,
    PodDisruptionBudget,
    NetworkPolicy,
    ValidatingWebhookConfiguration,
    MutatingWebhookConfiguration,
    Event,
}

impl Kind {
    const ALL: [Kind; 22] = [
        Kind::Pod,
        Kind::Deployment,
        Kind::StatefulSet,
        Kind::DaemonSet,
        Kind::ReplicaSet,
        Kind::Job,
        Kind::CronJob,
        Kind::Node,
        Kind::PersistentVolumeClaim,
        Kind::StorageClass,
        Kind::Service,
        Kind::EndpointSlice,
        Kind::Ingress,
        Kind::IngressClass,
        Kind::ConfigMap,
        Kind::Secret,
        Kind::HorizontalPodAutoscaler,
        Kind::PodDisruptionBudget,
        Kind::NetworkPolicy,
        Kind::ValidatingWebhookConfiguration,
        Kind::MutatingWebhookConfiguration,
        Kind::Event,
    ];

    /// The group (empty for core) and the kind's name, as the API spells them.
    fn group_and_name(self) -> (&'static str, &'static str) {
        match self {
            Kind::Pod => ("", "Pod"),
            Kind::Deployment => ("apps", "Deployment"),
            Kind::StatefulSet => ("apps", "StatefulSet"),
            Kind::DaemonSet => ("apps", "DaemonSet"),
            Kind::ReplicaSet => ("apps", "ReplicaSet"),
            Kind::Job => ("batch", "Job"),
            Kind::CronJob => ("batch", "CronJob"),
            Kind::Node => ("", "Node"),
            Kind::PersistentVolumeClaim => ("", "PersistentVolumeClaim"),
            Kind::StorageClass => ("storage.k8s.io", "StorageClass"),
            Kind::Service => ("", "Service"),
            Kind::EndpointSlice => ("discovery.k8s.io", "EndpointSlice"),
            Kind::Ingress => ("networking.k8s.io", "Ingress"),
            Kind::IngressClass => ("networking.k8s.io", "IngressClass"),
            Kind::ConfigMap => ("", "ConfigMap"),
            Kind::Secret => ("", "Secret"),
            Kind::HorizontalPodAutoscaler => ("autoscaling", "HorizontalPodAutoscaler"),
            Kind::PodDisruptionBudget => ("policy", "PodDisruptionBudget"),
            Kind::NetworkPolicy => ("networking.k8s.io", "NetworkPolicy"),
            Kind::ValidatingWebhookConfiguration => ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
            Kind::MutatingWebhookConfiguration => ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
            Kind::Event => ("", "Event"),
        }
    }

    /// The kind of a resource, whatever its version (events.k8s.io Events are not read: the
    /// core/v1 ones carry the same events).
    pub fn of(group: &str, kind: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.group_and_name() == (group, kind))
    }

    pub fn name(self) -> &'static str {
        self.group_and_name().1
    }

    /// The apiVersion findings name the object by: the version each kind is served at.
    pub fn api_version(self) -> &'static str {
        match self.group_and_name().0 {
            "" => "v1",
            "apps" => "apps/v1",
            "batch" => "batch/v1",
            "storage.k8s.io" => "storage.k8s.io/v1",
            "discovery.k8s.io" => "discovery.k8s.io/v1",
            "networking.k8s.io" => "networking.k8s.io/v1",
            "autoscaling" => "autoscaling/v2",
            "policy" => "policy/v1",
            _ => "admissionregistration.k8s.io/v1",
        }
    }
}

/// One object of a cluster: its kind, namespace (empty when cluster-scoped) and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub kind: Kind,
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    pub fn new(kind: Kind, namespace: &str, name: &str) -> ObjectKey {
        ObjectKey {
            kind,
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }
}

/// What every object carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub uid: String,
    pub created: Option<DateTime<Utc>>,
    /// Being deleted: its findings are moot.
    pub deleting: bool,
    /// The controller owner, when it is a kind diagnostics reads (pod → ReplicaSet → Deployment).
    pub owner: Option<ObjectKey>,
}

/// One object's facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub meta: Meta,
    pub facts: Facts,
}

/// Boxed, so that an object costs one pointer in the maps whatever its kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Facts {
    Pod(Box<PodFacts>),
    Deployment(Box<DeploymentFacts>),
    StatefulSet(Box<StatefulSetFacts>),
    DaemonSet(Box<DaemonSetFacts>),
    /// Kept for the owner chain pod → ReplicaSet → Deployment (in `Meta::owner`).
    ReplicaSet,
    Job(Box<JobFacts>),
    CronJob(Box<CronJobFacts>),
    Node(Box<NodeFacts>),
    PersistentVolumeClaim(Box<PvcFacts>),
    StorageClass(Box<StorageClassFacts>),
    Service(Box<ServiceFacts>),
    EndpointSlice(Box<EndpointSliceFacts>),
    Ingress(Box<IngressFacts>),
    IngressClass {
        is_default: bool,
    },
    /// ConfigMaps and Secrets: only that they exist.
    Exists,
    HorizontalPodAutoscaler(Box<HpaFacts>),
    PodDisruptionBudget(Box<PdbFacts>),
    NetworkPolicy(Box<NetworkPolicyFacts>),
    Webhooks(Vec<WebhookFacts>),
    Event(Box<EventFacts>),
}

/// A status condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// "True", "False" or "Unknown".
    pub status: String,
    pub reason: String,
    pub message: String,
    pub since: Option<DateTime<Utc>>,
}

impl Condition {
    pub fn is_true(&self) -> bool {
        self.status == "True"
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PodFacts {
    pub labels: BTreeMap<String, String>,
    pub phase: String,
    /// `spec.nodeName`, or for a pod not yet bound the node its required affinity pins it to
    /// (how the DaemonSet controller places its pods).
    pub node: Option<String>,
    pub bound: bool,
    pub tolerations: Vec<Toleration>,
    /// The PodScheduled condition when it is False.
    pub unscheduled: Option<Condition>,
    /// Init containers first, then the app containers.
    pub containers: Vec<ContainerFacts>,
    /// The ConfigMaps, Secrets and claims it reads, by name in its namespace.
    pub config_maps: Vec<String>,
    pub secrets: Vec<String>,
    pub claims: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContainerFacts {
    pub name: String,
    pub image: String,
    pub init: bool,
    pub ready: bool,
    pub restarts: i32,
    pub state: ContainerState,
    pub last_terminated: Option<Terminated>,
    /// It has a readiness or liveness probe.
    pub probed: bool,
    pub memory_limit: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ContainerState {
    Waiting {
        reason: String,
        message: String,
    },
    Running {
        since: Option<DateTime<Utc>>,
    },
    Terminated(Terminated),
    /// No status yet (not started, or the kubelet has not reported).
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Terminated {
    pub exit_code: i32,
    pub reason: String,
    pub finished: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Toleration {
    pub key: String,
    /// "Exists" or "Equal".
    pub operator: String,
    pub value: String,
    /// Empty: every effect.
    pub effect: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: String,
}

impl Toleration {
    pub fn tolerates(&self, taint: &Taint) -> bool {
        let effect = self.effect.is_empty() || self.effect == taint.effect;
        let key = (self.key.is_empty() && self.operator == "Exists") || self.key == taint.key;
        let value = self.operator == "Exists" || self.value == taint.value;
        effect && key && value
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentFacts {
    pub desired: i32,
    pub available: i32,
    pub updated: i32,
    pub progressing: Option<Condition>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatefulSetFacts {
    pub desired: i32,
    pub available: i32,
    /// `currentRevision != updateRevision`: a rolling update is under way.
    pub rolling: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DaemonSetFacts {
    pub desired: i32,
    pub unavailable: i32,
    pub updated: i32,
    pub misscheduled: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobFacts {
    /// The Failed condition when True.
    pub failed: Option<Condition>,
    pub failed_pods: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CronJobFacts {
    pub schedule: String,
    pub time_zone: Option<String>,
    pub suspended: bool,
    pub last_schedule: Option<DateTime<Utc>>,
    /// `concurrencyPolicy: Forbid`: a schedule is skipped on purpose while a Job runs.
    pub forbid_concurrent: bool,
    pub active: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeFacts {
    pub ready: Option<Condition>,
    /// MemoryPressure, DiskPressure and PIDPressure conditions, by type.
    pub pressures: Vec<(String, Condition)>,
    pub unschedulable: bool,
    /// When the `node.kubernetes.io/unschedulable` taint was added (a cordon).
    pub cordoned_since: Option<DateTime<Utc>>,
    pub taints: Vec<Taint>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PvcFacts {
    pub phase: String,
    /// None: the default class applies; Some(""): no class on purpose (static binding).
    pub storage_class: Option<String>,
    pub volume: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StorageClassFacts {
    pub is_default: bool,
    pub wait_for_first_consumer: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceFacts {
    /// Empty: no selector (endpoints managed by hand or by another controller).
    pub selector: BTreeMap<String, String>,
    pub external_name: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EndpointSliceFacts {
    /// The `kubernetes.io/service-name` label.
    pub service: Option<String>,
    pub ready: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IngressFacts {
    pub class: Option<String>,
    /// The legacy `kubernetes.io/ingress.class` annotation names the controller instead.
    pub legacy_class: bool,
    pub services: Vec<String>,
    pub tls_secrets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HpaFacts {
    /// `scaleTargetRef` as written: kind and name.
    pub target_kind: String,
    pub target_name: String,
    pub max: i32,
    pub current: i32,
    pub desired: i32,
    pub scaling_active: Option<Condition>,
    pub scaling_limited: Option<Condition>,
}

impl HpaFacts {
    /// The target when it is a kind diagnostics reads.
    pub fn target(&self, namespace: &str) -> Option<ObjectKey> {
        let kind = match self.target_kind.as_str() {
            "Deployment" => Kind::Deployment,
            "StatefulSet" => Kind::StatefulSet,
            "ReplicaSet" => Kind::ReplicaSet,
            _ => return None,
        };
        Some(ObjectKey::new(kind, namespace, &self.target_name))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PdbFacts {
    pub selector: Selector,
    pub disruptions_allowed: i32,
    pub expected: i32,
    pub current_healthy: i32,
    pub desired_healthy: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkPolicyFacts {
    pub selector: Selector,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WebhookFacts {
    pub name: String,
    /// `clientConfig.service`: namespace and name (None for a URL webhook).
    pub service: Option<(String, String)>,
    /// `failurePolicy: Fail` (the default): a missing backend rejects the requests it matches.
    pub fail_closed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventFacts {
    /// The involved object, when it is a kind diagnostics reads.
    pub involved: Option<ObjectKey>,
    pub reason: String,
    pub message: String,
    pub count: i32,
    pub last: Option<DateTime<Utc>>,
}

/// A label selector: matchLabels and matchExpressions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selector {
    pub labels: BTreeMap<String, String>,
    pub expressions: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl Selector {
    /// Selects every object (`{}`).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.expressions.is_empty()
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.expressions.iter().all(|r| {
                let value = labels.get(&r.key);
                match r.operator {
                    Operator::In => value.is_some_and(|v| r.values.contains(v)),
                    Operator::NotIn => value.is_none_or(|v| !r.values.contains(v)),
                    Operator::Exists => value.is_some(),
                    Operator::DoesNotExist => value.is_none(),
                }
            })
    }

    fn parse(v: &Value) -> Result<Selector, String> {
        let labels = string_map(&v["matchLabels"]);
        let expressions = items(&v["matchExpressions"])
            .map(|e| {
                let operator = match text(&e["operator"]) {
                    "In" => Operator::In,
                    "NotIn" => Operator::NotIn,
                    "Exists" => Operator::Exists,
                    "DoesNotExist" => Operator::DoesNotExist,
                    other => return Err(format!("unknown selector operator {other:?}")),
                };
                let values = items(&e["values"]).map(|v| text(v).to_string()).collect();
                Ok(Requirement {
                    key: text(&e["key"]).to_string(),
                    operator,
                    values,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Selector { labels, expressions })
    }
}

/// An object diagnostics could not read.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{kind} {namespace}/{name}: {reason}")]
pub struct FactsError {
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    pub reason: String,
}

impl FactsError {
    /// The stable code the lead's error mapping uses.
    pub const CODE: &'static str = "diagnostics_object_unreadable";
}

/// The key and facts of `object`, or None when diagnostics does not read it (another kind, a
/// Normal event).
pub fn extract(resource: &ResourceInfo, object: &DynamicObject) -> Result<Option<(ObjectKey, Object)>, FactsError> {
    let Some(kind) = Kind::of(&resource.group, &resource.kind) else {
        return Ok(None);
    };
    let m = &object.metadata;
    let namespace = m.namespace.clone().unwrap_or_default();
    let name = m.name.clone().unwrap_or_default();
    let error = |reason: String| FactsError {
        kind: kind.name(),
        namespace: namespace.clone(),
        name: name.clone(),
        reason,
    };
    if name.is_empty() {
        return Err(error("the object has no name".into()));
    }
    let owner = m
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
        .and_then(|o| {
            let group = o.api_version.rsplit_once('/').map_or("", |(g, _)| g);
            Kind::of(group, &o.kind).map(|k| ObjectKey::new(k, &namespace, &o.name))
        });
    let meta = Meta {
        uid: m.uid.clone().unwrap_or_default(),
        created: m.creation_timestamp.as_ref().and_then(|t| jiff_time(&t.0)),
        deleting: m.deletion_timestamp.is_some(),
        owner,
    };
    let annotations = |key: &str| m.annotations.as_ref().and_then(|a| a.get(key)).map(String::as_str);
    let labels = m.labels.clone().unwrap_or_default();
    let v = &object.data;
    let facts = match kind {
        Kind::Pod => Facts::Pod(Box::new(pod(v, labels))),
        Kind::Deployment => Facts::Deployment(Box::new(DeploymentFacts {
            desired: int_or(&v["spec"]["replicas"], 1),
            available: int(&v["status"]["availableReplicas"]),
            updated: int(&v["status"]["updatedReplicas"]),
            progressing: condition(&v["status"]["conditions"], "Progressing"),
        })),
        Kind::StatefulSet => Facts::StatefulSet(Box::new(StatefulSetFacts {
            desired: int_or(&v["spec"]["replicas"], 1),
            available: int(&v["status"]["availableReplicas"]),
            rolling: v["status"]["updateRevision"]
                .as_str()
                .is_some_and(|u| Some(u) != v["status"]["currentRevision"].as_str()),
        })),
        Kind::DaemonSet => Facts::DaemonSet(Box::new(DaemonSetFacts {
            desired: int(&v["status"]["desiredNumberScheduled"]),
            unavailable: int(&v["status"]["numberUnavailable"]),
            updated: int(&v["status"]["updatedNumberScheduled"]),
            misscheduled: int(&v["status"]["numberMisscheduled"]),
        })),
        Kind::ReplicaSet => Facts::ReplicaSet,
        Kind::Job => Facts::Job(Box::new(JobFacts {
            failed: condition(&v["status"]["conditions"], "Failed").filter(Condition::is_true),
            failed_pods: int(&v["status"]["failed"]),
        })),
        Kind::CronJob => Facts::CronJob(Box::new(CronJobFacts {
            schedule: text(&v["spec"]["schedule"]).to_string(),
            time_zone: opt_text(&v["spec"]["timeZone"]),
            suspended: v["spec"]["suspend"].as_bool().unwrap_or(false),
            last_schedule: time(&v["status"]["lastScheduleTime"]),
            forbid_concurrent: text(&v["spec"]["concurrencyPolicy"]) == "Forbid",
            active: items(&v["status"]["active"]).count(),
        })),
        Kind::Node => Facts::Node(Box::new(node(v))),
        Kind::PersistentVolumeClaim => Facts::PersistentVolumeClaim(Box::new(PvcFacts {
            phase: text(&v["status"]["phase"]).to_string(),
            storage_class: v["spec"]["storageClassName"].as_str().map(str::to_string),
            volume: opt_text(&v["spec"]["volumeName"]),
        })),
        Kind::StorageClass => Facts::StorageClass(Box::new(StorageClassFacts {
            is_default: annotations("storageclass.kubernetes.io/is-default-class") == Some("true"),
            wait_for_first_consumer: text(&v["volumeBindingMode"]) == "WaitForFirstConsumer",
        })),
        Kind::Service => Facts::Service(Box::new(ServiceFacts {
            selector: string_map(&v["spec"]["selector"]),
            external_name: text(&v["spec"]["type"]) == "ExternalName",
        })),
        Kind::EndpointSlice => Facts::EndpointSlice(Box::new(EndpointSliceFacts {
            service: labels.get("kubernetes.io/service-name").cloned(),
            // An endpoint without a ready condition is ready (the API's rule).
            ready: items(&v["endpoints"])
                .filter(|e| e["conditions"]["ready"].as_bool() != Some(false))
                .count(),
        })),
        Kind::Ingress => Facts::Ingress(Box::new(ingress(
            v,
            annotations("kubernetes.io/ingress.class").is_some(),
        ))),
        Kind::IngressClass => Facts::IngressClass {
            is_default: annotations("ingressclass.kubernetes.io/is-default-class") == Some("true"),
        },
        Kind::ConfigMap | Kind::Secret => Facts::Exists,
        Kind::HorizontalPodAutoscaler => Facts::HorizontalPodAutoscaler(Box::new(HpaFacts {
            target_kind: text(&v["spec"]["scaleTargetRef"]["kind"]).to_string(),
            target_name: text(&v["spec"]["scaleTargetRef"]["name"]).to_string(),
            max: int(&v["spec"]["maxReplicas"]),
            current: int(&v["status"]["currentReplicas"]),
            desired: int(&v["status"]["desiredReplicas"]),
            scaling_active: condition(&v["status"]["conditions"], "ScalingActive"),
            scaling_limited: condition(&v["status"]["conditions"], "ScalingLimited"),
        })),
        Kind::PodDisruptionBudget => Facts::PodDisruptionBudget(Box::new(PdbFacts {
            selector: Selector::parse(&v["spec"]["selector"]).map_err(error)?,
            disruptions_allowed: int(&v["status"]["disruptionsAllowed"]),
            expected: int(&v["status"]["expectedPods"]),
            current_healthy: int(&v["status"]["currentHealthy"]),
            desired_healthy: int(&v["status"]["desiredHealthy"]),
        })),
        Kind::NetworkPolicy => Facts::NetworkPolicy(Box::new(NetworkPolicyFacts {
            selector: Selector::parse(&v["spec"]["podSelector"]).map_err(error)?,
        })),
        Kind::ValidatingWebhookConfiguration | Kind::MutatingWebhookConfiguration => Facts::Webhooks(
            items(&v["webhooks"])
                .map(|w| WebhookFacts {
                    name: text(&w["name"]).to_string(),
                    service: w["clientConfig"]["service"].is_object().then(|| {
                        (
                            text(&w["clientConfig"]["service"]["namespace"]).to_string(),
                            text(&w["clientConfig"]["service"]["name"]).to_string(),
                        )
                    }),
                    fail_closed: text(&w["failurePolicy"]) != "Ignore",
                })
                .collect(),
        ),
        // Analyzers read Warning events only: Normal ones are not kept.
        Kind::Event if v["type"].as_str() != Some("Warning") => return Ok(None),
        Kind::Event => Facts::Event(Box::new(event(v))),
    };
    Ok(Some((ObjectKey { kind, namespace, name }, Object { meta, facts })))
}

fn pod(v: &Value, labels: BTreeMap<String, String>) -> PodFacts {
    let spec = &v["spec"];
    let status = &v["status"];
    let statuses: BTreeMap<(bool, &str), &Value> = [("initContainerStatuses", true), ("containerStatuses", false)]
        .into_iter()
        .flat_map(|(field, init)| items(&status[field]).map(move |s| ((init, text(&s["name"])), s)))
        .collect();
    let containers = [("initContainers", true), ("containers", false)]
        .into_iter()
        .flat_map(|(field, init)| items(&spec[field]).map(move |c| (init, c)))
        .map(|(init, c)| {
            let name = text(&c["name"]);
            let s = statuses.get(&(init, name)).copied().unwrap_or(&Value::Null);
            ContainerFacts {
                name: name.to_string(),
                image: s["image"].as_str().unwrap_or(text(&c["image"])).to_string(),
                init,
                ready: s["ready"].as_bool().unwrap_or(false),
                restarts: int(&s["restartCount"]),
                state: container_state(&s["state"]),
                last_terminated: s["lastState"]["terminated"]
                    .is_object()
                    .then(|| terminated(&s["lastState"]["terminated"])),
                probed: c["readinessProbe"].is_object() || c["livenessProbe"].is_object(),
                memory_limit: opt_text(&c["resources"]["limits"]["memory"]),
            }
        })
        .collect();
    let all_containers = || items(&spec["initContainers"]).chain(items(&spec["containers"]));
    let mut config_maps: Vec<String> = Vec::new();
    let mut secrets: Vec<String> = Vec::new();
    let mut claims: Vec<String> = Vec::new();
    for c in all_containers() {
        for e in items(&c["env"]) {
            push_name(&mut config_maps, &e["valueFrom"]["configMapKeyRef"]["name"]);
            push_name(&mut secrets, &e["valueFrom"]["secretKeyRef"]["name"]);
        }
        for e in items(&c["envFrom"]) {
            push_name(&mut config_maps, &e["configMapRef"]["name"]);
            push_name(&mut secrets, &e["secretRef"]["name"]);
        }
    }
    for vol in items(&spec["volumes"]) {
        push_name(&mut config_maps, &vol["configMap"]["name"]);
        push_name(&mut secrets, &vol["secret"]["secretName"]);
        push_name(&mut claims, &vol["persistentVolumeClaim"]["claimName"]);
        for source in items(&vol["projected"]["sources"]) {
            push_name(&mut config_maps, &source["configMap"]["name"]);
            push_name(&mut secrets, &source["secret"]["name"]);
        }
    }
    let bound_node = opt_text(&spec["nodeName"]);
    PodFacts {
        labels,
        phase: text(&status["phase"]).to_string(),
        bound: bound_node.is_some(),
        node: bound_node.or_else(|| pinned_node(&spec["affinity"])),
        tolerations: items(&spec["tolerations"])
            .map(|t| Toleration {
                key: text(&t["key"]).to_string(),
                operator: opt_text(&t["operator"]).unwrap_or_else(|| "Equal".into()),
                value: text(&t["value"]).to_string(),
                effect: text(&t["effect"]).to_string(),
            })
            .collect(),
        unscheduled: condition(&status["conditions"], "PodScheduled").filter(|c| c.status == "False"),
        containers,
        config_maps,
        secrets,
        claims,
    }
}

/// The one node a required node affinity on `metadata.name` allows (the DaemonSet controller's
/// way of placing a pod before the scheduler binds it).
fn pinned_node(affinity: &Value) -> Option<String> {
    let terms = &affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"];
    items(terms).flat_map(|t| items(&t["matchFields"])).find_map(|f| {
        let one = f["values"].as_array().filter(|v| v.len() == 1)?;
        (text(&f["key"]) == "metadata.name" && text(&f["operator"]) == "In").then(|| text(&one[0]).to_string())
    })
}

fn push_name(names: &mut Vec<String>, name: &Value) {
    if let Some(name) = name.as_str().filter(|n| !n.is_empty())
        && !names.iter().any(|n| n == name)
    {
        names.push(name.to_string());
    }
}

fn container_state(state: &Value) -> ContainerState {
    if state["waiting"].is_object() {
        ContainerState::Waiting {
            reason: text(&state["waiting"]["reason"]).to_string(),
            message: text(&state["waiting"]["message"]).to_string(),
        }
    } else if state["running"].is_object() {
        ContainerState::Running {
            since: time(&state["running"]["startedAt"]),
        }
    } else if state["terminated"].is_object() {
        ContainerState::Terminated(terminated(&state["terminated"]))
    } else {
        ContainerState::Unknown
    }
}

fn terminated(t: &Value) -> Terminated {
    Terminated {
        exit_code: int(&t["exitCode"]),
        reason: text(&t["reason"]).to_string(),
        finished: time(&t["finishedAt"]),
    }
}

fn node(v: &Value) -> NodeFacts {
    let conditions = &v["status"]["conditions"];
    let taints: Vec<Taint> = items(&v["spec"]["taints"])
        .map(|t| Taint {
            key: text(&t["key"]).to_string(),
            value: text(&t["value"]).to_string(),
            effect: text(&t["effect"]).to_string(),
        })
        .collect();
    NodeFacts {
        ready: condition(conditions, "Ready"),
        pressures: ["MemoryPressure", "DiskPressure", "PIDPressure"]
            .into_iter()
            .filter_map(|t| condition(conditions, t).map(|c| (t.to_string(), c)))
            .collect(),
        unschedulable: v["spec"]["unschedulable"].as_bool().unwrap_or(false),
        cordoned_since: items(&v["spec"]["taints"])
            .find(|t| text(&t["key"]) == "node.kubernetes.io/unschedulable")
            .and_then(|t| time(&t["timeAdded"])),
        taints,
    }
}

fn ingress(v: &Value, legacy_class: bool) -> IngressFacts {
    let spec = &v["spec"];
    let mut services = Vec::new();
    push_name(&mut services, &spec["defaultBackend"]["service"]["name"]);
    for path in items(&spec["rules"]).flat_map(|r| items(&r["http"]["paths"])) {
        push_name(&mut services, &path["backend"]["service"]["name"]);
    }
    let mut tls_secrets = Vec::new();
    for tls in items(&spec["tls"]) {
        push_name(&mut tls_secrets, &tls["secretName"]);
    }
    IngressFacts {
        class: opt_text(&spec["ingressClassName"]),
        legacy_class,
        services,
        tls_secrets,
    }
}

fn event(v: &Value) -> EventFacts {
    let involved = &v["involvedObject"];
    let group = text(&involved["apiVersion"]).rsplit_once('/').map_or("", |(g, _)| g);
    EventFacts {
        involved: Kind::of(group, text(&involved["kind"]))
            .map(|k| ObjectKey::new(k, text(&involved["namespace"]), text(&involved["name"]))),
        reason: text(&v["reason"]).to_string(),
        message: text(&v["message"]).to_string(),
        count: int_or(&v["count"], 1),
        last: time(&v["lastTimestamp"])
            .or_else(|| time(&v["series"]["lastObservedTime"]))
            .or_else(|| time(&v["eventTime"]))
            .or_else(|| time(&v["firstTimestamp"])),
    }
}

fn condition(conditions: &Value, kind: &str) -> Option<Condition> {
    items(conditions).find(|c| text(&c["type"]) == kind).map(|c| Condition {
        status: text(&c["status"]).to_string(),
        reason: text(&c["reason"]).to_string(),
        message: text(&c["message"]).to_string(),
        since: time(&c["lastTransitionTime"]),
    })
}

fn items(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn opt_text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

fn int(v: &Value) -> i32 {
    int_or(v, 0)
}

fn int_or(v: &Value, default: i32) -> i32 {
    v.as_i64().and_then(|n| i32::try_from(n).ok()).unwrap_or(default)
}

fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn jiff_time(t: &k8s_openapi::jiff::Timestamp) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.as_second(), u32::try_from(t.subsec_nanosecond()).ok()?)
}
