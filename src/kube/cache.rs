//! Watch-backed caches: one kube-runtime reflector per cluster × resource, started on first use
//! under Fleetdeck's own identity and stopped after an idle time, shared by every user. Objects
//! are stored once (in the reflector's store) as compact JSON, stripped of `managedFields` and
//! the last-applied annotation, with Secret values redacted before they are kept; each change
//! also derives the object's row once (`Derive`), so a read copies rows instead of rebuilding them.
//! Changes fan out to streams through a bounded broadcast, with a short history for resumes.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, ApiResource, DynamicObject};
use kube::core::DynamicResourceScope;
use kube::runtime::reflector::{self, ObjectRef, store::Writer};
use kube::runtime::{WatchStreamExt, watcher};
use prometheus::{IntCounterVec, IntGaugeVec, Opts};
use tokio::sync::{broadcast, watch};

use super::discovery::{self, ResourceInfo};
use crate::error::ApiError;

/// What a cache derives from each object, once per change.
pub trait Derive: Send + Sync + 'static {
    fn derive(resource: &ResourceInfo, object: &DynamicObject) -> Self;
    /// The namespace ("" when cluster-scoped) and name of the object it was derived from, so a
    /// reader of the changes can look the object up.
    fn key(&self) -> (&str, &str);
}

/// The value every redacted Secret value is replaced with.
pub const REDACTED: &str = "<redacted>";
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// Changes kept for streams that resume with `Last-Event-ID`.
const HISTORY: usize = 4096;
/// Changes buffered per stream before it counts as slow.
pub const STREAM_BUFFER: usize = 1024;
/// Discovery is fetched again after this long even when no CRD changed (aggregated APIs).
const DISCOVERY_TTL: Duration = Duration::from_secs(300);

/// Drops what is never served and never kept: field ownership, last-applied copies (they hold
/// the whole object again, Secret values included) and Secret values.
pub fn strip(object: &mut DynamicObject) {
    object.metadata.managed_fields = None;
    if let Some(a) = object.metadata.annotations.as_mut() {
        a.remove(LAST_APPLIED);
    }
    let is_secret = object
        .types
        .as_ref()
        .is_some_and(|t| t.kind == "Secret" && t.api_version == "v1");
    if is_secret {
        redact(&mut object.data);
    }
}

/// Replaces every value of a Secret's `data` and `stringData` with [`REDACTED`].
pub fn redact(data: &mut serde_json::Value) {
    for field in ["data", "stringData"] {
        if let Some(map) = data.get_mut(field).and_then(|d| d.as_object_mut()) {
            for v in map.values_mut() {
                *v = serde_json::Value::String(REDACTED.into());
            }
        }
    }
}

/// An object as a cache keeps it: its compact JSON (stripped and redacted), the metadata the
/// store is keyed by, and what was derived from it. As text an object costs about its JSON size;
/// as a `DynamicObject` tree it cost several times that, and most reads only need the row.
pub struct Stored<R> {
    meta: ObjectMeta,
    json: Arc<str>,
    derived: Arc<R>,
}

impl<R> Clone for Stored<R> {
    fn clone(&self) -> Self {
        Stored {
            meta: self.meta.clone(),
            json: self.json.clone(),
            derived: self.derived.clone(),
        }
    }
}

impl<R: Derive> Stored<R> {
    fn new(info: &ResourceInfo, mut object: DynamicObject) -> Stored<R> {
        strip(&mut object);
        let derived = Arc::new(R::derive(info, &object));
        let json = serde_json::to_string(&object).expect("objects serialize").into();
        let m = object.metadata;
        let meta = ObjectMeta {
            name: m.name,
            namespace: m.namespace,
            uid: m.uid,
            resource_version: m.resource_version,
            ..ObjectMeta::default()
        };
        Stored { meta, json, derived }
    }
}

impl<R> Stored<R> {
    /// The object, parsed again from its JSON.
    pub fn object(&self) -> DynamicObject {
        serde_json::from_str(&self.json).expect("stored objects parse")
    }
}

