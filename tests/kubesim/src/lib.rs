//! kubesim: a Kubernetes API simulator for Fleetdeck's tests, benchmarks and demos.
//!
//! It speaks the real REST protocol (discovery, CRUD with resourceVersion conflicts,
//! selectors, paging, Tables, watches, RBAC with impersonation) so `kubectl` and
//! `kube::Client` work against it unchanged. Start one with [`Sim::start`].

pub mod apply;
pub mod auth;
pub mod crd;
pub mod defaults;
pub mod discovery;
pub mod eviction;
pub mod exec;
pub mod fixtures;
pub mod generate;
pub mod jsonpath;
pub mod kubelet;
pub mod logs;
pub mod metrics;
pub mod openapi;
pub mod patch;
pub mod protobuf;
pub mod rbac;
pub mod reviews;
pub mod routes;
pub mod schema;
pub mod selectors;
pub mod server;
pub mod shell;
pub mod state;
pub mod status;
pub mod store;
pub mod table;
pub mod tls;
pub mod tokens;
pub mod watch;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use base64::Engine as _;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch as tokio_watch;
use tokio::task::JoinHandle;

pub use auth::{Identity, Rule, Subject, TokenEntry};
pub use metrics::MetricsKind;
pub use state::{Failure, RequestRecord};
pub use status::ApiError;

use state::{AppState, Faults, lock};
use store::Store;

/// How to start a simulator. `SimConfig::default()` is HTTPS on 127.0.0.1 with a random port.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Reported by `/version`; kubectl's dispatcher picks its minor from it.
    pub git_version: String,
    /// Serve HTTPS with a generated CA (kubectl sends tokens only over HTTPS).
    pub tls: bool,
    /// 0 picks a free port.
    pub port: u16,
    /// The admin's bearer token (user `kubesim-admin`, group `system:masters`); random if None.
    pub admin_token: Option<String>,
    pub tokens: Vec<TokenEntry>,
    pub rules: Vec<Rule>,
    /// How many changes watches can resume from; older resourceVersions get 410 Expired.
    pub history_limit: usize,
    /// How often watches that allow bookmarks receive one.
    pub bookmark_interval: Duration,
    /// Serve metrics.k8s.io as metrics-server does; without it the group is absent, as
    /// on a cluster without metrics-server.
    pub metrics: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            git_version: "v1.33.1".into(),
            tls: true,
            port: 0,
            admin_token: None,
            tokens: Vec::new(),
            rules: Vec::new(),
            history_limit: 10_000,
            bookmark_interval: Duration::from_secs(5),
            metrics: true,
        }
    }
}

/// A running simulator. Dropping it stops the server.
pub struct Sim {
    state: Arc<AppState>,
    addr: SocketAddr,
    tls: bool,
    ca_pem: Option<String>,
    admin_token: String,
    task: JoinHandle<()>,
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.task.abort();
        // Ends the connections the accept loop has already handed off.
        self.state.unreachable.send_replace(true);
    }
}

