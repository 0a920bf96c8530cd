//! What every analyzer is given besides the object's own facts, and what they share to build
//! findings.

use chrono::{DateTime, Utc};

use super::super::facts::{Kind, Meta, ObjectKey};
use super::super::finding::{EventEvidence, Evidence, Finding, FindingClass, ObjectRef, Severity, finding_id};
use super::super::index::ClusterFacts;

/// The most events and related objects a finding lists.
pub const EVIDENCE_LIMIT: usize = 5;

/// What every analyzer is given besides the object's own facts.
pub struct Context<'a> {
    pub cluster: &'a str,
    pub facts: &'a ClusterFacts,
    pub key: &'a ObjectKey,
    pub meta: &'a Meta,
    pub now: DateTime<Utc>,
}

impl Context<'_> {
    /// A finding about this object; `detail` tells apart findings of one class on one object
    /// (a container, a condition, a webhook). Evidence starts with the object's Warning events.
    pub fn finding(
        &self,
        class: FindingClass,
        detail: &str,
        severity: Severity,
        title: String,
        explanation: String,
    ) -> Finding {
        Finding {
            id: finding_id(self.cluster, class, self.key, detail),
            cluster: self.cluster.to_string(),
            object: ObjectRef::new(self.key, &self.meta.uid),
            class,
            severity,
            title,
            explanation,
            evidence: Evidence {
                events: self.warning_events(),
                ..Evidence::default()
            },
            remediations: Vec::new(),
        }
    }

    /// The object's most recent Warning events.
    pub fn warning_events(&self) -> Vec<EventEvidence> {
        let events = self.facts.events(self.key).into_iter();
        events.take(EVIDENCE_LIMIT).map(EventEvidence::from).collect()
    }

    /// A reference to another object, with its uid when it exists.
    pub fn related(&self, key: &ObjectKey) -> ObjectRef {
        ObjectRef::new(key, self.facts.get(key).map_or("", |o| o.meta.uid.as_str()))
    }

    /// `name` in this object's namespace, as a key of `kind`.
    pub fn sibling(&self, kind: Kind, name: &str) -> ObjectKey {
        ObjectKey::new(kind, &self.key.namespace, name)
    }

    /// The object as people write it: namespace/name, or the name alone when cluster-scoped
    /// (formatted only when a finding uses it).
    pub fn display(&self) -> Shown<'_> {
        Shown(self.key)
    }
}

pub struct Shown<'a>(&'a ObjectKey);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.namespace.as_str() {
            "" => f.write_str(&self.0.name),
            ns => write!(f, "{ns}/{}", self.0.name),
        }
    }
}

/// "3m", "2h", "4d": how long ago something happened.
pub fn age(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let d = now - since;
    match (d.num_days(), d.num_hours(), d.num_minutes()) {
        (days, _, _) if days >= 2 => format!("{days}d"),
        (_, hours, _) if hours >= 2 => format!("{hours}h"),
        (_, _, minutes) => format!("{}m", minutes.max(0)),
    }
}
