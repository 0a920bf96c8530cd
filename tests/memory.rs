//! Memory: runbooks and fixes through the API, on both backends: writing and validating
//! runbooks, who may write, ranking by past success, fixes taken from stored findings, deleted
//! runbooks whose fixes stay, and the audit rows the writes leave.

mod common;

use common::*;
use fleetdeck::store::findings::FindingWrite;
use reqwest::Method;
use serde_json::{Value, json};

async fn create_runbook(app: &TestApp, title: &str, classes: &[&str]) -> String {
    let body = json!({"title": title, "body": "1. Look\n2. Fix", "tags": ["memory"], "classes": classes});
    let (status, rb) = call(app, Method::POST, "/api/memory/runbooks", OPERATOR_TOKEN, Some(body)).await;
    assert_eq!(status, 201, "{rb}");
    rb["id"].as_str().unwrap().to_string()
}

async fn record_fix(app: &TestApp, runbook: &str, class: &str, success: bool) -> Value {
    let body = json!({"runbookId": runbook, "class": class, "cluster": "prod",
        "object": {"kind": "Pod", "namespace": "shop", "name": "api-1"}, "action": "restart", "success": success});
    let (status, fix) = call(app, Method::POST, "/api/memory/fixes", OPERATOR_TOKEN, Some(body)).await;
    assert_eq!(status, 201, "{fix}");
    fix
}

fn titles(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect()
}

