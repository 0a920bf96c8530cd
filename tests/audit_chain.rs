//! The audit hash chain: many writes, edits and deletions made in the database, pruning, an
//! upgraded store, and two replicas writing at once; GET /api/audit/verify reports it.

mod common;

use common::*;
use fleetdeck::audit::model::{AuditEvent, Outcome};
use fleetdeck::store::audit::AuditFilter;
use fleetdeck::store::{Db, Store};
use reqwest::Method;
use serde_json::{Value, json};

fn row(verb: &str, at: chrono::DateTime<chrono::Utc>) -> AuditEvent {
    AuditEvent {
        id: uuid::Uuid::now_v7().to_string(),
        at,
        actor: "token:operator".into(),
        actor_method: "token".into(),
        verb: verb.into(),
        resource_type: "thing".into(),
        cluster: Some("prod-1".into()),
        namespace: None,
        name: Some(format!("{verb}-target")),
        outcome: Outcome::Success,
        http_status: 200,
        request_id: uuid::Uuid::new_v4().simple().to_string(),
        client_ip: "127.0.0.1".into(),
        reason: None,
    }
}

/// `n` rows a minute apart ending now; the times carry nanoseconds, which the store drops.
async fn write_rows(store: &Store, verb: &str, n: i64) -> Vec<AuditEvent> {
    let now = chrono::Utc::now();
    let mut rows = Vec::new();
    for i in 0..n {
        let e = row(
            verb,
            now - chrono::Duration::minutes(n - i) + chrono::Duration::nanoseconds(789),
        );
        store.insert_audit(&e).await.unwrap();
        rows.push(e);
    }
    rows
}

/// Runs one statement straight in the database, as someone with access to it could.
async fn tamper(store: &Store, sql: &str, id: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    let changed = match &store.db {
        Db::Sqlite(pool) => sqlx::query(sql).bind(id).execute(pool).await.unwrap().rows_affected(),
        Db::Postgres(pool) => sqlx::query(sql).bind(id).execute(pool).await.unwrap().rows_affected(),
    };
    assert_eq!(changed, 1, "{id}");
}

