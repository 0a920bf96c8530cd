//! kubectl's wire formats: protobuf request bodies from its typed clients, and the
//! apiserver's printer columns in `kubectl get`.

mod common;

use common::kubectl::{Kubectl, sim_with, words};
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
        json!([{"name": "nginx", "image": "nginx", "imagePullPolicy": "Always",
                "ports": [{"containerPort": 80, "protocol": "TCP"}], "resources": {},
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}]),
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
    let out = k.ok(&["get", "svc", "api", "-n", "shop", "-o", "wide"]).await;
    assert_eq!(words(out.lines().nth(1).unwrap())[6], "app=api");

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_creates_networking_policy_rbac_and_autoscaling_kinds() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };

    k.ok(&[
        "create",
        "ingress",
        "web",
        "--class=nginx",
        "--rule=shop.example.com/=web:80,tls=web-tls",
        "-n",
        "shop",
    ])
    .await;
    let ing = get_json(&k, &["get", "ingress", "web", "-n", "shop"]).await;
    assert_eq!(ing["spec"]["ingressClassName"], "nginx");
    assert_eq!(
        ing["spec"]["rules"][0]["http"]["paths"][0]["backend"],
        json!({"service": {"name": "web", "port": {"number": 80}}})
    );

    k.ok(&[
        "create",
        "pdb",
        "web",
        "--selector=app=web",
        "--max-unavailable=25%",
        "-n",
        "shop",
    ])
    .await;
    let pdb = get_json(&k, &["get", "pdb", "web", "-n", "shop"]).await;
    assert_eq!(pdb["spec"]["maxUnavailable"], "25%");

    k.ok(&["create", "serviceaccount", "bot", "-n", "shop"]).await;
    k.ok(&["create", "clusterrole", "node-reader", "--verb=get", "--resource=nodes"])
        .await;
    k.ok(&[
        "create",
        "clusterrolebinding",
        "node-reader",
        "--clusterrole=node-reader",
        "--serviceaccount=shop:bot",
    ])
    .await;
    let crb = get_json(&k, &["get", "clusterrolebinding", "node-reader"]).await;
    assert_eq!(crb["roleRef"]["kind"], "ClusterRole");
    assert_eq!(
        crb["subjects"],
        json!([{"kind": "ServiceAccount", "name": "bot", "namespace": "shop"}])
    );

    k.ok(&[
        "autoscale",
        "deployment",
        "web",
        "-n",
        "shop",
        "--min=2",
        "--max=5",
        "--cpu-percent=80",
    ])
    .await;
    let out = k.ok(&["get", "hpa", "web", "-n", "shop"]).await;
    let row = words(out.lines().nth(1).unwrap());
    assert_eq!(row[..6], ["web", "Deployment/web", "cpu:", "<unknown>/80%", "2", "5"]);
}

const WORKLOADS: &str = include_str!("fixtures/workloads.yaml");

async fn workloads_sim() -> kubesim::Sim {
    let sim = sim_with("v1.33.1").await;
    sim.load_yaml(WORKLOADS).unwrap();
    sim
}

