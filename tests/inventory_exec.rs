//! Pod exec against the simulator's scripted shell: the round trip, exit codes, tty and resize,
//! the container picker, the gates before the upgrade (write gate, role, origin, the cluster
//! switch, RBAC as the caller, the session caps), the idle timeout, a deleted pod, and the
//! `exec_open`/`exec_close` audit rows with their byte counts.

mod common;

use std::time::Duration;

use common::*;
use futures::{SinkExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams};
use kubesim::Sim;
use kubesim::auth::Rule;
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{self, Message};

/// A pod with two containers, the second the default one.
const SIDECAR_POD: &str = r#"
apiVersion: v1
kind: Pod
metadata:
  name: api-1
  namespace: shop
  annotations: {kubectl.kubernetes.io/default-container: proxy}
spec:
  nodeName: node-0
  containers: [{name: api, image: api:1}, {name: proxy, image: envoy:1}]
status:
  phase: Running
"#;

/// The shop fixture and [`SIDECAR_POD`].
async fn sidecar_sim() -> Sim {
    let sim = shop_sim().await;
    sim.load_yaml(SIDECAR_POD).unwrap();
    sim
}

/// Fleetdeck with writes on (unless `tune` says otherwise) and `sim` as `open` (shared) and
/// `guarded` (impersonate).
async fn app(db: &TestDb, sim: &Sim, tune: impl FnOnce(&mut fleetdeck::config::Settings)) -> TestApp {
    let mut s = with_secret_key(db);
    s.write_actions_enabled = true;
    tune(&mut s);
    let app = TestApp::with(s).await;
    register_sim(&app, "open", sim, "shared").await;
    register_sim(&app, "guarded", sim, "impersonate").await;
    app
}

fn exec_path(cluster: &str, pod: &str, query: &str) -> String {
    format!("/api/clusters/{cluster}/pods/shop/{pod}/exec?{query}")
}

fn bearer(token: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {token}"))
}

async fn open(app: &TestApp, cluster: &str, pod: &str, query: &str, token: &str) -> WsSocket {
    ws_connect(app, &exec_path(cluster, pod, query), &[bearer(token)])
        .await
        .expect("the upgrade is accepted")
}

/// The refused upgrade's status and JSON body.
async fn refused(app: &TestApp, path: &str, headers: &[(&str, String)]) -> (u16, Value, Option<String>) {
    match ws_connect(app, path, headers).await {
        Err(tungstenite::Error::Http(r)) => {
            let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
            let body = serde_json::from_slice(r.body().as_deref().unwrap_or_default()).unwrap();
            (r.status().as_u16(), body, retry)
        }
        other => panic!("the upgrade was not refused: {:?}", other.map(|_| ())),
    }
}

async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .expect("done within 20 s")
}

/// The next frame; None once the socket closes.
async fn frame(socket: &mut WsSocket) -> Option<Value> {
    loop {
        match within(socket.next()).await? {
            Ok(Message::Text(text)) => return Some(serde_json::from_str(text.as_str()).unwrap()),
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(other) => panic!("unexpected {other:?}"),
        }
    }
}

async fn send(socket: &mut WsSocket, frame: Value) {
    socket.send(Message::Text(frame.to_string().into())).await.unwrap();
}

/// Frames until one of type `until` (included), with the stdout seen on the way.
async fn read_until(socket: &mut WsSocket, until: &str) -> (String, Value) {
    let mut stdout = String::new();
    loop {
        let f = frame(socket)
            .await
            .unwrap_or_else(|| panic!("closed before {until}; stdout {stdout:?}"));
        if f["type"] == until {
            return (stdout, f);
        }
        if f["type"] == "stdout" {
            stdout.push_str(f["data"].as_str().unwrap());
        }
    }
}

/// Stdout until it contains `text`.
async fn read_stdout(socket: &mut WsSocket, text: &str) -> String {
    let mut stdout = String::new();
    while !stdout.contains(text) {
        let f = frame(socket)
            .await
            .unwrap_or_else(|| panic!("closed; stdout {stdout:?}"));
        assert_ne!(f["type"], "exit", "exited; stdout {stdout:?}");
        if f["type"] == "stdout" {
            stdout.push_str(f["data"].as_str().unwrap());
        }
    }
    stdout
}

