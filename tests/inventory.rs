//! The inventory against simulated clusters: rows, filters, sorting and paging from the shared
//! caches; a cache through changes and a forced relist; CRDs found after start; per-user access;
//! Secret redaction; idle caches stopped; the cache metrics.

mod common;

use std::time::{Duration, Instant};

use common::*;
use kube::api::{Api, DeleteParams, DynamicObject};
use kubesim::auth::Rule;
use kubesim::{Sim, SimConfig};
use reqwest::Method;
use serde_json::{Value, json};

const SHOP: &str = include_str!("kubesim/tests/fixtures/shop.yaml");
const WIDGETS: &str = include_str!("kubesim/tests/fixtures/widgets-crd.yaml");

const MORE: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: other, labels: {app: api}}
spec: {nodeName: node-0, containers: [{name: api, image: api:2}]}
status: {phase: Pending}
---
apiVersion: v1
kind: Secret
metadata:
  name: db-password
  namespace: shop
  annotations: {kubectl.kubernetes.io/last-applied-configuration: '{"data":{"password":"aHVudGVyMg=="}}'}
type: Opaque
data: {password: aHVudGVyMg==, user: YWRtaW4=}
"#;

async fn sim() -> Sim {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    sim.load_yaml(SHOP).unwrap();
    sim.load_yaml(MORE).unwrap();
    sim
}

async fn get(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    json(app.bearer(Method::GET, path, token).send().await.unwrap()).await
}

async fn text(app: &TestApp, path: &str) -> (u16, String, String) {
    let r = app.bearer(Method::GET, path, VIEWER_TOKEN).send().await.unwrap();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status().as_u16(), kind, r.text().await.unwrap())
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

/// Reads `path` until `done` holds (the caches follow the simulator through its watch).
async fn eventually(app: &TestApp, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = get(app, path, VIEWER_TOKEN).await;
        if status == 200 && done(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "{path} never got there: {status} {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn pod(ns: &str, name: &str, restarts: u32) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": {"app": "load"}},
           "spec": {"containers": [{"name": "c", "image": "i"}]},
           "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": true, "restartCount": restarts, "image": "i", "imageID": "", "state": {"running": {}}}]}})
}

on_both_backends! {
    async fn lists_are_rows_filtered_sorted_and_paged_on_the_server(db) {
        let app = TestApp::with(with_secret_key(db)).await;
        let sim = sim().await;
        register_sim(&app, "shop", &sim, "shared").await;
        let base = "/api/clusters/shop/resources/core/v1/pods";

        let (status, list) = get(&app, base, VIEWER_TOKEN).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(names(&list), ["api-1", "db-1", "web-1"]);
        assert_eq!((list["total"].as_u64(), list["continue"].as_str()), (Some(3), Some("")));
        assert!(!list["resourceVersion"].as_str().unwrap().is_empty());
        let db_row = list["items"].as_array().unwrap().iter().find(|r| r["name"] == "db-1").unwrap();
        assert_eq!(db_row["status"], "CrashLoopBackOff");
        assert_eq!(db_row["restarts"], 7);
        assert_eq!(db_row["summary"]["type"], "pod");
        assert_eq!(db_row["summary"]["node"], "node-0");
        assert!(db_row.get("spec").is_none(), "rows are compact");

        for (query, want) in [
            ("namespace=shop", vec!["db-1", "web-1"]),
            ("labelSelector=app%20in%20(web,api)", vec!["api-1", "web-1"]),
            ("fieldSelector=status.phase%3DPending", vec!["api-1"]),
            ("q=EB", vec!["web-1"]),
            ("sort=restarts&order=desc", vec!["db-1", "api-1", "web-1"]),
            ("sort=namespace&order=desc", vec!["db-1", "web-1", "api-1"]),
            ("sort=status", vec!["db-1", "api-1", "web-1"]),
        ] {
            let (status, list) = get(&app, &format!("{base}?{query}"), VIEWER_TOKEN).await;
            assert_eq!(status, 200, "{query}: {list}");
            assert_eq!(names(&list), want, "{query}");
        }
        let (status, body) = get(&app, &format!("{base}?labelSelector=app%20in%20web"), VIEWER_TOKEN).await;
        assert_error(status, &body, 400, "invalid_selector");
        let (status, body) = get(&app, &format!("{base}?continue=garbage"), VIEWER_TOKEN).await;
        assert_error(status, &body, 400, "invalid_continue");
        let (status, body) = get(&app, &format!("{base}?sort=size"), VIEWER_TOKEN).await;
        assert_eq!(status, 400, "{body}");

        // Whole objects on request, still stripped of field ownership.
        let (_, full) = get(&app, &format!("{base}?full=true&namespace=other"), VIEWER_TOKEN).await;
        assert_eq!(full["items"][0]["metadata"]["name"], "api-1");
        assert_eq!(full["items"][0]["spec"]["containers"][0]["image"], "api:2");
        assert!(full["items"][0]["metadata"].get("managedFields").is_none());

        // Paging through a list that changes between pages: nothing repeated, nothing lost.
        sim.load_objects((0..40).map(|i| pod("load", &format!("p{i:02}"), i % 5))).unwrap();
        let all = eventually(&app, &format!("{base}?namespace=load"), |l| l["total"] == 40).await;
        let before = names(&all);
        for sort in ["name", "restarts"] {
            let (mut seen, mut token, mut page) = (Vec::new(), String::new(), 0);
            loop {
                let (status, list) = get(&app, &format!("{base}?namespace=load&limit=7&sort={sort}&continue={token}"), VIEWER_TOKEN).await;
                assert_eq!(status, 200, "{list}");
                seen.extend(names(&list));
                token = list["continue"].as_str().unwrap().to_string();
                if token.is_empty() {
                    break;
                }
                page += 1;
                sim.create_or_update(pod("load", &format!("new-{sort}-{page}"), 9)).unwrap();
            }
            let unique: std::collections::HashSet<_> = seen.iter().collect();
            assert_eq!(unique.len(), seen.len(), "{sort}: duplicates in {seen:?}");
            for name in &before {
                assert!(seen.contains(name), "{sort}: lost {name}");
            }
        }
        app.stop().await;
    }
}

