//! Signals against a simulated cluster, on both backends: the sampler's passes (readiness,
//! restarts, per-container usage from metrics.k8s.io, node usage), node history through
//! `GET /api/node-events` (filters, limits, an `impersonate` cluster hidden from a caller
//! Kubernetes does not let list nodes), folding raw samples into 5-minute buckets, SLO burn
//! rates and rightsizing from scripted samples against hand-computed figures through
//! `GET /api/slo` and `GET /api/rightsizing`, and the background task on the leader; the same
//! SLOs and rightsizing from a real Prometheus's backfilled series (`FLEETDECK_PROMETHEUS_URL`:
//! the cluster label, a bearer token, the previous results kept while it fails); and the
//! caches' memo, which derives again only the objects that changed.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, TimeDelta, Utc};
use common::receivers::{Prometheus, Receiver};
use common::*;
use fleetdeck::AppState;
use fleetdeck::clusters::clients::own_access;
use fleetdeck::config::{PrometheusSettings, RedactedSecret};
use fleetdeck::kube::cache::{Memo, Source};
use fleetdeck::kube::discovery::ResourceInfo;
use fleetdeck::signals::evaluator;
use fleetdeck::signals::outbound::ssrf::AllowList;
use fleetdeck::signals::sampler::{self, Counts, Sampler};
use fleetdeck::store::samples::{CONTAINER_SAMPLES, NODE_SAMPLES, SampleRow, SamplesWrite, WORKLOAD_SAMPLES};
use kube::api::DynamicObject;
use kubesim::Sim;
use kubesim::auth::Rule;
use kubesim::metrics::MetricsKind;
use reqwest::Method;
use serde_json::{Value, json};

/// A Deployment of two pods (through its ReplicaSet) with an SLO target of 99 % and requests, a
/// StatefulSet of one, a bare pod and two nodes.
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
metadata: {name: api, namespace: shop, uid: u-api, annotations: {fleetdeck.dev/slo-target: "99"}}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: app
        image: api:1
        resources: {requests: {cpu: 500m, memory: 512Mi}, limits: {memory: 1Gi}}
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

async fn pass(sampler: &mut Sampler, state: &AppState, when: DateTime<Utc>) -> Counts {
    let cluster = state.store.cluster("open").await.unwrap().unwrap();
    sampler.sample_cluster(state, &cluster, when).await.unwrap()
}

fn keyed(rows: &[SampleRow]) -> Vec<(String, Vec<i64>)> {
    rows.iter().map(|r| (r.key[1..].join("/"), r.values.clone())).collect()
}

const MI: i64 = 1024 * 1024;

fn workload_row(kind: &str, name: &str, when: DateTime<Utc>, desired: i64, ready: i64) -> SampleRow {
    SampleRow {
        key: vec!["open".into(), "shop".into(), kind.into(), name.into()],
        at: when,
        samples: 1,
        values: vec![desired, ready, 0],
    }
}

/// A raw sample of a container in `shop`, named kind/workload/container.
fn container_row(path: &str, when: DateTime<Utc>, cpu: i64, memory: i64) -> SampleRow {
    let mut key: Vec<String> = vec!["open".into(), "shop".into()];
    key.extend(path.split('/').map(String::from));
    SampleRow {
        key,
        at: when,
        samples: 1,
        values: vec![cpu, cpu, memory],
    }
}

/// Writes scripted raw samples of cluster `open`.
async fn write(state: &AppState, when: DateTime<Utc>, workloads: Vec<SampleRow>, containers: Vec<SampleRow>) {
    let w = SamplesWrite {
        at: when,
        workloads,
        containers,
        nodes: vec![],
        volumes: vec![],
        node_events: vec![],
        node_states: vec![],
        nodes_gone: vec![],
        specs: vec![],
        specs_gone: vec![],
    };
    state.store.write_samples("open", &w).await.unwrap();
}

