//! Node history (pure): each node's status from its Ready condition and `spec.unschedulable`,
//! and the events between what was recorded last and what the cache holds now — a node seen for
//! the first time joined, one whose Ready condition changed is ready, not_ready or unknown, one
//! whose unschedulable flag changed was cordoned or uncordoned, one gone was deleted.

use std::collections::{BTreeMap, HashMap};

use kube::api::DynamicObject;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    Ready,
    NotReady,
    /// The Ready condition is Unknown (the kubelet stopped reporting) or missing.
    Unknown,
}

impl NodeStatus {
    pub fn word(self) -> &'static str {
        match self {
            NodeStatus::Ready => "ready",
            NodeStatus::NotReady => "not_ready",
            NodeStatus::Unknown => "unknown",
        }
    }

    pub fn parse(word: &str) -> Option<NodeStatus> {
        serde_json::from_value(serde_json::json!(word)).ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NodeEventType {
    Joined,
    Ready,
    NotReady,
    Unknown,
    Cordoned,
    Uncordoned,
    Deleted,
}

impl NodeEventType {
    pub fn word(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    fn of(status: NodeStatus) -> NodeEventType {
        match status {
            NodeStatus::Ready => NodeEventType::Ready,
            NodeStatus::NotReady => NodeEventType::NotReady,
            NodeStatus::Unknown => NodeEventType::Unknown,
        }
    }
}

/// A node as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeState {
    pub status: NodeStatus,
    pub unschedulable: bool,
}

/// A node as the cache holds it now, with what its Ready condition says.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub state: NodeState,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeChange {
    pub node: String,
    pub kind: NodeEventType,
    /// Set for the status's own changes (and `deleted`'s last status).
    pub old_status: Option<NodeStatus>,
    pub new_status: Option<NodeStatus>,
    pub message: String,
}

/// A node's state and its Ready condition's words.
pub fn observe(node: &DynamicObject) -> Observed {
    let ready = node.data["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Ready");
    let status = match ready.and_then(|c| c["status"].as_str()) {
        Some("True") => NodeStatus::Ready,
        Some("False") => NodeStatus::NotReady,
        _ => NodeStatus::Unknown,
    };
    let message = match ready {
        Some(c) => {
            let words = [&c["reason"], &c["message"]]
                .iter()
                .filter_map(|v| v.as_str().filter(|s| !s.is_empty()))
                .collect::<Vec<_>>()
                .join(": ");
            format!(
                "Ready={}{}",
                c["status"].as_str().unwrap_or("Unknown"),
                if words.is_empty() {
                    String::new()
                } else {
                    format!(" ({words})")
                }
            )
        }
        None => "no Ready condition".into(),
    };
    Observed {
        state: NodeState {
            status,
            unschedulable: node.data["spec"]["unschedulable"].as_bool().unwrap_or(false),
        },
        message,
    }
}

/// What changed from `before` (as recorded) to `now` (every node of the cluster), by node name.
pub fn changes(before: &HashMap<String, NodeState>, now: &HashMap<String, Observed>) -> Vec<NodeChange> {
    let names: BTreeMap<&String, ()> = before.keys().chain(now.keys()).map(|n| (n, ())).collect();
    let mut out = Vec::new();
    for name in names.into_keys() {
        let change = |kind, old_status, new_status, message: String| NodeChange {
            node: name.clone(),
            kind,
            old_status,
            new_status,
            message,
        };
        match (before.get(name), now.get(name)) {
            (None, Some(n)) => out.push(change(
                NodeEventType::Joined,
                None,
                Some(n.state.status),
                format!("first seen: {}", n.message),
            )),
            (Some(b), None) => out.push(change(
                NodeEventType::Deleted,
                Some(b.status),
                None,
                "the node is gone".into(),
            )),
            (Some(b), Some(n)) => {
                if b.status != n.state.status {
                    out.push(change(
                        NodeEventType::of(n.state.status),
                        Some(b.status),
                        Some(n.state.status),
                        n.message.clone(),
                    ));
                }
                if b.unschedulable != n.state.unschedulable {
                    let (kind, message) = match n.state.unschedulable {
                        true => (NodeEventType::Cordoned, "marked unschedulable"),
                        false => (NodeEventType::Uncordoned, "schedulable again"),
                    };
                    out.push(change(kind, None, None, message.into()));
                }
            }
            (None, None) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn node(ready: Option<&str>, unschedulable: bool) -> DynamicObject {
        let conditions = match ready {
            Some(s) => {
                json!([{"type": "Ready", "status": s, "reason": "KubeletReady", "message": "kubelet is posting"}])
            }
            None => json!([]),
        };
        serde_json::from_value(
            json!({"metadata": {"name": "n"}, "spec": {"unschedulable": unschedulable},
            "status": {"conditions": conditions}}),
        )
        .unwrap()
    }

    #[test]
    fn the_ready_condition_gives_the_status() {
        let o = observe(&node(Some("True"), false));
        assert_eq!(
            o.state,
            NodeState {
                status: NodeStatus::Ready,
                unschedulable: false
            }
        );
        assert_eq!(o.message, "Ready=True (KubeletReady: kubelet is posting)");
        assert_eq!(observe(&node(Some("False"), true)).state.status, NodeStatus::NotReady);
        assert!(observe(&node(Some("False"), true)).state.unschedulable);
        assert_eq!(observe(&node(Some("Unknown"), false)).state.status, NodeStatus::Unknown);
        let missing = observe(&node(None, false));
        assert_eq!(
            (missing.state.status, missing.message.as_str()),
            (NodeStatus::Unknown, "no Ready condition")
        );
    }

    #[test]
    fn changes_are_joins_transitions_cordons_and_deletes() {
        let state = |status, unschedulable| NodeState { status, unschedulable };
        let seen = |status, unschedulable| Observed {
            state: state(status, unschedulable),
            message: "m".into(),
        };
        let before = HashMap::from([
            ("a".to_string(), state(NodeStatus::Ready, false)),
            ("b".to_string(), state(NodeStatus::Ready, false)),
            ("c".to_string(), state(NodeStatus::NotReady, false)),
            ("gone".to_string(), state(NodeStatus::Unknown, true)),
        ]);
        let now = HashMap::from([
            ("a".to_string(), seen(NodeStatus::Ready, false)),
            ("b".to_string(), seen(NodeStatus::NotReady, true)),
            ("c".to_string(), seen(NodeStatus::Ready, false)),
            ("new".to_string(), seen(NodeStatus::Ready, false)),
        ]);
        let got: Vec<(String, NodeEventType, Option<NodeStatus>, Option<NodeStatus>)> = changes(&before, &now)
            .into_iter()
            .map(|c| (c.node, c.kind, c.old_status, c.new_status))
            .collect();
        use NodeEventType as T;
        use NodeStatus as S;
        assert_eq!(
            got,
            vec![
                ("b".into(), T::NotReady, Some(S::Ready), Some(S::NotReady)),
                ("b".into(), T::Cordoned, None, None),
                ("c".into(), T::Ready, Some(S::NotReady), Some(S::Ready)),
                ("gone".into(), T::Deleted, Some(S::Unknown), None),
                ("new".into(), T::Joined, None, Some(S::Ready)),
            ]
        );
        assert!(changes(&HashMap::new(), &HashMap::new()).is_empty());
    }
}