on_both_backends! {
    async fn a_cache_follows_changes_relists_and_finds_new_crds(db) {
        let app = TestApp::with(with_secret_key(db)).await;
        let sim = sim().await;
        register_sim(&app, "shop", &sim, "shared").await;
        let pods = "/api/clusters/shop/resources/core/v1/pods?namespace=shop";
        let (status, body) = get(&app, pods, VIEWER_TOKEN).await;
        assert_eq!(status, 200, "{body}");
        let watches = || sim.requests().iter().filter(|r| r.path == "/api/v1/pods" && r.query.contains("watch")).count();

        sim.create_or_update(pod("shop", "cart-1", 0)).unwrap();
        eventually(&app, pods, |l| names(l).contains(&"cart-1".to_string())).await;
        sim.create_or_update(pod("shop", "cart-1", 3)).unwrap();
        eventually(&app, pods, |l| l["items"].as_array().unwrap().iter().any(|r| r["name"] == "cart-1" && r["restarts"] == 3)).await;
        let client = sim_client(&sim).await;
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "shop", &kube::api::ApiResource::erase::<k8s_openapi::api::core::v1::Pod>(&()));
        api.delete("cart-1", &DeleteParams::default()).await.unwrap();
        eventually(&app, pods, |l| !names(l).contains(&"cart-1".to_string())).await;

        // A compaction ends the watch with 410; the cache lists again, readers notice nothing.
        sim.compact();
        sim.create_or_update(pod("shop", "after-410", 0)).unwrap();
        eventually(&app, pods, |l| names(l) == ["after-410", "db-1", "web-1"]).await;
        let relisted = "fleetdeck_cache_relists{cluster=\"shop\",resource=\"core/v1/pods\"} 1";
        let metrics = app.metrics_until(|m| m.lines().any(|l| l == relisted)).await;
        assert!(metrics.contains("fleetdeck_cache_objects{cluster=\"shop\",resource=\"core/v1/pods\"} 4"), "{metrics}");
        assert!(metrics.lines().any(|l| l.starts_with("fleetdeck_cache_bytes{cluster=\"shop\"")));
        assert!(metrics.lines().any(|l| l.starts_with("fleetdeck_cache_hits_total{cluster=\"shop\"}")));
        assert!(metrics.lines().any(|l| l.starts_with("fleetdeck_cache_misses_total{cluster=\"shop\"}")));
        // Many reads, one list-then-watch per resource (plus the one after the 410).
        for _ in 0..5 {
            assert_eq!(get(&app, pods, VIEWER_TOKEN).await.0, 200);
        }
        let all: Vec<_> = sim.requests().into_iter().filter(|r| r.path == "/api/v1/pods").map(|r| r.query).collect();
        assert_eq!(watches(), 2, "one watch, and one after the 410; reads came from the cache: {all:?}");

        // A CRD created after start is discovered, and its objects get the printer columns.
        let (_, before) = get(&app, "/api/clusters/shop/api-resources", VIEWER_TOKEN).await;
        assert!(!before["items"].as_array().unwrap().iter().any(|r| r["resource"] == "widgets"));
        let pods_info = before["items"].as_array().unwrap().iter().find(|r| r["resource"] == "pods" && r["group"] == "").unwrap().clone();
        assert_eq!(pods_info["namespaced"], true);
        assert!(pods_info["shortNames"].as_array().unwrap().contains(&json!("po")));
        sim.load_yaml(WIDGETS).unwrap();
        sim.create_or_update(json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w1", "namespace": "shop"}, "spec": {"size": 3, "color": "blue"}})).unwrap();
        eventually(&app, "/api/clusters/shop/api-resources", |l| {
            l["items"].as_array().unwrap().iter().any(|r| r["resource"] == "widgets" && r["version"] == "v1")
        })
        .await;
        let widgets = eventually(&app, "/api/clusters/shop/customresources/example.com/v1/widgets", |l| l["total"] == 1).await;
        let columns = &widgets["items"][0]["summary"]["columns"];
        assert_eq!(columns[0], json!({"name": "Size", "type": "integer", "value": 3}), "{widgets}");
        let (status, crds) = get(&app, "/api/clusters/shop/crds", VIEWER_TOKEN).await;
        assert_eq!((status, names(&crds)), (200, vec!["widgets.example.com".to_string()]));
        let (status, body) = get(&app, "/api/clusters/shop/resources/example.com/v1/gadgets", VIEWER_TOKEN).await;
        assert_error(status, &body, 404, "resource_not_found");
        app.stop().await;
    }
}