impl Sim {
    /// Binds 127.0.0.1:`port` and serves in the background on the current tokio runtime.
    /// The namespaces default, kube-system, kube-public and kube-node-lease exist from the start.
    pub async fn start(config: SimConfig) -> anyhow::Result<Sim> {
        let listener = TcpListener::bind(("127.0.0.1", config.port))
            .await
            .with_context(|| format!("binding 127.0.0.1:{}", config.port))?;
        let addr = listener.local_addr()?;
        let admin_token = config
            .admin_token
            .clone()
            .unwrap_or_else(|| format!("kubesim-admin-{}", uuid::Uuid::new_v4().simple()));
        let mut tokens = vec![TokenEntry {
            token: admin_token.clone(),
            user: auth::ADMIN_USER.into(),
            groups: vec![auth::MASTERS_GROUP.into()],
        }];
        tokens.extend(config.tokens.iter().cloned());
        let mut store = Store::new(config.history_limit);
        if !config.metrics {
            store.registry.remove_group(discovery::METRICS_GROUP);
        }
        let namespaces = discovery::find("", "v1", "namespaces").expect("registered");
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            store
                .create(
                    namespaces,
                    "",
                    json!({"metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}}}),
                )
                .map_err(|e| anyhow::anyhow!(e.message))?;
        }
        let (unreachable, _) = tokio_watch::channel(false);
        let (watch_epoch, _) = tokio_watch::channel(0u64);
        let state = Arc::new(AppState {
            store: Mutex::new(store),
            git_version: config.git_version.clone(),
            server_address: Mutex::new(addr.to_string()),
            tokens: Mutex::new(tokens),
            rules: Mutex::new(config.rules.clone()),
            requests: Mutex::new(Vec::new()),
            faults: Mutex::new(Faults::default()),
            bookmark_interval: config.bookmark_interval,
            unreachable,
            watch_epoch,
            logs: Mutex::new(Default::default()),
            log_feed: tokio::sync::broadcast::channel(1024).0,
            issued_tokens: Mutex::new(Vec::new()),
            usage: Mutex::new(Default::default()),
            volumes: Mutex::new(Default::default()),
        });
        let (acceptor, ca_pem) = if config.tls {
            let material = tls::generate()?;
            (
                Some(tokio_rustls::TlsAcceptor::from(material.server_config)),
                Some(material.ca_pem),
            )
        } else {
            (None, None)
        };
        let app = server::router(state.clone());
        let task = tokio::spawn(server::serve(listener, acceptor, app, state.clone()));
        Ok(Sim {
            state,
            addr,
            tls: config.tls,
            ca_pem,
            admin_token,
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://127.0.0.1:PORT` (or `http://` without TLS).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The CA that signed the serving certificate; None in plain HTTP mode.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// A kubeconfig with one context `kubesim` authenticating with `token`.
    pub fn kubeconfig_for_token(&self, token: &str) -> String {
        let cluster = match &self.ca_pem {
            Some(ca) => json!({
                "server": self.url(),
                "certificate-authority-data": base64::engine::general_purpose::STANDARD.encode(ca),
            }),
            None => json!({"server": self.url()}),
        };
        let config = json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "kubesim", "cluster": cluster}],
            "users": [{"name": "kubesim", "user": {"token": token}}],
            "contexts": [{"name": "kubesim", "context": {"cluster": "kubesim", "user": "kubesim"}}],
            "current-context": "kubesim",
            "preferences": {},
        });
        yaml_serde::to_string(&config).expect("serializable")
    }

    /// The admin kubeconfig as YAML.
    pub fn kubeconfig(&self) -> String {
        self.kubeconfig_for_token(&self.admin_token)
    }

    /// Writes the admin kubeconfig atomically, so a watcher never reads half a file.
    pub fn write_kubeconfig(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        let path = path.as_ref();
        let tmp = path.with_extension("kubesim-tmp");
        std::fs::write(&tmp, self.kubeconfig())?;
        std::fs::rename(&tmp, path)
    }

    /// Accepts `token` as `user` in `groups` from now on.
    pub fn add_token(&self, token: &str, user: &str, groups: &[&str]) {
        lock(&self.state.tokens).push(TokenEntry {
            token: token.into(),
            user: user.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        });
    }

    pub fn add_rule(&self, rule: Rule) {
        lock(&self.state.rules).push(rule);
    }

