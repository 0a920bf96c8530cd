//! pods/exec and pods/attach through kube::Client (WebSocket, v5 then v4), and the
//! channel protocol's edge cases through a raw WebSocket client.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams, DeleteParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use kubesim::{Sim, SimConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const FIXTURES: &str = include_str!("fixtures/shop.yaml");
/// Long enough for anything these tests wait for; a hang fails instead of blocking CI.
const PATIENCE: Duration = Duration::from_secs(5);

async fn sim(tls: bool) -> Sim {
    let sim = Sim::start(SimConfig {
        tls,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    sim.load_yaml(FIXTURES).unwrap();
    sim
}

async fn pods(sim: &Sim) -> Api<Pod> {
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig()).unwrap();
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap();
    Api::namespaced(Client::try_from(config).unwrap(), "shop")
}

async fn read_all(r: Option<impl tokio::io::AsyncRead + Unpin>) -> String {
    let mut s = String::new();
    tokio::time::timeout(PATIENCE, r.unwrap().read_to_string(&mut s))
        .await
        .expect("output ends")
        .unwrap();
    s
}

#[tokio::test]
async fn exec_captures_stdout_stderr_and_the_exit_status() {
    let sim = sim(true).await;
    let pods = pods(&sim).await;
    let mut p = pods
        .exec(
            "web-1",
            ["sh", "-c", "echo out; echo err >&2; exit 2"],
            &AttachParams::default(),
        )
        .await
        .unwrap();
    let status = p.take_status().unwrap();
    let (out, err) = tokio::join!(read_all(p.stdout()), read_all(p.stderr()));
    assert_eq!((out.as_str(), err.as_str()), ("out\n", "err\n"));
    let status = tokio::time::timeout(PATIENCE, status).await.unwrap().unwrap();
    assert_eq!(status.status.as_deref(), Some("Failure"));
    assert_eq!(status.reason.as_deref(), Some("NonZeroExitCode"));
    let cause = &status.details.unwrap().causes.unwrap()[0];
    assert_eq!(
        (cause.reason.as_deref(), cause.message.as_deref()),
        (Some("ExitCode"), Some("2"))
    );

    let mut p = pods
        .exec("web-1", ["hostname"], &AttachParams::default())
        .await
        .unwrap();
    let status = p.take_status().unwrap();
    assert_eq!(read_all(p.stdout()).await, "web-1\n");
    assert_eq!(status.await.unwrap().status.as_deref(), Some("Success"));
}

#[tokio::test]
async fn exec_stdin_round_trips_through_cat() {
    let sim = sim(true).await;
    let pods = pods(&sim).await;
    let params = AttachParams::default().stdin(true).stderr(false);
    let mut p = pods.exec("web-1", ["cat"], &params).await.unwrap();
    let mut stdin = p.stdin().unwrap();
    let mut stdout = p.stdout().unwrap();
    stdin.write_all(b"ping\n").await.unwrap();
    let mut buf = [0u8; 5];
    tokio::time::timeout(PATIENCE, stdout.read_exact(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&buf, b"ping\n", "echoed before stdin closes");
    // v5: closing stdin sends a CLOSE frame and cat ends successfully.
    stdin.shutdown().await.unwrap();
    let status = tokio::time::timeout(PATIENCE, p.take_status().unwrap()).await.unwrap();
    assert_eq!(status.unwrap().status.as_deref(), Some("Success"));
}

#[tokio::test]
async fn a_terminal_prompts_and_merges_stderr() {
    let sim = sim(true).await;
    let pods = pods(&sim).await;
    let params = AttachParams::interactive_tty();
    let mut p = pods.exec("web-1", ["sh"], &params).await.unwrap();
    let mut stdin = p.stdin().unwrap();
    stdin.write_all(b"foo\nexit 1\n").await.unwrap();
    let out = read_all(p.stdout()).await;
    // The terminal echoes both lines as they arrive, before the shell reads the first.
    assert_eq!(out, "# foo\r\nexit 1\r\nsh: 1: foo: not found\r\n# ");
}

#[tokio::test]
async fn attach_without_stdin_follows_output_until_the_pod_goes() {
    let sim = sim(true).await;
    let pods = pods(&sim).await;
    let params = AttachParams::default().stderr(false);
    let mut p = pods.attach("web-1", &params).await.unwrap();
    let mut stdout = p.stdout().unwrap();
    let status = p.take_status().unwrap();
    sim.append_log("shop", "web-1", "web", "GET /healthz 200");
    let mut line = [0u8; 17];
    tokio::time::timeout(PATIENCE, stdout.read_exact(&mut line))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&line, b"GET /healthz 200\n");
    pods.delete("web-1", &DeleteParams::default()).await.unwrap();
    let status = tokio::time::timeout(PATIENCE, status).await.unwrap();
    assert_eq!(status.unwrap().status.as_deref(), Some("Success"));
}

#[tokio::test]
async fn deleting_the_pod_kills_the_process() {
    let sim = sim(true).await;
    let pods = pods(&sim).await;
    let mut p = pods
        .exec("web-1", ["cat"], &AttachParams::default().stdin(true))
        .await
        .unwrap();
    let status = p.take_status().unwrap();
    pods.delete("web-1", &DeleteParams::default()).await.unwrap();
    let status = tokio::time::timeout(PATIENCE, status).await.unwrap().unwrap();
    assert_eq!(
        status.message.as_deref(),
        Some("command terminated with non-zero exit code: error executing command [cat], exit code 137")
    );
}

#[tokio::test]
async fn an_unreachable_simulator_drops_the_session() {
    let sim = sim(true).await;
    let pods = pods(&sim).await;
    let mut p = pods
        .exec("web-1", ["cat"], &AttachParams::default().stdin(true))
        .await
        .unwrap();
    let status = p.take_status().unwrap();
    sim.set_unreachable(true);
    // The socket is gone without a status; kube reports the broken connection.
    assert!(tokio::time::timeout(PATIENCE, status).await.unwrap().is_none());
    assert!(tokio::time::timeout(PATIENCE, p.join()).await.unwrap().is_err());
}

/// A raw WebSocket request to a plain-HTTP simulator, as the admin.
async fn raw(
    sim: &Sim,
    path_and_query: &str,
    protocols: &str,
) -> tokio_tungstenite::WebSocketStream<tokio::net::TcpStream> {
    let mut req = format!("ws://{}{path_and_query}", sim.addr())
        .into_client_request()
        .unwrap();
    let headers = req.headers_mut();
    headers.insert(
        "authorization",
        format!("Bearer {}", sim.admin_token()).parse().unwrap(),
    );
    headers.insert("sec-websocket-protocol", protocols.parse().unwrap());
    let tcp = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
    let (ws, response) = tokio_tungstenite::client_async(req, tcp).await.unwrap();
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        protocols.split(',').next().unwrap().trim()
    );
    ws
}