on_both_backends! {
    async fn details_yaml_events_and_containers(db) {
        let app = TestApp::with(with_secret_key(db)).await;
        let sim = sim().await;
        register_sim(&app, "shop", &sim, "shared").await;
        let base = "/api/clusters/shop/resources/core/v1";

        let (status, web) = get(&app, &format!("{base}/pods/shop/web-1"), VIEWER_TOKEN).await;
        assert_eq!(status, 200, "{web}");
        assert_eq!((web["kind"].as_str(), web["metadata"]["name"].as_str()), (Some("Pod"), Some("web-1")));
        assert!(web["metadata"].get("managedFields").is_none());
        // Created through the API, a pod has field ownership, which only a live read shows.
        let api: Api<DynamicObject> = Api::namespaced_with(sim_client(&sim).await, "shop", &kube::api::ApiResource::erase::<k8s_openapi::api::core::v1::Pod>(&()));
        api.create(&Default::default(), &serde_json::from_value(pod("shop", "live-1", 0)).unwrap()).await.unwrap();
        eventually(&app, &format!("{base}/pods?namespace=shop"), |l| names(l).contains(&"live-1".to_string())).await;
        let (_, cached) = get(&app, &format!("{base}/pods/shop/live-1"), VIEWER_TOKEN).await;
        assert!(cached["metadata"].get("managedFields").is_none());
        let (_, live) = get(&app, &format!("{base}/pods/shop/live-1?managedFields=true"), VIEWER_TOKEN).await;
        assert_eq!(live["metadata"]["managedFields"][0]["operation"], "Update", "{live}");

        let (status, kind, yaml) = text(&app, &format!("{base}/pods/shop/web-1/yaml")).await;
        assert_eq!((status, kind.as_str()), (200, "application/yaml"));
        assert!(yaml.contains("name: web-1") && yaml.contains("image: nginx:1.27"), "{yaml}");

        let (_, events) = get(&app, &format!("{base}/pods/shop/web-1/events"), VIEWER_TOKEN).await;
        assert_eq!(events["items"].as_array().unwrap().len(), 1, "{events}");
        assert_eq!(events["items"][0]["summary"]["reason"], "Pulled");
        let (_, none) = get(&app, &format!("{base}/pods/shop/db-1/events"), VIEWER_TOKEN).await;
        assert_eq!(none["items"], json!([]));

        let (_, containers) = get(&app, &format!("{base}/pods/shop/db-1/containers"), VIEWER_TOKEN).await;
        assert_eq!(containers["items"][0]["restarts"], 7);
        assert_eq!(containers["items"][0]["state"]["reason"], "CrashLoopBackOff");

        // Cluster-scoped objects have no namespace segment.
        let (status, node) = get(&app, &format!("{base}/nodes/node-0"), VIEWER_TOKEN).await;
        assert_eq!((status, node["metadata"]["name"].as_str()), (200, Some("node-0")));
        let (status, _, yaml) = text(&app, &format!("{base}/nodes/node-0/yaml")).await;
        assert!(status == 200 && yaml.contains("kubeletVersion: v1.33.1"), "{yaml}");
        let (status, body) = get(&app, &format!("{base}/nodes/shop/node-0"), VIEWER_TOKEN).await;
        assert_eq!(status, 404, "{body}");
        let (status, body) = get(&app, &format!("{base}/pods/web-1"), VIEWER_TOKEN).await;
        assert_eq!(status, 404, "{body}");
        let (status, body) = get(&app, &format!("{base}/pods/shop/nope"), VIEWER_TOKEN).await;
        assert_error(status, &body, 404, "not_found");
        // A pod named like a view is still reachable.
        sim.create_or_update(pod("shop", "yaml", 0)).unwrap();
        eventually(&app, &format!("{base}/pods?namespace=shop"), |l| names(l).contains(&"yaml".to_string())).await;
        let (status, named_yaml) = get(&app, &format!("{base}/pods/shop/yaml"), VIEWER_TOKEN).await;
        assert_eq!((status, named_yaml["metadata"]["name"].as_str()), (200, Some("yaml")));

        // The aliases answer the same rows.
        let (_, direct) = get(&app, &format!("{base}/pods?namespace=shop"), VIEWER_TOKEN).await;
        let (_, alias) = get(&app, "/api/clusters/shop/pods?namespace=shop", VIEWER_TOKEN).await;
        assert_eq!(names(&direct), names(&alias));
        let (_, on_node) = get(&app, "/api/clusters/shop/nodes/node-0/pods", VIEWER_TOKEN).await;
        assert_eq!(names(&on_node), ["api-1", "db-1", "web-1"], "the pods made here have no node");
        let (_, namespaces) = get(&app, "/api/clusters/shop/namespaces", VIEWER_TOKEN).await;
        assert!(names(&namespaces).contains(&"other".to_string()));
        let (_, nodes) = get(&app, "/api/clusters/shop/nodes", VIEWER_TOKEN).await;
        assert_eq!(nodes["items"][0]["status"], "Ready");
        let (_, events) = get(&app, "/api/clusters/shop/events", VIEWER_TOKEN).await;
        assert_eq!(events["items"][0]["summary"]["object"], "Pod/web-1");
        let (status, features) = get(&app, "/api/features", VIEWER_TOKEN).await;
        assert_eq!(status, 200);
        assert!(features["watchStreams"].as_array().unwrap().contains(&json!("core/v1/pods")));
        app.stop().await;
    }
}

