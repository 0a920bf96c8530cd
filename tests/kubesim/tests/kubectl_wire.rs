//! kubectl's wire formats: protobuf request bodies from its typed clients, and the
//! apiserver's printer columns in `kubectl get`.

mod common;

use common::kubectl::{Kubectl, sim_with};
use serde_json::{Value, json};

async fn get_json(k: &Kubectl, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.extend(["-o", "json"]);
    serde_json::from_str(&k.ok(&args).await).unwrap()
}

/// Creates a Deployment and a ConfigMap the way every kubectl minor does it: protobuf.
async fn create_deployment_and_configmap(k: &Kubectl, version: &str) {
    let out = k
        .ok(&[
            "create",
            "deployment",
            "web2",
            "--image=nginx",
            "--replicas=2",
            "--port=80",
            "-n",
            "shop",
        ])
        .await;
    assert_eq!(out.trim(), "deployment.apps/web2 created", "{version}");
    let d = get_json(k, &["get", "deploy", "web2", "-n", "shop"]).await;
    assert_eq!(d["spec"]["replicas"], 2, "{version}");
    assert_eq!(
        d["spec"]["selector"],
        json!({"matchLabels": {"app": "web2"}}),
        "{version}"
    );
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"],
        json!([{"name": "nginx", "image": "nginx", "ports": [{"containerPort": 80}], "resources": {}}]),
        "{version}"
    );

    let out = k
        .ok(&["create", "configmap", "x", "--from-literal=a=b", "-n", "shop"])
        .await;
    assert_eq!(out.trim(), "configmap/x created", "{version}");
    let cm = get_json(k, &["get", "cm", "x", "-n", "shop"]).await;
    assert_eq!(cm["data"], json!({"a": "b"}), "{version}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_creates_work_at_every_kubectl_minor() {
    for minor in 27..=33 {
        let version = format!("v1.{minor}.0");
        let sim = sim_with(&version).await;
        let Some(k) = Kubectl::new(&sim) else { return };
        create_deployment_and_configmap(&k, &version).await;
        let seen = sim.requests();
        let create = seen
            .iter()
            .find(|r| r.method == "POST" && r.path == "/apis/apps/v1/namespaces/shop/deployments")
            .expect("the deployment was POSTed");
        assert_eq!(create.status, 201, "{version}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_create_sends_protobuf_the_simulator_reads() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };

    k.ok(&["create", "secret", "generic", "s", "--from-literal=p=q", "-n", "shop"])
        .await;
    let s = get_json(&k, &["get", "secret", "s", "-n", "shop"]).await;
    assert_eq!(s["data"], json!({"p": "cQ=="}));

    k.ok(&["create", "namespace", "team"]).await;
    let ns = get_json(&k, &["get", "ns", "team"]).await;
    assert_eq!(ns["status"]["phase"], "Active");

    k.ok(&["create", "service", "clusterip", "api", "--tcp=80:8080", "-n", "shop"])
        .await;
    let svc = get_json(&k, &["get", "svc", "api", "-n", "shop"]).await;
    assert_eq!(svc["spec"]["type"], "ClusterIP");
    assert_eq!(svc["spec"]["selector"], json!({"app": "api"}));
    assert_eq!(
        svc["spec"]["ports"],
        json!([{"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080}])
    );

    k.ok(&[
        "create",
        "job",
        "once",
        "--image=busybox",
        "-n",
        "shop",
        "--",
        "echo",
        "hi",
    ])
    .await;
    let job = get_json(&k, &["get", "job", "once", "-n", "shop"]).await;
    let pod = &job["spec"]["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    assert_eq!(pod["containers"][0]["command"], json!(["echo", "hi"]));

    k.ok(&[
        "create",
        "cronjob",
        "nightly",
        "--image=busybox",
        "--schedule=0 3 * * *",
        "-n",
        "shop",
    ])
    .await;
    let cj = get_json(&k, &["get", "cj", "nightly", "-n", "shop"]).await;
    assert_eq!(cj["spec"]["schedule"], "0 3 * * *");
    assert_eq!(
        cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["image"],
        "busybox"
    );

    k.ok(&[
        "create",
        "role",
        "reader",
        "--verb=get,list",
        "--resource=pods,deployments.apps",
        "-n",
        "shop",
    ])
    .await;
    let role = get_json(&k, &["get", "role", "reader", "-n", "shop"]).await;
    assert_eq!(
        role["rules"],
        json!([
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
            {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list"]}
        ])
    );
    k.ok(&[
        "create",
        "rolebinding",
        "reader",
        "--role=reader",
        "--user=alice",
        "--serviceaccount=shop:bot",
        "-n",
        "shop",
    ])
    .await;
    let rb = get_json(&k, &["get", "rolebinding", "reader", "-n", "shop"]).await;
    assert_eq!(rb["roleRef"]["name"], "reader");
    assert_eq!(
        rb["subjects"][1],
        json!({"kind": "ServiceAccount", "name": "bot", "namespace": "shop"})
    );

    // kubectl sent each of these as protobuf (see the unit tests in src/protobuf.rs).
    let creates: Vec<_> = sim.requests().into_iter().filter(|r| r.method == "POST").collect();
    assert_eq!(creates.len(), 7);
    assert!(creates.iter().all(|r| r.status == 201), "{creates:?}");
}
