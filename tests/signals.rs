//! Signals against a simulated cluster, on both backends: the sampler's passes (readiness,
//! restarts, per-container usage from metrics.k8s.io, node usage), node history through
//! `GET /api/node-events` (filters, limits, an `impersonate` cluster hidden from a caller
//! Kubernetes does not let list nodes), folding raw samples into 5-minute buckets, and the
//! background task on the leader.

mod common;

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use common::*;
use fleetdeck::AppState;
use fleetdeck::signals::sampler::{self, Counts};
use fleetdeck::store::samples::{CONTAINER_SAMPLES, NODE_SAMPLES, SampleRow, WORKLOAD_SAMPLES};
use kubesim::Sim;
use kubesim::auth::Rule;
use kubesim::metrics::MetricsKind;
use reqwest::Method;
use serde_json::{Value, json};

/// A Deployment of two pods (through its ReplicaSet), a StatefulSet of one, a bare pod and two
/// nodes.
const FLEET: &str = r#"
apiVersion: v1
kind: Node
metadata: {name: node-a}
status:
  allocatable: {cpu: "4", memory: 8Gi}
  conditions: [{type: Ready, status: "True", reason: KubeletReady}]
---
apiVersion: v1
kind: Node
metadata: {name: node-b}
status:
  allocatable: {cpu: "2", memory: 4Gi}
  conditions: [{type: Ready, status: "True", reason: KubeletReady}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop, uid: u-api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: app, image: api:1}]}
status: {readyReplicas: 1}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: api-1
  namespace: shop
  uid: u-rs
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: u-api, controller: true}]
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: app, image: api:1}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: api-1-a
  namespace: shop
  labels: {app: api}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-1, uid: u-rs, controller: true}]
spec: {nodeName: node-a, containers: [{name: app, image: api:1}]}
status:
  phase: Running
  containerStatuses: [{name: app, restartCount: 3, ready: true, image: api:1, imageID: "", state: {running: {}}}]
---
apiVersion: v1
kind: Pod
metadata:
  name: api-1-b
  namespace: shop
  labels: {app: api}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-1, uid: u-rs, controller: true}]
spec: {nodeName: node-b, containers: [{name: app, image: api:1}]}
status:
  phase: Running
  containerStatuses: [{name: app, restartCount: 1, ready: false, image: api:1, imageID: "", state: {running: {}}}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop, uid: u-db}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres:17}]}
status: {readyReplicas: 1}
---
apiVersion: v1
kind: Pod
metadata:
  name: db-0
  namespace: shop
  labels: {app: db}
  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: db, uid: u-db, controller: true}]
spec: {nodeName: node-a, containers: [{name: db, image: postgres:17}]}
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: bare, namespace: shop}
spec: {nodeName: node-a, containers: [{name: x, image: busybox}]}
status: {phase: Running}
"#;

async fn fleet_sim() -> Sim {
    let sim = Sim::start(kubesim::SimConfig::default()).await.unwrap();
    sim.load_yaml(FLEET).unwrap();
    let usage = [
        ("api-1-a", "app", "200m", "300Mi"),
        ("api-1-b", "app", "450m", "100Mi"),
        ("db-0", "db", "50m", "1Gi"),
    ];
    for (pod, container, cpu, memory) in usage {
        sim.set_usage(MetricsKind::Pod, "shop", pod, container, cpu, memory)
            .unwrap();
    }
    sim.set_usage(MetricsKind::Node, "", "node-a", "", "1500m", "3Gi")
        .unwrap();
    sim.set_usage(MetricsKind::Node, "", "node-b", "", "250m", "1Gi")
        .unwrap();
    sim
}

