//! Usage: the metering's hourly sums and each cluster's last pass (billing/meter.rs), and usage
//! from outside (POST /api/usage/ingest).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, Row};

use super::{BeginWrite, Store, values_tuples, with_pool};

/// One namespace of one pass: its figures (millicores, bytes) and who held it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeteredNamespace {
    pub namespace: String,
    pub tenant_id: Option<String>,
    pub project_id: Option<String>,
    pub cpu_request: i64,
    pub cpu_usage: i64,
    pub cpu_cost: i64,
    pub memory_request: i64,
    pub memory_usage: i64,
    pub memory_cost: i64,
}

/// A cluster's figures of one pass (millicores, bytes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Capacity {
    pub cpu_allocatable: i64,
    pub memory_allocatable: i64,
    pub cpu_idle: i64,
    pub memory_idle: i64,
}

/// One pass over a cluster, standing for `seconds` of the hour `hour`.
#[derive(Debug)]
pub struct MeteringWrite<'a> {
    pub cluster: &'a str,
    pub at: DateTime<Utc>,
    pub hour: DateTime<Utc>,
    pub seconds: i64,
    pub namespaces: &'a [MeteredNamespace],
    pub capacity: Capacity,
}

/// How usage is summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Tenant,
    Project,
    Namespace,
    Hour,
}

impl Grouping {
    fn columns(self) -> &'static [&'static str] {
        match self {
            Grouping::Tenant => &["tenant_id"],
            Grouping::Project => &["tenant_id", "project_id"],
            Grouping::Namespace => &["tenant_id", "project_id", "cluster", "namespace"],
            Grouping::Hour => &["hour"],
        }
    }
}

/// Which usage is summed: `[from, to)`, and within a tenant or project when set.
#[derive(Debug, Clone)]
pub struct UsageFilter {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub tenant_id: Option<String>,
    pub project_id: Option<String>,
}

/// The group a sum belongs to: the grouping's fields, the others none.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct GroupKey {
    pub tenant_id: Option<String>,
    pub project_id: Option<String>,
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    pub hour: Option<DateTime<Utc>>,
}

/// Metered sums of a group: millicore-seconds and byte-seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeteredSum {
    pub key: GroupKey,
    pub cpu_request: i64,
    pub cpu_usage: i64,
    pub cpu_cost: i64,
    pub memory_request: i64,
    pub memory_usage: i64,
    pub memory_cost: i64,
}

/// Ingested sums of a group, per resource and unit, in millionths of the unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestedSum {
    pub key: GroupKey,
    pub resource: String,
    pub unit: String,
    pub quantity: i64,
}

/// A cluster's idle capacity over a span: millicore-seconds and byte-seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleSum {
    pub cluster: String,
    pub cpu_allocatable: i64,
    pub memory_allocatable: i64,
    pub cpu_idle: i64,
    pub memory_idle: i64,
}

/// A namespace as its cluster's last pass measured it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRow {
    pub cluster: String,
    pub measured_at: DateTime<Utc>,
    pub usage: MeteredNamespace,
}

/// One ingested record; `project_id` is empty for a tenant's own usage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestedRow {
    pub hour: DateTime<Utc>,
    pub tenant_id: String,
    pub project_id: String,
    pub source: String,
    pub resource: String,
    pub unit: String,
    pub quantity: i64,
}

const USAGE_COLUMNS: [&str; 12] = [
    "hour",
    "cluster",
    "namespace",
    "tenant_id",
    "project_id",
    "seconds",
    "cpu_request",
    "cpu_usage",
    "cpu_cost",
    "memory_request",
    "memory_usage",
    "memory_cost",
];

const SNAPSHOT_COLUMNS: [&str; 9] = [
    "cluster",
    "namespace",
    "tenant_id",
    "project_id",
    "cpu_request",
    "cpu_usage",
    "memory_request",
    "memory_usage",
    "measured_at",
];

/// Rows per INSERT: SQLite takes at most 32766 parameters.
const PARAMETERS: usize = 30_000;

/// The `WHERE` of a filter, its parameters numbered from `$1`: from, to, tenant, project.
const FILTER: &str = "hour >= $1 AND hour < $2 AND ($3 IS NULL OR tenant_id = $3) AND ($4 IS NULL OR project_id = $4)";