    /// Every request so far with its effective identity and impersonation headers.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.state.requests).clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.state.requests).clear();
    }

    /// Creates one object directly in the store (no auth).
    /// Its namespace is created if missing; a given uid, `creationTimestamp` and `status` are kept.
    pub fn create(&self, obj: Value) -> Result<Value, ApiError> {
        self.write(obj, false)
    }

    /// Creates one object as `create` does, or updates it when it exists, as
    /// `kubectl apply` of it would: what it gives replaces what is stored, but for what
    /// the server owns (uid, creationTimestamp, generation) and a status it leaves out.
    pub fn create_or_update(&self, obj: Value) -> Result<Value, ApiError> {
        self.write(obj, true)
    }

    fn write(&self, mut obj: Value, update_existing: bool) -> Result<Value, ApiError> {
        let api_version = obj["apiVersion"].as_str().unwrap_or_default();
        let kind = obj["kind"].as_str().unwrap_or_default();
        let mut store = lock(&self.state.store);
        let r = store
            .registry
            .find_kind(api_version, kind)
            .ok_or_else(|| ApiError::bad_request(format!("no resource registered for {api_version} {kind}")))?;
        if r.metrics {
            return Err(ApiError::bad_request(format!(
                "{kind} is computed, not stored: use the {} annotations or Sim::set_usage",
                metrics::USAGE_ANNOTATION
            )));
        }
        let ns = if r.namespaced {
            obj["metadata"]["namespace"].as_str().unwrap_or("default").to_string()
        } else {
            String::new()
        };
        if r.namespaced && !store.namespace_exists(&ns) {
            let namespaces = discovery::find("", "v1", "namespaces").expect("registered");
            store.create(namespaces, "", json!({"metadata": {"name": ns}}))?;
        }
        if r.resource == "events" {
            fill_involved_uid(&store, &mut obj);
        }
        let name = obj["metadata"]["name"].as_str().unwrap_or_default().to_string();
        if update_existing && store.uid_of(&r, &ns, &name).is_some() {
            return store.update_fixture(&r, &ns, &name, obj);
        }
        store.create_fixture(&r, &ns, obj)
    }

    /// Reads one object directly from the store.
    pub fn get(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Option<Value> {
        let store = lock(&self.state.store);
        let r = store.registry.find_kind(api_version, kind)?;
        store.get(&r, namespace, name).ok()
    }

    /// Loads multi-document YAML as `kubectl apply -f` would (see `create_or_update`),
    /// plus kubesim Token/Rule documents. Returns how many Kubernetes objects it held.
    /// Loading a file again changes only what it changes.
    pub fn load_yaml(&self, yaml: &str) -> anyhow::Result<usize> {
        let f = fixtures::parse(yaml)?;
        // A token given again replaces its entry and a rule given again is there already,
        // so a second load adds nothing.
        let mut tokens = lock(&self.state.tokens);
        for t in f.tokens {
            tokens.retain(|old| old.token != t.token);
            tokens.push(t);
        }
        drop(tokens);
        let mut rules = lock(&self.state.rules);
        for rule in f.rules {
            if !rules.contains(&rule) {
                rules.push(rule);
            }
        }
        drop(rules);
        let n = f.objects.len();
        for (doc, obj) in f.objects {
            self.load(obj).with_context(|| format!("YAML document {doc}"))?;
        }
        Ok(n)
    }

    /// Loads objects as `load_yaml` does. Returns how many there were.
    pub fn load_objects(&self, objects: impl IntoIterator<Item = Value>) -> anyhow::Result<usize> {
        let mut n = 0;
        for obj in objects {
            self.load(obj)?;
            n += 1;
        }
        Ok(n)
    }

    fn load(&self, obj: Value) -> anyhow::Result<()> {
        let id = fixtures::describe(&obj);
        self.create_or_update(obj)
            .map_err(|e| anyhow::anyhow!("{id}: {}", e.message))?;
        Ok(())
    }

    /// Delays every request by `latency` (zero turns it off).
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.state.faults).latency = latency;
    }

    /// Answers every request on `resource` of `group` ("*" for all) with a `code` Status.
    pub fn fail_resource(&self, group: &str, resource: &str, code: u16, message: &str) {
        lock(&self.state.faults).failures.push(Failure {
            group: group.into(),
            resource: resource.into(),
            code,
            message: message.into(),
        });
    }

    /// Removes latency and failures (not unreachability).
    pub fn clear_faults(&self) {
        *lock(&self.state.faults) = Faults::default();
    }

    /// While true, open connections are dropped and new ones closed at once.
    pub fn set_unreachable(&self, unreachable: bool) {
        self.state.unreachable.send_replace(unreachable);
    }

    /// Ends every open watch stream, as an apiserver restart or a load balancer would.
    pub fn drop_watches(&self) {
        self.state.watch_epoch.send_modify(|e| *e += 1);
    }

    /// Sets what metrics.k8s.io reports for a pod's container (`MetricsKind::Pod`) or a
    /// node (`MetricsKind::Node`, with "" for namespace and container), over its usage
    /// annotations and generated figures, until set again. `cpu` and `memory` are
    /// quantities (`250m`, `128Mi`).
    pub fn set_usage(
        &self,
        kind: MetricsKind,
        namespace: &str,
        name: &str,
        container: &str,
        cpu: &str,
        memory: &str,
    ) -> anyhow::Result<()> {
        let usage = metrics::Usage::parse(cpu, memory)
            .with_context(|| format!("usage cpu={cpu:?} memory={memory:?}: not two quantities"))?;
        let (namespace, container) = match kind {
            MetricsKind::Pod => (namespace, container),
            MetricsKind::Node => ("", ""),
        };
        lock(&self.state.usage).insert((kind, namespace.into(), name.into(), container.into()), usage);
        Ok(())
    }

    /// Sets what the kubelet's stats/summary (`/api/v1/nodes/{node}/proxy/stats/summary`)
    /// reports for the volume of PersistentVolumeClaim `namespace/claim`, on the node of every
    /// running pod that mounts it, until set again. `used` and `capacity` are quantities (`3Gi`).
    pub fn set_volume_usage(&self, namespace: &str, claim: &str, used: &str, capacity: &str) -> anyhow::Result<()> {
        let bytes = |q: &str| {
            metrics::parse_quantity(q)
                .map(|b| b.round() as u64)
                .with_context(|| format!("{q:?} is not a quantity"))
        };
        let usage = (bytes(used)?, bytes(capacity)?);
        lock(&self.state.volumes).insert((namespace.into(), claim.into()), usage);
        Ok(())
    }

    /// Compacts the watch history, as etcd compaction does when a watch has fallen
    /// behind it: every open watch ends with a 410 `Expired` ERROR event, and a watch
    /// resumed from an earlier resourceVersion gets one, so every watcher lists again.
    pub fn compact(&self) {
        lock(&self.state.store).compact();
    }

    /// Appends one line to a container's current log (after any scripted lines) and
    /// sends it to every `follow=true` stream of that container.
    pub fn append_log(&self, namespace: &str, pod: &str, container: &str, line: &str) {
        let mut book = lock(&self.state.logs);
        let lines = book
            .entry((namespace.into(), pod.into(), container.into()))
            .or_default();
        let entry = logs::LogLine {
            namespace: namespace.into(),
            pod: pod.into(),
            container: container.into(),
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            text: line.into(),
            index: lines.len(),
        };
        lines.push(entry.clone());
        // Sent under the book's lock: a follower reads the book after subscribing and
        // skips indexes it has already sent, so no line is lost or doubled.
        let _ = self.state.log_feed.send(Arc::new(entry));
        drop(book);
    }

    /// Issues a service-account token as a TokenRequest would (without checking that
    /// the service account exists), valid for `expiration`.
    pub fn issue_token(&self, namespace: &str, service_account: &str, expiration: Duration) -> String {
        let request = json!({"spec": {"expirationSeconds": expiration.as_secs()}});
        let issued = tokens::issue(namespace, service_account, &request, chrono::Utc::now());
        let token = issued.token.clone();
        lock(&self.state.issued_tokens).push(issued);
        token
    }

    /// The current global resourceVersion.
    pub fn resource_version(&self) -> u64 {
        lock(&self.state.store).resource_version()
    }
}

/// Fixtures rarely know the uid of the object an event is about, but `kubectl describe`
/// selects events by it; take it from the stored object when the event leaves it out.
fn fill_involved_uid(store: &Store, event: &mut Value) {
    let io = &event["involvedObject"];
    if io["uid"].is_string() {
        return;
    }
    let Some(r) = store.registry.find_kind(
        io["apiVersion"].as_str().unwrap_or("v1"),
        io["kind"].as_str().unwrap_or_default(),
    ) else {
        return;
    };
    let ns = if r.namespaced {
        io["namespace"].as_str().unwrap_or_default()
    } else {
        ""
    };
    if let Ok(obj) = store.get(&r, ns, io["name"].as_str().unwrap_or_default()) {
        event["involvedObject"]["uid"] = obj["metadata"]["uid"].clone();
    }
}
