//! Alerting: channels (their secrets sealed by the caller), rules, alerts with their lifecycle,
//! and the delivery log. Rows are plain data; JSON columns are Strings the domain parses.

use chrono::{DateTime, Utc};

use super::findings::FindingRow;
use super::{BeginWrite, Store, WriteError, unique_violation, with_pool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChannelRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub enabled: bool,
    /// JSON: the settings that are not secret.
    pub settings: String,
    /// The secrets' JSON, sealed and bound to the id.
    pub sealed_secrets: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleRow {
    pub id: String,
    pub name: String,
    /// JSON: the rule's source.
    pub source: String,
    /// JSON: an array of channel ids.
    pub channel_ids: String,
    pub repeat_seconds: i64,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AlertRow {
    pub id: String,
    pub fingerprint: String,
    pub rule_id: Option<String>,
    pub state: String,
    pub title: String,
    pub summary: String,
    pub severity: String,
    pub cluster: String,
    pub namespace: String,
    /// JSON: an object of labels.
    pub labels: String,
    /// JSON: an array of channel ids.
    pub channel_ids: String,
    pub started_at: DateTime<Utc>,
    pub notified_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: String,
    pub alert_id: String,
    pub channel_id: String,
    pub channel_name: String,
    pub channel_kind: String,
    pub state: String,
    pub delivered: bool,
    /// JSON: an array of attempts.
    pub attempts: String,
    pub sent_at: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub struct AlertFilter<'a> {
    pub state: Option<&'a str>,
    pub cluster: Option<&'a str>,
    pub rule: Option<&'a str>,
    pub limit: u32,
}

#[derive(Debug, Default)]
pub struct DeliveryFilter<'a> {
    pub alert: Option<&'a str>,
    pub channel: Option<&'a str>,
    pub limit: u32,
}

/// Why a channel, rule or alert write was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertingConflict {
    NameTaken,
    /// The channel is named by these rules.
    ChannelInUse(Vec<String>),
    /// The alert's state when the transition was asked.
    State(String),
    NotFound,
}

const SELECT_CHANNELS: &str =
    "SELECT id, name, kind, enabled, settings, sealed_secrets, created_at, updated_at FROM alert_channels";
const SELECT_RULES: &str =
    "SELECT id, name, source, channel_ids, repeat_seconds, enabled, created_at, updated_at FROM alert_rules";
const SELECT_ALERTS: &str = "SELECT id, fingerprint, rule_id, state, title, summary, severity, cluster, namespace, \
     labels, channel_ids, started_at, notified_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, note \
     FROM alerts";
const INSERT_ALERT: &str = "INSERT INTO alerts (id, fingerprint, rule_id, state, title, summary, severity, cluster, \
     namespace, labels, channel_ids, started_at, notified_at, acknowledged_at, acknowledged_by, resolved_at, \
     resolved_by, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";

macro_rules! bind_alert {
    ($q:expr, $a:expr) => {
        $q.bind(&$a.id)
            .bind(&$a.fingerprint)
            .bind(&$a.rule_id)
            .bind(&$a.state)
            .bind(&$a.title)
            .bind(&$a.summary)
            .bind(&$a.severity)
            .bind(&$a.cluster)
            .bind(&$a.namespace)
            .bind(&$a.labels)
            .bind(&$a.channel_ids)
            .bind($a.started_at)
            .bind($a.notified_at)
            .bind($a.acknowledged_at)
            .bind(&$a.acknowledged_by)
            .bind($a.resolved_at)
            .bind(&$a.resolved_by)
            .bind(&$a.note)
    };
}

