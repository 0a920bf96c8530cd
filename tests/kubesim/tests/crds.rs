//! CustomResourceDefinitions and their custom resources, driven by the real kubectl.

mod common;

use common::kubectl::{Kubectl, sim_with, words};

const CRD: &str = include_str!("fixtures/widgets-crd.yaml");
const WIDGET: &str = "apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: default}
spec: {size: 2, color: blue}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crd_serves_its_resources_with_printer_columns_and_scale() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let crd = k.manifest("crd.yaml", CRD);
    let widget = k.manifest("widget.yaml", WIDGET);
    // Default (strict) validation: kubectl learns from /openapi/v3 that the server validates.
    assert!(
        k.ok(&["apply", "-f", &crd])
            .await
            .contains("widgets.example.com created")
    );
    let established = k
        .ok(&[
            "get",
            "crd",
            "widgets.example.com",
            "-o",
            "jsonpath={.status.conditions[?(@.type==\"Established\")].status}",
        ])
        .await;
    assert_eq!(established, "True");
    assert!(
        k.ok(&["apply", "-f", &widget])
            .await
            .contains("widget.example.com/w1 created")
    );

    let out = k.ok(&["get", "widgets"]).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(words(lines[0]), ["NAME", "SIZE", "AGE"]);
    assert_eq!(words(lines[1])[..2], ["w1", "2"]);
    let out = k.ok(&["get", "wd", "-o", "wide"]).await;
    assert_eq!(words(out.lines().next().unwrap()), ["NAME", "SIZE", "COLOR", "AGE"]);
    assert!(out.contains("blue"));
    // The category `all` brings it into `kubectl get all`.
    assert!(
        k.ok(&["get", "all", "-o", "name"])
            .await
            .contains("widget.example.com/w1")
    );

    // The scale subresource follows the CRD's specReplicasPath.
    k.ok(&["scale", "widget", "w1", "--replicas=5"]).await;
    assert_eq!(
        sim.get("example.com/v1", "Widget", "default", "w1").unwrap()["spec"]["size"],
        5
    );

    // The other served version shows the same object under its own apiVersion.
    let out = k
        .ok(&[
            "get",
            "widgets.v1beta1.example.com",
            "w1",
            "-o",
            "jsonpath={.apiVersion} {.spec.size}",
        ])
        .await;
    assert_eq!(out, "example.com/v1beta1 5");

    // Custom resources have no strategic merge patch (kubectl's default type).
    let stderr = k.err(&["patch", "widget", "w1", "-p", r#"{"spec":{"size":6}}"#]).await;
    assert!(
        stderr.contains("UnsupportedMediaType") || stderr.contains("unknown format"),
        "{stderr}"
    );
    // The status subresource: a patch to the object leaves status alone, and back.
    k.ok(&[
        "patch",
        "widget",
        "w1",
        "--type=merge",
        "-p",
        r#"{"status":{"size":9}}"#,
    ])
    .await;
    assert!(sim.get("example.com/v1", "Widget", "default", "w1").unwrap()["status"].is_null());
    k.ok(&[
        "patch",
        "widget",
        "w1",
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"size":5}}"#,
    ])
    .await;
    assert_eq!(
        sim.get("example.com/v1", "Widget", "default", "w1").unwrap()["status"]["size"],
        5
    );

    // `kubectl explain` reads the CRD's schema from /openapi/v3.
    assert!(k.ok(&["explain", "widget.spec"]).await.contains("size"));

    // Deleting the CRD takes its resources and the API with it.
    k.ok(&["delete", "crd", "widgets.example.com"]).await;
    assert!(sim.get("example.com/v1", "Widget", "default", "w1").is_none());
    let stderr = k.err(&["get", "widgets"]).await;
    // kubectl's cached discovery still knows the type; the apiserver's 404 says it is gone.
    assert!(
        stderr.contains("the server could not find the requested resource"),
        "{}",
        stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_crd_is_refused_with_every_cause() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let bad = CRD
        .replace("name: widgets.example.com", "name: gadgets.example.com")
        .replace("scope: Namespaced", "scope: Everywhere");
    let path = k.manifest("bad.yaml", &bad);
    let stderr = k.err(&["apply", "-f", &path]).await;
    // kubectl lists the Status's causes one per line.
    for line in [
        "The CustomResourceDefinition \"gadgets.example.com\" is invalid:",
        "* metadata.name: Invalid value: \"gadgets.example.com\": must be spec.names.plural+\".\"+spec.group",
        "* spec.scope: Unsupported value: \"Everywhere\": supported values: \"Cluster\", \"Namespaced\"",
    ] {
        assert!(stderr.contains(line), "{}", stderr);
    }
    assert!(k.ok(&["get", "crd", "-o", "name"]).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crds_load_from_fixtures_with_their_resources() {
    let sim = sim_with("v1.33.1").await;
    sim.load_yaml(&format!("{CRD}---\n{WIDGET}")).unwrap();
    let Some(k) = Kubectl::new(&sim) else { return };
    let out = k.ok(&["get", "widgets", "-A", "-o", "name"]).await;
    assert_eq!(out, "widget.example.com/w1\n");
    let groups = k.ok(&["api-versions"]).await;
    assert!(
        groups.contains("example.com/v1\n") && groups.contains("example.com/v1beta1\n"),
        "{groups}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_resources_are_checked_against_their_schema() {
    let sim = sim_with("v1.33.1").await;
    sim.load_yaml(CRD).unwrap();
    let Some(k) = Kubectl::new(&sim) else { return };
    // A value of the wrong type is a 422 naming the field.
    let bad = k.manifest("bad.yaml", &WIDGET.replace("size: 2", "size: two"));
    let stderr = k.err(&["apply", "-f", &bad]).await;
    assert!(
        stderr.contains(
            "The Widget \"w1\" is invalid: spec.size: Invalid value: \"string\": spec.size in body must be of type integer: \"string\""
        ),
        "{}",
        stderr
    );
    // kubectl validates strictly by default: an unknown field is refused…
    let unknown = k.manifest(
        "unknown.yaml",
        &WIDGET.replace("color: blue", "color: blue, shape: round"),
    );
    let stderr = k.err(&["apply", "-f", &unknown]).await;
    assert!(stderr.contains("unknown field \"spec.shape\""), "{}", stderr);
    assert!(sim.get("example.com/v1", "Widget", "default", "w1").is_none());
    // …and with --validate=warn it is pruned, with the apiserver's warning.
    let out = k.run(&["apply", "--validate=warn", "-f", &unknown]).await;
    assert!(out.ok, "{}", out.stderr);
    assert!(
        out.stderr.contains("Warning: unknown field \"spec.shape\""),
        "{}",
        out.stderr
    );
    let w1 = sim.get("example.com/v1", "Widget", "default", "w1").unwrap();
    assert_eq!(w1["spec"], serde_json::json!({"size": 2, "color": "blue"}));
    // The v1beta1 schema preserves unknown fields.
    let beta = k.manifest(
        "beta.yaml",
        &WIDGET
            .replace("example.com/v1", "example.com/v1beta1")
            .replace("name: w1", "name: w2")
            .replace("color: blue", "shape: round"),
    );
    k.ok(&["apply", "-f", &beta]).await;
    assert_eq!(
        sim.get("example.com/v1", "Widget", "default", "w2").unwrap()["spec"]["shape"],
        "round"
    );
}

/// Without `fieldValidation` (kube::Client sends none) the apiserver warns and prunes.
#[tokio::test]
async fn unknown_fields_warn_by_default_and_dry_run_values_are_checked() {
    let sim = kubesim::Sim::start(kubesim::SimConfig {
        tls: false,
        ..kubesim::SimConfig::default()
    })
    .await
    .unwrap();
    sim.load_yaml(CRD).unwrap();
    let url = format!("{}/apis/example.com/v1/namespaces/default/widgets", sim.url());
    let body = serde_json::json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w"}, "spec": {"size": 1, "shape": "round"}});
    let client = reqwest::Client::new();
    let resp = client
        .post(&url)
        .bearer_auth(sim.admin_token())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(
        resp.headers()["warning"].to_str().unwrap(),
        "299 - \"unknown field \\\"spec.shape\\\"\""
    );
    let created: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(created["spec"], serde_json::json!({"size": 1}));

    let resp = client
        .post(format!("{url}?dryRun=Some"))
        .bearer_auth(sim.admin_token())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let status: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        status["message"],
        "CreateOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: \"Some\": supported values: \"All\""
    );
}
