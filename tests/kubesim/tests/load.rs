//! Fixtures load as `kubectl apply -f` of the same file would: proved against the real
//! kubectl, which applies tests/fixtures/apply.yaml to a simulator started empty.

mod common;

use common::kubectl::Kubectl;
use kubesim::{Sim, SimConfig};
use serde_json::{Value, json};

const APPLY: &str = include_str!("fixtures/apply.yaml");

/// The objects apply.yaml leaves (apiVersion, kind, namespace, name).
const OBJECTS: &[(&str, &str, &str, &str)] = &[
    ("v1", "Namespace", "", "default"),
    ("v1", "Namespace", "", "kube-public"),
    ("v1", "Namespace", "", "shop"),
    ("v1", "ConfigMap", "default", "settings"),
    ("v1", "ConfigMap", "shop", "menu"),
    ("apps/v1", "Deployment", "shop", "web"),
    (
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        "",
        "gadgets.example.com",
    ),
    ("example.com/v1", "Gadget", "shop", "g"),
];

fn objects(sim: &Sim) -> Vec<Value> {
    OBJECTS
        .iter()
        .map(|(api_version, kind, ns, name)| {
            sim.get(api_version, kind, ns, name)
                .unwrap_or_else(|| panic!("{kind} {ns}/{name} is missing"))
        })
        .collect()
}

async fn empty_sim(version: &str) -> Sim {
    Sim::start(SimConfig {
        git_version: version.into(),
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixture_updates_what_exists_and_loads_twice() {
    let sim = empty_sim("v1.33.1").await;
    let default_before = sim.get("v1", "Namespace", "", "default").unwrap();
    assert_eq!(sim.load_yaml(APPLY).unwrap(), 9);

    let default = sim.get("v1", "Namespace", "", "default").unwrap();
    assert_eq!(
        default["metadata"]["labels"],
        json!({"team": "platform", "kubernetes.io/metadata.name": "default"})
    );
    for field in ["uid", "creationTimestamp"] {
        assert_eq!(default["metadata"][field], default_before["metadata"][field], "{field}");
    }
    assert_eq!(default["status"], json!({"phase": "Active"}));
    let public = sim.get("v1", "Namespace", "", "kube-public").unwrap();
    assert_eq!(public["metadata"]["annotations"], json!({"note": "listed again"}));
    let settings = sim.get("v1", "ConfigMap", "default", "settings").unwrap();
    assert_eq!(settings["data"], json!({"color": "green"}));
    assert_eq!(settings["metadata"]["labels"], json!({"tier": "web"}));
    assert_eq!(
        sim.get("v1", "ConfigMap", "shop", "menu").unwrap()["data"]["soup"],
        "tomato"
    );
    assert_eq!(
        sim.get("apps/v1", "Deployment", "shop", "web").unwrap()["spec"]["replicas"],
        2
    );
    assert_eq!(
        sim.get("example.com/v1", "Gadget", "shop", "g").unwrap()["spec"]["size"],
        3
    );

    // Again: only the ConfigMap given twice is written (twice) again; it ends up the same.
    let first = objects(&sim);
    sim.load_yaml(APPLY).unwrap();
    for (before, after) in first.iter().zip(objects(&sim)) {
        let mut after = after;
        if after["metadata"]["name"] == "settings" {
            assert_ne!(
                after["metadata"]["resourceVersion"],
                before["metadata"]["resourceVersion"]
            );
            after["metadata"]["resourceVersion"] = before["metadata"]["resourceVersion"].clone();
        }
        assert_eq!(*before, after);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_object_names_its_document() {
    let sim = empty_sim("v1.33.1").await;
    let err = sim
        .load_yaml("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g, namespace: shop}\n")
        .unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "YAML document 2: Gadget shop/g: no resource registered for example.com/v1 Gadget"
    );
    let err = sim
        .load_yaml("apiVersion: v1\nkind: Namespace\nmetadata: {name: default, uid: not-its-uid}\n")
        .unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "YAML document 1: Namespace default: Namespace \"default\" is invalid: metadata.uid: Invalid value: \"not-its-uid\": field is immutable"
    );
}

/// What both ways of loading must agree on: kubectl adds its last-applied annotation and
/// the servers pick their own uids, times and resourceVersions.
fn comparable(obj: &Value) -> Value {
    let meta = &obj["metadata"];
    let mut annotations = meta["annotations"].clone();
    if let Some(a) = annotations.as_object_mut() {
        a.remove("kubectl.kubernetes.io/last-applied-configuration");
        if a.is_empty() {
            annotations = Value::Null;
        }
    }
    json!({
        "kind": obj["kind"],
        "name": meta["name"],
        "namespace": meta["namespace"],
        "labels": meta["labels"],
        "annotations": annotations,
        "data": obj["data"],
        "spec": obj["spec"],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_apply_of_the_same_file_makes_the_same_objects() {
    let loaded = empty_sim("v1.33.1").await;
    loaded.load_yaml(APPLY).unwrap();
    let expected: Vec<Value> = objects(&loaded).iter().map(comparable).collect();
    for version in ["v1.33.1", "v1.27.3"] {
        let sim = empty_sim(version).await;
        let Some(k) = Kubectl::new(&sim) else { return };
        let path = k.manifest("apply.yaml", APPLY);
        // kubectl maps every document before it writes any, so the Gadget waits for
        // its CRD until the second run.
        let out = k.run(&["apply", "-f", &path]).await;
        assert!(!out.ok, "{version}: {}", out.stdout);
        assert!(
            out.stderr.contains(
                "no matches for kind \"Gadget\" in version \"example.com/v1\"\nensure CRDs are installed first"
            ),
            "{version}: {}",
            out.stderr
        );
        let out = k.ok(&["apply", "-f", &path]).await;
        assert!(out.contains("gadget.example.com/g created"), "{version}: {out}");
        let applied: Vec<Value> = objects(&sim).iter().map(comparable).collect();
        for (want, got) in expected.iter().zip(&applied) {
            assert_eq!(want, got, "{version}");
        }
    }
}