on_both_backends! {
    async fn runbooks_are_written_read_and_checked(db) {
        let app = TestApp::start(db).await;
        let body = json!({"title": " Raise the memory limit ", "body": "# Steps\nPatch the limit.",
            "tags": ["memory", "oom"], "classes": ["pod_oom_killed"]});
        let (status, rb) = call(&app, Method::POST, "/api/memory/runbooks", OPERATOR_TOKEN, Some(body)).await;
        assert_eq!(status, 201, "{rb}");
        assert_eq!(rb["title"], "Raise the memory limit");
        assert_eq!(rb["classes"], json!(["pod_oom_killed"]));
        assert_eq!((rb["createdBy"].as_str(), rb["successes"].as_i64(), rb["failures"].as_i64()), (Some("token:operator"), Some(0), Some(0)));
        assert!(rb["lastUsedAt"].is_null(), "{rb}");
        let id = rb["id"].as_str().unwrap().to_string();

        let (status, got) = call(&app, Method::GET, &format!("/api/memory/runbooks/{id}"), VIEWER_TOKEN, None).await;
        assert_eq!((status, got["body"].as_str()), (200, Some("# Steps\nPatch the limit.")));

        let change = json!({"title": "Raise the limit", "body": "more", "tags": ["memory"], "classes": ["pod_oom_killed", "pod_crash_loop"]});
        let (status, updated) = call(&app, Method::PUT, &format!("/api/memory/runbooks/{id}"), OPERATOR_TOKEN, Some(change.clone())).await;
        assert_eq!(status, 200, "{updated}");
        assert_eq!((updated["title"].as_str(), updated["tags"].clone()), (Some("Raise the limit"), json!(["memory"])));
        assert_eq!(updated["classes"], json!(["pod_crash_loop", "pod_oom_killed"]));
        assert_eq!(updated["createdAt"], rb["createdAt"]);

        // Filters: class, tag, text.
        create_runbook(&app, "Roll back", &["workload_progress_deadline"]).await;
        let list = |q: &'static str| { let app = &app; async move { call(app, Method::GET, &format!("/api/memory/runbooks?{q}"), VIEWER_TOKEN, None).await.1 } };
        assert_eq!(titles(&list("").await), ["Raise the limit", "Roll back"]);
        assert_eq!(titles(&list("class=pod_crash_loop").await), ["Raise the limit"]);
        assert_eq!(titles(&list("tag=oom").await), Vec::<&str>::new());
        assert_eq!(titles(&list("q=MORE").await), ["Raise the limit"]);

        // Validation, with stable codes.
        for bad in [
            json!({"title": "  "}),
            json!({"title": "x".repeat(201)}),
            json!({"title": "t", "body": "x".repeat(64 * 1024 + 1)}),
            json!({"title": "t", "tags": ["Memory"]}),
            json!({"title": "t", "tags": (0..21).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
        ] {
            let (status, e) = call(&app, Method::POST, "/api/memory/runbooks", OPERATOR_TOKEN, Some(bad)).await;
            assert_error(status, &e, 422, "invalid_runbook");
        }
        let (status, e) = call(&app, Method::POST, "/api/memory/runbooks", OPERATOR_TOKEN, Some(json!({"title": "t", "classes": ["no_such_class"]}))).await;
        assert_error(status, &e, 400, "invalid_body");
        let (status, e) = call(&app, Method::PUT, "/api/memory/runbooks/nope", OPERATOR_TOKEN, Some(change)).await;
        assert_error(status, &e, 404, "not_found");
        let (status, e) = call(&app, Method::GET, "/api/memory/runbooks?class=nope", VIEWER_TOKEN, None).await;
        assert_error(status, &e, 400, "invalid_query");

        // Roles: viewers read, operators write, admins delete.
        let (status, _) = call(&app, Method::POST, "/api/memory/runbooks", VIEWER_TOKEN, Some(json!({"title": "t"}))).await;
        assert_eq!(status, 403);
        let (status, _) = call(&app, Method::POST, "/api/memory/fixes", VIEWER_TOKEN, Some(json!({"action": "a", "success": true}))).await;
        assert_eq!(status, 403);
        let (status, _) = call(&app, Method::DELETE, &format!("/api/memory/runbooks/{id}"), OPERATOR_TOKEN, None).await;
        assert_eq!(status, 403);
        let (status, _) = call(&app, Method::DELETE, &format!("/api/memory/runbooks/{id}"), ADMIN_TOKEN, None).await;
        assert_eq!(status, 204);
        let (status, e) = call(&app, Method::GET, &format!("/api/memory/runbooks/{id}"), VIEWER_TOKEN, None).await;
        assert_error(status, &e, 404, "not_found");
        let (status, _) = call(&app, Method::DELETE, &format!("/api/memory/runbooks/{id}"), ADMIN_TOKEN, None).await;
        assert_eq!(status, 404);

        // Each write left its audit row.
        for (verb, name) in [("create", id.as_str()), ("update", id.as_str()), ("delete", id.as_str())] {
            let rows = app.audit(&format!("verb={verb}&name={name}")).await;
            assert!(rows.iter().any(|r| r["resourceType"] == "runbook" && r["outcome"] == "success"), "{verb}: {rows:?}");
        }
        app.stop().await;
    }

    async fn runbooks_rank_by_their_fixes(db) {
        let app = TestApp::start(db).await;
        let restart = create_runbook(&app, "A: restart it", &["pod_crash_loop"]).await;
        let config = create_runbook(&app, "B: fix the config", &["pod_crash_loop", "pod_config_missing"]).await;
        create_runbook(&app, "C: unrelated", &["node_not_ready"]).await;
        let ranked = |class: &'static str| { let app = &app; async move { call(app, Method::GET, &format!("/api/memory/runbooks?class={class}"), VIEWER_TOKEN, None).await.1 } };
        assert_eq!(titles(&ranked("pod_crash_loop").await), ["A: restart it", "B: fix the config"]);

        record_fix(&app, &restart, "pod_crash_loop", false).await;
        record_fix(&app, &config, "pod_crash_loop", true).await;
        let list = ranked("pod_crash_loop").await;
        assert_eq!(titles(&list), ["B: fix the config", "A: restart it"]);
        let first = &list["items"][0];
        assert_eq!((first["successes"].as_i64(), first["failures"].as_i64()), (Some(1), Some(0)), "{first}");
        assert!(first["lastUsedAt"].is_string(), "{first}");

        // Two successes out of three beat one out of one; fixes of another class do not count.
        record_fix(&app, &restart, "pod_crash_loop", true).await;
        record_fix(&app, &restart, "pod_crash_loop", true).await;
        record_fix(&app, &config, "pod_config_missing", true).await;
        record_fix(&app, &config, "pod_config_missing", true).await;
        let list = ranked("pod_crash_loop").await;
        assert_eq!(titles(&list), ["A: restart it", "B: fix the config"]);
        assert_eq!((list["items"][0]["successes"].as_i64(), list["items"][0]["failures"].as_i64()), (Some(2), Some(1)));
        assert_eq!(list["items"][1]["successes"].as_i64(), Some(1));
        // The runbook itself counts every class.
        let (_, b) = call(&app, Method::GET, &format!("/api/memory/runbooks/{config}"), VIEWER_TOKEN, None).await;
        assert_eq!(b["successes"].as_i64(), Some(3), "{b}");

        // The fixes, newest first, filtered.
        let (status, fixes) = call(&app, Method::GET, &format!("/api/memory/fixes?runbookId={restart}"), VIEWER_TOKEN, None).await;
        assert_eq!(status, 200, "{fixes}");
        let success: Vec<bool> = fixes["items"].as_array().unwrap().iter().map(|f| f["success"].as_bool().unwrap()).collect();
        assert_eq!(success, [true, true, false]);
        let (_, fixes) = call(&app, Method::GET, "/api/memory/fixes?class=pod_config_missing&limit=1", VIEWER_TOKEN, None).await;
        assert_eq!(fixes["items"].as_array().unwrap().len(), 1);
        assert_eq!(fixes["items"][0]["runbookId"].as_str(), Some(config.as_str()));
        let (status, e) = call(&app, Method::GET, "/api/memory/fixes?limit=0", VIEWER_TOKEN, None).await;
        assert_error(status, &e, 400, "invalid_query");
        app.stop().await;
    }

    async fn fixes_take_their_finding_and_outlive_their_runbook(db) {
        let app = TestApp::start(db).await;
        let store = db.store().await;
        let finding = json!({"id": "f-oom"});
        store.write_findings(&[FindingWrite {
            id: "f-oom", cluster: "prod", namespace: "shop", kind: "Pod", name: "api-1",
            class: "pod_oom_killed", severity: "critical", body: &finding,
        }], &[], fleetdeck::store::now()).await.unwrap();
        let runbook = create_runbook(&app, "Raise the limit", &["pod_oom_killed"]).await;

        // From a stored finding: its class, cluster and object; those given are ignored.
        let body = json!({"findingId": "f-oom", "runbookId": runbook, "class": "node_not_ready",
            "action": "patch_memory_limit", "success": true, "note": "512Mi → 1Gi"});
        let (status, fix) = call(&app, Method::POST, "/api/memory/fixes", OPERATOR_TOKEN, Some(body)).await;
        assert_eq!(status, 201, "{fix}");
        assert_eq!((fix["class"].as_str(), fix["cluster"].as_str()), (Some("pod_oom_killed"), Some("prod")));
        assert_eq!(fix["object"], json!({"kind": "Pod", "namespace": "shop", "name": "api-1"}));
        assert_eq!((fix["recordedBy"].as_str(), fix["findingId"].as_str()), (Some("token:operator"), Some("f-oom")));
        let fix_id = fix["id"].as_str().unwrap().to_string();
        let rows = app.audit(&format!("verb=create&name={fix_id}")).await;
        assert!(rows.iter().any(|r| r["resourceType"] == "fix" && r["cluster"] == "prod"), "{rows:?}");

        // A finding that is not stored needs class, cluster and object.
        let (status, e) = call(&app, Method::POST, "/api/memory/fixes", OPERATOR_TOKEN,
            Some(json!({"findingId": "gone", "action": "restart", "success": true}))).await;
        assert_error(status, &e, 422, "invalid_fix");
        let (status, gone) = call(&app, Method::POST, "/api/memory/fixes", OPERATOR_TOKEN,
            Some(json!({"findingId": "gone", "class": "node_not_ready", "cluster": "prod",
                        "object": {"kind": "Node", "name": "node-1"}, "action": "cordon", "success": false}))).await;
        assert_eq!(status, 201, "{gone}");
        assert_eq!(gone["object"], json!({"kind": "Node", "name": "node-1"}));
        let (status, e) = call(&app, Method::POST, "/api/memory/fixes", OPERATOR_TOKEN,
            Some(json!({"class": "node_not_ready", "cluster": "prod", "object": {"kind": "Node", "name": "n".repeat(254)},
                        "action": "cordon", "success": false}))).await;
        assert_error(status, &e, 422, "invalid_fix");
        let (status, e) = call(&app, Method::POST, "/api/memory/fixes", OPERATOR_TOKEN,
            Some(json!({"findingId": "f-oom", "action": " ", "success": true}))).await;
        assert_error(status, &e, 422, "invalid_fix");
        let (status, e) = call(&app, Method::POST, "/api/memory/fixes", OPERATOR_TOKEN,
            Some(json!({"findingId": "f-oom", "runbookId": "nope", "action": "restart", "success": true}))).await;
        assert_error(status, &e, 422, "unknown_runbook");
        let (_, by_finding) = call(&app, Method::GET, "/api/memory/fixes?findingId=f-oom", VIEWER_TOKEN, None).await;
        assert_eq!(by_finding["items"].as_array().unwrap().len(), 1, "{by_finding}");

        // Deleting the runbook keeps its fixes, without it.
        let (status, _) = call(&app, Method::DELETE, &format!("/api/memory/runbooks/{runbook}"), ADMIN_TOKEN, None).await;
        assert_eq!(status, 204);
        let (_, after) = call(&app, Method::GET, "/api/memory/fixes?findingId=f-oom", VIEWER_TOKEN, None).await;
        assert_eq!(after["items"][0]["id"].as_str(), Some(fix_id.as_str()));
        assert!(after["items"][0]["runbookId"].is_null(), "{after}");
        store.close().await;
        app.stop().await;
    }
}
