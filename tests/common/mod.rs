//! Test support: a fresh store per test on each backend, and the real app on an ephemeral port.

#![allow(dead_code)] // each test binary uses a different part of this module

pub mod receivers;
pub mod smtp;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use fleetdeck::auth::{BootstrapToken, Role};
use fleetdeck::config::Settings;
use fleetdeck::kube::secret_box::SecretKey;
use fleetdeck::server::Server;
use fleetdeck::store::Store;
use kubesim::Sim;
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::Value;

pub mod oidc;

pub const ADMIN_TOKEN: &str = "admin-token-0123456789abcdef";
pub const OPERATOR_TOKEN: &str = "operator-token-0123456789abcdef";
pub const VIEWER_TOKEN: &str = "viewer-token-0123456789abcdef";

/// One fresh database: a SQLite file in a temporary folder, or a Postgres database of its own.
pub struct TestDb {
    pub url: String,
    pub backend: &'static str,
    dir: Option<tempfile::TempDir>,
    pg_admin_url: Option<String>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("fleetdeck.db").display());
        TestDb {
            url,
            backend: "sqlite",
            dir: Some(dir),
            pg_admin_url: None,
        }
    }

    /// `None` (the test is skipped) unless FLEETDECK_TEST_DATABASE_URL names a Postgres server.
    pub async fn postgres() -> Option<TestDb> {
        let Ok(admin) = std::env::var("FLEETDECK_TEST_DATABASE_URL") else {
            eprintln!("FLEETDECK_TEST_DATABASE_URL is not set: skipping the Postgres run");
            return None;
        };
        let name = format!("fleetdeck_test_{}", uuid::Uuid::new_v4().simple());
        let pool = sqlx::PgPool::connect(&admin)
            .await
            .expect("FLEETDECK_TEST_DATABASE_URL connects");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let (base, _) = admin.rsplit_once('/').expect("a URL with a database name");
        let (_, query) = admin.split_once('?').map_or(("", ""), |(a, q)| (a, q));
        let url = if query.is_empty() {
            format!("{base}/{name}")
        } else {
            format!("{base}/{name}?{query}")
        };
        Some(TestDb {
            url,
            backend: "postgres",
            dir: None,
            pg_admin_url: Some(admin),
        })
    }

    /// The folder of the SQLite file.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.as_ref().expect("a SQLite test database").path()
    }

    pub async fn store(&self) -> Store {
        let store = Store::connect(&self.url).await.unwrap();
        store.migrate().await.unwrap();
        store
    }

    /// Makes the database disappear under whoever uses it.
    pub async fn destroy(&self) {
        match &self.pg_admin_url {
            Some(admin) => {
                let name = self.url.rsplit('/').next().unwrap().split('?').next().unwrap();
                let pool = sqlx::PgPool::connect(admin).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&pool)
                .await
                .unwrap();
                pool.close().await;
            }
            None => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(self.dir().join(format!("fleetdeck.db{suffix}")));
                }
            }
        }
    }

    pub async fn cleanup(self) {
        if self.pg_admin_url.is_some() {
            self.destroy().await;
        }
    }
}

/// Declares each test twice, `<name>::sqlite` and `<name>::postgres`, with `$db: TestDb`.
#[macro_export]
macro_rules! on_both_backends {
    ($(async fn $name:ident($db:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($db: &$crate::common::TestDb) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::common::TestDb::sqlite().await;
                run(&db).await;
                db.cleanup().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = $crate::common::TestDb::postgres().await else { return };
                run(&db).await;
                db.cleanup().await;
            }
        }
    )*};
}

/// Settings for a test server on an ephemeral port with an admin, an operator and a viewer token.
pub fn settings(db: &TestDb) -> Settings {
    let mut s = Settings::with_database(&db.url);
    s.addr = "127.0.0.1:0".parse().unwrap();
    s.kubeconfig = vec![];
    // The monitor and the sampler would start caches on each registered cluster; the tests of
    // diagnostics and signals turn them on.
    s.diagnostics = false;
    s.sampling = false;
    // The project sync would reach the clusters projects name; the tenancy tests run it.
    s.project_sync = false;
    s.metering = false;
    s.auth_tokens = vec![
        BootstrapToken::new("admin", Role::Admin, ADMIN_TOKEN),
        BootstrapToken::new("operator", Role::Operator, OPERATOR_TOKEN),
        BootstrapToken::new("viewer", Role::Viewer, VIEWER_TOKEN),
    ];
    s
}

