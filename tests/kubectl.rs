//! The console's read-only kubectl, running the machine's real kubectl against a simulated
//! cluster: output, impersonation, refusals, the timeout and the output cap, a missing binary,
//! audit rows; and the apiserver's OpenAPI v3 passed through.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::*;
use fleetdeck::config::Settings;
use kubesim::Sim;
use kubesim::auth::Rule;
use reqwest::Method;
use serde_json::{Value, json};

const KUBECTL: &str = "/usr/bin/kubectl";

/// The machine's kubectl, or None (and a note) when it has none.
fn kubectl() -> Option<PathBuf> {
    let path = PathBuf::from(KUBECTL);
    if !path.exists() {
        eprintln!("skipping: {KUBECTL} not found");
        return None;
    }
    Some(path)
}

/// The app with `sim` as `open` (shared) and `guarded` (impersonate), running `binary`.
async fn app_with(db: &TestDb, sim: &Sim, binary: PathBuf, tune: impl FnOnce(&mut Settings)) -> TestApp {
    let mut s = with_secret_key(db);
    s.kubectl.binary = binary;
    tune(&mut s);
    let app = TestApp::with(s).await;
    register_sim(&app, "open", sim, "shared").await;
    register_sim(&app, "guarded", sim, "impersonate").await;
    app
}

async fn command(app: &TestApp, cluster: &str, token: &str, args: &[&str]) -> (u16, Value) {
    let r = app
        .bearer(Method::POST, &format!("/api/clusters/{cluster}/kubectl"), token)
        .json(&json!({ "args": args }))
        .send()
        .await
        .unwrap();
    json(r).await
}

async fn last_kubectl_row(app: &TestApp) -> Value {
    app.audit("verb=kubectl")
        .await
        .into_iter()
        .next()
        .expect("a kubectl audit row")
}

