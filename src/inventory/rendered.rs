//! List answers rendered once and shared: users reading the same list of the same cache at the
//! same change get one rendering — the first renders it, the others wait for it and copy bytes.
//! The key holds everything the answer depends on, the namespaces the caller may see included,
//! so nobody is served a view they may not see. Bounded by total bytes, oldest out first.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use tokio::sync::OnceCell;

use crate::error::ApiResult;

/// What the rendered answers may hold at once.
const LIMIT_BYTES: usize = 64 * 1024 * 1024;

/// Which cache (its epoch) at which change (its sequence).
pub type Version = (u64, u64);

struct Entry {
    version: Version,
    body: Arc<OnceCell<Bytes>>,
    /// The body's size once it was rendered and counted.
    counted: usize,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, Entry>,
    order: VecDeque<String>,
    bytes: usize,
}

impl Entries {
    fn remove(&mut self, key: &str) {
        if let Some(e) = self.map.remove(key) {
            self.bytes -= e.counted;
        }
    }
}

#[derive(Default)]
pub struct RenderedLists {
    entries: Mutex<Entries>,
}

impl RenderedLists {
    /// The answer for `key` at `version`: rendered by `render` unless it already was (or is
    /// being rendered by another request, which this one then waits for).
    pub async fn get_or_render<F, Fut>(&self, key: String, version: Version, render: F) -> ApiResult<Bytes>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ApiResult<Bytes>>,
    {
        let cell = {
            let mut e = self.entries.lock().expect("rendered lock");
            match e.map.get(&key) {
                Some(entry) if entry.version == version => entry.body.clone(),
                _ => {
                    e.remove(&key);
                    e.order.retain(|k| k != &key);
                    let body = Arc::new(OnceCell::new());
                    e.order.push_back(key.clone());
                    e.map.insert(
                        key.clone(),
                        Entry {
                            version,
                            body: body.clone(),
                            counted: 0,
                        },
                    );
                    body
                }
            }
        };
        let body = cell.get_or_try_init(render).await?.clone();
        self.count(&key, version, body.len());
        Ok(body)
    }

    /// Counts a rendered body once, then drops the oldest answers while over the limit.
    fn count(&self, key: &str, version: Version, len: usize) {
        let mut e = self.entries.lock().expect("rendered lock");
        match e.map.get_mut(key) {
            Some(entry) if entry.version == version && entry.counted == 0 => entry.counted = len,
            _ => return,
        }
        e.bytes += len;
        while e.bytes > LIMIT_BYTES {
            let Some(oldest) = e.order.pop_front() else { break };
            e.remove(&oldest);
        }
    }

    /// How many bytes the rendered answers hold.
    pub fn bytes(&self) -> usize {
        self.entries.lock().expect("rendered lock").bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn one_rendering_per_key_and_version_shared_by_concurrent_readers() {
        let lists = Arc::new(RenderedLists::default());
        let renders = Arc::new(AtomicUsize::new(0));
        let read = |key: &str, version: Version| {
            let (lists, renders, key) = (lists.clone(), renders.clone(), key.to_string());
            async move {
                lists
                    .get_or_render(key.clone(), version, || async move {
                        renders.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        Ok(Bytes::from(format!("{key}@{version:?}")))
                    })
                    .await
                    .unwrap()
            }
        };
        let all = futures::future::join_all((0..16).map(|_| read("pods", (1, 5)))).await;
        assert!(all.iter().all(|b| b == "pods@(1, 5)"));
        assert_eq!(renders.load(Ordering::SeqCst), 1);
        // A new change, another key, another cache: each renders again, and the old version goes.
        assert_eq!(read("pods", (1, 6)).await, "pods@(1, 6)");
        assert_eq!(read("nodes", (1, 6)).await, "nodes@(1, 6)");
        assert_eq!(read("pods", (2, 6)).await, "pods@(2, 6)");
        assert_eq!(renders.load(Ordering::SeqCst), 4);
        assert_eq!(lists.bytes(), "pods@(2, 6)".len() + "nodes@(1, 6)".len());
    }

    #[tokio::test]
    async fn a_failed_rendering_is_not_kept_and_the_limit_drops_the_oldest() {
        let lists = RenderedLists::default();
        let failed = lists
            .get_or_render("bad".into(), (1, 1), || async {
                Err(crate::error::ApiError::bad_request("invalid_continue", "no"))
            })
            .await;
        assert!(failed.is_err());
        let ok = lists
            .get_or_render("bad".into(), (1, 1), || async { Ok(Bytes::from_static(b"fine")) })
            .await
            .unwrap();
        assert_eq!(ok, "fine");

        let big = || async { Ok(Bytes::from(vec![b'x'; LIMIT_BYTES / 2 + 1])) };
        lists.get_or_render("a".into(), (1, 1), big).await.unwrap();
        lists.get_or_render("b".into(), (1, 1), big).await.unwrap();
        assert!(lists.bytes() <= LIMIT_BYTES);
        let e = lists.entries.lock().unwrap();
        assert!(!e.map.contains_key("a") && e.map.contains_key("b"));
    }
}