/// Each table kubectl printed: its lines split into words, tables separated by blank lines.
fn tables(out: &str) -> Vec<Vec<Vec<&str>>> {
    out.split("\n\n").map(|t| t.lines().map(words).collect()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_jobs_cronjobs_and_daemonsets_prints_the_apiserver_columns() {
    let sim = workloads_sim().await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let out = k.ok(&["get", "jobs,cronjobs,ds", "-A"]).await;
    let t = tables(&out);
    assert_eq!(t.len(), 3, "{out}");
    assert_eq!(
        t[0][0],
        ["NAMESPACE", "NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    );
    assert_eq!(t[0][1][..4], ["work", "job.batch/crawl", "Suspended", "0/1"]);
    assert_eq!(t[0][1][4..6], ["of", "3"]);
    assert_eq!(t[0][2][..5], ["work", "job.batch/migrate", "Complete", "1/1", "90s"]);
    assert_eq!(
        t[1][0],
        [
            "NAMESPACE",
            "NAME",
            "SCHEDULE",
            "TIMEZONE",
            "SUSPEND",
            "ACTIVE",
            "LAST",
            "SCHEDULE",
            "AGE"
        ]
    );
    assert_eq!(
        t[1][1][..10],
        [
            "work",
            "cronjob.batch/nightly",
            "0",
            "3",
            "*",
            "*",
            "*",
            "Europe/Berlin",
            "False",
            "1"
        ]
    );
    assert_eq!(t[1][1][10], "<none>");
    assert_eq!(
        t[2][0],
        [
            "NAMESPACE",
            "NAME",
            "DESIRED",
            "CURRENT",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "NODE",
            "SELECTOR",
            "AGE"
        ]
    );
    assert_eq!(
        t[2][1][..8],
        [
            "work",
            "daemonset.apps/agent",
            "3",
            "3",
            "2",
            "3",
            "2",
            "kubernetes.io/os=linux"
        ]
    );

    let out = k.ok(&["get", "jobs,cronjobs,ds", "-A", "-o", "wide"]).await;
    let t = tables(&out);
    assert_eq!(t[0][0][6..], ["CONTAINERS", "IMAGES", "SELECTOR"]);
    assert_eq!(
        t[0][2][6..],
        [
            "migrate",
            "migrate:7",
            "batch.kubernetes.io/controller-uid=5f0c6a1e-0000-4000-8000-000000000001"
        ]
    );
    assert_eq!(t[1][1][12..], ["backup", "backup:3", "<none>"]);
    assert_eq!(t[2][1][9..], ["agent,shipper", "agent:2,shipper:1", "app=agent"]);

    let out = k.ok(&["get", "nodes", "-o", "wide"]).await;
    let lines: Vec<Vec<&str>> = out.lines().map(words).collect();
    assert_eq!(
        lines[0][5..],
        [
            "INTERNAL-IP",
            "EXTERNAL-IP",
            "OS-IMAGE",
            "KERNEL-VERSION",
            "CONTAINER-RUNTIME"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_network_policy_storage_and_rbac_kinds_prints_the_apiserver_columns() {
    let sim = workloads_sim().await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let out = k
        .ok(&["get", "ing,pdb,hpa,pvc,sa,roles,rolebindings", "-n", "work"])
        .await;
    let t = tables(&out);
    assert_eq!(t.len(), 7, "{out}");
    assert_eq!(t[0][0], ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]);
    assert_eq!(
        t[0][1][..6],
        [
            "ingress.networking.k8s.io/web",
            "nginx",
            "shop.example.com,api.example.com",
            "203.0.113.10",
            "80,",
            "443"
        ]
    );
    assert_eq!(
        t[1][0],
        [
            "NAME",
            "MIN",
            "AVAILABLE",
            "MAX",
            "UNAVAILABLE",
            "ALLOWED",
            "DISRUPTIONS",
            "AGE"
        ]
    );
    assert_eq!(t[1][1][..4], ["poddisruptionbudget.policy/agent", "N/A", "25%", "1"]);
    assert_eq!(
        t[2][0],
        ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]
    );
    assert_eq!(
        t[2][1][..9],
        [
            "horizontalpodautoscaler.autoscaling/web",
            "Deployment/web",
            "cpu:",
            "50%/80%,",
            "memory:",
            "<unknown>/500Mi",
            "2",
            "10",
            "3"
        ]
    );
    assert_eq!(
        t[3][0],
        [
            "NAME",
            "STATUS",
            "VOLUME",
            "CAPACITY",
            "ACCESS",
            "MODES",
            "STORAGECLASS",
            "VOLUMEATTRIBUTESCLASS",
            "AGE"
        ]
    );
    assert_eq!(
        t[3][1][..7],
        [
            "persistentvolumeclaim/data",
            "Bound",
            "pvc-0001",
            "10Gi",
            "RWO",
            "standard",
            "<unset>"
        ]
    );
    assert_eq!(t[4][0], ["NAME", "SECRETS", "AGE"]);
    assert_eq!(t[4][1][..2], ["serviceaccount/builder", "0"]);
    assert_eq!(t[5][0], ["NAME", "CREATED", "AT"]);
    assert_eq!(
        t[5][1],
        ["role.rbac.authorization.k8s.io/deployer", "2026-01-01T00:00:00Z"]
    );
    assert_eq!(t[6][0], ["NAME", "ROLE", "AGE"]);
    assert_eq!(
        t[6][1][..2],
        ["rolebinding.rbac.authorization.k8s.io/deployer", "Role/deployer"]
    );

    let out = k.ok(&["get", "rolebindings", "-n", "work", "-o", "wide"]).await;
    let lines: Vec<Vec<&str>> = out.lines().map(words).collect();
    assert_eq!(lines[0], ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]);
    assert_eq!(lines[1][3..], ["alice", "release", "work/builder"]);

    let out = k.ok(&["get", "clusterroles,clusterrolebindings", "-o", "wide"]).await;
    let t = tables(&out);
    assert_eq!(t[0][0], ["NAME", "CREATED", "AT"]);
    assert_eq!(
        t[0][1],
        [
            "clusterrole.rbac.authorization.k8s.io/node-reader",
            "2026-01-01T00:00:00Z"
        ]
    );
    assert_eq!(t[1][0], ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]);
    assert_eq!(t[1][1][1], "ClusterRole/node-reader");
    assert_eq!(t[1][1][3], "ops");
}
