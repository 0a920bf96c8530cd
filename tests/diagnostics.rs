//! Diagnostics against a simulated cluster: the monitor finds what is wrong from the shared
//! caches, stores it, resolves it when the condition clears, keeps the history across restarts,
//! and shows each caller only what Kubernetes lets them see.

mod common;

use std::time::Duration;

use common::*;
use kubesim::Rule;
use reqwest::Method;
use serde_json::{Value, json};

/// A pod whose container keeps crashing, with what its previous instance wrote.
fn crashing_pod() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "api-1", "namespace": "shop", "labels": {"app": "api"},
                     "annotations": {"kubesim.fleetdeck.dev/previous-logs": "starting\npanic: no DATABASE_URL"}},
        "spec": {"nodeName": "node-0", "containers": [{"name": "api", "image": "shop/api:1.4"}]},
        "status": {"phase": "Running", "containerStatuses": [{
            "name": "api", "ready": false, "restartCount": 6, "image": "shop/api:1.4", "imageID": "",
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
            "lastState": {"terminated": {"exitCode": 2, "reason": "Error",
                                         "finishedAt": "2026-01-01T00:00:00Z", "startedAt": "2026-01-01T00:00:00Z"}}
        }]}
    })
}

fn healthy_pod() -> Value {
    let mut pod = crashing_pod();
    pod["status"] = json!({"phase": "Running", "containerStatuses": [{
        "name": "api", "ready": true, "restartCount": 6, "image": "shop/api:1.4", "imageID": "",
        "state": {"running": {"startedAt": "2026-01-01T00:10:00Z"}}
    }]});
    pod
}

fn with_diagnostics(db: &TestDb) -> fleetdeck::config::Settings {
    let mut s = with_secret_key(db);
    s.diagnostics = true;
    s
}

async fn findings(app: &TestApp, query: &str, token: &str) -> (u16, Value) {
    json(
        app.bearer(Method::GET, &format!("/api/diagnostics?{query}"), token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Waits (at most 20 s) until the list answers something `done` accepts.
async fn until(app: &TestApp, query: &str, token: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let (status, body) = findings(app, query, token).await;
        assert_eq!(status, 200, "{body}");
        if done(&body) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no such findings for {query}: {}", findings(app, query, token).await.1);
}

fn classes(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}/{}",
                f["object"]["name"].as_str().unwrap(),
                f["class"].as_str().unwrap()
            )
        })
        .collect()
}

