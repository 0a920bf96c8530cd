//! The cluster registry's connections: kubeconfig files, registered clusters sealed at rest.

mod common;

use base64::Engine;
use common::*;
use fleetdeck::kube::secret_box::{SecretKey, open};
use reqwest::Method;
use serde_json::{Value, json};

const TOKEN: &str = "registered-cluster-bearer-token-4f1d";

fn key() -> SecretKey {
    SecretKey::from_base64(&base64::engine::general_purpose::STANDARD.encode([42u8; 32])).unwrap()
}

fn kubeconfig(contexts: &[(&str, &str)]) -> String {
    let mut clusters = String::new();
    let mut ctx = String::new();
    for (i, (name, server)) in contexts.iter().enumerate() {
        clusters.push_str(&format!("- name: c{i}\n  cluster: {{server: \"{server}\"}}\n"));
        ctx.push_str(&format!("- name: \"{name}\"\n  context: {{cluster: c{i}, user: u}}\n"));
    }
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n{clusters}users:\n- name: u\n  user:\n    exec: {{command: aws}}\ncontexts:\n{ctx}"
    )
}

async fn send(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> (u16, Value) {
    let r = app.bearer(method, path, token).json(&body).send().await.unwrap();
    json(r).await
}

on_both_backends! {
    async fn the_cluster_fleetdeck_runs_in(db) {
        let store = db.store().await;
        fleetdeck::clusters::registry::sync_in_cluster(&store, None, "dev").await.unwrap();
        assert!(store.cluster("in-cluster").await.unwrap().is_none(), "not in a pod: nothing");
        fleetdeck::clusters::registry::sync_in_cluster(&store, Some("https://10.96.0.1/".into()), "dev").await.unwrap();
        let c = store.cluster("in-cluster").await.unwrap().unwrap();
        assert_eq!((c.source.as_str(), c.server_url.as_deref(), c.display_name.as_str()), ("in-cluster", Some("https://10.96.0.1/"), "This cluster"));
        fleetdeck::clusters::registry::sync_in_cluster(&store, Some("https://10.96.0.1/".into()), "prod").await.unwrap();
        assert_eq!(store.cluster("in-cluster").await.unwrap().unwrap().environment, "dev", "metadata is kept across starts");
        store.close().await;
    }

    async fn kubeconfig_contexts_become_clusters(db) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        let arn = "arn:aws:eks:us-east-1:123456789012:cluster/prod";
        std::fs::write(&file, kubeconfig(&[("dev", "https://10.0.0.1:6443"), (arn, "https://prod.eks.example.com")])).unwrap();
        let mut s = settings(db);
        s.kubeconfig = vec![file.clone()];
        let app = TestApp::with(s.clone()).await;
        let (_, list) = send(&app, VIEWER_TOKEN, Method::GET, "/api/clusters", Value::Null).await;
        let items = list["items"].as_array().unwrap();
        let prod = items.iter().find(|c| c["displayName"] == arn).expect("the ARN context, by its display name");
        assert_eq!(prod["name"], "arn-aws-eks-us-east-1-123456789012-cluster-prod");
        assert_eq!((prod["source"].as_str(), prod["server"].as_str()), (Some("kubeconfig"), Some("https://prod.eks.example.com")));
        let dev = items.iter().find(|c| c["name"] == "dev").unwrap();
        assert_eq!((dev["source"].as_str(), dev["environment"].as_str(), dev["authzMode"].as_str()), (Some("kubeconfig"), Some("dev"), Some("shared")));

        // The connection is the file's; the metadata is ours to edit.
        let (status, body) = send(&app, ADMIN_TOKEN, Method::PUT, "/api/clusters/dev", json!({"server": "https://x.example.com", "token": "t"})).await;
        assert_error(status, &body, 409, "connection_from_config");
        let (status, body) = send(&app, OPERATOR_TOKEN, Method::PUT, "/api/clusters/dev", json!({"dns": "dev.k8s.example.com", "labels": {"tier": "lab"}})).await;
        assert_eq!(status, 200, "{body}");
        app.stop().await;

        // A context that leaves the file leaves its metadata behind, without a connection.
        std::fs::write(&file, kubeconfig(&[("dev", "https://10.0.0.2:6443")])).unwrap();
        let app = TestApp::with(s).await;
        let (_, dev) = send(&app, VIEWER_TOKEN, Method::GET, "/api/clusters/dev", Value::Null).await;
        assert_eq!((dev["server"].as_str(), dev["dns"].as_str()), (Some("https://10.0.0.2:6443"), Some("dev.k8s.example.com")));
        let (_, prod) = send(&app, VIEWER_TOKEN, Method::GET, "/api/clusters/arn-aws-eks-us-east-1-123456789012-cluster-prod", Value::Null).await;
        assert_eq!((prod["source"].as_str(), prod["server"].clone()), (Some("metadata-only"), Value::Null));
        app.stop().await;
    }

    async fn registered_credentials_are_sealed_and_never_returned(db) {
        let mut s = settings(db);
        s.secret_key = Some(key());
        let app = TestApp::with(s).await;
        let body = json!({"name": "edge", "environment": "dev", "server": "https://edge.example.com:6443", "token": TOKEN, "authzMode": "impersonate"});
        let (status, c) = send(&app, ADMIN_TOKEN, Method::POST, "/api/clusters?skipVerify=true", body).await;
        assert_eq!(status, 201, "{c}");
        assert_eq!((c["source"].as_str(), c["server"].as_str(), c["authzMode"].as_str()), (Some("registered"), Some("https://edge.example.com:6443"), Some("impersonate")));
        let (_, list) = send(&app, ADMIN_TOKEN, Method::GET, "/api/clusters", Value::Null).await;
        let (_, export) = send(&app, ADMIN_TOKEN, Method::GET, "/api/flux/export", Value::Null).await;
        let audit = app.audit("limit=500").await;
        for shown in [c.to_string(), list.to_string(), export.to_string(), serde_json::to_string(&audit).unwrap()] {
            assert!(!shown.contains(TOKEN), "the token is never returned: {shown}");
        }
        let sealed = app.server.state.store.cluster_credentials("edge").await.unwrap().unwrap();
        assert!(sealed.starts_with("v1:") && !sealed.contains(TOKEN));
        let plain = String::from_utf8(open(&key(), "edge", &sealed).unwrap()).unwrap();
        assert!(plain.contains(TOKEN));
        if db.backend == "sqlite" {
            for f in ["fleetdeck.db", "fleetdeck.db-wal"] {
                let bytes = std::fs::read(db.dir().join(f)).unwrap_or_default();
                assert!(!bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()), "{f} holds the token in plain text");
            }
        }
        // Operators edit metadata, not connections; deleting the cluster deletes its credentials.
        let (status, _) = send(&app, OPERATOR_TOKEN, Method::PUT, "/api/clusters/edge", json!({"token": "x"})).await;
        assert_eq!(status, 403);
        let (status, c2) = send(&app, ADMIN_TOKEN, Method::PUT, "/api/clusters/edge", json!({"authzMode": "shared"})).await;
        assert_eq!((status, c2["authzMode"].as_str()), (200, Some("shared")));
        assert_ne!(c2["updatedAt"], c["updatedAt"], "a connection change updates updatedAt");
        assert_eq!(app.server.state.store.cluster_credentials("edge").await.unwrap().as_deref(), Some(sealed.as_str()));
        assert_eq!(app.bearer(Method::DELETE, "/api/clusters/edge", ADMIN_TOKEN).send().await.unwrap().status(), 204);
        assert_eq!(app.server.state.store.cluster_credentials("edge").await.unwrap(), None);

        // A metadata-only cluster can be given a connection later.
        send(&app, ADMIN_TOKEN, Method::POST, "/api/clusters", json!({"name": "later", "environment": "qa"})).await;
        let one = format!("clusters: [{{name: c, cluster: {{server: \"https://later.example.com\"}}}}]\nusers: [{{name: u, user: {{token: {TOKEN}}}}}]\ncontexts: [{{name: x, context: {{cluster: c, user: u}}}}]\n");
        let (status, c) = send(&app, ADMIN_TOKEN, Method::PUT, "/api/clusters/later?skipVerify=true", json!({"kubeconfig": one})).await;
        assert_eq!(status, 200, "{c}");
        assert_eq!((c["source"].as_str(), c["server"].as_str()), (Some("registered"), Some("https://later.example.com")));
        app.stop().await;
    }

    async fn registration_is_refused_with_clear_errors(db) {
        let app = TestApp::start(db).await;
        let (status, body) = send(&app, ADMIN_TOKEN, Method::POST, "/api/clusters?skipVerify=true", json!({"name": "a", "environment": "dev", "server": "https://a.example.com", "token": TOKEN})).await;
        assert_error(status, &body, 422, "secret_key_required");
        app.stop().await;

        let mut s = settings(db);
        s.secret_key = Some(key());
        let app = TestApp::with(s).await;
        let exec = kubeconfig(&[("only", "https://a.example.com")]);
        let (status, body) = send(&app, ADMIN_TOKEN, Method::POST, "/api/clusters", json!({"name": "a", "environment": "dev", "kubeconfig": exec})).await;
        assert_error(status, &body, 422, "invalid_kubeconfig");
        assert!(body["error"].as_str().unwrap().contains("exec"));
        let (status, body) = send(&app, ADMIN_TOKEN, Method::POST, "/api/clusters", json!({"name": "a", "environment": "dev", "server": "https://a.example.com"})).await;
        assert_error(status, &body, 422, "invalid_connection");

        // The check makes an authenticated call and says why it failed.
        let (status, body) = send(&app, ADMIN_TOKEN, Method::POST, "/api/clusters", json!({"name": "a", "environment": "dev", "server": "https://127.0.0.1:1", "token": TOKEN})).await;
        assert_error(status, &body, 422, "connection_failed");
        assert_eq!(body["details"]["reason"], "unreachable", "{body}");
        let not_tls = format!("https://{}", app.server.addr);
        let (status, body) = send(&app, ADMIN_TOKEN, Method::POST, "/api/clusters", json!({"name": "a", "environment": "dev", "server": not_tls, "token": TOKEN})).await;
        assert_error(status, &body, 422, "connection_failed");
        assert_eq!(body["details"]["reason"], "tls", "{body}");
        assert!(!body.to_string().contains(TOKEN));
        let (status, _) = send(&app, ADMIN_TOKEN, Method::GET, "/api/clusters/a", Value::Null).await;
        assert_eq!(status, 404, "nothing stored");
        app.stop().await;
    }
}

