//! Incidents: their findings, steps, notes, what happened to them (incident_events) and their
//! postmortems. Every write that touches more than one row runs in one transaction, and each
//! records its incident event in the same transaction.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

use super::{BeginWrite, Store, with_pool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IncidentRow {
    pub id: String,
    pub title: String,
    pub severity: String,
    /// `open` or `resolved`.
    pub state: String,
    pub summary: String,
    pub runbook_id: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
}

/// A finding linked to an incident, as it was when linked.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IncidentFindingRow {
    pub finding_id: String,
    pub position: i32,
    pub cluster: String,
    /// Empty for cluster-scoped objects.
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub class: String,
    pub body: Json<Value>,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StepRow {
    /// From 1.
    pub position: i32,
    pub title: String,
    pub detail: String,
    /// `pending`, `done` or `skipped`.
    pub state: String,
    pub note: Option<String>,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoteRow {
    pub id: String,
    pub author: String,
    pub body: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IncidentEventRow {
    pub id: String,
    pub incident_id: String,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub actor: String,
    pub detail: Json<Value>,
}

impl IncidentEventRow {
    /// An event happening now, with a fresh id.
    pub fn new(incident_id: &str, kind: &str, actor: &str, detail: Value) -> IncidentEventRow {
        IncidentEventRow {
            id: uuid::Uuid::new_v4().to_string(),
            incident_id: incident_id.to_string(),
            at: super::now(),
            kind: kind.to_string(),
            actor: actor.to_string(),
            detail: Json(detail),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostmortemRow {
    pub id: String,
    pub incident_id: String,
    pub summary: String,
    pub impact_start_at: DateTime<Utc>,
    pub impact_end_at: DateTime<Utc>,
    pub root_cause: String,
    pub actions: Json<Value>,
    pub remediation_ids: Json<Vec<String>>,
    pub timeline: Json<Value>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// An incident to open, with what it is opened with.
#[derive(Debug)]
pub struct NewIncident {
    pub incident: IncidentRow,
    pub findings: Vec<IncidentFindingRow>,
    pub steps: Vec<StepRow>,
    /// The `opened` event and any other recorded with it.
    pub events: Vec<IncidentEventRow>,
}

/// Which incidents a list wants; `None` matches everything.
#[derive(Debug, Default)]
pub struct IncidentFilter<'a> {
    pub state: Option<&'a str>,
    pub severity: Option<&'a str>,
    /// Incidents with a finding in this cluster.
    pub cluster: Option<&'a str>,
    /// The (created_at, id) of the last row of the previous page (newest first).
    pub before: Option<(DateTime<Utc>, &'a str)>,
    pub limit: u32,
}

/// Why a write to an incident was not made (nothing was written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    NoIncident,
    NoStep,
    /// The incident is resolved: it only takes a postmortem.
    Resolved,
}

/// A step's change; `None` leaves it as it is.
#[derive(Debug)]
pub struct StepChange<'a> {
    pub state: Option<&'a str>,
    pub note: Option<&'a str>,
}

/// Inserts an incident event through `$tx` (a transaction of either backend), for writes that
/// record one with their own change.
macro_rules! insert_incident_event {
    ($tx:expr, $row:expr) => {{
        let row: &$crate::store::incidents::IncidentEventRow = $row;
        sqlx::query(
            "INSERT INTO incident_events (id, incident_id, at, kind, actor, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&row.id)
        .bind(&row.incident_id)
        .bind(row.at)
        .bind(&row.kind)
        .bind(&row.actor)
        .bind(&row.detail)
        .execute(&mut *$tx)
        .await?;
    }};
}
/// The remediation store records its events in its own writes.
pub(crate) use insert_incident_event;

/// Locks an open incident's row through `$tx`; `Err(Refused)` from the enclosing fn when it is
/// missing or resolved.
macro_rules! lock_open_incident {
    ($tx:expr, $id:expr) => {{
        // A no-op update takes the row's lock on Postgres (SQLite's BEGIN IMMEDIATE holds them all).
        let state: Option<String> =
            sqlx::query_scalar("UPDATE incidents SET state = state WHERE id = $1 RETURNING state")
                .bind($id)
                .fetch_optional(&mut *$tx)
                .await?;
        match state.as_deref() {
            None => return Ok(Err(Refused::NoIncident)),
            Some("resolved") => return Ok(Err(Refused::Resolved)),
            Some(_) => {}
        }
    }};
}

macro_rules! select_incidents {
    () => {
        "SELECT id, title, severity, state, summary, runbook_id, created_by, created_at, resolved_by, resolved_at, \
         resolution FROM incidents"
    };
}

macro_rules! select_postmortems {
    () => {
        "SELECT id, incident_id, summary, impact_start_at, impact_end_at, root_cause, actions, remediation_ids, timeline, \
         created_by, created_at, updated_by, updated_at FROM postmortems"
    };
}

impl Store {
    /// Opens an incident with its findings, steps and events, all or nothing.
    pub async fn insert_incident(&self, new: &NewIncident) -> sqlx::Result<()> {
        let i = &new.incident;
        let incident = "INSERT INTO incidents (id, title, severity, state, summary, runbook_id, created_by, created_at, \
                        resolved_by, resolved_at, resolution) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
        let finding = "INSERT INTO incident_findings (incident_id, finding_id, position, cluster, namespace, kind, name, \
                       class, body, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
        let step = "INSERT INTO incident_steps (incident_id, position, title, detail, state, note, updated_by, updated_at) \
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        with_pool!(self, pool => {
            // Triggers write the assistant's search mirror (see write_findings): lock first.
            let mut tx = pool.begin_write().await?;
            sqlx::query(incident)
                .bind(&i.id).bind(&i.title).bind(&i.severity).bind(&i.state).bind(&i.summary).bind(&i.runbook_id)
                .bind(&i.created_by).bind(i.created_at).bind(&i.resolved_by).bind(i.resolved_at).bind(&i.resolution)
                .execute(&mut *tx).await?;
            for f in &new.findings {
                sqlx::query(finding)
                    .bind(&i.id).bind(&f.finding_id).bind(f.position).bind(&f.cluster).bind(&f.namespace)
                    .bind(&f.kind).bind(&f.name).bind(&f.class).bind(&f.body).bind(f.first_seen_at).bind(f.last_seen_at)
                    .execute(&mut *tx).await?;
            }
            for s in &new.steps {
                sqlx::query(step)
                    .bind(&i.id).bind(s.position).bind(&s.title).bind(&s.detail).bind(&s.state).bind(&s.note)
                    .bind(&s.updated_by).bind(s.updated_at)
                    .execute(&mut *tx).await?;
            }
            for e in &new.events {
                insert_incident_event!(tx, e);
            }
            tx.commit().await
        })
    }

    pub async fn incident(&self, id: &str) -> sqlx::Result<Option<IncidentRow>> {
        let sql = concat!(select_incidents!(), " WHERE id = $1");
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
    }

    /// A page of incidents, newest first.
    pub async fn incidents(&self, f: &IncidentFilter<'_>) -> sqlx::Result<Vec<IncidentRow>> {
        let sql = concat!(
            select_incidents!(),
            " WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR severity = $2) \
             AND ($3 IS NULL OR EXISTS (SELECT 1 FROM incident_findings f WHERE f.incident_id = incidents.id AND f.cluster = $3)) \
             AND ($4 IS NULL OR created_at < $4 OR (created_at = $4 AND id < $5)) \
             ORDER BY created_at DESC, id DESC LIMIT $6"
        );
        let (at, id) = f.before.map_or((None, None), |(at, id)| (Some(at), Some(id)));
        with_pool!(self, pool => sqlx::query_as(sql)
            .bind(f.state).bind(f.severity).bind(f.cluster).bind(at).bind(id).bind(i64::from(f.limit))
            .fetch_all(pool).await)
    }

    /// An incident's findings, in the order they were linked.
    pub async fn incident_findings(&self, id: &str) -> sqlx::Result<Vec<IncidentFindingRow>> {
        let sql = "SELECT finding_id, position, cluster, namespace, kind, name, class, body, first_seen_at, last_seen_at \
                   FROM incident_findings WHERE incident_id = $1 ORDER BY position";
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_all(pool).await)
    }

    /// Where an incident's findings are: (cluster, namespace; '' for cluster-scoped objects).
    pub async fn incident_finding_places(&self, id: &str) -> sqlx::Result<Vec<(String, String)>> {
        let sql = "SELECT cluster, namespace FROM incident_findings WHERE incident_id = $1";
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_all(pool).await)
    }

    pub async fn incident_steps(&self, id: &str) -> sqlx::Result<Vec<StepRow>> {
        let sql = "SELECT position, title, detail, state, note, updated_by, updated_at FROM incident_steps \
                   WHERE incident_id = $1 ORDER BY position";
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_all(pool).await)
    }

    /// An incident's notes, oldest first.
    pub async fn incident_notes(&self, id: &str) -> sqlx::Result<Vec<NoteRow>> {
        let sql = "SELECT id, author, body, at FROM incident_notes WHERE incident_id = $1 ORDER BY at, id";
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_all(pool).await)
    }

    /// What happened to an incident, oldest first.
    pub async fn incident_events(&self, id: &str) -> sqlx::Result<Vec<IncidentEventRow>> {
        let sql = "SELECT id, incident_id, at, kind, actor, detail FROM incident_events WHERE incident_id = $1 \
                   ORDER BY at, id";
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_all(pool).await)
    }

    /// Records that something happened to an incident, in a transaction of its own: `kind` is a
    /// snake_case word (the remediation work uses `remediation_proposed`, `remediation_executed`,
    /// …), `actor` who did it, `detail` a JSON object the timeline shows as it is (no secrets).
    /// `false` (nothing written) when there is no such incident. A store write that records an
    /// event with its own change uses `insert_incident_event!` in its transaction instead.
    pub async fn record_incident_event(
        &self,
        incident_id: &str,
        kind: &str,
        actor: &str,
        detail: Value,
    ) -> sqlx::Result<bool> {
        let row = IncidentEventRow::new(incident_id, kind, actor, detail);
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM incidents WHERE id = $1")
                .bind(incident_id).fetch_one(&mut *tx).await?;
            if n == 0 {
                return Ok(false);
            }
            insert_incident_event!(tx, &row);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Adds a note to an open incident, with its `note_added` event.
    pub async fn add_incident_note(
        &self,
        incident_id: &str,
        note: &NoteRow,
        event: &IncidentEventRow,
    ) -> sqlx::Result<Result<(), Refused>> {
        let insert = "INSERT INTO incident_notes (id, incident_id, author, body, at) VALUES ($1, $2, $3, $4, $5)";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            lock_open_incident!(tx, incident_id);
            sqlx::query(insert)
                .bind(&note.id).bind(incident_id).bind(&note.author).bind(&note.body).bind(note.at)
                .execute(&mut *tx).await?;
            insert_incident_event!(tx, event);
            tx.commit().await?;
            Ok(Ok(()))
        })
    }

    /// Changes a step of an open incident, with the `step_changed` event; the step as it is now.
    pub async fn update_incident_step(
        &self,
        incident_id: &str,
        position: i32,
        change: &StepChange<'_>,
        event: &IncidentEventRow,
    ) -> sqlx::Result<Result<StepRow, Refused>> {
        let select = "SELECT position, title, detail, state, note, updated_by, updated_at FROM incident_steps \
                      WHERE incident_id = $1 AND position = $2";
        let update = "UPDATE incident_steps SET state = $1, note = $2, updated_by = $3, updated_at = $4 \
                      WHERE incident_id = $5 AND position = $6";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            lock_open_incident!(tx, incident_id);
            let Some(mut step) = sqlx::query_as::<_, StepRow>(select)
                .bind(incident_id).bind(position).fetch_optional(&mut *tx).await?
            else {
                return Ok(Err(Refused::NoStep));
            };
            if let Some(state) = change.state {
                step.state = state.to_string();
            }
            if let Some(note) = change.note {
                step.note = Some(note.to_string());
            }
            step.updated_by = Some(event.actor.clone());
            step.updated_at = Some(event.at);
            sqlx::query(update)
                .bind(&step.state).bind(&step.note).bind(&step.updated_by).bind(step.updated_at)
                .bind(incident_id).bind(position)
                .execute(&mut *tx).await?;
            insert_incident_event!(tx, event);
            tx.commit().await?;
            Ok(Ok(step))
        })
    }

    /// Resolves an open incident, with the `resolved` event.
    pub async fn resolve_incident(
        &self,
        incident_id: &str,
        resolution: &str,
        event: &IncidentEventRow,
    ) -> sqlx::Result<Result<(), Refused>> {
        let update = "UPDATE incidents SET state = 'resolved', resolved_by = $1, resolved_at = $2, resolution = $3 \
                      WHERE id = $4";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            lock_open_incident!(tx, incident_id);
            sqlx::query(update)
                .bind(&event.actor).bind(event.at).bind(resolution).bind(incident_id)
                .execute(&mut *tx).await?;
            insert_incident_event!(tx, event);
            tx.commit().await?;
            Ok(Ok(()))
        })
    }

    /// Writes an incident's postmortem, replacing the one it has (whose id and creation stay),
    /// with the `postmortem_written` event; the postmortem as stored.
    pub async fn write_postmortem(
        &self,
        row: &PostmortemRow,
        event: &IncidentEventRow,
    ) -> sqlx::Result<Result<PostmortemRow, Refused>> {
        let exists = "SELECT COUNT(*) FROM incidents WHERE id = $1";
        let upsert = "INSERT INTO postmortems (id, incident_id, summary, impact_start_at, impact_end_at, root_cause, actions, \
                      remediation_ids, timeline, created_by, created_at, updated_by, updated_at) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                      ON CONFLICT (incident_id) DO UPDATE SET summary = excluded.summary, \
                      impact_start_at = excluded.impact_start_at, impact_end_at = excluded.impact_end_at, \
                      root_cause = excluded.root_cause, actions = excluded.actions, \
                      remediation_ids = excluded.remediation_ids, timeline = excluded.timeline, \
                      updated_by = excluded.updated_by, updated_at = excluded.updated_at";
        let select = concat!(select_postmortems!(), " WHERE incident_id = $1");
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n: i64 = sqlx::query_scalar(exists).bind(&row.incident_id).fetch_one(&mut *tx).await?;
            if n == 0 {
                return Ok(Err(Refused::NoIncident));
            }
            sqlx::query(upsert)
                .bind(&row.id).bind(&row.incident_id).bind(&row.summary).bind(row.impact_start_at).bind(row.impact_end_at)
                .bind(&row.root_cause).bind(&row.actions).bind(&row.remediation_ids).bind(&row.timeline)
                .bind(&row.created_by).bind(row.created_at).bind(&row.updated_by).bind(row.updated_at)
                .execute(&mut *tx).await?;
            insert_incident_event!(tx, event);
            let stored: PostmortemRow = sqlx::query_as(select).bind(&row.incident_id).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(Ok(stored))
        })
    }

    pub async fn postmortem(&self, id: &str) -> sqlx::Result<Option<PostmortemRow>> {
        let sql = concat!(select_postmortems!(), " WHERE id = $1");
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
    }

    pub async fn postmortem_of(&self, incident_id: &str) -> sqlx::Result<Option<PostmortemRow>> {
        let sql = concat!(select_postmortems!(), " WHERE incident_id = $1");
        with_pool!(self, pool => sqlx::query_as(sql).bind(incident_id).fetch_optional(pool).await)
    }

    /// A page of postmortems, newest first; `before` is the (created_at, id) of the previous
    /// page's last row.
    pub async fn postmortems(
        &self,
        before: Option<(DateTime<Utc>, &str)>,
        limit: u32,
    ) -> sqlx::Result<Vec<PostmortemRow>> {
        let sql = concat!(
            select_postmortems!(),
            " WHERE ($1 IS NULL OR created_at < $1 OR (created_at = $1 AND id < $2)) \
             ORDER BY created_at DESC, id DESC LIMIT $3"
        );
        let (at, id) = before.map_or((None, None), |(at, id)| (Some(at), Some(id)));
        with_pool!(self, pool => sqlx::query_as(sql).bind(at).bind(id).bind(i64::from(limit)).fetch_all(pool).await)
    }
}
