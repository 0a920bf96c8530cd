//! The frames of a watch stream (Periscope's names) and their two encodings: one Server-Sent
//! Event, or one WebSocket message that also names its subscription. Event ids are
//! `<epoch>-<seq>`: the cache that sent the frame and its place in that cache's changes, which is
//! what a stream resumes from. Pure.

use std::sync::Arc;

use super::rows::CachedRow;

/// Where a frame sits: the cache (`epoch`) and the change (`seq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventId {
    pub epoch: u64,
    pub seq: u64,
}

impl EventId {
    /// `<epoch>-<seq>`; None for anything else (a resume from it starts with a snapshot).
    pub fn parse(text: &str) -> Option<EventId> {
        let (epoch, seq) = text.trim().split_once('-')?;
        Some(EventId {
            epoch: epoch.parse().ok()?,
            seq: seq.parse().ok()?,
        })
    }
}

impl std::fmt::Display for EventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.epoch, self.seq)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowEvent {
    Added,
    Modified,
    Deleted,
}

#[derive(Debug, Clone)]
pub enum WatchFrame {
    /// Every row the stream shows, as of `id`.
    Snapshot {
        id: EventId,
        resource_version: String,
        rows: Vec<Arc<CachedRow>>,
    },
    Row {
        event: RowEvent,
        id: EventId,
        row: Arc<CachedRow>,
    },
    /// The stream starts over (a snapshot follows): `gone_410`, `reconnect`, `access_changed`.
    Relist {
        reason: String,
    },
    /// The reader fell too far behind: changes were dropped and a snapshot follows.
    Backpressure,
    ServerShutdown,
    /// The session or key behind the stream stopped working: the stream is over.
    AuthExpired,
    /// The stream is over: why, with the API's error code.
    Error {
        code: String,
        message: String,
    },
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialize")
}

impl WatchFrame {
    pub fn error(code: &str, message: impl Into<String>) -> WatchFrame {
        WatchFrame::Error {
            code: code.to_string(),
            message: message.into(),
        }
    }