on_both_backends! {
    async fn reads_run_as_the_caller_and_are_audited(db) {
        let Some(binary) = kubectl() else { return };
        let sim = shop_sim().await;
        let app = app_with(db, &sim, binary, |_| {}).await;

        let (status, body) = command(&app, "open", VIEWER_TOKEN, &["get", "pods", "-n", "shop"]).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!((&body["exitCode"], &body["truncated"], &body["timedOut"]), (&json!(0), &json!(false), &json!(false)), "{body}");
        let lines: Vec<Vec<&str>> = body["stdout"].as_str().unwrap().lines().map(|l| l.split_whitespace().collect()).collect();
        assert_eq!(lines[0][..3], ["NAME", "READY", "STATUS"]);
        assert_eq!(lines[1][..3], ["db-1", "0/1", "CrashLoopBackOff"]);
        assert_eq!(lines[2][..3], ["web-1", "1/1", "Running"]);
        assert!(body["durationMs"].as_u64().is_some());
        let row = last_kubectl_row(&app).await;
        assert_eq!((&row["outcome"], &row["cluster"], &row["reason"], &row["actor"]),
            (&json!("success"), &json!("open"), &json!("get pods -n shop"), &json!("token:viewer")));

        let (status, body) = command(&app, "open", VIEWER_TOKEN, &["describe", "pod", "web-1", "-n", "shop"]).await;
        assert_eq!(status, 200, "{body}");
        let out = body["stdout"].as_str().unwrap();
        assert!(out.contains("Name:") && out.contains("web-1") && out.contains("node-0"), "{out}");

        // A kubectl error is an answer, not a failure of the route; the row says it failed.
        let (status, body) = command(&app, "open", VIEWER_TOKEN, &["get", "pods", "nope", "-n", "shop"]).await;
        assert_eq!((status, &body["exitCode"]), (200, &json!(1)), "{body}");
        assert!(body["stderr"].as_str().unwrap().contains("NotFound"), "{body}");
        assert_eq!(last_kubectl_row(&app).await["outcome"], "failure");

        // On an impersonate cluster kubectl is the caller: without RBAC, kubectl's Forbidden.
        let (status, body) = command(&app, "guarded", VIEWER_TOKEN, &["get", "pods", "-n", "shop"]).await;
        assert_eq!(status, 200, "{body}");
        assert_ne!(body["exitCode"], json!(0), "{body}");
        let stderr = body["stderr"].as_str().unwrap();
        assert!(stderr.contains("Forbidden") && stderr.contains("User \"token:viewer\" cannot list resource \"pods\""), "{stderr}");
        let row = last_kubectl_row(&app).await;
        assert_eq!((&row["outcome"], &row["cluster"]), (&json!("denied"), &json!("guarded")));
        sim.add_rule(Rule::group("fleetdeck:viewers", &["list"], &[""], &["pods"], &["shop"]));
        let (_, body) = command(&app, "guarded", VIEWER_TOKEN, &["get", "pods", "-n", "shop", "-o", "name"]).await;
        assert_eq!((&body["exitCode"], &body["stdout"]), (&json!(0), &json!("pod/db-1\npod/web-1\n")), "{body}");
        let seen = sim.requests();
        assert!(seen.iter().any(|r| r.path == "/api/v1/namespaces/shop/pods" && r.user.as_deref() == Some("token:viewer") && r.impersonate_groups == ["fleetdeck:viewers"]), "kubectl went as the viewer");
        app.stop().await;
    }

    async fn refusals_name_the_argument_and_are_audited(db) {
        let Some(binary) = kubectl() else { return };
        let sim = shop_sim().await;
        let app = app_with(db, &sim, binary, |_| {}).await;
        for (args, argument) in [
            (vec!["delete", "pod", "web-1", "-n", "shop"], "delete"),
            (vec!["exec", "web-1", "--", "sh"], "exec"),
            (vec!["get", "--raw", "/api/v1/namespaces/shop/secrets"], "--raw"),
            (vec!["get", "pods", "--kubeconfig=/etc/kubeconfig"], "--kubeconfig"),
            (vec!["get", "pods", "--as=admin"], "--as"),
            (vec!["get", "pods", "-Aw"], "-w"),
            (vec!["logs", "web-1", "-f"], "-f"),
            (vec!["get", "-f", "/etc/passwd"], "-f"),
            (vec!["neat", "pods"], "neat"),
        ] {
            let (status, body) = command(&app, "open", OPERATOR_TOKEN, &args).await;
            assert_error(status, &body, 422, "kubectl_refused");
            assert_eq!(body["details"]["argument"], argument, "{args:?}: {body}");
        }
        let row = last_kubectl_row(&app).await;
        assert_eq!((&row["outcome"], &row["reason"]), (&json!("failure"), &json!("neat pods")));
        // Credentials typed in never reach the audit log.
        command(&app, "open", OPERATOR_TOKEN, &["get", "pods", "--token=s3cr3t-value"]).await;
        assert_eq!(last_kubectl_row(&app).await["reason"], "get pods --token=***");

        // Secret values: on a shared cluster for operators only; elsewhere RBAC decides.
        let (status, body) = command(&app, "open", VIEWER_TOKEN, &["get", "secrets", "-A"]).await;
        assert_error(status, &body, 422, "kubectl_refused");
        assert_eq!(body["details"]["argument"], "secrets");
        let (status, body) = command(&app, "open", OPERATOR_TOKEN, &["get", "secrets", "-A"]).await;
        assert_eq!((status, &body["exitCode"]), (200, &json!(0)), "{body}");
        let (status, body) = command(&app, "guarded", VIEWER_TOKEN, &["get", "secrets", "-A"]).await;
        assert_eq!(status, 200, "{body}");
        assert!(body["stderr"].as_str().unwrap().contains("Forbidden"), "{body}");

        // Reads need a role: a bad body is the usual 400.
        let r = app.bearer(Method::POST, "/api/clusters/open/kubectl", VIEWER_TOKEN).json(&json!({"args": "get pods"})).send().await.unwrap();
        assert_eq!(r.status(), 400);
        let (status, body) = command(&app, "nowhere", VIEWER_TOKEN, &["get", "pods"]).await;
        assert_error(status, &body, 404, "not_found");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_commands_stop_at_the_timeout() {
    let Some(binary) = kubectl() else { return };
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let app = app_with(&db, &sim, binary, |s| s.kubectl.timeout = Duration::from_secs(1)).await;
    sim.set_latency(Duration::from_secs(10));
    let (status, body) = command(&app, "open", VIEWER_TOKEN, &["get", "pods", "-n", "shop"]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["timedOut"], &body["exitCode"]),
        (&json!(true), &json!(null)),
        "{body}"
    );
    let took = body["durationMs"].as_u64().unwrap();
    assert!((1000..5000).contains(&took), "{took} ms");
    assert_eq!(last_kubectl_row(&app).await["outcome"], "failure");
    sim.set_latency(Duration::ZERO);
    app.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_outputs_are_cut_at_the_cap() {
    let Some(binary) = kubectl() else { return };
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let app = app_with(&db, &sim, binary, |s| s.kubectl.output_limit = 1024).await;
    let (status, body) = command(&app, "open", VIEWER_TOKEN, &["get", "pods", "-n", "shop", "-o", "yaml"]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["truncated"], &body["exitCode"]),
        (&json!(true), &json!(null)),
        "{body}"
    );
    let stdout = body["stdout"].as_str().unwrap();
    assert_eq!(stdout.len(), 1024);
    assert!(stdout.starts_with("apiVersion: v1\nitems:"), "{stdout}");
    let (_, body) = command(&app, "open", VIEWER_TOKEN, &["get", "pods", "-n", "shop", "-o", "name"]).await;
    assert_eq!(
        (&body["truncated"], &body["exitCode"]),
        (&json!(false), &json!(0)),
        "{body}"
    );
    app.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_kubectl_the_route_is_unavailable() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let app = app_with(&db, &sim, PathBuf::from("/nonexistent/kubectl"), |_| {}).await;
    let (status, body) = command(&app, "open", VIEWER_TOKEN, &["get", "pods"]).await;
    assert_error(status, &body, 503, "kubectl_unavailable");
    assert_eq!(last_kubectl_row(&app).await["outcome"], "failure");
    app.stop().await;
    db.cleanup().await;
}

/// kubectl sees no environment of the server's: no KUBECONFIG, no HOME of ours.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_runs_in_an_empty_environment() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("kubectl");
    // A stand-in that prints its environment and the kubeconfig's mode.
    std::fs::write(&script, "#!/bin/sh\nenv | sort\nstat -c %a \"$KUBECONFIG\"\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let app = app_with(&db, &sim, script, |_| {}).await;
    let (status, body) = command(&app, "guarded", VIEWER_TOKEN, &["version"]).await;
    assert_eq!(status, 200, "{body}");
    let out = body["stdout"].as_str().unwrap();
    let names: Vec<&str> = out.lines().filter_map(|l| l.split_once('=')).map(|(k, _)| k).collect();
    assert!(
        names
            .iter()
            .all(|n| ["HOME", "KUBECONFIG", "PATH", "PWD", "SHLVL", "_"].contains(n)),
        "{out}"
    );
    let home = out.lines().find_map(|l| l.strip_prefix("HOME=")).unwrap();
    assert!(home.contains("fleetdeck-kubectl-"), "{out}");
    assert_eq!(out.lines().last(), Some("600"), "the kubeconfig is ours alone");
    assert!(!std::path::Path::new(home).exists(), "the run's directory is removed");
    app.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_v3_is_passed_through() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let app = app_with(&db, &sim, PathBuf::from(KUBECTL), |_| {}).await;
    let get = |path: &str| {
        let r = app
            .bearer(Method::GET, &format!("/api/clusters/{path}"), VIEWER_TOKEN)
            .send();
        async move { json(r.await.unwrap()).await }
    };
    for cluster in ["open", "guarded"] {
        let (status, root) = get(&format!("{cluster}/openapi/v3")).await;
        assert_eq!(status, 200, "{root}");
        let url = root["paths"]["apis/apps/v1"]["serverRelativeURL"].as_str().unwrap();
        assert!(url.starts_with("/openapi/v3/apis/apps/v1?hash="), "{url}");
        let (status, doc) = get(&format!("{cluster}/openapi/v3/apis/apps/v1")).await;
        assert_eq!(status, 200, "{doc}");
        assert!(
            doc["paths"]
                .as_object()
                .unwrap()
                .keys()
                .any(|p| p.contains("/deployments")),
            "{doc}"
        );
    }
    let (status, body) = get("open/openapi/v3/api/v1").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = get("open/openapi/v3/apis/nothing.example.com/v1").await;
    assert_error(status, &body, 404, "kube_not_found");
    let (status, body) = get("open/openapi/v3/apis/a%20b/v1").await;
    assert_error(status, &body, 400, "invalid_path");
    let (status, body) = get("nowhere/openapi/v3").await;
    assert_error(status, &body, 404, "not_found");
    app.stop().await;
    db.cleanup().await;
}

/// The apiserver's ETag passes through, and so does If-None-Match: an unchanged document is a 304.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_v3_etags_pass_through() {
    let db = TestDb::sqlite().await;
    let sim = shop_sim().await;
    let app = app_with(&db, &sim, PathBuf::from(KUBECTL), |_| {}).await;
    let path = "/api/clusters/guarded/openapi/v3/apis/apps/v1";
    let r = app.bearer(Method::GET, path, VIEWER_TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "private, no-cache");
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let again = app
        .bearer(Method::GET, path, VIEWER_TOKEN)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (again.status().as_u16(), again.headers()["etag"].to_str().unwrap()),
        (304, etag.as_str())
    );
    assert!(again.bytes().await.unwrap().is_empty());
    let stale = app
        .bearer(Method::GET, path, VIEWER_TOKEN)
        .header("if-none-match", "\"old\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 200);
    app.stop().await;
    db.cleanup().await;
}
