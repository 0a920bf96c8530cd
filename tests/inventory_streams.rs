//! Watch streams against a simulated cluster: SSE frames from the shared cache, filters moving
//! rows in and out, resume with Last-Event-ID, relists, backpressure with a reader that does not
//! read, the per-user cap, ended sessions and shutdown, per-user access, and the multiplexed
//! WebSocket with its origin check.

mod common;

use std::time::Duration;

use common::*;
use futures::{SinkExt, StreamExt};
use kube::api::{Api, DeleteParams, DynamicObject};
use kubesim::Sim;
use kubesim::auth::Rule;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::{self, Message};

const PODS: &str = "/api/clusters/shop/watch/core/v1/pods";

/// Fleetdeck (with `tune` applied to its settings) and `sim` registered as `shop`.
async fn app(db: &TestDb, sim: &Sim, authz: &str, tune: impl FnOnce(&mut fleetdeck::config::Settings)) -> TestApp {
    let mut s = with_secret_key(db);
    tune(&mut s);
    let app = TestApp::with(s).await;
    register_sim(&app, "shop", sim, authz).await;
    app
}

fn pod(ns: &str, name: &str, app: &str, restarts: u32) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": {"app": app}},
           "spec": {"containers": [{"name": "c", "image": "i"}]},
           "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": true, "restartCount": restarts, "image": "i", "imageID": "", "state": {"running": {}}}]}})
}

fn names(rows: &Value) -> Vec<String> {
    let mut names: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// `f`, which must be done within 30 s.
async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("done within 30 s")
}