/// The key columns a grouping selects (those it does not group by as NULL), then its `GROUP BY`.
fn key_columns(grouping: Grouping) -> (String, String) {
    let grouped = grouping.columns();
    let mut select: Vec<String> = ["tenant_id", "project_id", "cluster", "namespace"]
        .iter()
        .map(|c| match grouped.contains(c) {
            true => c.to_string(),
            false => "CAST(NULL AS TEXT)".to_string(),
        })
        .collect();
    if grouping == Grouping::Hour {
        select.push("hour".into());
    }
    (select.join(", "), grouped.join(", "))
}

/// Reads the key columns of [`key_columns`] from a row.
macro_rules! group_key {
    ($row:expr, $grouping:expr) => {
        GroupKey {
            tenant_id: $row.try_get(0)?,
            project_id: $row.try_get(1)?,
            cluster: $row.try_get(2)?,
            namespace: $row.try_get(3)?,
            hour: match $grouping {
                Grouping::Hour => Some($row.try_get(4)?),
                _ => None,
            },
        }
    };
}

/// `SUM(column)` as a BIGINT on both backends (Postgres sums BIGINTs as NUMERIC).
fn sum(column: &str) -> String {
    format!("CAST(SUM({column}) AS BIGINT)")
}

/// Where a grouping's sums start among a row's columns.
fn first_sum(grouping: Grouping) -> usize {
    if grouping == Grouping::Hour { 5 } else { 4 }
}

impl Store {
    /// Adds one pass to its hour and makes it the cluster's snapshot, in one transaction.
    pub async fn write_metering(&self, w: &MeteringWrite<'_>) -> sqlx::Result<()> {
        let sums = USAGE_COLUMNS[5..]
            .iter()
            .map(|c| format!("{c} = metered_usage.{c} + excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let upsert = |rows: usize| {
            format!(
                "INSERT INTO metered_usage ({}) VALUES {} ON CONFLICT (hour, cluster, namespace) DO UPDATE SET \
                 tenant_id = excluded.tenant_id, project_id = excluded.project_id, {sums}",
                USAGE_COLUMNS.join(", "),
                values_tuples(&self.db, rows, USAGE_COLUMNS.len())
            )
        };
        let snapshot = |rows: usize| {
            format!(
                "INSERT INTO usage_snapshot ({}) VALUES {}",
                SNAPSHOT_COLUMNS.join(", "),
                values_tuples(&self.db, rows, SNAPSHOT_COLUMNS.len())
            )
        };
        let capacity = "INSERT INTO metered_capacity (hour, cluster, seconds, cpu_allocatable, memory_allocatable, cpu_idle, memory_idle) \
                        VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hour, cluster) DO UPDATE SET \
                        seconds = metered_capacity.seconds + excluded.seconds, \
                        cpu_allocatable = metered_capacity.cpu_allocatable + excluded.cpu_allocatable, \
                        memory_allocatable = metered_capacity.memory_allocatable + excluded.memory_allocatable, \
                        cpu_idle = metered_capacity.cpu_idle + excluded.cpu_idle, \
                        memory_idle = metered_capacity.memory_idle + excluded.memory_idle";
        let capacity_now = "INSERT INTO capacity_snapshot (cluster, cpu_allocatable, memory_allocatable, cpu_idle, memory_idle, measured_at) \
                            VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (cluster) DO UPDATE SET \
                            cpu_allocatable = excluded.cpu_allocatable, memory_allocatable = excluded.memory_allocatable, \
                            cpu_idle = excluded.cpu_idle, memory_idle = excluded.memory_idle, measured_at = excluded.measured_at";
        let (s, c) = (w.seconds, w.capacity);
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for chunk in w.namespaces.chunks(PARAMETERS / USAGE_COLUMNS.len()) {
                let mut q = sqlx::query(AssertSqlSafe(upsert(chunk.len())));
                for n in chunk {
                    q = q.bind(w.hour).bind(w.cluster).bind(&n.namespace).bind(&n.tenant_id).bind(&n.project_id).bind(s)
                        .bind(n.cpu_request * s).bind(n.cpu_usage * s).bind(n.cpu_cost * s)
                        .bind(n.memory_request * s).bind(n.memory_usage * s).bind(n.memory_cost * s);
                }
                q.execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM usage_snapshot WHERE cluster = $1").bind(w.cluster).execute(&mut *tx).await?;
            for chunk in w.namespaces.chunks(PARAMETERS / SNAPSHOT_COLUMNS.len()) {
                let mut q = sqlx::query(AssertSqlSafe(snapshot(chunk.len())));
                for n in chunk {
                    q = q.bind(w.cluster).bind(&n.namespace).bind(&n.tenant_id).bind(&n.project_id)
                        .bind(n.cpu_request).bind(n.cpu_usage).bind(n.memory_request).bind(n.memory_usage).bind(w.at);
                }
                q.execute(&mut *tx).await?;
            }
            sqlx::query(capacity).bind(w.hour).bind(w.cluster).bind(s)
                .bind(c.cpu_allocatable * s).bind(c.memory_allocatable * s).bind(c.cpu_idle * s).bind(c.memory_idle * s)
                .execute(&mut *tx).await?;
            sqlx::query(capacity_now).bind(w.cluster).bind(c.cpu_allocatable).bind(c.memory_allocatable)
                .bind(c.cpu_idle).bind(c.memory_idle).bind(w.at)
                .execute(&mut *tx).await?;
            tx.commit().await
        })
    }

