//! The binary as an operator runs it: help, settings validation, migrate, logs, graceful shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_fleetdeck");

fn fleetdeck(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn help_documents_every_setting() {
    let out = fleetdeck(&["--help"], &[]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for name in [
        "ADDR",
        "DATABASE_URL",
        "AUTH_TOKENS",
        "AUTH_TOKENS_FILE",
        "ADMIN_PASSWORD_FILE",
        "SESSION_TTL",
        "BODY_LIMIT",
        "LOGIN_RATE_LIMIT",
        "TRUSTED_PROXIES",
        "TRUSTED_ORIGINS",
        "AUDIT_RETENTION",
        "WRITE_ACTIONS_ENABLED",
        "LOG_FORMAT",
        "FLUX_ENVIRONMENTS",
        "SECRET_KEY",
        "SECRET_KEY_FILE",
        "KUBECONFIG",
        "IMPERSONATE_GROUPS",
    ] {
        assert!(
            help.contains(&format!("FLEETDECK_{name}")),
            "--help lacks FLEETDECK_{name}"
        );
        let flag = format!("--{}", name.to_lowercase().replace('_', "-"));
        assert!(help.contains(&flag), "--help lacks {flag}");
    }
    for cmd in ["serve", "migrate", "openapi"] {
        assert!(help.contains(cmd));
    }
}

#[test]
fn bad_settings_stop_the_start_with_the_setting_named() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("FLEETDECK_ADDR", "not-an-address")], "FLEETDECK_ADDR (--addr)"),
        (
            &[("FLEETDECK_DATABASE_URL", "mysql://localhost/x")],
            "FLEETDECK_DATABASE_URL",
        ),
        (
            &[("FLEETDECK_ADMIN_PASSWORD_FILE", "/nonexistent/pw")],
            "FLEETDECK_ADMIN_PASSWORD_FILE",
        ),
        (
            &[("FLEETDECK_AUTH_TOKENS", "ci:admin:hunter2")],
            "FLEETDECK_AUTH_TOKENS",
        ),
    ];
    for (env, want) in cases {
        let out = fleetdeck(&["serve"], env);
        assert!(!out.status.success());
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(want), "{env:?}: {err}");
        assert!(!err.contains("hunter2"), "no secret in errors: {err}");
    }
}

#[test]
fn migrate_creates_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let out = fleetdeck(&["migrate", "--database-url", &url], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("m.db").exists());
}

#[test]
fn serves_json_logs_without_secrets_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let token = "cli-test-secret-token-0123456789";
    let mut child = Command::new(BIN)
        .arg("serve")
        .env_clear()
        .env("FLEETDECK_ADDR", format!("127.0.0.1:{port}"))
        .env(
            "FLEETDECK_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("s.db").display()),
        )
        .env("FLEETDECK_AUTH_TOKENS", format!("ci:admin:{token}"))
        .env("FLEETDECK_LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let started = Instant::now();
        while client.get(format!("{base}/healthz")).send().await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let r = client
            .post(format!("{base}/api/auth/login"))
            .json(&serde_json::json!({"token": token}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = client
            .post(format!("{base}/api/auth/login"))
            .header("x-request-id", "cli-login-2")
            .json(&serde_json::json!({"username": "admin", "password": "my secret password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    });
    let pid = child.id().to_string();
    let started = Instant::now();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exits cleanly on SIGTERM: {status:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let lines: Vec<String> = BufReader::new(child.stderr.take().unwrap())
        .lines()
        .map(Result::unwrap)
        .collect();
    let logs = lines.join("\n");
    assert!(!logs.contains(token) && !logs.contains("my secret password"), "{logs}");
    let login = lines
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|_| panic!("not a JSON log line: {l}")))
        .find(|v| v["route"] == "/api/auth/login" && v["status"] == 401)
        .expect("a log line for the failed login");
    assert_eq!(login["span"]["request_id"], "cli-login-2", "{login}");
    assert_eq!(login["method"], "POST");
    assert!(login["latency_ms"].is_number());
    assert!(logs.contains("shutting down"));
}
