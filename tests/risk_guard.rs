//! The risk guard: a corpus of good and bad manifests (tests/fixtures/risk_guard: every good file
//! has no finding, every bad file is named for the one check it triggers), and
//! `POST /api/risk-guard/analyze` through the real app.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use fleetdeck::incidents::risk_guard::{Check, KubeVersion, Options, analyze};
use reqwest::Method;
use serde_json::{Value, json};

fn corpus_options() -> Options {
    Options {
        kubernetes_version: KubeVersion::parse("1.33"),
        environment: None,
        image_allowlist: vec!["ghcr.io/acme".into()],
        default_namespace: "default".into(),
    }
}

/// (file stem, text) of every YAML file in `dir`, sorted.
fn corpus(dir: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/risk_guard")
        .join(dir);
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().to_string();
            (stem, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn good_manifests_have_no_finding() {
    let good = corpus("good");
    assert!(good.len() >= 5);
    for (name, text) in good {
        let a = analyze(&text, &corpus_options());
        assert!(a.errors.is_empty(), "{name}: {:?}", a.errors);
        assert!(a.documents > 0, "{name}");
        assert_eq!(a.blocking, 0, "{name}");
        assert!(a.findings.is_empty(), "{name}: {:#?}", a.findings);
        assert_eq!(a.score, 100, "{name}");
    }
}

#[test]
fn each_bad_manifest_triggers_exactly_its_check() {
    let bad = corpus("bad");
    let mut covered = BTreeSet::new();
    for (name, text) in bad {
        let a = analyze(&text, &corpus_options());
        assert!(a.errors.is_empty(), "{name}: {:?}", a.errors);
        let found: BTreeSet<&str> = a.findings.iter().map(|f| f.check.code()).collect();
        assert_eq!(found, BTreeSet::from([name.as_str()]), "{name}: {:#?}", a.findings);
        let f = &a.findings[0];
        assert_eq!(
            (f.severity, f.blocking),
            (f.check.severity(), f.check.blocking()),
            "{name}"
        );
        assert!(!f.path.is_empty() && !f.explanation.is_empty(), "{name}");
        assert_eq!(a.blocking, a.findings.iter().filter(|f| f.blocking).count());
        assert!(a.score < 100, "{name}");
        covered.insert(f.check);
    }
    let missing: Vec<&str> = Check::ALL
        .iter()
        .filter(|c| !covered.contains(c))
        .map(|c| c.code())
        .collect();
    assert!(missing.is_empty(), "checks without a bad manifest: {missing:?}");
}

async fn analyze_call(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    json(
        app.bearer(Method::POST, "/api/risk-guard/analyze", token)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

const SINGLE: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: checkout, namespace: shop}\nspec:\n  replicas: 1\n  \
    selector: {matchLabels: {app: checkout}}\n  template:\n    metadata: {labels: {app: checkout}}\n    \
    spec: {containers: [{name: app, image: 'ghcr.io/acme/checkout:2.0', securityContext: {privileged: true}}]}\n";

on_both_backends! {
    async fn the_analysis_route_answers_findings_for_any_role(db) {
        let sim = shop_sim().await;
        let app = TestApp::with(with_secret_key(db)).await;
        register_sim(&app, "open", &sim, "shared").await;

        let (status, body) = analyze_call(&app, VIEWER_TOKEN, json!({"manifest": SINGLE, "kubernetesVersion": "v1.33.2"})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!((&body["policy"], &body["kubernetesVersion"], &body["documents"]), (&json!("warn"), &json!("1.33"), &json!(1)));
        let privileged = body["findings"].as_array().unwrap().iter().find(|f| f["check"] == "privileged_container").expect("privileged_container");
        assert_eq!(privileged["object"], json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "checkout", "document": 1}));
        assert_eq!((&privileged["severity"], &privileged["blocking"], &privileged["container"]), (&json!("critical"), &json!(true), &json!("app")));
        assert_eq!(privileged["path"], "spec.template.spec.containers[0].securityContext.privileged");
        assert!(body["blocking"].as_u64().unwrap() >= 1 && body["score"].as_u64().unwrap() < 100);
        let has = |body: &Value, check: &str| body["findings"].as_array().unwrap().iter().any(|f| f["check"] == check);
        assert!(!has(&body, "single_replica_without_pdb"), "shop is not production");
        let skipped: Vec<&str> = body["skipped"].as_array().unwrap().iter().map(|s| s["check"].as_str().unwrap()).collect();
        assert_eq!(skipped, ["image_not_allowed"], "no allowlist in these settings");

        // A cluster gives its environment (the simulator's is prod) and its version, read from its
        // apiserver as the caller: an API removed in 1.25 is found.
        let removed_pdb = format!("{SINGLE}---\napiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {{name: checkout, namespace: shop}}\nspec: {{minAvailable: 1}}\n");
        let (status, body) = analyze_call(&app, VIEWER_TOKEN, json!({"manifest": removed_pdb, "cluster": "open"})).await;
        assert_eq!(status, 200, "{body}");
        assert!(has(&body, "single_replica_without_pdb"), "{body}");
        assert_eq!(body["kubernetesVersion"], "1.33", "the simulator reports v1.33.1");
        let removed = body["findings"].as_array().unwrap().iter().find(|f| f["check"] == "removed_api").expect("removed_api");
        assert_eq!(removed["object"]["kind"], "PodDisruptionBudget", "{removed}");
        // An unreachable cluster's version cannot be read: the check is skipped and says why.
        register_sim(&app, "gone", &shop_sim().await, "shared").await;
        let (status, body) = analyze_call(&app, VIEWER_TOKEN, json!({"manifest": SINGLE, "cluster": "gone"})).await;
        assert_eq!(status, 200, "{body}");
        let skipped = body["skipped"].as_array().unwrap().iter().find(|s| s["check"] == "removed_api").expect("removed_api skipped");
        assert!(skipped["reason"].as_str().unwrap().starts_with("the Kubernetes version of cluster gone could not be read"), "{skipped}");
        assert!(body.get("kubernetesVersion").is_none());
        let (status, body) = analyze_call(&app, VIEWER_TOKEN, json!({"manifest": SINGLE, "cluster": "open"})).await;
        assert_eq!(status, 200, "{body}");
        // A POST leaves its audit row: the counts, never the manifest.
        let row = app.audit("verb=risk_analyze").await.into_iter().next().expect("a risk_analyze row");
        assert_eq!((&row["outcome"], &row["cluster"]), (&json!("success"), &json!("open")), "{row}");
        let reason = row["reason"].as_str().unwrap();
        assert!(reason.starts_with("documents=1 findings=") && !reason.contains("checkout"), "{reason}");

        // A document that cannot be read is an error of its own; the others are analysed.
        let text = format!("{SINGLE}---\napiVersion: v1\nmetadata: {{name: nameless-kind}}\n");
        let (status, body) = analyze_call(&app, OPERATOR_TOKEN, json!({"manifest": text, "environment": "dev"})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["errors"], json!([{"document": 2, "code": "kind_missing", "message": "kind is missing"}]));
        assert_eq!(body["documents"], 1);

        for (request, status, code) in [
            (json!({"manifest": "  \n"}), 422, "empty_manifest"),
            (json!({"manifest": "---\n---\n"}), 422, "empty_manifest"),
            (json!({"manifest": SINGLE, "kubernetesVersion": "latest"}), 422, "invalid_kubernetes_version"),
            (json!({"manifest": SINGLE, "environment": "Prod!"}), 422, "invalid_environment"),
            (json!({"manifest": SINGLE, "namespace": "Not_A_Namespace"}), 422, "invalid_namespace"),
            (json!({"yaml": SINGLE}), 400, "invalid_body"),
            (json!({"manifest": SINGLE, "cluster": "nowhere"}), 404, "not_found"),
        ] {
            let (got, body) = analyze_call(&app, VIEWER_TOKEN, request.clone()).await;
            assert_error(got, &body, status, code);
        }
        let r = app.request(Method::POST, "/api/risk-guard/analyze").json(&json!({"manifest": SINGLE})).send().await.unwrap();
        assert_eq!(r.status(), 401);
        app.stop().await;
    }
}

on_both_backends! {
    async fn the_platform_policys_allowlist_binds_the_guard_when_it_names_any(db) {
        let app = TestApp::start(db).await;
        let image = |body: &Value| body["findings"].as_array().unwrap().iter().any(|f| f["check"] == "image_not_allowed");
        let (_, body) = analyze_call(&app, VIEWER_TOKEN, json!({"manifest": SINGLE})).await;
        assert!(!image(&body), "no list: any image");
        let (status, body) = call(&app, Method::PUT, "/api/platform/policy", ADMIN_TOKEN,
            Some(json!({"imageAllowlist": ["docker.io"]}))).await;
        assert_eq!(status, 200, "{body}");
        let (_, body) = analyze_call(&app, VIEWER_TOKEN, json!({"manifest": SINGLE})).await;
        let finding = body["findings"].as_array().unwrap().iter().find(|f| f["check"] == "image_not_allowed").expect("image_not_allowed");
        assert_eq!(finding["blocking"], true);
        assert!(body["skipped"].as_array().unwrap().iter().all(|s| s["check"] != "image_not_allowed"), "{body}");
        let allowed = SINGLE.replace("ghcr.io/acme/checkout:2.0", "nginx:1.27");
        let (_, body) = analyze_call(&app, VIEWER_TOKEN, json!({"manifest": allowed})).await;
        assert!(!image(&body), "docker.io/library/nginx is allowed: {body}");
        app.stop().await;
    }
}
