//! Remediations: changes proposed from findings, their decision (the two-person rule is the
//! domain's), and how their execution went. A remediation moves proposed → approved | rejected,
//! and approved → executed | failed; each step is one conditional update, so two people deciding
//! or executing at once cannot both win.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

use super::incidents::{IncidentEventRow, insert_incident_event};
use super::memory::{FixRow, insert_fix};
use super::{BeginWrite, Store, with_pool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RemediationRow {
    pub id: String,
    pub incident_id: Option<String>,
    /// None for a proposal made for a workload.
    pub finding_id: Option<String>,
    pub finding_class: Option<String>,
    pub kind: String,
    pub cluster: String,
    pub target_group: String,
    pub target_version: String,
    pub target_resource: String,
    pub target_kind: String,
    /// Empty for cluster-scoped objects.
    pub target_namespace: String,
    pub target_name: String,
    pub params: Json<Value>,
    pub patch: Option<Json<Value>>,
    pub before_yaml: String,
    pub after_yaml: String,
    pub diff: String,
    pub resource_version: String,
    pub risk: Option<Json<Value>>,
    pub state: String,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub executed_by: Option<String>,
    pub executed_at: Option<DateTime<Utc>>,
    pub result: Option<Json<Value>>,
    pub error: Option<String>,
}

/// Which remediations a list wants, newest first; `None` matches everything.
#[derive(Debug, Default)]
pub struct RemediationFilter<'a> {
    pub state: Option<&'a str>,
    pub incident_id: Option<&'a str>,
    pub cluster: Option<&'a str>,
    /// (proposed_at, id) of the last row of the previous page.
    pub before: Option<(DateTime<Utc>, &'a str)>,
    pub limit: u32,
}

/// How an execution ended.
#[derive(Debug)]
pub struct Execution<'a> {
    pub success: bool,
    pub result: Option<&'a Value>,
    pub error: Option<&'a str>,
    /// The fix recorded in memory with the outcome (none when the change never ran).
    pub fix: Option<&'a FixRow>,
}

macro_rules! select_remediations {
    () => {
        "SELECT id, incident_id, finding_id, finding_class, kind, cluster, target_group, target_version, target_resource, \
         target_kind, target_namespace, target_name, params, patch, before_yaml, after_yaml, diff, resource_version, \
         risk, state, proposed_by, proposed_at, decided_by, decided_at, decision_note, executed_by, executed_at, \
         result, error FROM remediations"
    };
}