on_both_backends! {
    async fn secret_values_never_leave(db) {
        let app = TestApp::with(with_secret_key(db)).await;
        let sim = sim().await;
        register_sim(&app, "shop", &sim, "shared").await;
        let base = "/api/clusters/shop/resources/core/v1/secrets";
        let mut seen = String::new();
        for path in [
            base.to_string(),
            format!("{base}?full=true"),
            format!("{base}/shop/db-password"),
            format!("{base}/shop/db-password?managedFields=true"),
        ] {
            let (status, body) = get(&app, &path, ADMIN_TOKEN).await;
            assert_eq!(status, 200, "{path}: {body}");
            seen.push_str(&body.to_string());
        }
        let (status, _, yaml) = text(&app, &format!("{base}/shop/db-password/yaml")).await;
        assert_eq!(status, 200);
        seen.push_str(&yaml);
        for secret in ["aHVudGVyMg==", "YWRtaW4=", "hunter2", "last-applied"] {
            assert!(!seen.contains(secret), "{secret} leaked: {seen}");
        }
        assert!(seen.contains("<redacted>") && seen.contains("password"), "keys stay visible: {seen}");
        let (_, rows) = get(&app, base, ADMIN_TOKEN).await;
        assert_eq!(rows["items"][0]["summary"], json!({"type": "data", "keys": ["password", "user"], "secretType": "Opaque"}));
        app.stop().await;
    }
}

