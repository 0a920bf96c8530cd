//! Keeps every cluster's findings current. On the leader, one task per cluster subscribes to the
//! shared watch caches of the kinds diagnostics reads (its subscriptions keep them running; it
//! never polls the apiserver), keeps the cluster's facts, re-analyzes the objects each change
//! affects and writes to the store what appeared, changed and cleared. A full pass every minute
//! catches what time alone changes (a node cordoned too long, a missed schedule). Findings live in
//! the store, so every replica serves them and their history survives restarts.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::diagnostics::analyzers::analyze_object;
use super::diagnostics::facts::{Kind, ObjectKey};
use super::diagnostics::finding::Finding;
use super::diagnostics::index::ClusterFacts;
use crate::AppState;
use crate::clusters::clients::{client_for, connection};
use crate::kube::cache::{Change, Derive, Event, ResourceCache, Source};
use crate::kube::discovery::ResourceInfo;
use crate::kube::leader::Leadership;
use crate::store::clusters::ClusterRow;
use crate::store::findings::FindingWrite;

/// How often the cluster list is read again (new, changed and deleted clusters), besides when
/// this replica changed it.
const RESCAN: Duration = Duration::from_secs(10);
/// How often every object is analyzed again, for the rules that time alone changes.
const FULL_PASS: Duration = Duration::from_secs(60);
/// Changes that arrive this close together are analyzed together.
const BATCH: Duration = Duration::from_millis(100);
/// A cluster whose task ended (unreachable, its caches replaced) is started again after this long.
const RETRY: Duration = Duration::from_secs(30);
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The running cluster tasks; dropping it (the monitor stops) stops them.
#[derive(Default)]
struct Tasks(HashMap<String, ClusterTask>);

struct ClusterTask {
    connection: String,
    started: Instant,
    task: JoinHandle<()>,
}

impl Tasks {
    fn stop(&mut self, cluster: &str) {
        if let Some(t) = self.0.remove(cluster) {
            t.task.abort();
        }
    }

    fn stop_all(&mut self) {
        self.0.drain().for_each(|(_, t)| t.task.abort());
    }
}

impl Drop for Tasks {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// Runs the monitor while this replica leads, until the runtime stops.
pub fn spawn(state: AppState, mut leadership: Leadership) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tasks = Tasks::default();
        // Set once the election has stopped: leadership will not change again.
        let mut settled = false;
        let mut pruned: Option<Instant> = None;
        loop {
            if !leadership.is_leader() {
                tasks.stop_all();
                pruned = None;
                if settled || leadership.changed().await.is_none() {
                    return;
                }
                continue;
            }
            if let Err(e) = rescan(&state, &mut tasks, pruned.is_none()).await {
                tracing::warn!(error = %e, "diagnostics: reading the clusters failed");
            }
            if pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                prune(&state).await;
                pruned = Some(Instant::now());
            }
            let rescan_due = tokio::time::sleep(RESCAN);
            if settled {
                tokio::select! {
                    _ = rescan_due => {}
                    _ = state.registry_changed.notified() => {}
                }
            } else {
                tokio::select! {
                    _ = rescan_due => {}
                    _ = state.registry_changed.notified() => {}
                    changed = leadership.changed() => settled = changed.is_none(),
                }
            }
        }
    })
}

async fn prune(state: &AppState) {
    let retention = chrono::Duration::from_std(state.settings.findings_retention).unwrap_or(chrono::Duration::MAX);
    match state.store.prune_findings(crate::store::now() - retention).await {
        Ok(n) if n > 0 => tracing::info!(deleted = n, "pruned resolved findings past retention"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "pruning findings failed"),
    }
}

/// Starts a task for each cluster that has none (or whose connection changed), stops those of
/// deleted clusters and resolves their findings. `first`: also resolve findings of clusters
/// deleted while another replica led.
async fn rescan(state: &AppState, tasks: &mut Tasks, first: bool) -> anyhow::Result<()> {
    let clusters = state.store.list_clusters().await?;
    let names: HashSet<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
    let mut gone: BTreeSet<String> = tasks
        .0
        .keys()
        .filter(|n| !names.contains(n.as_str()))
        .cloned()
        .collect();
    if first {
        let open = state.store.clusters_with_open_findings().await?;
        gone.extend(open.into_iter().filter(|n| !names.contains(n.as_str())));
    }
    for name in gone {
        tasks.stop(&name);
        let resolved = state.store.resolve_findings_of(&name, crate::store::now()).await?;
        tracing::info!(cluster = name, resolved, "diagnostics: cluster removed");
    }
    for cluster in clusters {
        let Ok(connection) = connection(state, &cluster).await else {
            continue;
        };
        if let Some(t) = tasks.0.get(&cluster.name)
            && t.connection == connection
            && (!t.task.is_finished() || t.started.elapsed() < RETRY)
        {
            continue;
        }
        tasks.stop(&cluster.name);
        let task = tokio::spawn(run_cluster(state.clone(), cluster.clone(), connection.clone()));
        tasks.0.insert(
            cluster.name,
            ClusterTask {
                connection,
                started: Instant::now(),
                task,
            },
        );
    }
    Ok(())
}

