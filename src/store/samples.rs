//! Samples (workload readiness, container, node and volume usage) and node history. The sample tables
//! share one shape — key columns, `resolution`, `at`, `samples` and value columns that fold by
//! sum or by max — so one writer, one downsampler and one reader serve them all, driven by a
//! `SampleTable`. Their SQL is built from the tables' constant names and numbered parameters,
//! never from input, hence `AssertSqlSafe`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::{AssertSqlSafe, Row};

use super::workload_signals::{WorkloadName, WorkloadSpecRow};
use super::{BeginWrite, Db, Store, values_tuples, with_pool};

/// How a value column folds when raw samples become a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    Sum,
    Max,
}

#[derive(Debug)]
pub struct SampleTable {
    pub name: &'static str,
    pub keys: &'static [&'static str],
    pub values: &'static [(&'static str, Fold)],
}

pub const WORKLOAD_SAMPLES: SampleTable = SampleTable {
    name: "workload_samples",
    keys: &["cluster", "namespace", "kind", "name"],
    values: &[("desired", Fold::Sum), ("ready", Fold::Sum), ("restarts", Fold::Max)],
};

pub const CONTAINER_SAMPLES: SampleTable = SampleTable {
    name: "container_samples",
    keys: &["cluster", "namespace", "kind", "name", "container"],
    values: &[
        ("cpu_sum", Fold::Sum),
        ("cpu_max", Fold::Max),
        ("memory_max", Fold::Max),
    ],
};

pub const NODE_SAMPLES: SampleTable = SampleTable {
    name: "node_samples",
    keys: &["cluster", "node"],
    values: &[
        ("cpu_sum", Fold::Sum),
        ("cpu_max", Fold::Max),
        ("memory_max", Fold::Max),
        ("cpu_allocatable", Fold::Max),
        ("memory_allocatable", Fold::Max),
    ],
};

/// Per PersistentVolumeClaim, from the kubelets' stats/summary: bytes used and capacity.
pub const VOLUME_SAMPLES: SampleTable = SampleTable {
    name: "volume_samples",
    keys: &["cluster", "namespace", "pvc"],
    values: &[("used_bytes", Fold::Max), ("capacity_bytes", Fold::Max)],
};

pub const SAMPLE_TABLES: [&SampleTable; 4] = [&WORKLOAD_SAMPLES, &CONTAINER_SAMPLES, &NODE_SAMPLES, &VOLUME_SAMPLES];

/// The resolution of a bucket, in seconds (a raw sample's is 0).
pub const BUCKET_SECONDS: i64 = 300;

/// One row: raw (`samples` 1) or a bucket standing for `samples` raw rows.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRow {
    /// The table's key columns, in order.
    pub key: Vec<String>,
    pub at: DateTime<Utc>,
    pub samples: i64,
    /// The table's value columns, in order.
    pub values: Vec<i64>,
}

/// The start of the bucket `at` falls in.
pub fn bucket_start(at: DateTime<Utc>) -> DateTime<Utc> {
    let s = at.timestamp();
    DateTime::from_timestamp(s - s.rem_euclid(BUCKET_SECONDS), 0).unwrap_or(at)
}

/// Rows (raw ones and buckets alike) folded into one bucket per key and bucket start: samples
/// and sums add up, maxima stay maxima.
pub fn fold(table: &SampleTable, rows: &[SampleRow]) -> Vec<SampleRow> {
    let mut buckets: BTreeMap<(Vec<String>, DateTime<Utc>), SampleRow> = BTreeMap::new();
    for r in rows {
        let at = bucket_start(r.at);
        match buckets.get_mut(&(r.key.clone(), at)) {
            None => {
                let bucket = SampleRow { at, ..r.clone() };
                buckets.insert((r.key.clone(), at), bucket);
            }
            Some(b) => {
                b.samples += r.samples;
                for ((v, new), (_, how)) in b.values.iter_mut().zip(&r.values).zip(table.values) {
                    *v = match how {
                        Fold::Sum => v.saturating_add(*new),
                        Fold::Max => (*v).max(*new),
                    };
                }
            }
        }
    }
    buckets.into_values().collect()
}

/// One node event.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct NodeEventRow {
    pub id: String,
    pub cluster: String,
    pub node: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub old_status: Option<String>,
    pub new_status: Option<String>,
    pub message: String,
    pub observed_at: DateTime<Utc>,
}