on_both_backends! {
    async fn each_user_sees_only_what_kubernetes_lets_them(db) {
        let app = TestApp::with(with_secret_key(db)).await;
        let sim = sim().await;
        // Viewers may list pods in shop only; operators nothing; Fleetdeck's own token reads all.
        sim.add_rule(Rule::group("fleetdeck:viewers", &["get", "list", "watch"], &[""], &["pods"], &["shop"]));
        register_sim(&app, "guarded", &sim, "impersonate").await;
        register_sim(&app, "open", &sim, "shared").await;

        let (status, list) = get(&app, "/api/clusters/guarded/resources/core/v1/pods", VIEWER_TOKEN).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(names(&list), ["db-1", "web-1"], "only shop's rows");
        let (status, body) = get(&app, "/api/clusters/guarded/resources/core/v1/pods?namespace=other", VIEWER_TOKEN).await;
        assert_error(status, &body, 403, "kube_forbidden");
        let (status, body) = get(&app, "/api/clusters/guarded/resources/core/v1/pods/other/api-1", VIEWER_TOKEN).await;
        assert_error(status, &body, 403, "kube_forbidden");
        let (status, _) = get(&app, "/api/clusters/guarded/resources/core/v1/pods/shop/web-1", VIEWER_TOKEN).await;
        assert_eq!(status, 200);
        let (status, body) = get(&app, "/api/clusters/guarded/resources/core/v1/pods", OPERATOR_TOKEN).await;
        assert_error(status, &body, 403, "kube_forbidden");
        let (status, body) = get(&app, "/api/clusters/guarded/resources/core/v1/nodes", VIEWER_TOKEN).await;
        assert_error(status, &body, 403, "kube_forbidden");

        // The reviews were asked as the caller; the answers are cached.
        let reviews = || sim.requests().into_iter().filter(|r| r.path.ends_with("/selfsubjectaccessreviews")).collect::<Vec<_>>();
        let asked = reviews();
        assert!(!asked.is_empty());
        assert!(asked.iter().all(|r| r.impersonate_user.as_deref().is_some_and(|u| u.starts_with("token:"))));
        let count = asked.len();
        get(&app, "/api/clusters/guarded/resources/core/v1/pods", VIEWER_TOKEN).await;
        assert_eq!(reviews().len(), count, "answered from the 30 s cache");
        let metrics = app.request(Method::GET, "/metrics").send().await.unwrap().text().await.unwrap();
        assert!(metrics.lines().any(|l| l.starts_with("fleetdeck_access_review_cache_hits_total ") && !l.ends_with(" 0")), "{metrics}");

        // One cache serves both clusters' users: the lists came from Fleetdeck's own watch.
        let watches: Vec<_> = sim.requests().into_iter().filter(|r| r.path == "/api/v1/pods" && r.query.contains("watch")).collect();
        assert!(watches.iter().all(|r| r.impersonate_user.is_none()), "caches read as Fleetdeck");

        // In shared mode our role alone decides: a viewer sees every namespace.
        let (status, list) = get(&app, "/api/clusters/open/resources/core/v1/pods", VIEWER_TOKEN).await;
        assert_eq!((status, names(&list)), (200, vec!["api-1".to_string(), "db-1".into(), "web-1".into()]));
        app.stop().await;
    }
}

/// A connection that may not list CRDs still discovers and lists what it may: custom resources
/// only lose their printer columns, and the refused CRD list is not asked again on every read.
#[tokio::test]
async fn a_connection_that_may_not_list_crds_still_discovers() {
    let db = TestDb::sqlite().await;
    let app = TestApp::with(with_secret_key(&db)).await;
    let sim = sim().await;
    sim.add_token("reader-token-0123456789", "fleetdeck-reader", &[]);
    sim.add_rule(Rule::user(
        "fleetdeck-reader",
        &["get", "list", "watch"],
        &[""],
        &["pods", "namespaces"],
        &[],
    ));
    register_sim_as(&app, "narrow", &sim, "shared", "reader-token-0123456789").await;
    for _ in 0..3 {
        let (status, pods) = get(&app, "/api/clusters/narrow/pods?namespace=shop", VIEWER_TOKEN).await;
        assert_eq!(
            (status, names(&pods)),
            (200, vec!["db-1".to_string(), "web-1".to_string()]),
            "{pods}"
        );
    }
    let (status, resources) = get(&app, "/api/clusters/narrow/api-resources", VIEWER_TOKEN).await;
    assert_eq!(status, 200, "{resources}");
    let crd_lists = sim
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/customresourcedefinitions"))
        .count();
    assert_eq!(crd_lists, 1, "the refused CRD list is remembered");
    let (status, body) = get(&app, "/api/clusters/narrow/resources/apps/v1/deployments", VIEWER_TOKEN).await;
    assert_error(status, &body, 403, "kube_forbidden");
    app.stop().await;
    db.cleanup().await;
}