async fn verify(app: &TestApp, query: &str) -> Value {
    let r = app
        .bearer(Method::GET, &format!("/api/audit/verify{query}"), ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let (status, body) = json(r).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        .replace('+', "%2B")
}

on_both_backends! {
    async fn many_writes_keep_one_chain_and_an_edit_is_reported_at_its_row(db) {
        let app = TestApp::start(db).await;
        let store = &app.server.state.store;
        let rows = write_rows(store, "scale", 120).await;
        let all = verify(&app, "").await;
        assert_eq!(all["ok"], true, "{all}");
        assert_eq!(all["checked"], 120);
        assert_eq!(all["head"]["seq"], 120);
        assert_eq!(all["anchor"], json!({"seq": 0, "hash": "0".repeat(64)}));
        assert_eq!(all["firstBroken"], Value::Null);

        let window = verify(&app, &format!("?from={}&to={}", rfc3339(rows[10].at), rfc3339(rows[19].at))).await;
        assert_eq!((window["ok"].as_bool(), window["checked"].as_i64()), (Some(true), Some(10)), "{window}");

        let edited = &rows[60];
        tamper(store, "UPDATE audit_events SET actor = 'nobody' WHERE id = $1", &edited.id).await;
        let broken = verify(&app, "").await;
        assert_eq!(broken["ok"], false);
        assert_eq!(broken["checked"], 61, "the walk stops at the first break");
        let at = &broken["firstBroken"];
        assert_eq!((at["id"].as_str(), at["seq"].as_i64(), at["problem"].as_str()), (Some(edited.id.as_str()), Some(61), Some("row_altered")), "{broken}");
        assert_ne!(at["expected"], at["found"]);
        // A range that ends before the edit still holds; one that covers it does not.
        let before = verify(&app, &format!("?to={}", rfc3339(rows[59].at))).await;
        assert_eq!((before["ok"].as_bool(), before["checked"].as_i64()), (Some(true), Some(60)), "{before}");
        let around = verify(&app, &format!("?from={}&to={}", rfc3339(rows[55].at), rfc3339(rows[65].at))).await;
        assert_eq!(around["firstBroken"]["id"], edited.id.as_str());
        app.stop().await;
    }

    async fn deleted_rows_are_reported(db) {
        let app = TestApp::start(db).await;
        let store = &app.server.state.store;
        let rows = write_rows(store, "restart", 20).await;
        tamper(store, "DELETE FROM audit_events WHERE id = $1", &rows[19].id).await;
        let tail = verify(&app, "").await;
        let at = &tail["firstBroken"];
        assert_eq!((at["seq"].as_i64(), at["id"].as_str(), at["problem"].as_str()), (Some(20), None, Some("head_mismatch")), "{tail}");

        tamper(store, "DELETE FROM audit_events WHERE id = $1", &rows[7].id).await;
        let middle = verify(&app, "").await;
        let at = &middle["firstBroken"];
        assert_eq!((at["id"].as_str(), at["problem"].as_str()), (Some(rows[8].id.as_str()), Some("rows_missing")), "{middle}");
        assert_eq!((at["expected"].as_str(), at["found"].as_str()), (Some("8"), Some("9")));
        app.stop().await;
    }

    async fn pruning_keeps_the_chain_verifiable(db) {
        let app = TestApp::start(db).await;
        let store = &app.server.state.store;
        let now = fleetdeck::store::now();
        for days in [120, 110, 100, 30, 20] {
            store.insert_audit(&row("old", now - chrono::Duration::days(days))).await.unwrap();
        }
        // Written late with an old time: it waits until the rows before it go.
        store.insert_audit(&row("late", now - chrono::Duration::days(200))).await.unwrap();
        store.insert_audit(&row("new", now)).await.unwrap();
        fleetdeck::audit::retention::prune_once(store, std::time::Duration::from_secs(90 * 86400)).await;
        let pruned = verify(&app, "").await;
        assert_eq!(pruned["ok"], true, "{pruned}");
        assert_eq!((pruned["anchor"]["seq"].as_i64(), pruned["checked"].as_i64()), (Some(3), Some(4)));
        write_rows(store, "after", 3).await;
        let later = verify(&app, &format!("?from={}", rfc3339(now - chrono::Duration::days(365)))).await;
        assert_eq!((later["ok"].as_bool(), later["checked"].as_i64()), (Some(true), Some(7)), "{later}");
        // A row deleted right after the anchor is still caught.
        let first: Value = app.audit("verb=old").await.last().cloned().unwrap();
        tamper(store, "DELETE FROM audit_events WHERE id = $1", first["id"].as_str().unwrap()).await;
        let gap = verify(&app, "").await;
        assert_eq!(gap["firstBroken"]["problem"], "rows_missing", "{gap}");
        app.stop().await;
    }

    async fn only_admins_verify(db) {
        let app = TestApp::start(db).await;
        for token in [VIEWER_TOKEN, OPERATOR_TOKEN] {
            let r = app.bearer(Method::GET, "/api/audit/verify", token).send().await.unwrap();
            let (status, body) = json(r).await;
            assert_error(status, &body, 403, "forbidden");
        }
        let r = app.request(Method::GET, "/api/audit/verify").send().await.unwrap();
        assert_eq!(r.status(), 401);
        let r = app.bearer(Method::GET, "/api/audit/verify?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z", ADMIN_TOKEN).send().await.unwrap();
        let (status, body) = json(r).await;
        assert_error(status, &body, 400, "invalid_query");
        let r = app.bearer(Method::GET, "/api/audit/verify?since=yesterday", ADMIN_TOKEN).send().await.unwrap();
        assert_eq!(r.status(), 400);
        app.stop().await;
    }

    async fn two_replicas_writing_at_once_keep_one_chain(db) {
        let a = TestApp::with(settings(db)).await;
        let b = TestApp::with(settings(db)).await;
        let mut writers = Vec::new();
        for (n, app) in [&a, &b, &a, &b, &a, &b].into_iter().enumerate() {
            let (client, url) = (app.client.clone(), app.url("/api/auth/api-keys"));
            let store = app.server.state.store.clone();
            writers.push(tokio::spawn(async move {
                for i in 0..15 {
                    let r = client.post(&url).bearer_auth(ADMIN_TOKEN)
                        .json(&json!({"name": format!("key-{n}-{i}"), "role": "viewer"}))
                        .send().await.unwrap();
                    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
                    store.insert_audit(&row("direct", fleetdeck::store::now())).await.unwrap();
                }
            }));
        }
        for w in writers {
            w.await.unwrap();
        }
        for app in [&a, &b] {
            let v = verify(app, "").await;
            assert_eq!((v["ok"].as_bool(), v["checked"].as_i64(), v["head"]["seq"].as_i64()), (Some(true), Some(180), Some(180)), "{v}");
        }
        assert_eq!(a.audit("verb=api_key_create&limit=500").await.len(), 90);
        a.stop().await;
        b.stop().await;
    }

    async fn many_concurrent_inserts_share_commits_and_keep_one_chain(db) {
        let store = db.store().await;
        let mut writers = Vec::new();
        for task in 0..16 {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                for _ in (task..500).step_by(16) {
                    let e = row("burst", fleetdeck::store::now());
                    store.insert_audit(&e).await.unwrap();
                    let mine = AuditFilter { request_id: Some(e.request_id.clone()), ..Default::default() };
                    let (found, total) = store.query_audit(&mine, 10, 0).await.unwrap();
                    assert_eq!((total, found[0].id.as_str()), (1, e.id.as_str()), "committed once it returns");
                }
            }));
        }
        for w in writers {
            w.await.unwrap();
        }
        let v = store.verify_audit(None, None).await.unwrap();
        assert!(v.ok && v.checked == 500 && v.head.seq == 500, "{v:?}");
        store.close().await;
        let closed = store.insert_audit(&row("late", fleetdeck::store::now())).await;
        assert!(matches!(closed, Err(sqlx::Error::PoolClosed)), "{closed:?}");
    }

    async fn a_row_the_store_refuses_fails_alone(db) {
        let store = db.store().await;
        let taken = row("first", fleetdeck::store::now());
        store.insert_audit(&taken).await.unwrap();
        // Queued together, so they are likely written as one batch.
        let mut rows: Vec<AuditEvent> = (0..30).map(|_| row("batch", fleetdeck::store::now())).collect();
        rows.insert(15, taken.clone());
        let results = futures::future::join_all(rows.iter().map(|e| store.insert_audit(e))).await;
        for (e, result) in rows.iter().zip(&results) {
            assert_eq!(result.is_err(), e.id == taken.id, "{}: {result:?}", e.verb);
        }
        let v = store.verify_audit(None, None).await.unwrap();
        assert!(v.ok && v.checked == 31, "{v:?}");
        store.close().await;
    }

    async fn an_upgraded_store_chains_the_rows_it_had(db) {
        // The store as it was before the chain, with rows in it.
        let folder = format!("{}/migrations/{}", env!("CARGO_MANIFEST_DIR"), db.backend);
        let before = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap().to_string_lossy().as_ref() < "0005" {
                std::fs::copy(&path, before.path().join(path.file_name().unwrap())).unwrap();
            }
        }
        let old = sqlx::migrate::Migrator::new(before.path()).await.unwrap();
        let store = Store::connect(&db.url).await.unwrap();
        let insert = "INSERT INTO audit_events (id, at, actor, actor_method, verb, resource_type, outcome, http_status, request_id, client_ip) \
                      VALUES ($1, $2, 'alice', 'password', 'create', 'user', 'success', 201, 'r', '10.0.0.1')";
        let now = fleetdeck::store::now();
        match &store.db {
            Db::Sqlite(pool) => {
                old.run(pool).await.unwrap();
                for i in 0..5 {
                    sqlx::query(insert).bind(format!("old-{i}")).bind(now - chrono::Duration::hours(i)).execute(pool).await.unwrap();
                }
            }
            Db::Postgres(pool) => {
                old.run(pool).await.unwrap();
                for i in 0..5 {
                    sqlx::query(insert).bind(format!("old-{i}")).bind(now - chrono::Duration::hours(i)).execute(pool).await.unwrap();
                }
            }
        }
        store.close().await;

        let app = TestApp::start(db).await;
        write_rows(&app.server.state.store, "new", 2).await;
        let v = verify(&app, "").await;
        assert_eq!((v["ok"].as_bool(), v["checked"].as_i64()), (Some(true), Some(7)), "{v}");
        app.stop().await;
        // A second start leaves the chain as it is.
        let app = TestApp::start(db).await;
        assert_eq!(verify(&app, "").await["head"], v["head"]);
        let oldest = app.audit("actor=alice&limit=500").await;
        assert_eq!(oldest.last().unwrap()["id"], "old-4", "rows keep their time order");
        app.stop().await;
    }
}
