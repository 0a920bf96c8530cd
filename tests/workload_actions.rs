//! Workload actions against a simulated cluster: scale and restart through the three gates (the
//! write gate, the operator role, Kubernetes RBAC as the caller), each leaving one audit row with
//! its outcome.

mod common;

use common::*;
use kubesim::Sim;
use kubesim::auth::Rule;
use reqwest::Method;
use serde_json::{Value, json};

const WEB: &str = "resources/apps/v1/deployments/shop/web";

async fn post(app: &TestApp, cluster: &str, action: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let path = format!("/api/clusters/{cluster}/{WEB}/{action}");
    let mut request = app.bearer(Method::POST, &path, token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    json(request.send().await.unwrap()).await
}

fn replicas(sim: &Sim) -> Value {
    sim.get("apps/v1", "Deployment", "shop", "web").unwrap()["spec"]["replicas"].clone()
}

/// The newest audit row of `verb`.
async fn last_audit(app: &TestApp, verb: &str) -> Value {
    app.audit(&format!("verb={verb}"))
        .await
        .into_iter()
        .next()
        .expect("an audit row")
}

on_both_backends! {
    async fn an_operator_scales_and_restarts_and_each_is_audited(db) {
        let sim = shop_sim().await;
        let app = app_with_sim(db, &sim, true).await;
        let (status, scaled) = post(&app, "open", "scale", OPERATOR_TOKEN, Some(json!({"replicas": 5}))).await;
        assert_eq!((status, scaled), (200, json!({"replicas": 5})));
        assert_eq!(replicas(&sim), 5);
        let row = last_audit(&app, "scale").await;
        assert_eq!(
            (&row["outcome"], &row["cluster"], &row["namespace"], &row["name"], &row["resourceType"], &row["actor"]),
            (&json!("success"), &json!("open"), &json!("shop"), &json!("web"), &json!("workload"), &json!("token:operator")),
            "{row}"
        );
        assert_eq!(row["reason"], "replicas=5");

        let (status, restarted) = post(&app, "open", "restart", OPERATOR_TOKEN, None).await;
        assert_eq!(status, 200, "{restarted}");
        let at = restarted["restartedAt"].as_str().unwrap().to_string();
        let web = sim.get("apps/v1", "Deployment", "shop", "web").unwrap();
        assert_eq!(web["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"], at.as_str());
        assert_eq!(last_audit(&app, "restart").await["outcome"], "success");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_gate_refuses_and_the_refusal_is_audited() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let closed = app_with_sim(&db, &sim, false).await;
    let (status, body) = post(&closed, "open", "scale", ADMIN_TOKEN, Some(json!({"replicas": 1}))).await;
    assert_error(status, &body, 403, "write_actions_disabled");
    assert_eq!(last_audit(&closed, "scale").await["outcome"], "denied");
    closed.stop().await;

    let db = TestDb::sqlite().await;
    // Operators may read pods but not touch deployments in the simulator.
    sim.add_rule(Rule::group(
        "fleetdeck:operators",
        &["get", "list", "watch"],
        &["apps"],
        &["deployments"],
        &["shop"],
    ));
    let app = app_with_sim(&db, &sim, true).await;
    let (status, body) = post(&app, "open", "scale", VIEWER_TOKEN, Some(json!({"replicas": 1}))).await;
    assert_error(status, &body, 403, "forbidden");
    let (status, body) = post(&app, "guarded", "scale", OPERATOR_TOKEN, Some(json!({"replicas": 1}))).await;
    assert_error(status, &body, 403, "kube_forbidden");
    let (status, body) = post(&app, "guarded", "restart", OPERATOR_TOKEN, None).await;
    assert_error(status, &body, 403, "kube_forbidden");
    assert_eq!(last_audit(&app, "restart").await["outcome"], "denied");
    assert_eq!(replicas(&sim), 2, "nothing changed");

    // Bad input and the wrong kinds are refused before anything is sent.
    let (status, body) = post(&app, "open", "scale", OPERATOR_TOKEN, Some(json!({"replicas": 10001}))).await;
    assert_error(status, &body, 422, "invalid_replicas");
    let (status, body) = post(&app, "open", "scale", OPERATOR_TOKEN, Some(json!({"replicas": -1}))).await;
    assert_error(status, &body, 400, "invalid_body");
    let path = "/api/clusters/open/resources/core/v1/pods/shop/web-1/scale";
    let (status, body) = json(
        app.bearer(Method::POST, path, OPERATOR_TOKEN)
            .json(&json!({"replicas": 1}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 400, "action_not_supported");
    let path = "/api/clusters/open/resources/apps/v1/deployments/shop/nope/restart";
    let (status, body) = json(app.bearer(Method::POST, path, OPERATOR_TOKEN).send().await.unwrap()).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(last_audit(&app, "restart").await["outcome"], "failure");
    app.stop().await;
    db.cleanup().await;
}
