//! The served Flux inputs, kept rendered per cluster and kind, so polling never reads the store.
//! Any catalog write empties it: at once on the replica that wrote, and within about a second
//! on the others, which poll the change counters of the catalog and the cluster registry.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::store::{CLUSTERS_COUNTER, FLUX_COUNTER, Store};

/// A rendered response, or why there is none.
#[derive(Debug)]
pub enum Rendered {
    Body { bytes: axum::body::Bytes, etag: String },
    UnknownCluster,
    TooLarge { cluster: String, size: usize, limit: usize },
}

/// Above this many entries (e.g. many unknown dns names asked for), the cache starts again.
const MAX_ENTRIES: usize = 20_000;

#[derive(Default)]
pub struct InputsCache {
    /// Bumped by every invalidation; an entry computed under an older generation is not kept.
    generation: AtomicU64,
    /// The change counter last seen in the store.
    seen_version: AtomicI64,
    entries: RwLock<HashMap<String, Arc<Rendered>>>,
}

impl InputsCache {
    pub fn get(&self, key: &str) -> Option<Arc<Rendered>> {
        self.entries.read().expect("cache lock").get(key).cloned()
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps `value` unless the cache was invalidated since `generation` was read.
    pub fn insert(&self, generation: u64, key: String, value: Arc<Rendered>) {
        let mut entries = self.entries.write().expect("cache lock");
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, value);
    }

    pub fn invalidate(&self) {
        let mut entries = self.entries.write().expect("cache lock");
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    /// Invalidates when the store's change counter moved.
    pub fn observe_version(&self, version: i64) {
        if self.seen_version.swap(version, Ordering::SeqCst) != version {
            self.invalidate();
        }
    }

    /// Polls the change counters about once a second, for writes made by other replicas.
    pub fn spawn_poller(self: &Arc<Self>, store: Store) -> tokio::task::JoinHandle<()> {
        let cache = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                match inputs_version(&store).await {
                    Ok(v) => cache.observe_version(v),
                    // Serving from a cache we cannot check against the store would serve stale inputs.
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read the change counters; dropping the inputs cache");
                        cache.invalidate();
                    }
                }
            }
        })
    }
}

/// What the inputs are rendered from: the catalog and the cluster registry. Both counters only
/// grow, so their sum moves whenever either does.
async fn inputs_version(store: &Store) -> sqlx::Result<i64> {
    Ok(store.change_counter(FLUX_COUNTER).await? + store.change_counter(CLUSTERS_COUNTER).await?)
}

/// A strong ETag from the body's SHA-256.
pub fn etag(body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("\"{}\"", &hex::encode(Sha256::digest(body))[..32])
}

/// Whether an `If-None-Match` header value matches `etag` (a list, weak forms, or `*`).
pub fn none_match(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(s: &'static str) -> Arc<Rendered> {
        Arc::new(Rendered::Body {
            bytes: s.into(),
            etag: etag(s.as_bytes()),
        })
    }

    #[test]
    fn entries_computed_before_an_invalidation_are_dropped() {
        let c = InputsCache::default();
        let g = c.generation();
        c.insert(g, "a".into(), body("1"));
        assert!(c.get("a").is_some());
        let stale = c.generation();
        c.invalidate();
        assert!(c.get("a").is_none());
        c.insert(stale, "a".into(), body("old"));
        assert!(c.get("a").is_none(), "computed before the write, so not kept");
    }

    #[test]
    fn a_moved_counter_invalidates_once() {
        let c = InputsCache::default();
        c.observe_version(0);
        let g = c.generation();
        c.insert(g, "a".into(), body("1"));
        c.observe_version(0);
        assert!(c.get("a").is_some());
        c.observe_version(1);
        assert!(c.get("a").is_none());
    }

    #[test]
    fn etags_and_if_none_match() {
        let e = etag(b"{\"inputs\":[]}");
        assert!(e.starts_with('"') && e.ends_with('"') && e.len() == 34);
        assert!(none_match(&e, &e));
        assert!(none_match(&format!("\"x\", W/{e}"), &e));
        assert!(none_match("*", &e));
        assert!(!none_match("\"other\"", &e));
    }
}
