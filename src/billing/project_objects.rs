//! What a project and its apps are in their cluster (pure): the namespace, its ResourceQuota,
//! LimitRange and baseline NetworkPolicy, and per app a Deployment, a Service (with a port) and
//! an Ingress (with a host). The project sync applies them with server-side apply and prunes the
//! app objects no longer wanted.

use serde_json::{Value, json};

use super::model::{AppSpec, Quota};
use crate::kube::quantity;

/// The label on every object Fleetdeck makes for a project.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "fleetdeck");
/// The label naming the app an object serves: what pruning selects.
pub const APP_LABEL: &str = "fleetdeck.dev/app";
/// Namespaces whose pods may reach every project's pods (label the ingress controller's).
pub const INGRESS_NAMESPACE_LABEL: &str = "fleetdeck.dev/ingress-controller";

pub const QUOTA_NAME: &str = "fleetdeck-quota";
pub const LIMITS_NAME: &str = "fleetdeck-defaults";
pub const NETWORK_POLICY_NAME: &str = "fleetdeck-baseline";
/// The ServiceAccount issued kubeconfigs act as, its Role and RoleBinding.
pub const ACCESS_NAME: &str = "fleetdeck-project";

/// What an issued kubeconfig may do in its namespace: run and change workloads (logs, exec and
/// port-forward included) and read the guard rails, which stay Fleetdeck's; nothing outside it.
const ACCESS_RULES: &[(&[&str], &[&str], &[&str])] = &[
    (
        &["", "apps", "batch", "autoscaling", "policy", "networking.k8s.io"],
        &[
            "pods",
            "pods/log",
            "pods/exec",
            "pods/portforward",
            "services",
            "configmaps",
            "secrets",
            "persistentvolumeclaims",
            "deployments",
            "deployments/scale",
            "statefulsets",
            "statefulsets/scale",
            "replicasets",
            "daemonsets",
            "jobs",
            "cronjobs",
            "horizontalpodautoscalers",
            "poddisruptionbudgets",
            "ingresses",
        ],
        &[
            "get",
            "list",
            "watch",
            "create",
            "update",
            "patch",
            "delete",
            "deletecollection",
        ],
    ),
    (
        &["", "events.k8s.io", "networking.k8s.io"],
        &[
            "events",
            "endpoints",
            "serviceaccounts",
            "resourcequotas",
            "limitranges",
            "networkpolicies",
        ],
        &["get", "list", "watch"],
    ),
];

/// A container's defaults when it names no requests or limits (a quota on them makes Kubernetes
/// refuse pods without them), lowered to the project's quota when that is smaller.
const DEFAULT_REQUEST: (&str, &str) = ("100m", "128Mi");
const DEFAULT_LIMIT: (&str, &str) = ("500m", "512Mi");

/// The project as its cluster holds it.
pub struct ProjectSpec<'a> {
    pub tenant: &'a str,
    pub project: &'a str,
    pub namespace: &'a str,
    pub quota: &'a Quota,
    pub egress: &'a [String],
}

/// An app: its name and spec.
pub struct AppObjects<'a> {
    pub name: &'a str,
    pub spec: &'a AppSpec,
}

fn labels(extra: &[(&str, &str)]) -> Value {
    let mut labels = serde_json::Map::new();
    labels.insert(MANAGED_BY.0.into(), MANAGED_BY.1.into());
    for (k, v) in extra {
        labels.insert((*k).into(), (*v).into());
    }
    Value::Object(labels)
}

