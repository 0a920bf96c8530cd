//! Diagnostics findings: what the analyzers see wrong now (open) and what they saw (resolved).

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

use super::{BeginWrite, Store, with_pool};

/// A finding the analyzers see now.
#[derive(Debug)]
pub struct FindingWrite<'a> {
    pub id: &'a str,
    pub cluster: &'a str,
    /// Empty for cluster-scoped objects.
    pub namespace: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub class: &'a str,
    pub severity: &'a str,
    /// The finding as the API serves it, without the times.
    pub body: &'a Value,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FindingRow {
    pub id: String,
    pub cluster: String,
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub class: String,
    pub severity: String,
    pub body: Json<Value>,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// Which findings a list wants; `None` matches everything.
#[derive(Debug, Default)]
pub struct FindingFilter<'a> {
    pub cluster: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub name: Option<&'a str>,
    pub severity: Option<&'a str>,
    pub class: Option<&'a str>,
    /// `Some(false)`: open only; `Some(true)`: resolved only.
    pub resolved: Option<bool>,
    /// The sort key (cluster, namespace, kind, name, id) of the last row of the previous page.
    pub after: Option<[&'a str; 5]>,
    pub limit: u32,
}

/// `SELECT … FROM findings`, for `concat!` with a condition.
macro_rules! select_findings {
    () => {
        "SELECT id, cluster, namespace, kind, name, class, severity, body, first_seen_at, last_seen_at, resolved_at \
         FROM findings"
    };
}

impl Store {
    /// Records what the analyzers see at `at`, in one transaction: `open` findings are inserted,
    /// or updated (a resolved one reopens with `at` as its first sighting); `resolved` ones that
    /// are still open are closed.
    pub async fn write_findings(
        &self,
        open: &[FindingWrite<'_>],
        resolved: &[&str],
        at: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        let upsert = "INSERT INTO findings (id, cluster, namespace, kind, name, class, severity, body, \
                      first_seen_at, last_seen_at, resolved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, NULL) \
                      ON CONFLICT (id) DO UPDATE SET severity = excluded.severity, body = excluded.body, \
                      last_seen_at = excluded.last_seen_at, \
                      first_seen_at = CASE WHEN findings.resolved_at IS NULL THEN findings.first_seen_at \
                                      ELSE excluded.first_seen_at END, \
                      resolved_at = NULL";
        let resolve = "UPDATE findings SET resolved_at = $1, last_seen_at = $1 WHERE id = $2 AND resolved_at IS NULL";
        with_pool!(self, pool => {
            // The assistant's search mirror is written by triggers on findings, whose statements
            // read the SQLite full-text index before they write: the write lock is taken first.
            let mut tx = pool.begin_write().await?;
            for f in open {
                sqlx::query(upsert)
                    .bind(f.id).bind(f.cluster).bind(f.namespace).bind(f.kind).bind(f.name)
                    .bind(f.class).bind(f.severity).bind(Json(f.body)).bind(at)
                    .execute(&mut *tx).await?;
            }
            for id in resolved {
                sqlx::query(resolve).bind(at).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await
        })
    }

    /// Marks every open finding of `cluster` as still seen at `at`.
    pub async fn touch_findings(&self, cluster: &str, at: DateTime<Utc>) -> sqlx::Result<()> {
        let sql = "UPDATE findings SET last_seen_at = $1 WHERE cluster = $2 AND resolved_at IS NULL";
        with_pool!(self, pool => sqlx::query(sql).bind(at).bind(cluster).execute(pool).await.map(|_| ()))
    }

    /// Resolves every open finding of a cluster that is no longer analyzed (deleted, or no
    /// longer reachable with the connection the findings were made through).
    pub async fn resolve_findings_of(&self, cluster: &str, at: DateTime<Utc>) -> sqlx::Result<u64> {
        let sql = "UPDATE findings SET resolved_at = $1, last_seen_at = $1 WHERE cluster = $2 AND resolved_at IS NULL";
        with_pool!(self, pool => sqlx::query(sql).bind(at).bind(cluster).execute(pool).await.map(|r| r.rows_affected()))
    }

    /// The clusters that have open findings.
    pub async fn clusters_with_open_findings(&self) -> sqlx::Result<Vec<String>> {
        let sql = "SELECT DISTINCT cluster FROM findings WHERE resolved_at IS NULL";
        with_pool!(self, pool => sqlx::query_scalar(sql).fetch_all(pool).await)
    }

    /// The open findings of a cluster.
    pub async fn open_findings(&self, cluster: &str) -> sqlx::Result<Vec<FindingRow>> {
        let sql = concat!(select_findings!(), " WHERE cluster = $1 AND resolved_at IS NULL");
        with_pool!(self, pool => sqlx::query_as(sql).bind(cluster).fetch_all(pool).await)
    }

    pub async fn finding(&self, id: &str) -> sqlx::Result<Option<FindingRow>> {
        let sql = concat!(select_findings!(), " WHERE id = $1");
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
    }

    /// A page of findings in (cluster, namespace, kind, name, id) order.
    pub async fn findings(&self, f: &FindingFilter<'_>) -> sqlx::Result<Vec<FindingRow>> {
        let sql = concat!(
            select_findings!(),
            " WHERE ($1 IS NULL OR cluster = $1) AND ($2 IS NULL OR namespace = $2) AND ($3 IS NULL OR kind = $3) \
             AND ($4 IS NULL OR name = $4) AND ($5 IS NULL OR severity = $5) AND ($6 IS NULL OR class = $6) \
             AND ($7 IS NULL OR (resolved_at IS NOT NULL) = $7) \
             AND ($8 IS NULL OR (cluster, namespace, kind, name, id) > ($8, $9, $10, $11, $12)) \
             ORDER BY cluster, namespace, kind, name, id LIMIT $13"
        );
        let after = f.after.map(|a| a.map(str::to_string));
        let part = |i: usize| after.as_ref().map(|a| a[i].clone());
        with_pool!(self, pool => sqlx::query_as(sql)
            .bind(f.cluster).bind(f.namespace).bind(f.kind).bind(f.name).bind(f.severity).bind(f.class)
            .bind(f.resolved)
            .bind(part(0)).bind(part(1)).bind(part(2)).bind(part(3)).bind(part(4))
            .bind(i64::from(f.limit))
            .fetch_all(pool).await)
    }

    /// Deletes findings resolved before `before`; answers how many.
    pub async fn prune_findings(&self, before: DateTime<Utc>) -> sqlx::Result<u64> {
        let sql = "DELETE FROM findings WHERE resolved_at IS NOT NULL AND resolved_at < $1";
        with_pool!(self, pool => sqlx::query(sql).bind(before).execute(pool).await.map(|r| r.rows_affected()))
    }
}
