//! metrics.k8s.io as metrics-server serves it: the machine's real `kubectl top`, and
//! kube::Client as Fleetdeck reads it.

mod common;

use common::client::client_for;
use common::kubectl::{Kubectl, words};
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, WatchParams};
use kube::{Client, Error};
use kubesim::{MetricsKind, Rule, Sim, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

const METRICS: &str = include_str!("fixtures/metrics.yaml");

async fn with_metrics(version: &str, metrics: bool) -> Sim {
    let sim = Sim::start(SimConfig {
        git_version: version.into(),
        metrics,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    sim.load_yaml(METRICS).unwrap();
    sim
}

/// Every line of kubectl's output, split into words.
fn table(out: &str) -> Vec<Vec<&str>> {
    out.lines().map(words).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_top_prints_the_usage_at_old_and_new_minors() {
    for version in ["v1.33.1", "v1.27.3"] {
        let sim = with_metrics(version, true).await;
        let Some(k) = Kubectl::new(&sim) else { return };
        // Annotated figures as given; agent-1's and node-b's generated, always the same.
        assert_eq!(
            table(&k.ok(&["top", "pod", "-A"]).await),
            [
                vec!["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"],
                vec!["ops", "agent-1", "33m", "98Mi"],
                vec!["shop", "api-1", "105m", "80Mi"],
                vec!["shop", "web-1", "250m", "128Mi"],
            ],
            "{version}"
        );
        assert_eq!(
            table(&k.ok(&["top", "pod", "-n", "shop", "--containers"]).await),
            [
                vec!["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"],
                vec!["api-1", "api", "100m", "64Mi"],
                vec!["api-1", "proxy", "5m", "16Mi"],
                vec!["web-1", "web", "250m", "128Mi"],
            ],
            "{version}"
        );
        assert_eq!(
            table(&k.ok(&["top", "pod", "-n", "shop", "-l", "app=web"]).await),
            [
                vec!["NAME", "CPU(cores)", "MEMORY(bytes)"],
                vec!["web-1", "250m", "128Mi"]
            ],
            "{version}"
        );
        let out = k.ok(&["top", "node"]).await;
        let nodes = table(&out);
        // Newer kubectl put the percent headers in parentheses.
        let (cpu, memory) = if version == "v1.27.3" {
            ("CPU%", "MEMORY%")
        } else {
            ("CPU(%)", "MEMORY(%)")
        };
        assert_eq!(
            nodes[0],
            ["NAME", "CPU(cores)", cpu, "MEMORY(bytes)", memory],
            "{version}"
        );
        assert_eq!(nodes[1], ["node-a", "1200m", "30%", "6144Mi", "37%"], "{version}");
        assert_eq!(nodes[2], ["node-b", "1197m", "59%", "5159Mi", "62%"], "{version}");
        // A node whose kubelet is not Ready has no metrics; kubectl lists it all the same.
        assert_eq!(
            nodes[3],
            ["node-down", "<unknown>", "<unknown>", "<unknown>", "<unknown>"]
        );

        // Set usage wins over the annotation.
        sim.set_usage(MetricsKind::Pod, "shop", "web-1", "web", "1500m", "1Gi")
            .unwrap();
        sim.set_usage(MetricsKind::Node, "", "node-a", "", "2", "8Gi").unwrap();
        let out = k.ok(&["top", "pod", "web-1", "-n", "shop"]).await;
        assert_eq!(table(&out)[1], ["web-1", "1500m", "1024Mi"], "{version}");
        let out = k.ok(&["top", "node", "node-a"]).await;
        assert_eq!(table(&out)[1], ["node-a", "2000m", "50%", "8192Mi", "50%"], "{version}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_top_fails_as_without_metrics_server_or_without_metrics() {
    let sim = with_metrics("v1.33.1", true).await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let err = k.err(&["top", "pod", "db-1", "-n", "shop"]).await;
    assert!(
        err.contains(r#"podmetrics.metrics.k8s.io "shop/db-1" not found"#),
        "{err}"
    );
    let err = k.err(&["top", "node", "node-down"]).await;
    assert!(
        err.contains(r#"nodemetrics.metrics.k8s.io "node-down" not found"#),
        "{err}"
    );

    let without = with_metrics("v1.33.1", false).await;
    let k = Kubectl::new(&without).unwrap();
    for what in ["pod", "node"] {
        let err = k.err(&["top", what]).await;
        assert!(err.contains("Metrics API not available"), "{err}");
    }
    let versions = k.ok(&["api-versions"]).await;
    assert!(!versions.contains("metrics.k8s.io"), "{versions}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_podmetrics_prints_metrics_servers_columns() {
    let sim = with_metrics("v1.33.1", true).await;
    let Some(k) = Kubectl::new(&sim) else { return };
    assert_eq!(
        table(&k.ok(&["get", "podmetrics", "-n", "shop"]).await),
        [
            vec!["NAME", "CPU", "MEMORY", "WINDOW"],
            vec!["api-1", "105m", "80Mi", "30s"],
            vec!["web-1", "250m", "128Mi", "30s"],
        ]
    );
    let out = k.ok(&["get", "nodemetrics", "node-a"]).await;
    assert_eq!(table(&out)[1], ["node-a", "1200m", "6Gi", "30s"]);
}

fn metrics_api(client: &Client, kind: &str, plural: &str, namespace: Option<&str>) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk("metrics.k8s.io", "v1beta1", kind);
    let resource = ApiResource::from_gvk_with_plural(&gvk, plural);
    match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
        None => Api::all_with(client.clone(), &resource),
    }
}

fn names(list: &[DynamicObject]) -> Vec<&str> {
    list.iter().map(|m| m.metadata.name.as_deref().unwrap()).collect()
}

fn code(err: Error) -> (u16, String) {
    match err {
        Error::Api(status) => (status.code, status.reason),
        other => panic!("not a Status: {other}"),
    }
}

#[tokio::test]
async fn kube_client_reads_pod_and_node_metrics() {
    let sim = with_metrics("v1.33.1", true).await;
    let client = client_for(&sim, sim.admin_token(), None).await;
    let all = metrics_api(&client, "PodMetrics", "pods", None);
    let shop = metrics_api(&client, "PodMetrics", "pods", Some("shop"));

    // Running pods only, sorted by namespace and name.
    let list = all.list(&ListParams::default()).await.unwrap();
    assert_eq!(names(&list.items), ["agent-1", "api-1", "web-1"]);
    let list = shop
        .list(&ListParams::default().labels("app in (api, db)"))
        .await
        .unwrap();
    assert_eq!(names(&list.items), ["api-1"]);
    let api = &list.items[0];
    assert_eq!(api.metadata.namespace.as_deref(), Some("shop"));
    assert_eq!(api.metadata.labels.as_ref().unwrap()["app"], "api");
    assert!(api.metadata.creation_timestamp.is_some());
    assert_eq!(api.data["window"], "30s");
    assert!(api.data["timestamp"].is_string());
    assert_eq!(
        api.data["containers"],
        json!([{"name": "api", "usage": {"cpu": "100m", "memory": "64Mi"}},
               {"name": "proxy", "usage": {"cpu": "5m", "memory": "16Mi"}}])
    );
    let list = all
        .list(&ListParams::default().fields("metadata.namespace=ops"))
        .await
        .unwrap();
    assert_eq!(names(&list.items), ["agent-1"]);

    let web = shop.get("web-1").await.unwrap();
    assert_eq!(
        web.types.as_ref().map(|t| (t.api_version.as_str(), t.kind.as_str())),
        Some(("metrics.k8s.io/v1beta1", "PodMetrics"))
    );
    assert_eq!(
        web.data["containers"][0]["usage"],
        json!({"cpu": "250m", "memory": "128Mi"})
    );
    // Generated below agent-1's requests (200m, 256Mi), as metrics-server prints figures.
    let agent = metrics_api(&client, "PodMetrics", "pods", Some("ops"))
        .get("agent-1")
        .await
        .unwrap();
    assert_eq!(
        agent.data["containers"][0]["usage"],
        json!({"cpu": "32398600n", "memory": "100356Ki"})
    );
    assert_eq!(code(shop.get("db-1").await.unwrap_err()), (404, "NotFound".into()));
    assert_eq!(code(shop.get("nope").await.unwrap_err()), (404, "NotFound".into()));

    let nodes = metrics_api(&client, "NodeMetrics", "nodes", None);
    let list = nodes.list(&ListParams::default().labels("zone=b")).await.unwrap();
    assert_eq!(names(&list.items), ["node-b"]);
    let a = nodes.get("node-a").await.unwrap();
    assert_eq!(a.data["usage"], json!({"cpu": "1200m", "memory": "6Gi"}));
    assert_eq!(a.metadata.labels.as_ref().unwrap()["zone"], "a");

    // A series scripted with set_usage: each read shows the latest figures.
    for (cpu, memory) in [("10m", "20Mi"), ("900m", "300Mi")] {
        sim.set_usage(MetricsKind::Pod, "shop", "api-1", "proxy", cpu, memory)
            .unwrap();
        let api = shop.get("api-1").await.unwrap();
        assert_eq!(
            api.data["containers"][1]["usage"],
            json!({"cpu": cpu, "memory": memory})
        );
    }
    assert!(
        sim.set_usage(MetricsKind::Node, "", "node-a", "", "lots", "1Gi")
            .is_err()
    );
}

#[tokio::test]
async fn metrics_are_read_only_and_authorized_by_the_rule_table() {
    let sim = with_metrics("v1.33.1", true).await;
    let admin = client_for(&sim, sim.admin_token(), None).await;
    let shop = metrics_api(&admin, "PodMetrics", "pods", Some("shop"));
    let err = shop.delete("web-1", &DeleteParams::default()).await.unwrap_err();
    assert_eq!(code(err), (405, "MethodNotAllowed".into()));
    let body: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics", "metadata": {"name": "x"}
    }))
    .unwrap();
    let err = shop.create(&Default::default(), &body).await.unwrap_err();
    assert_eq!(code(err), (405, "MethodNotAllowed".into()));
    let err = shop.watch(&WatchParams::default(), "0").await.err().unwrap();
    assert_eq!(code(err), (405, "MethodNotAllowed".into()));
    assert!(sim.create(serde_json::to_value(&body).unwrap()).is_err());

    sim.add_token("viewer-token", "viewer", &["viewers"]);
    sim.add_rule(Rule::group(
        "viewers",
        &["get", "list"],
        &["metrics.k8s.io"],
        &["pods"],
        &["shop"],
    ));
    let viewer = client_for(&sim, "viewer-token", None).await;
    let list = metrics_api(&viewer, "PodMetrics", "pods", Some("shop"))
        .list(&ListParams::default())
        .await
        .unwrap();
    assert_eq!(names(&list.items), ["api-1", "web-1"]);
    let forbidden = [
        metrics_api(&viewer, "PodMetrics", "pods", Some("ops")),
        metrics_api(&viewer, "NodeMetrics", "nodes", None),
    ];
    for api in forbidden {
        let err = api.list(&ListParams::default()).await.unwrap_err();
        assert_eq!(code(err), (403, "Forbidden".into()));
    }
}

/// Discovery over plain HTTP, in the forms kubectl and kube ask for.
async fn discovery(sim: &Sim, path: &str, accept: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", sim.url()))
        .bearer_auth(sim.admin_token())
        .header("accept", accept)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

fn aggregated(version: &str) -> String {
    format!("application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList")
}

#[tokio::test]
async fn discovery_lists_metrics_unless_switched_off() {
    for metrics in [true, false] {
        let sim = Sim::start(SimConfig {
            tls: false,
            metrics,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let (_, groups) = discovery(&sim, "/apis", "application/json").await;
        let listed = groups["groups"].as_array().unwrap().iter().any(|g| {
            g["name"] == "metrics.k8s.io" && g["preferredVersion"]["groupVersion"] == "metrics.k8s.io/v1beta1"
        });
        assert_eq!(listed, metrics);
        for version in ["v2", "v2beta1"] {
            let (_, doc) = discovery(&sim, "/apis", &aggregated(version)).await;
            let group = doc["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["metadata"]["name"] == "metrics.k8s.io");
            assert_eq!(group.is_some(), metrics, "{version}");
            if let Some(group) = group {
                let resources = &group["versions"][0]["resources"];
                assert_eq!(group["versions"][0]["version"], "v1beta1");
                assert_eq!(resources[0]["resource"], "nodes");
                assert_eq!(resources[0]["scope"], "Cluster");
                assert_eq!(resources[1]["responseKind"]["kind"], "PodMetrics");
                assert_eq!(resources[1]["verbs"], json!(["get", "list"]));
            }
        }
        let (status, list) = discovery(&sim, "/apis/metrics.k8s.io/v1beta1", "application/json").await;
        let (status_pods, _) = discovery(&sim, "/apis/metrics.k8s.io/v1beta1/pods", "application/json").await;
        if metrics {
            assert_eq!((status, status_pods), (StatusCode::OK, StatusCode::OK));
            assert_eq!(
                list["resources"][1],
                json!({"name": "pods", "singularName": "podmetrics", "namespaced": true,
                       "kind": "PodMetrics", "verbs": ["get", "list"]})
            );
        } else {
            assert_eq!((status, status_pods), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
        }
    }
}

/// A StatefulSet's pod with a claimed volume on node-a.
const WITH_VOLUME: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: shop, uid: u-db-0}
spec:
  nodeName: node-a
  containers: [{name: db, image: postgres:17}]
  volumes:
  - {name: data, persistentVolumeClaim: {claimName: data-db-0}}
  - {name: tmp, emptyDir: {}}
status: {phase: Running}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_proxy_serves_the_kubelets_volume_stats() {
    let sim = with_metrics("v1.33.1", true).await;
    sim.load_yaml(WITH_VOLUME).unwrap();
    sim.set_volume_usage("shop", "data-db-0", "3Gi", "10Gi").unwrap();
    assert!(sim.set_volume_usage("shop", "x", "lots", "1Gi").is_err());
    let path = "/api/v1/nodes/node-a/proxy/stats/summary";
    let volume = json!([{
        "name": "data", "usedBytes": 3u64 << 30, "capacityBytes": 10u64 << 30, "availableBytes": 7u64 << 30,
        "pvcRef": {"name": "data-db-0", "namespace": "shop"},
    }]);
    let check = |summary: &Value| {
        assert_eq!(summary["node"]["nodeName"], "node-a");
        let pods = summary["pods"].as_array().unwrap();
        let db = pods.iter().find(|p| p["podRef"]["name"] == "db-0").unwrap();
        let mut got = db["volume"].clone();
        got[0].as_object_mut().unwrap().remove("time");
        assert_eq!(got, volume, "{summary}");
        // Pods without a claimed volume report none; pods of other nodes are not listed.
        assert!(
            pods.iter()
                .filter(|p| p["podRef"]["name"] != "db-0")
                .all(|p| p.get("volume").is_none())
        );
        assert!(pods.iter().all(|p| p["podRef"]["namespace"] == "shop"));
    };
    if let Some(k) = Kubectl::new(&sim) {
        let out = k.ok(&["get", "--raw", path]).await;
        check(&serde_json::from_str(&out).unwrap());
    }
    // Without kube's default retries (Fleetdeck turns them off): the 503 below is answered at once.
    let admin = {
        let kubeconfig = kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_for_token(sim.admin_token())).unwrap();
        let options = kube::config::KubeConfigOptions::default();
        let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .unwrap();
        config.default_retry = false;
        Client::try_from(config).unwrap()
    };
    let get = |client: Client, path: String| async move {
        let request = axum::http::Request::get(path).body(Vec::new()).unwrap();
        client.request::<Value>(request).await
    };
    check(&get(admin.clone(), path.to_string()).await.unwrap());

    // Scripted: a filling volume shows its new figure on the next read.
    sim.set_volume_usage("shop", "data-db-0", "9Gi", "10Gi").unwrap();
    let summary = get(admin.clone(), path.to_string()).await.unwrap();
    let db = summary["pods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["podRef"]["name"] == "db-0")
        .unwrap()
        .clone();
    assert_eq!(db["volume"][0]["usedBytes"], 9u64 << 30);

    // A missing node is a 404, a kubelet that is not Ready the proxy's 503, and a failure
    // can be played.
    let err = get(admin.clone(), "/api/v1/nodes/nope/proxy/stats/summary".into())
        .await
        .unwrap_err();
    assert_eq!(code(err).0, 404);
    let err = get(admin.clone(), "/api/v1/nodes/node-down/proxy/stats/summary".into())
        .await
        .unwrap_err();
    assert_eq!(code(err).0, 503);
    sim.fail_resource("", "nodes/proxy", 502, "kubelet gone");
    let err = get(admin.clone(), path.to_string()).await.unwrap_err();
    assert_eq!(code(err).0, 502);
    sim.clear_faults();

    // Authorized as nodes/proxy (verb get), like the apiserver.
    sim.set_volume_usage("shop", "data-db-0", "3Gi", "10Gi").unwrap();
    sim.add_token("viewer-token", "viewer", &["viewers"]);
    let viewer = client_for(&sim, "viewer-token", None).await;
    let err = get(viewer.clone(), path.to_string()).await.unwrap_err();
    assert_eq!(code(err), (403, "Forbidden".into()));
    sim.add_rule(Rule::group("viewers", &["get"], &[""], &["nodes/proxy"], &[]));
    check(&get(viewer, path.to_string()).await.unwrap());
}
