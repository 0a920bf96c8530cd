//! Watch streams: newline-delimited JSON events over a chunked response.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use crate::discovery::ResourceInfo;
use crate::state::{AppState, lock};
use crate::store::{Change, EventType, present};
use crate::table::{self, IncludeObject};

pub struct WatchRequest {
    pub resource: Arc<ResourceInfo>,
    pub namespace: Option<String>,
    pub labels: crate::selectors::LabelSelector,
    pub fields: crate::selectors::FieldSelector,
    pub resource_version: String,
    pub bookmarks: bool,
    pub timeout: Option<Duration>,
    /// Wrap each object in a one-row Table (what `kubectl get -w` asks for).
    pub table: Option<IncludeObject>,
    /// A streaming list (`sendInitialEvents=true`): the current state as ADDED events, then
    /// a bookmark marked `k8s.io/initial-events-end`, then changes.
    pub send_initial_events: bool,
}

fn line(event_type: &str, object: Value) -> Bytes {
    let mut s = serde_json::to_vec(&json!({"type": event_type, "object": object})).expect("serializable");
    s.push(b'\n');
    Bytes::from(s)
}

impl WatchRequest {
    fn in_scope(&self, c: &Change) -> bool {
        c.group == self.resource.group
            && c.resource == self.resource.resource
            && self.namespace.as_deref().is_none_or(|ns| ns == c.namespace)
    }

    fn matches(&self, obj: &Value) -> bool {
        self.labels.matches(obj) && self.fields.matches(obj)
    }

    /// The event a change becomes for this watch, if any; leaving the selector reads as DELETED.
    fn event_for(&self, c: &Change) -> Option<(&'static str, Value)> {
        if !self.in_scope(c) {
            return None;
        }
        let now = self.matches(&c.object);
        let before = c.previous.as_ref().is_some_and(|p| self.matches(p));
        let t = match (c.kind, now, before) {
            (EventType::Added, true, _) => "ADDED",
            (EventType::Modified, true, true) => "MODIFIED",
            (EventType::Modified, true, false) => "ADDED",
            (EventType::Modified, false, true) => "DELETED",
            (EventType::Deleted, true, _) => "DELETED",
            _ => return None,
        };
        Some((t, self.wrap(c.object.clone())))
    }

    /// A BOOKMARK's object: only the kind and a resourceVersion (and annotations).
    fn bookmark(&self, rv: u64, annotations: Value) -> Value {
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if annotations.as_object().is_some_and(|a| !a.is_empty()) {
            meta["annotations"] = annotations;
        }
        json!({"kind": self.resource.kind, "apiVersion": self.resource.api_version(), "metadata": meta})
    }

    fn wrap(&self, obj: Value) -> Value {
        let obj = present(&self.resource, obj);
        match self.table {
            Some(include) => table::table(&self.resource, &[obj], json!({}), include, chrono::Utc::now()),
            None => obj,
        }
    }
}

fn stream_response(rx: mpsc::Receiver<Result<Bytes, Infallible>>) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-cache, private")
        .body(Body::from_stream(ReceiverStream::new(rx)))
        .expect("valid response")
}

/// What a watch follows, taken under the store's lock so that nothing falls between
/// them and only later compactions end it.
struct Feed {
    changes: broadcast::Receiver<Arc<Change>>,
    compactions: tokio::sync::watch::Receiver<u64>,
    /// The resourceVersion the stream has reached, for the 410 a compaction ends it with.
    rv: u64,
}

