//! Helm releases against a simulated cluster loaded with release Secrets real Helm wrote
//! (tests/fixtures/helm/releases.yaml): shop/greeter at revisions 1 and 2, ops/edge at 1.

mod common;

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use kubesim::Sim;
use kubesim::auth::Rule;
use reqwest::Method;
use serde_json::{Value, json};

const RELEASES: &str = "/api/clusters/{cluster}/helm/releases";

async fn helm_sim() -> Sim {
    let sim = shop_sim().await;
    sim.load_yaml(include_str!("fixtures/helm/releases.yaml")).unwrap();
    sim
}

async fn app(db: &TestDb, sim: &Sim) -> TestApp {
    let app = TestApp::with(with_secret_key(db)).await;
    register_sim(&app, "open", sim, "shared").await;
    register_sim(&app, "guarded", sim, "impersonate").await;
    app
}

async fn get(app: &TestApp, cluster: &str, rest: &str, token: &str) -> (u16, Value) {
    let path = format!("{}{rest}", RELEASES.replace("{cluster}", cluster));
    json(app.bearer(Method::GET, &path, token).send().await.unwrap()).await
}

fn names(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}/{}@{}",
                r["namespace"].as_str().unwrap(),
                r["name"].as_str().unwrap(),
                r["revision"]
            )
        })
        .collect()
}

fn paths(changes: &Value) -> Vec<&str> {
    changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect()
}

/// The newest audit row of `verb`.
async fn last_audit(app: &TestApp, verb: &str) -> Value {
    app.audit(&format!("verb={verb}"))
        .await
        .into_iter()
        .next()
        .expect("an audit row")
}

/// A Secret as Helm's storage driver writes it, holding `release` (base64 of gzip of JSON).
fn release_secret(namespace: &str, name: &str, revision: u32, release: &Value) -> Value {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(release.to_string().as_bytes()).unwrap();
    let helm = STANDARD.encode(gz.finish().unwrap());
    json!({
        "apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
        "metadata": {"name": format!("sh.helm.release.v1.{name}.v{revision}"), "namespace": namespace,
            "labels": {"owner": "helm", "name": name, "status": "deployed", "version": revision.to_string()}},
        "data": {"release": STANDARD.encode(helm)},
    })
}