/// The app with the simulator registered as `open` (shared) and `guarded` (impersonate), and a
/// second state on the same store to run the sampler's passes at chosen times.
async fn app_and_state(db: &TestDb, sim: &Sim) -> (TestApp, AppState) {
    let app = app_with_sim(db, sim, false).await;
    let state = AppState::new(with_secret_key(db), db.store().await);
    (app, state)
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

async fn pass(state: &AppState, when: DateTime<Utc>) -> Counts {
    let cluster = state.store.cluster("open").await.unwrap().unwrap();
    sampler::sample_cluster(state, &cluster, when).await.unwrap()
}

fn keyed(rows: &[SampleRow]) -> Vec<(String, Vec<i64>)> {
    rows.iter().map(|r| (r.key[1..].join("/"), r.values.clone())).collect()
}

async fn events(app: &TestApp, query: &str, token: &str) -> (u16, Value) {
    let r = app
        .bearer(Method::GET, &format!("/api/node-events{query}"), token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

on_both_backends! {
    async fn a_pass_records_readiness_usage_and_node_history(db) {
        let sim = fleet_sim().await;
        let (app, state) = app_and_state(db, &sim).await;
        let t0 = at("2026-12-06T10:00:00Z");
        let counts = pass(&state, t0).await;
        assert_eq!(counts, Counts { workloads: 2, containers: 2, nodes: 2, node_events: 2, volumes: 0 });

        let since = t0 - TimeDelta::hours(1);
        let workloads = state.store.samples(&WORKLOAD_SAMPLES, "open", since).await.unwrap();
        // desired, min(ready, desired), restarts.
        assert_eq!(keyed(&workloads), [("shop/Deployment/api".into(), vec![2, 1, 4]), ("shop/StatefulSet/db".into(), vec![1, 1, 0])]);
        assert!(workloads.iter().all(|r| r.at == t0 && r.samples == 1));
        // The highest of the pods' usage: cpu_sum, cpu_max (millicores), memory_max (bytes).
        let containers = state.store.samples(&CONTAINER_SAMPLES, "open", since).await.unwrap();
        const MI: i64 = 1024 * 1024;
        assert_eq!(keyed(&containers), [
            ("shop/Deployment/api/app".into(), vec![450, 450, 300 * MI]),
            ("shop/StatefulSet/db/db".into(), vec![50, 50, 1024 * MI]),
        ]);
        let nodes = state.store.samples(&NODE_SAMPLES, "open", since).await.unwrap();
        assert_eq!(keyed(&nodes), [
            ("node-a".into(), vec![1500, 1500, 3072 * MI, 4000, 8192 * MI]),
            ("node-b".into(), vec![250, 250, 1024 * MI, 2000, 4096 * MI]),
        ]);

        // Node history: both joined; then node-b goes NotReady and is cordoned, node-a goes.
        let client = sim_client(&sim).await;
        let nodes_api: kube::Api<k8s_openapi::api::core::v1::Node> = kube::Api::all(client);
        let not_ready = json!({"status": {"conditions": [{"type": "Ready", "status": "False", "reason": "KubeletNotReady", "message": "PLEG is not healthy"}]}});
        nodes_api.patch_status("node-b", &kube::api::PatchParams::default(), &kube::api::Patch::Merge(&not_ready)).await.unwrap();
        nodes_api.patch("node-b", &kube::api::PatchParams::default(), &kube::api::Patch::Merge(json!({"spec": {"unschedulable": true}}))).await.unwrap();
        nodes_api.delete("node-a", &Default::default()).await.unwrap();
        // The caches see the changes through their watches: pass until all three are recorded.
        let t1 = t0 + TimeDelta::minutes(1);
        let mut recorded = 0;
        for i in 0..50 {
            recorded += pass(&state, t1 + TimeDelta::seconds(i)).await.node_events;
            if recorded >= 3 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(recorded, 3);
        // Nothing changed since: no new events.
        assert_eq!(pass(&state, t1 + TimeDelta::minutes(1)).await.node_events, 0);

        let (status, body) = events(&app, "?cluster=open", VIEWER_TOKEN).await;
        assert_eq!(status, 200, "{body}");
        let list = body["events"].as_array().unwrap();
        let mut got: Vec<(&str, &str, &Value, &Value)> = list.iter()
            .map(|e| (e["node"].as_str().unwrap(), e["type"].as_str().unwrap(), &e["oldStatus"], &e["newStatus"])).collect();
        // Newest first: the two joins of the first pass come last.
        assert_eq!(got[3..].iter().map(|e| e.1).collect::<Vec<_>>(), ["joined", "joined"]);
        got.sort_by_key(|e| (e.0, e.1));
        let none = Value::Null;
        let (ready, not_ready_v) = (json!("ready"), json!("not_ready"));
        assert_eq!(got, [
            ("node-a", "deleted", &ready, &none),
            ("node-a", "joined", &none, &ready),
            ("node-b", "cordoned", &none, &none),
            ("node-b", "joined", &none, &ready),
            ("node-b", "not_ready", &ready, &not_ready_v),
        ]);
        let change = list.iter().find(|e| e["type"] == "not_ready").unwrap();
        assert_eq!(change["message"], "Ready=False (KubeletNotReady: PLEG is not healthy)");
        assert!(change["observedAt"].as_str().unwrap() >= "2026-12-06T10:01:00Z", "{change}");

        let (_, filtered) = events(&app, "?cluster=open&node=node-b&type=not_ready", VIEWER_TOKEN).await;
        assert_eq!(filtered["events"].as_array().unwrap().len(), 1, "{filtered}");
        let (_, limited) = events(&app, "?limit=2", VIEWER_TOKEN).await;
        assert_eq!(limited["events"].as_array().unwrap().len(), 2);
        for bad in ["?limit=0", "?limit=501", "?type=exploded", "?bogus=1"] {
            let (status, body) = events(&app, bad, VIEWER_TOKEN).await;
            assert_error(status, &body, 400, "invalid_query");
        }
        app.stop().await;
    }

    async fn raw_samples_fold_into_five_minute_buckets(db) {
        let sim = fleet_sim().await;
        let (app, state) = app_and_state(db, &sim).await;
        let t0 = at("2026-12-06T10:00:00Z");
        // Three passes in one bucket with different usage, one in the next.
        let usage = [("200m", "300Mi", "450m"), ("800m", "100Mi", "100m"), ("100m", "200Mi", "100m")];
        for (i, (a, memory, b)) in usage.iter().enumerate() {
            sim.set_usage(MetricsKind::Pod, "shop", "api-1-a", "app", a, memory).unwrap();
            sim.set_usage(MetricsKind::Pod, "shop", "api-1-b", "app", b, "50Mi").unwrap();
            pass(&state, t0 + TimeDelta::minutes(i as i64)).await;
        }
        pass(&state, t0 + TimeDelta::minutes(5)).await;

        // A day and 7 minutes later the first bucket (10:00-10:05) is wholly past the raw
        // retention (1d); the one at 10:05 is not yet.
        let now = t0 + TimeDelta::days(1) + TimeDelta::minutes(7);
        sampler::maintain(&state, now).await.unwrap();
        let rows = state.store.samples(&CONTAINER_SAMPLES, "open", t0 - TimeDelta::hours(1)).await.unwrap();
        let api: Vec<&SampleRow> = rows.iter().filter(|r| r.key[4] == "app").collect();
        const MI: i64 = 1024 * 1024;
        assert_eq!(api.len(), 2, "{rows:?}");
        // Per pass the highest pod: 450m, 800m, 100m → Σ 1350, max 800; memory max 300Mi.
        assert_eq!((api[0].at, api[0].samples, api[0].values.clone()), (t0, 3, vec![1350, 800, 300 * MI]));
        assert_eq!((api[1].at, api[1].samples), (t0 + TimeDelta::minutes(5), 1));
        let workloads = state.store.samples(&WORKLOAD_SAMPLES, "open", t0 - TimeDelta::hours(1)).await.unwrap();
        let deployment = workloads.iter().find(|r| r.key[2] == "Deployment" && r.at == t0).unwrap();
        // Σ desired, Σ ready, max restarts over the three passes.
        assert_eq!((deployment.samples, deployment.values.clone()), (3, vec![6, 3, 4]));

        // Folding again changes nothing; past the retention (30d) everything goes.
        sampler::maintain(&state, now).await.unwrap();
        let again = state.store.samples(&CONTAINER_SAMPLES, "open", t0 - TimeDelta::hours(1)).await.unwrap();
        assert_eq!(again, rows);
        sampler::maintain(&state, t0 + TimeDelta::days(31)).await.unwrap();
        assert!(state.store.samples(&CONTAINER_SAMPLES, "open", t0 - TimeDelta::hours(1)).await.unwrap().is_empty());
        app.stop().await;
    }
    async fn impersonate_clusters_show_node_history_to_whom_kubernetes_lets_list_nodes(db) {
        let sim = fleet_sim().await;
        // Operators may list nodes; viewers may not.
        sim.add_rule(Rule::group("fleetdeck:operators", &["list"], &[""], &["nodes"], &[]));
        let (app, state) = app_and_state(db, &sim).await;
        for name in ["open", "guarded"] {
            let cluster = state.store.cluster(name).await.unwrap().unwrap();
            sampler::sample_cluster(&state, &cluster, at("2026-12-06T10:00:00Z")).await.unwrap();
        }
        let clusters = |body: &Value| -> BTreeSet<String> {
            body["events"].as_array().unwrap().iter().map(|e| e["cluster"].as_str().unwrap().to_string()).collect()
        };
        let (status, body) = events(&app, "", VIEWER_TOKEN).await;
        assert_eq!((status, clusters(&body)), (200, BTreeSet::from(["open".to_string()])), "{body}");
        let (_, body) = events(&app, "?cluster=guarded", VIEWER_TOKEN).await;
        assert_eq!(body["events"], json!([]));
        let (_, body) = events(&app, "", OPERATOR_TOKEN).await;
        assert_eq!(clusters(&body), BTreeSet::from(["guarded".to_string(), "open".to_string()]));
        app.stop().await;
    }

    async fn the_leader_samples_on_its_own(db) {
        let sim = fleet_sim().await;
        let mut settings = with_secret_key(db);
        settings.sampling = true;
        settings.sample_interval = std::time::Duration::from_secs(1);
        let app = TestApp::with(settings).await;
        register_sim(&app, "open", &sim, "shared").await;
        let mut joined = 0;
        for _ in 0..100 {
            let (_, body) = events(&app, "?type=joined", VIEWER_TOKEN).await;
            joined = body["events"].as_array().unwrap().len();
            if joined == 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(joined, 2, "both nodes recorded by the background sampler");
        app.stop().await;
    }
}