async fn run_cluster(state: AppState, cluster: ClusterRow, connection: String) {
    if let Err(e) = watch_cluster(&state, &cluster, connection).await {
        tracing::warn!(cluster = cluster.name, error = %e, "diagnostics: the cluster's analysis stopped");
    }
}

/// What a cache's change stream tells the cluster task.
enum Note {
    /// The object at (feed, namespace, name) was added or changed: read it again.
    Changed(usize, String, String),
    Deleted(usize, String, String),
    /// Changes were missed (a relist, or this task fell behind): read everything again.
    Resync,
}

/// Passes a cache's changes on as notes, until the cache or the cluster task stops.
async fn forward<R: Derive>(feed: usize, mut changes: broadcast::Receiver<Event<R>>, notes: mpsc::Sender<Note>) {
    loop {
        let note = match changes.recv().await {
            Ok((_, Change::Added(r) | Change::Modified(r, _))) => {
                let (namespace, name) = r.key();
                Note::Changed(feed, namespace.to_string(), name.to_string())
            }
            Ok((_, Change::Deleted(r))) => {
                let (namespace, name) = r.key();
                Note::Deleted(feed, namespace.to_string(), name.to_string())
            }
            Ok((_, Change::Relisted(_))) | Err(broadcast::error::RecvError::Lagged(_)) => Note::Resync,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if notes.send(note).await.is_err() {
            return;
        }
    }
}

/// One cluster's analysis: its facts, the findings each object has now, and what the store holds open.
struct Analysis<'a, R: 'static> {
    state: &'a AppState,
    cluster: &'a str,
    feeds: Vec<(ResourceInfo, std::sync::Arc<ResourceCache<R>>)>,
    facts: ClusterFacts,
    findings: HashMap<ObjectKey, Vec<Finding>>,
    /// Open findings as the store has them: id → body.
    stored: HashMap<String, Value>,
}

async fn watch_cluster(state: &AppState, cluster: &ClusterRow, connection: String) -> anyhow::Result<()> {
    let client = client_for(state, cluster, None)
        .await
        .map_err(|e| anyhow!("no client: {e:?}"))?;
    let source = Source {
        cluster: &cluster.name,
        connection: &connection,
        client,
    };
    let served = state.caches.discovery(&source).await.map_err(|e| anyhow!(e.message))?;
    let (tx, mut notes) = mpsc::channel(4096);
    let mut feeds = Vec::new();
    let mut forwarders = Forwarders::default();
    for info in served.iter().filter(|r| read_by_diagnostics(r)) {
        match state.caches.get(&source, info).await {
            Ok(cache) => {
                let (_, changes) = cache.subscribe(None);
                forwarders
                    .0
                    .push(tokio::spawn(forward(feeds.len(), changes, tx.clone())));
                feeds.push((info.clone(), cache));
            }
            // Without this kind (Fleetdeck may not list it) the rest is still worth analyzing.
            Err(e) => tracing::warn!(
                cluster = cluster.name,
                resource = info.path(),
                error = e.message,
                "diagnostics: skipping a resource"
            ),
        }
    }
    drop(tx);
    let stored = state
        .store
        .open_findings(&cluster.name)
        .await?
        .into_iter()
        .map(|f| (f.id, f.body.0))
        .collect();
    let mut analysis = Analysis {
        state,
        cluster: &cluster.name,
        feeds,
        facts: ClusterFacts::default(),
        findings: HashMap::new(),
        stored,
    };
    analysis.reload();
    analysis.full_pass().await;
    let mut tick = tokio::time::interval_at(Instant::now() + FULL_PASS, FULL_PASS);
    loop {
        tokio::select! {
            note = notes.recv() => {
                let Some(note) = note else {
                    return Err(anyhow!("the caches stopped"));
                };
                let mut batch = vec![note];
                let until = Instant::now() + BATCH;
                while let Ok(Some(more)) = tokio::time::timeout_at(until, notes.recv()).await {
                    batch.push(more);
                }
                analysis.apply(batch).await;
            }
            _ = tick.tick() => analysis.full_pass().await,
        }
    }
}

/// The forwarding tasks of one cluster task, stopped with it.
#[derive(Default)]
struct Forwarders(Vec<JoinHandle<()>>);

impl Drop for Forwarders {
    fn drop(&mut self) {
        self.0.iter().for_each(JoinHandle::abort);
    }
}

/// The resources diagnostics reads: the kinds it knows, at the version the cluster prefers.
fn read_by_diagnostics(r: &ResourceInfo) -> bool {
    r.preferred && r.can("list") && r.can("watch") && Kind::of(&r.group, &r.kind).is_some()
}

impl<R: Derive> Analysis<'_, R> {
    /// Builds the facts anew from every cached object.
    fn reload(&mut self) {
        self.facts = ClusterFacts::default();
        for (info, cache) in &self.feeds {
            for object in cache.objects() {
                if let Err(e) = self.facts.apply(info, &object) {
                    tracing::debug!(cluster = self.cluster, error = %e, "diagnostics: object skipped");
                }
            }
        }
    }

    /// Analyzes every object and writes the difference.
    async fn full_pass(&mut self) {
        let now = Utc::now();
        let keys: Vec<ObjectKey> = self
            .facts
            .every()
            .map(|(kind, namespace, name, _)| ObjectKey::new(kind, namespace, name))
            .collect();
        self.findings.clear();
        for key in keys {
            self.analyze(key, now);
        }
        let before: Vec<String> = self.stored.keys().cloned().collect();
        let after: Vec<&Finding> = self.findings.values().flatten().collect();
        let at = crate::store::now();
        write(self.state, &mut self.stored, &before, &after, at).await;
        if let Err(e) = self.state.store.touch_findings(self.cluster, at).await {
            tracing::warn!(cluster = self.cluster, error = %e, "diagnostics: marking findings seen failed");
        }
    }

    fn analyze(&mut self, key: ObjectKey, now: DateTime<Utc>) {
        let found = analyze_object(self.cluster, &self.facts, &key, now);
        if found.is_empty() {
            self.findings.remove(&key);
        } else {
            self.findings.insert(key, found);
        }
    }

    /// Takes in a batch of changes: the objects they affect are analyzed again.
    async fn apply(&mut self, batch: Vec<Note>) {
        let mut affected = BTreeSet::new();
        for note in batch {
            match note {
                Note::Changed(feed, namespace, name) => {
                    let (info, cache) = &self.feeds[feed];
                    let ns = (!namespace.is_empty()).then_some(namespace.as_str());
                    // The object as it is now; gone since the note was sent: deleted.
                    match cache.object(ns, &name) {
                        Some(object) => match self.facts.apply(info, &object) {
                            Ok(keys) => affected.extend(keys),
                            Err(e) => {
                                tracing::debug!(cluster = self.cluster, error = %e, "diagnostics: object skipped")
                            }
                        },
                        None => affected.extend(self.facts.delete(info, &namespace, &name)),
                    }
                }
                Note::Deleted(feed, namespace, name) => {
                    affected.extend(self.facts.delete(&self.feeds[feed].0, &namespace, &name));
                }
                Note::Resync => {
                    self.reload();
                    return self.full_pass().await;
                }
            }
        }
        let now = Utc::now();
        let mut before = Vec::new();
        for key in &affected {
            before.extend(self.findings.get(key).into_iter().flatten().map(|f| f.id.clone()));
            self.analyze(key.clone(), now);
        }
        let after: Vec<&Finding> = affected.iter().filter_map(|k| self.findings.get(k)).flatten().collect();
        write(self.state, &mut self.stored, &before, &after, crate::store::now()).await;
    }
}