/// A node as recorded: (status, unschedulable).
pub type NodeStateRow = (String, bool);

/// Everything one pass of the sampler writes for a cluster.
#[derive(Debug)]
pub struct SamplesWrite {
    /// When the pass observed all this.
    pub at: DateTime<Utc>,
    pub workloads: Vec<SampleRow>,
    pub containers: Vec<SampleRow>,
    pub nodes: Vec<SampleRow>,
    pub volumes: Vec<SampleRow>,
    pub node_events: Vec<NodeEventRow>,
    /// The nodes' states now (replacing those recorded), and the nodes gone.
    pub node_states: Vec<(String, NodeStateRow)>,
    pub nodes_gone: Vec<String>,
    /// The workloads' specs that changed (replacing those recorded), and the workloads gone.
    pub specs: Vec<WorkloadSpecRow>,
    pub specs_gone: Vec<WorkloadName>,
}

/// Which node events a list wants, newest first.
#[derive(Debug, Default)]
pub struct NodeEventFilter<'a> {
    /// Clusters whose events the caller may not see.
    pub hidden: &'a [String],
    pub cluster: Option<&'a str>,
    pub node: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub limit: u32,
}

fn columns(table: &SampleTable) -> Vec<&'static str> {
    let mut c = table.keys.to_vec();
    c.extend(["resolution", "at", "samples"]);
    c.extend(table.values.iter().map(|(name, _)| *name));
    c
}

/// `INSERT INTO t (…) VALUES (…), (…)` for `rows` rows.
fn insert_sql(db: &Db, table: &SampleTable, rows: usize) -> String {
    let cols = columns(table);
    format!(
        "INSERT INTO {} ({}) VALUES {}",
        table.name,
        cols.join(", "),
        values_tuples(db, rows, cols.len())
    )
}

/// Rows per INSERT: SQLite takes at most 32766 parameters.
fn batch(table: &SampleTable) -> usize {
    30_000 / columns(table).len()
}

fn select_sql(table: &SampleTable, filter: &str) -> String {
    format!(
        "SELECT {} FROM {} WHERE {filter}",
        columns(table).join(", "),
        table.name
    )
}

/// Inserts rows at `resolution`, in the caller's transaction.
macro_rules! insert_samples {
    ($db:expr, $tx:expr, $table:expr, $rows:expr, $resolution:expr) => {{
        for chunk in $rows.chunks(batch($table)) {
            let mut q = sqlx::query(AssertSqlSafe(insert_sql($db, $table, chunk.len())));
            for r in chunk {
                for k in &r.key {
                    q = q.bind(k);
                }
                q = q.bind($resolution).bind(r.at).bind(r.samples);
                for v in &r.values {
                    q = q.bind(*v);
                }
            }
            q.execute(&mut *$tx).await?;
        }
    }};
}

/// Reads sample rows from a query of `select_sql`.
macro_rules! read_samples {
    ($rows:expr, $table:expr) => {{
        let keys = $table.keys.len();
        $rows
            .iter()
            .map(|row| {
                Ok(SampleRow {
                    key: (0..keys)
                        .map(|i| row.try_get::<String, _>(i))
                        .collect::<sqlx::Result<_>>()?,
                    at: row.try_get(keys + 1)?,
                    samples: row.try_get::<i32, _>(keys + 2)?.into(),
                    values: (0..$table.values.len())
                        .map(|i| row.try_get::<i64, _>(keys + 3 + i))
                        .collect::<sqlx::Result<_>>()?,
                })
            })
            .collect::<sqlx::Result<Vec<SampleRow>>>()
    }};
}

