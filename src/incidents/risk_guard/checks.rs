//! The checks of one pod template (its pod spec, then each init container and container) and
//! of an object's API version. Each reports through `found`. Pure.

use serde_json::Value;

use super::findings::{Check, Found, Options};
use super::images::{self, Pin};
use super::pod_templates::PodTemplate;
use super::removed_apis::{self, KubeVersion};
use crate::inventory::manifests::Manifest;

/// Capabilities that hand a container its node (or its network): blocking.
const DANGEROUS_CAPABILITIES: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_BOOT",
    "SYS_TIME",
    "DAC_READ_SEARCH",
    "BPF",
];

/// The one capability the restricted Pod Security Standard lets a container add.
const HARMLESS_CAPABILITY: &str = "NET_BIND_SERVICE";

/// Words in an env var's name that say its value is a credential.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
];

/// Endings that make such a name point at a credential rather than hold one.
const REFERENCE_SUFFIXES: &[&str] = &["_FILE", "_PATH", "_URL", "_URI", "_NAME", "_DIR"];

/// `m`'s API version, when `target` no longer serves it.
pub fn removed_api(m: &Manifest, target: KubeVersion, found: &mut Found) {
    let api_version = m.object["apiVersion"].as_str().unwrap_or_default();
    if let Some(r) = removed_apis::removed_by(api_version, &m.kind, target) {
        found(
            Check::RemovedApi,
            None,
            "apiVersion".into(),
            format!(
                "{api_version} {} was removed in Kubernetes {} and the target is {target}: the apiserver \
                 refuses it. Use {}.",
                m.kind, r.removed_in, r.replacement
            ),
        );
    }
}

/// Every check of a pod template.
pub fn pod(t: &PodTemplate, options: &Options, found: &mut Found) {
    let p = t.path;
    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        if t.spec[field] == Value::Bool(true) {
            found(
                Check::HostNamespace,
                None,
                format!("{p}.{field}"),
                format!(
                    "{field} is true: the pods share the node's namespace and see (or reach) what runs on it. \
                     Remove {field}, or set it to false."
                ),
            );
        }
    }
    for (i, volume) in items(&t.spec["volumes"]) {
        if let Some(host) = volume.get("hostPath") {
            found(
                Check::HostPathVolume,
                None,
                format!("{p}.volumes[{i}].hostPath"),
                format!(
                    "volume {:?} mounts the node's {:?}: a container can read or change the node through it. \
                     Use a persistentVolumeClaim, configMap, secret or emptyDir volume instead.",
                    text(&volume["name"]),
                    text(&host["path"])
                ),
            );
        }
    }
    for field in ["initContainers", "containers"] {
        for (i, c) in items(&t.spec[field]) {
            let at = format!("{p}.{field}[{i}]");
            let check = ContainerCheck {
                pod: t,
                container: c,
                name: c["name"].as_str(),
                at: &at,
                init: field == "initContainers",
            };
            check.security(found);
            check.resources(found);
            check.image(options, found);
            check.probes(found);
            check.env(found);
        }
    }
}

/// The checks of one container.
struct ContainerCheck<'a> {
    pod: &'a PodTemplate<'a>,
    container: &'a Value,
    name: Option<&'a str>,
    /// The container's path, e.g. `spec.containers[1]`.
    at: &'a str,
    init: bool,
}

