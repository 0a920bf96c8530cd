//! The fleet view with clusters that have no connection, are dead, or never answer.

mod common;

use std::time::{Duration, Instant};

use base64::Engine;
use common::*;
use fleetdeck::kube::secret_box::SecretKey;
use reqwest::Method;
use serde_json::{Value, json};

/// A TCP port that accepts connections and never answers.
async fn silent_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    port
}

async fn register(app: &TestApp, name: &str, server: &str) {
    let body = json!({"name": name, "environment": "prod", "server": server, "token": "t0k3n-for-tests"});
    let r = app
        .bearer(Method::POST, "/api/clusters?skipVerify=true", ADMIN_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

on_both_backends! {
    async fn dead_slow_and_unconnected_clusters_never_hold_up_the_fleet(db) {
        let mut s = settings(db);
        s.secret_key = Some(SecretKey::from_base64(&base64::engine::general_purpose::STANDARD.encode([9u8; 32])).unwrap());
        let app = TestApp::with(s).await;
        app.bearer(Method::POST, "/api/clusters", ADMIN_TOKEN).json(&json!({"name": "meta", "environment": "dev"})).send().await.unwrap();
        register(&app, "dead", "https://127.0.0.1:1").await;
        register(&app, "slow", &format!("https://127.0.0.1:{}", silent_port().await)).await;

        let started = Instant::now();
        let (status, fleet) = json(app.bearer(Method::GET, "/api/fleet", VIEWER_TOKEN).send().await.unwrap()).await;
        let took = started.elapsed();
        assert_eq!(status, 200, "{fleet}");
        assert!(took < Duration::from_millis(3500), "the slow cluster is cut off at its soft timeout: {took:?}");
        let entry = |name: &str| fleet["items"].as_array().unwrap().iter().find(|e| e["name"] == name).unwrap().clone();
        assert_eq!((entry("meta")["status"].clone(), entry("meta")["error"].clone()), (json!("unknown"), Value::Null));
        assert_eq!(entry("dead")["status"], "unreachable");
        assert_eq!(entry("dead")["error"]["code"], "apiserver_unreachable");
        assert_eq!(entry("slow")["status"], "unreachable");
        assert_eq!(entry("slow")["error"]["code"], "timeout");
        assert_eq!(entry("slow")["lastContact"], Value::Null);
        let rollup = &fleet["rollup"];
        assert_eq!(rollup["totalClusters"], 3);
        assert_eq!(rollup["byStatus"], json!({"unknown": 1, "unreachable": 2}));
        assert_eq!(rollup["byEnvironment"], json!({"dev": 1, "prod": 2}));

        // Cached for a while per identity.
        let (_, again) = json(app.bearer(Method::GET, "/api/fleet", VIEWER_TOKEN).send().await.unwrap()).await;
        assert_eq!(again["rollup"]["generatedAt"], rollup["generatedAt"]);
        // …but a change to the registry shows at once.
        app.bearer(Method::POST, "/api/clusters", ADMIN_TOKEN).json(&json!({"name": "new", "environment": "dev"})).send().await.unwrap();
        let (_, after) = json(app.bearer(Method::GET, "/api/fleet", VIEWER_TOKEN).send().await.unwrap()).await;
        assert_eq!(after["rollup"]["totalClusters"], 4);
        assert!(entry("dead")["error"]["message"].as_str().unwrap().contains("refused"), "the transport's own words");

        let (status, body) = json(app.bearer(Method::GET, "/api/clusters/meta/dashboard", VIEWER_TOKEN).send().await.unwrap()).await;
        assert_error(status, &body, 409, "no_connection");
        let (status, body) = json(app.bearer(Method::GET, "/api/clusters/dead/dashboard", VIEWER_TOKEN).send().await.unwrap()).await;
        assert_error(status, &body, 502, "apiserver_unreachable");
        let (status, body) = json(app.bearer(Method::GET, "/api/clusters/nope/dashboard", VIEWER_TOKEN).send().await.unwrap()).await;
        assert_error(status, &body, 404, "not_found");
        app.stop().await;
    }
}
