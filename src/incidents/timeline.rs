//! An incident's timeline (pure): one list, in time order, of what its findings, their objects'
//! Kubernetes Warning events, the audit rows about those objects, its notes and its own events
//! say happened; and the replay, the same entries with the incident's state after each.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::findings::StoredFinding;
use crate::audit::model::AuditEvent;
use crate::store::incidents::{IncidentEventRow, NoteRow};

/// Where an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntrySource {
    /// A linked finding was first seen, or cleared.
    Finding,
    /// A Kubernetes Warning event in a finding's evidence.
    Event,
    /// An audit row about a finding's object.
    Audit,
    Note,
    /// Something that happened to the incident: opened, a step changed, resolved, …
    Incident,
}

/// The object an entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EntryObject {
    pub cluster: String,
    /// Absent on audit rows, which name no kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub source: EntrySource,
    /// finding_seen, finding_resolved; the event's reason; the audit verb; note; the incident
    /// event's kind (opened, finding_linked, step_changed, resolved, postmortem_written,
    /// remediation_*).
    pub kind: String,
    pub title: String,
    /// What else the source says, as a JSON object.
    #[schema(value_type = Object)]
    pub detail: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<EntryObject>,
}

/// What a timeline is made of.
pub struct Sources<'a> {
    pub findings: &'a [StoredFinding],
    pub audit: &'a [AuditEvent],
    pub notes: &'a [NoteRow],
    pub events: &'a [IncidentEventRow],
}

/// The kind of the incident event a note is recorded with; the note's own entry stands for it.
pub const NOTE_ADDED: &str = "note_added";

fn finding_object(f: &StoredFinding) -> EntryObject {
    EntryObject {
        cluster: f.finding.cluster.clone(),
        kind: Some(f.finding.object.kind.clone()),
        namespace: f.finding.object.namespace.clone(),
        name: f.finding.object.name.clone(),
    }
}

/// The timeline, oldest first (entries at the same time keep the order of `Sources`' fields).
pub fn assemble(s: &Sources<'_>) -> Vec<TimelineEntry> {
    let mut entries = Vec::new();
    for f in s.findings {
        let detail = json!({"findingId": f.finding.id, "class": f.finding.class, "severity": f.finding.severity});
        entries.push(TimelineEntry {
            at: f.first_seen,
            source: EntrySource::Finding,
            kind: "finding_seen".into(),
            title: f.finding.title.clone(),
            detail: detail.clone(),
            actor: None,
            object: Some(finding_object(f)),
        });
        if let Some(at) = f.resolved_at {
            entries.push(TimelineEntry {
                at,
                source: EntrySource::Finding,
                kind: "finding_resolved".into(),
                title: format!("Cleared: {}", f.finding.title),
                detail,
                actor: None,
                object: Some(finding_object(f)),
            });
        }
    }
    // Two findings about one object carry the same events.
    let mut seen = HashSet::new();
    for f in s.findings {
        let object = finding_object(f);
        for e in &f.finding.evidence.events {
            let Some(at) = e.last_seen else { continue };
            if !seen.insert((object.clone(), e.reason.clone(), e.message.clone(), at)) {
                continue;
            }
            entries.push(TimelineEntry {
                at,
                source: EntrySource::Event,
                kind: e.reason.clone(),
                title: e.message.clone(),
                detail: json!({"count": e.count, "findingId": f.finding.id}),
                actor: None,
                object: Some(object.clone()),
            });
        }
    }
    let mut rows = HashSet::new();
    for a in s.audit.iter().filter(|a| rows.insert(&a.id)) {
        let target = a.name.as_deref().map(|n| format!(" {n}")).unwrap_or_default();
        entries.push(TimelineEntry {
            at: a.at,
            source: EntrySource::Audit,
            kind: a.verb.clone(),
            title: format!(
                "{} {} {}{target} ({})",
                a.actor,
                a.verb,
                a.resource_type,
                a.outcome.as_str()
            ),
            detail: json!({"resourceType": a.resource_type, "outcome": a.outcome, "httpStatus": a.http_status,
                           "requestId": a.request_id, "reason": a.reason}),
            actor: Some(a.actor.clone()),
            object: a
                .cluster
                .clone()
                .zip(a.name.clone())
                .map(|(cluster, name)| EntryObject {
                    cluster,
                    kind: None,
                    namespace: a.namespace.clone(),
                    name,
                }),
        });
    }
    for n in s.notes {
        entries.push(TimelineEntry {
            at: n.at,
            source: EntrySource::Note,
            kind: "note".into(),
            title: n.body.lines().next().unwrap_or_default().chars().take(120).collect(),
            detail: json!({"noteId": n.id, "body": n.body}),
            actor: Some(n.author.clone()),
            object: None,
        });
    }
    for e in s.events.iter().filter(|e| e.kind != NOTE_ADDED) {
        // Whoever records an event words its entry in the detail's `title`.
        let title = e
            .detail
            .0
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or(&e.kind)
            .to_string();
        entries.push(TimelineEntry {
            at: e.at,
            source: EntrySource::Incident,
            kind: e.kind.clone(),
            title,
            detail: e.detail.0.clone(),
            actor: Some(e.actor.clone()),
            object: None,
        });
    }
    entries.sort_by_key(|e| e.at);
    entries
}

