//! `kubectl exec` and `kubectl attach` against the simulator: kubectl 1.30+ speaks
//! WebSocket (v5.channel.k8s.io); 1.27–1.29 speak SPDY only, which kubesim refuses.

mod common;

use common::kubectl::{Kubectl, sim_with};
use kubesim::{Rule, Sim};
use serde_json::json;

const OPS: &str = include_str!("fixtures/ops.yaml");

async fn exec_sim(version: &str) -> Sim {
    let sim = sim_with(version).await;
    sim.load_yaml(OPS).unwrap();
    // A pod whose spec and annotations the shell reflects.
    sim.create(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "app-1", "namespace": "shop",
                     "annotations": {"kubesim.fleetdeck.dev/exec.nginx": "nginx version: nginx/1.27.0"}},
        "spec": {"nodeName": "node-0", "containers": [
            {"name": "app", "image": "app:1", "env": [{"name": "MODE", "value": "prod"}]}]},
        "status": {"phase": "Running"},
    }))
    .unwrap();
    sim
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_prints_output_and_passes_on_the_exit_code() {
    let sim = exec_sim("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let (out, code) = k
        .run_with_stdin(&["exec", "web-1", "-n", "shop", "--", "echo", "hello"], None)
        .await;
    assert_eq!((out.stdout.as_str(), code), ("hello\n", Some(0)), "{}", out.stderr);
    let exec = sim
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v1/namespaces/shop/pods/web-1/exec")
        .expect("recorded");
    assert_eq!((exec.method.as_str(), exec.status), ("GET", 101));
    assert!(exec.query.contains("command=echo&command=hello"), "{}", exec.query);

    let script = [
        "exec",
        "web-1",
        "-n",
        "shop",
        "--",
        "sh",
        "-c",
        "echo out; echo err >&2; exit 3",
    ];
    let (out, code) = k.run_with_stdin(&script, None).await;
    assert_eq!(out.stdout, "out\n");
    assert_eq!(out.stderr, "err\ncommand terminated with exit code 3\n");
    assert_eq!(code, Some(3));

    let (out, code) = k
        .run_with_stdin(&["exec", "web-1", "-n", "shop", "--", "foo"], None)
        .await;
    assert_eq!(code, Some(1));
    assert!(
        out.stderr
            .starts_with("error: Internal error occurred: error executing command in container")
            && out.stderr.contains("exec: \"foo\": executable file not found in $PATH"),
        "{}",
        out.stderr
    );

    let (out, _) = k
        .run_with_stdin(&["exec", "app-1", "-n", "shop", "--", "env"], None)
        .await;
    assert!(
        out.stdout.contains("HOSTNAME=app-1\n") && out.stdout.contains("MODE=prod\n"),
        "{}",
        out.stdout
    );
    let out = k.ok(&["exec", "app-1", "-n", "shop", "--", "nginx", "-v"]).await;
    assert_eq!(out, "nginx version: nginx/1.27.0\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_reads_stdin() {
    let sim = exec_sim("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let cat = ["exec", "-i", "web-1", "-n", "shop", "--", "cat"];
    let (out, code) = k.run_with_stdin(&cat, Some("one\ntwo\n")).await;
    assert_eq!((out.stdout.as_str(), code), ("one\ntwo\n", Some(0)), "{}", out.stderr);
    let sh = ["exec", "-i", "web-1", "-n", "shop", "--", "sh"];
    let (out, code) = k.run_with_stdin(&sh, Some("hostname\nfoo\nexit 4\necho never\n")).await;
    assert_eq!(out.stdout, "web-1\n");
    assert_eq!(
        out.stderr,
        "sh: 2: foo: not found\ncommand terminated with exit code 4\n"
    );
    assert_eq!(code, Some(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_picks_containers_and_reports_the_apiservers_errors() {
    let sim = exec_sim("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let out = k
        .run(&["exec", "worker-1", "-n", "ops", "-c", "proxy", "--", "hostname"])
        .await;
    assert_eq!(out.stdout, "worker-1\n", "{}", out.stderr);
    // Without -c kubectl itself picks the first container; the apiserver would refuse.
    let out = k.run(&["exec", "worker-1", "-n", "ops", "--", "true"]).await;
    assert!(out.ok);
    assert!(
        out.stderr
            .contains("Defaulted container \"worker\" out of: worker, proxy"),
        "{}",
        out.stderr
    );
    assert!(
        sim.requests()
            .iter()
            .any(|r| r.path.ends_with("/worker-1/exec") && r.query.contains("container=worker"))
    );

    let out = k.run(&["exec", "web-1", "-n", "shop", "-c", "x", "--", "ls"]).await;
    assert_eq!(
        out.stderr,
        "Error from server (BadRequest): container x is not valid for pod web-1\n"
    );
    // db-1 is crash-looping: the kubelet finds no running container.
    let out = k.run(&["exec", "db-1", "-n", "shop", "--", "ls"]).await;
    assert_eq!(
        out.stderr,
        "error: unable to upgrade connection: container not found (\"db\")\n"
    );
    let out = k.run(&["exec", "nope", "-n", "shop", "--", "ls"]).await;
    assert_eq!(out.stderr, "Error from server (NotFound): pods \"nope\" not found\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_needs_the_rbac_rule() {
    let sim = exec_sim("v1.33.1").await;
    let Some(k) = Kubectl::for_token(&sim, "viewer-token") else {
        return;
    };
    let out = k.run(&["exec", "web-1", "-n", "shop", "--", "true"]).await;
    // The WebSocket GET is refused, kubectl falls back to SPDY and reports that POST's refusal.
    assert_eq!(
        out.stderr,
        "Error from server (Forbidden): pods \"web-1\" is forbidden: User \"viewer\" cannot create \
         resource \"pods/exec\" in API group \"\" in the namespace \"shop\"\n"
    );
    let refused: Vec<(String, u16)> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/web-1/exec"))
        .map(|r| (r.method, r.status))
        .collect();
    assert_eq!(refused, [("GET".to_string(), 403), ("POST".to_string(), 403)]);
    // Before 1.35 the apiserver authorizes the WebSocket GET as `get` on pods/exec.
    sim.add_rule(Rule::group("viewers", &["get"], &[""], &["pods/exec"], &["shop"]));
    let out = k.run(&["exec", "web-1", "-n", "shop", "--", "whoami"]).await;
    assert_eq!(out.stdout, "root\n", "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_with_stdin_talks_to_the_main_process() {
    let sim = exec_sim("v1.33.1").await;
    let Some(k) = Kubectl::new(&sim) else { return };
    let attach = ["attach", "-i", "web-1", "-n", "shop"];
    let (out, code) = k.run_with_stdin(&attach, Some("echo attached\nexit 2\n")).await;
    assert_eq!(out.stdout, "attached\n", "{}", out.stderr);
    // The kubelet reports success when an attached process ends, whatever its code.
    assert_eq!(code, Some(0), "{}", out.stderr);
    assert!(
        sim.requests()
            .iter()
            .any(|r| r.path.ends_with("/web-1/attach") && r.status == 101)
    );
}

/// Every minor that speaks WebSocket execs; the SPDY-only ones get a clear refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kubectl_minor_execs_or_says_why_not() {
    for minor in 27..=33 {
        let version = format!("v1.{minor}.0");
        let sim = exec_sim(&version).await;
        let Some(k) = Kubectl::new(&sim) else { return };
        let (out, code) = k
            .run_with_stdin(&["exec", "web-1", "-n", "shop", "--", "echo", "hello"], None)
            .await;
        if minor >= 30 {
            assert_eq!(
                (out.stdout.as_str(), code),
                ("hello\n", Some(0)),
                "{version}: {}",
                out.stderr
            );
        } else {
            assert_eq!(code, Some(1), "{version}");
            assert_eq!(
                out.stderr,
                "Error from server (BadRequest): kubesim serves pods/exec and pods/attach over WebSocket \
                 only (v5.channel.k8s.io, v4.channel.k8s.io), not SPDY: use kubectl 1.30 or newer\n",
                "{version}"
            );
            let exec = sim.requests().into_iter().find(|r| r.path.ends_with("/exec")).unwrap();
            assert_eq!((exec.method.as_str(), exec.status), ("POST", 400), "{version}");
        }
    }
}