    /// The metered sums of `filter`'s usage by `grouping`, in the grouping's order.
    pub async fn metered_sums(&self, filter: &UsageFilter, grouping: Grouping) -> sqlx::Result<Vec<MeteredSum>> {
        let (keys, group) = key_columns(grouping);
        let sums = USAGE_COLUMNS[6..].iter().map(|c| sum(c)).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT {keys}, {sums} FROM metered_usage WHERE {FILTER} GROUP BY {group} ORDER BY {group}");
        let at = first_sum(grouping);
        with_pool!(self, pool => {
            let rows = sqlx::query(AssertSqlSafe(sql)).bind(filter.from).bind(filter.to)
                .bind(&filter.tenant_id).bind(&filter.project_id).fetch_all(pool).await?;
            rows.iter().map(|r| {
                let sum = |i: usize| r.try_get::<Option<i64>, _>(at + i).map(Option::unwrap_or_default);
                Ok(MeteredSum {
                    key: group_key!(r, grouping),
                    cpu_request: sum(0)?,
                    cpu_usage: sum(1)?,
                    cpu_cost: sum(2)?,
                    memory_request: sum(3)?,
                    memory_usage: sum(4)?,
                    memory_cost: sum(5)?,
                })
            }).collect()
        })
    }

    /// The ingested sums of `filter`'s usage by `grouping`, resource and unit.
    pub async fn ingested_sums(&self, filter: &UsageFilter, grouping: Grouping) -> sqlx::Result<Vec<IngestedSum>> {
        // Ingested usage has no cluster or namespace: by namespace, it is summed by project.
        let grouping = match grouping {
            Grouping::Namespace => Grouping::Project,
            g => g,
        };
        let (keys, group) = key_columns(grouping);
        // A tenant's own usage is kept with an empty project: it is read as none.
        let keys = keys.replace("project_id", "NULLIF(project_id, '')");
        let sql = format!(
            "SELECT {keys}, resource, unit, {} FROM ingested_usage WHERE {FILTER} \
             GROUP BY {group}, resource, unit ORDER BY {group}, resource, unit",
            sum("quantity")
        );
        let at = first_sum(grouping);
        with_pool!(self, pool => {
            let rows = sqlx::query(AssertSqlSafe(sql)).bind(filter.from).bind(filter.to)
                .bind(&filter.tenant_id).bind(&filter.project_id).fetch_all(pool).await?;
            rows.iter().map(|r| Ok(IngestedSum {
                key: group_key!(r, grouping),
                resource: r.try_get(at)?,
                unit: r.try_get(at + 1)?,
                quantity: r.try_get::<Option<i64>, _>(at + 2)?.unwrap_or_default(),
            })).collect()
        })
    }