impl<R> kube::Resource for Stored<R> {
    type DynamicType = ApiResource;
    type Scope = DynamicResourceScope;

    fn group(dt: &ApiResource) -> Cow<'_, str> {
        dt.group.as_str().into()
    }

    fn version(dt: &ApiResource) -> Cow<'_, str> {
        dt.version.as_str().into()
    }

    fn kind(dt: &ApiResource) -> Cow<'_, str> {
        dt.kind.as_str().into()
    }

    fn api_version(dt: &ApiResource) -> Cow<'_, str> {
        dt.api_version.as_str().into()
    }

    fn plural(dt: &ApiResource) -> Cow<'_, str> {
        dt.plural.as_str().into()
    }

    fn meta(&self) -> &ObjectMeta {
        &self.meta
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.meta
    }
}

/// The watcher's event with its object made [`Stored`].
fn stored<R: Derive>(info: &ResourceInfo, event: watcher::Event<DynamicObject>) -> watcher::Event<Stored<R>> {
    match event {
        watcher::Event::Apply(o) => watcher::Event::Apply(Stored::new(info, o)),
        watcher::Event::Delete(o) => watcher::Event::Delete(Stored::new(info, o)),
        watcher::Event::Init => watcher::Event::Init,
        watcher::Event::InitApply(o) => watcher::Event::InitApply(Stored::new(info, o)),
        watcher::Event::InitDone => watcher::Event::InitDone,
    }
}

/// One change, as streams see it.
pub enum Change<R> {
    Added(Arc<R>),
    /// The new row and the one it replaced (a filtered stream tells moves in and out by both).
    Modified(Arc<R>, Arc<R>),
    Deleted(Arc<R>),
    /// The watch started over (`gone_410` after a compaction, `reconnect` after a dropped watch):
    /// readers take a new snapshot.
    Relisted(String),
}

impl<R> Clone for Change<R> {
    fn clone(&self) -> Self {
        match self {
            Change::Added(r) => Change::Added(r.clone()),
            Change::Modified(r, old) => Change::Modified(r.clone(), old.clone()),
            Change::Deleted(r) => Change::Deleted(r.clone()),
            Change::Relisted(why) => Change::Relisted(why.clone()),
        }
    }
}

/// A change with its place in the cache's sequence (the SSE event id).
pub type Event<R> = (u64, Change<R>);

#[derive(Debug)]
enum Phase {
    Warming,
    Ready,
    Failed(ApiError),
}

/// An object's namespace (empty for cluster-scoped ones) and name.
pub type Key = (String, String);

/// What a reader derived from a cache's objects, by object, with the resourceVersion it was
/// derived at ([`ResourceCache::memoized`]).
pub struct Memo<F>(HashMap<Key, (Option<String>, Arc<F>)>);

impl<F> Default for Memo<F> {
    fn default() -> Self {
        Memo(HashMap::new())
    }
}

struct Rows<R> {
    rows: BTreeMap<Key, (Arc<R>, usize)>,
    /// Rows of a relist in progress, swapped in when it is complete.
    relisting: Option<BTreeMap<Key, (Arc<R>, usize)>>,
    resource_version: String,
    seq: u64,
    history: VecDeque<Event<R>>,
    bytes: usize,
    synced_at: Option<Instant>,
}

/// Rows at one point of the sequence.
pub struct Snapshot<R> {
    pub rows: Vec<Arc<R>>,
    pub resource_version: String,
    pub seq: u64,
}

/// What a stream starts from: every row now, or the changes since the event it last saw.
pub enum Start<R> {
    Snapshot(Snapshot<R>),
    Resume(Vec<Event<R>>),
}

pub struct ResourceCache<R: 'static> {
    pub info: Arc<ResourceInfo>,
    /// Names this cache among every cache this process (and earlier runs) started, so an event
    /// id from a cache that was stopped, or from another run, never resumes here.
    pub epoch: u64,
    store: reflector::Store<Stored<R>>,
    state: RwLock<Rows<R>>,
    phase: watch::Receiver<Phase>,
    changes: broadcast::Sender<Event<R>>,
    last_used: Mutex<Instant>,
    relists: AtomicU64,
    task: tokio::task::AbortHandle,
}

