//! The manifest `GET /join` serves (pure): applied with `kubectl apply -f -` on the cluster to
//! join, it creates the agent's namespace, ServiceAccount, a long-lived token Secret for it, a
//! ClusterRole that reads everything and may impersonate (nothing else), its binding, and a Job
//! that posts the cluster's CA and the agent's token back to Fleetdeck with the join token.
//!
//! Why a `kubernetes.io/service-account-token` Secret rather than the pod's own projected token:
//! a projected token expires within hours and dies with the Job's pod, and Fleetdeck keeps the
//! token as the cluster's credential. The Secret is mounted where a pod's token usually is,
//! `/var/run/secrets/kubernetes.io/serviceaccount/` (`token`, `ca.crt`), with the automatic
//! mount off; until the token controller has filled it in, the kubelet retries the mount.

use serde_json::{Value, json};

pub const NAMESPACE: &str = "fleetdeck-agent";
pub const SERVICE_ACCOUNT: &str = "fleetdeck-agent";
pub const TOKEN_SECRET: &str = "fleetdeck-agent-token";
pub const CLUSTER_ROLE: &str = "fleetdeck-agent";
/// The Job's image: a small one with `sh`, `base64` and `curl`.
pub const JOB_IMAGE: &str = "curlimages/curl:8.11.1";
/// Where the Job reads the agent's token and the cluster CA.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The Job's script. Every value comes from the environment, none is pasted into the script.
/// It posts the CA (base64 PEM) and the agent's token; the apiserver URL is the one the admin
/// gave with the token (the in-cluster `kubernetes.default.svc` would be useless to Fleetdeck).
pub const JOB_SCRIPT: &str = r#"set -eu
ca=$(base64 < "$SERVICE_ACCOUNT_DIR/ca.crt" | tr -d '\n')
token=$(cat "$SERVICE_ACCOUNT_DIR/token")
test -n "$token"
printf '{"joinToken":"%s","cluster":"%s","certificateAuthorityData":"%s","token":"%s"}' \
  "$JOIN_TOKEN" "$CLUSTER" "$ca" "$token" |
  curl -sS --fail-with-body -X POST -H 'Content-Type: application/json' --data-binary @- \
    "$FLEETDECK_URL/api/join/register"
"#;

/// What the manifest is made for.
pub struct JoinManifest<'a> {
    /// Fleetdeck's public base URL, without a trailing slash.
    pub fleetdeck_url: &'a str,
    /// The name the cluster registers under.
    pub cluster: &'a str,
    pub token_id: &'a str,
    /// The join token itself: the Job needs it to register.
    pub token: &'a str,
}

/// The objects, in the order they must be applied.
pub fn objects(m: &JoinManifest) -> Vec<Value> {
    // Named per token: a Job's template cannot change, so a second join attempt with a new
    // token must not collide with the first one's Job.
    let suffix: String = m.token_id.chars().filter(char::is_ascii_alphanumeric).take(8).collect();
    let join = format!("fleetdeck-join-{}", suffix.to_ascii_lowercase());
    let labels = json!({"app.kubernetes.io/name": "fleetdeck-agent", "app.kubernetes.io/managed-by": "fleetdeck"});
    let meta = |name: &str| json!({"name": name, "namespace": NAMESPACE, "labels": labels});
    vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE, "labels": labels}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(SERVICE_ACCOUNT)}),
        json!({
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
            "metadata": {
                "name": TOKEN_SECRET, "namespace": NAMESPACE, "labels": labels,
                "annotations": {"kubernetes.io/service-account.name": SERVICE_ACCOUNT},
            },
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": CLUSTER_ROLE, "labels": labels},
            "rules": [
                {"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list", "watch"]},
                {"nonResourceURLs": ["*"], "verbs": ["get"]},
                {"apiGroups": [""], "resources": ["users", "groups", "serviceaccounts"], "verbs": ["impersonate"]},
            ],
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": CLUSTER_ROLE, "labels": labels},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": CLUSTER_ROLE},
            "subjects": [{"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": NAMESPACE}],
        }),
        json!({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": meta(&join),
            "stringData": {"token": m.token},
        }),
        json!({
            "apiVersion": "batch/v1", "kind": "Job", "metadata": meta(&join),
            "spec": {
                "backoffLimit": 6,
                "ttlSecondsAfterFinished": 3600,
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "serviceAccountName": SERVICE_ACCOUNT,
                        "automountServiceAccountToken": false,
                        "restartPolicy": "OnFailure",
                        "securityContext": {"runAsNonRoot": true, "runAsUser": 65532, "seccompProfile": {"type": "RuntimeDefault"}},
                        "containers": [{
                            "name": "join",
                            "image": JOB_IMAGE,
                            "command": ["sh", "-c", JOB_SCRIPT],
                            "env": [
                                {"name": "FLEETDECK_URL", "value": m.fleetdeck_url},
                                {"name": "CLUSTER", "value": m.cluster},
                                {"name": "SERVICE_ACCOUNT_DIR", "value": SERVICE_ACCOUNT_DIR},
                                {"name": "JOIN_TOKEN", "valueFrom": {"secretKeyRef": {"name": join, "key": "token"}}},
                            ],
                            "volumeMounts": [{"name": "agent-token", "mountPath": SERVICE_ACCOUNT_DIR, "readOnly": true}],
                            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "64Mi"}},
                            "securityContext": {
                                "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                                "capabilities": {"drop": ["ALL"]},
                            },
                        }],
                        "volumes": [{
                            "name": "agent-token",
                            "secret": {
                                "secretName": TOKEN_SECRET,
                                "items": [{"key": "token", "path": "token"}, {"key": "ca.crt", "path": "ca.crt"}],
                            },
                        }],
                    },
                },
            },
        }),
    ]
}