impl ContainerCheck<'_> {
    fn security(&self, found: &mut Found) {
        let (c, at, name) = (&self.container["securityContext"], self.at, self.name);
        let pod = &self.pod.spec["securityContext"];
        let privileged = c["privileged"] == Value::Bool(true);
        if privileged {
            found(
                Check::PrivilegedContainer,
                name,
                format!("{at}.securityContext.privileged"),
                "privileged is true: the container has every capability and the node's devices, as root \
                 on the node. Remove privileged and add only the capabilities it needs."
                    .into(),
            );
        }
        // A privileged container escalates anyway (and Kubernetes refuses it with escalation off).
        match c["allowPrivilegeEscalation"].as_bool() {
            Some(false) => {}
            _ if privileged => {}
            given => found(
                Check::PrivilegeEscalationAllowed,
                name,
                format!("{at}.securityContext.allowPrivilegeEscalation"),
                format!(
                    "allowPrivilegeEscalation is {}: a process can gain more privileges than its parent \
                     (setuid binaries). Set securityContext.allowPrivilegeEscalation: false.",
                    match given {
                        Some(true) => "true",
                        _ => "not set (Kubernetes defaults it to true)",
                    }
                ),
            ),
        }
        let (user, user_at) = match c["runAsUser"].as_i64() {
            Some(u) => (Some(u), format!("{at}.securityContext.runAsUser")),
            None => (
                pod["runAsUser"].as_i64(),
                format!("{}.securityContext.runAsUser", self.pod.path),
            ),
        };
        let non_root = c["runAsNonRoot"].as_bool().or(pod["runAsNonRoot"].as_bool());
        if user == Some(0) {
            found(
                Check::RunAsRoot,
                name,
                user_at,
                "runAsUser is 0: the container runs as root. Run it as a non-root user (runAsUser above 0, \
                 runAsNonRoot: true)."
                    .into(),
            );
        } else if non_root != Some(true) && user.is_none_or(|u| u <= 0) {
            found(
                Check::RunAsNonRootNotEnforced,
                name,
                format!("{at}.securityContext.runAsNonRoot"),
                format!(
                    "runAsNonRoot is {} and no runAsUser above 0 is set: the image's user (often root) is used. \
                     Set securityContext.runAsNonRoot: true (pod or container).",
                    match non_root {
                        Some(false) => "false",
                        _ => "not set",
                    }
                ),
            );
        }
        for (i, cap) in items(&c["capabilities"]["add"]) {
            let given = text(cap);
            let bare = given.to_ascii_uppercase();
            let bare = bare.strip_prefix("CAP_").unwrap_or(&bare);
            let path = format!("{at}.securityContext.capabilities.add[{i}]");
            if DANGEROUS_CAPABILITIES.contains(&bare) {
                found(
                    Check::DangerousCapability,
                    name,
                    path,
                    format!(
                        "capability {given} lets the container control the node or its network. Remove it; \
                         drop ALL and add back only what the program needs."
                    ),
                );
            } else if bare != HARMLESS_CAPABILITY {
                found(
                    Check::CapabilityAdded,
                    name,
                    path,
                    format!(
                        "capability {given} is added beyond the runtime's defaults. Remove it unless the program \
                         needs it (only {HARMLESS_CAPABILITY} is allowed by the restricted Pod Security Standard)."
                    ),
                );
            }
        }
    }

    fn resources(&self, found: &mut Found) {
        let (r, at, name) = (&self.container["resources"], self.at, self.name);
        let missing: Vec<&str> = ["cpu", "memory"]
            .into_iter()
            .filter(|k| r["requests"].get(k).is_none_or(Value::is_null))
            .collect();
        if !missing.is_empty() {
            found(
                Check::MissingResourceRequests,
                name,
                format!("{at}.resources.requests"),
                format!(
                    "no {} request: the scheduler places the pod blind and it is among the first evicted \
                     under pressure. Set resources.requests.cpu and resources.requests.memory.",
                    missing.join(" or ")
                ),
            );
        }
        if r["limits"].get("memory").is_none_or(Value::is_null) {
            found(
                Check::MissingMemoryLimit,
                name,
                format!("{at}.resources.limits.memory"),
                "no memory limit: a leak can take the node's memory from its neighbours. Set \
                 resources.limits.memory."
                    .into(),
            );
        }
    }

    fn image(&self, options: &Options, found: &mut Found) {
        let Some(image) = self.container["image"].as_str() else {
            return;
        };
        let path = format!("{}.image", self.at);
        let floating = match images::pin(image) {
            Pin::Tag("latest") => Some("is tagged latest"),
            Pin::Nothing => Some("has no tag (the runtime pulls latest)"),
            Pin::Tag(_) | Pin::Digest => None,
        };
        if let Some(why) = floating {
            found(
                Check::ImageLatestTag,
                self.name,
                path.clone(),
                format!(
                    "image {image:?} {why}: what runs changes with every push and a rollback cannot go back. \
                     Pin a version tag or a digest."
                ),
            );
        }
        if !options.image_allowlist.is_empty() && !images::allowed(image, &options.image_allowlist) {
            found(
                Check::ImageNotAllowed,
                self.name,
                path,
                format!(
                    "image {image:?} ({}) is not from the platform's registries ({}). Push it to one of them \
                     and use that reference.",
                    images::normalized(image),
                    options.image_allowlist.join(", ")
                ),
            );
        }
    }

    fn probes(&self, found: &mut Found) {
        // Init containers run to completion (Kubernetes refuses their probes), as do a Job's pods.
        if self.init || !self.pod.long_running {
            return;
        }
        if self.container.get("readinessProbe").is_none_or(Value::is_null) {
            found(
                Check::MissingReadinessProbe,
                self.name,
                format!("{}.readinessProbe", self.at),
                "no readinessProbe: traffic reaches the container before it can serve, and a rollout does \
                 not wait for it. Add a readinessProbe (httpGet, tcpSocket, grpc or exec)."
                    .into(),
            );
        }
        if self.container.get("livenessProbe").is_none_or(Value::is_null) {
            found(
                Check::MissingLivenessProbe,
                self.name,
                format!("{}.livenessProbe", self.at),
                "no livenessProbe: a hung container is never restarted. Add a livenessProbe.".into(),
            );
        }
    }

    fn env(&self, found: &mut Found) {
        for (i, var) in items(&self.container["env"]) {
            let name = text(&var["name"]);
            let Some(value) = var["value"].as_str().filter(|v| !v.is_empty()) else {
                continue;
            };
            if !secret_like(name) {
                continue;
            }
            // The value itself never goes into the answer: it is the secret.
            found(
                Check::SecretEnvLiteral,
                self.name,
                format!("{}.env[{i}].value", self.at),
                format!(
                    "env {name} holds a literal value ({} characters) that looks like a credential: anyone who \
                     can read the object reads it. Put it in a Secret and use env[].valueFrom.secretKeyRef.",
                    value.chars().count()
                ),
            );
        }
    }
}