impl<R: 'static> Drop for ResourceCache<R> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn key<R>(object: &Stored<R>) -> Key {
    (
        object.meta.namespace.clone().unwrap_or_default(),
        object.meta.name.clone().unwrap_or_default(),
    )
}

impl<R: Derive> ResourceCache<R> {
    fn start(cluster: &str, client: kube::Client, info: ResourceInfo, epoch: u64) -> Arc<ResourceCache<R>> {
        let ar = info.api_resource();
        let writer = Writer::new(ar.clone());
        let store = writer.as_reader();
        let (phase_tx, phase) = watch::channel(Phase::Warming);
        let (changes, _) = broadcast::channel(STREAM_BUFFER);
        let info = Arc::new(info);
        let api: Api<DynamicObject> = Api::all_with(client, &ar);
        let cluster = cluster.to_string();
        let derive_with = info.clone();
        // The task holds the cache weakly (dropping the cache stops it); it gets it once built.
        let (handover, built) = tokio::sync::oneshot::channel::<std::sync::Weak<ResourceCache<R>>>();
        let task = tokio::spawn(async move {
            let Ok(weak) = built.await else { return };
            let stream = watcher(api, watcher::Config::default().page_size(500))
                .default_backoff()
                .map_ok(move |event| stored(&derive_with, event));
            let mut stream = std::pin::pin!(reflector::reflector(writer, stream));
            let mut why = "reconnect".to_string();
            while let Some(item) = stream.next().await {
                let Some(cache) = weak.upgrade() else { return };
                match item {
                    Ok(event) => {
                        // The reason a relist started holds until the relist is complete.
                        let done = matches!(event, watcher::Event::InitDone);
                        if cache.apply(event, &why) {
                            phase_tx.send_replace(Phase::Ready);
                        }
                        if done {
                            why = "reconnect".into();
                        }
                    }
                    Err(e) => {
                        if let watcher::Error::WatchError(s) = &e
                            && s.code == 410
                        {
                            why = "gone_410".into();
                        }
                        tracing::debug!(cluster, resource = cache.info.path(), error = %e, "watch");
                        if matches!(*phase_tx.borrow(), Phase::Warming) {
                            let failed = match &e {
                                watcher::Error::InitialListFailed(k) | watcher::Error::WatchStartFailed(k) => {
                                    super::errors::api_error(&cluster, k)
                                }
                                other => {
                                    super::errors::api_error(&cluster, &kube::Error::Service(other.to_string().into()))
                                }
                            };
                            phase_tx.send_replace(Phase::Failed(failed));
                        }
                    }
                }
            }
        });
        let cache = Arc::new(ResourceCache {
            info: info.clone(),
            epoch,
            store,
            state: RwLock::new(Rows {
                rows: BTreeMap::new(),
                relisting: None,
                resource_version: String::new(),
                seq: 0,
                history: VecDeque::new(),
                bytes: 0,
                synced_at: None,
            }),
            phase,
            changes,
            last_used: Mutex::new(Instant::now()),
            relists: AtomicU64::new(0),
            task: task.abort_handle(),
        });
        let _ = handover.send(Arc::downgrade(&cache));
        cache
    }