impl Store {
    pub async fn alert_channels(&self) -> sqlx::Result<Vec<ChannelRow>> {
        let sql = format!("{SELECT_CHANNELS} ORDER BY name");
        with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await)
    }

    pub async fn alert_channel(&self, id: &str) -> sqlx::Result<Option<ChannelRow>> {
        let sql = format!("{SELECT_CHANNELS} WHERE id = $1");
        with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await)
    }

    pub async fn insert_alert_channel(&self, c: &ChannelRow) -> Result<(), WriteError<AlertingConflict>> {
        let sql = "INSERT INTO alert_channels (id, name, kind, enabled, settings, sealed_secrets, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        let done = with_pool!(self, pool => sqlx::query(sql)
            .bind(&c.id).bind(&c.name).bind(&c.kind).bind(c.enabled).bind(&c.settings).bind(&c.sealed_secrets)
            .bind(c.created_at).bind(c.updated_at)
            .execute(pool).await.map(|r| r.rows_affected()));
        match done {
            Err(e) if unique_violation(&e) => Err(WriteError::Rejected(AlertingConflict::NameTaken)),
            other => other.map(|_| ()).map_err(Into::into),
        }
    }

    /// Replaces a channel's name, settings, secrets and switch; its kind and creation stay.
    pub async fn update_alert_channel(&self, c: &ChannelRow) -> Result<(), WriteError<AlertingConflict>> {
        let sql = "UPDATE alert_channels SET name = $2, enabled = $3, settings = $4, sealed_secrets = $5, updated_at = $6 \
                   WHERE id = $1";
        let done = with_pool!(self, pool => sqlx::query(sql)
            .bind(&c.id).bind(&c.name).bind(c.enabled).bind(&c.settings).bind(&c.sealed_secrets).bind(c.updated_at)
            .execute(pool).await.map(|r| r.rows_affected()));
        match done {
            Err(e) if unique_violation(&e) => Err(WriteError::Rejected(AlertingConflict::NameTaken)),
            Ok(0) => Err(WriteError::Rejected(AlertingConflict::NotFound)),
            other => other.map(|_| ()).map_err(Into::into),
        }
    }

    /// Deletes a channel no rule names (checked in the same transaction).
    pub async fn delete_alert_channel(&self, id: &str) -> Result<(), WriteError<AlertingConflict>> {
        // Channel ids are UUIDs: the quoted id inside a rule's JSON array is the id itself.
        let users = "SELECT name FROM alert_rules WHERE channel_ids LIKE $1 ORDER BY name";
        let delete = "DELETE FROM alert_channels WHERE id = $1";
        let pattern = format!("%\"{id}\"%");
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let rules: Vec<String> = sqlx::query_scalar(users).bind(&pattern).fetch_all(&mut *tx).await?;
            if !rules.is_empty() {
                return Err(WriteError::Rejected(AlertingConflict::ChannelInUse(rules)));
            }
            let gone = sqlx::query(delete).bind(id).execute(&mut *tx).await?.rows_affected();
            if gone == 0 {
                return Err(WriteError::Rejected(AlertingConflict::NotFound));
            }
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn alert_rules(&self) -> sqlx::Result<Vec<RuleRow>> {
        let sql = format!("{SELECT_RULES} ORDER BY name");
        with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await)
    }

    pub async fn alert_rule(&self, id: &str) -> sqlx::Result<Option<RuleRow>> {
        let sql = format!("{SELECT_RULES} WHERE id = $1");
        with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await)
    }

    pub async fn insert_alert_rule(&self, r: &RuleRow) -> Result<(), WriteError<AlertingConflict>> {
        let sql = "INSERT INTO alert_rules (id, name, source, channel_ids, repeat_seconds, enabled, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        let done = with_pool!(self, pool => sqlx::query(sql)
            .bind(&r.id).bind(&r.name).bind(&r.source).bind(&r.channel_ids).bind(r.repeat_seconds).bind(r.enabled)
            .bind(r.created_at).bind(r.updated_at)
            .execute(pool).await.map(|r| r.rows_affected()));
        match done {
            Err(e) if unique_violation(&e) => Err(WriteError::Rejected(AlertingConflict::NameTaken)),
            other => other.map(|_| ()).map_err(Into::into),
        }
    }

    pub async fn update_alert_rule(&self, r: &RuleRow) -> Result<(), WriteError<AlertingConflict>> {
        let sql = "UPDATE alert_rules SET name = $2, source = $3, channel_ids = $4, repeat_seconds = $5, enabled = $6, \
                   updated_at = $7 WHERE id = $1";
        let done = with_pool!(self, pool => sqlx::query(sql)
            .bind(&r.id).bind(&r.name).bind(&r.source).bind(&r.channel_ids).bind(r.repeat_seconds).bind(r.enabled)
            .bind(r.updated_at)
            .execute(pool).await.map(|r| r.rows_affected()));
        match done {
            Err(e) if unique_violation(&e) => Err(WriteError::Rejected(AlertingConflict::NameTaken)),
            Ok(0) => Err(WriteError::Rejected(AlertingConflict::NotFound)),
            other => other.map(|_| ()).map_err(Into::into),
        }
    }

    /// Deletes a rule; its open alerts resolve at the next evaluation.
    pub async fn delete_alert_rule(&self, id: &str) -> sqlx::Result<bool> {
        let sql = "DELETE FROM alert_rules WHERE id = $1";
        with_pool!(self, pool => sqlx::query(sql).bind(id).execute(pool).await.map(|r| r.rows_affected() > 0))
    }

    /// Every open finding, of every cluster.
    pub async fn open_findings_everywhere(&self) -> sqlx::Result<Vec<FindingRow>> {
        let sql = "SELECT id, cluster, namespace, kind, name, class, severity, body, first_seen_at, last_seen_at, \
                   resolved_at FROM findings WHERE resolved_at IS NULL ORDER BY cluster, namespace, kind, name, id";
        with_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await)
    }

    /// The alerts raised by rules that are not resolved.
    pub async fn open_rule_alerts(&self) -> sqlx::Result<Vec<AlertRow>> {
        let sql = format!("{SELECT_ALERTS} WHERE state <> 'resolved' AND rule_id IS NOT NULL ORDER BY started_at, id");
        with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await)
    }

    pub async fn alert(&self, id: &str) -> sqlx::Result<Option<AlertRow>> {
        let sql = format!("{SELECT_ALERTS} WHERE id = $1");
        with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await)
    }

    /// Alerts newest first.
    pub async fn alerts(&self, f: &AlertFilter<'_>) -> sqlx::Result<Vec<AlertRow>> {
        let sql = format!(
            "{SELECT_ALERTS} WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR cluster = $2) \
             AND ($3 IS NULL OR rule_id = $3) ORDER BY started_at DESC, id DESC LIMIT $4"
        );
        with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(f.state).bind(f.cluster).bind(f.rule).bind(i64::from(f.limit))
            .fetch_all(pool).await)
    }

    /// One evaluation's changes in one transaction: new alerts (an open one with the same
    /// fingerprint, raised meanwhile, wins: the new one is skipped) and resolutions of alerts
    /// still open. Answers the alerts inserted and those resolved, as written.
    pub async fn write_alert_changes(
        &self,
        opened: &[AlertRow],
        resolved: &[String],
        at: DateTime<Utc>,
    ) -> sqlx::Result<(Vec<AlertRow>, Vec<AlertRow>)> {
        let exists = "SELECT COUNT(*) FROM alerts WHERE fingerprint = $1 AND state <> 'resolved'";
        let resolve = "UPDATE alerts SET state = 'resolved', resolved_at = $2 WHERE id = $1 AND state <> 'resolved'";
        let read = format!("{SELECT_ALERTS} WHERE id = $1");
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut inserted = Vec::new();
            for a in opened {
                let open: i64 = sqlx::query_scalar(exists).bind(&a.fingerprint).fetch_one(&mut *tx).await?;
                if open > 0 {
                    continue;
                }
                bind_alert!(sqlx::query(INSERT_ALERT), a).execute(&mut *tx).await?;
                inserted.push(a.clone());
            }
            let mut closed = Vec::new();
            for id in resolved {
                if sqlx::query(resolve).bind(id).bind(at).execute(&mut *tx).await?.rows_affected() > 0 {
                    let row: AlertRow = sqlx::query_as(sqlx::AssertSqlSafe(read.clone())).bind(id).fetch_one(&mut *tx).await?;
                    closed.push(row);
                }
            }
            tx.commit().await?;
            Ok((inserted, closed))
        })
    }

    pub async fn insert_alert(&self, a: &AlertRow) -> sqlx::Result<()> {
        with_pool!(self, pool => bind_alert!(sqlx::query(INSERT_ALERT), a).execute(pool).await.map(|_| ()))
    }

    /// Moves an alert from one of `from` to `to` (acknowledged or resolved), recording who, when
    /// and the note; refuses any other state. Answers the alert as written.
    pub async fn transition_alert(
        &self,
        id: &str,
        from: &[&str],
        to: &str,
        by: &str,
        at: DateTime<Utc>,
        note: Option<&str>,
    ) -> Result<AlertRow, WriteError<AlertingConflict>> {
        let read = format!("{SELECT_ALERTS} WHERE id = $1");
        let update = match to {
            "acknowledged" => {
                "UPDATE alerts SET state = $2, acknowledged_at = $3, acknowledged_by = $4, note = COALESCE($5, note) \
                 WHERE id = $1"
            }
            _ => {
                "UPDATE alerts SET state = $2, resolved_at = $3, resolved_by = $4, note = COALESCE($5, note) WHERE id = $1"
            }
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let Some(row) = sqlx::query_as::<_, AlertRow>(sqlx::AssertSqlSafe(read.clone())).bind(id).fetch_optional(&mut *tx).await? else {
                return Err(WriteError::Rejected(AlertingConflict::NotFound));
            };
            if !from.contains(&row.state.as_str()) {
                return Err(WriteError::Rejected(AlertingConflict::State(row.state)));
            }
            sqlx::query(update).bind(id).bind(to).bind(at).bind(by).bind(note).execute(&mut *tx).await?;
            let row: AlertRow = sqlx::query_as(sqlx::AssertSqlSafe(read)).bind(id).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    /// Records that an alert's firing state was sent at `at` (the repeat interval counts from it).
    pub async fn alert_notified(&self, id: &str, at: DateTime<Utc>) -> sqlx::Result<()> {
        let sql = "UPDATE alerts SET notified_at = $2 WHERE id = $1";
        with_pool!(self, pool => sqlx::query(sql).bind(id).bind(at).execute(pool).await.map(|_| ()))
    }

    pub async fn insert_alert_delivery(&self, d: &DeliveryRow) -> sqlx::Result<()> {
        let sql = "INSERT INTO alert_deliveries (id, alert_id, channel_id, channel_name, channel_kind, state, delivered, \
                   attempts, sent_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        with_pool!(self, pool => sqlx::query(sql)
            .bind(&d.id).bind(&d.alert_id).bind(&d.channel_id).bind(&d.channel_name).bind(&d.channel_kind)
            .bind(&d.state).bind(d.delivered).bind(&d.attempts).bind(d.sent_at)
            .execute(pool).await.map(|_| ()))
    }

    /// Deliveries newest first, each with its alert's place (cluster, namespace) for visibility.
    pub async fn alert_deliveries(&self, f: &DeliveryFilter<'_>) -> sqlx::Result<Vec<(DeliveryRow, String, String)>> {
        #[derive(sqlx::FromRow)]
        struct Joined {
            #[sqlx(flatten)]
            delivery: DeliveryRow,
            cluster: String,
            namespace: String,
        }
        let sql = "SELECT d.id, d.alert_id, d.channel_id, d.channel_name, d.channel_kind, d.state, d.delivered, \
                   d.attempts, d.sent_at, a.cluster, a.namespace FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id \
                   WHERE ($1 IS NULL OR d.alert_id = $1) AND ($2 IS NULL OR d.channel_id = $2) \
                   ORDER BY d.sent_at DESC, d.id DESC LIMIT $3";
        let rows: Vec<Joined> = with_pool!(self, pool => sqlx::query_as(sql)
            .bind(f.alert).bind(f.channel).bind(i64::from(f.limit))
            .fetch_all(pool).await)?;
        Ok(rows.into_iter().map(|j| (j.delivery, j.cluster, j.namespace)).collect())
    }
}