on_both_backends! {
    async fn findings_appear_clear_and_survive_a_restart(db) {
        let sim = shop_sim().await;
        sim.create_or_update(crashing_pod()).unwrap();
        let app = TestApp::with(with_diagnostics(db)).await;
        register_sim(&app, "prod", &sim, "shared").await;

        let crash = |l: &Value| classes(l).contains(&"api-1/pod_crash_loop".to_string());
        let list = until(&app, "cluster=prod&kind=Pod&namespace=shop&name=api-1", VIEWER_TOKEN, crash).await;
        let f = &list["items"][0];
        assert_eq!((f["cluster"].as_str(), f["severity"].as_str()), (Some("prod"), Some("critical")), "{f}");
        assert_eq!(f["object"]["uid"].as_str().map(str::len), Some(36), "{f}");
        let container = &f["evidence"]["containers"][0];
        assert_eq!((container["name"].as_str(), container["lastExitCode"].as_i64(), container["restarts"].as_i64()), (Some("api"), Some(2), Some(6)), "{f}");
        assert!(f["explanation"].as_str().unwrap().contains("code 2"), "{f}");
        assert!(f["resolvedAt"].is_null() && f["firstSeen"].is_string() && f["lastSeen"].is_string());
        let id = f["id"].as_str().unwrap().to_string();

        // The detail reads the crashed instance's last lines, as the caller.
        let (status, detail) = json(app.bearer(Method::GET, &format!("/api/diagnostics/{id}"), VIEWER_TOKEN).send().await.unwrap()).await;
        assert_eq!(status, 200, "{detail}");
        let log = &detail["evidence"]["logs"][0];
        assert_eq!((log["container"].as_str(), log["previous"].as_bool()), (Some("api"), Some(true)), "{detail}");
        assert_eq!(log["lines"], json!(["starting", "panic: no DATABASE_URL"]));

        // The fleet-wide list holds the fixture's other crashing pod too, in name order; filters narrow it.
        let all = until(&app, "severity=critical", VIEWER_TOKEN, crash).await;
        let pods: Vec<String> = classes(&all).into_iter().filter(|c| c.ends_with("/pod_crash_loop")).collect();
        assert_eq!(pods, ["api-1/pod_crash_loop", "db-1/pod_crash_loop"]);
        let (_, none) = findings(&app, "cluster=prod&class=node_not_ready", VIEWER_TOKEN).await;
        assert_eq!(none["items"], json!([]));
        // Pages of one follow each other.
        let (_, first) = findings(&app, "severity=critical&limit=1", VIEWER_TOKEN).await;
        let next = first["continue"].as_str().expect("a next page");
        let (_, second) = findings(&app, &format!("severity=critical&limit=1&continue={next}"), VIEWER_TOKEN).await;
        assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);
        assert_eq!(second["items"].as_array().unwrap().len(), 1);

        // Fixed: the finding resolves, and stays in the history.
        sim.create_or_update(healthy_pod()).unwrap();
        let resolved = until(&app, "state=resolved&name=api-1", VIEWER_TOKEN, crash).await;
        assert!(resolved["items"][0]["resolvedAt"].is_string(), "{resolved}");
        let (_, open) = findings(&app, "name=api-1", VIEWER_TOKEN).await;
        assert_eq!(open["items"], json!([]));
        app.stop().await;

        // A restart on the same store keeps the history and finds the open ones again.
        let app = TestApp::with(with_diagnostics(db)).await;
        let (_, after) = findings(&app, "state=all&name=api-1", VIEWER_TOKEN).await;
        assert_eq!(after["items"][0]["id"], json!(id));
        until(&app, "name=db-1", VIEWER_TOKEN, |l| classes(l) == ["db-1/pod_crash_loop"]).await;

        // A deleted cluster's findings resolve.
        assert_eq!(app.bearer(Method::DELETE, "/api/clusters/prod", ADMIN_TOKEN).send().await.unwrap().status(), 204);
        until(&app, "state=open", VIEWER_TOKEN, |l| l["items"] == json!([])).await;
        app.stop().await;
    }

    async fn bad_queries_are_refused(db) {
        let app = TestApp::with(with_diagnostics(db)).await;
        for (query, code) in [("severity=dire", "invalid_query"), ("class=pod_sad", "invalid_query"), ("limit=0", "invalid_query"), ("state=closed", "invalid_query"), ("continue=xyz", "invalid_continue")] {
            let (status, body) = findings(&app, query, VIEWER_TOKEN).await;
            assert_error(status, &body, 400, code);
        }
        let r = app.bearer(Method::GET, "/api/diagnostics/nope", VIEWER_TOKEN).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(app.request(Method::GET, "/api/diagnostics").send().await.unwrap().status(), 401);
        app.stop().await;
    }

    async fn callers_see_only_what_kubernetes_lets_them(db) {
        let sim = shop_sim().await;
        let mut elsewhere = crashing_pod();
        elsewhere["metadata"]["namespace"] = json!("other");
        sim.create_or_update(elsewhere).unwrap();
        sim.create_or_update(json!({
            "apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-9"},
            "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "KubeletNotReady",
                                       "lastTransitionTime": "2026-01-01T00:00:00Z"}]}
        })).unwrap();
        // Viewers may list pods in shop only (not nodes); admins anything.
        sim.add_rule(Rule::group("fleetdeck:viewers", &["get", "list", "watch"], &[""], &["pods"], &["shop"]));
        sim.add_rule(Rule::group("fleetdeck:admins", &["*"], &["*"], &["*"], &[]));
        let app = TestApp::with(with_diagnostics(db)).await;
        register_sim(&app, "guarded", &sim, "impersonate").await;

        let wanted = ["api-1/pod_crash_loop", "db-1/pod_crash_loop", "node-9/node_not_ready"];
        let all = until(&app, "", ADMIN_TOKEN, |l| wanted.iter().all(|w| classes(l).contains(&w.to_string()))).await;
        let (_, seen) = findings(&app, "", VIEWER_TOKEN).await;
        let seen = seen["items"].as_array().unwrap();
        assert!(seen.iter().any(|f| f["object"]["name"] == "db-1"), "{seen:?}");
        assert!(seen.iter().all(|f| f["object"]["namespace"] == "shop"), "only shop's findings: {seen:?}");
        let node = all["items"].as_array().unwrap().iter().find(|f| f["object"]["name"] == "node-9").unwrap();
        let path = format!("/api/diagnostics/{}", node["id"].as_str().unwrap());
        assert_eq!(app.bearer(Method::GET, &path, VIEWER_TOKEN).send().await.unwrap().status(), 404);
        assert_eq!(app.bearer(Method::GET, &path, ADMIN_TOKEN).send().await.unwrap().status(), 200);
        // The operator role may list nothing there: no findings at all.
        let (_, none) = findings(&app, "", OPERATOR_TOKEN).await;
        assert_eq!(none["items"], json!([]));
        app.stop().await;
    }
}