/// Where the incident stands at a point of its replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Before the incident was opened (its findings and the audit rows leading up to it).
    Before,
    Open,
    Resolved,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReplayState {
    pub phase: Phase,
    /// Linked findings seen and not cleared.
    pub open_findings: u32,
    pub steps_done: u32,
    pub steps_total: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReplayEntry {
    #[serde(flatten)]
    pub entry: TimelineEntry,
    /// Milliseconds since the replay's start (negative for what led up to it).
    pub offset_ms: i64,
    /// The incident's state once this entry happened.
    pub state: ReplayState,
}

/// The entries up to `until` (all without it), each with the state after it, and the state at
/// the end. `start` is what offsets count from; the steps' total is the incident's.
pub fn replay(
    entries: &[TimelineEntry],
    start: DateTime<Utc>,
    steps_total: u32,
    until: Option<DateTime<Utc>>,
) -> (Vec<ReplayEntry>, ReplayState) {
    let mut state = ReplayState {
        phase: Phase::Before,
        open_findings: 0,
        steps_done: 0,
        steps_total,
    };
    let mut steps: HashMap<i64, bool> = HashMap::new();
    let mut out = Vec::new();
    for e in entries.iter().take_while(|e| until.is_none_or(|u| e.at <= u)) {
        match (e.source, e.kind.as_str()) {
            (EntrySource::Finding, "finding_seen") => state.open_findings += 1,
            (EntrySource::Finding, "finding_resolved") => state.open_findings = state.open_findings.saturating_sub(1),
            (EntrySource::Incident, "opened") => state.phase = Phase::Open,
            (EntrySource::Incident, "resolved") => state.phase = Phase::Resolved,
            (EntrySource::Incident, "step_changed") => {
                if let Some(step) = e.detail.get("step").and_then(Value::as_i64) {
                    steps.insert(step, e.detail.get("state").and_then(Value::as_str) == Some("done"));
                    state.steps_done = steps.values().filter(|d| **d).count() as u32;
                }
            }
            _ => {}
        }
        out.push(ReplayEntry {
            entry: e.clone(),
            offset_ms: (e.at - start).num_milliseconds(),
            state: state.clone(),
        });
    }
    (out, state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::model::Outcome;
    use crate::incidents::diagnostics::finding::{EventEvidence, Evidence, Finding, FindingClass, ObjectRef, Severity};
    use sqlx::types::Json;

    fn t(minute: i64) -> DateTime<Utc> {
        "2026-01-01T10:00:00Z".parse::<DateTime<Utc>>().unwrap() + chrono::Duration::minutes(minute)
    }

    fn finding(id: &str, first: i64, resolved: Option<i64>, events: &[(&str, i64)]) -> StoredFinding {
        StoredFinding {
            finding: Finding {
                id: id.into(),
                cluster: "prod".into(),
                object: ObjectRef {
                    api_version: "v1".into(),
                    kind: "Pod".into(),
                    namespace: Some("shop".into()),
                    name: "api-1".into(),
                    uid: String::new(),
                },
                class: FindingClass::PodCrashLoop,
                severity: Severity::Critical,
                title: format!("{id} crash-loops"),
                explanation: String::new(),
                evidence: Evidence {
                    events: events
                        .iter()
                        .map(|(reason, at)| EventEvidence {
                            reason: reason.to_string(),
                            message: format!("{reason} happened"),
                            count: 3,
                            last_seen: Some(t(*at)),
                        })
                        .collect(),
                    ..Evidence::default()
                },
                remediations: vec![],
            },
            first_seen: t(first),
            last_seen: t(first),
            resolved_at: resolved.map(t),
        }
    }

    fn audit(id: &str, at: i64, actor: &str) -> AuditEvent {
        AuditEvent {
            id: id.into(),
            at: t(at),
            actor: actor.into(),
            actor_method: "token".into(),
            verb: "restart".into(),
            resource_type: "deployment".into(),
            cluster: Some("prod".into()),
            namespace: Some("shop".into()),
            name: Some("api".into()),
            outcome: Outcome::Success,
            http_status: 200,
            request_id: "r1".into(),
            client_ip: "127.0.0.1".into(),
            reason: None,
        }
    }

    fn event(kind: &str, at: i64, detail: Value) -> IncidentEventRow {
        IncidentEventRow {
            id: format!("{kind}-{at}"),
            incident_id: "i".into(),
            at: t(at),
            kind: kind.into(),
            actor: "alice".into(),
            detail: Json(detail),
        }
    }

    fn sample() -> Vec<TimelineEntry> {
        let findings = [
            finding("f1", 0, Some(30), &[("BackOff", 5)]),
            // Same object, same event: one entry.
            finding("f2", 2, None, &[("BackOff", 5), ("Unhealthy", 3)]),
        ];
        let audit = [
            audit("a1", -10, "bob"),
            audit("a1", -10, "bob"),
            audit("a2", 12, "alice"),
        ];
        let notes = [NoteRow {
            id: "n1".into(),
            author: "alice".into(),
            body: "Looking at the logs\nmore".into(),
            at: t(8),
        }];
        let events = [
            event("opened", 4, json!({"title": "Incident opened"})),
            event(NOTE_ADDED, 8, json!({})),
            event(
                "step_changed",
                10,
                json!({"step": 1, "state": "done", "title": "Step 1 done"}),
            ),
            event("step_changed", 11, json!({"step": 2, "state": "skipped"})),
            event("step_changed", 14, json!({"step": 1, "state": "pending"})),
            event("step_changed", 15, json!({"step": 1, "state": "done"})),
            event("resolved", 31, json!({"title": "Resolved"})),
        ];
        assemble(&Sources {
            findings: &findings,
            audit: &audit,
            notes: &notes,
            events: &events,
        })
    }

    #[test]
    fn entries_come_from_every_source_in_time_order() {
        let entries = sample();
        let got: Vec<(i64, EntrySource, &str)> = entries
            .iter()
            .map(|e| ((e.at - t(0)).num_minutes(), e.source, e.kind.as_str()))
            .collect();
        use EntrySource::*;
        assert_eq!(
            got,
            [
                (-10, Audit, "restart"),
                (0, Finding, "finding_seen"),
                (2, Finding, "finding_seen"),
                (3, Event, "Unhealthy"),
                (4, Incident, "opened"),
                (5, Event, "BackOff"),
                (8, Note, "note"),
                (10, Incident, "step_changed"),
                (11, Incident, "step_changed"),
                (12, Audit, "restart"),
                (14, Incident, "step_changed"),
                (15, Incident, "step_changed"),
                (30, Finding, "finding_resolved"),
                (31, Incident, "resolved"),
            ]
        );
        assert_eq!(entries[0].title, "bob restart deployment api (success)");
        assert_eq!(entries[0].actor.as_deref(), Some("bob"));
        assert_eq!(entries[6].title, "Looking at the logs");
        assert_eq!(entries[6].detail["body"], "Looking at the logs\nmore");
        // An event's title is its detail's, else its kind.
        assert_eq!(entries[7].title, "Step 1 done");
        assert_eq!(entries[8].title, "step_changed");
        let object = entries[1].object.as_ref().unwrap();
        assert_eq!((object.kind.as_deref(), object.name.as_str()), (Some("Pod"), "api-1"));
    }

    #[test]
    fn the_replay_carries_the_state_after_each_entry() {
        let entries = sample();
        let (all, end) = replay(&entries, t(0), 3, None);
        assert_eq!(all.len(), entries.len());
        assert_eq!(all[0].offset_ms, -600_000);
        assert_eq!(all[0].state.phase, Phase::Before);
        assert_eq!(all[2].state.open_findings, 2);
        assert_eq!(all[4].state.phase, Phase::Open);
        let done: Vec<u32> = all.iter().map(|e| e.state.steps_done).collect();
        assert_eq!(done, [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1]);
        assert_eq!(
            end,
            ReplayState {
                phase: Phase::Resolved,
                open_findings: 1,
                steps_done: 1,
                steps_total: 3
            }
        );

        // Up to a time: the entries until then, and the state then.
        let (some, then) = replay(&entries, t(0), 3, Some(t(10)));
        assert_eq!(some.len(), 8);
        assert_eq!(some.last().unwrap().offset_ms, 600_000);
        assert_eq!((then.phase, then.open_findings, then.steps_done), (Phase::Open, 2, 1));
        let (none, before) = replay(&entries, t(0), 3, Some(t(-20)));
        assert!(none.is_empty());
        assert_eq!(before.phase, Phase::Before);
    }
}