on_both_backends! {
    async fn without_a_secret_key_no_connection_is_dialled(db) {
        // The contract fuzzer sends any server and kubeconfig: none of them may be dialled.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = format!("https://{}", listener.local_addr().unwrap());
        let kubeconfig = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: \"{server}\"}}\nusers:\n- name: u\n  user: {{token: {TOKEN}}}\ncontexts:\n- name: k\n  context: {{cluster: c, user: u}}\n"
        );
        let app = TestApp::start(db).await;
        send(&app, ADMIN_TOKEN, Method::POST, "/api/clusters", json!({"name": "meta", "environment": "dev"})).await;
        for (method, path, body) in [
            (Method::POST, "/api/clusters", json!({"name": "a", "environment": "dev", "server": server, "token": TOKEN})),
            (Method::POST, "/api/clusters?skipVerify=true", json!({"name": "a", "environment": "dev", "kubeconfig": kubeconfig})),
            (Method::PUT, "/api/clusters/meta", json!({"server": server, "token": TOKEN})),
            (Method::PUT, "/api/clusters/meta?skipVerify=true", json!({"kubeconfig": kubeconfig})),
        ] {
            let (status, body) = send(&app, ADMIN_TOKEN, method.clone(), path, body).await;
            assert_error(status, &body, 422, "secret_key_required");
        }
        let dialled = tokio::time::timeout(std::time::Duration::from_millis(300), listener.accept()).await;
        assert!(dialled.is_err(), "a connection was opened to {server}");
        app.stop().await;
    }
}
