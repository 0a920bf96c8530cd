//! API versions Kubernetes removed, after the official deprecation guide
//! (kubernetes.io/docs/reference/using-api/deprecation-guide), and the target version they are
//! checked against. Pure.

use std::fmt;

/// A Kubernetes minor release, `1.33`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubeVersion {
    pub major: u32,
    pub minor: u32,
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl KubeVersion {
    /// `1.33`, `v1.33.2`, or a provider's `v1.29.4-eks-036c24b` (a cluster's gitVersion).
    pub fn parse(s: &str) -> Option<KubeVersion> {
        let s = s.trim();
        let s = s.strip_prefix('v').unwrap_or(s);
        let mut parts = s.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor: String = parts.next()?.chars().take_while(char::is_ascii_digit).collect();
        Some(KubeVersion {
            major,
            minor: minor.parse().ok()?,
        })
    }
}

/// One removed API: `api_version` + `kind` is not served from `removed_in` on.
pub struct RemovedApi {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub removed_in: KubeVersion,
    /// What to use instead.
    pub replacement: &'static str,
}

const fn v(minor: u32) -> KubeVersion {
    KubeVersion { major: 1, minor }
}

const fn removed(api_version: &'static str, kind: &'static str, minor: u32, replacement: &'static str) -> RemovedApi {
    RemovedApi {
        api_version,
        kind,
        removed_in: v(minor),
        replacement,
    }
}

