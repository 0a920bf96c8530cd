//! The Flux catalog and the ExternalService inputs, checked the way Flux Operator reads them.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

const DNS: &str = "demo-01.k8s.example.com";

/// Checks a body the way the ExternalService client does: a JSON object with an `inputs` array
/// whose items have unique string ids, at most 900 KiB, in a stable (id) order.
fn assert_contract(bytes: &[u8]) -> Vec<Value> {
    assert!(bytes.len() <= 921_600, "body of {} bytes", bytes.len());
    let v: Value = serde_json::from_slice(bytes).expect("JSON");
    let inputs = v.as_object().expect("an object")["inputs"]
        .as_array()
        .expect("an inputs array")
        .clone();
    let ids: Vec<&str> = inputs.iter().map(|i| i["id"].as_str().expect("string id")).collect();
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "unique ids: {ids:?}"
    );
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "stable order by id");
    inputs
}

/// Status and JSON body (`null` when there is none) of a request as the admin token.
async fn send(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut r = app.bearer(method, path, ADMIN_TOKEN);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        },
    )
}

async fn ok(app: &TestApp, method: Method, path: &str, body: Value) -> Value {
    let (status, v) = send(app, method.clone(), path, Some(body)).await;
    assert!((200..300).contains(&status), "{method} {path}: {status} {v}");
    v
}

/// A small catalog: cluster demo-01 (with dns) and bare (without), two components, a namespace, a role binding.
async fn seed(app: &TestApp) {
    ok(
        app,
        Method::POST,
        "/api/clusters",
        json!({"name": "demo-01", "dns": DNS, "environment": "dev", "labels": {"team": "platform"}}),
    )
    .await;
    ok(
        app,
        Method::POST,
        "/api/clusters",
        json!({"name": "bare", "environment": "prod"}),
    )
    .await;
    ok(app, Method::POST, "/api/flux/platform-components", json!({"id": "cert-manager", "component_path": "cert-manager", "oci_url": "https://charts.jetstack.io", "oci_tag": "v1.14.0"})).await;
    ok(app, Method::POST, "/api/flux/platform-components", json!({"id": "ingress", "component_path": "ingress-nginx", "oci_url": "oci://ghcr.io/charts", "depends_on": ["cert-manager"], "cluster_env_enabled": true})).await;
    ok(
        app,
        Method::POST,
        "/api/flux/namespaces",
        json!({"id": "cert-manager", "labels": {"app": "cert-manager"}}),
    )
    .await;
    ok(app, Method::POST, "/api/flux/rolebindings", json!({"id": "platform-admins", "role": "cluster-admin", "subjects": [{"kind": "Group", "name": "platform-team", "apiGroup": "rbac.authorization.k8s.io"}]})).await;
    ok(
        app,
        Method::PUT,
        "/api/flux/clusters/demo-01",
        json!({
            "platform_components": [{"id": "ingress", "oci_tag": "4.10.0"}, {"id": "cert-manager", "enabled": false}],
            "namespaces": ["cert-manager"], "rolebindings": ["platform-admins"],
            "patches": {"ingress": {"replicaCount": 3, "controller": {"ingressClass": "nginx"}, "enabled": true}}
        }),
    )
    .await;
}

