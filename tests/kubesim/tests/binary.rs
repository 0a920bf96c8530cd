//! The `kubesim` binary: loads fixtures, writes a kubeconfig, and serves kubectl.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the child when the test ends, pass or fail.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the binary with `args` and waits for the kubeconfig it writes into `dir`.
fn start(dir: &Path, args: &[&std::ffi::OsStr]) -> (Child, std::path::PathBuf) {
    let kubeconfig = dir.join("kubeconfig");
    let child = Child(
        Command::new(env!("CARGO_BIN_EXE_kubesim"))
            .args(args)
            .args(["--port", "0", "--write-kubeconfig"])
            .arg(&kubeconfig)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while !kubeconfig.exists() {
        assert!(started.elapsed() < Duration::from_secs(20), "no kubeconfig written");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, kubeconfig)
}

/// kubectl's stdout, or None (and a note) when the machine has none.
fn kubectl(dir: &Path, kubeconfig: &Path, args: &[&str]) -> Option<String> {
    if !Path::new("/usr/bin/kubectl").exists() {
        eprintln!("skipping the kubectl half: /usr/bin/kubectl not found");
        return None;
    }
    let out = Command::new("/usr/bin/kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .env("HOME", dir)
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    Some(stdout)
}

fn fixture(name: &str) -> std::ffi::OsString {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .into()
}

#[test]
fn binary_serves_fixtures_to_kubectl() {
    let dir = tempfile::tempdir().unwrap();
    let shop = fixture("shop.yaml");
    let (_child, kubeconfig) = start(
        dir.path(),
        &["--fixtures".as_ref(), &shop, "--generate".as_ref(), "0,20,2".as_ref()],
    );
    let written = std::fs::read_to_string(&kubeconfig).unwrap();
    assert!(written.contains("certificate-authority-data"));
    assert!(written.contains("current-context: kubesim"));

    let Some(stdout) = kubectl(dir.path(), &kubeconfig, &["get", "pods", "-A", "-o", "name"]) else {
        return;
    };
    assert_eq!(stdout.lines().count(), 22, "{stdout}");
    assert!(stdout.contains("pod/web-1"));
}

#[test]
fn binary_loads_fixtures_as_kubectl_apply_would() {
    let dir = tempfile::tempdir().unwrap();
    // Twice: the second load updates what the first one wrote.
    let apply = fixture("apply.yaml");
    let fixtures = "--fixtures".as_ref();
    let (_child, kubeconfig) = start(dir.path(), &[fixtures, &apply, fixtures, &apply]);
    let Some(stdout) = kubectl(
        dir.path(),
        &kubeconfig,
        &["get", "namespace", "default", "-o", "jsonpath={.metadata.labels.team}"],
    ) else {
        return;
    };
    assert_eq!(stdout, "platform");
    let stdout = kubectl(dir.path(), &kubeconfig, &["get", "gadgets", "-n", "shop", "-o", "name"]).unwrap();
    assert_eq!(stdout, "gadget.example.com/g\n");
}

#[test]
fn binary_serves_metrics_unless_told_not_to() {
    for (args, served) in [(&[][..], true), (&["--no-metrics".as_ref()][..], false)] {
        let dir = tempfile::tempdir().unwrap();
        let (_child, kubeconfig) = start(dir.path(), args);
        let Some(stdout) = kubectl(dir.path(), &kubeconfig, &["api-versions"]) else {
            return;
        };
        assert_eq!(stdout.contains("metrics.k8s.io/v1beta1"), served, "{stdout}");
    }
}