/// [`settings`] with a secret key, so clusters can be registered with their credentials.
pub fn with_secret_key(db: &TestDb) -> Settings {
    let mut s = settings(db);
    s.secret_key = Some(SecretKey::from_base64(&STANDARD.encode([5u8; 32])).unwrap());
    s
}

/// A simulated cluster holding the `shop` fixture (a namespace, a node, a deployment, two pods, an event).
pub async fn shop_sim() -> Sim {
    let sim = Sim::start(kubesim::SimConfig::default()).await.unwrap();
    sim.load_yaml(include_str!("../kubesim/tests/fixtures/shop.yaml"))
        .unwrap();
    sim
}

/// Registers `sim` as cluster `name` with its admin token, in `authz` mode.
pub async fn register_sim(app: &TestApp, name: &str, sim: &Sim, authz: &str) {
    register_sim_as(app, name, sim, authz, sim.admin_token()).await;
}

/// Registers `sim` as cluster `name` with `token` as Fleetdeck's own credential.
pub async fn register_sim_as(app: &TestApp, name: &str, sim: &Sim, authz: &str, token: &str) {
    let body = serde_json::json!({
        "name": name, "environment": "prod", "server": sim.url(), "token": token, "authzMode": authz,
        "certificateAuthorityData": STANDARD.encode(sim.ca_pem().unwrap()),
    });
    let r = app
        .bearer(Method::POST, "/api/clusters", ADMIN_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

/// A kube client of `sim` as its admin.
pub async fn sim_client(sim: &Sim) -> kube::Client {
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_for_token(sim.admin_token())).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

/// The real app, listening on 127.0.0.1.
pub struct TestApp {
    pub base: String,
    pub server: Server,
    /// A client without a cookie jar; see `session_client` for one with.
    pub client: Client,
}

impl TestApp {
    pub async fn start(db: &TestDb) -> TestApp {
        TestApp::with(settings(db)).await
    }

    pub async fn with(settings: Settings) -> TestApp {
        let server = Server::start(settings).await.expect("server starts");
        let base = format!("http://{}", server.addr);
        let client = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        TestApp { base, server, client }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// A request with `Authorization: Bearer <token>`.
    pub fn bearer(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(token)
    }

    /// A client that keeps cookies and sends this server's Origin on every request, like the console.
    pub fn session_client(&self) -> Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", self.base.parse().unwrap());
        Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .build()
            .unwrap()
    }

    /// Signs in with a username and password through a console-like client.
    pub async fn login(&self, username: &str, password: &str) -> Client {
        let c = self.session_client();
        let r = c
            .post(self.url("/api/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login as {username}");
        c
    }

    /// Creates a local user through the API as the admin token.
    pub async fn create_user(&self, username: &str, role: &str, password: &str) {
        let r = self
            .bearer(Method::POST, "/api/users", ADMIN_TOKEN)
            .json(&serde_json::json!({"username": username, "role": role, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "create user {username}: {}", r.text().await.unwrap());
    }

    /// Audit rows as the admin token sees them, for a query string.
    pub async fn audit(&self, query: &str) -> Vec<Value> {
        let r = self
            .bearer(Method::GET, &format!("/api/audit?{query}"), ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        body["items"].as_array().unwrap().clone()
    }

    /// `/metrics` once `done` holds of it.
    pub async fn metrics_until(&self, done: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let metrics = self
                .request(Method::GET, "/metrics")
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if done(&metrics) {
                return metrics;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "metrics never got there: {metrics}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn stop(self) {
        self.server.shutdown().await.unwrap();
    }
}

/// A Server-Sent Events stream read frame by frame.
pub struct Events {
    response: Response,
    buffer: String,
    pub heartbeats: usize,
    /// The `id` of the last frame that had one.
    pub last_id: Option<String>,
}

impl Events {
    pub async fn open(app: &TestApp, path: &str, token: &str) -> Events {
        Events::open_with(app.bearer(Method::GET, path, token)).await
    }

    /// The stream `request` answers; asserts it is one.
    pub async fn open_with(request: RequestBuilder) -> Events {
        // No overall timeout: a stream lasts as long as the test reads it.
        let response = request.timeout(Duration::from_secs(24 * 3600)).send().await.unwrap();
        let path = response.url().path().to_string();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        assert_eq!(response.headers()["cache-control"], "no-cache");
        Events {
            response,
            buffer: String::new(),
            heartbeats: 0,
            last_id: None,
        }
    }

    /// The next frame's event name and data; None when the stream closed.
    pub async fn next(&mut self) -> Option<(String, Value)> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if block.starts_with(':') {
                    self.heartbeats += 1;
                    continue;
                }
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(name))
                        .unwrap_or_else(|| panic!("no {name} in {block:?}"))
                        .to_string()
                };
                if let Some(id) = block.lines().find_map(|l| l.strip_prefix("id: ")) {
                    self.last_id = Some(id.to_string());
                }
                let data = serde_json::from_str(&field("data: ")).unwrap();
                return Some((field("event: "), data));
            }
            // Heartbeats do not count: a frame must come within 30 s.
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let chunk = tokio::time::timeout(left, self.response.chunk())
                .await
                .expect("a frame within 30 s")
                .unwrap()?;
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The next `log` frame's data, failing on any other frame.
    pub async fn log(&mut self) -> Value {
        let (event, data) = self.next().await.expect("a frame");
        assert_eq!(event, "log", "{data}");
        data
    }

    /// The log frames up to the `end` frame, and that the stream closes after it.
    pub async fn until_end(&mut self) -> Vec<Value> {
        let mut logs = Vec::new();
        loop {
            match self.next().await.expect("an end frame") {
                (event, data) if event == "log" => logs.push(data),
                (event, _) if event == "end" => break,
                (event, data) => panic!("unexpected {event}: {data}"),
            }
        }
        assert!(self.next().await.is_none(), "the stream closes after end");
        logs
    }
}

/// The status and JSON body of a response.
pub async fn json(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    if text.is_empty() {
        return (status, Value::Null);
    }
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, body)
}

/// A request with a bearer token and an optional JSON body: the status and the JSON answer (null
/// when empty).
pub async fn call(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut r = app.bearer(method, path, token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    json(r.send().await.unwrap()).await
}

/// Asserts the error envelope and its code.
/// POSTs `body` to `path` as `token` and expects 201: the answer.
pub async fn created(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let (status, body) = call(app, Method::POST, path, token, Some(body)).await;
    assert_eq!(status, 201, "{path}: {body}");
    body
}

/// An API key of `role` with `scope`, made by the admin token: its secret.
pub async fn scoped_key(app: &TestApp, role: &str, scope: &str) -> String {
    let body = serde_json::json!({"name": format!("{role} key"), "role": role, "scope": scope});
    let key = created(app, "/api/auth/api-keys", ADMIN_TOKEN, body).await;
    assert_eq!(key["scope"], scope);
    key["secret"].as_str().unwrap().to_string()
}

pub fn assert_error(status: u16, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["code"], want_code, "{body}");
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
    assert!(body["requestId"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
}

/// A server with `sim` registered twice: `open` (shared mode) and `guarded` (impersonate mode),
/// write actions on or off.
pub async fn app_with_sim(db: &TestDb, sim: &Sim, writes: bool) -> TestApp {
    let mut s = with_secret_key(db);
    s.write_actions_enabled = writes;
    let app = TestApp::with(s).await;
    register_sim(&app, "open", sim, "shared").await;
    register_sim(&app, "guarded", sim, "impersonate").await;
    app
}

/// A WebSocket client of the app's `path` (query included), with `headers` on the upgrade.
pub type WsSocket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

pub async fn ws_connect(
    app: &TestApp,
    path: &str,
    headers: &[(&str, String)],
) -> Result<WsSocket, tokio_tungstenite::tungstenite::Error> {
    use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderName};
    let mut request = format!("ws://{}{path}", app.server.addr).into_client_request().unwrap();
    for (name, value) in headers {
        request
            .headers_mut()
            .insert(HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
    }
    let tcp = tokio::net::TcpStream::connect(app.server.addr).await.unwrap();
    tokio_tungstenite::client_async(request, tcp)
        .await
        .map(|(socket, _)| socket)
}

/// The output of a shell command line run with `env`, off the runtime's threads.
pub async fn shell(script: &str, env: Vec<(&str, String)>) -> (bool, String, String) {
    let mut cmd = std::process::Command::new("bash");
    cmd.args(["-o", "pipefail", "-c", script])
        .env_clear()
        .env("PATH", "/usr/bin:/bin");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}