pub fn watch(state: Arc<AppState>, req: WatchRequest) -> Response {
    let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(256);
    let mut initial: Vec<Bytes> = Vec::new();
    let rv = req.resource_version.parse::<u64>().unwrap_or(0);
    let feed = {
        let store = lock(&state.store);
        let compactions = store.compactions();
        if rv == 0 || req.send_initial_events {
            // No resourceVersion: start with the current state as ADDED events, as the apiserver does.
            for (_, obj) in store.select(&req.resource, req.namespace.as_deref(), &req.labels, &req.fields) {
                initial.push(line("ADDED", req.wrap(obj.clone())));
            }
            if req.send_initial_events {
                initial.push(line(
                    "BOOKMARK",
                    req.bookmark(store.resource_version(), json!({"k8s.io/initial-events-end": "true"})),
                ));
            }
            Ok(Feed {
                changes: store.subscribe(),
                compactions,
                rv: store.resource_version(),
            })
        } else {
            store.changes_since(rv).map(|(past, changes)| {
                for c in past {
                    if let Some((t, obj)) = req.event_for(&c) {
                        initial.push(line(t, obj));
                    }
                }
                Feed {
                    changes,
                    compactions,
                    rv,
                }
            })
        }
    };
    let feed = match feed {
        Ok(feed) => feed,
        Err(err) => {
            // A 200 stream carrying one ERROR event: a plain 410 makes some clients retry forever.
            let _ = tx.try_send(Ok(line("ERROR", err.to_status())));
            return stream_response(rx);
        }
    };
    let epoch_rx = state.watch_epoch.subscribe();
    tokio::spawn(pump(state, req, initial, feed, epoch_rx, tx));
    stream_response(rx)
}

async fn pump(
    state: Arc<AppState>,
    req: WatchRequest,
    initial: Vec<Bytes>,
    mut feed: Feed,
    mut epoch: tokio::sync::watch::Receiver<u64>,
    tx: mpsc::Sender<Result<Bytes, Infallible>>,
) {
    for b in initial {
        if tx.send(Ok(b)).await.is_err() {
            return;
        }
    }
    let deadline = req.timeout.map(|t| tokio::time::Instant::now() + t);
    let mut bookmark = tokio::time::interval(state.bookmark_interval);
    bookmark.tick().await;
    loop {
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        let out = tokio::select! {
            c = feed.changes.recv() => match c {
                Ok(c) => {
                    feed.rv = c.rv;
                    req.event_for(&c).map(|(t, o)| line(t, o))
                }
                // Fell behind or shut down: end the stream, the client re-lists.
                Err(_) => return,
            },
            _ = bookmark.tick(), if req.bookmarks => {
                let rv = lock(&state.store).resource_version();
                Some(line("BOOKMARK", req.bookmark(rv, json!({}))))
            }
            // The history this stream stands in is gone: the client must list again.
            _ = feed.compactions.changed() => {
                let expired = lock(&state.store).too_old(feed.rv);
                let _ = tx.send(Ok(line("ERROR", expired.to_status()))).await;
                return;
            }
            _ = sleep => return,
            _ = epoch.changed() => return,
            _ = tx.closed() => return,
        };
        if let Some(b) = out
            && tx.send(Ok(b)).await.is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::find;
    use crate::selectors::{FieldSelector, LabelSelector};

    fn change(kind: EventType, app: &str, previous_app: Option<&str>) -> Change {
        let obj = |a: &str| json!({"metadata": {"name": "p", "namespace": "n", "labels": {"app": a}}});
        Change {
            rv: 1,
            group: String::new(),
            resource: "pods".into(),
            namespace: "n".into(),
            kind,
            object: obj(app),
            previous: previous_app.map(obj),
        }
    }

    #[test]
    fn selector_transitions_become_added_and_deleted() {
        let req = WatchRequest {
            resource: Arc::new(find("", "v1", "pods").unwrap().clone()),
            namespace: Some("n".into()),
            labels: LabelSelector::parse("app=web").unwrap(),
            fields: FieldSelector::default(),
            resource_version: String::new(),
            bookmarks: false,
            timeout: None,
            table: None,
            send_initial_events: false,
        };
        let t = |c: Change| req.event_for(&c).map(|(t, _)| t);
        assert_eq!(t(change(EventType::Added, "web", None)), Some("ADDED"));
        assert_eq!(t(change(EventType::Added, "db", None)), None);
        assert_eq!(t(change(EventType::Modified, "web", Some("web"))), Some("MODIFIED"));
        assert_eq!(t(change(EventType::Modified, "web", Some("db"))), Some("ADDED"));
        assert_eq!(t(change(EventType::Modified, "db", Some("web"))), Some("DELETED"));
        assert_eq!(t(change(EventType::Deleted, "web", None)), Some("DELETED"));
        let mut other_ns = change(EventType::Added, "web", None);
        other_ns.namespace = "m".into();
        assert_eq!(t(other_ns), None);
    }
}