/// Every frame until the server closes, as (channel, text).
async fn frames(ws: &mut tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>) -> Vec<(u8, String)> {
    let mut out = Vec::new();
    while let Some(m) = tokio::time::timeout(PATIENCE, ws.next()).await.unwrap() {
        match m.unwrap() {
            Message::Binary(b) => out.push((b[0], String::from_utf8_lossy(&b[1..]).into_owned())),
            Message::Close(frame) => {
                assert_eq!(u16::from(frame.unwrap().code), 1000, "a normal closure");
            }
            _ => {}
        }
    }
    out
}

const WEB_EXEC: &str = "/api/v1/namespaces/shop/pods/web-1/exec";

#[tokio::test]
async fn v4_carries_stream_ids_and_ignores_close_frames() {
    let sim = sim(false).await;
    let q = format!("{WEB_EXEC}?command=sh&command=-c&command=echo%20a;%20echo%20b%20%3E%262;%20false&stdin=true");
    let mut ws = raw(&sim, &q, "v4.channel.k8s.io").await;
    let got = frames(&mut ws).await;
    let status: Value = serde_json::from_str(&got[2].1).unwrap();
    assert_eq!(got[..2], [(1, "a\n".to_string()), (2, "b\n".to_string())]);
    assert_eq!(got[2].0, 3);
    assert_eq!(status["reason"], "NonZeroExitCode");
    assert_eq!(status["metadata"], json!({}));

    // Under v4 a CLOSE frame means nothing; only closing the socket ends stdin.
    let mut ws = raw(&sim, &format!("{WEB_EXEC}?command=cat&stdin=true"), "v4.channel.k8s.io").await;
    ws.send(Message::binary(b"\x00hi".to_vec())).await.unwrap();
    ws.send(Message::binary(vec![255, 0])).await.unwrap();
    ws.send(Message::binary(b"\x04{\"Width\":80,\"Height\":24}".to_vec()))
        .await
        .unwrap();
    ws.send(Message::binary(b"\x00!".to_vec())).await.unwrap();
    let mut echoed = String::new();
    while echoed.len() < 3 {
        let Message::Binary(b) = ws.next().await.unwrap().unwrap() else {
            continue;
        };
        assert_eq!(b[0], 1);
        echoed.push_str(std::str::from_utf8(&b[1..]).unwrap());
    }
    assert_eq!(echoed, "hi!");
}

