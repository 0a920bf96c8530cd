//! Objects created through kubectl come back with the apiserver's defaults; ResourceQuota,
//! LimitRange and PriorityClass work; `kubectl auth can-i --list` lists the rule table.

mod common;

use common::kubectl::{Kubectl, sim_with, words};
use kubesim::{Rule, Sim, SimConfig};
use serde_json::{Value, json};

async fn get_json(k: &Kubectl, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.extend(["-o", "json"]);
    serde_json::from_str(&k.ok(&args).await).unwrap()
}

/// The row of `kubectl get` output whose first word is `name`.
fn row<'a>(out: &'a str, name: &str) -> Vec<&'a str> {
    out.lines()
        .map(words)
        .find(|w| w.first() == Some(&name))
        .unwrap_or_else(|| panic!("no row {name} in:\n{out}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_creates_come_back_defaulted() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };

    k.ok(&[
        "create",
        "deployment",
        "api",
        "--image=registry.local/api:1.4",
        "-n",
        "shop",
    ])
    .await;
    let d = get_json(&k, &["get", "deploy", "api", "-n", "shop"]).await;
    let spec = &d["spec"];
    assert_eq!(spec["replicas"], 1);
    assert_eq!(
        spec["strategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
    );
    assert_eq!(
        (&spec["revisionHistoryLimit"], &spec["progressDeadlineSeconds"]),
        (&json!(10), &json!(600))
    );
    let pod = &spec["template"]["spec"];
    for (field, value) in [
        ("restartPolicy", json!("Always")),
        ("dnsPolicy", json!("ClusterFirst")),
        ("schedulerName", json!("default-scheduler")),
        ("terminationGracePeriodSeconds", json!(30)),
        ("securityContext", json!({})),
    ] {
        assert_eq!(pod[field], value, "{field}");
    }
    assert_eq!(pod["containers"][0]["imagePullPolicy"], "IfNotPresent");
    assert_eq!(pod["containers"][0]["terminationMessagePolicy"], "File");

    k.ok(&["create", "job", "pi", "--image=perl:5.34", "-n", "shop"]).await;
    let j = get_json(&k, &["get", "job", "pi", "-n", "shop"]).await;
    let uid = j["metadata"]["uid"].as_str().unwrap();
    assert_eq!(
        j["spec"]["selector"],
        json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}})
    );
    assert_eq!(j["spec"]["template"]["metadata"]["labels"]["job-name"], "pi");
    assert_eq!(j["metadata"]["labels"]["batch.kubernetes.io/job-name"], "pi");
    assert_eq!(
        (
            &j["spec"]["backoffLimit"],
            &j["spec"]["completionMode"],
            &j["spec"]["suspend"]
        ),
        (&json!(6), &json!("NonIndexed"), &json!(false))
    );

    k.ok(&["create", "namespace", "team"]).await;
    let ns = get_json(&k, &["get", "ns", "team"]).await;
    assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
    assert_eq!(ns["metadata"]["labels"]["kubernetes.io/metadata.name"], "team");

    // A replace without the defaulted fields gets them back and changes nothing.
    let before = get_json(&k, &["get", "deploy", "api", "-n", "shop"]).await;
    let mut bare = before.clone();
    bare["spec"]
        .as_object_mut()
        .unwrap()
        .retain(|k, _| k == "selector" || k == "template");
    let file = k.manifest("bare.json", &bare.to_string());
    k.ok(&["replace", "-f", &file]).await;
    let after = get_json(&k, &["get", "deploy", "api", "-n", "shop"]).await;
    assert_eq!(after["spec"], before["spec"]);
    assert_eq!(after["metadata"]["generation"], before["metadata"]["generation"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_get_cluster_ips_and_node_ports() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    k.ok(&["create", "service", "clusterip", "api", "--tcp=80:8080", "-n", "shop"])
        .await;
    k.ok(&["create", "service", "nodeport", "edge", "--tcp=443", "-n", "shop"])
        .await;
    k.ok(&["create", "service", "clusterip", "db", "--clusterip=None", "-n", "shop"])
        .await;

    let svc = get_json(&k, &["get", "svc", "api", "-n", "shop"]).await;
    let spec = &svc["spec"];
    let ip: std::net::Ipv4Addr = spec["clusterIP"].as_str().unwrap().parse().unwrap();
    assert_eq!(ip.octets()[0], 10);
    assert!((96..112).contains(&ip.octets()[1]), "{ip} is outside 10.96.0.0/12");
    assert_eq!(spec["clusterIPs"], json!([ip.to_string()]));
    assert_eq!(spec["ipFamilies"], json!(["IPv4"]));
    assert_eq!(spec["ipFamilyPolicy"], "SingleStack");
    assert_eq!(spec["sessionAffinity"], "None");
    assert_eq!(spec["internalTrafficPolicy"], "Cluster");
    assert_eq!(
        spec["ports"],
        json!([{"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080}])
    );

    let out = k.ok(&["get", "svc", "-n", "shop"]).await;
    assert_eq!(
        row(&out, "api"),
        [
            "api",
            "ClusterIP",
            &ip.to_string(),
            "<none>",
            "80/TCP",
            row(&out, "api")[5]
        ]
    );
    let edge = row(&out, "edge");
    assert_eq!(edge[1], "NodePort");
    assert_ne!(edge[2], ip.to_string());
    let node_port: u32 = edge[4]
        .strip_prefix("443:")
        .and_then(|p| p.strip_suffix("/TCP"))
        .unwrap()
        .parse()
        .unwrap();
    assert!((30000..=32767).contains(&node_port), "{}", edge[4]);
    assert_eq!(row(&out, "db")[2], "None");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotas_limit_ranges_and_priority_classes() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };

    let out = k
        .ok(&[
            "create",
            "quota",
            "compute",
            "--hard=pods=10,limits.cpu=2,services=5",
            "-n",
            "shop",
        ])
        .await;
    assert_eq!(out.trim(), "resourcequota/compute created");
    // Used is counted when the quota is written: the fixture's two running pods.
    let out = k.ok(&["get", "quota", "-n", "shop"]).await;
    assert!(out.starts_with("NAME"), "{out}");
    assert_eq!(words(out.lines().next().unwrap()), ["NAME", "AGE", "REQUEST", "LIMIT"]);
    assert!(out.contains("pods: 2/10, services: 0/5   limits.cpu: 0/2"), "{out}");
    let out = k.ok(&["describe", "quota", "compute", "-n", "shop"]).await;
    let lines: Vec<Vec<&str>> = out.lines().map(words).collect();
    assert!(lines.contains(&vec!["Resource", "Used", "Hard"]), "{out}");
    assert!(lines.contains(&vec!["pods", "2", "10"]), "{out}");
    assert!(lines.contains(&vec!["limits.cpu", "0", "2"]), "{out}");

    let out = k
        .ok(&[
            "create",
            "priorityclass",
            "high",
            "--value=1000",
            "--description=urgent work",
        ])
        .await;
    assert_eq!(out.trim(), "priorityclass.scheduling.k8s.io/high created");
    let out = k.ok(&["get", "pc"]).await;
    assert_eq!(
        words(out.lines().next().unwrap()),
        ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]
    );
    let high = row(&out, "high");
    assert_eq!((high[1], high[2], high[4]), ("1000", "false", "PreemptLowerPriority"));
    let pc = get_json(&k, &["get", "pc", "high"]).await;
    assert_eq!(pc["description"], "urgent work");

    let file = k.manifest(
        "limits.yaml",
        "apiVersion: v1\nkind: LimitRange\nmetadata: {name: defaults, namespace: shop}\n\
         spec:\n  limits:\n  - type: Container\n    max: {cpu: '2'}\n    defaultRequest: {cpu: 100m}\n",
    );
    k.ok(&["create", "-f", &file]).await;
    let out = k.ok(&["get", "limits", "-n", "shop"]).await;
    assert_eq!(words(out.lines().next().unwrap()), ["NAME", "CREATED", "AT"]);
    let lr = get_json(&k, &["get", "limitrange", "defaults", "-n", "shop"]).await;
    assert_eq!(
        lr["spec"]["limits"][0],
        json!({"type": "Container", "max": {"cpu": "2"}, "default": {"cpu": "2"}, "defaultRequest": {"cpu": "100m"}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_can_i_list_prints_the_callers_rules() {
    let sim = sim_with("v1.33.1").await;
    let Some(admin) = Kubectl::new(&sim) else { return };
    let out = admin.ok(&["auth", "can-i", "--list", "-n", "shop"]).await;
    assert_eq!(
        words(out.lines().next().unwrap()),
        ["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"]
    );
    assert!(out.lines().map(words).any(|w| w == ["*.*", "[]", "[]", "[*]"]), "{out}");

    sim.add_token("deployer-token", "deployer", &[]);
    sim.add_rule(Rule::user(
        "deployer",
        &["get", "patch"],
        &["apps"],
        &["deployments"],
        &["shop"],
    ));
    sim.add_rule(Rule::user("deployer", &["delete"], &[""], &["secrets"], &["elsewhere"]));
    let deployer = Kubectl::for_token(&sim, "deployer-token").unwrap();
    let out = deployer.ok(&["auth", "can-i", "--list", "-n", "shop"]).await;
    let rows: Vec<Vec<&str>> = out.lines().map(words).collect();
    assert!(
        rows.contains(&vec!["deployments.apps", "[]", "[]", "[get", "patch]"]),
        "{out}"
    );
    assert!(
        rows.contains(&vec![
            "selfsubjectrulesreviews.authorization.k8s.io",
            "[]",
            "[]",
            "[create]"
        ]),
        "{out}"
    );
    assert!(!out.contains("secrets"), "{out}");
    assert!(!out.contains("*.*"), "{out}");
    let out = deployer.ok(&["auth", "can-i", "--list", "-n", "elsewhere"]).await;
    assert!(out.contains("secrets"), "{out}");
    assert!(!out.contains("deployments"), "{out}");
}

/// DeleteOptions as JSON and as protobuf: preconditions and propagationPolicy are read from both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_options_in_json_and_protobuf() {
    let sim = Sim::start(SimConfig {
        tls: false,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    sim.load_yaml(common::kubectl::FIXTURES).unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/namespaces/shop/pods/web-1", sim.url());
    let delete = |content_type: &str, body: Vec<u8>| {
        client
            .delete(&url)
            .bearer_auth(sim.admin_token())
            .header("content-type", content_type)
            .body(body)
            .send()
    };

    let r = delete("application/json", br#"{"propagationPolicy": "Sideways"}"#.to_vec())
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let status: Value = r.json().await.unwrap();
    assert_eq!(
        status["message"],
        "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"Sideways\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""
    );

    // k8s\0 + runtime.Unknown{typeMeta {v1, DeleteOptions}, raw: DeleteOptions{preconditions {uid: "nope"}}}.
    let field = |n: u8, b: &[u8]| [vec![(n << 3) | 2, b.len() as u8], b.to_vec()].concat();
    let raw = field(2, &field(1, b"nope"));
    let type_meta = [field(1, b"v1"), field(2, b"DeleteOptions")].concat();
    let body = [b"k8s\0".to_vec(), field(1, &type_meta), field(2, &raw)].concat();
    let r = delete("application/vnd.kubernetes.protobuf", body).await.unwrap();
    assert_eq!(r.status(), 409);
    let status: Value = r.json().await.unwrap();
    assert!(
        status["message"].as_str().unwrap().starts_with(
            "Operation cannot be fulfilled on pods \"web-1\": Precondition failed: UID in precondition: nope"
        ),
        "{status}"
    );

    let r = delete("application/json", br#"{"propagationPolicy": "Foreground"}"#.to_vec())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(sim.get("v1", "Pod", "shop", "web-1").is_none());
}