    /// Applies one watcher event; answers whether the rows are now complete.
    fn apply(&self, event: watcher::Event<Stored<R>>, why: &str) -> bool {
        let mut s = self.state.write().expect("cache lock");
        let change = match event {
            watcher::Event::Init => {
                s.relisting = Some(BTreeMap::new());
                return false;
            }
            watcher::Event::InitApply(o) => {
                let row = (o.derived.clone(), o.json.len());
                note_version(&mut s, &o);
                s.relisting.get_or_insert_default().insert(key(&o), row);
                return false;
            }
            watcher::Event::InitDone => {
                let rows = s.relisting.take().unwrap_or_default();
                s.bytes = rows.values().map(|(_, b)| b).sum();
                s.rows = rows;
                let first = s.synced_at.is_none();
                s.synced_at = Some(Instant::now());
                if first {
                    return true;
                }
                self.relists.fetch_add(1, Ordering::Relaxed);
                s.history.clear();
                Change::Relisted(why.to_string())
            }
            watcher::Event::Apply(o) => {
                let row = o.derived.clone();
                let bytes = o.json.len();
                note_version(&mut s, &o);
                let old = s.rows.insert(key(&o), (row.clone(), bytes));
                s.bytes = s.bytes + bytes - old.as_ref().map_or(0, |(_, b)| *b);
                match old {
                    Some((old, _)) => Change::Modified(row, old),
                    None => Change::Added(row),
                }
            }
            watcher::Event::Delete(o) => {
                note_version(&mut s, &o);
                let Some((row, bytes)) = s.rows.remove(&key(&o)) else {
                    return false;
                };
                s.bytes -= bytes;
                Change::Deleted(row)
            }
        };
        s.seq += 1;
        let event = (s.seq, change);
        if s.history.len() == HISTORY {
            s.history.pop_front();
        }
        s.history.push_back(event.clone());
        // Sent under the lock, so a subscriber that took its snapshot under the lock sees every
        // later change exactly once.
        let _ = self.changes.send(event);
        true
    }

    /// Waits (at most `bound`) until the first list is in.
    async fn ready(&self, cluster: &str, bound: Duration) -> Result<(), ApiError> {
        let mut phase = self.phase.clone();
        let waited = tokio::time::timeout(bound, phase.wait_for(|p| !matches!(p, Phase::Warming))).await;
        match waited {
            Err(_) => Err(ApiError::new(
                axum::http::StatusCode::GATEWAY_TIMEOUT,
                "cache_warming",
                format!(
                    "the cache of {} in cluster {cluster} is still loading; try again shortly",
                    self.info.path()
                ),
            )),
            Ok(Err(_)) => Err(ApiError::internal(anyhow::anyhow!("cache task ended"))),
            Ok(Ok(p)) => match &*p {
                Phase::Failed(e) => Err(e.public_copy()),
                _ => Ok(()),
            },
        }
    }

    fn touch(&self) {
        *self.last_used.lock().expect("cache lock") = Instant::now();
    }

    /// The number of the last change.
    pub fn seq(&self) -> u64 {
        self.state.read().expect("cache lock").seq
    }

    /// Every row, in namespace/name order.
    pub fn snapshot(&self) -> Snapshot<R> {
        self.touch();
        let s = self.state.read().expect("cache lock");
        Snapshot {
            rows: s.rows.values().map(|(r, _)| r.clone()).collect(),
            resource_version: s.resource_version.clone(),
            seq: s.seq,
        }
    }

    /// The cached object, stripped and redacted.
    pub fn object(&self, namespace: Option<&str>, name: &str) -> Option<Arc<DynamicObject>> {
        self.touch();
        let mut r = ObjectRef::new_with(name, self.info.api_resource());
        if let Some(ns) = namespace {
            r = r.within(ns);
        }
        self.store.get(&r).map(|s| Arc::new(s.object()))
    }

    /// The namespace and name of every cached object, without parsing them.
    pub fn keys(&self) -> Vec<Key> {
        self.touch();
        self.store.state().iter().map(|s| key(s)).collect()
    }

    /// Every cached object.
    pub fn objects(&self) -> Vec<Arc<DynamicObject>> {
        self.touch();
        self.store.state().iter().map(|s| Arc::new(s.object())).collect()
    }

    /// Every cached object as `derive` makes it. An object `memo` saw at the same
    /// resourceVersion is not parsed again: a reader that goes over every object each pass parses
    /// only what changed since its last pass.
    pub fn memoized<F>(&self, memo: &mut Memo<F>, derive: impl Fn(&DynamicObject) -> F) -> Vec<Arc<F>> {
        self.touch();
        let objects = self.store.state();
        let mut seen = HashMap::with_capacity(objects.len());
        let derived = objects
            .iter()
            .map(|s| {
                let k = key(s);
                let version = &s.meta.resource_version;
                let value = match memo.0.remove(&k) {
                    Some((v, value)) if v == *version => value,
                    _ => Arc::new(derive(&s.object())),
                };
                seen.insert(k, (version.clone(), value.clone()));
                value
            })
            .collect();
        memo.0 = seen;
        derived
    }