/// An env var name that says it holds a credential.
fn secret_like(name: &str) -> bool {
    let upper = name.to_ascii_uppercase().replace('-', "_");
    SECRET_WORDS.iter().any(|w| upper.contains(w)) && !REFERENCE_SUFFIXES.iter().any(|s| upper.ends_with(s))
}

/// The items of an array (none when it is not one), with their index.
fn items(v: &Value) -> impl Iterator<Item = (usize, &Value)> {
    v.as_array().into_iter().flatten().enumerate()
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::{Analysis, Check, Finding, Options, analyze};
    use super::secret_like;

    /// A container that passes every check, with `extra` YAML merged into it (flow style).
    const CLEAN: &str = "name: app, image: 'ghcr.io/acme/app:1.2', \
        securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false}, \
        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}, \
        readinessProbe: {httpGet: {path: /ready, port: 8080}}, livenessProbe: {httpGet: {path: /live, port: 8080}}";

    fn deployment(pod: &str, container: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: shop}}\nspec:\n  replicas: 2\n  \
             selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    \
             spec: {{{pod} containers: [{{{container}}}]}}\n"
        )
    }

    fn options() -> Options {
        Options {
            default_namespace: "default".into(),
            image_allowlist: vec!["ghcr.io/acme".into()],
            kubernetes_version: super::KubeVersion::parse("1.33"),
            environment: None,
        }
    }

    fn run(pod: &str, container: &str) -> Analysis {
        analyze(&deployment(pod, container), &options())
    }

    /// The one finding of `check`, asserting it is the only check found.
    fn only(a: &Analysis, check: Check) -> Finding {
        let checks: Vec<Check> = a.findings.iter().map(|f| f.check).collect();
        assert!(!checks.is_empty() && checks.iter().all(|c| *c == check), "{checks:?}");
        a.findings[0].clone()
    }

    /// `CLEAN` with the securityContext replaced.
    fn with_security(security: &str) -> String {
        CLEAN.replace(
            "securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false}",
            security,
        )
    }

    #[test]
    fn a_clean_container_has_no_finding() {
        let a = run("", CLEAN);
        assert!(a.findings.is_empty(), "{:?}", a.findings);
        assert_eq!(a.score, 100);
    }

    #[test]
    fn privileged_container() {
        let f = only(
            &run(
                "",
                &with_security("securityContext: {runAsNonRoot: true, privileged: true}"),
            ),
            Check::PrivilegedContainer,
        );
        assert_eq!(f.path, "spec.template.spec.containers[0].securityContext.privileged");
        assert_eq!((f.container.as_deref(), f.blocking), (Some("app"), true));
        assert_eq!(
            (
                f.object.kind.as_str(),
                f.object.name.as_str(),
                f.object.namespace.as_deref()
            ),
            ("Deployment", "web", Some("shop"))
        );
    }

    #[test]
    fn host_namespaces() {
        let a = run("hostNetwork: true, hostPID: true, hostIPC: false,", CLEAN);
        only(&a, Check::HostNamespace);
        let paths: Vec<&str> = a.findings.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["spec.template.spec.hostNetwork", "spec.template.spec.hostPID"]);
        assert_eq!(a.findings[0].container, None);
    }

    #[test]
    fn host_path_volume() {
        let f = only(
            &run(
                "volumes: [{name: docker, hostPath: {path: /var/run/docker.sock}}],",
                CLEAN,
            ),
            Check::HostPathVolume,
        );
        assert_eq!(f.path, "spec.template.spec.volumes[0].hostPath");
        assert!(f.explanation.contains("/var/run/docker.sock"), "{}", f.explanation);
    }

    #[test]
    fn run_as_root_at_the_pod_or_the_container() {
        let pod = with_security("securityContext: {allowPrivilegeEscalation: false}");
        let f = only(&run("securityContext: {runAsUser: 0},", &pod), Check::RunAsRoot);
        assert_eq!(f.path, "spec.template.spec.securityContext.runAsUser");
        // The container's own setting wins over the pod's.
        let container = with_security("securityContext: {allowPrivilegeEscalation: false, runAsUser: 0}");
        let f = only(
            &run("securityContext: {runAsUser: 1000},", &container),
            Check::RunAsRoot,
        );
        assert_eq!(f.path, "spec.template.spec.containers[0].securityContext.runAsUser");
        assert!(f.blocking);
        let fine = with_security("securityContext: {allowPrivilegeEscalation: false, runAsUser: 1000}");
        assert!(run("securityContext: {runAsUser: 0},", &fine).findings.is_empty());
    }

    #[test]
    fn run_as_non_root_not_enforced() {
        let f = only(
            &run("", &with_security("securityContext: {allowPrivilegeEscalation: false}")),
            Check::RunAsNonRootNotEnforced,
        );
        assert!(!f.blocking && f.explanation.contains("not set"));
        // The pod's runAsNonRoot counts; a container's false overrides it.
        let bare = with_security("securityContext: {allowPrivilegeEscalation: false}");
        assert!(run("securityContext: {runAsNonRoot: true},", &bare).findings.is_empty());
        let off = with_security("securityContext: {allowPrivilegeEscalation: false, runAsNonRoot: false}");
        only(
            &run("securityContext: {runAsNonRoot: true},", &off),
            Check::RunAsNonRootNotEnforced,
        );
    }

    #[test]
    fn privilege_escalation_allowed() {
        let f = only(
            &run("", &with_security("securityContext: {runAsNonRoot: true}")),
            Check::PrivilegeEscalationAllowed,
        );
        assert!(f.explanation.contains("defaults it to true"));
        let f = only(
            &run(
                "",
                &with_security("securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: true}"),
            ),
            Check::PrivilegeEscalationAllowed,
        );
        assert!(f.explanation.contains("is true"));
    }

    #[test]
    fn capabilities() {
        let caps = |add: &str| {
            with_security(&format!(
                "securityContext: {{runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: {{add: [{add}]}}}}"
            ))
        };
        let f = only(&run("", &caps("NET_ADMIN")), Check::DangerousCapability);
        assert_eq!(
            (f.path.as_str(), f.blocking),
            (
                "spec.template.spec.containers[0].securityContext.capabilities.add[0]",
                true
            )
        );
        only(&run("", &caps("CAP_SYS_PTRACE")), Check::DangerousCapability);
        let f = only(&run("", &caps("NET_BIND_SERVICE, CHOWN")), Check::CapabilityAdded);
        assert_eq!(
            (f.path.as_str(), f.blocking),
            (
                "spec.template.spec.containers[0].securityContext.capabilities.add[1]",
                false
            )
        );
        assert!(run("", &caps("NET_BIND_SERVICE")).findings.is_empty());
    }

    #[test]
    fn missing_requests_and_memory_limit() {
        let a = run(
            "",
            &CLEAN.replace("requests: {cpu: 100m, memory: 64Mi}", "requests: {cpu: 100m}"),
        );
        let f = only(&a, Check::MissingResourceRequests);
        assert!(f.explanation.starts_with("no memory request"), "{}", f.explanation);
        let f = only(
            &run("", &CLEAN.replace("limits: {memory: 128Mi}", "limits: {cpu: '1'}")),
            Check::MissingMemoryLimit,
        );
        assert_eq!(f.path, "spec.template.spec.containers[0].resources.limits.memory");
    }

    #[test]
    fn image_latest_tag() {
        let f = only(
            &run("", &CLEAN.replace("ghcr.io/acme/app:1.2", "ghcr.io/acme/app")),
            Check::ImageLatestTag,
        );
        assert!(f.explanation.contains("no tag"));
        only(&run("", &CLEAN.replace("app:1.2", "app:latest")), Check::ImageLatestTag);
        assert!(run("", &CLEAN.replace("app:1.2", "app@sha256:abc")).findings.is_empty());
    }

    #[test]
    fn image_not_allowed() {
        let f = only(
            &run("", &CLEAN.replace("ghcr.io/acme/app:1.2", "docker.io/evil/app:1.2")),
            Check::ImageNotAllowed,
        );
        assert!(
            f.blocking && f.explanation.contains("ghcr.io/acme"),
            "{}",
            f.explanation
        );
    }

    #[test]
    fn probes_on_long_running_containers_only() {
        let no_probes = CLEAN.replace(", readinessProbe: {httpGet: {path: /ready, port: 8080}}", "");
        let f = only(&run("", &no_probes), Check::MissingReadinessProbe);
        assert_eq!(f.path, "spec.template.spec.containers[0].readinessProbe");
        only(
            &run(
                "",
                &CLEAN.replace(", livenessProbe: {httpGet: {path: /live, port: 8080}}", ""),
            ),
            Check::MissingLivenessProbe,
        );
        let job = deployment("", &no_probes)
            .replace("apps/v1\nkind: Deployment", "batch/v1\nkind: Job")
            .replace("  replicas: 2\n", "");
        assert!(
            analyze(&job, &options()).findings.is_empty(),
            "a Job's pods need no probes"
        );
        // Init containers are checked (here their image) but never for probes.
        let init = format!("initContainers: [{{{}}}],", no_probes.replace("app:1.2", "app"));
        let a = run(&init, CLEAN);
        let f = only(&a, Check::ImageLatestTag);
        assert_eq!(f.path, "spec.template.spec.initContainers[0].image");
    }

    #[test]
    fn secret_env_literal_never_repeats_the_value() {
        let env = ", env: [{name: LOG_LEVEL, value: debug}, {name: DB_PASSWORD, value: hunter2}, {name: API_TOKEN, valueFrom: {secretKeyRef: {name: s, key: k}}}]";
        let f = only(&run("", &format!("{CLEAN}{env}")), Check::SecretEnvLiteral);
        assert_eq!(f.path, "spec.template.spec.containers[0].env[1].value");
        assert!(f.explanation.contains("DB_PASSWORD") && f.explanation.contains("7 characters"));
        assert!(!f.explanation.contains("hunter2"));
        assert!(secret_like("aws-secret-access-key") && secret_like("GITHUB_TOKEN"));
        assert!(!secret_like("PASSWORD_FILE") && !secret_like("LOG_LEVEL") && !secret_like("SECRET_NAME"));
    }

    #[test]
    fn removed_api() {
        let text =
            "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec: {minAvailable: 1}\n";
        let a = analyze(text, &options());
        let f = only(&a, Check::RemovedApi);
        assert_eq!((f.path.as_str(), f.blocking), ("apiVersion", true));
        assert!(
            f.explanation.contains("1.25") && f.explanation.contains("policy/v1."),
            "{}",
            f.explanation
        );
        let older = Options {
            kubernetes_version: super::KubeVersion::parse("1.24"),
            ..options()
        };
        assert!(analyze(text, &older).findings.is_empty());
    }
}