/// The next frame, which must be `event`; answers its data.
async fn expect(events: &mut Events, event: &str) -> Value {
    let (got, data) = events.next().await.expect("a frame");
    assert_eq!(got, event, "{data}");
    data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_streams_a_snapshot_then_changes_and_resumes_after_its_last_frame() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let app = app(&db, &sim, "shared", |s| s.watch.heartbeat = Duration::from_millis(200)).await;

    let mut all = Events::open(&app, &format!("{PODS}?namespace=shop"), VIEWER_TOKEN).await;
    let snapshot = expect(&mut all, "snapshot").await;
    assert_eq!(names(&snapshot["items"]), ["db-1", "web-1"]);
    assert!(snapshot["resourceVersion"].as_str().is_some_and(|rv| !rv.is_empty()));
    let (_, list) = json(
        app.bearer(Method::GET, "/api/clusters/shop/pods?namespace=shop", VIEWER_TOKEN)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(snapshot["items"], list["items"], "a stream's rows are the list's rows");
    let first_id = all.last_id.clone().expect("a snapshot has an id");
    assert!(
        first_id
            .split_once('-')
            .is_some_and(|(e, s)| e.parse::<u64>().is_ok() && s.parse::<u64>().is_ok()),
        "{first_id}"
    );

    let mut web = Events::open(&app, &format!("{PODS}?labelSelector=app%3Dweb"), VIEWER_TOKEN).await;
    assert_eq!(names(&expect(&mut web, "snapshot").await["items"]), ["web-1"]);

    sim.create_or_update(pod("shop", "cart-1", "web", 0)).unwrap();
    assert_eq!(expect(&mut all, "added").await["object"]["name"], "cart-1");
    assert_eq!(expect(&mut web, "added").await["object"]["name"], "cart-1");
    sim.create_or_update(pod("shop", "cart-1", "web", 4)).unwrap();
    assert_eq!(expect(&mut all, "modified").await["object"]["restarts"], 4);
    assert_eq!(expect(&mut web, "modified").await["object"]["restarts"], 4);
    // Relabelled out of one stream's selector: deleted there, modified in the other.
    sim.create_or_update(pod("shop", "cart-1", "cart", 4)).unwrap();
    assert_eq!(expect(&mut all, "modified").await["object"]["labels"]["app"], "cart");
    assert_eq!(expect(&mut web, "deleted").await["object"]["name"], "cart-1");
    sim.create_or_update(pod("other", "api-1", "web", 0)).unwrap();
    assert_eq!(expect(&mut web, "added").await["object"]["name"], "api-1");
    // Another namespace's pod never reaches the namespace's stream: its next frame is cart-1's.
    let pods: Api<DynamicObject> = Api::namespaced_with(
        sim_client(&sim).await,
        "shop",
        &kube::api::ApiResource::erase::<k8s_openapi::api::core::v1::Pod>(&()),
    );
    pods.delete("cart-1", &DeleteParams::default()).await.unwrap();
    assert_eq!(expect(&mut all, "deleted").await["object"]["name"], "cart-1");

    // Resume: the changes made while away, and no snapshot.
    let last = all.last_id.clone().unwrap();
    drop(all);
    sim.create_or_update(pod("shop", "away-1", "web", 0)).unwrap();
    sim.create_or_update(pod("shop", "away-2", "web", 0)).unwrap();
    let resume = app
        .bearer(Method::GET, &format!("{PODS}?namespace=shop"), VIEWER_TOKEN)
        .header("last-event-id", &last);
    let mut back = Events::open_with(resume).await;
    assert_eq!(expect(&mut back, "added").await["object"]["name"], "away-1");
    assert_eq!(expect(&mut back, "added").await["object"]["name"], "away-2");
    // The query parameter does the same (EventSource cannot set headers on a new connection).
    let mut again = Events::open(&app, &format!("{PODS}?namespace=shop&lastEventId={last}"), VIEWER_TOKEN).await;
    assert_eq!(expect(&mut again, "added").await["object"]["name"], "away-1");
    // An id from another cache (or garbage) starts with a snapshot.
    for stale in ["1-1".to_string(), "nonsense".to_string()] {
        let mut fresh = Events::open(
            &app,
            &format!("{PODS}?namespace=shop&lastEventId={stale}"),
            VIEWER_TOKEN,
        )
        .await;
        assert_eq!(
            names(&expect(&mut fresh, "snapshot").await["items"]),
            ["away-1", "away-2", "db-1", "web-1"]
        );
    }
    // Quiet streams still send heartbeats.
    tokio::time::sleep(Duration::from_millis(500)).await;
    sim.create_or_update(pod("shop", "late", "web", 0)).unwrap();
    expect(&mut back, "added").await;
    assert!(back.heartbeats >= 1, "heartbeats every 200 ms");

    let metrics = app
        .metrics_until(|m| m.contains("fleetdeck_watch_streams{transport=\"sse\"} 3"))
        .await;
    assert!(metrics.contains("fleetdeck_watch_streams"), "{metrics}");
    drop((web, back, again));
    app.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_come_back_before_the_stream() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let app = app(&db, &sim, "shared", |_| {}).await;
    for (path, status, code) in [
        ("/api/clusters/nope/watch/core/v1/pods", 404, "not_found"),
        ("/api/clusters/shop/watch/core/v1/gadgets", 404, "resource_not_found"),
        (
            "/api/clusters/shop/watch/core/v1/pods?labelSelector=a%20in",
            400,
            "invalid_selector",
        ),
        ("/api/clusters/shop/watch/core/v1/pods?colour=red", 400, "invalid_query"),
    ] {
        let (got, body) = json(app.bearer(Method::GET, path, VIEWER_TOKEN).send().await.unwrap()).await;
        assert_error(got, &body, status, code);
    }
    let anonymous = app.request(Method::GET, PODS).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    app.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relist_is_announced_and_followed_by_a_snapshot() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let app = app(&db, &sim, "shared", |_| {}).await;
    let mut events = Events::open(&app, &format!("{PODS}?namespace=shop"), VIEWER_TOKEN).await;
    expect(&mut events, "snapshot").await;
    // A change seen proves the cache's watch is open: the compaction ends it with 410.
    sim.create_or_update(pod("shop", "before-410", "web", 0)).unwrap();
    expect(&mut events, "added").await;
    sim.compact();
    sim.create_or_update(pod("shop", "after-410", "web", 0)).unwrap();
    let relist = loop {
        // The pod may come as a change of the old watch before the relist, or only in the new list.
        let (event, data) = events.next().await.unwrap();
        if event == "relist" {
            break data;
        }
        assert_eq!(event, "added", "{data}");
    };
    assert_eq!(relist, json!({"reason": "gone_410"}));
    let snapshot = expect(&mut events, "snapshot").await;
    assert_eq!(names(&snapshot["items"]), ["after-410", "before-410", "db-1", "web-1"]);
    drop(events);
    app.stop().await;
    db.cleanup().await;
}

/// A client that stops reading: once it is a buffer's worth of changes behind, it is switched to
/// a fresh snapshot instead of the server queueing for it without bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_falls_behind_gets_backpressure_and_a_snapshot() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let app = app(&db, &sim, "shared", |_| {}).await;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut slow = socket.connect(app.server.addr).await.unwrap();
    let request = format!(
        "GET {PODS}?namespace=load HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {VIEWER_TOKEN}\r\n\r\n",
        app.server.addr
    );
    slow.write_all(request.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    let mut buf = vec![0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("event: snapshot") {
        let n = within(slow.read(&mut buf)).await.unwrap();
        seen.extend_from_slice(&buf[..n]);
    }

    // Far more changes than a stream may fall behind (the cache's buffer of 1,024).
    // Rows of about 2 KB, so that socket buffers fill long before the changes run out.
    let filler: serde_json::Map<String, Value> = (0..24)
        .map(|k| (format!("filler-{k}"), json!("x".repeat(60))))
        .collect();
    for i in 0..6000 {
        let mut p = pod("load", &format!("p{}", i % 300), "load", i);
        p["metadata"]["labels"].as_object_mut().unwrap().extend(filler.clone());
        sim.create_or_update(p).unwrap();
    }
    // The cache has every change before the reader reads again.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let path = "/api/clusters/shop/resources/core/v1/pods/load/p299";
        let (_, last) = json(app.bearer(Method::GET, path, VIEWER_TOKEN).send().await.unwrap()).await;
        if last["status"]["containerStatuses"][0]["restartCount"] == 5999 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the cache never caught up: {last}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Reading again: the frames it kept, a backpressure frame, then a snapshot of all 300 pods.
    let text = loop {
        let n = within(slow.read(&mut buf)).await.unwrap();
        assert!(n > 0, "the stream stays open");
        seen.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&seen).to_string();
        if let Some(at) = text.find("event: backpressure")
            && let Some(end) = text[at..]
                .find("event: snapshot")
                .and_then(|s| text[at + s..].find("\n\n").map(|e| at + s + e))
        {
            break text[at..end].to_string();
        }
    };
    let data = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .next_back()
        .unwrap();
    let snapshot: Value = serde_json::from_str(data).unwrap();
    assert_eq!(snapshot["items"].as_array().unwrap().len(), 300);
    app.metrics_until(|m| {
        m.lines().any(|l| {
            l.strip_prefix("fleetdeck_watch_backpressure_total ")
                .is_some_and(|n| n.trim() != "0")
        })
    })
    .await;
    drop(slow);
    app.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_user_has_a_cap_on_open_streams() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let app = app(&db, &sim, "shared", |s| {
        s.watch.streams_per_user = 2;
        // A stream notices a reader has gone when it next writes.
        s.watch.heartbeat = Duration::from_millis(100);
    })
    .await;
    let mut one = Events::open(&app, PODS, VIEWER_TOKEN).await;
    let mut two = Events::open(&app, PODS, VIEWER_TOKEN).await;
    expect(&mut one, "snapshot").await;
    expect(&mut two, "snapshot").await;
    let mut third = Events::open(&app, PODS, VIEWER_TOKEN).await;
    let refused = expect(&mut third, "error").await;
    assert_eq!(refused["code"], "stream_cap");
    assert!(refused["message"].as_str().unwrap().contains("at most 2"), "{refused}");
    assert!(third.next().await.is_none(), "the refused stream closes");
    // Another user has streams of their own; a closed stream frees its place.
    let mut admin = Events::open(&app, PODS, ADMIN_TOKEN).await;
    expect(&mut admin, "snapshot").await;
    drop(one);
    app.metrics_until(|m| m.contains("fleetdeck_watch_streams{transport=\"sse\"} 2"))
        .await;
    let mut again = Events::open(&app, PODS, VIEWER_TOKEN).await;
    expect(&mut again, "snapshot").await;
    drop((two, admin, again));
    app.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_ends_with_its_session_and_with_the_server() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let app = app(&db, &sim, "shared", |s| {
        s.watch.session_check = Duration::from_millis(100)
    })
    .await;
    app.create_user("ann", "viewer", "correct horse battery").await;
    let ann = app.login("ann", "correct horse battery").await;
    let mut events = Events::open_with(ann.get(app.url(PODS))).await;
    expect(&mut events, "snapshot").await;
    let r = ann.post(app.url("/api/auth/logout")).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(expect(&mut events, "auth_expired").await, json!({}));
    assert!(events.next().await.is_none(), "the stream closes");

    let mut events = Events::open(&app, PODS, VIEWER_TOKEN).await;
    expect(&mut events, "snapshot").await;
    let started = std::time::Instant::now();
    let stopping = tokio::spawn(app.stop());
    assert_eq!(expect(&mut events, "server_shutdown").await, json!({}));
    assert!(events.next().await.is_none());
    within(stopping).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "streams do not hold the shutdown"
    );
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_show_only_what_kubernetes_lets_the_user_list() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    sim.add_rule(Rule::group(
        "fleetdeck:viewers",
        &["get", "list", "watch"],
        &[""],
        &["pods"],
        &["shop"],
    ));
    let app = app(&db, &sim, "impersonate", |_| {}).await;
    let mut events = Events::open(&app, PODS, VIEWER_TOKEN).await;
    assert_eq!(
        names(&expect(&mut events, "snapshot").await["items"]),
        ["db-1", "web-1"]
    );
    sim.create_or_update(pod("other", "hidden", "web", 0)).unwrap();
    sim.create_or_update(pod("shop", "shown", "web", 0)).unwrap();
    assert_eq!(expect(&mut events, "added").await["object"]["name"], "shown");
    let (status, body) = json(
        app.bearer(Method::GET, "/api/clusters/shop/watch/core/v1/secrets", VIEWER_TOKEN)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 403, "kube_forbidden");
    drop(events);
    app.stop().await;
    db.cleanup().await;
}

