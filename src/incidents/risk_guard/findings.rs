//! What a finding is: the checks (stable codes, severity, blocking), the object and field it
//! names, and what the checks are given. Pure.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::removed_apis::KubeVersion;
use crate::inventory::manifests::Manifest;

/// What the guard checks; each serializes as its stable snake_case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = RiskCheck)]
pub enum Check {
    PrivilegedContainer,
    HostNamespace,
    HostPathVolume,
    RunAsRoot,
    RunAsNonRootNotEnforced,
    PrivilegeEscalationAllowed,
    DangerousCapability,
    CapabilityAdded,
    MissingResourceRequests,
    MissingMemoryLimit,
    ImageLatestTag,
    MissingReadinessProbe,
    MissingLivenessProbe,
    SingleReplicaWithoutPdb,
    SecretEnvLiteral,
    ImageNotAllowed,
    RemovedApi,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = RiskSeverity)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// What one finding of this severity takes off the score.
    pub fn weight(self) -> u32 {
        match self {
            Severity::Critical => 40,
            Severity::High => 20,
            Severity::Medium => 10,
            Severity::Low => 5,
        }
    }
}

impl Check {
    pub const ALL: [Check; 17] = [
        Check::PrivilegedContainer,
        Check::HostNamespace,
        Check::HostPathVolume,
        Check::RunAsRoot,
        Check::RunAsNonRootNotEnforced,
        Check::PrivilegeEscalationAllowed,
        Check::DangerousCapability,
        Check::CapabilityAdded,
        Check::MissingResourceRequests,
        Check::MissingMemoryLimit,
        Check::ImageLatestTag,
        Check::MissingReadinessProbe,
        Check::MissingLivenessProbe,
        Check::SingleReplicaWithoutPdb,
        Check::SecretEnvLiteral,
        Check::ImageNotAllowed,
        Check::RemovedApi,
    ];

    /// The stable code, as serialized.
    pub fn code(self) -> &'static str {
        match self {
            Check::PrivilegedContainer => "privileged_container",
            Check::HostNamespace => "host_namespace",
            Check::HostPathVolume => "host_path_volume",
            Check::RunAsRoot => "run_as_root",
            Check::RunAsNonRootNotEnforced => "run_as_non_root_not_enforced",
            Check::PrivilegeEscalationAllowed => "privilege_escalation_allowed",
            Check::DangerousCapability => "dangerous_capability",
            Check::CapabilityAdded => "capability_added",
            Check::MissingResourceRequests => "missing_resource_requests",
            Check::MissingMemoryLimit => "missing_memory_limit",
            Check::ImageLatestTag => "image_latest_tag",
            Check::MissingReadinessProbe => "missing_readiness_probe",
            Check::MissingLivenessProbe => "missing_liveness_probe",
            Check::SingleReplicaWithoutPdb => "single_replica_without_pdb",
            Check::SecretEnvLiteral => "secret_env_literal",
            Check::ImageNotAllowed => "image_not_allowed",
            Check::RemovedApi => "removed_api",
        }
    }

    pub fn severity(self) -> Severity {
        use Check::*;
        match self {
            PrivilegedContainer | HostNamespace | DangerousCapability | RemovedApi => Severity::Critical,
            HostPathVolume | RunAsRoot | SecretEnvLiteral | ImageNotAllowed | SingleReplicaWithoutPdb => Severity::High,
            PrivilegeEscalationAllowed
            | CapabilityAdded
            | MissingResourceRequests
            | MissingMemoryLimit
            | ImageLatestTag
            | MissingReadinessProbe => Severity::Medium,
            RunAsNonRootNotEnforced | MissingLivenessProbe => Severity::Low,
        }
    }

    /// Whether a finding of this check blocks an apply under the `block` policy: the workload
    /// can take over its node or leak a secret, or the apiserver would refuse it anyway.
    pub fn blocking(self) -> bool {
        use Check::*;
        matches!(
            self,
            PrivilegedContainer
                | HostNamespace
                | HostPathVolume
                | RunAsRoot
                | DangerousCapability
                | SecretEnvLiteral
                | ImageNotAllowed
                | RemovedApi
        )
    }
}

/// The object a finding is about.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = RiskObjectRef)]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    /// The namespace the object goes to (its own, else the default one); absent for
    /// cluster-scoped kinds that name none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    /// 1-based, counting the non-empty documents (as the apply does).
    pub document: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = RiskFinding)]
pub struct Finding {
    pub check: Check,
    pub severity: Severity,
    pub blocking: bool,
    pub object: ObjectRef,
    /// The container (or init container) at fault, when the finding is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// The offending field, e.g. `spec.template.spec.containers[0].securityContext.privileged`.
    pub path: String,
    /// What is wrong, with the value found, and how to fix it.
    pub explanation: String,
}

/// What the guard checks against, beyond the manifests.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The target Kubernetes version; none skips the removed-API check.
    pub kubernetes_version: Option<KubeVersion>,
    /// The environment the manifests go to; `prod` or `production` turns on the single-replica
    /// check everywhere (else it runs in namespaces named so).
    pub environment: Option<String>,
    /// Registry prefixes images must come from; empty skips the check.
    pub image_allowlist: Vec<String>,
    /// The namespace of namespaced objects that name none.
    pub default_namespace: String,
}

/// The namespace `m` goes to: its own, else the default one (cluster-scoped kinds the guard
/// knows have none).
pub fn namespace_of(m: &Manifest, options: &Options) -> Option<String> {
    const CLUSTER_SCOPED: &[&str] = &[
        "Namespace",
        "Node",
        "PersistentVolume",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "StorageClass",
        "PriorityClass",
        "IngressClass",
        "RuntimeClass",
        "PodSecurityPolicy",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "APIService",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "FlowSchema",
        "PriorityLevelConfiguration",
        "CertificateSigningRequest",
    ];
    match (&m.namespace, CLUSTER_SCOPED.contains(&m.kind.as_str())) {
        (Some(ns), _) => Some(ns.clone()),
        (None, true) => None,
        (None, false) => Some(options.default_namespace.clone()),
    }
}

/// Reports one finding: the check, the container, the field's path and the explanation.
pub type Found<'a> = dyn FnMut(Check, Option<&str>, String, String) + 'a;