    /// A stream's start and its feed of later changes: the changes after `after` when the
    /// history still has them, else a snapshot.
    pub fn subscribe(&self, after: Option<u64>) -> (Start<R>, broadcast::Receiver<Event<R>>) {
        self.touch();
        let s = self.state.read().expect("cache lock");
        let rx = self.changes.subscribe();
        let resumable = after
            .filter(|a| *a <= s.seq && (*a == s.seq || s.history.front().is_some_and(|(first, _)| *first <= a + 1)));
        let start = match resumable {
            Some(a) => Start::Resume(s.history.iter().filter(|(seq, _)| *seq > a).cloned().collect()),
            None => Start::Snapshot(Snapshot {
                rows: s.rows.values().map(|(r, _)| r.clone()).collect(),
                resource_version: s.resource_version.clone(),
                seq: s.seq,
            }),
        };
        (start, rx)
    }
}

fn note_version<R>(s: &mut Rows<R>, o: &Stored<R>) {
    if let Some(rv) = &o.meta.resource_version {
        s.resource_version.clone_from(rv);
    }
}

/// How long caches wait and live.
#[derive(Debug, Clone, Copy)]
pub struct CacheSettings {
    /// A request on a cold cache waits this long for the first list, then gets 504.
    pub warm_timeout: Duration,
    /// A cache nobody read or streamed for this long is stopped.
    pub idle_timeout: Duration,
}

/// Which cluster (and connection) a cache reads.
pub struct Source<'a> {
    pub cluster: &'a str,
    /// Changes when the cluster's connection changes, so a new connection gets new caches.
    pub connection: &'a str,
    pub client: kube::Client,
}

type CacheKey = (String, String, String);

struct DiscoveryEntry {
    at: Instant,
    /// The CRD cache's sequence it was built at; None when the connection may not list CRDs.
    crd_seq: Option<u64>,
    resources: Arc<Vec<ResourceInfo>>,
}

/// A counter or gauge per cluster and resource, for `/metrics`.
pub struct CacheMetrics {
    objects: IntGaugeVec,
    bytes: IntGaugeVec,
    age: IntGaugeVec,
    relists: IntGaugeVec,
    hits: IntCounterVec,
    misses: IntCounterVec,
}

impl CacheMetrics {
    fn new() -> CacheMetrics {
        let gauge = |name: &str, help: &str| {
            IntGaugeVec::new(Opts::new(name, help), &["cluster", "resource"]).expect("valid metric")
        };
        let counter =
            |name: &str, help: &str| IntCounterVec::new(Opts::new(name, help), &["cluster"]).expect("valid metric");
        CacheMetrics {
            objects: gauge(
                "fleetdeck_cache_objects",
                "Objects held per cluster and resource cache.",
            ),
            bytes: gauge(
                "fleetdeck_cache_bytes",
                "Estimated bytes of the objects held per cache (their JSON size).",
            ),
            age: gauge(
                "fleetdeck_cache_age_seconds",
                "Seconds since each cache last (re)listed.",
            ),
            relists: gauge(
                "fleetdeck_cache_relists",
                "Relists per cache since it started (410 Gone, reconnects).",
            ),
            hits: counter("fleetdeck_cache_hits_total", "Reads answered by a running cache."),
            misses: counter("fleetdeck_cache_misses_total", "Reads that had to start a cache."),
        }
    }

    pub fn collectors(&self) -> Vec<Box<dyn prometheus::core::Collector>> {
        vec![
            Box::new(self.objects.clone()),
            Box::new(self.bytes.clone()),
            Box::new(self.age.clone()),
            Box::new(self.relists.clone()),
            Box::new(self.hits.clone()),
            Box::new(self.misses.clone()),
        ]
    }
}