/// The namespace and its guard rails, in the order they are applied.
pub fn project(p: &ProjectSpec) -> Vec<Value> {
    let ns = p.namespace;
    let mut hard = serde_json::Map::new();
    let quantities = [
        ("requests.cpu", &p.quota.requests_cpu),
        ("requests.memory", &p.quota.requests_memory),
        ("limits.cpu", &p.quota.limits_cpu),
        ("limits.memory", &p.quota.limits_memory),
    ];
    for (resource, value) in quantities {
        if let Some(v) = value {
            hard.insert(resource.into(), v.clone().into());
        }
    }
    if let Some(pods) = p.quota.pods {
        hard.insert("pods".into(), pods.to_string().into());
    }
    let cpu = |default: &str, cap: &Option<String>| lower(default, cap.as_deref(), quantity::millicores);
    let memory =
        |default: &str, cap: &Option<String>| lower(default, cap.as_deref(), |q| quantity::bytes(q).map(|b| b as f64));
    let egress_cidrs: Vec<Value> = p
        .egress
        .iter()
        .map(|c| json!({"to": [{"ipBlock": {"cidr": c}}]}))
        .collect();
    let mut egress = vec![
        json!({"to": [{"podSelector": {}}]}),
        json!({
            "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }),
    ];
    egress.extend(egress_cidrs);
    vec![
        json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": labels(&[("fleetdeck.dev/tenant", p.tenant), ("fleetdeck.dev/project", p.project)])},
        }),
        json!({
            "apiVersion": "v1", "kind": "ResourceQuota",
            "metadata": {"name": QUOTA_NAME, "namespace": ns, "labels": labels(&[])},
            "spec": {"hard": hard},
        }),
        json!({
            "apiVersion": "v1", "kind": "LimitRange",
            "metadata": {"name": LIMITS_NAME, "namespace": ns, "labels": labels(&[])},
            "spec": {"limits": [{
                "type": "Container",
                "defaultRequest": {
                    "cpu": cpu(DEFAULT_REQUEST.0, &p.quota.requests_cpu),
                    "memory": memory(DEFAULT_REQUEST.1, &p.quota.requests_memory),
                },
                "default": {
                    "cpu": cpu(DEFAULT_LIMIT.0, &p.quota.limits_cpu),
                    "memory": memory(DEFAULT_LIMIT.1, &p.quota.limits_memory),
                },
            }]},
        }),
        json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": NETWORK_POLICY_NAME, "namespace": ns, "labels": labels(&[])},
            "spec": {
                "podSelector": {},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [
                    {"from": [{"podSelector": {}}]},
                    {"from": [{"namespaceSelector": {"matchLabels": {INGRESS_NAMESPACE_LABEL: "true"}}}]},
                ],
                "egress": egress,
            },
        }),
    ]
}

/// The ServiceAccount issued kubeconfigs act as, a Role of `ACCESS_RULES` and the binding.
pub fn access(namespace: &str) -> Vec<Value> {
    let rules: Vec<Value> = ACCESS_RULES
        .iter()
        .map(|(groups, resources, verbs)| json!({"apiGroups": groups, "resources": resources, "verbs": verbs}))
        .collect();
    let metadata = json!({"name": ACCESS_NAME, "namespace": namespace, "labels": labels(&[])});
    vec![
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": metadata, "rules": rules}),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": metadata,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": ACCESS_NAME},
            "subjects": [{"kind": "ServiceAccount", "name": ACCESS_NAME, "namespace": namespace}],
        }),
    ]
}

/// `default`, or `cap` when the cap is smaller (both read by `amount`).
fn lower(default: &str, cap: Option<&str>, amount: impl Fn(&str) -> Option<f64>) -> String {
    match cap {
        Some(c) if amount(c) < amount(default) => c.to_string(),
        _ => default.to_string(),
    }
}

