//! Local receivers for outbound deliveries: an HTTP receiver that records what it was sent and
//! answers a script, and Debian's Alertmanager on a free loopback port; and Debian's Prometheus
//! serving series backfilled from OpenMetrics text.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// What a receiver was sent.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// One scripted answer: status, headers, body.
pub type Reply = (u16, Vec<(&'static str, String)>, String);

/// An HTTP receiver on 127.0.0.1 that records every request and answers the script's replies
/// in order (the last one again when it runs out).
pub struct Receiver {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start(script: Vec<Reply>) -> Receiver {
        Receiver::start_with_delay(script, Duration::ZERO).await
    }

    pub async fn start_with_delay(script: Vec<Reply>, delay: Duration) -> Receiver {
        let received = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let record = received.clone();
        let handler = move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let record = record.clone();
            let script = script.clone();
            async move {
                record.lock().unwrap().push(Received {
                    path: uri.path().to_string(),
                    headers,
                    body,
                });
                tokio::time::sleep(delay).await;
                let (status, headers, body) = {
                    let mut script = script.lock().unwrap();
                    match script.len() {
                        1 => script[0].clone(),
                        _ => script.pop_front().expect("a scripted reply"),
                    }
                };
                let mut response = (StatusCode::from_u16(status).unwrap(), body).into_response();
                for (name, value) in headers {
                    response.headers_mut().insert(name, value.parse().unwrap());
                }
                response
            }
        };
        let app = axum::Router::new().fallback(handler);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { port, received, task }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn ok() -> Reply {
    (200, vec![], "ok".into())
}

/// Debian's Alertmanager on a free loopback port, stopped when dropped.
pub struct Alertmanager {
    child: tokio::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";

impl Alertmanager {
    pub async fn start() -> Alertmanager {
        assert!(
            Path::new(ALERTMANAGER).exists(),
            "{ALERTMANAGER} is missing: install Debian's prometheus-alertmanager (apt-get install -y \
             prometheus-alertmanager); scripts/test does when run as root"
        );
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("alertmanager.yml");
        std::fs::write(&config, "route:\n  receiver: default\nreceivers:\n  - name: default\n").unwrap();
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        let child = tokio::process::Command::new(ALERTMANAGER)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let am = Alertmanager { child, port, _dir: dir };
        let ready = format!("{}/-/ready", am.url());
        for _ in 0..100 {
            if reqwest::get(&ready).await.is_ok_and(|r| r.status().is_success()) {
                return am;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("Alertmanager did not become ready on port {port}");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The alerts Alertmanager holds with our id label.
    pub async fn ours(&self, id: &str) -> Vec<Value> {
        let all: Vec<Value> = reqwest::get(format!("{}/api/v2/alerts", self.url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        all.into_iter().filter(|a| a["labels"]["fleetdeck_id"] == id).collect()
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Debian's Prometheus on a free loopback port, serving the series of an OpenMetrics text
/// backfilled into blocks by promtool; stopped when dropped.
pub struct Prometheus {
    child: tokio::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

const PROMETHEUS: &str = "/usr/bin/prometheus";

impl Prometheus {
    pub async fn start(openmetrics: &str) -> Prometheus {
        assert!(
            Path::new(PROMETHEUS).exists(),
            "{PROMETHEUS} is missing: install Debian's prometheus (apt-get install -y prometheus); \
             scripts/test does when run as root"
        );
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("series.om");
        std::fs::write(&input, openmetrics).unwrap();
        let data = dir.path().join("data");
        let backfill = std::process::Command::new("/usr/bin/promtool")
            .args(["tsdb", "create-blocks-from", "openmetrics"])
            .arg(&input)
            .arg(&data)
            .output()
            .unwrap();
        assert!(
            backfill.status.success(),
            "promtool: {}",
            String::from_utf8_lossy(&backfill.stderr)
        );
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, "global:\n  scrape_interval: 1m\n").unwrap();
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        let child = tokio::process::Command::new(PROMETHEUS)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let prometheus = Prometheus { child, port, _dir: dir };
        let ready = format!("{}/-/ready", prometheus.url());
        for _ in 0..300 {
            if reqwest::get(&ready).await.is_ok_and(|r| r.status().is_success()) {
                return prometheus;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("Prometheus did not become ready on port {port}");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// What a receiver does with a signed webhook: recompute the HMAC over "<timestamp>.<body>",
/// compare in constant time, refuse a timestamp more than 5 minutes from its clock.
pub fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let Some(timestamp) = headers.get("x-fleetdeck-timestamp").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(signature) = headers
        .get("x-fleetdeck-signature")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("sha256="))
        .and_then(|hex| hex::decode(hex).ok())
    else {
        return false;
    };
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|t| (chrono::Utc::now().timestamp() - t).abs() <= 300);
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    fresh && mac.verify_slice(&signature).is_ok()
}