impl Store {
    /// Writes one pass: its raw samples, node events, node states and workload specs, in one
    /// transaction.
    pub async fn write_samples(&self, cluster: &str, w: &SamplesWrite) -> sqlx::Result<()> {
        let event = "INSERT INTO node_events (id, cluster, node, type, old_status, new_status, message, observed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        let state = "INSERT INTO node_states (cluster, node, status, unschedulable, observed_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (cluster, node) DO UPDATE SET status = excluded.status, \
                     unschedulable = excluded.unschedulable, observed_at = excluded.observed_at";
        let gone = "DELETE FROM node_states WHERE cluster = $1 AND node = $2";
        let spec = "INSERT INTO workload_specs (cluster, namespace, kind, name, slo_target, hpa_cpu, hpa_memory, containers, observed_at) \
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (cluster, namespace, kind, name) DO UPDATE SET \
                    slo_target = excluded.slo_target, hpa_cpu = excluded.hpa_cpu, hpa_memory = excluded.hpa_memory, \
                    containers = excluded.containers, observed_at = excluded.observed_at";
        let spec_gone = "DELETE FROM workload_specs WHERE cluster = $1 AND namespace = $2 AND kind = $3 AND name = $4";
        // Postgres lets writers run at once.
        let _turn = match self.db {
            Db::Sqlite(_) => Some(self.sample_writes.lock().await),
            Db::Postgres(_) => None,
        };
        with_pool!(self, pool => {
            // A writer queues for the write lock at BEGIN (SQLite's busy timeout applies
            // there) rather than failing to upgrade a read.
            let mut tx = pool.begin_write().await?;
            insert_samples!(&self.db, tx, &WORKLOAD_SAMPLES, w.workloads, 0i32);
            insert_samples!(&self.db, tx, &CONTAINER_SAMPLES, w.containers, 0i32);
            insert_samples!(&self.db, tx, &NODE_SAMPLES, w.nodes, 0i32);
            insert_samples!(&self.db, tx, &VOLUME_SAMPLES, w.volumes, 0i32);
            for e in &w.node_events {
                sqlx::query(event).bind(&e.id).bind(&e.cluster).bind(&e.node).bind(&e.kind).bind(&e.old_status)
                    .bind(&e.new_status).bind(&e.message).bind(e.observed_at).execute(&mut *tx).await?;
            }
            for (node, (status, unschedulable)) in &w.node_states {
                sqlx::query(state).bind(cluster).bind(node).bind(status).bind(*unschedulable).bind(w.at)
                    .execute(&mut *tx).await?;
            }
            for node in &w.nodes_gone {
                sqlx::query(gone).bind(cluster).bind(node).execute(&mut *tx).await?;
            }
            for s in &w.specs {
                sqlx::query(spec).bind(cluster).bind(&s.namespace).bind(&s.kind).bind(&s.name).bind(&s.slo_target)
                    .bind(s.hpa_cpu).bind(s.hpa_memory).bind(&s.containers).bind(w.at).execute(&mut *tx).await?;
            }
            for (namespace, kind, name) in &w.specs_gone {
                sqlx::query(spec_gone).bind(cluster).bind(namespace).bind(kind).bind(name).execute(&mut *tx).await?;
            }
            tx.commit().await
        })
    }

    /// The nodes of `cluster` as recorded: name → (status, unschedulable).
    pub async fn node_states(&self, cluster: &str) -> sqlx::Result<HashMap<String, NodeStateRow>> {
        let sql = "SELECT node, status, unschedulable FROM node_states WHERE cluster = $1";
        let rows: Vec<(String, String, bool)> =
            with_pool!(self, pool => sqlx::query_as(sql).bind(cluster).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(|(n, s, u)| (n, (s, u))).collect())
    }

    /// Folds `table`'s raw rows older than `before` into 5-minute buckets, one bucket-wide window
    /// per transaction (so a window is folded whole or not at all); how many raw rows it folded.
    pub async fn downsample(&self, table: &SampleTable, before: DateTime<Utc>) -> sqlx::Result<u64> {
        let before = bucket_start(before);
        let oldest = format!(
            "SELECT at FROM {} WHERE resolution = 0 AND at < $1 ORDER BY at LIMIT 1",
            table.name
        );
        let window = select_sql(table, "resolution = 0 AND at >= $1 AND at < $2");
        let buckets = select_sql(table, "resolution = $1 AND at = $2");
        let delete_raw = format!(
            "DELETE FROM {} WHERE resolution = 0 AND at >= $1 AND at < $2",
            table.name
        );
        let delete_buckets = format!("DELETE FROM {} WHERE resolution = $1 AND at = $2", table.name);
        let mut folded = 0;
        loop {
            let first: Option<DateTime<Utc>> = with_pool!(self, pool => sqlx::query_scalar(AssertSqlSafe(oldest.clone())).bind(before).fetch_optional(pool).await)?;
            let Some(first) = first else { return Ok(folded) };
            let start = bucket_start(first);
            let end = start + TimeDelta::seconds(BUCKET_SECONDS);
            folded += with_pool!(self, pool => {
                let mut tx = pool.begin_write().await?;
                let raw = sqlx::query(AssertSqlSafe(window.clone())).bind(start).bind(end).fetch_all(&mut *tx).await?;
                let mut rows = read_samples!(raw, table)?;
                let n = rows.len() as u64;
                let existing = sqlx::query(AssertSqlSafe(buckets.clone())).bind(BUCKET_SECONDS as i32).bind(start).fetch_all(&mut *tx).await?;
                rows.extend(read_samples!(existing, table)?);
                let merged = fold(table, &rows);
                sqlx::query(AssertSqlSafe(delete_raw.clone())).bind(start).bind(end).execute(&mut *tx).await?;
                sqlx::query(AssertSqlSafe(delete_buckets.clone())).bind(BUCKET_SECONDS as i32).bind(start).execute(&mut *tx).await?;
                insert_samples!(&self.db, tx, table, merged, BUCKET_SECONDS as i32);
                tx.commit().await?;
                Ok::<u64, sqlx::Error>(n)
            })?;
        }
    }

    /// Deletes `table`'s rows (of any resolution) older than `before`.
    pub async fn prune_samples(&self, table: &SampleTable, before: DateTime<Utc>) -> sqlx::Result<u64> {
        let sql = format!("DELETE FROM {} WHERE at < $1", table.name);
        with_pool!(self, pool => sqlx::query(AssertSqlSafe(sql)).bind(before).execute(pool).await.map(|r| r.rows_affected()))
    }

    /// `table`'s rows of `cluster` (raw and buckets) since `since`, oldest first.
    pub async fn samples(
        &self,
        table: &SampleTable,
        cluster: &str,
        since: DateTime<Utc>,
    ) -> sqlx::Result<Vec<SampleRow>> {
        let sql = format!("{} ORDER BY at", select_sql(table, "cluster = $1 AND at >= $2"));
        with_pool!(self, pool => {
            let rows = sqlx::query(AssertSqlSafe(sql)).bind(cluster).bind(since).fetch_all(pool).await?;
            read_samples!(rows, table)
        })
    }

    /// `table`'s rows of `cluster` since `since`, folded in the database into one row per key and
    /// 5-minute bucket (`at` its start, aligned as `bucket_start`): `samples` summed and every
    /// value its **maximum** (whatever the table's fold), oldest first. What the predictions
    /// read: a fifth of the raw rows, or fewer.
    pub async fn bucket_maxima(
        &self,
        table: &SampleTable,
        cluster: &str,
        since: DateTime<Utc>,
    ) -> sqlx::Result<Vec<SampleRow>> {
        let bucket = match &self.db {
            super::Db::Sqlite(_) => {
                format!("(CAST(strftime('%s', at) AS INTEGER) / {BUCKET_SECONDS}) * {BUCKET_SECONDS}")
            }
            super::Db::Postgres(_) => {
                format!("CAST(floor(extract(epoch FROM at) / {BUCKET_SECONDS}) * {BUCKET_SECONDS} AS BIGINT)")
            }
        };
        let keys = table.keys.join(", ");
        let maxima: Vec<String> = table.values.iter().map(|(v, _)| format!("MAX({v})")).collect();
        let sql = format!(
            "SELECT {keys}, {bucket} AS bucket, CAST(SUM(samples) AS BIGINT), {} FROM {} \
             WHERE cluster = $1 AND at >= $2 GROUP BY {keys}, bucket ORDER BY bucket",
            maxima.join(", "),
            table.name
        );
        let n = table.keys.len();
        with_pool!(self, pool => {
            let rows = sqlx::query(AssertSqlSafe(sql)).bind(cluster).bind(since).fetch_all(pool).await?;
            rows.iter()
                .map(|row| {
                    let start: i64 = row.try_get(n)?;
                    Ok(SampleRow {
                        key: (0..n).map(|i| row.try_get::<String, _>(i)).collect::<sqlx::Result<_>>()?,
                        at: DateTime::from_timestamp(start, 0).unwrap_or_default(),
                        samples: row.try_get(n + 1)?,
                        values: (0..table.values.len())
                            .map(|i| row.try_get::<i64, _>(n + 2 + i))
                            .collect::<sqlx::Result<_>>()?,
                    })
                })
                .collect::<sqlx::Result<Vec<SampleRow>>>()
        })
    }

    /// Node events older than `before` go.
    pub async fn prune_node_events(&self, before: DateTime<Utc>) -> sqlx::Result<u64> {
        let sql = "DELETE FROM node_events WHERE observed_at < $1";
        with_pool!(self, pool => sqlx::query(sql).bind(before).execute(pool).await.map(|r| r.rows_affected()))
    }

    /// Node events, newest first.
    pub async fn node_events(&self, f: &NodeEventFilter<'_>) -> sqlx::Result<Vec<NodeEventRow>> {
        let hidden: Vec<String> = (0..f.hidden.len()).map(|i| format!("${}", i + 5)).collect();
        let not_hidden = match hidden.is_empty() {
            true => String::new(),
            false => format!("AND cluster NOT IN ({}) ", hidden.join(", ")),
        };
        let sql = format!(
            "SELECT id, cluster, node, type, old_status, new_status, message, observed_at FROM node_events \
             WHERE ($1 IS NULL OR cluster = $1) AND ($2 IS NULL OR node = $2) AND ($3 IS NULL OR type = $3) {not_hidden}\
             ORDER BY observed_at DESC, id DESC LIMIT $4"
        );
        with_pool!(self, pool => {
            let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(f.cluster).bind(f.node).bind(f.kind).bind(i64::from(f.limit));
            for c in f.hidden {
                q = q.bind(c);
            }
            q.fetch_all(pool).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn row(key: &str, t: &str, values: &[i64]) -> SampleRow {
        SampleRow {
            key: vec!["c".into(), key.into()],
            at: at(t),
            samples: 1,
            values: values.to_vec(),
        }
    }

    #[test]
    fn buckets_start_on_five_minute_boundaries() {
        assert_eq!(bucket_start(at("2026-12-06T10:07:59Z")), at("2026-12-06T10:05:00Z"));
        assert_eq!(bucket_start(at("2026-12-06T10:05:00Z")), at("2026-12-06T10:05:00Z"));
    }

    #[test]
    fn a_bucket_adds_sums_and_keeps_maxima() {
        let rows = [
            row("n1", "2026-12-06T10:05:10Z", &[100, 100, 5, 4000, 8]),
            row("n1", "2026-12-06T10:06:10Z", &[300, 300, 9, 4000, 8]),
            row("n1", "2026-12-06T10:10:00Z", &[50, 50, 1, 4000, 8]),
            row("n2", "2026-12-06T10:06:00Z", &[7, 7, 7, 7, 7]),
        ];
        let folded = fold(&NODE_SAMPLES, &rows);
        assert_eq!(
            folded,
            vec![
                SampleRow {
                    key: vec!["c".into(), "n1".into()],
                    at: at("2026-12-06T10:05:00Z"),
                    samples: 2,
                    values: vec![400, 300, 9, 4000, 8]
                },
                SampleRow {
                    key: vec!["c".into(), "n1".into()],
                    at: at("2026-12-06T10:10:00Z"),
                    samples: 1,
                    values: vec![50, 50, 1, 4000, 8]
                },
                SampleRow {
                    key: vec!["c".into(), "n2".into()],
                    at: at("2026-12-06T10:05:00Z"),
                    samples: 1,
                    values: vec![7, 7, 7, 7, 7]
                },
            ]
        );
        // Folding a bucket again with more rows is the same as folding them all at once.
        let again = fold(
            &NODE_SAMPLES,
            &[folded[0].clone(), row("n1", "2026-12-06T10:09:59Z", &[1, 1, 10, 1, 1])],
        );
        assert_eq!(again[0].samples, 3);
        assert_eq!(again[0].values, vec![401, 300, 10, 4000, 8]);
    }

    #[tokio::test]
    async fn inserts_name_their_columns_and_stay_under_sqlites_parameter_limit() {
        let db = Db::Sqlite(sqlx::SqlitePool::connect_lazy("sqlite::memory:").unwrap());
        assert_eq!(
            insert_sql(&db, &WORKLOAD_SAMPLES, 1),
            "INSERT INTO workload_samples (cluster, namespace, kind, name, resolution, at, samples, desired, ready, restarts) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        );
        for table in SAMPLE_TABLES {
            assert!(batch(table) * columns(table).len() <= 32_766);
        }
    }
}