async fn get(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    let r = app.bearer(Method::GET, path, token).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
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
    async fn a_memo_derives_again_only_the_objects_that_changed(db) {
        let sim = fleet_sim().await;
        let (_app, state) = app_and_state(db, &sim).await;
        let row = state.store.cluster("open").await.unwrap().unwrap();
        let (connection, client) = own_access(&state, &row).await.unwrap();
        let source = Source {
            cluster: "open",
            connection: &connection,
            client,
        };
        let info = ResourceInfo::builtin("", "v1", "nodes", "Node", false);
        let cache = state.caches.get(&source, &info).await.unwrap();
        let derived = AtomicUsize::new(0);
        let tier = |o: &DynamicObject| {
            derived.fetch_add(1, Ordering::SeqCst);
            let labels = o.metadata.labels.clone().unwrap_or_default();
            (o.metadata.name.clone().unwrap(), labels.get("tier").cloned())
        };
        let mut memo = Memo::default();
        let sorted = |mut v: Vec<Arc<(String, Option<String>)>>| {
            v.sort();
            v.iter().map(|t| t.as_ref().clone()).collect::<Vec<_>>()
        };
        let both = vec![("node-a".to_string(), None), ("node-b".to_string(), None)];
        assert_eq!(sorted(cache.memoized(&mut memo, tier)), both);
        assert_eq!(derived.swap(0, Ordering::SeqCst), 2);
        assert_eq!(sorted(cache.memoized(&mut memo, tier)), both);
        assert_eq!(derived.load(Ordering::SeqCst), 0, "nothing changed, nothing parsed");

        let mut node = sim.get("v1", "Node", "", "node-b").unwrap();
        node["metadata"]["labels"] = json!({"tier": "gold"});
        sim.create_or_update(node).unwrap();
        let changed = vec![("node-a".to_string(), None), ("node-b".to_string(), Some("gold".to_string()))];
        let mut seen = Vec::new();
        for _ in 0..100 {
            seen = sorted(cache.memoized(&mut memo, tier));
            if seen == changed {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(seen, changed);
        assert_eq!(derived.load(Ordering::SeqCst), 1, "only the changed node parsed again");
    }

    async fn a_pass_records_readiness_usage_and_node_history(db) {
        let sim = fleet_sim().await;
        let (app, state) = app_and_state(db, &sim).await;
        let mut sampler = Sampler::default();
        let t0 = at("2026-12-06T10:00:00Z");
        let counts = pass(&mut sampler, &state, t0).await;
        assert_eq!(counts, Counts { workloads: 2, containers: 2, nodes: 2, node_events: 2, volumes: 0 });

        let since = t0 - TimeDelta::hours(1);
        let workloads = state.store.samples(&WORKLOAD_SAMPLES, "open", since).await.unwrap();
        // desired, min(ready, desired), restarts.
        assert_eq!(keyed(&workloads), [("shop/Deployment/api".into(), vec![2, 1, 4]), ("shop/StatefulSet/db".into(), vec![1, 1, 0])]);
        assert!(workloads.iter().all(|r| r.at == t0 && r.samples == 1));
        // The highest of the pods' usage: cpu_sum, cpu_max (millicores), memory_max (bytes).
        let containers = state.store.samples(&CONTAINER_SAMPLES, "open", since).await.unwrap();
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
            recorded += pass(&mut sampler, &state, t1 + TimeDelta::seconds(i)).await.node_events;
            if recorded >= 3 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(recorded, 3);
        // Nothing changed since: no new events.
        assert_eq!(pass(&mut sampler, &state, t1 + TimeDelta::minutes(1)).await.node_events, 0);

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
        let mut sampler = Sampler::default();
        let t0 = at("2026-12-06T10:00:00Z");
        // Three passes in one bucket with different usage, one in the next.
        let usage = [("200m", "300Mi", "450m"), ("800m", "100Mi", "100m"), ("100m", "200Mi", "100m")];
        for (i, (a, memory, b)) in usage.iter().enumerate() {
            sim.set_usage(MetricsKind::Pod, "shop", "api-1-a", "app", a, memory).unwrap();
            sim.set_usage(MetricsKind::Pod, "shop", "api-1-b", "app", b, "50Mi").unwrap();
            pass(&mut sampler, &state, t0 + TimeDelta::minutes(i as i64)).await;
        }
        pass(&mut sampler, &state, t0 + TimeDelta::minutes(5)).await;

        // A day and 7 minutes later the first bucket (10:00-10:05) is wholly past the raw
        // retention (1d); the one at 10:05 is not yet.
        let now = t0 + TimeDelta::days(1) + TimeDelta::minutes(7);
        sampler::maintain(&state, now).await.unwrap();
        let rows = state.store.samples(&CONTAINER_SAMPLES, "open", t0 - TimeDelta::hours(1)).await.unwrap();
        let api: Vec<&SampleRow> = rows.iter().filter(|r| r.key[4] == "app").collect();
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
        let mut sampler = Sampler::default();
        for name in ["open", "guarded"] {
            let cluster = state.store.cluster(name).await.unwrap().unwrap();
            sampler.sample_cluster(&state, &cluster, at("2026-12-06T10:00:00Z")).await.unwrap();
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

    async fn slo_burn_rates_and_budget_from_readiness_by_hand(db) {
        let sim = fleet_sim().await;
        let (app, state) = app_and_state(db, &sim).await;
        let mut sampler = Sampler::default();
        let now = at("2026-12-06T12:00:00Z");
        // A real pass four days ago records the specs (api's target: 99 %) and one sample each:
        // api 2 desired, 1 ready; db 1 and 1.
        pass(&mut sampler, &state, now - TimeDelta::days(4)).await;
        // Then api's last hour, a sample a minute (k minutes ago, k = 0..59): 2 desired; 1 ready
        // in the last half hour (k < 30), 2 before.
        let rows = (0..60)
            .map(|k| workload_row("Deployment", "api", now - TimeDelta::minutes(k), 2, if k < 30 { 1 } else { 2 }))
            .collect();
        write(&state, now, rows, vec![]).await;
        assert_eq!(evaluator::slos(&state, now).await.unwrap(), 2);

        let (status, body) = get(&app, "/api/slo?cluster=open", VIEWER_TOKEN).await;
        assert_eq!(status, 200, "{body}");
        let names: Vec<&str> = body["workloads"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["api", "db"]);
        let api = &body["workloads"][0];
        assert_eq!((api["target"].as_f64(), api["targetSource"].as_str()), (Some(99.0), Some("annotation")));
        // Burn = unavailability / 1 %. 5m: k = 0..5, 12 desired, 6 ready → 50 %: 50.
        // 30m: k = 0..30, 62 desired, 30 + 2 = 32 ready → 30/62 unavailable: 48.39.
        // 1h and every longer window: 120 desired, 90 ready → 25 %: 25.
        let burn = |w: &str| {
            let b = api["burnRates"].as_array().unwrap().iter().find(|b| b["window"] == w).unwrap();
            b["burnRate"].as_f64().unwrap()
        };
        assert!((burn("5m") - 50.0).abs() < 1e-9);
        assert!((burn("30m") - (30.0 / 62.0) / 0.01).abs() < 1e-9);
        for w in ["1h", "2h", "6h", "1d", "3d"] {
            assert!((burn(w) - 25.0).abs() < 1e-9, "{w}: {}", burn(w));
        }
        // Every rule's windows burn past its threshold (14.4, 6, 3, 1): a page.
        assert!(api["alerts"].as_array().unwrap().iter().all(|a| a["firing"] == true), "{api}");
        assert_eq!(api["status"], "page");
        // The period adds the pass four days ago: 122 desired, 91 ready → 31/122 of 1 % spent.
        let consumed = api["errorBudget"]["consumed"].as_f64().unwrap();
        assert!((consumed - (31.0 / 122.0) / 0.01).abs() < 1e-9, "{consumed}");
        assert_eq!(api["lastSampleAt"], "2026-12-06T12:00:00Z");
        // db: fully available over the period (the default target), no samples in any window.
        let db = &body["workloads"][1];
        assert_eq!((db["status"].as_str(), db["targetSource"].as_str(), db["target"].as_f64()), (Some("ok"), Some("default"), Some(99.9)));
        assert_eq!(db["errorBudget"]["remaining"].as_f64(), Some(1.0));
        assert!(db["burnRates"].as_array().unwrap().iter().all(|b| b["burnRate"].is_null()));
        assert_eq!((body["summary"]["page"].as_u64(), body["summary"]["ok"].as_u64()), (Some(1), Some(1)));

        let (_, paged) = get(&app, "/api/slo?status=page", VIEWER_TOKEN).await;
        assert_eq!(paged["workloads"].as_array().unwrap().len(), 1);
        for bad in ["/api/slo?status=burning", "/api/slo?limit=1", "/api/rightsizing?status=page"] {
            let (status, body) = get(&app, bad, VIEWER_TOKEN).await;
            assert_error(status, &body, 400, "invalid_query");
        }
        app.stop().await;
    }

    async fn rightsizing_from_sampled_usage_by_hand(db) {
        let sim = fleet_sim().await;
        // An HPA scales db on memory: its memory gets no recommendation.
        sim.load_yaml(r#"
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: db, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: db}
  minReplicas: 1
  maxReplicas: 3
  metrics: [{type: Resource, resource: {name: memory, target: {type: Utilization, averageUtilization: 80}}}]
"#).unwrap();
        let (app, state) = app_and_state(db, &sim).await;
        let mut sampler = Sampler::default();
        let now = at("2026-12-06T12:00:00Z");
        // The caches may not hold the HPA at the first pass: pass until its spec says so. These
        // passes are older than the history (7 days): only the specs count.
        for i in 0..50 {
            pass(&mut sampler, &state, now - TimeDelta::days(8) + TimeDelta::seconds(i)).await;
            let specs = state.store.workload_specs("open").await.unwrap();
            if specs.iter().any(|s| s.name == "db" && s.hpa_memory) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        // api/app, every 90 minutes for the last 28.5 hours (k = 0..19): 100m, but 300m at k = 5
        // and 900m at k = 9; 150 Mi, but 200 Mi at k = 3.
        let mut rows: Vec<SampleRow> = (0..20)
            .map(|k| {
                let cpu = match k { 5 => 300, 9 => 900, _ => 100 };
                let memory = if k == 3 { 200 } else { 150 } * MI;
                container_row("Deployment/api/app", now - TimeDelta::minutes(90 * k), cpu, memory)
            })
            .collect();
        // Two days ago, five samples in one 5-minute bucket: 100m four times and 1600m, mean 400m.
        let bucket = now - TimeDelta::days(2);
        for (i, cpu) in [100, 100, 100, 100, 1600].into_iter().enumerate() {
            rows.push(container_row("Deployment/api/app", bucket + TimeDelta::seconds(30 * i as i64), cpu, 100 * MI));
        }
        // db/db, an hour ago only.
        rows.push(container_row("StatefulSet/db/db", now - TimeDelta::hours(1), 50, 300 * MI));
        // Replicas: api had 2 and 3 in two samples, a mean of 2.5 that rounds to 3.
        let replicas = vec![
            workload_row("Deployment", "api", now - TimeDelta::hours(2), 2, 2),
            workload_row("Deployment", "api", now - TimeDelta::hours(1), 3, 3),
        ];
        write(&state, now, replicas, rows).await;
        // Samples older than a day fold into their buckets.
        sampler::maintain(&state, now).await.unwrap();
        assert_eq!(evaluator::rightsizing(&state, now).await.unwrap(), 2);

        let (status, body) = get(&app, "/api/rightsizing?cluster=open", VIEWER_TOKEN).await;
        assert_eq!(status, 200, "{body}");
        let api = &body["workloads"][0];
        assert_eq!((api["name"].as_str(), api["replicas"].as_i64()), (Some("api"), Some(3)));
        let app_c = &api["containers"][0];
        // 25 samples, the bucket's five at its mean: 100m × 18, 300m, 400m × 5, 900m. Rank
        // ⌈0.95 × 25⌉ = 24 → 400m (raw, the 24th would have been 900m).
        assert_eq!(app_c["cpuP95"], 400);
        assert_eq!(app_c["samples"], 25);
        // Peak 200 Mi + 15 % = 230 Mi; request and limit alike, no CPU limit.
        assert_eq!(app_c["recommended"], json!({"cpuRequest": 400, "cpuLimit": null, "memoryRequest": 230 * MI, "memoryLimit": 230 * MI}));
        assert_eq!(app_c["current"], json!({"cpuRequest": 500, "cpuLimit": null, "memoryRequest": 512 * MI, "memoryLimit": 1024 * MI}));
        assert_eq!((app_c["cpu"].as_str(), app_c["memory"].as_str()), (Some("recommended"), Some("recommended")));
        // Two days of history (the bucket's start to now).
        assert_eq!(app_c["historySeconds"], 2 * 86_400);
        // 3 replicas × 730 h × (0.1 core × 0.0316 + 282/1024 GiB × 0.0042).
        let want = 3.0 * 730.0 * (0.1 * 0.0316 + 282.0 / 1024.0 * 0.0042);
        assert!((app_c["monthlySavings"].as_f64().unwrap() - want).abs() < 1e-9, "{app_c}");
        assert!((body["monthlySavings"].as_f64().unwrap() - want).abs() < 1e-9);
        // db: one sample, so less than a day of history; its memory is the HPA's.
        let db_c = &body["workloads"][1]["containers"][0];
        assert_eq!((db_c["cpu"].as_str(), db_c["memory"].as_str()), (Some("insufficient_history"), Some("autoscaled")), "{db_c}");
        assert_eq!(db_c["recommended"], json!({"cpuRequest": null, "cpuLimit": null, "memoryRequest": null, "memoryLimit": null}));
        assert_eq!(body["policy"]["minHistorySeconds"], 86_400);
        app.stop().await;
    }

    async fn slo_and_rightsizing_show_only_what_kubernetes_lets_the_caller_list(db) {
        let sim = fleet_sim().await;
        // Viewers may list pods in `shop` only on the `impersonate` cluster; nobody in `other`.
        sim.add_rule(Rule::group("fleetdeck:viewers", &["list"], &[""], &["pods"], &["shop"]));
        sim.load_yaml(r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: hidden, namespace: other}
spec:
  replicas: 1
  selector: {matchLabels: {app: hidden}}
  template:
    metadata: {labels: {app: hidden}}
    spec: {containers: [{name: app, image: hidden:1}]}
status: {readyReplicas: 1}
"#).unwrap();
        let (app, state) = app_and_state(db, &sim).await;
        let mut sampler = Sampler::default();
        let now = at("2026-12-06T12:00:00Z");
        for name in ["open", "guarded"] {
            let cluster = state.store.cluster(name).await.unwrap().unwrap();
            for i in 0..50 {
                sampler.sample_cluster(&state, &cluster, now - TimeDelta::seconds(i)).await.ok();
                if state.store.workload_specs(name).await.unwrap().len() == 3 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
        evaluator::slos(&state, now).await.unwrap();
        evaluator::rightsizing(&state, now).await.unwrap();
        let places = |body: &Value| -> BTreeSet<String> {
            body["workloads"].as_array().unwrap().iter()
                .map(|w| format!("{}/{}/{}", w["cluster"].as_str().unwrap(), w["namespace"].as_str().unwrap(), w["name"].as_str().unwrap()))
                .collect()
        };
        let all: BTreeSet<String> = ["open/other/hidden", "open/shop/api", "open/shop/db", "guarded/other/hidden", "guarded/shop/api", "guarded/shop/db"]
            .into_iter().map(String::from).collect();
        let seen: BTreeSet<String> = all.iter().filter(|p| !p.starts_with("guarded/other")).cloned().collect();
        for path in ["/api/slo", "/api/rightsizing"] {
            let (_, body) = get(&app, path, VIEWER_TOKEN).await;
            assert_eq!(places(&body), seen, "{path}");
            let (_, body) = get(&app, &format!("{path}?namespace=shop&cluster=guarded"), VIEWER_TOKEN).await;
            assert_eq!(places(&body).len(), 2, "{path}");
        }
        // Deleting a cluster drops its results at the next computation.
        let r = app.bearer(Method::DELETE, "/api/clusters/guarded", ADMIN_TOKEN).send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        evaluator::slos(&state, now).await.unwrap();
        let (_, body) = get(&app, "/api/slo", ADMIN_TOKEN).await;
        assert!(places(&body).iter().all(|p| p.starts_with("open/")), "{body}");
        app.stop().await;
    }

    async fn the_leader_samples_on_its_own(db) {
        let sim = fleet_sim().await;
        let mut settings = with_secret_key(db);
        settings.sampling = true;
        settings.sample_interval = std::time::Duration::from_secs(1);
        settings.slo.interval = std::time::Duration::from_secs(1);
        settings.prediction_interval = std::time::Duration::from_secs(1);
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
        // Then its SLO and prediction passes.
        let mut computed = (false, false);
        for _ in 0..100 {
            let slo = app.bearer(Method::GET, "/api/slo?cluster=open", VIEWER_TOKEN).send().await.unwrap();
            let slo: Value = slo.json().await.unwrap();
            let predictions = app.bearer(Method::GET, "/api/predictions", VIEWER_TOKEN).send().await.unwrap();
            let predictions: Value = predictions.json().await.unwrap();
            computed = (!slo["workloads"].as_array().unwrap().is_empty(), predictions["generatedAt"].is_string());
            if computed == (true, true) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(computed, (true, true), "the leader's SLO and prediction passes");
        app.stop().await;
    }
}

/// Settings that read SLOs and rightsizing from the Prometheus at `url`.
fn prometheus_settings(
    db: &TestDb,
    url: &str,
    cluster_label: &str,
    token: Option<&str>,
) -> fleetdeck::config::Settings {
    let mut s = with_secret_key(db);
    s.prometheus = Some(PrometheusSettings {
        url: url.to_string(),
        cluster_label: cluster_label.to_string(),
        token: token.map(|t| RedactedSecret(t.to_string())),
        timeout: std::time::Duration::from_secs(5),
    });
    s.outbound_allow_cidrs = AllowList::parse("127.0.0.1/32").unwrap();
    s.rightsizing.min_history = std::time::Duration::from_secs(7_200);
    s
}

/// OpenMetrics lines of one series sampled a minute apart at now − 30 s − k minutes for k in
/// `0..minutes`, oldest first, the value `value(k)`.
fn series(series: &str, now: i64, minutes: i64, value: impl Fn(i64) -> f64) -> String {
    (0..minutes)
        .rev()
        .map(|k| format!("{series} {} {}\n", value(k), now - 30 - 60 * k))
        .collect()
}

/// The fleet's series, at `now` (Unix seconds). kube-state-metrics of cluster `open` (also
/// labelled k8s="x"): api wants 2 replicas for the last 2 hours, 1 available in the last 30
/// minutes and 2 before; db 1 of 1 for the last hour. A decoy cluster `elsewhere` (labelled
/// k8s="open") whose api has none available. cAdvisor over the last 3 hours: api-1-a's app at
/// 0.2 cores, 150 Mi but 300 Mi once; api-1-b's app at 0.45 cores and 100 Mi; a pod-level
/// series (container="") at 2 Gi that does not count; db-0's db for the last hour only.
fn fleet_series(now: i64) -> String {
    let open = r#"cluster="open",k8s="x",namespace="shop""#;
    let decoy = r#"cluster="elsewhere",k8s="open",namespace="shop""#;
    let c = r#"cluster="open",namespace="shop""#;
    let mi = |m: i64| (m * MI) as f64;
    [
        series(
            &format!("kube_deployment_spec_replicas{{{open},deployment=\"api\"}}"),
            now,
            120,
            |_| 2.0,
        ),
        series(
            &format!("kube_deployment_spec_replicas{{{decoy},deployment=\"api\"}}"),
            now,
            120,
            |_| 2.0,
        ),
        series(
            &format!("kube_deployment_status_replicas_available{{{open},deployment=\"api\"}}"),
            now,
            120,
            |k| if k < 30 { 1.0 } else { 2.0 },
        ),
        series(
            &format!("kube_deployment_status_replicas_available{{{decoy},deployment=\"api\"}}"),
            now,
            120,
            |_| 0.0,
        ),
        series(
            &format!("kube_statefulset_replicas{{{open},statefulset=\"db\"}}"),
            now,
            60,
            |_| 1.0,
        ),
        series(
            &format!("kube_statefulset_status_replicas_ready{{{open},statefulset=\"db\"}}"),
            now,
            60,
            |_| 1.0,
        ),
        series(
            &format!("container_cpu_usage_seconds_total{{{c},pod=\"api-1-a\",container=\"app\"}}"),
            now,
            180,
            |k| 0.2 * 60.0 * (179 - k) as f64,
        ),
        series(
            &format!("container_cpu_usage_seconds_total{{{c},pod=\"api-1-b\",container=\"app\"}}"),
            now,
            180,
            |k| 0.45 * 60.0 * (179 - k) as f64,
        ),
        series(
            &format!("container_cpu_usage_seconds_total{{{c},pod=\"db-0\",container=\"db\"}}"),
            now,
            60,
            |k| 0.05 * 60.0 * (59 - k) as f64,
        ),
        series(
            &format!("container_memory_working_set_bytes{{{c},pod=\"api-1-a\",container=\"app\"}}"),
            now,
            180,
            |k| mi(if k == 100 { 300 } else { 150 }),
        ),
        series(
            &format!("container_memory_working_set_bytes{{{c},pod=\"api-1-a\",container=\"\"}}"),
            now,
            180,
            |_| mi(2048),
        ),
        series(
            &format!("container_memory_working_set_bytes{{{c},pod=\"api-1-b\",container=\"app\"}}"),
            now,
            180,
            |_| mi(100),
        ),
        series(
            &format!("container_memory_working_set_bytes{{{c},pod=\"db-0\",container=\"db\"}}"),
            now,
            60,
            |_| mi(1024),
        ),
        series(
            &format!("kube_pod_owner{{{c},pod=\"api-1-a\",owner_kind=\"ReplicaSet\",owner_name=\"api-1\"}}"),
            now,
            180,
            |_| 1.0,
        ),
        series(
            &format!("kube_pod_owner{{{c},pod=\"api-1-b\",owner_kind=\"ReplicaSet\",owner_name=\"api-1\"}}"),
            now,
            180,
            |_| 1.0,
        ),
        series(
            &format!("kube_pod_owner{{{c},pod=\"db-0\",owner_kind=\"StatefulSet\",owner_name=\"db\"}}"),
            now,
            60,
            |_| 1.0,
        ),
        series(
            &format!("kube_replicaset_owner{{{c},replicaset=\"api-1\",owner_kind=\"Deployment\",owner_name=\"api\"}}"),
            now,
            180,
            |_| 1.0,
        ),
    ]
    .concat()
        + "# EOF\n"
}

on_both_backends! {
    async fn slo_and_rightsizing_from_prometheus_by_hand(db) {
        // Now, on a 5-minute boundary so the history subquery's steps fall at known instants.
        let now = DateTime::from_timestamp(Utc::now().timestamp() / 300 * 300, 0).unwrap();
        let prometheus = Prometheus::start(&fleet_series(now.timestamp())).await;
        let sim = fleet_sim().await;
        let app = app_with_sim(db, &sim, false).await;
        let state = AppState::new(prometheus_settings(db, &prometheus.url(), "cluster", None), db.store().await);
        let mut sampler = Sampler::default();
        // A real pass four days ago records the specs (and a stored sample Prometheus ignores).
        pass(&mut sampler, &state, now - TimeDelta::days(4)).await;
        assert_eq!(evaluator::slos(&state, now).await.unwrap(), 2);

        let (status, body) = get(&app, "/api/slo?cluster=open", VIEWER_TOKEN).await;
        assert_eq!(status, 200, "{body}");
        let api = body["workloads"][0].clone();
        assert_eq!((api["name"].as_str(), api["target"].as_f64()), (Some("api"), Some(99.0)));
        let burn = |w: &str| {
            let b = api["burnRates"].as_array().unwrap().iter().find(|b| b["window"] == w).unwrap();
            b["burnRate"].as_f64().unwrap()
        };
        // Burn = unavailability / 1 %. 5m: 5 samples, 10 desired, 5 available → 50 %: 50; 30m
        // the same (60, 30). 1h: 120 desired, 30 + 60 available → 25 %: 25. 2h and longer:
        // 240, 30 + 180 → 12.5 %: 12.5. The decoy cluster's series do not count.
        assert!((burn("5m") - 50.0).abs() < 1e-9, "{api}");
        assert!((burn("30m") - 50.0).abs() < 1e-9);
        assert!((burn("1h") - 25.0).abs() < 1e-9);
        for w in ["2h", "6h", "1d", "3d"] {
            assert!((burn(w) - 12.5).abs() < 1e-9, "{w}: {}", burn(w));
        }
        assert_eq!(api["status"], "page");
        // The period: 30 of 240 unavailable, 12.5 budgets.
        assert!((api["errorBudget"]["consumed"].as_f64().unwrap() - 12.5).abs() < 1e-9, "{api}");
        // The newest desired sample, 30 s ago.
        let last: DateTime<Utc> = api["lastSampleAt"].as_str().unwrap().parse().unwrap();
        assert_eq!(last, now - TimeDelta::seconds(30));
        let db_slo = &body["workloads"][1];
        assert_eq!((db_slo["name"].as_str(), db_slo["status"].as_str()), (Some("db"), Some("ok")));
        assert_eq!(db_slo["errorBudget"]["remaining"].as_f64(), Some(1.0));
        let slo_before = body.clone();

        assert_eq!(evaluator::rightsizing(&state, now).await.unwrap(), 2);
        let (status, body) = get(&app, "/api/rightsizing?cluster=open", VIEWER_TOKEN).await;
        assert_eq!(status, 200, "{body}");
        let api = &body["workloads"][0];
        // 240 desired over 120 samples: 2 replicas.
        assert_eq!((api["name"].as_str(), api["replicas"].as_i64()), (Some("api"), Some(2)));
        let app_c = &api["containers"][0];
        // The higher of the pods' 95th percentiles (200m, 450m); the peak 300 Mi + 15 % = 345 Mi
        // (the pod-level series' 2 Gi excluded); both pods' 180 samples.
        assert_eq!(app_c["cpuP95"], 450, "{app_c}");
        assert_eq!(app_c["memoryPeak"], 300 * MI);
        assert_eq!(app_c["samples"], 360);
        assert_eq!(app_c["recommended"], json!({"cpuRequest": 450, "cpuLimit": null, "memoryRequest": 345 * MI, "memoryLimit": 345 * MI}));
        // The first sample (now − 10,770 s) as the 5-minute steps see it: the step at now −
        // 10,500 s finds the sample at now − 10,530 s.
        assert_eq!(app_c["historySeconds"], 10_530);
        // 2 replicas × 730 h × (0.05 core × 0.0316 + 167/1024 GiB × 0.0042).
        let want = 2.0 * 730.0 * (0.05 * 0.0316 + 167.0 / 1024.0 * 0.0042);
        assert!((app_c["monthlySavings"].as_f64().unwrap() - want).abs() < 1e-9, "{app_c}");
        // db: an hour of samples, under the 2 hours required.
        let db_c = &body["workloads"][1]["containers"][0];
        assert_eq!((db_c["cpu"].as_str(), db_c["memory"].as_str()), (Some("insufficient_history"), Some("insufficient_history")), "{db_c}");
        assert_eq!(db_c["memoryPeak"], 1024 * MI);
        let rightsizing_before = body.clone();

        // Prometheus down: both passes fail and the previous results stay.
        drop(prometheus);
        let down = AppState::new(prometheus_settings(db, "http://127.0.0.1:1", "cluster", None), db.store().await);
        let later = now + TimeDelta::minutes(5);
        let err = evaluator::slos(&down, later).await.unwrap_err();
        assert!(format!("{err:#}").contains("prometheus unreachable"), "{err:#}");
        assert!(evaluator::rightsizing(&down, later).await.is_err());
        assert_eq!(get(&app, "/api/slo?cluster=open", VIEWER_TOKEN).await.1, slo_before);
        assert_eq!(get(&app, "/api/rightsizing?cluster=open", VIEWER_TOKEN).await.1, rightsizing_before);
        app.stop().await;
    }

    async fn the_prometheus_cluster_label_is_a_setting(db) {
        let now = DateTime::from_timestamp(Utc::now().timestamp() / 300 * 300, 0).unwrap();
        let prometheus = Prometheus::start(&fleet_series(now.timestamp())).await;
        let sim = fleet_sim().await;
        let app = app_with_sim(db, &sim, false).await;
        // Cluster `open` is k8s="open" now: the decoy's api, none of 2 available (burn 100), and
        // no db series.
        let state = AppState::new(prometheus_settings(db, &prometheus.url(), "k8s", None), db.store().await);
        let mut sampler = Sampler::default();
        pass(&mut sampler, &state, now - TimeDelta::days(4)).await;
        evaluator::slos(&state, now).await.unwrap();
        let (_, body) = get(&app, "/api/slo?cluster=open", VIEWER_TOKEN).await;
        let api = &body["workloads"][0];
        let five = api["burnRates"].as_array().unwrap().iter().find(|b| b["window"] == "5m").unwrap();
        assert_eq!(five["burnRate"].as_f64(), Some(100.0), "{api}");
        assert_eq!(body["workloads"][1]["status"], "no_data");
        app.stop().await;
    }

    async fn prometheus_is_sent_the_token_and_its_errors_are_reported(db) {
        let empty = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        let stub = Receiver::start(vec![(200, vec![], empty.into())]).await;
        let sim = fleet_sim().await;
        let app = app_with_sim(db, &sim, false).await;
        let state = AppState::new(prometheus_settings(db, &stub.url(""), "cluster", Some("prom-token-123")), db.store().await);
        let mut sampler = Sampler::default();
        let now = at("2026-12-06T12:00:00Z");
        pass(&mut sampler, &state, now - TimeDelta::days(1)).await;
        assert_eq!(evaluator::slos(&state, now).await.unwrap(), 2);
        let received = stub.received();
        assert!(!received.is_empty());
        for r in &received {
            assert_eq!(r.path, "/api/v1/query");
            assert_eq!(r.headers["authorization"], "Bearer prom-token-123");
        }
        // Prometheus's own error, reported without the token.
        let bad = r#"{"status":"error","errorType":"bad_data","error":"invalid parameter"}"#;
        let failing = Receiver::start(vec![(400, vec![], bad.into())]).await;
        let state = AppState::new(prometheus_settings(db, &failing.url(""), "cluster", Some("prom-token-123")), db.store().await);
        let err = format!("{:#}", evaluator::slos(&state, now).await.unwrap_err());
        assert!(err.contains("prometheus error bad_data: invalid parameter") && !err.contains("prom-token-123"), "{err}");
        app.stop().await;
    }
}