#[tokio::test]
async fn v5_close_frame_ends_stdin() {
    let sim = sim(false).await;
    let q = format!("{WEB_EXEC}?command=sh&stdin=true");
    let mut ws = raw(&sim, &q, "v5.channel.k8s.io, v4.channel.k8s.io").await;
    ws.send(Message::binary(b"\x00echo one\necho tw".to_vec()))
        .await
        .unwrap();
    ws.send(Message::binary(b"\x00o".to_vec())).await.unwrap();
    ws.send(Message::binary(vec![255, 0])).await.unwrap();
    let got = frames(&mut ws).await;
    assert_eq!(
        got,
        [
            (1, "one\n".to_string()),
            (1, "two\n".to_string()),
            (3, r#"{"metadata":{},"status":"Success"}"#.to_string()),
        ]
    );
}

#[tokio::test]
async fn unreachable_or_dropped_resets_without_a_closing_handshake() {
    let sim = sim(false).await;
    let mut ws = raw(&sim, &format!("{WEB_EXEC}?command=cat&stdin=true"), "v5.channel.k8s.io").await;
    sim.set_unreachable(true);
    let end = tokio::time::timeout(PATIENCE, ws.next()).await.unwrap();
    assert!(matches!(end, Some(Err(_))), "{end:?}");

    let sim = self::sim(false).await;
    let mut ws = raw(&sim, &format!("{WEB_EXEC}?command=cat&stdin=true"), "v5.channel.k8s.io").await;
    drop(sim);
    let end = tokio::time::timeout(PATIENCE, ws.next()).await.unwrap();
    assert!(matches!(end, Some(Err(_))), "{end:?}");
}

#[tokio::test]
async fn refusals_before_the_upgrade() {
    let sim = sim(false).await;
    let http = reqwest::Client::new();
    let get = |path: &str, headers: &[(&str, &str)]| {
        let mut req = http.get(format!("{}{path}", sim.url())).bearer_auth(sim.admin_token());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send()
    };
    let status = |r: reqwest::Response| async move { (r.status().as_u16(), r.text().await.unwrap()) };

    let (code, body) = status(get(&format!("{WEB_EXEC}?command=ls"), &[]).await.unwrap()).await;
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(code, 400);
    assert_eq!(body["message"], "unable to upgrade: missing upgrade headers in request");

    let spdy = [("connection", "Upgrade"), ("upgrade", "SPDY/3.1")];
    let (code, body) = status(get(&format!("{WEB_EXEC}?command=ls"), &spdy).await.unwrap()).await;
    assert_eq!(code, 400);
    assert!(body.contains("not SPDY: use kubectl 1.30 or newer"), "{body}");

    let (code, body) = status(get(WEB_EXEC, &[]).await.unwrap()).await;
    assert_eq!(
        (code, serde_json::from_str::<Value>(&body).unwrap()["reason"].clone()),
        (400, json!("BadRequest"))
    );

    let ws = [
        ("connection", "Upgrade"),
        ("upgrade", "websocket"),
        ("sec-websocket-version", "13"),
        ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("sec-websocket-protocol", "base64.channel.k8s.io"),
    ];
    let (code, body) = status(get(&format!("{WEB_EXEC}?command=ls"), &ws).await.unwrap()).await;
    assert_eq!((code, body.as_str()), (403, ""), "no subprotocol in common");

    let (code, body) = status(get("/api/v1/namespaces/shop/pods/gone/attach", &ws).await.unwrap()).await;
    assert_eq!(code, 404);
    assert!(body.contains("pods \\\"gone\\\" not found"), "{body}");

    let (code, _) = status(
        http.delete(format!("{}{WEB_EXEC}", sim.url()))
            .bearer_auth(sim.admin_token())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(code, 405);

    let discovery: Value = http
        .get(format!("{}/api/v1", sim.url()))
        .bearer_auth(sim.admin_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let exec = discovery["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "pods/exec")
        .unwrap();
    assert_eq!(exec["kind"], "PodExecOptions");
    assert_eq!(exec["verbs"], json!(["create", "get"]));
    assert!(
        discovery["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "pods/attach")
    );
}