impl Store {
    /// Inserts proposals and the events they add to their incident's timeline, all or none.
    pub async fn insert_remediations(&self, rows: &[RemediationRow], events: &[IncidentEventRow]) -> sqlx::Result<()> {
        let sql = "INSERT INTO remediations (id, incident_id, finding_id, finding_class, kind, cluster, target_group, target_version, \
                   target_resource, target_kind, target_namespace, target_name, params, patch, before_yaml, after_yaml, \
                   diff, resource_version, risk, state, proposed_by, proposed_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)";
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for r in rows {
                sqlx::query(sql)
                    .bind(&r.id).bind(&r.incident_id).bind(&r.finding_id).bind(&r.finding_class).bind(&r.kind).bind(&r.cluster)
                    .bind(&r.target_group).bind(&r.target_version).bind(&r.target_resource).bind(&r.target_kind)
                    .bind(&r.target_namespace).bind(&r.target_name).bind(&r.params).bind(&r.patch)
                    .bind(&r.before_yaml).bind(&r.after_yaml).bind(&r.diff).bind(&r.resource_version)
                    .bind(&r.risk).bind(&r.state).bind(&r.proposed_by).bind(r.proposed_at)
                    .execute(&mut *tx).await?;
            }
            for e in events {
                insert_incident_event!(tx, e);
            }
            tx.commit().await
        })
    }

    pub async fn remediation(&self, id: &str) -> sqlx::Result<Option<RemediationRow>> {
        let sql = concat!(select_remediations!(), " WHERE id = $1");
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
    }

    /// Remediations, newest first.
    pub async fn remediations(&self, f: &RemediationFilter<'_>) -> sqlx::Result<Vec<RemediationRow>> {
        let sql = concat!(
            select_remediations!(),
            " WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR incident_id = $2) AND ($3 IS NULL OR cluster = $3) \
             AND ($4 IS NULL OR proposed_at < $4 OR (proposed_at = $4 AND id < $5)) \
             ORDER BY proposed_at DESC, id DESC LIMIT $6"
        );
        let (at, id) = f.before.unzip();
        with_pool!(self, pool => sqlx::query_as(sql)
            .bind(f.state).bind(f.incident_id).bind(f.cluster).bind(at).bind(id).bind(i64::from(f.limit))
            .fetch_all(pool).await)
    }

    /// Approves or rejects a proposed remediation, with the event it adds to its incident's
    /// timeline; `None` when it is not (or no longer) proposed.
    pub async fn decide_remediation(
        &self,
        id: &str,
        state: &str,
        by: &str,
        at: DateTime<Utc>,
        note: Option<&str>,
        event: Option<&IncidentEventRow>,
    ) -> sqlx::Result<Option<RemediationRow>> {
        let update = "UPDATE remediations SET state = $1, decided_by = $2, decided_at = $3, decision_note = $4 \
                      WHERE id = $5 AND state = 'proposed'";
        let select = concat!(select_remediations!(), " WHERE id = $1");
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(update).bind(state).bind(by).bind(at).bind(note).bind(id)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Ok(None);
            }
            if let Some(e) = event {
                insert_incident_event!(tx, e);
            }
            let row = sqlx::query_as(select).bind(id).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(Some(row))
        })
    }

    /// Claims an approved remediation for execution by `by`: `false` when it is not approved or
    /// someone claimed it at or after `abandoned_before` (an execution in progress keeps
    /// `approved` with its executor; an older claim was abandoned).
    pub async fn claim_remediation(
        &self,
        id: &str,
        by: &str,
        at: DateTime<Utc>,
        abandoned_before: DateTime<Utc>,
    ) -> sqlx::Result<bool> {
        let sql = "UPDATE remediations SET executed_by = $1, executed_at = $2 \
                   WHERE id = $3 AND state = 'approved' AND (executed_at IS NULL OR executed_at < $4)";
        with_pool!(self, pool => sqlx::query(sql).bind(by).bind(at).bind(id).bind(abandoned_before).execute(pool).await
            .map(|r| r.rows_affected() == 1))
    }

    /// The result so far of a claimed execution that is still running (a drain's progress).
    pub async fn record_remediation_progress(&self, id: &str, result: &Value) -> sqlx::Result<()> {
        let sql =
            "UPDATE remediations SET result = $1 WHERE id = $2 AND state = 'approved' AND executed_by IS NOT NULL";
        with_pool!(self, pool => sqlx::query(sql).bind(Json(result)).bind(id).execute(pool).await.map(|_| ()))
    }

    /// Records how a claimed execution ended, its fix in memory and the event it adds to its
    /// incident's timeline, in one transaction.
    pub async fn finish_remediation(
        &self,
        id: &str,
        e: &Execution<'_>,
        event: Option<&IncidentEventRow>,
    ) -> sqlx::Result<Option<RemediationRow>> {
        let update = "UPDATE remediations SET state = $1, result = $2, error = $3 \
                      WHERE id = $4 AND state = 'approved' AND executed_by IS NOT NULL";
        let select = concat!(select_remediations!(), " WHERE id = $1");
        let state = if e.success { "executed" } else { "failed" };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(update).bind(state).bind(e.result.map(Json)).bind(e.error).bind(id)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Ok(None);
            }
            if let Some(fix) = e.fix {
                insert_fix!(fix, &mut *tx)?;
            }
            if let Some(event) = event {
                insert_incident_event!(tx, event);
            }
            let row = sqlx::query_as(select).bind(id).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(Some(row))
        })
    }
}
