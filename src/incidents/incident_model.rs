//! What the incident and postmortem routes take and answer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::diagnostics::finding::Severity;
use super::findings::StoredFinding;
use super::timeline::{ReplayEntry, ReplayState, TimelineEntry};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncidentState {
    Open,
    Resolved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Pending,
    Done,
    Skipped,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub state: IncidentState,
    /// Markdown; empty when none was given.
    pub summary: String,
    /// The runbook its steps came from (absent when none matched, or once it was deleted).
    pub runbook_id: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentList {
    pub items: Vec<Incident>,
    /// Pass it as `continue` for the next page; absent on the last page.
    #[serde(rename = "continue", skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunbookRef {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// The step's number, from 1: `PATCH /api/incidents/{id}/steps/{step}` names it.
    pub step: i32,
    pub title: String,
    /// The lines under the runbook's item (Markdown); may be empty.
    pub detail: String,
    pub state: StepState,
    pub note: Option<String>,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: String,
    pub author: String,
    /// Markdown.
    pub body: String,
    pub at: DateTime<Utc>,
}

/// An incident with its findings (their current state: first/last seen, resolved), steps,
/// notes, runbook, timeline and postmortem.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IncidentDetail {
    #[serde(flatten)]
    pub incident: Incident,
    pub findings: Vec<StoredFinding>,
    pub steps: Vec<Step>,
    pub notes: Vec<Note>,
    pub runbook: Option<RunbookRef>,
    pub timeline: Vec<TimelineEntry>,
    /// Absent until one is written (`POST /api/incidents/{id}/postmortem`).
    pub postmortem: Option<Postmortem>,
}

/// An incident to open: from findings (`findingIds`), or by hand (`title` required).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateIncident {
    /// 1 to 200 characters; from findings, the most severe finding's title by default.
    pub title: Option<String>,
    /// From findings, the highest of theirs by default; else `warning`.
    pub severity: Option<Severity>,
    /// Markdown, at most 16 KiB.
    pub summary: Option<String>,
    /// Stored findings the caller may see; at most 100.
    #[serde(default)]
    pub finding_ids: Vec<String>,
    /// The runbook whose steps to follow; by default the best-ranked runbook for the findings'
    /// classes (the most severe finding's class first).
    pub runbook_id: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IncidentsQuery {
    #[param(inline)]
    pub state: Option<IncidentState>,
    #[param(inline)]
    pub severity: Option<Severity>,
    /// Incidents with a finding in this cluster.
    pub cluster: Option<String>,
    /// 1 to 500; default 100.
    pub limit: Option<u32>,
    /// The `continue` of the previous page.
    #[serde(rename = "continue")]
    #[param(rename = "continue")]
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    /// Markdown, 1 byte to 16 KiB.
    pub body: String,
}

/// A step's change; at least one of the two.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    pub state: Option<StepState>,
    /// At most 4 KiB; replaces the step's note.
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveInput {
    /// What ended it: 1 byte to 16 KiB of Markdown.
    pub resolution: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReplayQuery {
    /// Only the entries up to this time (RFC 3339), and the state then.
    pub at: Option<DateTime<Utc>>,
}

/// The timeline as it unfolded.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Replay {
    pub incident_id: String,
    /// What offsets count from: the first linked finding's first sighting, or the opening when
    /// that came first.
    pub started_at: DateTime<Utc>,
    /// The `at` asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    pub entries: Vec<ReplayEntry>,
    /// The state after the last entry (at `at`, when given).
    pub state: ReplayState,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BundleFormat {
    #[default]
    Json,
    Markdown,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EvidenceQuery {
    /// json (default) or markdown (a `text/markdown` attachment).
    #[param(inline)]
    pub format: Option<BundleFormat>,
}

/// Everything known about an incident, to keep or hand over. Findings carry their full evidence
/// as the analyzers recorded it, which never holds environment values or Secret data.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceBundle {
    pub generated_at: DateTime<Utc>,
    pub incident: Incident,
    pub findings: Vec<StoredFinding>,
    pub steps: Vec<Step>,
    pub notes: Vec<Note>,
    pub timeline: Vec<TimelineEntry>,
    pub postmortem: Option<Postmortem>,
}

/// A follow-up action of a postmortem.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostmortemAction {
    /// 1 to 200 characters.
    pub title: String,
    /// Who does it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default)]
    pub done: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PostmortemInput {
    /// Markdown, 1 byte to 64 KiB.
    pub summary: String,
    pub impact_start: DateTime<Utc>,
    /// Not before `impactStart`.
    pub impact_end: DateTime<Utc>,
    /// Markdown, at most 64 KiB.
    #[serde(default)]
    pub root_cause: String,
    /// At most 50.
    #[serde(default)]
    pub actions: Vec<PostmortemAction>,
    /// The remediations that were applied; at most 50.
    #[serde(default)]
    pub remediation_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Postmortem {
    pub id: String,
    pub incident_id: String,
    pub summary: String,
    pub impact_start: DateTime<Utc>,
    pub impact_end: DateTime<Utc>,
    pub root_cause: String,
    pub actions: Vec<PostmortemAction>,
    pub remediation_ids: Vec<String>,
    /// The incident's timeline when the postmortem was last written.
    pub timeline: Vec<TimelineEntry>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PostmortemList {
    pub items: Vec<Postmortem>,
    /// Pass it as `continue` for the next page; absent on the last page.
    #[serde(rename = "continue", skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PostmortemsQuery {
    /// 1 to 500; default 100.
    pub limit: Option<u32>,
    /// The `continue` of the previous page.
    #[serde(rename = "continue")]
    #[param(rename = "continue")]
    pub next: Option<String>,
}