    /// The event name.
    pub fn name(&self) -> &'static str {
        match self {
            WatchFrame::Snapshot { .. } => "snapshot",
            WatchFrame::Row {
                event: RowEvent::Added, ..
            } => "added",
            WatchFrame::Row {
                event: RowEvent::Modified,
                ..
            } => "modified",
            WatchFrame::Row {
                event: RowEvent::Deleted,
                ..
            } => "deleted",
            WatchFrame::Relist { .. } => "relist",
            WatchFrame::Backpressure => "backpressure",
            WatchFrame::ServerShutdown => "server_shutdown",
            WatchFrame::AuthExpired => "auth_expired",
            WatchFrame::Error { .. } => "error",
        }
    }

    pub fn id(&self) -> Option<EventId> {
        match self {
            WatchFrame::Snapshot { id, .. } | WatchFrame::Row { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// Whether the stream ends after this frame.
    pub fn is_last(&self) -> bool {
        matches!(
            self,
            WatchFrame::ServerShutdown | WatchFrame::AuthExpired | WatchFrame::Error { .. }
        )
    }

    /// The frame's data as JSON text; rows are copied in as the cache serialized them.
    pub fn data(&self) -> String {
        match self {
            WatchFrame::Snapshot {
                resource_version, rows, ..
            } => {
                let size = rows.iter().map(|r| r.json.get().len() + 1).sum::<usize>() + 64;
                let mut out = String::with_capacity(size);
                out.push_str("{\"resourceVersion\":");
                out.push_str(&json_string(resource_version));
                out.push_str(",\"items\":[");
                for (i, r) in rows.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(r.json.get());
                }
                out.push_str("]}");
                out
            }
            WatchFrame::Row { row, .. } => format!("{{\"object\":{}}}", row.json.get()),
            WatchFrame::Relist { reason } => format!("{{\"reason\":{}}}", json_string(reason)),
            WatchFrame::Error { code, message } => serde_json::json!({"code": code, "message": message}).to_string(),
            WatchFrame::Backpressure | WatchFrame::ServerShutdown | WatchFrame::AuthExpired => "{}".to_string(),
        }
    }

    /// One Server-Sent Event; JSON text holds no raw newline, so one `data:` line suffices.
    pub fn sse(&self) -> String {
        let id = self.id().map(|id| format!("id: {id}\n")).unwrap_or_default();
        format!("event: {}\n{id}data: {}\n\n", self.name(), self.data())
    }

    /// One WebSocket message: `{"id": <subscription>, "event", "seq"?, "data"}`; `subscription`
    /// is None for an answer to a message that named none.
    pub fn ws(&self, subscription: Option<&str>) -> String {
        let id = subscription.map_or("null".to_string(), json_string);
        let seq = self.id().map(|s| format!(",\"seq\":\"{s}\"")).unwrap_or_default();
        format!(
            "{{\"id\":{id},\"event\":\"{}\"{seq},\"data\":{}}}",
            self.name(),
            self.data()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::cache::Derive;
    use crate::kube::discovery::ResourceInfo;
    use serde_json::{Value, json};

    fn row(name: &str) -> Arc<CachedRow> {
        let pod: kube::api::DynamicObject = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "shop", "uid": "u"},
            "status": {"phase": "Running"}
        }))
        .unwrap();
        Arc::new(CachedRow::derive(
            &ResourceInfo::builtin("", "v1", "pods", "Pod", true),
            &pod,
        ))
    }

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn event_ids_round_trip_and_reject_anything_else() {
        let id = EventId { epoch: 17, seq: 4 };
        assert_eq!(EventId::parse(&id.to_string()), Some(id));
        for bad in ["", "17", "17-", "-4", "a-4", "17-4-1", "17-x"] {
            assert_eq!(EventId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_snapshot_is_one_event_with_its_id_and_rows() {
        let frame = WatchFrame::Snapshot {
            id: EventId { epoch: 3, seq: 9 },
            resource_version: "12\"3".into(),
            rows: vec![row("a"), row("b")],
        };
        let sse = frame.sse();
        let lines: Vec<&str> = sse.trim_end().lines().collect();
        assert_eq!(lines[..2], ["event: snapshot", "id: 3-9"]);
        assert_eq!(lines.len(), 3);
        assert!(sse.ends_with("\n\n"));
        let data = parse(lines[2].strip_prefix("data: ").unwrap());
        assert_eq!(data["resourceVersion"], "12\"3");
        let names: Vec<&str> = data["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(data["items"][0]["summary"]["type"], "pod");

        let empty = WatchFrame::Snapshot {
            id: EventId { epoch: 3, seq: 0 },
            resource_version: String::new(),
            rows: vec![],
        };
        assert_eq!(parse(&empty.data()), json!({"resourceVersion": "", "items": []}));
    }

    #[test]
    fn row_and_control_frames_have_periscopes_shapes() {
        let modified = WatchFrame::Row {
            event: RowEvent::Modified,
            id: EventId { epoch: 1, seq: 2 },
            row: row("a"),
        };
        assert!(
            modified
                .sse()
                .starts_with("event: modified\nid: 1-2\ndata: {\"object\":{")
        );
        assert_eq!(parse(&modified.data())["object"]["name"], "a");

        let relist = WatchFrame::Relist {
            reason: "gone_410".into(),
        };
        assert_eq!(relist.sse(), "event: relist\ndata: {\"reason\":\"gone_410\"}\n\n");
        assert_eq!(WatchFrame::Backpressure.sse(), "event: backpressure\ndata: {}\n\n");
        let cap = WatchFrame::error("stream_cap", "at most 30");
        assert_eq!(
            parse(&cap.data()),
            json!({"code": "stream_cap", "message": "at most 30"})
        );
        assert!(cap.is_last() && WatchFrame::AuthExpired.is_last() && WatchFrame::ServerShutdown.is_last());
        assert!(!relist.is_last() && !modified.is_last());
    }

    #[test]
    fn websocket_messages_name_their_subscription() {
        let added = WatchFrame::Row {
            event: RowEvent::Added,
            id: EventId { epoch: 5, seq: 6 },
            row: row("a\"b"),
        };
        let m = parse(&added.ws(Some("w\"1")));
        assert_eq!(m["id"], "w\"1");
        assert_eq!(m["event"], "added");
        assert_eq!(m["seq"], "5-6");
        assert_eq!(m["data"]["object"]["name"], "a\"b");

        let m = parse(&WatchFrame::error("invalid_message", "no").ws(None));
        assert_eq!(
            m,
            json!({"id": null, "event": "error", "data": {"code": "invalid_message", "message": "no"}})
        );
    }
}