/// Every summary a list sends has the fields its variant of the `Summary` schema names (and the
/// required ones), so the contract (and the console's generated types) say what is really sent.
#[tokio::test]
async fn served_row_summaries_match_the_schema() {
    let db = TestDb::sqlite().await;
    let app = TestApp::with(with_secret_key(&db)).await;
    let sim = sim().await;
    sim.load_yaml(WIDGETS).unwrap();
    sim.create_or_update(json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w", "namespace": "shop"}, "spec": {"size": 3}}))
        .unwrap();
    register_sim(&app, "shop", &sim, "shared").await;
    let (_, spec) = get(&app, "/api/openapi.json", VIEWER_TOKEN).await;
    let variants: Vec<&Value> = spec["components"]["schemas"]["Summary"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for kind in [
        "core/v1/pods",
        "core/v1/nodes",
        "core/v1/events",
        "core/v1/namespaces",
        "core/v1/secrets",
        "apps/v1/deployments",
        "example.com/v1/widgets",
    ] {
        let list = eventually(&app, &format!("/api/clusters/shop/resources/{kind}"), |l| {
            l["total"].as_u64() > Some(0)
        })
        .await;
        for row in list["items"].as_array().unwrap() {
            let summary = row["summary"].as_object().unwrap();
            let tag = summary["type"].as_str().unwrap();
            let variant = variants
                .iter()
                .find(|v| v["properties"]["type"]["enum"][0] == tag)
                .unwrap_or_else(|| panic!("no schema for summary type {tag}"));
            for key in summary.keys() {
                assert!(
                    variant["properties"].get(key).is_some(),
                    "{kind}: {key} is sent but not in the schema of {tag}"
                );
            }
            for key in variant["required"].as_array().unwrap() {
                assert!(
                    summary.contains_key(key.as_str().unwrap()),
                    "{kind}: required {key} not sent"
                );
            }
            seen.insert(tag.to_string());
        }
    }
    assert_eq!(seen.len(), 7, "{seen:?}");
    app.stop().await;
    db.cleanup().await;
}

#[tokio::test]
async fn idle_caches_stop_and_cold_ones_answer_504_after_the_bound() {
    let db = TestDb::sqlite().await;
    let mut s = with_secret_key(&db);
    s.caches.idle_timeout = Duration::from_millis(400);
    s.caches.warm_timeout = Duration::from_millis(300);
    let app = TestApp::with(s).await;
    let sim = sim().await;
    register_sim(&app, "shop", &sim, "shared").await;
    let (status, _) = get(&app, "/api/clusters/shop/pods", VIEWER_TOKEN).await;
    assert_eq!(status, 200);
    assert!(!app.server.state.caches.is_empty());
    let deadline = Instant::now() + Duration::from_secs(5);
    while !app.server.state.caches.is_empty() {
        assert!(Instant::now() < deadline, "idle caches were never stopped");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A slow apiserver: the first read gives up after the bound with 504 cache_warming.
    sim.set_latency(Duration::from_secs(2));
    let (status, body) = get(&app, "/api/clusters/shop/pods", VIEWER_TOKEN).await;
    assert_error(status, &body, 504, "cache_warming");
    sim.set_latency(Duration::ZERO);
    app.stop().await;
    db.cleanup().await;
}

on_both_backends! {
    async fn search_ranks_names_across_kinds_and_clusters_as_each_user_may_see(db) {
        let app = TestApp::with(with_secret_key(db)).await;
        let (one, two) = (sim().await, sim().await);
        two.create_or_update(pod("shop", "web", 0)).unwrap();
        one.add_rule(Rule::group("fleetdeck:viewers", &["get", "list", "watch"], &[""], &["pods"], &["shop"]));
        register_sim(&app, "one", &one, "impersonate").await;
        register_sim(&app, "two", &two, "shared").await;

        let (status, found) = get(&app, "/api/clusters/two/search?q=WEB", VIEWER_TOKEN).await;
        assert_eq!(status, 200, "{found}");
        let hits: Vec<(String, String, String)> = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["name"].as_str().unwrap().into(), h["kind"].as_str().unwrap().into(), h["match"].as_str().unwrap().into()))
            .collect();
        assert_eq!(
            hits,
            [
                ("web".into(), "Deployment".into(), "exact".into()),
                ("web".into(), "Pod".into(), "exact".into()),
                ("web-1".into(), "Pod".into(), "prefix".into())
            ],
            "exact first, then prefix; events are not searched by default: {found}"
        );
        assert_eq!(found["items"][0]["cluster"], "two");
        assert_eq!(found["items"][0]["namespace"], "shop");

        // Fleet-wide, as a viewer: cluster one answers only its shop pods (the rules allow
        // nothing else), cluster two everything.
        let (status, fleet) = get(&app, "/api/search?q=1&limit=50", VIEWER_TOKEN).await;
        assert_eq!(status, 200, "{fleet}");
        let seen: Vec<String> = fleet["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| format!("{}:{}/{}", h["cluster"].as_str().unwrap(), h["resource"].as_str().unwrap(), h["name"].as_str().unwrap()))
            .collect();
        assert_eq!(fleet["errors"], json!([]));
        for want in ["one:pods/web-1", "one:pods/db-1", "two:pods/web-1", "two:pods/api-1"] {
            assert!(seen.contains(&want.to_string()), "{want} missing from {seen:?}");
        }
        assert!(!seen.contains(&"one:pods/api-1".to_string()), "another namespace's pod leaked: {seen:?}");
        let (_, nodes) = get(&app, "/api/search?q=node&kinds=core/v1/nodes", VIEWER_TOKEN).await;
        assert_eq!(nodes["items"], json!([{"cluster": "two", "group": "", "version": "v1", "resource": "nodes", "kind": "Node",
            "namespace": null, "name": "node-0", "match": "prefix"}]), "cluster one's nodes are not the viewer's to see");
        let (_, limited) = get(&app, "/api/search?q=1&limit=2", VIEWER_TOKEN).await;
        assert_eq!(limited["items"].as_array().unwrap().len(), 2);
        let (status, body) = get(&app, "/api/search?q=", VIEWER_TOKEN).await;
        assert_error(status, &body, 400, "invalid_query");
        let (status, body) = get(&app, "/api/clusters/nope/search?q=a", VIEWER_TOKEN).await;
        assert_error(status, &body, 404, "not_found");
        app.stop().await;
    }
}

on_both_backends! {
    async fn usage_comes_from_the_metrics_api_when_the_cluster_has_one(db) {
        let app = TestApp::with(with_secret_key(db)).await;
        let with = Sim::start(SimConfig::default()).await.unwrap();
        with.load_yaml(include_str!("kubesim/tests/fixtures/metrics.yaml")).unwrap();
        let without = Sim::start(SimConfig { metrics: false, ..SimConfig::default() }).await.unwrap();
        without.load_yaml(SHOP).unwrap();
        register_sim(&app, "with", &with, "shared").await;
        register_sim(&app, "without", &without, "shared").await;

        let (status, node) = get(&app, "/api/clusters/with/nodes/node-a/metrics", VIEWER_TOKEN).await;
        assert_eq!(status, 200, "{node}");
        assert_eq!((node["metadata"]["name"].as_str(), node["usage"]["cpu"].as_str()), (Some("node-a"), Some("1200m")));
        let (status, pod) = get(&app, "/api/clusters/with/pods/shop/web-1/metrics", VIEWER_TOKEN).await;
        assert_eq!(status, 200, "{pod}");
        assert_eq!(pod["containers"][0]["usage"]["memory"], "128Mi");
        let (status, body) = get(&app, "/api/clusters/with/pods/shop/missing/metrics", VIEWER_TOKEN).await;
        assert_error(status, &body, 404, "kube_not_found");
        let (status, body) = get(&app, "/api/clusters/without/nodes/node-0/metrics", VIEWER_TOKEN).await;
        assert_error(status, &body, 404, "metrics_unavailable");
        app.stop().await;
    }
}
