//! What the SLO and rightsizing read and write: each workload's spec as the sampler last saw it
//! (`workload_specs`), the sums over time windows they compute from (aggregated in SQL, so a
//! month of samples never leaves the database), and their results (`workload_signals`), one JSON
//! body per workload and signal, replaced a cluster at a time.

use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, Row};

use super::{BeginWrite, Store, values_tuples, with_pool};

/// `workload_signals.signal` of each result; the bodies are the items `GET /api/slo`,
/// `GET /api/rightsizing` and `GET /api/predictions` serve.
pub const SLO: &str = "slo";
pub const RIGHTSIZING: &str = "rightsizing";
/// One row per object with predictions (nodes: namespace ""), its body their JSON array.
pub const PREDICTIONS: &str = "predictions";

/// A workload: (namespace, kind, name).
pub type WorkloadName = (String, String, String);

/// A workload's spec as the sampler last saw it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct WorkloadSpecRow {
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub slo_target: Option<String>,
    pub hpa_cpu: bool,
    pub hpa_memory: bool,
    /// JSON: the pod template containers' requests and limits.
    pub containers: String,
}

/// A workload's sums of desired and ready replicas since each of the asked instants.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadinessTotals {
    pub workload: WorkloadName,
    /// One per instant asked, in order.
    pub windows: Vec<WindowSums>,
    /// The newest sample's time (Prometheus: when still scraped).
    pub last_at: Option<DateTime<Utc>>,
}

/// Σ desired, Σ ready and the number of raw samples they sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowSums {
    pub desired: i64,
    pub ready: i64,
    pub samples: i64,
}

/// A container's CPU usage in a window: how many samples (a bucket's count) saw each mean value.
#[derive(Debug, Clone, PartialEq)]
pub struct CpuLevel {
    pub workload: WorkloadName,
    pub container: String,
    /// Millicores (a bucket's mean, rounded down).
    pub millicores: i64,
    pub samples: i64,
}

/// A container's memory peak and sample span in a window.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerPeak {
    pub workload: WorkloadName,
    pub container: String,
    pub memory_peak: i64,
    pub samples: i64,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

/// One computed result.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct WorkloadSignalRow {
    pub cluster: String,
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub computed_at: DateTime<Utc>,
    pub body: String,
}

/// One result: (cluster, workload, body).
pub type SignalRow = (String, WorkloadName, String);

/// Which results a write replaces.
#[derive(Debug, Clone, Copy)]
pub enum Replace<'a> {
    /// One cluster's (each cluster is computed on its own).
    Cluster(&'a str),
    /// Every cluster's, computed in one pass whose summary (`signal_passes.body`) is recorded.
    Every { pass: &'a str },
}

/// Which results a read wants.
#[derive(Debug, Default)]
pub struct WorkloadSignalFilter<'a> {
    pub cluster: Option<&'a str>,
    pub namespace: Option<&'a str>,
}

