//! The machine's real kubectl, run against an in-process simulator.

use std::path::{Path, PathBuf};
use std::process::Command;

use kubesim::{Sim, SimConfig};

const KUBECTL: &str = "/usr/bin/kubectl";
pub const FIXTURES: &str = include_str!("../fixtures/shop.yaml");

pub struct Kubectl {
    _dir: tempfile::TempDir,
    pub home: PathBuf,
    kubeconfig: PathBuf,
}

pub struct Output {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Kubectl {
    /// None (and a note on stderr) when the machine has no kubectl.
    pub fn new(sim: &Sim) -> Option<Self> {
        Self::for_token(sim, sim.admin_token())
    }

    /// kubectl as the holder of `token`.
    pub fn for_token(sim: &Sim, token: &str) -> Option<Self> {
        let config = sim.kubeconfig_for_token(token);
        if !Path::new(KUBECTL).exists() {
            eprintln!("skipping: {KUBECTL} not found");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(&kubeconfig, config).unwrap();
        let home = dir.path().to_path_buf();
        Some(Self {
            _dir: dir,
            home,
            kubeconfig,
        })
    }

    /// Runs kubectl off the runtime's worker threads so the simulator keeps serving.
    pub async fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(KUBECTL);
        cmd.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .env("HOME", &self.home)
            .env_remove("KUBECONFIG");
        let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap();
        Output {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub async fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        assert!(out.ok, "kubectl {args:?} failed:\n{}\n{}", out.stdout, out.stderr);
        out.stdout
    }
}

pub async fn sim_with(version: &str) -> Sim {
    let sim = Sim::start(SimConfig {
        git_version: version.into(),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    sim.load_yaml(FIXTURES).unwrap();
    sim
}

pub fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

impl Kubectl {
    /// Writes a manifest next to the kubeconfig and returns its path, for `-f`.
    pub fn manifest(&self, name: &str, yaml: &str) -> String {
        let path = self.home.join(name);
        std::fs::write(&path, yaml).unwrap();
        path.to_str().unwrap().to_string()
    }

    /// Like `run`, with `stdin` piped in (None: no stdin), also returning the exit code.
    pub async fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> (Output, Option<i32>) {
        use std::io::Write as _;
        use std::process::Stdio;
        let mut cmd = Command::new(KUBECTL);
        cmd.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .env("HOME", &self.home)
            .env_remove("KUBECONFIG")
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let input = stdin.map(str::to_string);
        let out = tokio::task::spawn_blocking(move || {
            let mut child = cmd.spawn().unwrap();
            if let Some(input) = input {
                // Dropping the pipe after writing is what ends kubectl's stdin.
                child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
            }
            child.wait_with_output().unwrap()
        })
        .await
        .unwrap();
        let output = Output {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        (output, out.status.code())
    }
}

impl Kubectl {
    /// Runs a command that must fail and returns what it printed on stderr.
    pub async fn err(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        assert!(!out.ok, "kubectl {args:?} succeeded:\n{}", out.stdout);
        out.stderr
    }
}