/// Every cache of the process.
pub struct Caches<R: 'static> {
    settings: CacheSettings,
    /// The next cache's epoch: the start time in microseconds, then counting up.
    next_epoch: AtomicU64,
    caches: Mutex<HashMap<CacheKey, Arc<ResourceCache<R>>>>,
    discovery: Mutex<HashMap<(String, String), DiscoveryEntry>>,
    pub metrics: CacheMetrics,
}

impl<R: Derive> Caches<R> {
    pub fn new(settings: CacheSettings) -> Caches<R> {
        Caches {
            settings,
            next_epoch: AtomicU64::new(u64::try_from(chrono::Utc::now().timestamp_micros()).unwrap_or_default()),
            caches: Mutex::default(),
            discovery: Mutex::default(),
            metrics: CacheMetrics::new(),
        }
    }

    /// The caches of the `kinds` (group, kind) among `served` that can be listed and watched, by
    /// kind, started if need be; a kind not served, or whose cache cannot start, is left out.
    pub async fn of_kinds(
        &self,
        source: &Source<'_>,
        served: &[ResourceInfo],
        kinds: &[(&str, &'static str)],
    ) -> HashMap<&'static str, Arc<ResourceCache<R>>> {
        let mut caches = HashMap::new();
        for (group, kind) in kinds {
            let Some(info) = served
                .iter()
                .find(|r| r.preferred && r.group == *group && r.kind == *kind && r.can("list") && r.can("watch"))
            else {
                continue;
            };
            match self.get(source, info).await {
                Ok(cache) => {
                    caches.insert(*kind, cache);
                }
                Err(e) => tracing::debug!(
                    cluster = source.cluster,
                    resource = info.path(),
                    error = e.message,
                    "cache not started; its kind is left out"
                ),
            }
        }
        caches
    }

    /// The running cache of `info` on `source`, started (and waited for) if there is none.
    pub async fn get(&self, source: &Source<'_>, info: &ResourceInfo) -> Result<Arc<ResourceCache<R>>, ApiError> {
        let key = (source.cluster.to_string(), source.connection.to_string(), info.path());
        let (cache, started) = {
            let mut caches = self.caches.lock().expect("caches lock");
            match caches.get(&key) {
                Some(c) => (c.clone(), false),
                None => {
                    let epoch = self.next_epoch.fetch_add(1, Ordering::Relaxed);
                    let c = ResourceCache::start(source.cluster, source.client.clone(), info.clone(), epoch);
                    caches.insert(key.clone(), c.clone());
                    (c, true)
                }
            }
        };
        let counter = if started {
            &self.metrics.misses
        } else {
            &self.metrics.hits
        };
        counter.with_label_values(&[source.cluster]).inc();
        if let Err(e) = cache.ready(source.cluster, self.settings.warm_timeout).await {
            if e.code != "cache_warming" {
                // A cache whose first list failed is not kept: the next read tries again.
                let mut caches = self.caches.lock().expect("caches lock");
                if caches.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cache)) {
                    caches.remove(&key);
                }
            }
            return Err(e);
        }
        cache.touch();
        Ok(cache)
    }

    /// What the cluster serves, refreshed when a CRD changed (the CRD cache's sequence moved)
    /// or after a few minutes; custom resources carry their printer columns. A connection that
    /// may not list CRDs still gets discovery, without printer columns (asked again after the TTL).
    pub async fn discovery(&self, source: &Source<'_>) -> Result<Arc<Vec<ResourceInfo>>, ApiError> {
        let key = (source.cluster.to_string(), source.connection.to_string());
        let entry = |crd_seq: Option<u64>| {
            let entries = self.discovery.lock().expect("discovery lock");
            entries
                .get(&key)
                .filter(|e| e.crd_seq == crd_seq && e.at.elapsed() < DISCOVERY_TTL)
                .map(|e| e.resources.clone())
        };
        if let Some(resources) = entry(None) {
            return Ok(resources);
        }
        let crds = match self.get(source, &discovery::crds()).await {
            Ok(crds) => Some(crds),
            Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => None,
            Err(e) => return Err(e),
        };
        let crd_seq = crds.as_ref().map(|c| c.state.read().expect("cache lock").seq);
        if let Some(resources) = entry(crd_seq) {
            return Ok(resources);
        }
        let mut resources = discovery::discover(&source.client)
            .await
            .map_err(|e| super::errors::api_error(source.cluster, &e))?;
        if let Some(crds) = crds {
            let objects = crds.objects();
            let specs: Vec<&serde_json::Value> = objects.iter().filter_map(|o| o.data.get("spec")).collect();
            discovery::add_printer_columns(&mut resources, &specs);
        }
        let resources = Arc::new(resources);
        self.discovery.lock().expect("discovery lock").insert(
            key,
            DiscoveryEntry {
                at: Instant::now(),
                crd_seq,
                resources: resources.clone(),
            },
        );
        Ok(resources)
    }

    /// Stops caches nobody read or streamed for the idle time; answers how many.
    pub fn stop_idle(&self) -> usize {
        let idle = self.settings.idle_timeout;
        let mut caches = self.caches.lock().expect("caches lock");
        let before = caches.len();
        caches
            .retain(|_, c| c.changes.receiver_count() > 0 || c.last_used.lock().expect("cache lock").elapsed() < idle);
        let live: std::collections::HashSet<_> = caches.keys().map(|(c, n, _)| (c.clone(), n.clone())).collect();
        self.discovery
            .lock()
            .expect("discovery lock")
            .retain(|k, _| live.contains(k));
        before - caches.len()
    }

    /// Stops idle caches every quarter of the idle time until the runtime stops.
    pub fn spawn_idle_stopper(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let caches = Arc::downgrade(self);
        let every = (self.settings.idle_timeout / 4).max(Duration::from_millis(100));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let Some(caches) = caches.upgrade() else { return };
                let stopped = caches.stop_idle();
                if stopped > 0 {
                    tracing::debug!(stopped, "stopped idle caches");
                }
            }
        })
    }

    /// How many caches run now.
    pub fn len(&self) -> usize {
        self.caches.lock().expect("caches lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sets the per-cache gauges to what they are now (called on each scrape).
    pub fn observe(&self) {
        let m = &self.metrics;
        for g in [&m.objects, &m.bytes, &m.age, &m.relists] {
            g.reset();
        }
        for ((cluster, _, resource), c) in self.caches.lock().expect("caches lock").iter() {
            let s = c.state.read().expect("cache lock");
            let labels = [cluster.as_str(), resource.as_str()];
            let as_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
            m.objects.with_label_values(&labels).set(as_i64(s.rows.len()));
            m.bytes.with_label_values(&labels).set(as_i64(s.bytes));
            let age = s.synced_at.map_or(0, |t| t.elapsed().as_secs());
            m.age
                .with_label_values(&labels)
                .set(i64::try_from(age).unwrap_or(i64::MAX));
            let relists = c.relists.load(Ordering::Relaxed);
            m.relists
                .with_label_values(&labels)
                .set(i64::try_from(relists).unwrap_or(i64::MAX));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strip_drops_field_ownership_and_secret_values() {
        let mut secret: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s", "managedFields": [{"manager": "kubectl"}],
                         "annotations": {LAST_APPLIED: "{\"data\":{\"p\":\"c2VjcmV0\"}}", "keep": "me"}},
            "data": {"p": "c2VjcmV0"}, "stringData": {"q": "plain"}
        }))
        .unwrap();
        strip(&mut secret);
        let text = serde_json::to_string(&secret).unwrap();
        assert!(!text.contains("c2VjcmV0") && !text.contains("plain") && !text.contains("managedFields"));
        assert!(text.contains("keep") && text.contains(REDACTED));

        let mut config: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}))
        .unwrap();
        strip(&mut config);
        assert_eq!(config.data["data"]["k"], "v");
    }
}
