//! The evidence bundle as Markdown (pure): the incident, its findings with their evidence, the
//! steps, the notes, the timeline and the postmortem, for a ticket or an archive.

use std::fmt::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::findings::StoredFinding;
use super::incident_model::{EvidenceBundle, Postmortem, StepState};
use super::timeline::TimelineEntry;

/// The attachment's file name: `incident-<id>-evidence.md`, the id kept to safe characters.
pub fn file_name(incident_id: &str) -> String {
    let id: String = incident_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(64)
        .collect();
    format!("incident-{id}-evidence.md")
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A value's JSON name (a severity, a class, a state).
fn word(v: impl Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Text on one line of a list item: line breaks folded, so a value cannot start a new block.
fn inline(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Markdown written by people (notes, summaries), quoted so it stays inside its section.
fn quote(out: &mut String, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "> {line}");
    }
    out.push('\n');
}

fn finding(out: &mut String, f: &StoredFinding) {
    let x = &f.finding;
    let ns = x
        .object
        .namespace
        .as_deref()
        .map(|n| format!("{n}/"))
        .unwrap_or_default();
    let _ = writeln!(out, "### {} ({})\n", inline(&x.title), word(x.severity));
    let _ = writeln!(out, "- Finding: `{}`, class `{}`", x.id, word(x.class));
    let _ = writeln!(
        out,
        "- Object: {} {}{} in cluster {}",
        x.object.kind, ns, x.object.name, x.cluster
    );
    let resolved = f
        .resolved_at
        .map_or("still open".to_string(), |at| format!("resolved {}", time(at)));
    let _ = writeln!(
        out,
        "- Seen: {} to {}, {resolved}",
        time(f.first_seen),
        time(f.last_seen)
    );
    let _ = writeln!(out, "- Explanation: {}", inline(&x.explanation));
    let e = &x.evidence;
    if !e.facts.is_empty() {
        out.push_str("\nFacts:\n\n");
        for (k, v) in &e.facts {
            let _ = writeln!(out, "- {}: {}", inline(k), inline(v));
        }
    }
    if !e.containers.is_empty() {
        out.push_str("\nContainers:\n\n");
        for c in &e.containers {
            let mut line = format!("- {} ({}): {}", c.name, c.image, c.state);
            if let Some(r) = &c.reason {
                let _ = write!(line, " {r}");
            }
            let _ = write!(line, ", ready {}, restarts {}", c.ready, c.restarts);
            if let Some(code) = c.last_exit_code {
                let _ = write!(line, ", last exit {code}");
            }
            if let Some(r) = &c.last_reason {
                let _ = write!(line, " ({r})");
            }
            if let Some(m) = &c.memory_limit {
                let _ = write!(line, ", memory limit {m}");
            }
            let _ = writeln!(out, "{}", inline(&line));
        }
    }
    if !e.events.is_empty() {
        out.push_str("\nWarning events:\n\n");
        for ev in &e.events {
            let at = ev.last_seen.map(time).unwrap_or_else(|| "?".into());
            let _ = writeln!(
                out,
                "- {at} {} ×{}: {}",
                inline(&ev.reason),
                ev.count,
                inline(&ev.message)
            );
        }
    }
    if !e.related.is_empty() {
        out.push_str("\nRelated:\n\n");
        for r in &e.related {
            let ns = r.namespace.as_deref().map(|n| format!("{n}/")).unwrap_or_default();
            let _ = writeln!(out, "- {} {ns}{}", r.kind, r.name);
        }
    }
    out.push('\n');
}

fn entry(out: &mut String, e: &TimelineEntry) {
    let actor = e.actor.as_deref().map(|a| format!(" ({a})")).unwrap_or_default();
    let object = e.object.as_ref().map_or(String::new(), |o| {
        let ns = o.namespace.as_deref().map(|n| format!("{n}/")).unwrap_or_default();
        format!(" [{}: {ns}{}]", o.cluster, o.name)
    });
    let _ = writeln!(
        out,
        "- {} · {} · {} · {}{actor}{object}",
        time(e.at),
        word(e.source),
        inline(&e.kind),
        inline(&e.title)
    );
}

fn postmortem(out: &mut String, p: &Postmortem) {
    let _ = writeln!(out, "## Postmortem\n");
    let _ = writeln!(out, "- Impact: {} to {}", time(p.impact_start), time(p.impact_end));
    let _ = writeln!(
        out,
        "- Written by {}, last {} by {}\n",
        p.created_by,
        time(p.updated_at),
        p.updated_by
    );
    out.push_str("### Summary\n\n");
    quote(out, &p.summary);
    out.push_str("### Root cause\n\n");
    quote(out, &p.root_cause);
    if !p.actions.is_empty() {
        out.push_str("### Actions\n\n");
        for a in &p.actions {
            let mark = if a.done { "x" } else { " " };
            let owner = a
                .owner
                .as_deref()
                .map(|o| format!(" ({})", inline(o)))
                .unwrap_or_default();
            let _ = writeln!(out, "- [{mark}] {}{owner}", inline(&a.title));
        }
        out.push('\n');
    }
    if !p.remediation_ids.is_empty() {
        let _ = writeln!(out, "Remediations: {}\n", p.remediation_ids.join(", "));
    }
}

/// The bundle as one Markdown document.
pub fn markdown(b: &EvidenceBundle) -> String {
    let i = &b.incident;
    let mut out = String::new();
    let _ = writeln!(out, "# Incident: {}\n", inline(&i.title));
    let _ = writeln!(out, "- Id: `{}`", i.id);
    let _ = writeln!(out, "- Severity: {}, state: {}", word(i.severity), word(i.state));
    let _ = writeln!(out, "- Opened {} by {}", time(i.created_at), i.created_by);
    if let (Some(at), Some(by)) = (i.resolved_at, &i.resolved_by) {
        let _ = writeln!(out, "- Resolved {} by {by}", time(at));
    }
    let _ = writeln!(out, "- Bundle generated {}\n", time(b.generated_at));
    if !i.summary.is_empty() {
        out.push_str("## Summary\n\n");
        quote(&mut out, &i.summary);
    }
    if let Some(r) = &i.resolution {
        out.push_str("## Resolution\n\n");
        quote(&mut out, r);
    }
    let _ = writeln!(out, "## Findings ({})\n", b.findings.len());
    for f in &b.findings {
        finding(&mut out, f);
    }
    if !b.steps.is_empty() {
        out.push_str("## Steps\n\n");
        for s in &b.steps {
            let mark = match s.state {
                StepState::Done => "[x]",
                StepState::Skipped => "[-]",
                StepState::Pending => "[ ]",
            };
            let note = s
                .note
                .as_deref()
                .map(|n| format!(" — {}", inline(n)))
                .unwrap_or_default();
            let _ = writeln!(out, "{}. {mark} {}{note}", s.step, inline(&s.title));
        }
        out.push('\n');
    }
    if !b.notes.is_empty() {
        out.push_str("## Notes\n\n");
        for n in &b.notes {
            let _ = writeln!(out, "**{}**, {}:\n", n.author, time(n.at));
            quote(&mut out, &n.body);
        }
    }
    out.push_str("## Timeline\n\n");
    for e in &b.timeline {
        entry(&mut out, e);
    }
    out.push('\n');
    if let Some(p) = &b.postmortem {
        postmortem(&mut out, p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::diagnostics::finding::{
        ContainerEvidence, Evidence, Finding, FindingClass, ObjectRef, Severity,
    };
    use crate::incidents::incident_model::{Incident, IncidentState, Note, PostmortemAction, Step};
    use crate::incidents::timeline::EntrySource;

    fn at(minute: u32) -> DateTime<Utc> {
        format!("2026-01-01T10:{minute:02}:00Z").parse().unwrap()
    }

    fn bundle() -> EvidenceBundle {
        let finding = Finding {
            id: "f1".into(),
            cluster: "prod".into(),
            object: ObjectRef {
                api_version: "v1".into(),
                kind: "Pod".into(),
                namespace: Some("shop".into()),
                name: "api-1".into(),
                uid: String::new(),
            },
            class: FindingClass::PodOomKilled,
            severity: Severity::Critical,
            title: "api-1 was OOMKilled".into(),
            explanation: "The container used\nmore than 256Mi.".into(),
            evidence: Evidence {
                containers: vec![ContainerEvidence {
                    name: "app".into(),
                    image: "shop/api:1.2".into(),
                    state: "running".into(),
                    reason: None,
                    message: None,
                    ready: true,
                    restarts: 4,
                    last_exit_code: Some(137),
                    last_reason: Some("OOMKilled".into()),
                    memory_limit: Some("256Mi".into()),
                }],
                ..Evidence::default()
            },
            remediations: vec![],
        };
        EvidenceBundle {
            generated_at: at(50),
            incident: Incident {
                id: "inc/../1".into(),
                title: "Shop API down".into(),
                severity: Severity::Critical,
                state: IncidentState::Resolved,
                summary: "# Not a heading\nof the bundle".into(),
                runbook_id: None,
                created_by: "alice".into(),
                created_at: at(5),
                resolved_by: Some("bob".into()),
                resolved_at: Some(at(40)),
                resolution: Some("Raised the limit".into()),
            },
            findings: vec![StoredFinding {
                finding,
                first_seen: at(0),
                last_seen: at(30),
                resolved_at: Some(at(30)),
            }],
            steps: vec![Step {
                step: 1,
                title: "Raise the limit".into(),
                detail: String::new(),
                state: StepState::Done,
                note: Some("to 512Mi".into()),
                updated_by: Some("bob".into()),
                updated_at: Some(at(20)),
            }],
            notes: vec![Note {
                id: "n1".into(),
                author: "bob".into(),
                body: "Line one\n## line two".into(),
                at: at(10),
            }],
            timeline: vec![TimelineEntry {
                at: at(0),
                source: EntrySource::Finding,
                kind: "finding_seen".into(),
                title: "api-1 was OOMKilled".into(),
                detail: serde_json::json!({}),
                actor: None,
                object: None,
            }],
            postmortem: Some(Postmortem {
                id: "p1".into(),
                incident_id: "inc/../1".into(),
                summary: "Memory".into(),
                impact_start: at(0),
                impact_end: at(40),
                root_cause: "A leak".into(),
                actions: vec![PostmortemAction {
                    title: "Fix the leak".into(),
                    owner: Some("carol".into()),
                    done: false,
                }],
                remediation_ids: vec!["r1".into()],
                timeline: vec![],
                created_by: "bob".into(),
                created_at: at(45),
                updated_by: "bob".into(),
                updated_at: at(45),
            }),
        }
    }

    #[test]
    fn the_markdown_has_every_section() {
        let md = markdown(&bundle());
        for want in [
            "# Incident: Shop API down\n",
            "- Severity: critical, state: resolved",
            "- Resolved 2026-01-01T10:40:00Z by bob",
            "## Findings (1)",
            "### api-1 was OOMKilled (critical)",
            "- Object: Pod shop/api-1 in cluster prod",
            "- Explanation: The container used more than 256Mi.",
            "- app (shop/api:1.2): running, ready true, restarts 4, last exit 137 (OOMKilled), memory limit 256Mi",
            "1. [x] Raise the limit — to 512Mi",
            "> Line one\n> ## line two",
            "- 2026-01-01T10:00:00Z · finding · finding_seen · api-1 was OOMKilled",
            "## Postmortem",
            "- [ ] Fix the leak (carol)",
            "Remediations: r1",
        ] {
            assert!(md.contains(want), "{want:?} missing from:\n{md}");
        }
        // People's Markdown is quoted: it cannot add a section of its own.
        assert!(!md.contains("\n# Not a heading"), "{md}");
        assert!(!md.contains("\n## line two"), "{md}");
    }

    #[test]
    fn the_file_name_is_safe() {
        assert_eq!(file_name("inc/../1"), "incident-inc1-evidence.md");
        assert_eq!(file_name("0b6c-9f"), "incident-0b6c-9f-evidence.md");
    }
}
