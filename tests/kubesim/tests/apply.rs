//! Server-side apply and field ownership, driven by the real kubectl and kube::Client.

mod common;

use common::kubectl::{FIXTURES, Kubectl, sim_with};
use kubesim::{Sim, SimConfig};

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop, labels: {app: api, tier: back}}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: \"api:1\"}]
";

fn managers(obj: &serde_json::Value) -> Vec<(String, String)> {
    obj["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["manager"].as_str().unwrap().to_string(),
                m["operation"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_creates_owns_conflicts_and_forces() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let path = k.manifest("api.yaml", DEPLOYMENT);
    let out = k.ok(&["apply", "--server-side", "-f", &path]).await;
    assert_eq!(out, "deployment.apps/api serverside-applied\n");
    let api = sim.get("apps/v1", "Deployment", "shop", "api").unwrap();
    assert_eq!(managers(&api), [("kubectl".to_string(), "Apply".to_string())]);
    let fields = &api["metadata"]["managedFields"][0]["fieldsV1"];
    assert!(fields["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"api\"}"]["f:image"].is_object());

    // Another manager setting a field kubectl owns to another value conflicts.
    let other = k.manifest("other.yaml", &DEPLOYMENT.replace("replicas: 2", "replicas: 5"));
    let stderr = k
        .err(&["apply", "--server-side", "--field-manager=ci", "-f", &other])
        .await;
    assert!(
        stderr.contains("Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas"),
        "{}",
        stderr
    );
    assert_eq!(
        sim.get("apps/v1", "Deployment", "shop", "api").unwrap()["spec"]["replicas"],
        2
    );

    // Forcing takes the field over.
    k.ok(&[
        "apply",
        "--server-side",
        "--field-manager=ci",
        "--force-conflicts",
        "-f",
        &other,
    ])
    .await;
    let api = sim.get("apps/v1", "Deployment", "shop", "api").unwrap();
    assert_eq!(api["spec"]["replicas"], 5);
    let entries = api["metadata"]["managedFields"].as_array().unwrap();
    let kubectl = entries.iter().find(|m| m["manager"] == "kubectl").unwrap();
    assert!(kubectl["fieldsV1"]["f:spec"].get("f:replicas").is_none(), "{kubectl}");

    // A field the manager stops applying is removed; one another manager shares is not.
    let fewer = k.manifest(
        "fewer.yaml",
        &DEPLOYMENT.replace(", tier: back", "").replace("  replicas: 2\n", ""),
    );
    k.ok(&["apply", "--server-side", "-f", &fewer]).await;
    let api = sim.get("apps/v1", "Deployment", "shop", "api").unwrap();
    assert_eq!(
        api["metadata"]["labels"],
        serde_json::json!({"app": "api", "tier": "back"})
    );
    // ci still owns tier (it applied it too), so it stays; kubectl scale then owns replicas.
    k.ok(&["scale", "deploy", "api", "-n", "shop", "--replicas=7"]).await;
    let stderr = k
        .err(&["apply", "--server-side", "--field-manager=ci", "-f", &other])
        .await;
    assert!(
        stderr.contains("conflict with \"kubectl\" with subresource \"scale\" using apps/v1 at "),
        "{}",
        stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_needs_a_field_manager_and_a_matching_object() {
    let sim = Sim::start(SimConfig {
        tls: false,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    sim.load_yaml(FIXTURES).unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/apis/apps/v1/namespaces/shop/deployments/api", sim.url());
    let send = |query: &str, body: &str| {
        client
            .patch(format!("{url}{query}"))
            .bearer_auth(sim.admin_token())
            .header("content-type", "application/apply-patch+yaml")
            .body(body.to_string())
            .send()
    };
    let resp = send("", DEPLOYMENT).await.unwrap();
    assert_eq!(resp.status(), 422);
    let status: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        status["message"],
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
    );
    let resp = send("?fieldManager=t", &DEPLOYMENT.replace("name: api", "name: other"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = send("?fieldManager=t", "kind: [").await.unwrap();
    assert_eq!(resp.status(), 400);
    // JSON is YAML too.
    let json = serde_json::to_string(&yaml_to_json(DEPLOYMENT)).unwrap();
    let resp = send("?fieldManager=t", &json).await.unwrap();
    assert_eq!(resp.status(), 201);
    let resp = send("?fieldManager=t", &json).await.unwrap();
    assert_eq!(resp.status(), 200);
}

fn yaml_to_json(yaml: &str) -> serde_json::Value {
    yaml_serde::from_str(yaml).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kubectl_minor_applies_server_side() {
    for minor in 27..=33 {
        let version = format!("v1.{minor}.0");
        let sim = sim_with(&version).await;
        let Some(k) = Kubectl::new(&sim) else { return };
        let path = k.manifest("api.yaml", DEPLOYMENT);
        let out = k.ok(&["apply", "--server-side", "-f", &path]).await;
        assert!(out.contains("serverside-applied"), "{version}: {out}");
        let other = k.manifest("other.yaml", &DEPLOYMENT.replace("replicas: 2", "replicas: 5"));
        let out = k
            .run(&["apply", "--server-side", "--field-manager=ci", "-f", &other])
            .await;
        assert!(
            out.stderr.contains("conflict with \"kubectl\""),
            "{version}: {}",
            out.stderr
        );
        // Client-side apply with default validation needs /openapi/v3 at every minor.
        let cm = k.manifest(
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\ndata: {a: b}\n",
        );
        k.ok(&["apply", "-f", &cm]).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_dry_runs_answer_without_keeping_anything() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let path = k.manifest("api.yaml", DEPLOYMENT);
    let rv = sim.resource_version();
    let out = k.ok(&["apply", "--server-side", "--dry-run=server", "-f", &path]).await;
    assert_eq!(out, "deployment.apps/api serverside-applied (server dry run)\n");
    let out = k
        .ok(&[
            "create",
            "--dry-run=server",
            "-f",
            &path,
            "-o",
            "jsonpath={.metadata.uid}",
        ])
        .await;
    assert!(!out.is_empty(), "a dry-run create still fills in server fields");
    assert!(sim.get("apps/v1", "Deployment", "shop", "api").is_none());
    k.ok(&["delete", "pod", "web-1", "-n", "shop", "--dry-run=server"])
        .await;
    assert!(sim.get("v1", "Pod", "shop", "web-1").is_some());
    k.ok(&[
        "scale",
        "deploy",
        "web",
        "-n",
        "shop",
        "--replicas=9",
        "--dry-run=server",
    ])
    .await;
    assert_eq!(sim.resource_version(), rv, "nothing was written");

    // kubectl diff is a server-side dry-run apply.
    k.ok(&["apply", "--server-side", "-f", &path]).await;
    let changed = k.manifest("changed.yaml", &DEPLOYMENT.replace("api:1", "api:2"));
    let out = k.run(&["diff", "--server-side", "-f", &changed]).await;
    assert!(
        out.stdout.contains("-      - image: api:1\n+      - image: api:2\n"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    assert!(!out.stdout.contains("status"), "{}", out.stdout);
    assert_eq!(
        sim.get("apps/v1", "Deployment", "shop", "api").unwrap()["spec"]["template"]["spec"]["containers"][0]["image"],
        "api:1"
    );
}

/// NetworkPolicy is served (a chart's optional policy applies, as on a real cluster); nothing
/// enforces it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_policies_apply_and_list() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let path = k.manifest(
        "netpol.yaml",
        "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress: [{ports: [{port: 8080, protocol: TCP}]}]
",
    );
    let out = k.ok(&["apply", "--server-side", "-f", &path]).await;
    assert_eq!(out, "networkpolicy.networking.k8s.io/api serverside-applied\n");
    let out = k.ok(&["get", "netpol", "-n", "shop", "-o", "name"]).await;
    assert_eq!(out, "networkpolicy.networking.k8s.io/api\n");
    let policy = sim.get("networking.k8s.io/v1", "NetworkPolicy", "shop", "api").unwrap();
    assert_eq!(policy["spec"]["ingress"][0]["ports"][0]["port"], 8080);
}
