//! Fidelity tests: the machine's real kubectl against an in-process simulator.

mod common;

use common::kubectl::{Kubectl, sim_with, words};
use kubesim::Sim;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_pods_in_all_namespaces() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let out = k.ok(&["get", "pods", "-A"]).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        words(lines[0]),
        ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    );
    assert_eq!(words(lines[1])[..5], ["shop", "db-1", "0/1", "CrashLoopBackOff", "7"]);
    assert_eq!(words(lines[2])[..5], ["shop", "web-1", "1/1", "Running", "0"]);
    assert_eq!(lines.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_deployments_prints_the_apiserver_columns() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let out = k.ok(&["get", "deploy", "-n", "shop"]).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(words(lines[0]), ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
    assert_eq!(words(lines[1])[..4], ["web", "2/2", "2", "2"]);
    let out = k.ok(&["get", "nodes"]).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(words(lines[0]), ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
    assert_eq!(words(lines[1])[..3], ["node-0", "Ready", "control-plane"]);
    assert_eq!(words(lines[1])[4], "v1.33.1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_pod_shows_its_events() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let out = k.ok(&["describe", "pod", "web-1", "-n", "shop"]).await;
    assert!(out.contains("Name:") && out.contains("web-1"), "{out}");
    assert!(out.contains("Node:") && out.contains("node-0"), "{out}");
    assert!(out.contains("Successfully pulled image \"nginx:1.27\""), "{out}");
    // The events came through an involvedObject field selector.
    assert!(
        sim.requests()
            .iter()
            .any(|r| r.path == "/api/v1/namespaces/shop/events" && r.query.contains("involvedObject.name%3Dweb-1"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_then_get_shows_new_replicas() {
    for version in ["v1.33.1", "v1.27.3"] {
        let sim = sim_with(version).await;
        let Some(k) = Kubectl::new(&sim) else { return };
        let out = k.ok(&["scale", "deploy", "web", "-n", "shop", "--replicas=3"]).await;
        assert!(out.contains("deployment.apps/web scaled"), "{version}: {out}");
        let out = k
            .ok(&["get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.spec.replicas}"])
            .await;
        assert_eq!(out, "3", "{version}");
        let out = k.ok(&["get", "deploy", "web", "-n", "shop"]).await;
        assert_eq!(words(out.lines().nth(1).unwrap())[1], "2/3", "{version}");
        // A resourceVersion in a patch of the Scale is the apiserver's precondition (kubectl
        // scale --resource-version checks on the client first, so patch the subresource).
        let rv = k
            .ok(&[
                "get",
                "deploy",
                "web",
                "-n",
                "shop",
                "-o",
                "jsonpath={.metadata.resourceVersion}",
            ])
            .await;
        let scale_to_5 =
            |rv: &str| format!(r#"{{"metadata": {{"resourceVersion": "{rv}"}}, "spec": {{"replicas": 5}}}}"#);
        let patch = [
            "patch",
            "deploy",
            "web",
            "-n",
            "shop",
            "--subresource=scale",
            "--type=merge",
            "-p",
        ];
        let err = k.err(&[&patch[..], &[scale_to_5("1").as_str()]].concat()).await;
        assert!(err.contains("the object has been modified"), "{version}: {err}");
        k.ok(&[&patch[..], &[scale_to_5(&rv).as_str()]].concat()).await;
        let out = k
            .ok(&["get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.spec.replicas}"])
            .await;
        assert_eq!(out, "5", "{version}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_pod_removes_it() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let out = k.ok(&["delete", "pod", "web-1", "-n", "shop"]).await;
    assert!(out.contains("pod \"web-1\" deleted"), "{out}");
    let out = k.ok(&["get", "pods", "-n", "shop", "-o", "name"]).await;
    assert_eq!(out.trim(), "pod/db-1");
    assert!(sim.get("v1", "Pod", "shop", "web-1").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_pods_by_label() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let out = k
        .ok(&["get", "pods", "-n", "shop", "-l", "app=web", "-o", "name"])
        .await;
    assert_eq!(out.trim(), "pod/web-1");
    let out = k
        .ok(&["get", "pods", "-n", "shop", "-l", "app notin (web)", "-o", "name"])
        .await;
    assert_eq!(out.trim(), "pod/db-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_can_i_answers_from_the_rule_table() {
    let sim = sim_with("v1.33.1").await;
    let Some(admin) = Kubectl::new(&sim) else { return };
    let out = admin.run(&["auth", "can-i", "delete", "nodes"]).await;
    assert!(out.ok && out.stdout.trim() == "yes", "{}{}", out.stdout, out.stderr);

    let viewer = Kubectl::for_token(&sim, "viewer-token").unwrap();
    let out = viewer.run(&["auth", "can-i", "list", "pods", "-n", "shop"]).await;
    assert!(out.ok && out.stdout.trim() == "yes", "{}{}", out.stdout, out.stderr);
    let out = viewer.run(&["auth", "can-i", "delete", "pods", "-n", "shop"]).await;
    assert!(!out.ok && out.stdout.trim() == "no", "{}{}", out.stdout, out.stderr);

    // And the same table decides real requests, with the apiserver's message.
    let out = viewer.run(&["get", "deploy", "-n", "shop"]).await;
    assert!(!out.ok);
    assert!(
        out.stderr.contains(
            "deployments.apps is forbidden: User \"viewer\" cannot list resource \"deployments\" in API group \"apps\" in the namespace \"shop\""
        ),
        "{}",
        out.stderr
    );
    // Impersonation needs permission; the admin has it.
    let out = admin
        .ok(&[
            "auth",
            "can-i",
            "list",
            "pods",
            "-n",
            "shop",
            "--as",
            "viewer",
            "--as-group",
            "viewers",
        ])
        .await;
    assert_eq!(out.trim(), "yes");
    let rec = sim
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.impersonate_user.is_some())
        .unwrap();
    assert_eq!(rec.impersonate_user.as_deref(), Some("viewer"));
    assert_eq!(rec.impersonate_groups, ["viewers"]);
    assert_eq!(rec.authenticated_user.as_deref(), Some("kubesim-admin"));
    assert_eq!(rec.user.as_deref(), Some("viewer"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_events_and_watch() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let out = k.ok(&["get", "events", "-n", "shop"]).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(words(lines[0]), ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
    assert_eq!(words(lines[1])[1..4], ["Normal", "Pulled", "pod/web-1"]);

    // `get -w` prints the current rows, then one per change, from a Table watch.
    let watcher = k.run(&["get", "pods", "-n", "shop", "-w", "--request-timeout=3s"]);
    let changer = async {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        k.ok(&["label", "pod", "web-1", "-n", "shop", "seen=yes"]).await;
    };
    let (out, _) = tokio::join!(watcher, changer);
    let rows: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("web-1")).collect();
    assert_eq!(rows.len(), 2, "{}{}", out.stdout, out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_pages_large_lists_with_continue() {
    let sim = sim_with("v1.33.1").await;
    sim.load_objects(kubesim::generate::cluster(0, 120, 3, 9)).unwrap();
    let Some(k) = Kubectl::new(&sim) else { return };
    let out = k.ok(&["get", "pods", "-A", "--chunk-size=25", "-o", "name"]).await;
    assert_eq!(out.lines().count(), 122);
    let pages = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/pods" && r.query.contains("continue="))
        .count();
    assert_eq!(pages, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_side_apply_and_rollout_restart() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let manifest = k.home.join("cm.yaml");
    let write = |v: &str| {
        let yaml = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: applied, namespace: shop}}\ndata: {{a: \"{v}\"}}\n"
        );
        std::fs::write(&manifest, yaml).unwrap();
    };
    let path = manifest.to_str().unwrap();
    // kubectl validates by default: /openapi/v3 tells it the server checks fields itself.
    write("1");
    assert!(k.ok(&["apply", "-f", path]).await.contains("configmap/applied created"));
    write("2");
    assert!(
        k.ok(&["apply", "-f", path])
            .await
            .contains("configmap/applied configured")
    );
    assert_eq!(sim.get("v1", "ConfigMap", "shop", "applied").unwrap()["data"]["a"], "2");

    assert!(
        k.ok(&["rollout", "restart", "deploy", "web", "-n", "shop"])
            .await
            .contains("restarted")
    );
    let web = sim.get("apps/v1", "Deployment", "shop", "web").unwrap();
    assert!(web["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"].is_string());
    assert_eq!(web["metadata"]["generation"], 2);
}

/// A StatefulSet's revisions are its ControllerRevisions, as `kubectl rollout history` reads them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_history_reads_controller_revisions() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    sim.load_yaml(include_str!("fixtures/revisions.yaml")).unwrap();
    let history = k.ok(&["rollout", "history", "statefulset/db", "-n", "shop"]).await;
    let lines: Vec<Vec<&str>> = history.lines().map(words).filter(|w| !w.is_empty()).collect();
    assert_eq!(
        lines,
        vec![
            vec!["statefulset.apps/db"],
            vec!["REVISION", "CHANGE-CAUSE"],
            vec!["1", "<none>"],
            vec!["2", "<none>"]
        ],
        "{history}"
    );
    let one = k
        .ok(&["rollout", "history", "statefulset/db", "-n", "shop", "--revision=1"])
        .await;
    assert!(one.contains("postgres:16"), "{one}");
    let listed = k.ok(&["get", "controllerrevisions", "-n", "shop"]).await;
    assert!(listed.contains("db-7f9c8") && listed.contains("db-5b6d4"), "{listed}");
}

/// The dispatcher picks kubectl's minor from /version; every minor it carries must work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kubectl_minor_reads_and_writes() {
    for minor in 27..=33 {
        let version = format!("v1.{minor}.0");
        let sim = sim_with(&version).await;
        let Some(k) = Kubectl::new(&sim) else { return };
        let out = k.run(&["version", "-o", "json"]).await;
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        // The dispatcher is itself kubectl 1.32 and reports minor "32+" when it runs the command.
        let client_minor = v["clientVersion"]["minor"]
            .as_str()
            .unwrap_or_default()
            .trim_end_matches('+');
        assert_eq!(client_minor, minor.to_string(), "{}{}", out.stdout, out.stderr);
        let out = k.ok(&["get", "pods", "-A"]).await;
        assert_eq!(
            words(out.lines().next().unwrap())[..3],
            ["NAMESPACE", "NAME", "READY"],
            "{version}"
        );
        let out = k.ok(&["describe", "pod", "web-1", "-n", "shop"]).await;
        assert!(out.contains("Pulled"), "{version}: {out}");
        k.ok(&["scale", "deploy", "web", "-n", "shop", "--replicas=4"]).await;
        assert_eq!(
            sim.get("apps/v1", "Deployment", "shop", "web").unwrap()["spec"]["replicas"],
            4,
            "{version}"
        );
        assert_eq!(k.ok(&["auth", "can-i", "get", "pods"]).await.trim(), "yes", "{version}");
        k.ok(&["delete", "pod", "db-1", "-n", "shop"]).await;
    }
}

const OPS: &str = include_str!("fixtures/ops.yaml");

async fn ops_sim() -> Sim {
    let sim = sim_with("v1.33.1").await;
    sim.load_yaml(OPS).unwrap();
    sim
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_tail_container_and_previous() {
    let sim = ops_sim().await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let out = k.ok(&["logs", "api-1", "-n", "ops"]).await;
    assert_eq!(out, "starting\nlistening on :8080\nready\n");
    let out = k.ok(&["logs", "api-1", "-n", "ops", "--tail=2"]).await;
    assert_eq!(out, "listening on :8080\nready\n");
    let out = k.ok(&["logs", "worker-1", "-n", "ops", "-c", "proxy"]).await;
    assert_eq!(out, "proxy up\n");
    let out = k.ok(&["logs", "api-1", "-n", "ops", "--previous"]).await;
    assert_eq!(out, "panic: boom\n");
    let out = k.run(&["logs", "api-2", "-n", "ops", "--previous"]).await;
    assert!(!out.ok);
    assert!(
        out.stderr
            .contains("previous terminated container \"api\" in pod \"api-2\" not found"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_follow_streams_appended_lines() {
    let sim = ops_sim().await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let follow = k.run(&["logs", "-f", "api-1", "-n", "ops", "--request-timeout=3s"]);
    let append = async {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        sim.append_log("ops", "api-1", "api", "late line");
    };
    let (out, ()) = tokio::join!(follow, append);
    // The stream stays open until kubectl's timeout ends it; what arrived before counts.
    assert_eq!(
        out.stdout, "starting\nlistening on :8080\nready\nlate line\n",
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_evicts_unless_a_budget_forbids() {
    let sim = ops_sim().await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let drain = [
        "drain",
        "node-1",
        "--ignore-daemonsets",
        "--delete-emptydir-data",
        "--force",
        "--timeout=10s",
    ];
    let out = k.run(&drain).await;
    assert!(!out.ok, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("Cannot evict pod as it would violate the pod's disruption budget."),
        "{}",
        out.stderr
    );
    assert!(
        sim.get("v1", "Pod", "ops", "worker-1").is_none(),
        "worker-1 was evicted"
    );
    assert!(sim.get("v1", "Pod", "ops", "api-1").is_some());
    let node = sim.get("v1", "Node", "", "node-1").unwrap();
    assert_eq!(node["spec"]["unschedulable"], true, "cordoned");

    k.ok(&["delete", "pdb", "api", "-n", "ops"]).await;
    let out = k.ok(&drain).await;
    assert!(out.contains("node/node-1 drained"), "{out}");
    assert!(sim.get("v1", "Pod", "ops", "api-1").is_none());
    assert!(sim.get("v1", "Pod", "ops", "api-2").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_token_then_use_it() {
    let sim = ops_sim().await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let token = k.ok(&["create", "token", "builder", "-n", "ops"]).await;
    let sa = Kubectl::for_token(&sim, token.trim()).unwrap();
    assert_eq!(
        sa.ok(&["auth", "can-i", "list", "pods", "-n", "ops"]).await.trim(),
        "yes"
    );
    let out = sa.run(&["auth", "can-i", "delete", "pods", "-n", "ops"]).await;
    assert_eq!(out.stdout.trim(), "no");
    let out = sa
        .ok(&["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])
        .await;
    assert_eq!(out, "system:serviceaccount:ops:builder");
    let out = k.run(&["create", "token", "nobody", "-n", "ops"]).await;
    assert!(
        out.stderr.contains("serviceaccounts \"nobody\" not found"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_bindings_made_with_kubectl_grant_their_roles_rules() {
    let sim = ops_sim().await;
    let Some(k) = Kubectl::new(&sim) else { return };
    k.ok(&["create", "serviceaccount", "deployer", "-n", "ops"]).await;
    k.ok(&[
        "create",
        "role",
        "deployer",
        "--verb=get,list,patch",
        "--resource=deployments",
        "-n",
        "ops",
    ])
    .await;
    k.ok(&[
        "create",
        "rolebinding",
        "deployer",
        "--role=deployer",
        "--serviceaccount=ops:deployer",
        "-n",
        "ops",
    ])
    .await;
    let token = k.ok(&["create", "token", "deployer", "-n", "ops"]).await;
    let sa = Kubectl::for_token(&sim, token.trim()).unwrap();
    let can = |verb: &'static str, namespace: &'static str| {
        let sa = &sa;
        async move {
            let out = sa.run(&["auth", "can-i", verb, "deployments", "-n", namespace]).await;
            out.stdout.trim().to_string()
        }
    };
    assert_eq!(can("patch", "ops").await, "yes");
    assert_eq!(can("delete", "ops").await, "no");
    assert_eq!(can("list", "default").await, "no");
    sa.ok(&["get", "deployments", "-n", "ops"]).await;
    let out = sa.run(&["delete", "deployment", "api", "-n", "ops"]).await;
    assert!(out.stderr.contains("Forbidden"), "{}", out.stderr);
    // The binding gone, so is the grant.
    k.ok(&["delete", "rolebinding", "deployer", "-n", "ops"]).await;
    assert_eq!(can("patch", "ops").await, "no");
}

/// The new subresources across every minor the dispatcher carries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kubectl_minor_logs_drains_and_creates_tokens() {
    for minor in 27..=33 {
        let version = format!("v1.{minor}.0");
        let sim = sim_with(&version).await;
        sim.load_yaml(OPS).unwrap();
        let Some(k) = Kubectl::new(&sim) else { return };
        let out = k.ok(&["logs", "api-1", "-n", "ops", "--tail=1"]).await;
        assert_eq!(out, "ready\n", "{version}");
        let out = k
            .ok(&[
                "create",
                "token",
                "builder",
                "-n",
                "ops",
                "--duration=10m",
                "-o",
                "json",
            ])
            .await;
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        // The duration arrives (as protobuf from kubectl's typed client) and is honoured.
        assert_eq!(v["spec"]["expirationSeconds"], 600, "{version}: {out}");
        let token = v["status"]["token"].as_str().unwrap();
        let sa = Kubectl::for_token(&sim, token).unwrap();
        assert_eq!(
            sa.ok(&["get", "pods", "-n", "ops", "-o", "name"]).await.lines().count(),
            3
        );
        k.ok(&["delete", "pdb", "api", "-n", "ops"]).await;
        let out = k
            .ok(&[
                "drain",
                "node-1",
                "--ignore-daemonsets",
                "--delete-emptydir-data",
                "--force",
                "--timeout=10s",
            ])
            .await;
        assert!(out.contains("node/node-1 drained"), "{version}: {out}");
        assert!(sim.get("v1", "Pod", "ops", "api-1").is_none(), "{version}");
    }
}

/// kubectl asks for aggregated discovery (v2, or v2beta1 before 1.30) and then needs no
/// per-group discovery requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_is_aggregated_at_every_minor() {
    for minor in 27..=33 {
        let version = format!("v1.{minor}.0");
        let sim = sim_with(&version).await;
        let Some(k) = Kubectl::new(&sim) else { return };
        k.ok(&["get", "deploy", "-A"]).await;
        let paths: Vec<String> = sim.requests().into_iter().map(|r| r.path).collect();
        assert!(
            paths.contains(&"/api".to_string()) && paths.contains(&"/apis".to_string()),
            "{version}: {paths:?}"
        );
        let per_group: Vec<&String> = paths
            .iter()
            .filter(|p| p.starts_with("/apis/") && p.split('/').count() == 4)
            .collect();
        assert!(per_group.is_empty(), "{version}: {per_group:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_dry_run_evicts_nothing() {
    let sim = ops_sim().await;
    let Some(k) = Kubectl::new(&sim) else { return };
    k.ok(&["delete", "pdb", "api", "-n", "ops"]).await;
    let rv = sim.resource_version();
    let out = k
        .ok(&[
            "drain",
            "node-1",
            "--ignore-daemonsets",
            "--delete-emptydir-data",
            "--force",
            "--dry-run=server",
        ])
        .await;
    assert!(out.contains("evicting pod ops/api-1 (server dry run)"), "{out}");
    assert!(out.contains("node/node-1 drained (server dry run)"), "{out}");
    assert!(sim.get("v1", "Pod", "ops", "api-1").is_some());
    assert_eq!(sim.resource_version(), rv, "nothing but the dry run happened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_are_created_replaced_on_their_resource_version_and_printed_with_their_holder() {
    let sim = sim_with("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let lease = r#"{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": "leader", "namespace": "default"},
        "spec": {"holderIdentity": "replica-a", "leaseDurationSeconds": 15}}"#;
    let path = std::env::temp_dir().join(format!("lease-{}.json", std::process::id()));
    std::fs::write(&path, lease).unwrap();
    let file = path.to_str().unwrap();
    k.ok(&["create", "-f", file]).await;
    let out = k.ok(&["get", "leases", "-n", "default"]).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(words(lines[0]), ["NAME", "HOLDER", "AGE"]);
    assert_eq!(words(lines[1])[..2], ["leader", "replica-a"]);
    // A replace carrying a resourceVersion that is no longer current is refused, which is what
    // makes a lease takeover a compare-and-swap.
    let stale = lease
        .replace(r#""name": "leader","#, r#""name": "leader", "resourceVersion": "1","#)
        .replace("replica-a", "replica-b");
    std::fs::write(&path, stale).unwrap();
    let err = k.err(&["replace", "-f", file]).await;
    assert!(err.contains("the object has been modified"), "{err}");
    std::fs::remove_file(&path).unwrap();
}
