//! Permission pre-checks against a simulated cluster: our gates (the write gate, the role), then
//! Kubernetes RBAC under the caller's identity, cached, failing closed; the limits; the audit row.

mod common;

use common::*;
use kubesim::auth::Rule;
use reqwest::Method;
use serde_json::{Value, json};

fn check(verb: &str, resource: &str, namespace: &str) -> Value {
    json!({"verb": verb, "group": "", "resource": resource, "namespace": namespace})
}

async fn can_i(app: &TestApp, cluster: &str, token: &str, checks: Vec<Value>) -> (u16, Value) {
    let path = format!("/api/clusters/{cluster}/can-i");
    json(
        app.bearer(Method::POST, &path, token)
            .json(&json!({"checks": checks}))
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn allowed(answer: &Value) -> Vec<bool> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["allowed"].as_bool().unwrap())
        .collect()
}

fn reason(answer: &Value, i: usize) -> String {
    answer["results"][i]["reason"].as_str().unwrap().to_string()
}

on_both_backends! {
    async fn our_gates_come_first_then_kubernetes_decides_as_the_caller(db) {
        let sim = shop_sim().await;
        sim.add_rule(Rule::group("fleetdeck:viewers", &["get", "list", "watch"], &[""], &["pods"], &["shop"]));
        sim.add_rule(Rule::group("fleetdeck:operators", &["get", "list", "delete"], &[""], &["pods"], &["shop"]));
        let mut s = with_secret_key(db);
        s.write_actions_enabled = true;
        let app = TestApp::with(s).await;
        register_sim(&app, "guarded", &sim, "impersonate").await;
        register_sim(&app, "open", &sim, "shared").await;
        let asked = || vec![check("get", "pods", "shop"), check("get", "pods", "other"), check("delete", "pods", "shop")];

        // Impersonated: the viewer may read in shop only, and no write passes our role gate.
        let (status, viewer) = can_i(&app, "guarded", VIEWER_TOKEN, asked()).await;
        assert_eq!(status, 200, "{viewer}");
        assert_eq!(allowed(&viewer), [true, false, false]);
        assert!(reason(&viewer, 0).is_empty());
        assert!(reason(&viewer, 1).contains("Kubernetes RBAC does not allow get pods in namespace other"), "{viewer}");
        assert!(reason(&viewer, 2).contains("operator role"), "{viewer}");
        let (_, operator) = can_i(&app, "guarded", OPERATOR_TOKEN, asked()).await;
        assert_eq!(allowed(&operator), [true, false, true]);

        // Answers are cached per identity: asking again sends no review.
        let reviews = || sim.requests().iter().filter(|r| r.path.ends_with("/selfsubjectaccessreviews")).count();
        let before = reviews();
        let (_, again) = can_i(&app, "guarded", VIEWER_TOKEN, asked()).await;
        assert_eq!((allowed(&again), reviews()), (vec![true, false, false], before));

        // Shared: Fleetdeck's own identity (the simulator's admin here) is what Kubernetes checks.
        let (_, shared) = can_i(&app, "open", OPERATOR_TOKEN, asked()).await;
        assert_eq!(allowed(&shared), [true, true, true]);

        let audit = app.audit("verb=can_i").await;
        assert!(!audit.is_empty(), "a can-i call leaves an audit row");
        assert_eq!(audit[0]["resourceType"], "cluster", "{}", audit[0]);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_write_gate_limits_and_errors_all_answer_no() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let app = TestApp::with(with_secret_key(&db)).await;
    register_sim(&app, "open", &sim, "shared").await;
    register_sim(&app, "guarded", &sim, "impersonate").await;

    let (_, off) = can_i(
        &app,
        "open",
        ADMIN_TOKEN,
        vec![check("patch", "pods", "shop"), check("list", "pods", "")],
    )
    .await;
    assert_eq!(allowed(&off), [false, true]);
    assert!(reason(&off, 0).contains("FLEETDECK_WRITE_ACTIONS_ENABLED"), "{off}");

    let (status, body) = can_i(&app, "open", VIEWER_TOKEN, vec![check("get", "pods", ""); 65]).await;
    assert_error(status, &body, 400, "too_many_checks");
    let (status, body) = can_i(
        &app,
        "open",
        VIEWER_TOKEN,
        vec![check("get", "pods", ""), check("", "pods", "")],
    )
    .await;
    assert_error(status, &body, 400, "invalid_check");
    assert!(body["error"].as_str().unwrap().contains("checks[1]"), "{body}");
    let (status, body) = can_i(&app, "nope", VIEWER_TOKEN, vec![]).await;
    assert_error(status, &body, 404, "not_found");
    let (status, empty) = can_i(&app, "open", VIEWER_TOKEN, vec![]).await;
    assert_eq!((status, empty), (200, json!({"results": []})));

    // An apiserver that cannot answer is a refusal, not a yes.
    sim.fail_resource("authorization.k8s.io", "selfsubjectaccessreviews", 500, "etcd is away");
    let (status, failed) = can_i(&app, "guarded", VIEWER_TOKEN, vec![check("get", "pods", "shop")]).await;
    assert_eq!((status, allowed(&failed)), (200, vec![false]), "{failed}");
    let anonymous = app
        .request(Method::POST, "/api/clusters/open/can-i")
        .json(&json!({"checks": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    app.stop().await;
    db.cleanup().await;
}