/// Polls `path` on `app` until it differs from `before`, then checks it holds `expected`.
async fn wait_for_change(app: &TestApp, path: &str, before: Vec<u8>, expected: &str) {
    let started = Instant::now();
    loop {
        let (_, now) = inputs(app, path, VIEWER_TOKEN).await;
        if now != before {
            assert!(String::from_utf8(now).unwrap().contains(expected), "{path}");
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the replica still serves the old {path}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn json_of(r: reqwest::RequestBuilder) -> (u16, Value) {
    json(r.send().await.unwrap()).await
}

async fn inputs(app: &TestApp, path: &str, token: &str) -> (u16, Vec<u8>) {
    let r = app.bearer(Method::GET, path, token).send().await.unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

on_both_backends! {
    async fn inputs_follow_the_contract_and_the_merge_rules(db) {
        let app = TestApp::start(db).await;
        seed(&app).await;
        let (status, body) = inputs(&app, &format!("/api/v2/flux/clusters/{DNS}/platform-components"), VIEWER_TOKEN).await;
        assert_eq!(status, 200);
        let pc = assert_contract(&body);
        assert_eq!(pc.len(), 2);
        assert_eq!(pc[0], json!({
            "id": "cert-manager", "component_path": "cert-manager", "component_version": "latest",
            "cluster_env_enabled": false, "depends_on": [], "enabled": false, "patches": {},
            "cluster": {"name": "demo-01", "dns": DNS, "environment": "dev"},
            "source": {"oci_url": "https://charts.jetstack.io", "oci_tag": "v1.14.0"}
        }));
        assert_eq!(pc[1]["source"]["oci_tag"], "4.10.0", "the cluster's override wins");
        assert_eq!(pc[1]["component_path"], "ingress-nginx", "no override: the catalog's");
        assert_eq!(pc[1]["patches"], json!({"replicaCount": 3, "controller": {"ingressClass": "nginx"}, "enabled": true}));
        assert_eq!(pc[1]["depends_on"], json!(["cert-manager"]));

        let (_, body) = inputs(&app, &format!("/api/v2/flux/clusters/{DNS}/namespaces"), VIEWER_TOKEN).await;
        assert_eq!(assert_contract(&body), [json!({"id": "cert-manager", "labels": {"app": "cert-manager"}, "annotations": {}, "cluster": {"name": "demo-01", "dns": DNS, "environment": "dev"}})]);
        let (_, body) = inputs(&app, &format!("/api/v2/flux/clusters/{DNS}/rolebindings"), VIEWER_TOKEN).await;
        let rb = assert_contract(&body);
        assert_eq!(rb[0]["subjects"], json!([{"kind": "Group", "name": "platform-team", "apiGroup": "rbac.authorization.k8s.io"}]));
        let (_, body) = inputs(&app, "/api/v2/flux/clusters", VIEWER_TOKEN).await;
        assert_eq!(assert_contract(&body), [json!({"id": "demo-01", "cluster_name": "demo-01", "cluster_dns": DNS, "environment": "dev", "labels": {"team": "platform"}})], "only clusters with a dns");

        let (status, body) = json(app.bearer(Method::GET, "/api/v2/flux/clusters/nowhere.example.com/namespaces", VIEWER_TOKEN).send().await.unwrap()).await;
        assert_error(status, &body, 404, "not_found");
        app.stop().await;
    }

    async fn flux_routes_need_the_right_credentials(db) {
        let app = TestApp::start(db).await;
        seed(&app).await;
        ok(&app, Method::POST, "/api/clusters", json!({"name": "other", "dns": "other.k8s.example.com", "environment": "dev"})).await;
        let path = format!("/api/v2/flux/clusters/{DNS}/platform-components");
        let (status, body) = json(app.request(Method::GET, &path).send().await.unwrap()).await;
        assert_error(status, &body, 401, "unauthenticated");

        let key = |token: &'static str, body: Value| json_of(app.bearer(Method::POST, "/api/auth/api-keys", token).json(&body));
        let (status, bound) = key(OPERATOR_TOKEN, json!({"name": "flux-demo", "role": "flux-reader", "clusterDns": DNS})).await;
        assert_eq!(status, 201, "{bound}");
        assert_eq!(bound["clusterDns"], DNS);
        let bound = bound["secret"].as_str().unwrap().to_string();
        let (status, body) = key(VIEWER_TOKEN, json!({"name": "x", "role": "flux-reader"})).await;
        assert_error(status, &body, 403, "role_too_high");
        let (status, body) = key(OPERATOR_TOKEN, json!({"name": "x", "role": "viewer", "clusterDns": DNS})).await;
        assert_error(status, &body, 422, "invalid_cluster_binding");
        let (status, body) = key(OPERATOR_TOKEN, json!({"name": "x", "role": "flux-reader", "clusterDns": "not a dns"})).await;
        assert_error(status, &body, 422, "invalid_dns");

        // The bound flux-reader key: its own cluster only, and nothing but the inputs.
        let (status, body) = inputs(&app, &path, &bound).await;
        assert_eq!(status, 200);
        assert_contract(&body);
        let (status, body) = json(app.bearer(Method::GET, "/api/v2/flux/clusters/other.k8s.example.com/platform-components", &bound).send().await.unwrap()).await;
        assert_error(status, &body, 403, "cluster_scope");
        let (_, body) = inputs(&app, "/api/v2/flux/clusters", &bound).await;
        let listed = assert_contract(&body);
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["cluster_dns"], DNS);
        for p in ["/api/flux/platform-components", "/api/audit", "/api/clusters", "/api/auth/api-keys"] {
            assert_eq!(app.bearer(Method::GET, p, &bound).send().await.unwrap().status(), 403, "{p}");
        }

        // Basic auth: the password is the token or key, never a user's password.
        let basic = |user: &str, pass: &str| app.request(Method::GET, &path).basic_auth(user, Some(pass)).send();
        assert_eq!(basic("flux", &bound).await.unwrap().status(), 200);
        assert_eq!(basic("anyone", VIEWER_TOKEN).await.unwrap().status(), 200);
        app.create_user("uma", "viewer", "uma's long password").await;
        let (status, body) = json(basic("uma", "uma's long password").await.unwrap()).await;
        assert_error(status, &body, 401, "invalid_credentials");
        let r = app.request(Method::POST, "/api/flux/namespaces").basic_auth("x", Some(ADMIN_TOKEN)).json(&json!({"id": "n"})).send().await.unwrap();
        assert_eq!(r.status(), 401, "Basic is for reads only");
        app.stop().await;
    }

    async fn etag_and_if_none_match(db) {
        let app = TestApp::start(db).await;
        seed(&app).await;
        let path = format!("/api/v2/flux/clusters/{DNS}/namespaces");
        let r = app.bearer(Method::GET, &path, VIEWER_TOKEN).send().await.unwrap();
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        assert!(etag.starts_with('"'));
        let r = app.bearer(Method::GET, &path, VIEWER_TOKEN).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(r.status(), 304);
        assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
        assert!(r.bytes().await.unwrap().is_empty());
        let r = app.bearer(Method::GET, &path, VIEWER_TOKEN).header("if-none-match", "\"stale\"").send().await.unwrap();
        assert_eq!(r.status(), 200);
        ok(&app, Method::PUT, "/api/flux/namespaces/cert-manager", json!({"id": "cert-manager", "labels": {"app": "cm"}})).await;
        let r = app.bearer(Method::GET, &path, VIEWER_TOKEN).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(r.status(), 200, "a write changes the etag");
        assert_ne!(r.headers()["etag"].to_str().unwrap(), etag);
        app.stop().await;
    }

    async fn every_kind_of_write_invalidates_the_cache(db) {
        let app = TestApp::start(db).await;
        seed(&app).await;
        let pc = format!("/api/v2/flux/clusters/{DNS}/platform-components");
        let ns = format!("/api/v2/flux/clusters/{DNS}/namespaces");
        let rb = format!("/api/v2/flux/clusters/{DNS}/rolebindings");
        let writes: Vec<(Method, &str, Value, &str)> = vec![
            (Method::PUT, "/api/flux/platform-components/ingress", json!({"id": "ingress", "component_path": "ingress-nginx", "oci_url": "oci://ghcr.io/charts", "component_version": "4.11", "depends_on": ["cert-manager"]}), &pc),
            (Method::PUT, "/api/flux/namespaces/cert-manager", json!({"id": "cert-manager", "annotations": {"note": "x"}}), &ns),
            (Method::PUT, "/api/flux/rolebindings/platform-admins", json!({"id": "platform-admins", "role": "view", "subjects": [{"kind": "User", "name": "ann"}]}), &rb),
            (Method::PUT, "/api/flux/clusters/demo-01", json!({"platform_components": [{"id": "ingress"}], "namespaces": ["cert-manager"], "rolebindings": ["platform-admins"]}), &pc),
            (Method::PUT, "/api/clusters/demo-01", json!({"environment": "prod"}), &ns),
            (Method::POST, "/api/flux/import", json!({"namespaces": [{"id": "cert-manager", "labels": {"imported": "yes"}}]}), &ns),
            (Method::DELETE, "/api/flux/rolebindings/platform-admins?force=true", Value::Null, &rb),
        ];
        for (method, path, body, watched) in writes {
            let (_, before) = inputs(&app, watched, VIEWER_TOKEN).await;
            let (_, again) = inputs(&app, watched, VIEWER_TOKEN).await;
            assert_eq!(before, again, "cached answers are stable");
            let (status, v) = send(&app, method.clone(), path, (!body.is_null()).then_some(body)).await;
            assert!((200..300).contains(&status), "{method} {path}: {v}");
            let (_, after) = inputs(&app, watched, VIEWER_TOKEN).await;
            assert_ne!(before, after, "{method} {path} changed {watched}");
            assert_contract(&after);
        }
        app.stop().await;
    }

    async fn another_replica_sees_writes_within_seconds(db) {
        let a = TestApp::start(db).await;
        let b = TestApp::start(db).await;
        seed(&a).await;
        // Catalog writes and cluster registry writes bump different counters; b must see both.
        let namespaces = format!("/api/v2/flux/clusters/{DNS}/namespaces");
        let (_, before) = inputs(&b, &namespaces, VIEWER_TOKEN).await;
        ok(&a, Method::PUT, "/api/flux/namespaces/cert-manager", json!({"id": "cert-manager", "labels": {"written": "on-a"}})).await;
        wait_for_change(&b, &namespaces, before, "on-a").await;
        let (_, before) = inputs(&b, "/api/v2/flux/clusters", VIEWER_TOKEN).await;
        ok(&a, Method::PUT, "/api/clusters/demo-01", json!({"labels": {"team": "moved-on-a"}})).await;
        wait_for_change(&b, "/api/v2/flux/clusters", before, "moved-on-a").await;
        a.stop().await;
        b.stop().await;
    }

    async fn import_is_all_or_nothing(db) {
        let app = TestApp::start(db).await;
        seed(&app).await;
        let (_, before) = send(&app, Method::GET, "/api/flux/export", None).await;
        let mut doc = before.clone();
        doc["platform_components"].as_array_mut().unwrap().push(json!({"id": "new-one", "component_path": "x", "oci_url": "oci://x"}));
        doc["clusters"].as_array_mut().unwrap().push(json!({"name": "fresh", "dns": "fresh.k8s.example.com", "environment": "qa", "namespaces": ["nope"]}));
        let (status, body) = send(&app, Method::POST, "/api/flux/import", Some(doc.clone())).await;
        assert_error(status, &body, 422, "unknown_reference");
        let (_, after) = send(&app, Method::GET, "/api/flux/export", None).await;
        assert_eq!(after, before, "a bad document changes nothing");

        doc["clusters"].as_array_mut().unwrap().last_mut().unwrap()["namespaces"] = json!(["cert-manager"]);
        let (status, report) = send(&app, Method::POST, "/api/flux/import?dryRun=true", Some(doc.clone())).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["dry_run"], true);
        assert_eq!(report["platform_components"], json!({"created": 1, "updated": 0, "deleted": 0, "unchanged": 2}));
        assert_eq!(report["clusters"], json!({"created": 1, "updated": 0, "deleted": 0, "unchanged": 2}));
        let (_, after) = send(&app, Method::GET, "/api/flux/export", None).await;
        assert_eq!(after, before, "a dry run writes nothing");

        let (_, report) = send(&app, Method::POST, "/api/flux/import", Some(doc)).await;
        assert_eq!(report["dry_run"], false);
        let (_, fresh) = send(&app, Method::GET, "/api/clusters/fresh", None).await;
        assert_eq!(fresh["source"], "metadata-only");
        let (_, body) = inputs(&app, "/api/v2/flux/clusters/fresh.k8s.example.com/namespaces", VIEWER_TOKEN).await;
        assert_eq!(assert_contract(&body).len(), 1);

        let prune = json!({"platform_components": [{"id": "cert-manager", "component_path": "cert-manager", "oci_url": "https://charts.jetstack.io"}]});
        let (_, report) = send(&app, Method::POST, "/api/flux/import?prune=true", Some(prune)).await;
        assert_eq!(report["platform_components"], json!({"created": 0, "updated": 1, "deleted": 2, "unchanged": 0}));
        assert_eq!(report["namespaces"]["deleted"], 1);
        let (_, body) = inputs(&app, &format!("/api/v2/flux/clusters/{DNS}/platform-components"), VIEWER_TOKEN).await;
        assert!(assert_contract(&body).is_empty(), "assignments of clusters the document does not name are pruned");
        assert_eq!(app.audit("verb=import").await.len(), 4, "failed, dry run, applied, pruned");
        assert_eq!(app.audit("verb=import&outcome=failure").await[0]["reason"], "unknown_reference");
        app.stop().await;
    }

    async fn oversized_inputs_are_refused_whole_and_the_write_warns(db) {
        let app = TestApp::start(db).await;
        seed(&app).await;
        let big = "x".repeat(930_000);
        let (status, v) = send(&app, Method::PUT, "/api/flux/clusters/demo-01", Some(json!({
            "platform_components": [{"id": "ingress"}], "patches": {"ingress": {"blob": big}}
        }))).await;
        assert_eq!(status, 200, "the write itself succeeds");
        assert_eq!(v["warnings"][0]["code"], "inputs_too_large");
        assert_eq!(v["warnings"][0]["cluster"], "demo-01");
        let (status, body) = json(app.bearer(Method::GET, &format!("/api/v2/flux/clusters/{DNS}/platform-components"), VIEWER_TOKEN).send().await.unwrap()).await;
        assert_error(status, &body, 500, "inputs_too_large");
        assert_eq!(body["details"]["cluster"], "demo-01");
        assert_eq!(body["details"]["limit"], 921_600);
        assert!(body["details"]["size"].as_u64().unwrap() > 921_600);
        let (_, body) = inputs(&app, &format!("/api/v2/flux/clusters/{DNS}/namespaces"), VIEWER_TOKEN).await;
        assert_contract(&body);
        app.stop().await;
    }

    async fn catalog_writes_are_validated_and_audited(db) {
        let app = TestApp::start(db).await;
        seed(&app).await;
        let cases: Vec<(&str, Value, u16, &str)> = vec![
            ("/api/flux/platform-components", json!({"id": "cert-manager", "component_path": "x", "oci_url": "y"}), 409, "conflict"),
            ("/api/flux/platform-components", json!({"id": "Not_Valid", "component_path": "x", "oci_url": "y"}), 422, "invalid_id"),
            ("/api/flux/platform-components", json!({"id": "z", "component_path": "x", "oci_url": "y", "depends_on": ["ghost"]}), 422, "unknown_reference"),
            ("/api/flux/platform-components", json!({"id": "z", "component_path": "x"}), 400, "invalid_body"),
            ("/api/flux/platform-components", json!({"id": "z", "component_path": "x", "oci_url": "y", "extra": 1}), 400, "invalid_body"),
            ("/api/flux/namespaces", json!({"id": "n", "labels": {"bad key!": "v"}}), 422, "invalid_labels"),
            ("/api/flux/rolebindings", json!({"id": "r", "role": "view", "subjects": [{"kind": "ServiceAccount", "name": "sa"}]}), 422, "invalid_subject"),
            ("/api/flux/rolebindings", json!({"id": "r", "role": "view", "subjects": [{"kind": "Robot", "name": "x"}]}), 400, "invalid_body"),
        ];
        for (path, body, want, code) in cases {
            let (status, v) = send(&app, Method::POST, path, Some(body)).await;
            assert_error(status, &v, want, code);
        }
        let (status, v) = send(&app, Method::PUT, "/api/flux/platform-components/cert-manager", Some(json!({
            "id": "cert-manager", "component_path": "cert-manager", "oci_url": "https://charts.jetstack.io", "depends_on": ["ingress"]
        }))).await;
        assert_error(status, &v, 422, "dependency_cycle");
        assert_eq!(v["details"]["cycle"], json!(["cert-manager", "ingress", "cert-manager"]));
        let (status, v) = send(&app, Method::PUT, "/api/flux/namespaces/cert-manager", Some(json!({"id": "other"}))).await;
        assert_error(status, &v, 422, "id_mismatch");
        let (status, v) = send(&app, Method::PUT, "/api/flux/clusters/demo-01", Some(json!({"namespaces": ["ghost"]}))).await;
        assert_error(status, &v, 422, "unknown_reference");
        assert_eq!(v["details"], json!({"kind": "namespace", "ids": ["ghost"]}));

        let (status, v) = send(&app, Method::DELETE, "/api/flux/platform-components/cert-manager", None).await;
        assert_error(status, &v, 409, "in_use");
        assert_eq!(v["details"]["clusters"], json!(["demo-01"]));
        assert_eq!(v["details"]["components"], json!(["ingress"]));
        let r = app.bearer(Method::DELETE, "/api/flux/platform-components/cert-manager?force=true", ADMIN_TOKEN).send().await.unwrap();
        assert_eq!(r.status(), 204);
        let (_, ingress) = send(&app, Method::GET, "/api/flux/platform-components/ingress", None).await;
        assert_eq!(ingress["depends_on"], json!([]));
        let (status, v) = send(&app, Method::GET, "/api/flux/platform-components/cert-manager", None).await;
        assert_error(status, &v, 404, "not_found");

        let r = app.bearer(Method::POST, "/api/flux/namespaces", VIEWER_TOKEN).json(&json!({"id": "v"})).send().await.unwrap();
        assert_eq!(r.status(), 403, "viewers read only");
        let (status, list) = json(app.bearer(Method::GET, "/api/flux/namespaces", VIEWER_TOKEN).send().await.unwrap()).await;
        assert_eq!(status, 200);
        assert_eq!(list["items"][0]["id"], "cert-manager");

        let rows = app.audit("verb=delete&outcome=success").await;
        assert_eq!((rows[0]["resourceType"].as_str(), rows[0]["name"].as_str()), (Some("platform_component"), Some("cert-manager")));
        assert_eq!(app.audit("verb=create&outcome=failure").await.len(), 8);
        app.stop().await;
    }

    async fn the_cluster_registry(db) {
        let app = TestApp::start(db).await;
        let (status, c) = send(&app, Method::POST, "/api/clusters", Some(json!({"name": "edge-1", "displayName": "Edge 1", "dns": "edge-1.example.com", "environment": "qa", "labels": {"region": "eu"}}))).await;
        assert_eq!(status, 201, "{c}");
        assert_eq!((c["displayName"].as_str(), c["source"].as_str()), (Some("Edge 1"), Some("metadata-only")));
        let r = app.bearer(Method::POST, "/api/clusters", OPERATOR_TOKEN).json(&json!({"name": "x", "environment": "qa"})).send().await.unwrap();
        assert_eq!(r.status(), 403, "operators do not create clusters");
        for (body, want, code) in [
            (json!({"name": "edge-2", "dns": "edge-1.example.com", "environment": "qa"}), 409, "conflict"),
            (json!({"name": "edge-1", "environment": "qa"}), 409, "conflict"),
            (json!({"name": "Edge_2", "environment": "qa"}), 422, "invalid_name"),
            (json!({"name": "edge-2", "environment": "staging"}), 422, "invalid_environment"),
            (json!({"name": "edge-2", "dns": "edge2", "environment": "qa"}), 422, "invalid_dns"),
        ] {
            let (status, v) = send(&app, Method::POST, "/api/clusters", Some(body)).await;
            assert_error(status, &v, want, code);
        }
        let r = app.bearer(Method::PUT, "/api/clusters/edge-1", OPERATOR_TOKEN).json(&json!({"dns": null, "labels": {}})).send().await.unwrap();
        let (status, c) = json(r).await;
        assert_eq!(status, 200, "{c}");
        assert_eq!((c["dns"].clone(), c["labels"].clone(), c["displayName"].clone()), (Value::Null, json!({}), json!("Edge 1")));
        let (_, envs) = send(&app, Method::GET, "/api/flux/environments", None).await;
        assert_eq!(envs["items"], json!(["dev", "qa", "uat", "stage", "prod"]));
        assert_eq!(app.bearer(Method::DELETE, "/api/clusters/edge-1", OPERATOR_TOKEN).send().await.unwrap().status(), 403);
        assert_eq!(app.bearer(Method::DELETE, "/api/clusters/edge-1", ADMIN_TOKEN).send().await.unwrap().status(), 204);
        let (status, v) = send(&app, Method::GET, "/api/clusters/edge-1", None).await;
        assert_error(status, &v, 404, "not_found");
        app.stop().await;
    }
}

/// A catalog of 500 clusters, each with labels and a patch: about 1.4 MB as a document.
fn large_catalog() -> Value {
    let clusters: Vec<Value> = (0..500)
        .map(|i| {
            json!({
                "name": format!("cluster-{i:03}"), "dns": format!("cluster-{i:03}.k8s.example.com"), "environment": "dev",
                "labels": {"team": "platform", "region": format!("region-{}", i % 7)},
                "platform_components": [{"id": "podinfo"}],
                "patches": {"podinfo": {"values": "v".repeat(2500)}}
            })
        })
        .collect();
    json!({
        "platform_components": [{"id": "podinfo", "component_path": "podinfo", "oci_url": "oci://ghcr.io/stefanprodan/charts"}],
        "clusters": clusters
    })
}

on_both_backends! {
    async fn the_import_has_its_own_body_limit(db) {
        let app = TestApp::start(db).await;
        let (status, report) = send(&app, Method::POST, "/api/flux/import", Some(large_catalog())).await;
        assert_eq!(status, 200, "{report}");
        let export = app.bearer(Method::GET, "/api/flux/export", VIEWER_TOKEN).send().await.unwrap().bytes().await.unwrap();
        assert!(export.len() > 1024 * 1024, "the export is {} bytes", export.len());
        let r = app.bearer(Method::POST, "/api/flux/import?prune=true", OPERATOR_TOKEN)
            .header("content-type", "application/json").body(export).send().await.unwrap();
        let (status, report) = json(r).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["clusters"], json!({"created": 0, "updated": 0, "deleted": 0, "unchanged": 500}));

        // Every other route keeps FLEETDECK_BODY_LIMIT's 1 MiB, and says which setting raises it.
        let big = json!({"id": "big", "component_path": "x", "oci_url": "oci://x", "description": "d".repeat(1024 * 1024)});
        let (status, body) = send(&app, Method::POST, "/api/flux/platform-components", Some(big)).await;
        assert_error(status, &body, 413, "payload_too_large");
        assert!(body["error"].as_str().unwrap().contains("FLEETDECK_BODY_LIMIT"), "{body}");
        app.stop().await;

        let mut s = settings(db);
        s.import_body_limit = 1024 * 1024;
        let app = TestApp::with(s).await;
        let (status, body) = send(&app, Method::POST, "/api/flux/import", Some(large_catalog())).await;
        assert_error(status, &body, 413, "payload_too_large");
        assert!(body["error"].as_str().unwrap().contains("FLEETDECK_IMPORT_BODY_LIMIT"), "{body}");
        app.stop().await;
    }
}