/// The removed API versions of built-in kinds (alpha versions left out: they come and go).
pub const REMOVED: &[RemovedApi] = &[
    // 1.16
    removed("extensions/v1beta1", "Deployment", 16, "apps/v1"),
    removed("extensions/v1beta1", "DaemonSet", 16, "apps/v1"),
    removed("extensions/v1beta1", "ReplicaSet", 16, "apps/v1"),
    removed("extensions/v1beta1", "NetworkPolicy", 16, "networking.k8s.io/v1"),
    removed(
        "extensions/v1beta1",
        "PodSecurityPolicy",
        16,
        "policy/v1beta1 (itself removed in 1.25)",
    ),
    removed("apps/v1beta1", "Deployment", 16, "apps/v1"),
    removed("apps/v1beta1", "StatefulSet", 16, "apps/v1"),
    removed("apps/v1beta2", "Deployment", 16, "apps/v1"),
    removed("apps/v1beta2", "StatefulSet", 16, "apps/v1"),
    removed("apps/v1beta2", "DaemonSet", 16, "apps/v1"),
    removed("apps/v1beta2", "ReplicaSet", 16, "apps/v1"),
    // 1.22
    removed("extensions/v1beta1", "Ingress", 22, "networking.k8s.io/v1"),
    removed("networking.k8s.io/v1beta1", "Ingress", 22, "networking.k8s.io/v1"),
    removed("networking.k8s.io/v1beta1", "IngressClass", 22, "networking.k8s.io/v1"),
    removed(
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        22,
        "admissionregistration.k8s.io/v1",
    ),
    removed(
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        22,
        "admissionregistration.k8s.io/v1",
    ),
    removed(
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        22,
        "apiextensions.k8s.io/v1",
    ),
    removed(
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        22,
        "apiregistration.k8s.io/v1",
    ),
    removed(
        "authentication.k8s.io/v1beta1",
        "TokenReview",
        22,
        "authentication.k8s.io/v1",
    ),
    removed(
        "authorization.k8s.io/v1beta1",
        "SubjectAccessReview",
        22,
        "authorization.k8s.io/v1",
    ),
    removed(
        "authorization.k8s.io/v1beta1",
        "LocalSubjectAccessReview",
        22,
        "authorization.k8s.io/v1",
    ),
    removed(
        "authorization.k8s.io/v1beta1",
        "SelfSubjectAccessReview",
        22,
        "authorization.k8s.io/v1",
    ),
    removed(
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        22,
        "certificates.k8s.io/v1",
    ),
    removed("coordination.k8s.io/v1beta1", "Lease", 22, "coordination.k8s.io/v1"),
    removed(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRole",
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    removed(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRoleBinding",
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    removed(
        "rbac.authorization.k8s.io/v1beta1",
        "Role",
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    removed(
        "rbac.authorization.k8s.io/v1beta1",
        "RoleBinding",
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    removed("scheduling.k8s.io/v1beta1", "PriorityClass", 22, "scheduling.k8s.io/v1"),
    removed("storage.k8s.io/v1beta1", "CSIDriver", 22, "storage.k8s.io/v1"),
    removed("storage.k8s.io/v1beta1", "CSINode", 22, "storage.k8s.io/v1"),
    removed("storage.k8s.io/v1beta1", "StorageClass", 22, "storage.k8s.io/v1"),
    removed("storage.k8s.io/v1beta1", "VolumeAttachment", 22, "storage.k8s.io/v1"),
    // 1.25
    removed("batch/v1beta1", "CronJob", 25, "batch/v1"),
    removed("discovery.k8s.io/v1beta1", "EndpointSlice", 25, "discovery.k8s.io/v1"),
    removed("events.k8s.io/v1beta1", "Event", 25, "events.k8s.io/v1"),
    removed("autoscaling/v2beta1", "HorizontalPodAutoscaler", 25, "autoscaling/v2"),
    removed("policy/v1beta1", "PodDisruptionBudget", 25, "policy/v1"),
    removed(
        "policy/v1beta1",
        "PodSecurityPolicy",
        25,
        "Pod Security Admission (no replacement kind)",
    ),
    removed("node.k8s.io/v1beta1", "RuntimeClass", 25, "node.k8s.io/v1"),
    // 1.26
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowSchema",
        26,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
        26,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    removed("autoscaling/v2beta2", "HorizontalPodAutoscaler", 26, "autoscaling/v2"),
    // 1.27
    removed("storage.k8s.io/v1beta1", "CSIStorageCapacity", 27, "storage.k8s.io/v1"),
    // 1.29
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "FlowSchema",
        29,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "PriorityLevelConfiguration",
        29,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    // 1.32
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "FlowSchema",
        32,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "PriorityLevelConfiguration",
        32,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
];

/// The entry saying `api_version` `kind` is no longer served by `target`, if any.
pub fn removed_by(api_version: &str, kind: &str, target: KubeVersion) -> Option<&'static RemovedApi> {
    REMOVED
        .iter()
        .find(|r| r.api_version == api_version && r.kind == kind && r.removed_in <= target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_as_clusters_and_people_write_them() {
        let want = Some(v(29));
        assert_eq!(KubeVersion::parse("1.29"), want);
        assert_eq!(KubeVersion::parse("v1.29.4"), want);
        assert_eq!(KubeVersion::parse("v1.29.4-eks-036c24b"), want);
        assert_eq!(KubeVersion::parse("v1.29+"), want);
        for bad in ["", "1", "latest", "1.x", "v.29"] {
            assert_eq!(KubeVersion::parse(bad), None, "{bad}");
        }
        assert!(v(9) < v(10), "minors compare as numbers");
    }

    #[test]
    fn an_api_is_removed_from_its_release_on() {
        let pdb = |target| removed_by("policy/v1beta1", "PodDisruptionBudget", v(target)).map(|r| r.replacement);
        assert_eq!(pdb(24), None);
        assert_eq!(pdb(25), Some("policy/v1"));
        assert_eq!(pdb(33), Some("policy/v1"));
        assert!(removed_by("networking.k8s.io/v1beta1", "Ingress", v(22)).is_some());
        assert!(removed_by("networking.k8s.io/v1", "Ingress", v(33)).is_none());
        assert!(removed_by("autoscaling/v2beta2", "HorizontalPodAutoscaler", v(25)).is_none());
        assert!(removed_by("autoscaling/v2beta2", "HorizontalPodAutoscaler", v(26)).is_some());
        assert!(removed_by("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", v(31)).is_none());
        assert!(removed_by("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", v(32)).is_some());
        assert!(removed_by("storage.k8s.io/v1beta1", "CSIStorageCapacity", v(27)).is_some());
    }

    #[test]
    fn the_table_has_one_entry_per_api_and_kind() {
        let mut seen = std::collections::HashSet::new();
        for r in REMOVED {
            assert!(
                seen.insert((r.api_version, r.kind)),
                "{} {} twice",
                r.api_version,
                r.kind
            );
            assert!(r.api_version.contains('/') && !r.replacement.is_empty());
        }
    }
}