/// An app's objects in `namespace`: a Deployment, a Service when it has a port, an Ingress when
/// it has a host.
pub fn app(namespace: &str, a: &AppObjects) -> Vec<Value> {
    let name = a.name;
    let selector = json!({"app.kubernetes.io/name": name, APP_LABEL: name});
    let object_labels = labels(&[("app.kubernetes.io/name", name), (APP_LABEL, name)]);
    let ports: Vec<Value> = a
        .spec
        .port
        .iter()
        .map(|p| json!({"name": "http", "containerPort": p}))
        .collect();
    let mut objects = vec![json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": object_labels},
        "spec": {
            "replicas": a.spec.replicas,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": object_labels},
                "spec": {"containers": [{"name": name, "image": a.spec.image, "ports": ports}]},
            },
        },
    })];
    let Some(port) = a.spec.port else {
        return objects;
    };
    objects.push(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "labels": object_labels},
        "spec": {"selector": selector, "ports": [{"name": "http", "port": port, "targetPort": "http"}]},
    }));
    if let Some(host) = &a.spec.host {
        objects.push(json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": name, "namespace": namespace, "labels": object_labels},
            "spec": {"rules": [{"host": host, "http": {"paths": [{
                "path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": name, "port": {"name": "http"}}},
            }]}}]},
        }));
    }
    objects
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota() -> Quota {
        Quota {
            requests_cpu: Some("50m".into()),
            limits_memory: Some("8Gi".into()),
            pods: Some(20),
            ..Quota::default()
        }
    }

    #[test]
    fn a_project_is_a_labelled_namespace_with_its_quota_defaults_and_baseline_policy() {
        let quota = quota();
        let egress = vec!["10.20.0.0/16".to_string()];
        let objects = project(&ProjectSpec {
            tenant: "acme",
            project: "web",
            namespace: "acme-web",
            quota: &quota,
            egress: &egress,
        });
        let kinds: Vec<&str> = objects.iter().map(|o| o["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["Namespace", "ResourceQuota", "LimitRange", "NetworkPolicy"]);
        let ns = &objects[0]["metadata"];
        assert_eq!(ns["name"], "acme-web");
        assert_eq!(ns["labels"]["fleetdeck.dev/tenant"], "acme");
        assert_eq!(ns["labels"]["app.kubernetes.io/managed-by"], "fleetdeck");
        // Only what the quota names is limited.
        assert_eq!(
            objects[1]["spec"]["hard"],
            json!({"requests.cpu": "50m", "limits.memory": "8Gi", "pods": "20"})
        );
        // A default above the quota is lowered to it; the others stand.
        let limits = &objects[2]["spec"]["limits"][0];
        assert_eq!(limits["defaultRequest"], json!({"cpu": "50m", "memory": "128Mi"}));
        assert_eq!(limits["default"], json!({"cpu": "500m", "memory": "512Mi"}));
        let policy = &objects[3]["spec"];
        assert_eq!(policy["policyTypes"], json!(["Ingress", "Egress"]));
        let egress = policy["egress"].as_array().unwrap();
        assert_eq!(egress.len(), 3);
        assert_eq!(egress[1]["ports"][0], json!({"protocol": "UDP", "port": 53}));
        assert_eq!(egress[2]["to"][0]["ipBlock"]["cidr"], "10.20.0.0/16");
        assert_eq!(
            policy["ingress"][1]["from"][0]["namespaceSelector"]["matchLabels"][INGRESS_NAMESPACE_LABEL],
            "true"
        );
    }

    #[test]
    fn issued_kubeconfigs_act_as_a_service_account_bound_in_the_namespace_only() {
        let objects = access("acme-web");
        let kinds: Vec<&str> = objects.iter().map(|o| o["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["ServiceAccount", "Role", "RoleBinding"]);
        assert!(objects.iter().all(|o| o["metadata"]["namespace"] == "acme-web"));
        let binding = &objects[2];
        assert_eq!(binding["roleRef"]["kind"], "Role");
        assert_eq!(
            binding["subjects"][0],
            json!({"kind": "ServiceAccount", "name": ACCESS_NAME, "namespace": "acme-web"})
        );
        let rules = objects[1]["rules"].as_array().unwrap();
        let grants = |resource: &str, verb: &str| {
            rules.iter().any(|r| {
                r["resources"].as_array().unwrap().iter().any(|x| x == resource)
                    && r["verbs"].as_array().unwrap().iter().any(|x| x == verb)
            })
        };
        assert!(grants("deployments", "patch") && grants("pods/exec", "create") && grants("pods/log", "get"));
        // The guard rails are read, never changed; RBAC is not granted at all.
        assert!(grants("resourcequotas", "get") && !grants("resourcequotas", "delete"));
        assert!(!grants("networkpolicies", "patch") && !grants("limitranges", "update"));
        assert!(!rules.iter().any(|r| {
            r["apiGroups"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g == "rbac.authorization.k8s.io")
        }));
    }

    #[test]
    fn an_app_is_a_deployment_with_a_service_for_its_port_and_an_ingress_for_its_host() {
        let mut spec = AppSpec {
            image: "ghcr.io/acme/api:1.4".into(),
            replicas: 3,
            port: None,
            host: None,
        };
        let kinds = |spec: &AppSpec| -> Vec<String> {
            app("acme-web", &AppObjects { name: "api", spec })
                .iter()
                .map(|o| o["kind"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(kinds(&spec), ["Deployment"]);
        spec.port = Some(8080);
        assert_eq!(kinds(&spec), ["Deployment", "Service"]);
        spec.host = Some("api.acme.example".into());
        let objects = app(
            "acme-web",
            &AppObjects {
                name: "api",
                spec: &spec,
            },
        );
        let deployment = &objects[0];
        assert_eq!(deployment["spec"]["replicas"], 3);
        assert_eq!(deployment["metadata"]["labels"][APP_LABEL], "api");
        let container = &deployment["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(container["image"], "ghcr.io/acme/api:1.4");
        assert_eq!(container["ports"][0]["containerPort"], 8080);
        // The selector matches the template's labels.
        for (k, v) in deployment["spec"]["selector"]["matchLabels"].as_object().unwrap() {
            assert_eq!(&deployment["spec"]["template"]["metadata"]["labels"][k], v);
        }
        assert_eq!(objects[1]["spec"]["ports"][0]["port"], 8080);
        let rule = &objects[2]["spec"]["rules"][0];
        assert_eq!(rule["host"], "api.acme.example");
        assert_eq!(rule["http"]["paths"][0]["backend"]["service"]["name"], "api");
    }
}