fn body(f: &Finding) -> Value {
    serde_json::to_value(f).expect("findings serialize")
}

/// Writes what changed between the open findings `before` (ids) and those seen now (`after`):
/// new or changed ones are upserted, those no longer seen resolved; `stored` follows on success.
async fn write(
    state: &AppState,
    stored: &mut HashMap<String, Value>,
    before: &[String],
    after: &[&Finding],
    at: DateTime<Utc>,
) {
    let bodies: Vec<(&Finding, Value)> = after
        .iter()
        .map(|f| (*f, body(f)))
        .filter(|(f, b)| stored.get(&f.id) != Some(b))
        .collect();
    // The class and severity as their JSON words.
    let words: Vec<[String; 2]> = bodies
        .iter()
        .map(|(_, b)| ["class", "severity"].map(|k| b[k].as_str().unwrap_or_default().to_string()))
        .collect();
    let seen: HashSet<&str> = after.iter().map(|f| f.id.as_str()).collect();
    let resolved: Vec<&str> = before
        .iter()
        .map(String::as_str)
        .filter(|id| !seen.contains(id) && stored.contains_key(*id))
        .collect();
    if bodies.is_empty() && resolved.is_empty() {
        return;
    }
    let writes: Vec<FindingWrite> = bodies
        .iter()
        .zip(&words)
        .map(|((f, body), [class, severity])| FindingWrite {
            id: &f.id,
            cluster: &f.cluster,
            namespace: f.object.namespace.as_deref().unwrap_or_default(),
            kind: &f.object.kind,
            name: &f.object.name,
            class,
            severity,
            body,
        })
        .collect();
    match state.store.write_findings(&writes, &resolved, at).await {
        Ok(()) => {
            for id in resolved {
                stored.remove(id);
            }
            for (f, body) in bodies {
                stored.insert(f.id.clone(), body);
            }
        }
        // What the store missed differs from `stored`, so the next pass writes it again.
        Err(e) => tracing::warn!(error = %e, "diagnostics: writing findings failed"),
    }
}
