//! The fleet against simulated clusters: registration checks, healthy / degraded / denied
//! clusters, and the impersonation headers Fleetdeck sends.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use fleetdeck::kube::secret_box::SecretKey;
use kubesim::auth::Rule;
use kubesim::{Sim, SimConfig};
use reqwest::Method;
use serde_json::{Value, json};

const QUIET: &str = r#"
apiVersion: v1
kind: Node
metadata: {name: node-1, labels: {node-role.kubernetes.io/control-plane: ""}}
status:
  conditions: [{type: Ready, status: "True"}]
  nodeInfo: {kubeletVersion: v1.33.1}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: default}
spec: {containers: [{name: web, image: nginx}]}
status: {phase: Running}
"#;

async fn sim(fixtures: Option<&str>) -> Sim {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    if let Some(y) = fixtures {
        sim.load_yaml(y).unwrap();
    }
    sim
}

fn registration(name: &str, sim: &Sim, token: &str, authz: &str) -> Value {
    json!({
        "name": name, "environment": "prod", "server": sim.url(), "token": token, "authzMode": authz,
        "certificateAuthorityData": STANDARD.encode(sim.ca_pem().unwrap()),
    })
}

async fn register(app: &TestApp, body: Value) -> (u16, Value) {
    json(
        app.bearer(Method::POST, "/api/clusters", ADMIN_TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

on_both_backends! {
    async fn the_fleet_reads_real_clusters_as_the_caller(db) {
        let from_file = sim(Some(QUIET)).await;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kubeconfig");
        from_file.write_kubeconfig(&file).unwrap();
        let mut s = settings(db);
        s.secret_key = Some(SecretKey::from_base64(&STANDARD.encode([3u8; 32])).unwrap());
        s.kubeconfig = vec![file];
        let app = TestApp::with(s).await;

        let quiet = sim(Some(QUIET)).await;
        let busy = sim(None).await;
        busy.load_objects(kubesim::generate::cluster(3, 60, 4, 7)).unwrap();
        let guarded = sim(Some(QUIET)).await;
        guarded.add_rule(Rule::group("fleetdeck:viewers", &["get", "list", "watch"], &[""], &["nodes", "pods", "namespaces"], &[]));
        let closed = sim(Some(QUIET)).await;

        // The registration check makes an authenticated call: a wrong token is refused.
        let (status, body) = register(&app, registration("quiet", &quiet, "not-the-token", "shared")).await;
        assert_error(status, &body, 422, "connection_failed");
        assert_eq!(body["details"]["reason"], "unauthorized");
        for (name, sim, authz) in [("quiet", &quiet, "shared"), ("busy", &busy, "shared"), ("guarded", &guarded, "impersonate"), ("closed", &closed, "impersonate")] {
            let (status, body) = register(&app, registration(name, sim, sim.admin_token(), authz)).await;
            assert_eq!(status, 201, "{name}: {body}");
        }
        guarded.clear_requests();

        let (status, fleet) = json(app.bearer(Method::GET, "/api/fleet", VIEWER_TOKEN).send().await.unwrap()).await;
        assert_eq!(status, 200, "{fleet}");
        let entry = |name: &str| fleet["items"].as_array().unwrap().iter().find(|e| e["name"] == name).unwrap().clone();
        let q = entry("quiet");
        assert_eq!(q["status"], "healthy", "{q}");
        assert_eq!(q["summary"]["nodes"], json!({"ready": 1, "total": 1}));
        assert_eq!(q["summary"]["pods"]["running"], 1);
        assert!(q["lastContact"].is_string());
        let b = entry("busy");
        assert_eq!(b["status"], "degraded", "{b}");
        assert!(b["summary"]["stuckOrFailed"].as_u64().unwrap() > 0);
        assert_eq!(entry("guarded")["status"], "healthy");
        let k = entry("kubesim");
        assert_eq!(k["status"], "healthy", "a cluster from the kubeconfig file: {k}");
        assert!(!from_file.requests().is_empty());
        assert_eq!(entry("closed")["status"], "denied");
        assert_eq!(entry("closed")["error"]["code"], "denied");

        // Impersonate-mode clusters were asked as the caller, with the caller's groups.
        let seen = guarded.requests();
        assert!(!seen.is_empty());
        for r in &seen {
            assert_eq!(r.impersonate_user.as_deref(), Some("token:viewer"), "{} {}", r.method, r.path);
            assert_eq!(r.impersonate_groups, ["fleetdeck:viewers"]);
        }
        assert!(quiet.requests().iter().all(|r| r.impersonate_user.is_none()), "shared mode sends no impersonation");

        let (status, d) = json(app.bearer(Method::GET, "/api/clusters/quiet/dashboard", VIEWER_TOKEN).send().await.unwrap()).await;
        assert_eq!(status, 200, "{d}");
        assert_eq!(d["kubernetesVersion"], "v1.33.1");
        assert_eq!(d["nodes"], json!([{"name": "node-1", "ready": true, "roles": ["control-plane"], "kubeletVersion": "v1.33.1"}]));
        let (status, body) = json(app.bearer(Method::GET, "/api/clusters/closed/dashboard", VIEWER_TOKEN).send().await.unwrap()).await;
        assert_error(status, &body, 403, "kube_forbidden");
        assert_eq!(body["details"]["kubeStatus"]["code"], 403);

        // Each apiserver failure keeps its Status and maps to its HTTP status, throttling
        // included: it is reported at once, not retried.
        for (code, want_status, want_code) in [
            (404, 404, "kube_not_found"),
            (409, 409, "kube_conflict"),
            (400, 400, "kube_bad_request"),
            (429, 429, "kube_too_many_requests"),
            (500, 500, "kube_internal_error"),
            (503, 500, "kube_service_unavailable"),
        ] {
            quiet.clear_faults();
            quiet.fail_resource("", "nodes", code, "injected");
            let (status, body) = json(app.bearer(Method::GET, "/api/clusters/quiet/dashboard", VIEWER_TOKEN).send().await.unwrap()).await;
            assert_error(status, &body, want_status, want_code);
            assert_eq!(body["details"]["kubeStatus"]["code"], code);
        }
        quiet.clear_faults();
        // Clusters from a kubeconfig file are not retried either.
        from_file.fail_resource("", "nodes", 429, "slow down");
        let (status, body) = json(app.bearer(Method::GET, "/api/clusters/kubesim/dashboard", VIEWER_TOKEN).send().await.unwrap()).await;
        assert_error(status, &body, 429, "kube_too_many_requests");
        assert_eq!(from_file.requests().iter().filter(|r| r.path == "/api/v1/nodes").count(), 2, "one fleet call, one dashboard call");
        from_file.clear_faults();

        // The apiserver refusing Fleetdeck's own credentials is not the caller's session ending.
        let mut wrong = registration("stale", &quiet, "revoked-token", "shared");
        wrong["name"] = json!("stale");
        let r = app.bearer(Method::POST, "/api/clusters?skipVerify=true", ADMIN_TOKEN).json(&wrong).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let (status, body) = json(app.bearer(Method::GET, "/api/clusters/stale/dashboard", VIEWER_TOKEN).send().await.unwrap()).await;
        assert_error(status, &body, 502, "cluster_auth_failed");
        let (_, fleet) = json(app.bearer(Method::GET, "/api/fleet", VIEWER_TOKEN).send().await.unwrap()).await;
        let stale = fleet["items"].as_array().unwrap().iter().find(|e| e["name"] == "stale").unwrap().clone();
        assert_eq!((stale["status"].as_str(), stale["error"]["code"].as_str()), (Some("unreachable"), Some("auth_failed")));
        app.stop().await;
    }
}