type Socket = WsSocket;

async fn ws_connect(app: &TestApp, headers: &[(&str, String)]) -> Result<Socket, tungstenite::Error> {
    common::ws_connect(app, "/api/stream/ws", headers).await
}

/// The next JSON message (pings skipped).
async fn message(socket: &mut Socket) -> Value {
    loop {
        let m = within(socket.next()).await.expect("the socket is open").unwrap();
        match m {
            Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

async fn send(socket: &mut Socket, message: Value) {
    socket.send(Message::Text(message.to_string().into())).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_websocket_carries_many_subscriptions() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let app = app(&db, &sim, "shared", |s| {
        s.watch.session_check = Duration::from_millis(100)
    })
    .await;
    let bearer = [("authorization", format!("Bearer {VIEWER_TOKEN}"))];
    let mut socket = ws_connect(&app, &bearer).await.unwrap();
    let subscribe = |id: &str, resource: &str, namespace: Option<&str>| json!({"type": "subscribe", "id": id, "cluster": "shop", "group": "core", "version": "v1", "resource": resource, "namespace": namespace});
    send(&mut socket, subscribe("pods", "pods", Some("shop"))).await;
    send(&mut socket, subscribe("ns", "namespaces", None)).await;
    let mut snapshots = [message(&mut socket).await, message(&mut socket).await];
    snapshots.sort_by_key(|m| m["id"].as_str().unwrap().to_string());
    assert_eq!(
        (snapshots[0]["id"].as_str(), snapshots[0]["event"].as_str()),
        (Some("ns"), Some("snapshot"))
    );
    assert_eq!(names(&snapshots[1]["data"]["items"]), ["db-1", "web-1"]);
    assert!(
        snapshots[1]["seq"].as_str().is_some_and(|s| s.contains('-')),
        "{}",
        snapshots[1]
    );

    sim.create_or_update(pod("shop", "cart-1", "web", 0)).unwrap();
    let added = message(&mut socket).await;
    assert_eq!(
        (added["id"].as_str(), added["event"].as_str()),
        (Some("pods"), Some("added"))
    );
    assert_eq!(added["data"]["object"]["name"], "cart-1");

    // Unsubscribed, the pods stream says nothing more; the namespaces one still speaks.
    send(&mut socket, json!({"type": "unsubscribe", "id": "pods"})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    sim.create_or_update(pod("shop", "cart-2", "web", 0)).unwrap();
    sim.create_or_update(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "new-ns"}}))
        .unwrap();
    let next = message(&mut socket).await;
    assert_eq!(
        (next["id"].as_str(), next["event"].as_str()),
        (Some("ns"), Some("added")),
        "{next}"
    );

    // Bad messages and failed subscriptions answer with error frames; the socket stays.
    socket.send(Message::Text("{not json".into())).await.unwrap();
    let bad = message(&mut socket).await;
    assert_eq!(
        (bad["id"].clone(), bad["data"]["code"].clone()),
        (Value::Null, json!("invalid_message"))
    );
    send(&mut socket, json!({"type": "subscribe", "id": "x", "cluster": "nope", "group": "core", "version": "v1", "resource": "pods"})).await;
    let failed = message(&mut socket).await;
    assert_eq!(
        (
            failed["id"].as_str(),
            failed["event"].as_str(),
            failed["data"]["code"].as_str()
        ),
        (Some("x"), Some("error"), Some("not_found"))
    );
    // Resuming a subscription from its last seq: only what came after.
    let seq = added["seq"].as_str().unwrap();
    send(&mut socket, json!({"type": "subscribe", "id": "again", "cluster": "shop", "group": "core", "version": "v1", "resource": "pods", "namespace": "shop", "lastEventId": seq})).await;
    let resumed = message(&mut socket).await;
    assert_eq!(
        (resumed["id"].as_str(), resumed["event"].as_str()),
        (Some("again"), Some("added"))
    );
    assert_eq!(resumed["data"]["object"]["name"], "cart-2");
    drop(socket);

    // A session's socket closes with 1008 when the session ends.
    app.create_user("ann", "viewer", "correct horse battery").await;
    let r = app
        .request(Method::POST, "/api/auth/login")
        .json(&json!({"username": "ann", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let mut socket = ws_connect(&app, &[("cookie", cookie.clone()), ("origin", app.base.clone())])
        .await
        .unwrap();
    send(&mut socket, subscribe("pods", "pods", None)).await;
    assert_eq!(message(&mut socket).await["event"], "snapshot");
    let r = app
        .request(Method::POST, "/api/auth/logout")
        .header("cookie", &cookie)
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let closed = loop {
        match within(socket.next()).await {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(Message::Text(text))) => assert!(text.contains("auth_expired"), "{text}"),
            Some(Ok(_)) => continue,
            other => panic!("no close frame: {other:?}"),
        }
    };
    assert_eq!(u16::from(closed.expect("a close frame").code), 1008);
    app.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_upgrades_are_checked() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let app = app(&db, &sim, "shared", |s| {
        s.trusted_origins = vec!["https://console.example.com".into()]
    })
    .await;
    let bearer = ("authorization", format!("Bearer {VIEWER_TOKEN}"));
    let refused = ws_connect(&app, &[bearer.clone(), ("origin", "https://evil.example.com".into())]).await;
    match refused {
        Err(tungstenite::Error::Http(r)) => assert_eq!(r.status(), 403),
        other => panic!("a foreign origin was let in: {:?}", other.map(|_| ())),
    }
    for origin in [app.base.clone(), "https://console.example.com".into()] {
        assert!(ws_connect(&app, &[bearer.clone(), ("origin", origin)]).await.is_ok());
    }
    match ws_connect(&app, &[]).await {
        Err(tungstenite::Error::Http(r)) => assert_eq!(r.status(), 401),
        other => panic!("an anonymous upgrade was let in: {:?}", other.map(|_| ())),
    }
    let (status, body) = json(
        app.bearer(Method::GET, "/api/stream/ws", VIEWER_TOKEN)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 426, "upgrade_required");
    app.stop().await;
    db.cleanup().await;
}
