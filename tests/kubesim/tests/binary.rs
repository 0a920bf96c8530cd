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

#[test]
fn binary_serves_fixtures_to_kubectl() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shop.yaml");
    let _child = Child(
        Command::new(env!("CARGO_BIN_EXE_kubesim"))
            .arg("--fixtures")
            .arg(&fixtures)
            .args(["--port", "0", "--generate", "0,20,2", "--write-kubeconfig"])
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
    let written = std::fs::read_to_string(&kubeconfig).unwrap();
    assert!(written.contains("certificate-authority-data"));
    assert!(written.contains("current-context: kubesim"));

    if !Path::new("/usr/bin/kubectl").exists() {
        eprintln!("skipping the kubectl half: /usr/bin/kubectl not found");
        return;
    }
    let out = Command::new("/usr/bin/kubectl")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["get", "pods", "-A", "-o", "name"])
        .env("HOME", dir.path())
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.lines().count(), 22, "{stdout}");
    assert!(stdout.contains("pod/web-1"));
}