    /// Each cluster's capacity and idle sums over `[from, to)`, by cluster name.
    pub async fn idle_sums(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> sqlx::Result<Vec<IdleSum>> {
        let sums = ["cpu_allocatable", "memory_allocatable", "cpu_idle", "memory_idle"]
            .map(sum)
            .join(", ");
        let sql = format!(
            "SELECT cluster, {sums} FROM metered_capacity WHERE hour >= $1 AND hour < $2 GROUP BY cluster ORDER BY cluster"
        );
        with_pool!(self, pool => {
            let rows = sqlx::query(AssertSqlSafe(sql)).bind(from).bind(to).fetch_all(pool).await?;
            rows.iter().map(|r| {
                let sum = |i: usize| r.try_get::<Option<i64>, _>(i).map(Option::unwrap_or_default);
                Ok(IdleSum {
                    cluster: r.try_get(0)?,
                    cpu_allocatable: sum(1)?,
                    memory_allocatable: sum(2)?,
                    cpu_idle: sum(3)?,
                    memory_idle: sum(4)?,
                })
            }).collect()
        })
    }

    /// Every cluster's last pass, namespace by namespace, within a tenant or project when set.
    pub async fn usage_snapshot(
        &self,
        tenant_id: Option<&str>,
        project_id: Option<&str>,
    ) -> sqlx::Result<Vec<SnapshotRow>> {
        let sql = "SELECT cluster, namespace, tenant_id, project_id, cpu_request, cpu_usage, memory_request, memory_usage, measured_at \
                   FROM usage_snapshot WHERE ($1 IS NULL OR tenant_id = $1) AND ($2 IS NULL OR project_id = $2) \
                   ORDER BY cluster, namespace";
        with_pool!(self, pool => {
            let rows = sqlx::query(sql).bind(tenant_id).bind(project_id).fetch_all(pool).await?;
            rows.iter().map(|r| {
                let (cpu_request, cpu_usage): (i64, i64) = (r.try_get(4)?, r.try_get(5)?);
                let (memory_request, memory_usage): (i64, i64) = (r.try_get(6)?, r.try_get(7)?);
                Ok(SnapshotRow {
                    cluster: r.try_get(0)?,
                    measured_at: r.try_get(8)?,
                    usage: MeteredNamespace {
                        namespace: r.try_get(1)?,
                        tenant_id: r.try_get(2)?,
                        project_id: r.try_get(3)?,
                        cpu_request,
                        cpu_usage,
                        cpu_cost: cpu_request.max(cpu_usage),
                        memory_request,
                        memory_usage,
                        memory_cost: memory_request.max(memory_usage),
                    },
                })
            }).collect()
        })
    }

    /// Every cluster's capacity at its last pass, with when, by cluster name.
    pub async fn capacity_snapshot(&self) -> sqlx::Result<Vec<(String, Capacity, DateTime<Utc>)>> {
        let sql = "SELECT cluster, cpu_allocatable, memory_allocatable, cpu_idle, memory_idle, measured_at \
                   FROM capacity_snapshot ORDER BY cluster";
        with_pool!(self, pool => {
            let rows = sqlx::query(sql).fetch_all(pool).await?;
            rows.iter().map(|r| Ok((
                r.try_get(0)?,
                Capacity {
                    cpu_allocatable: r.try_get(1)?,
                    memory_allocatable: r.try_get(2)?,
                    cpu_idle: r.try_get(3)?,
                    memory_idle: r.try_get(4)?,
                },
                r.try_get(5)?,
            ))).collect()
        })
    }

    /// Stores ingested records in one transaction: each (hour, tenant, project, source) they name
    /// first loses what it held. Returns how many of those held something.
    pub async fn ingest_usage(&self, rows: &[IngestedRow], by: &str, at: DateTime<Utc>) -> sqlx::Result<usize> {
        let keys: BTreeSet<(DateTime<Utc>, &str, &str, &str)> = rows
            .iter()
            .map(|r| (r.hour, r.tenant_id.as_str(), r.project_id.as_str(), r.source.as_str()))
            .collect();
        let delete =
            "DELETE FROM ingested_usage WHERE hour = $1 AND tenant_id = $2 AND project_id = $3 AND source = $4";
        let insert = "INSERT INTO ingested_usage (hour, tenant_id, project_id, source, resource, unit, quantity, received_at, received_by) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut replaced = 0;
            for (hour, tenant, project, source) in &keys {
                let deleted = sqlx::query(delete).bind(hour).bind(tenant).bind(project).bind(source)
                    .execute(&mut *tx).await?.rows_affected();
                replaced += usize::from(deleted > 0);
            }
            for r in rows {
                sqlx::query(insert).bind(r.hour).bind(&r.tenant_id).bind(&r.project_id).bind(&r.source)
                    .bind(&r.resource).bind(&r.unit).bind(r.quantity).bind(at).bind(by)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(replaced)
        })
    }
}