/// The newest audit row of `verb`, waiting for it (exec_close is written as the session ends).
async fn last_audit(app: &TestApp, verb: &str) -> Value {
    for _ in 0..100 {
        if let Some(row) = app.audit(&format!("verb={verb}")).await.into_iter().next() {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {verb} audit row");
}

on_both_backends! {
    async fn a_shell_round_trip_ends_with_its_exit_code_and_two_audit_rows(db) {
        let sim = shop_sim().await;
        let app = app(db, &sim, |_| {}).await;
        let mut socket = open(&app, "open", "web-1", "", OPERATOR_TOKEN).await;
        assert_eq!(
            frame(&mut socket).await.unwrap(),
            json!({"type": "ready", "container": "web", "command": ["/bin/sh"], "tty": false})
        );
        send(&mut socket, json!({"type": "stdin", "data": "echo hi\n"})).await;
        assert_eq!(frame(&mut socket).await.unwrap(), json!({"type": "stdout", "data": "hi\n"}));
        send(&mut socket, json!({"type": "stdin", "data": "echo oops >&2\n"})).await;
        assert_eq!(frame(&mut socket).await.unwrap(), json!({"type": "stderr", "data": "oops\n"}));
        send(&mut socket, json!({"type": "stdin", "data": "exit 3\n"})).await;
        assert_eq!(frame(&mut socket).await.unwrap(), json!({"type": "exit", "code": 3}));
        assert_eq!(frame(&mut socket).await, None, "the socket closes after the exit");

        let opened = last_audit(&app, "exec_open").await;
        assert_eq!(
            (&opened["outcome"], &opened["cluster"], &opened["namespace"], &opened["name"], &opened["actor"], &opened["httpStatus"]),
            (&json!("success"), &json!("open"), &json!("shop"), &json!("web-1"), &json!("token:operator"), &json!(101)),
            "{opened}"
        );
        assert_eq!(opened["reason"], "container=web tty=false command=/bin/sh");
        let closed = last_audit(&app, "exec_close").await;
        assert_eq!((&closed["outcome"], &closed["name"], &closed["requestId"]), (&json!("success"), &json!("web-1"), &opened["requestId"]));
        let reason = closed["reason"].as_str().unwrap();
        // In: "echo hi\n" (8) + "echo oops >&2\n" (14) + "exit 3\n" (7); out: "hi\n" + "oops\n".
        assert!(reason.starts_with("container=web durationMs="), "{reason}");
        assert!(reason.ends_with(" bytesIn=29 bytesOut=8 ended=exit exitCode=3"), "{reason}");
        assert!(!reason.contains("echo"), "stdin never reaches the audit log");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_tty_resize_and_the_container_picker() {
    let db = TestDb::sqlite().await;
    let sim = sidecar_sim().await;
    let app = app(&db, &sim, |_| {}).await;

    // A command of several arguments, run to its end; a failing one's code.
    let mut socket = open(
        &app,
        "open",
        "web-1",
        "command=sh&command=-c&command=echo%20one%3B%20false",
        OPERATOR_TOKEN,
    )
    .await;
    let (stdout, exit) = read_until(&mut socket, "exit").await;
    assert_eq!((stdout.as_str(), exit), ("one\n", json!({"type": "exit", "code": 1})));

    // No container: the annotated default; a named one; tty with resize frames.
    let mut socket = open(&app, "open", "api-1", "tty=true", OPERATOR_TOKEN).await;
    assert_eq!(frame(&mut socket).await.unwrap()["container"], "proxy");
    drop(socket);
    let mut socket = open(&app, "open", "api-1", "container=api&tty=true", OPERATOR_TOKEN).await;
    assert_eq!(
        frame(&mut socket).await.unwrap(),
        json!({"type": "ready", "container": "api", "command": ["/bin/sh"], "tty": true})
    );
    send(&mut socket, json!({"type": "resize", "cols": 120, "rows": 40})).await;
    send(&mut socket, json!({"type": "stdin", "data": "echo $TERM\r"})).await;
    let seen = read_stdout(&mut socket, "xterm\r\n").await;
    assert!(seen.contains("echo $TERM"), "a terminal echoes its input: {seen:?}");
    // A frame that cannot be read is answered, and the session carries on.
    send(&mut socket, json!({"type": "resize", "cols": 0, "rows": 40})).await;
    assert_eq!(frame(&mut socket).await.unwrap()["code"], "invalid_frame");
    send(&mut socket, json!({"type": "stdin", "data": "exit\r"})).await;
    let (_, exit) = read_until(&mut socket, "exit").await;
    assert_eq!(exit["code"], 0);

    // `close` ends stdin: cat sees end-of-file and exits.
    let mut socket = open(&app, "open", "web-1", "command=cat", OPERATOR_TOKEN).await;
    send(&mut socket, json!({"type": "stdin", "data": "meow\n"})).await;
    read_stdout(&mut socket, "meow\n").await;
    send(&mut socket, json!({"type": "close"})).await;
    assert_eq!(read_until(&mut socket, "exit").await.1["code"], 0);

    // The command is no executable: an error frame after the upgrade.
    let mut socket = open(&app, "open", "web-1", "command=nope", OPERATOR_TOKEN).await;
    let (_, error) = read_until(&mut socket, "error").await;
    assert_eq!(error["code"], "exec_failed", "{error}");

    // Before the upgrade: unknown container, bad query, unknown pod.
    let (status, body, _) = refused(
        &app,
        &exec_path("open", "api-1", "container=db"),
        &[bearer(OPERATOR_TOKEN)],
    )
    .await;
    assert_error(status, &body, 400, "unknown_container");
    assert!(body["error"].as_str().unwrap().contains("api, proxy"), "{body}");
    let (status, body, _) = refused(
        &app,
        &exec_path("open", "web-1", "tty=maybe"),
        &[bearer(OPERATOR_TOKEN)],
    )
    .await;
    assert_error(status, &body, 400, "invalid_query");
    let (status, body, _) = refused(&app, &exec_path("open", "gone", ""), &[bearer(OPERATOR_TOKEN)]).await;
    assert_error(status, &body, 404, "kube_not_found");
    app.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_gate_refuses_before_the_upgrade() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let path = exec_path("open", "web-1", "");
    let closed = app(&db, &sim, |s| s.write_actions_enabled = false).await;
    let (status, body, _) = refused(&closed, &path, &[bearer(ADMIN_TOKEN)]).await;
    assert_error(status, &body, 403, "write_actions_disabled");
    closed.stop().await;

    let db = TestDb::sqlite().await;
    // Operators may read pods in the simulator, but not exec into them.
    sim.add_rule(Rule::group(
        "fleetdeck:operators",
        &["get", "list", "watch"],
        &[""],
        &["pods"],
        &["shop"],
    ));
    let app = app(&db, &sim, |s| s.exec.disabled_clusters = vec!["guarded-off".into()]).await;
    register_sim(&app, "guarded-off", &sim, "shared").await;
    let (status, body, _) = refused(&app, &path, &[bearer(VIEWER_TOKEN)]).await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body, _) = refused(&app, &exec_path("guarded-off", "web-1", ""), &[bearer(OPERATOR_TOKEN)]).await;
    assert_error(status, &body, 403, "exec_disabled");
    let (status, body, _) = refused(&app, &exec_path("guarded", "web-1", ""), &[bearer(OPERATOR_TOKEN)]).await;
    assert_error(status, &body, 403, "kube_forbidden");
    assert!(body["error"].as_str().unwrap().contains("pods/exec"), "{body}");
    let row = last_audit(&app, "exec_open").await;
    assert_eq!(
        (&row["outcome"], &row["cluster"], &row["reason"]),
        (&json!("denied"), &json!("guarded"), &json!("kube_forbidden"))
    );
    // The admin's group may exec there.
    sim.add_rule(Rule::group(
        "fleetdeck:admins",
        &["get", "create"],
        &[""],
        &["pods", "pods/exec"],
        &["shop"],
    ));
    let mut socket = open(&app, "guarded", "web-1", "", ADMIN_TOKEN).await;
    assert_eq!(frame(&mut socket).await.unwrap()["type"], "ready");
    drop(socket);

    // Another site's page may not open a session with our cookie; a plain GET is no upgrade.
    let evil = ("origin", "https://evil.example.com".to_string());
    let (status, body, _) = refused(&app, &path, &[bearer(OPERATOR_TOKEN), evil]).await;
    assert_error(status, &body, 403, "origin_rejected");
    let mut socket = ws_connect(&app, &path, &[bearer(OPERATOR_TOKEN), ("origin", app.base.clone())])
        .await
        .unwrap();
    assert_eq!(frame(&mut socket).await.unwrap()["type"], "ready");
    drop(socket);
    let (status, body) = json(app.bearer(Method::GET, &path, OPERATOR_TOKEN).send().await.unwrap()).await;
    assert_error(status, &body, 426, "upgrade_required");
    app.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caps_answer_429_with_the_open_sessions() {
    let db = TestDb::sqlite().await;
    let sim = sidecar_sim().await;
    let app = app(&db, &sim, |s| {
        s.exec.sessions_per_user = 2;
        s.exec.sessions_per_cluster = 3;
    })
    .await;
    let mut first = open(&app, "open", "web-1", "", OPERATOR_TOKEN).await;
    let mut second = open(&app, "open", "api-1", "container=api", OPERATOR_TOKEN).await;
    for socket in [&mut first, &mut second] {
        assert_eq!(frame(socket).await.unwrap()["type"], "ready");
    }
    let (status, body, retry) = refused(&app, &exec_path("open", "web-1", ""), &[bearer(OPERATOR_TOKEN)]).await;
    assert_error(status, &body, 429, "exec_session_cap");
    assert_eq!(retry.as_deref(), Some("30"));
    let sessions = body["details"]["sessions"].as_array().unwrap();
    let seen: Vec<(&Value, &Value, &Value, &Value)> = sessions
        .iter()
        .map(|s| (&s["cluster"], &s["namespace"], &s["pod"], &s["container"]))
        .collect();
    assert_eq!(
        seen,
        vec![
            (&json!("open"), &json!("shop"), &json!("web-1"), &json!("web")),
            (&json!("open"), &json!("shop"), &json!("api-1"), &json!("api"))
        ]
    );
    assert!(
        sessions.iter().all(|s| s["since"].as_str().unwrap().ends_with('Z')),
        "{body}"
    );
    // A plain GET meets the same gates, so a browser whose upgrade failed can learn why.
    let path = exec_path("open", "web-1", "");
    let (status, plain) = json(app.bearer(Method::GET, &path, OPERATOR_TOKEN).send().await.unwrap()).await;
    assert_eq!(
        (status, &plain["code"], &plain["details"]),
        (429, &body["code"], &body["details"])
    );

    // The cluster's cap counts everyone; the admin sees only their own sessions listed.
    let _third = open(&app, "open", "web-1", "", ADMIN_TOKEN).await;
    let (status, body, _) = refused(&app, &exec_path("open", "web-1", ""), &[bearer(ADMIN_TOKEN)]).await;
    assert_error(status, &body, 429, "exec_cluster_cap");
    assert_eq!(body["details"]["sessions"].as_array().unwrap().len(), 1);

    // A session that ends gives its place back.
    send(&mut first, json!({"type": "stdin", "data": "exit\n"})).await;
    read_until(&mut first, "exit").await;
    last_audit(&app, "exec_close").await;
    let mut again = open(&app, "open", "web-1", "", OPERATOR_TOKEN).await;
    assert_eq!(frame(&mut again).await.unwrap()["type"], "ready");
    app.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sessions_are_warned_then_closed_and_deleted_pods_end_theirs() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let app = app(&db, &sim, |s| s.exec.idle_timeout = Duration::from_secs(2)).await;
    let mut socket = open(&app, "open", "web-1", "", OPERATOR_TOKEN).await;
    assert_eq!(frame(&mut socket).await.unwrap()["type"], "ready");
    let warning = frame(&mut socket).await.unwrap();
    assert_eq!(warning["type"], "warning", "{warning}");
    assert!(
        warning["message"].as_str().unwrap().contains("closes in 1s"),
        "{warning}"
    );
    // Input postpones the end.
    send(&mut socket, json!({"type": "stdin", "data": "echo still here\n"})).await;
    assert_eq!(frame(&mut socket).await.unwrap()["data"], "still here\n");
    assert_eq!(frame(&mut socket).await.unwrap()["type"], "warning");
    let end = frame(&mut socket).await.unwrap();
    assert_eq!(
        (&end["type"], &end["code"]),
        (&json!("error"), &json!("idle_timeout")),
        "{end}"
    );
    assert_eq!(frame(&mut socket).await, None);
    let closed = last_audit(&app, "exec_close").await;
    assert!(
        closed["reason"]
            .as_str()
            .unwrap()
            .contains("bytesIn=16 bytesOut=11 ended=idle_timeout"),
        "{closed}"
    );

    // The pod goes away under a session: the process is killed.
    let mut socket = open(&app, "open", "web-1", "", OPERATOR_TOKEN).await;
    assert_eq!(frame(&mut socket).await.unwrap()["type"], "ready");
    let pods: Api<Pod> = Api::namespaced(sim_client(&sim).await, "shop");
    pods.delete("web-1", &DeleteParams::default()).await.unwrap();
    let (_, exit) = read_until(&mut socket, "exit").await;
    assert_eq!(exit["code"], 137);
    app.stop().await;
    db.cleanup().await;
}

/// Fleetdeck's clients give up on an apiserver silent for 15 s; a terminal is often silent longer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_session_outlives_the_apiservers_read_timeout() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    sim.add_rule(Rule::group(
        "fleetdeck:admins",
        &["get", "create"],
        &[""],
        &["pods", "pods/exec"],
        &["shop"],
    ));
    let app = app(&db, &sim, |_| {}).await;
    let mut socket = open(&app, "guarded", "web-1", "", ADMIN_TOKEN).await;
    assert_eq!(frame(&mut socket).await.unwrap()["type"], "ready");
    tokio::time::sleep(Duration::from_secs(16)).await;
    send(&mut socket, json!({"type": "stdin", "data": "echo hi\n"})).await;
    assert_eq!(
        frame(&mut socket).await.unwrap(),
        json!({"type": "stdout", "data": "hi\n"})
    );
    app.stop().await;
    db.cleanup().await;
}
