//! Container logs against a simulated cluster: the event frames, tail, timestamps, previous runs,
//! following (through the clients' read timeout too), downloads, the apiserver's refusals, a
//! Deployment's logs across its pods as they are replaced, and RBAC on `pods/log` under
//! impersonation. The store plays no part here, so these run on SQLite only.

mod common;

use std::time::Duration;

use common::*;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams};
use kubesim::auth::Rule;
use kubesim::{Sim, SimConfig};
use reqwest::Method;
use serde_json::{Value, json};

const SHOP: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
    matchExpressions: [{key: tier, operator: In, values: [front]}]
  template:
    metadata: {labels: {app: web, tier: front}}
    spec: {containers: [{name: app, image: "web:1"}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-a
  namespace: shop
  labels: {app: web, tier: front}
  annotations: {kubesim.fleetdeck.dev/logs: "a starting\na ready"}
spec: {containers: [{name: app, image: "web:1"}]}
status: {phase: Running, containerStatuses: [{name: app, ready: true, restartCount: 0, image: "web:1", state: {running: {}}}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-b
  namespace: shop
  labels: {app: web, tier: front}
  annotations: {kubesim.fleetdeck.dev/logs: "b starting\nb ready"}
spec: {containers: [{name: app, image: "web:1"}]}
status: {phase: Running, containerStatuses: [{name: app, ready: true, restartCount: 0, image: "web:1", state: {running: {}}}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-canary
  namespace: shop
  labels: {app: web, tier: canary}
  annotations: {kubesim.fleetdeck.dev/logs: "not the deployment's"}
spec: {containers: [{name: app, image: "web:2"}]}
status: {phase: Running, containerStatuses: [{name: app, ready: true, restartCount: 0, image: "web:2", state: {running: {}}}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: multi
  namespace: shop
  annotations:
    kubesim.fleetdeck.dev/logs.app: "one\ntwo\nthree"
    kubesim.fleetdeck.dev/logs.proxy: "proxy up"
    kubesim.fleetdeck.dev/previous-logs.app: "panic: boom"
spec: {containers: [{name: app, image: "app:1"}, {name: proxy, image: "proxy:1"}]}
status: {phase: Running, startTime: "2026-01-02T03:04:05Z"}
"#;

async fn sim() -> Sim {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    sim.load_yaml(SHOP).unwrap();
    sim
}

/// Fleetdeck with `sim` registered as cluster `sim` in `authz` mode.
async fn app_with(db: &TestDb, sim: &Sim, authz: &str) -> TestApp {
    let app = TestApp::with(with_secret_key(db)).await;
    register_sim(&app, "sim", sim, authz).await;
    app
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.bearer(Method::GET, path, VIEWER_TOKEN).send().await.unwrap()
}

fn lines(logs: &[Value]) -> Vec<&str> {
    logs.iter().map(|l| l["line"].as_str().unwrap()).collect()
}

fn running_pod(name: &str, logs: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": {"app": "web", "tier": "front"},
                     "annotations": {"kubesim.fleetdeck.dev/logs": logs}},
        "spec": {"containers": [{"name": "app", "image": "web:1"}]},
        "status": {"phase": "Running", "containerStatuses": [
            {"name": "app", "ready": true, "restartCount": 0, "image": "web:1", "state": {"running": {}}}]}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pod_logs_are_frames_with_tail_and_timestamps() {
    let db = TestDb::sqlite().await;
    let sim = sim().await;
    let app = app_with(&db, &sim, "shared").await;

    let mut all = Events::open(
        &app,
        "/api/clusters/sim/pods/shop/multi/logs?container=app",
        VIEWER_TOKEN,
    )
    .await;
    let logs = all.until_end().await;
    assert_eq!(lines(&logs), ["one", "two", "three"]);
    assert_eq!(
        logs[0],
        json!({"pod": "multi", "container": "app", "line": "one"}),
        "no timestamp unless asked"
    );

    let path = "pods/shop/multi/logs?container=app&tailLines=2&timestamps=true";
    let mut tail = Events::open(&app, &format!("/api/clusters/sim/{path}"), VIEWER_TOKEN).await;
    let logs = tail.until_end().await;
    assert_eq!(lines(&logs), ["two", "three"]);
    assert_eq!(logs[0]["timestamp"], "2026-01-02T03:04:05Z", "{}", logs[0]);
    // The generic resource path answers the same, and the object's other views still route.
    let mut generic = Events::open(
        &app,
        &format!("/api/clusters/sim/resources/core/v1/{path}"),
        VIEWER_TOKEN,
    )
    .await;
    assert_eq!(generic.until_end().await, logs);
    let r = get(&app, "/api/clusters/sim/resources/core/v1/pods/shop/multi").await;
    assert_eq!(r.status(), 200);
    let r = get(&app, "/api/clusters/sim/resources/core/v1/pods/shop/multi/yaml").await;
    assert_eq!(r.status(), 200);

    // A pod with one container needs none named; its frames name it.
    let mut one = Events::open(&app, "/api/clusters/sim/pods/shop/web-a/logs?tailLines=0", VIEWER_TOKEN).await;
    assert!(one.until_end().await.is_empty());
    let mut one = Events::open(&app, "/api/clusters/sim/pods/shop/web-a/logs", VIEWER_TOKEN).await;
    assert_eq!(
        one.until_end().await[1],
        json!({"pod": "web-a", "container": "app", "line": "a ready"})
    );

    let mut previous = Events::open(
        &app,
        "/api/clusters/sim/pods/shop/multi/logs?container=app&previous=true",
        VIEWER_TOKEN,
    )
    .await;
    assert_eq!(lines(&previous.until_end().await), ["panic: boom"]);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_come_back_before_the_stream() {
    let db = TestDb::sqlite().await;
    let sim = sim().await;
    let app = app_with(&db, &sim, "shared").await;

    let (status, body) = json(get(&app, "/api/clusters/sim/pods/shop/multi/logs").await).await;
    assert_error(status, &body, 400, "kube_bad_request");
    assert_eq!(
        body["error"],
        "a container name must be specified for pod multi, choose one of: [app proxy]"
    );
    let (status, body) = json(
        get(
            &app,
            "/api/clusters/sim/pods/shop/multi/logs?container=proxy&previous=true",
        )
        .await,
    )
    .await;
    assert_error(status, &body, 400, "kube_bad_request");
    assert_eq!(
        body["error"],
        "previous terminated container \"proxy\" in pod \"multi\" not found"
    );
    let (status, body) = json(get(&app, "/api/clusters/sim/pods/shop/gone/logs").await).await;
    assert_error(status, &body, 404, "kube_not_found");
    let (status, body) = json(get(&app, "/api/clusters/nowhere/pods/shop/multi/logs").await).await;
    assert_error(status, &body, 404, "not_found");
    for query in [
        "tailLines=-1",
        "sinceSeconds=0",
        "follow=true&download=true",
        "bogus=1",
        "follow=yes",
    ] {
        let (status, body) = json(get(&app, &format!("/api/clusters/sim/pods/shop/web-a/logs?{query}")).await).await;
        assert_error(status, &body, 400, "invalid_query");
    }
    let (status, body) = json(get(&app, "/api/clusters/sim/resources/core/v1/configmaps/shop/x/logs").await).await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = json(
        get(
            &app,
            "/api/clusters/sim/resources/apps/v1/deployments/shop/web/logs?download=true",
        )
        .await,
    )
    .await;
    assert_error(status, &body, 400, "invalid_query");
    let (status, body) = json(get(&app, "/api/clusters/sim/resources/apps/v1/deployments/shop/nope/logs").await).await;
    assert_error(status, &body, 404, "not_found");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_are_text_attachments() {
    let db = TestDb::sqlite().await;
    let sim = sim().await;
    let app = app_with(&db, &sim, "shared").await;

    let r = get(
        &app,
        "/api/clusters/sim/pods/shop/multi/logs?container=app&timestamps=true&download=true",
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"multi-app.log\""
    );
    assert_eq!(
        r.text().await.unwrap(),
        "2026-01-02T03:04:05Z one\n2026-01-02T03:04:05Z two\n2026-01-02T03:04:05Z three\n"
    );
    let r = get(&app, "/api/clusters/sim/pods/shop/web-b/logs?download=true").await;
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"web-b-app.log\""
    );
    assert_eq!(r.text().await.unwrap(), "b starting\nb ready\n");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_carries_new_lines_until_the_pod_goes() {
    let db = TestDb::sqlite().await;
    let sim = sim().await;
    let app = app_with(&db, &sim, "shared").await;

    let mut events = Events::open(
        &app,
        "/api/clusters/sim/pods/shop/web-a/logs?follow=true&tailLines=1",
        VIEWER_TOKEN,
    )
    .await;
    assert_eq!(events.log().await["line"], "a ready");
    sim.append_log("shop", "web-a", "app", "GET /healthz 200");
    sim.append_log("shop", "web-a", "app", "GET / 200");
    assert_eq!(events.log().await["line"], "GET /healthz 200");
    assert_eq!(events.log().await["line"], "GET / 200");

    let pods: Api<Pod> = Api::namespaced(sim_client(&sim).await, "shop");
    pods.delete("web-a", &DeleteParams::default()).await.unwrap();
    assert!(events.until_end().await.is_empty(), "the pod's going ends the stream");
    drop(events);
    app.stop().await;
}

/// Fleetdeck's clients give up on a connection quiet for 15 s; a followed container that is
/// quiet longer still gets its next line, once, and the stream sends heartbeats meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_follow_outlasts_the_read_timeout() {
    let db = TestDb::sqlite().await;
    let sim = sim().await;
    let app = app_with(&db, &sim, "shared").await;

    let mut events = Events::open(&app, "/api/clusters/sim/pods/shop/web-b/logs?follow=true", VIEWER_TOKEN).await;
    sim.append_log("shop", "web-b", "app", "before");
    assert_eq!(
        lines(&[events.log().await, events.log().await, events.log().await]),
        ["b starting", "b ready", "before"]
    );
    tokio::time::sleep(Duration::from_secs(17)).await;
    sim.append_log("shop", "web-b", "app", "after a quiet while");
    sim.append_log("shop", "web-b", "app", "and one more");
    assert_eq!(events.log().await["line"], "after a quiet while");
    assert_eq!(events.log().await["line"], "and one more");
    assert!(events.heartbeats >= 1, "a heartbeat in 15 s");
    let log_reads = sim.requests().iter().filter(|r| r.path.ends_with("/web-b/log")).count();
    assert!(log_reads >= 2, "the read was opened again ({log_reads})");
    drop(events);
    app.stop().await;
}

/// A follow stream never ends by itself; a stopping server ends it with a notice, so it does not
/// hold the shutdown's grace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_server_ends_follow_streams() {
    let db = TestDb::sqlite().await;
    let sim = sim().await;
    let app = app_with(&db, &sim, "shared").await;
    let mut events = Events::open(&app, "/api/clusters/sim/pods/shop/web-b/logs?follow=true", VIEWER_TOKEN).await;
    assert_eq!(events.log().await["line"], "b starting");
    let started = std::time::Instant::now();
    let stopping = tokio::spawn(app.stop());
    let last = loop {
        let (event, data) = events.next().await.expect("a frame before the end");
        if event != "log" {
            break (event, data);
        }
    };
    assert_eq!(
        last,
        ("notice".to_string(), json!({"message": "the server is shutting down"}))
    );
    assert!(events.next().await.is_none(), "the stream closes");
    stopping.await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_stream_ends_with_an_error_frame() {
    let db = TestDb::sqlite().await;
    let sim = sim().await;
    let app = app_with(&db, &sim, "shared").await;

    let mut events = Events::open(
        &app,
        "/api/clusters/sim/pods/shop/multi/logs?container=proxy&follow=true",
        VIEWER_TOKEN,
    )
    .await;
    assert_eq!(events.log().await["line"], "proxy up");
    sim.set_unreachable(true);
    let (event, data) = events.next().await.unwrap();
    assert_eq!(event, "error", "{data}");
    assert_eq!(
        (data["pod"].as_str(), data["container"].as_str()),
        (Some("multi"), Some("proxy"))
    );
    assert!(
        data["message"].as_str().unwrap().starts_with("the log stream broke"),
        "{data}"
    );
    assert!(events.until_end().await.is_empty());
    sim.set_unreachable(false);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployments_logs_fan_out_over_its_pods() {
    let db = TestDb::sqlite().await;
    let sim = sim().await;
    let app = app_with(&db, &sim, "shared").await;
    let path = "/api/clusters/sim/resources/apps/v1/deployments/shop/web/logs";

    let mut once = Events::open(&app, &format!("{path}?tailLines=1&container=app"), VIEWER_TOKEN).await;
    let mut tagged: Vec<(String, String)> = once
        .until_end()
        .await
        .iter()
        .map(|l| (l["pod"].as_str().unwrap().into(), l["line"].as_str().unwrap().into()))
        .collect();
    tagged.sort();
    assert_eq!(
        tagged,
        [("web-a".into(), "a ready".into()), ("web-b".into(), "b ready".into())]
    );

    let mut events = Events::open(&app, &format!("{path}?follow=true&tailLines=1"), VIEWER_TOKEN).await;
    let mut first = [events.log().await, events.log().await];
    first.sort_by_key(|l| l["pod"].as_str().unwrap().to_string());
    assert_eq!(first[0], json!({"pod": "web-a", "container": "app", "line": "a ready"}));
    assert_eq!(first[1], json!({"pod": "web-b", "container": "app", "line": "b ready"}));

    // The Deployment's pod web-a is replaced by web-c: web-c joins, read from its start.
    let pods: Api<Pod> = Api::namespaced(sim_client(&sim).await, "shop");
    pods.delete("web-a", &DeleteParams::default()).await.unwrap();
    sim.create_or_update(running_pod("web-c", "c starting")).unwrap();
    assert_eq!(
        events.log().await,
        json!({"pod": "web-c", "container": "app", "line": "c starting"})
    );
    sim.append_log("shop", "web-c", "app", "c serving");
    assert_eq!(
        events.log().await,
        json!({"pod": "web-c", "container": "app", "line": "c serving"})
    );
    sim.append_log("shop", "web-a", "app", "a ghost");
    sim.append_log("shop", "web-canary", "app", "canary");
    sim.append_log("shop", "web-b", "app", "b still here");
    assert_eq!(
        events.log().await,
        json!({"pod": "web-b", "container": "app", "line": "b still here"})
    );
    drop(events);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impersonated_readers_need_pods_log() {
    let db = TestDb::sqlite().await;
    let sim = sim().await;
    let see = |group: &str, pods: &[&str]| {
        sim.add_rule(Rule::group(group, &["get", "list", "watch"], &[""], pods, &["shop"]));
        sim.add_rule(Rule::group(
            group,
            &["get", "list", "watch"],
            &["apps"],
            &["deployments"],
            &["shop"],
        ));
    };
    see("fleetdeck:viewers", &["pods"]);
    see("fleetdeck:admins", &["pods", "pods/log"]);
    let app = app_with(&db, &sim, "impersonate").await;

    let (status, body) = json(get(&app, "/api/clusters/sim/pods/shop/web-a/logs").await).await;
    assert_error(status, &body, 403, "kube_forbidden");
    assert_eq!(body["details"]["kubeStatus"]["code"], 403);
    let (status, body) = json(get(&app, "/api/clusters/sim/resources/apps/v1/deployments/shop/web/logs").await).await;
    assert_error(status, &body, 403, "kube_forbidden");

    let mut pod = Events::open(&app, "/api/clusters/sim/pods/shop/web-a/logs", ADMIN_TOKEN).await;
    assert_eq!(lines(&pod.until_end().await), ["a starting", "a ready"]);
    let mut deployment = Events::open(
        &app,
        "/api/clusters/sim/resources/apps/v1/deployments/shop/web/logs",
        ADMIN_TOKEN,
    )
    .await;
    assert_eq!(deployment.until_end().await.len(), 4);
    let reads: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/log"))
        .collect();
    assert!(!reads.is_empty());
    assert!(
        reads.iter().all(|r| r.impersonate_user.is_some()),
        "logs are read as the caller"
    );
    app.stop().await;
}