/// `SUM(CASE WHEN at >= $n THEN column ELSE 0 END)` for each instant, as BIGINT on both backends.
fn window_sums(columns: &[&str], instants: usize, first_param: usize) -> String {
    (0..instants)
        .flat_map(|i| {
            columns.iter().map(move |c| {
                format!(
                    "CAST(SUM(CASE WHEN at >= ${} THEN {c} ELSE 0 END) AS BIGINT)",
                    first_param + i
                )
            })
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// The specs of `cluster`'s workloads as last recorded.
    pub async fn workload_specs(&self, cluster: &str) -> sqlx::Result<Vec<WorkloadSpecRow>> {
        let sql = "SELECT namespace, kind, name, slo_target, hpa_cpu, hpa_memory, containers FROM workload_specs \
                   WHERE cluster = $1 ORDER BY namespace, kind, name";
        with_pool!(self, pool => sqlx::query_as(sql).bind(cluster).fetch_all(pool).await)
    }

    /// Per workload of `cluster` with samples since the earliest of `since`: Σ desired and Σ
    /// ready since each instant, in one pass over the rows.
    pub async fn readiness_totals(&self, cluster: &str, since: &[DateTime<Utc>]) -> sqlx::Result<Vec<ReadinessTotals>> {
        let Some(earliest) = since.iter().min().copied() else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT namespace, kind, name, MAX(at), {} FROM workload_samples WHERE cluster = $1 AND at >= $2 \
             GROUP BY namespace, kind, name ORDER BY namespace, kind, name",
            window_sums(&["desired", "ready", "samples"], since.len(), 3)
        );
        with_pool!(self, pool => {
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(cluster).bind(earliest);
            for at in since {
                q = q.bind(*at);
            }
            q.fetch_all(pool).await?.iter().map(|row| {
                Ok(ReadinessTotals {
                    workload: (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?),
                    last_at: row.try_get(3)?,
                    windows: (0..since.len())
                        .map(|i| Ok(WindowSums {
                            desired: row.try_get(4 + 3 * i)?,
                            ready: row.try_get(5 + 3 * i)?,
                            samples: row.try_get(6 + 3 * i)?,
                        }))
                        .collect::<sqlx::Result<_>>()?,
                })
            }).collect()
        })
    }

    /// `cluster`'s containers' CPU levels and memory peaks since `since`.
    pub async fn container_usage(
        &self,
        cluster: &str,
        since: DateTime<Utc>,
    ) -> sqlx::Result<(Vec<CpuLevel>, Vec<ContainerPeak>)> {
        // A bucket's mean stands for each of its samples.
        let levels = "SELECT namespace, kind, name, container, cpu_sum / samples AS level, CAST(SUM(samples) AS BIGINT) \
                      FROM container_samples WHERE cluster = $1 AND at >= $2 \
                      GROUP BY namespace, kind, name, container, level ORDER BY namespace, kind, name, container, level";
        let peaks = "SELECT namespace, kind, name, container, MAX(memory_max), CAST(SUM(samples) AS BIGINT), MIN(at), MAX(at) \
                     FROM container_samples WHERE cluster = $1 AND at >= $2 \
                     GROUP BY namespace, kind, name, container ORDER BY namespace, kind, name, container";
        with_pool!(self, pool => {
            let levels = sqlx::query(levels).bind(cluster).bind(since).fetch_all(pool).await?.iter().map(|row| {
                Ok(CpuLevel {
                    workload: (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?),
                    container: row.try_get(3)?,
                    millicores: row.try_get(4)?,
                    samples: row.try_get(5)?,
                })
            }).collect::<sqlx::Result<Vec<_>>>()?;
            let peaks = sqlx::query(peaks).bind(cluster).bind(since).fetch_all(pool).await?.iter().map(|row| {
                Ok(ContainerPeak {
                    workload: (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?),
                    container: row.try_get(3)?,
                    memory_peak: row.try_get(4)?,
                    samples: row.try_get(5)?,
                    first_at: row.try_get(6)?,
                    last_at: row.try_get(7)?,
                })
            }).collect::<sqlx::Result<Vec<_>>>()?;
            Ok((levels, peaks))
        })
    }

    /// Replaces the results of `signal` that `scope` covers with `rows` ((cluster, workload),
    /// body), in one transaction; a whole-signal replacement also records its pass.
    pub async fn replace_workload_signals(
        &self,
        signal: &str,
        computed_at: DateTime<Utc>,
        scope: Replace<'_>,
        rows: &[SignalRow],
    ) -> sqlx::Result<()> {
        let (cluster, pass) = match scope {
            Replace::Cluster(c) => (Some(c), None),
            Replace::Every { pass } => (None, Some(pass)),
        };
        let delete = "DELETE FROM workload_signals WHERE signal = $1 AND ($2 IS NULL OR cluster = $2)";
        let record = "INSERT INTO signal_passes (signal, computed_at, body) VALUES ($1, $2, $3) \
                      ON CONFLICT (signal) DO UPDATE SET computed_at = excluded.computed_at, body = excluded.body";
        // 7 parameters a row; SQLite takes at most 32766.
        const ROWS: usize = 4000;
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(delete).bind(signal).bind(cluster).execute(&mut *tx).await?;
            for chunk in rows.chunks(ROWS) {
                let sql = format!(
                    "INSERT INTO workload_signals (cluster, signal, namespace, kind, name, computed_at, body) VALUES {}",
                    values_tuples(&self.db, chunk.len(), 7)
                );
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for (cluster, (namespace, kind, name), body) in chunk {
                    q = q.bind(cluster).bind(signal).bind(namespace).bind(kind).bind(name).bind(computed_at).bind(body);
                }
                q.execute(&mut *tx).await?;
            }
            if let Some(pass) = pass {
                sqlx::query(record).bind(signal).bind(computed_at).bind(pass).execute(&mut *tx).await?;
            }
            tx.commit().await
        })
    }

    /// The latest whole-signal pass of `signal`: when, and its body.
    pub async fn signal_pass(&self, signal: &str) -> sqlx::Result<Option<(DateTime<Utc>, String)>> {
        let sql = "SELECT computed_at, body FROM signal_passes WHERE signal = $1";
        with_pool!(self, pool => sqlx::query_as(sql).bind(signal).fetch_optional(pool).await)
    }

    /// Drops the specs and results of clusters not in `clusters` (deleted ones).
    pub async fn retain_workload_signals(&self, clusters: &[String]) -> sqlx::Result<()> {
        let params: Vec<String> = (1..=clusters.len()).map(|i| format!("${i}")).collect();
        let keep = match params.is_empty() {
            true => String::new(),
            false => format!(" WHERE cluster NOT IN ({})", params.join(", ")),
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for table in ["workload_specs", "workload_signals"] {
                let mut q = sqlx::query(AssertSqlSafe(format!("DELETE FROM {table}{keep}")));
                for c in clusters {
                    q = q.bind(c);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await
        })
    }

    /// The result of `signal` for one workload of `cluster`, if computed.
    pub async fn workload_signal(
        &self,
        signal: &str,
        cluster: &str,
        workload: &WorkloadName,
    ) -> sqlx::Result<Option<String>> {
        let sql = "SELECT body FROM workload_signals \
                   WHERE signal = $1 AND cluster = $2 AND namespace = $3 AND kind = $4 AND name = $5";
        let (namespace, kind, name) = workload;
        with_pool!(self, pool => sqlx::query_scalar(sql).bind(signal).bind(cluster).bind(namespace).bind(kind).bind(name)
            .fetch_optional(pool).await)
    }

    /// The results of `signal`, by cluster, namespace, kind and name.
    pub async fn workload_signals(
        &self,
        signal: &str,
        f: &WorkloadSignalFilter<'_>,
    ) -> sqlx::Result<Vec<WorkloadSignalRow>> {
        let sql = "SELECT cluster, namespace, kind, name, computed_at, body FROM workload_signals \
                   WHERE signal = $1 AND ($2 IS NULL OR cluster = $2) AND ($3 IS NULL OR namespace = $3) \
                   ORDER BY cluster, namespace, kind, name";
        with_pool!(self, pool => sqlx::query_as(sql).bind(signal).bind(f.cluster).bind(f.namespace).fetch_all(pool).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_sums_number_their_parameters_from_the_first() {
        assert_eq!(
            window_sums(&["desired", "ready"], 2, 3),
            "CAST(SUM(CASE WHEN at >= $3 THEN desired ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN at >= $3 THEN ready ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN at >= $4 THEN desired ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN at >= $4 THEN ready ELSE 0 END) AS BIGINT)"
        );
    }
}
