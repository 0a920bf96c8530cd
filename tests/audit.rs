//! The audit log: filters, paging, self/all scope, retention.

mod common;

use common::*;
use fleetdeck::audit::model::{AuditEvent, Outcome};
use fleetdeck::store::audit::AuditFilter;
use reqwest::Method;
use serde_json::{Value, json};

fn row(actor: &str, verb: &str, outcome: Outcome, at: chrono::DateTime<chrono::Utc>) -> AuditEvent {
    AuditEvent {
        id: uuid::Uuid::now_v7().to_string(),
        at,
        actor: actor.into(),
        actor_method: "token".into(),
        verb: verb.into(),
        resource_type: "thing".into(),
        cluster: Some("prod-1".into()),
        namespace: Some("web".into()),
        name: Some(format!("{verb}-target")),
        outcome,
        http_status: if outcome == Outcome::Success { 200 } else { 403 },
        request_id: uuid::Uuid::new_v4().simple().to_string(),
        client_ip: "127.0.0.1".into(),
        reason: None,
    }
}

on_both_backends! {
    async fn filters_paging_and_scope(db) {
        let app = TestApp::start(db).await;
        let store = &app.server.state.store;
        let now = fleetdeck::store::now();
        for i in 0..30 {
            let actor = if i % 3 == 0 { "token:viewer" } else { "token:operator" };
            let outcome = if i % 5 == 0 { Outcome::Denied } else { Outcome::Success };
            store.insert_audit(&row(actor, "scale", outcome, now - chrono::Duration::minutes(60 - i))).await.unwrap();
        }
        let page = |token: &str, q: &str| {
            let r = app.bearer(Method::GET, &format!("/api/audit?{q}"), token).send();
            async move {
                let r = r.await.unwrap();
                let scope = r.headers()["x-audit-scope"].to_str().unwrap().to_string();
                let (status, body) = json(r).await;
                assert_eq!(status, 200, "{body}");
                (scope, body)
            }
        };
        let (scope, all) = page(ADMIN_TOKEN, "verb=scale&limit=7&offset=7").await;
        assert_eq!(scope, "all");
        assert_eq!((all["total"].as_i64(), all["limit"].as_i64(), all["offset"].as_i64()), (Some(30), Some(7), Some(7)));
        let items = all["items"].as_array().unwrap();
        assert_eq!(items.len(), 7);
        let times: Vec<&str> = items.iter().map(|e| e["at"].as_str().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");

        let (_, denied) = page(ADMIN_TOKEN, "outcome=denied&actor=token:operator").await;
        assert_eq!(denied["total"], 4, "i in 5,10,20,25");
        let (_, in_window) = page(ADMIN_TOKEN, &format!("verb=scale&from={}&to={}",
            urlencode(now - chrono::Duration::minutes(40)), urlencode(now - chrono::Duration::minutes(31)))).await;
        assert_eq!(in_window["total"], 10, "minutes 40..=31 before now");
        let (_, named) = page(ADMIN_TOKEN, "cluster=prod-1&namespace=web&name=scale-target&limit=1").await;
        assert_eq!(named["total"], 30);

        // Others see only their own rows, whatever they ask for.
        let (scope, own) = page(VIEWER_TOKEN, "verb=scale").await;
        assert_eq!(scope, "self");
        assert_eq!(own["total"], 10);
        assert!(own["items"].as_array().unwrap().iter().all(|e| e["actor"] == "token:viewer"));
        let (_, theirs) = page(VIEWER_TOKEN, "actor=token:operator").await;
        assert_eq!(theirs["total"], 0);
        assert_eq!(theirs["items"], json!([]));
        app.stop().await;
    }

    async fn each_write_leaves_one_complete_row(db) {
        let app = TestApp::start(db).await;
        let r = app
            .bearer(Method::POST, "/api/users", ADMIN_TOKEN)
            .header("x-request-id", "create-carl")
            .json(&json!({"username": "carl", "role": "viewer", "password": "carl's long password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let rows = app.audit("request_id=create-carl").await;
        assert_eq!(rows.len(), 1);
        let e = &rows[0];
        for (field, want) in [
            ("actor", json!("token:admin")),
            ("actorMethod", json!("token")),
            ("verb", json!("create")),
            ("resourceType", json!("user")),
            ("outcome", json!("success")),
            ("httpStatus", json!(201)),
            ("clientIp", json!("127.0.0.1")),
            ("cluster", Value::Null),
            ("reason", Value::Null),
        ] {
            assert_eq!(e[field], want, "{field} in {e}");
        }
        assert!(!e.to_string().contains("carl's long password"));
        // Reads are not audited.
        let before = app.audit("limit=500").await.len();
        app.bearer(Method::GET, "/api/users", ADMIN_TOKEN).send().await.unwrap();
        app.bearer(Method::GET, "/api/users/carl", ADMIN_TOKEN).send().await.unwrap();
        assert_eq!(app.audit("limit=500").await.len(), before);
        app.stop().await;
    }

    async fn retention_prunes_old_rows(db) {
        let store = db.store().await;
        let now = fleetdeck::store::now();
        store.insert_audit(&row("a", "old", Outcome::Success, now - chrono::Duration::days(100))).await.unwrap();
        store.insert_audit(&row("a", "new", Outcome::Success, now - chrono::Duration::days(10))).await.unwrap();
        fleetdeck::audit::retention::prune_once(&store, std::time::Duration::from_secs(90 * 86400)).await;
        let (rows, total) = store.query_audit(&AuditFilter::default(), 10, 0).await.unwrap();
        assert_eq!(total, 1);
        assert_eq!(rows[0].verb, "new");
        store.close().await;
    }
}

fn urlencode(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        .replace('+', "%2B")
        .replace(':', "%3A")
}
