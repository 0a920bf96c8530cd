//! Hygiene of every route: the error envelope, limits, request ids, headers, probes, metrics, the spec.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

on_both_backends! {
    async fn bad_bodies_get_clear_errors(db) {
        let mut s = settings(db);
        s.body_limit = 2048;
        let app = TestApp::with(s).await;
        let post = |body: String| app.bearer(Method::POST, "/api/users", ADMIN_TOKEN).header("content-type", "application/json").body(body);

        let (status, body) = json(post("{\"username\": ".into()).send().await.unwrap()).await;
        assert_error(status, &body, 400, "malformed_json");
        let (status, body) = json(post(json!({"username": "a", "role": "viewer", "password": "long enough pw", "admin": true}).to_string()).send().await.unwrap()).await;
        assert_error(status, &body, 400, "invalid_body");
        assert!(body["error"].as_str().unwrap().contains("admin"), "names the unknown field: {body}");
        let (status, body) = json(post(json!({"username": 5, "role": "viewer", "password": "long enough pw"}).to_string()).send().await.unwrap()).await;
        assert_error(status, &body, 400, "invalid_body");
        assert!(body["error"].as_str().unwrap().contains("username"), "names the field: {body}");
        let (status, body) = json(post(json!({"username": "bad name", "role": "viewer", "password": "long enough pw"}).to_string()).send().await.unwrap()).await;
        assert_error(status, &body, 422, "invalid_username");
        let big = json!({"username": "x".repeat(4096), "role": "viewer", "password": "long enough pw"}).to_string();
        let (status, body) = json(post(big).send().await.unwrap()).await;
        assert_error(status, &body, 413, "payload_too_large");
        let r = app.bearer(Method::POST, "/api/users", ADMIN_TOKEN).header("content-type", "text/plain").body("{}").send().await.unwrap();
        let (status, body) = json(r).await;
        assert_error(status, &body, 415, "unsupported_media_type");
        let (status, body) = json(app.bearer(Method::GET, "/api/audit?limit=501", ADMIN_TOKEN).send().await.unwrap()).await;
        assert_error(status, &body, 400, "invalid_query");
        let (status, body) = json(app.bearer(Method::GET, "/api/audit?from=yesterday", ADMIN_TOKEN).send().await.unwrap()).await;
        assert_error(status, &body, 400, "invalid_query");
        app.stop().await;
    }

    async fn unknown_paths_and_methods(db) {
        let app = TestApp::start(db).await;
        let (status, body) = json(app.request(Method::GET, "/api/no/such/thing").send().await.unwrap()).await;
        assert_error(status, &body, 404, "not_found");
        let r = app.bearer(Method::PATCH, "/api/audit", ADMIN_TOKEN).send().await.unwrap();
        assert!(r.headers()["allow"].to_str().unwrap().contains("GET"));
        let (status, body) = json(r).await;
        assert_error(status, &body, 405, "method_not_allowed");
        // Client routes of the console fall back to its page; missing files do not.
        let r = app.request(Method::GET, "/audit").send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert_eq!(r.headers()["cache-control"], "no-cache");
        assert_eq!(app.request(Method::GET, "/assets/missing-1234.js").send().await.unwrap().status(), 404);
        app.stop().await;
    }

    async fn request_ids_and_security_headers(db) {
        let app = TestApp::start(db).await;
        let r = app.request(Method::GET, "/healthz").header("x-request-id", "trace-abc_123").send().await.unwrap();
        assert_eq!(r.headers()["x-request-id"], "trace-abc_123");
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "strict-origin-when-cross-origin"),
        ] {
            assert_eq!(r.headers()[name], value);
        }
        assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
        assert_eq!(r.text().await.unwrap(), "ok");

        let r = app.request(Method::GET, "/api/auth/whoami").header("x-request-id", "no spaces <allowed>").send().await.unwrap();
        let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
        assert!(id.len() >= 16 && id != "no spaces <allowed>");
        let (_, body) = json(r).await;
        assert_eq!(body["requestId"], id.as_str(), "the error body carries the same id");

        let r = app.request(Method::POST, "/api/auth/login").header("x-request-id", "login-req-1").json(&json!({"token": ADMIN_TOKEN})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let rows = app.audit("request_id=login-req-1").await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["verb"], "login");
        app.stop().await;
    }

    async fn readyz_reports_a_vanished_database(db) {
        let app = TestApp::start(db).await;
        let (status, body) = json(app.request(Method::GET, "/readyz").send().await.unwrap()).await;
        assert_eq!((status, body), (200, json!({"status": "ready"})));
        db.destroy().await;
        let (status, body) = json(app.request(Method::GET, "/readyz").send().await.unwrap()).await;
        assert_error(status, &body, 503, "not_ready");
        assert!(!body.to_string().contains("postgres://"), "no connection details: {body}");
        assert_eq!(app.request(Method::GET, "/healthz").send().await.unwrap().status(), 200, "still alive");
        app.stop().await;
    }

    async fn metrics_count_requests_by_route_template(db) {
        let app = TestApp::start(db).await;
        for _ in 0..3 {
            app.bearer(Method::GET, "/api/users/nobody", ADMIN_TOKEN).send().await.unwrap();
        }
        let r = app.request(Method::GET, "/metrics").send().await.unwrap();
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
        let text = r.text().await.unwrap();
        assert!(text.contains(r#"http_requests_total{method="GET",route="/api/users/{username}",status="404"} 3"#), "{text}");
        assert!(text.contains(r#"http_request_duration_seconds_bucket{method="GET",route="/api/users/{username}",status="404",le="+Inf"} 3"#));
        assert!(text.contains("fleetdeck_db_pool_connections{state=\"max\"}"));
        assert!(text.contains("process_resident_memory_bytes"));
        app.stop().await;
    }

    async fn version_and_served_spec(db) {
        let app = TestApp::start(db).await;
        let (status, v) = json(app.request(Method::GET, "/version").send().await.unwrap()).await;
        assert_eq!(status, 200);
        assert_eq!(v["service"], "fleetdeck");
        assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
        assert!(v["gitCommit"].is_string() && v["buildDate"].is_string());
        let yaml = app.request(Method::GET, "/api/openapi.yaml").send().await.unwrap().text().await.unwrap();
        assert_eq!(yaml, fleetdeck::api::document().to_yaml().unwrap());
        let (status, spec) = json(app.request(Method::GET, "/api/openapi.json").send().await.unwrap()).await;
        assert_eq!(status, 200);
        assert!(spec["paths"]["/api/auth/login"]["post"].is_object());
        app.stop().await;
    }
}

/// `openapi.yaml` at the root is exactly `fleetdeck openapi`; regenerate it with
/// `cargo run -q -- openapi > openapi.yaml`.
#[test]
fn openapi_yaml_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    let generated = fleetdeck::api::document().to_yaml().unwrap();
    assert!(
        committed == generated,
        "openapi.yaml drifted from the code: run `cargo run -q -- openapi > openapi.yaml`"
    );
}

/// Every write route in the spec has an audit entry, so none goes unaudited.
#[test]
fn every_write_route_is_audited() {
    let spec = serde_json::to_value(fleetdeck::api::document()).unwrap();
    let audited = fleetdeck::api::audited_routes();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for method in ["post", "put", "patch", "delete"] {
            if ops.get(method).is_some() {
                let m: reqwest::Method = method.to_uppercase().parse().unwrap();
                assert!(
                    audited
                        .iter()
                        .any(|r| r.method.as_str() == m.as_str() && r.route == path),
                    "{method} {path} has no audit entry"
                );
            }
        }
    }
}

/// Reads that are sensitive enough to be audited like writes: opening a shell in a pod is a
/// GET (a WebSocket upgrade) that acts on the cluster. Its session's end is written as
/// `exec_close` (tests/inventory_exec.rs checks both rows).
const SENSITIVE_READS: &[(&str, &str)] = &[("/api/clusters/{cluster}/pods/{namespace}/{name}/exec", "exec_open")];

#[test]
fn sensitive_reads_are_audited() {
    let audited = fleetdeck::api::audited_routes();
    for (path, verb) in SENSITIVE_READS {
        assert!(
            audited
                .iter()
                .any(|r| r.method == reqwest::Method::GET.as_str() && r.route == *path && r.verb == *verb),
            "GET {path} is not audited as {verb}"
        );
    }
}