/// The objects as one multi-document YAML text.
pub fn render(m: &JoinManifest) -> String {
    objects(m)
        .iter()
        .map(|o| {
            format!(
                "---\n{}",
                yaml_serde::to_string(o).expect("JSON values serialize as YAML")
            )
        })
        .collect()
}

/// The one-line command shown with a new token.
pub fn command(fleetdeck_url: &str, token: &str) -> String {
    format!("curl -sfL '{fleetdeck_url}/join?token={token}' | kubectl apply -f -")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    const TOKEN: &str = "fdj_0b6e1c2a-7d4f-4c1e-9a57-1f0c2d3e4f50.secret";

    fn manifest() -> JoinManifest<'static> {
        JoinManifest {
            fleetdeck_url: "https://fleet.example.com",
            cluster: "edge-1",
            token_id: "0b6e1c2a-7d4f-4c1e-9a57-1f0c2d3e4f50",
            token: TOKEN,
        }
    }

    fn documents(text: &str) -> Vec<Value> {
        yaml_serde::Deserializer::from_str(text)
            .map(|d| Value::deserialize(d).unwrap())
            .collect()
    }

    #[test]
    fn renders_the_objects_in_apply_order() {
        let docs = documents(&render(&manifest()));
        let kinds: Vec<(&str, &str)> = docs
            .iter()
            .map(|d| (d["kind"].as_str().unwrap(), d["metadata"]["name"].as_str().unwrap()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("Namespace", "fleetdeck-agent"),
                ("ServiceAccount", "fleetdeck-agent"),
                ("Secret", "fleetdeck-agent-token"),
                ("ClusterRole", "fleetdeck-agent"),
                ("ClusterRoleBinding", "fleetdeck-agent"),
                ("Secret", "fleetdeck-join-0b6e1c2a"),
                ("Job", "fleetdeck-join-0b6e1c2a"),
            ]
        );
        assert_eq!(docs, objects(&manifest()), "the YAML says what the objects say");
    }

    #[test]
    fn the_role_reads_and_impersonates_only() {
        let role = &objects(&manifest())[3];
        let verbs: Vec<&str> = role["rules"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["verbs"].as_array().unwrap())
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(verbs, ["get", "list", "watch", "get", "impersonate"]);
        assert_eq!(
            role["rules"][2]["resources"],
            json!(["users", "groups", "serviceaccounts"])
        );
    }

    #[test]
    fn the_job_takes_every_value_from_its_environment() {
        let job = &objects(&manifest())[6];
        let pod = &job["spec"]["template"]["spec"];
        assert_eq!(pod["automountServiceAccountToken"], false);
        assert_eq!(pod["volumes"][0]["secret"]["secretName"], TOKEN_SECRET);
        let container = &pod["containers"][0];
        assert_eq!(container["volumeMounts"][0]["mountPath"], SERVICE_ACCOUNT_DIR);
        let env: Vec<(&str, &Value)> = container["env"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["name"].as_str().unwrap(), e.get("value").unwrap_or(&e["valueFrom"])))
            .collect();
        assert_eq!(env[0], ("FLEETDECK_URL", &json!("https://fleet.example.com")));
        assert_eq!(env[1], ("CLUSTER", &json!("edge-1")));
        assert_eq!(env[3].1["secretKeyRef"]["name"], "fleetdeck-join-0b6e1c2a");
        let script = container["command"][2].as_str().unwrap();
        assert!(
            !script.contains(TOKEN) && !script.contains("fleet.example.com"),
            "{script}"
        );
        assert!(script.contains("/api/join/register"));
        assert_eq!(objects(&manifest())[5]["stringData"]["token"], TOKEN);
    }

    #[test]
    fn the_command_pipes_the_manifest_into_kubectl() {
        assert_eq!(
            command("https://fleet.example.com", TOKEN),
            format!("curl -sfL 'https://fleet.example.com/join?token={TOKEN}' | kubectl apply -f -")
        );
    }
}