on_both_backends! {
    async fn releases_list_read_whole_and_diff_with_audit_rows(db) {
        let sim = helm_sim().await;
        let app = app(db, &sim).await;

        let (status, list) = get(&app, "open", "", VIEWER_TOKEN).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(names(&list["items"]), ["ops/edge@1", "shop/greeter@2"]);
        assert_eq!((&list["total"], &list["truncated"], &list["skipped"]), (&json!(2), &json!(false), &json!([])));
        let greeter = &list["items"][1];
        assert_eq!(
            (&greeter["status"], &greeter["chart"], &greeter["chartVersion"], &greeter["appVersion"], &greeter["description"]),
            (&json!("deployed"), &json!("greeter"), &json!("0.1.0"), &json!("1.4.2"), &json!("Upgrade complete"))
        );
        assert!(greeter["updated"].as_str().unwrap().starts_with("20"), "{greeter}");
        let (_, shop) = get(&app, "open", "?namespace=shop", VIEWER_TOKEN).await;
        assert_eq!(names(&shop["items"]), ["shop/greeter@2"]);
        assert!(app.audit("verb=helm_release_read").await.is_empty(), "a list reveals no values");

        // The latest revision, whole, is an operator's read in shared mode, and audited.
        let (status, body) = get(&app, "open", "/shop/greeter", VIEWER_TOKEN).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, latest) = get(&app, "open", "/shop/greeter", OPERATOR_TOKEN).await;
        assert_eq!(status, 200, "{latest}");
        assert_eq!((&latest["revision"], &latest["status"]), (&json!(2), &json!("deployed")));
        assert_eq!(latest["values"]["user"]["replicaCount"], 3);
        assert_eq!(latest["values"]["computed"]["image"], json!({"repository": "nginx", "tag": "1.28.0"}));
        assert_eq!(latest["chartMetadata"]["name"], "greeter");
        assert!(latest["notes"].as_str().unwrap().contains("hello, shop"));
        assert!(latest["manifest"].as_str().unwrap().contains("replicas: 3"));
        let resources: Vec<String> = latest["resources"].as_array().unwrap().iter()
            .map(|r| format!("{} {}/{}", r["apiVersion"].as_str().unwrap(), r["kind"].as_str().unwrap(), r["name"].as_str().unwrap()))
            .collect();
        assert_eq!(resources, ["v1 ServiceAccount/greeter-sa", "v1 ConfigMap/greeter-config", "apps/v1 Deployment/greeter"]);
        let row = last_audit(&app, "helm_release_read").await;
        assert_eq!(
            (&row["outcome"], &row["cluster"], &row["namespace"], &row["name"], &row["resourceType"], &row["reason"], &row["actor"]),
            (&json!("success"), &json!("open"), &json!("shop"), &json!("greeter"), &json!("helm_release"),
                &json!("revision=2"), &json!("token:operator")),
            "{row}"
        );

        let (status, first) = get(&app, "open", "/shop/greeter?revision=1", OPERATOR_TOKEN).await;
        assert_eq!(status, 200, "{first}");
        assert_eq!((&first["revision"], &first["status"]), (&json!(1), &json!("superseded")));
        assert_eq!(first["values"]["user"], json!({"greeting": "hi", "image": {"tag": "1.27.3"}}));
        assert_eq!(first["values"]["computed"]["replicaCount"], 1);
        assert!(first["resources"].as_array().unwrap().iter().any(|r| r["kind"] == "Service"));

        let (status, history) = get(&app, "open", "/shop/greeter/history", VIEWER_TOKEN).await;
        assert_eq!(status, 200, "{history}");
        assert_eq!(names(&history["items"]), ["shop/greeter@2", "shop/greeter@1"]);
        assert_eq!(history["items"][1]["description"], "Install complete");
        let (_, newest) = get(&app, "open", "/shop/greeter/history?max=1", VIEWER_TOKEN).await;
        assert_eq!((names(&newest["items"]), &newest["truncated"]), (vec!["shop/greeter@2".to_string()], &json!(true)));

        let (status, diff) = get(&app, "open", "/shop/greeter/diff", OPERATOR_TOKEN).await;
        assert_eq!(status, 200, "{diff}");
        assert_eq!((&diff["from"]["revision"], &diff["to"]["revision"]), (&json!(1), &json!(2)));
        assert_eq!(
            paths(&diff["values"]["changed"]),
            ["extraConfig", "greeting", "image.tag", "replicaCount", "service.enabled"]
        );
        assert_eq!(diff["values"]["changed"][3], json!({"path": "replicaCount", "from": 1, "to": 3}));
        assert_eq!(paths(&diff["userValues"]["added"]), ["extraConfig", "replicaCount", "service.enabled"]);
        let objects: Vec<String> = diff["manifest"]["resources"].as_array().unwrap().iter()
            .map(|r| format!("{} {}", r["change"].as_str().unwrap(), r["resource"]["kind"].as_str().unwrap()))
            .collect();
        assert_eq!(objects, ["changed ConfigMap", "changed Deployment", "removed Service", "added ServiceAccount"]);
        assert_eq!(diff["manifest"]["unchanged"], 0);
        let deployment = diff["manifest"]["resources"][1]["diff"].as_str().unwrap();
        assert!(deployment.starts_with("--- Deployment/greeter (revision 1)\n+++ Deployment/greeter (revision 2)\n@@ "), "{deployment}");
        assert!(deployment.contains("\n-  replicas: 1\n+  replicas: 3\n"), "{deployment}");
        let row = last_audit(&app, "helm_release_diff").await;
        assert_eq!((&row["outcome"], &row["reason"]), (&json!("success"), &json!("from=1 to=2")), "{row}");

        let (status, same) = get(&app, "open", "/shop/greeter/diff?from=2&to=2", OPERATOR_TOKEN).await;
        assert_eq!(status, 200, "{same}");
        assert_eq!((&same["manifest"]["resources"], &same["manifest"]["unchanged"]), (&json!([]), &json!(3)));
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_releases_and_bad_revisions_are_refused() {
    let db = TestDb::sqlite().await;
    let sim = helm_sim().await;
    let app = app(&db, &sim).await;
    for rest in [
        "/shop/nope",
        "/shop/nope/history",
        "/shop/nope/diff",
        "/shop/Bad,name=x",
        "/ops/greeter",
    ] {
        let (status, body) = get(&app, "open", rest, OPERATOR_TOKEN).await;
        assert_error(status, &body, 404, "release_not_found");
    }
    for rest in [
        "/shop/greeter?revision=9",
        "/shop/greeter/diff?from=9",
        "/shop/greeter/diff?to=3",
    ] {
        let (status, body) = get(&app, "open", rest, OPERATOR_TOKEN).await;
        assert_error(status, &body, 404, "revision_not_found");
    }
    for rest in [
        "/shop/greeter?revision=0",
        "/shop/greeter/diff?from=0",
        "/ops/edge/diff",
    ] {
        let (status, body) = get(&app, "open", rest, OPERATOR_TOKEN).await;
        assert_error(status, &body, 422, "invalid_revision");
    }
    let row = last_audit(&app, "helm_release_read").await;
    assert_eq!(
        (&row["outcome"], &row["namespace"], &row["reason"]),
        (&json!("failure"), &json!("shop"), &json!("revision=0")),
        "{row}"
    );
    let (status, body) = get(&app, "open", "/shop/greeter/history?max=0", VIEWER_TOKEN).await;
    assert_error(status, &body, 422, "invalid_max");
    let (status, body) = get(&app, "open", "?namespace=Not_A_Namespace", VIEWER_TOKEN).await;
    assert_error(status, &body, 422, "invalid_namespace");
    let (status, body) = get(&app, "open", "/shop/greeter?revision=x", OPERATOR_TOKEN).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = get(&app, "nowhere", "", VIEWER_TOKEN).await;
    assert_eq!(status, 404, "{body}");
    app.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubernetes_rbac_decides_on_impersonate_clusters() {
    let db = TestDb::sqlite().await;
    let sim = helm_sim().await;
    // Operators may read secrets in shop only; viewers may read none.
    sim.add_rule(Rule::group(
        "fleetdeck:operators",
        &["get", "list"],
        &[""],
        &["secrets"],
        &["shop"],
    ));
    let app = app(&db, &sim).await;

    let (status, body) = get(&app, "guarded", "", VIEWER_TOKEN).await;
    assert_error(status, &body, 403, "kube_forbidden");
    let (status, body) = get(&app, "guarded", "/shop/greeter/history", VIEWER_TOKEN).await;
    assert_error(status, &body, 403, "kube_forbidden");
    let (status, list) = get(&app, "guarded", "", OPERATOR_TOKEN).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        names(&list["items"]),
        ["shop/greeter@2"],
        "only the namespaces the caller may list"
    );

    let (status, body) = get(&app, "guarded", "/ops/edge", OPERATOR_TOKEN).await;
    assert_error(status, &body, 403, "kube_forbidden");
    let row = last_audit(&app, "helm_release_read").await;
    assert_eq!(
        (&row["outcome"], &row["cluster"], &row["namespace"]),
        (&json!("denied"), &json!("guarded"), &json!("ops")),
        "{row}"
    );
    let (status, body) = get(&app, "guarded", "/ops/edge?revision=1", OPERATOR_TOKEN).await;
    assert_error(status, &body, 403, "kube_forbidden");
    let (status, body) = get(&app, "guarded", "/shop/greeter", OPERATOR_TOKEN).await;
    assert_eq!((status, &body["revision"]), (200, &json!(2)), "{body}");
    let (status, body) = get(&app, "guarded", "/shop/greeter/diff", OPERATOR_TOKEN).await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_is_capped_and_undecodable_secrets_are_skipped() {
    let db = TestDb::sqlite().await;
    let sim = helm_sim().await;
    for i in 0..200 {
        let name = format!("bulk-{i:03}");
        let release = json!({"name": name, "namespace": "bulk", "version": 1,
            "info": {"status": "deployed", "description": "Install complete"},
            "chart": {"metadata": {"name": "greeter", "version": "0.1.0"}}});
        sim.create_or_update(release_secret("bulk", &name, 1, &release))
            .unwrap();
    }
    let mut broken = release_secret("shop", "broken", 1, &json!({}));
    broken["data"]["release"] = json!(STANDARD.encode("not base64 at all!"));
    sim.create_or_update(broken).unwrap();
    let app = app(&db, &sim).await;

    let secret_lists = || {
        sim.requests()
            .into_iter()
            .filter(|r| r.path == "/api/v1/secrets")
            .count()
    };
    let (status, list) = get(&app, "open", "", VIEWER_TOKEN).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(secret_lists(), 3, "203 Secrets are read in pages of 100");
    assert_eq!((&list["total"], &list["truncated"]), (&json!(203), &json!(true)));
    assert_eq!(list["items"].as_array().unwrap().len(), 200);
    assert_eq!(list["items"][0]["name"], "bulk-000");
    let (_, shop) = get(&app, "open", "?namespace=shop", VIEWER_TOKEN).await;
    assert_eq!(names(&shop["items"]), ["shop/greeter@2"]);
    assert_eq!(
        shop["skipped"],
        json!([{"namespace": "shop", "secret": "sh.helm.release.v1.broken.v1", "reason": "the release is not base64"}])
    );
    let (status, body) = get(&app, "open", "/shop/broken", OPERATOR_TOKEN).await;
    assert_error(status, &body, 502, "release_undecodable");
    app.stop().await;
    db.cleanup().await;
}
