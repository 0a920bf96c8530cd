//! The SQL store: one pool, SQLite or Postgres by URL scheme, queries written once
//! (portable SQL with `$n` placeholders) and run on either through `with_pool!`. Multi-row
//! INSERTs take their placeholders from `values_tuples`.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, SubsecRound, Utc};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::error::ApiError;
use audit_writer::AuditWriter;

pub mod account_tokens;
pub mod alerts;
pub mod api_keys;
pub mod assistant;
pub mod audit;
mod audit_writer;
pub mod catalog;
pub mod clusters;
mod db;
pub mod findings;
pub mod incidents;
pub mod invoices;
pub mod join_tokens;
pub mod logins;
pub mod memory;
pub mod oidc_sessions;
pub mod orders;
pub mod remediations;
pub mod samples;
pub mod sessions;
pub mod settings;
pub mod tenancy;
pub mod usage;
pub mod users;
pub mod workload_signals;

/// Change counters (`change_counters.name`): every write of what they name bumps them, and
/// replicas poll them to drop caches.
pub const CLUSTERS_COUNTER: &str = "clusters";
pub const FLUX_COUNTER: &str = "flux";

/// A write whose change the caller rejected (nothing was written), or a store failure.
#[derive(Debug)]
pub enum WriteError<E> {
    Rejected(E),
    Store(anyhow::Error),
}

impl<E> From<sqlx::Error> for WriteError<E> {
    fn from(e: sqlx::Error) -> Self {
        WriteError::Store(e.into())
    }
}

impl<E: Into<ApiError>> From<WriteError<E>> for ApiError {
    fn from(e: WriteError<E>) -> ApiError {
        match e {
            WriteError::Rejected(e) => e.into(),
            WriteError::Store(e) => ApiError::internal(e),
        }
    }
}

pub use db::Db;

/// Runs `$body` with `$pool` bound to whichever pool the store has; the body is
/// compiled once per backend, so one SQL text serves both.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::store::Db::Sqlite($pool) => $body,
            $crate::store::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// A transaction that reads, then writes. SQLite's default (deferred) transaction takes the write
/// lock only at its first write, and fails at once with SQLITE_BUSY, whatever the busy timeout,
/// when another connection wrote since it read; `BEGIN IMMEDIATE` waits for the lock up front.
/// On Postgres, such transactions take one transaction-scoped advisory lock, so they are serialized
/// as on SQLite and a check they read (such as "another admin is left") still holds at commit.
/// The advisory lock key of `BeginWrite` transactions on Postgres.
const READ_THEN_WRITE_LOCK: i64 = 0x666c_6565_7464_6b01;

pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, Self::Db>>;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        let mut tx = self.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(READ_THEN_WRITE_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

#[derive(Clone, Debug)]
pub struct Store {
    pub db: Db,
    /// The SQLite file, when the store is one (readiness checks that it still exists).
    sqlite_path: Option<PathBuf>,
    /// The queue to the task that appends audit rows (store/audit_writer.rs).
    audit_writer: AuditWriter,
    /// Sample writes to SQLite take turns here rather than at its lock, whose busy handler sleeps
    /// in steps of up to 100 ms: clusters sampled at once queued far past their turn.
    sample_writes: Arc<tokio::sync::Mutex<()>>,
}

/// Pool gauges for /metrics.
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// Timestamps are kept at microsecond precision, what Postgres stores, so a value
/// read back equals the value written on both backends.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Whether `e` is a UNIQUE constraint's refusal.
fn unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

/// `(…), (…)`: `rows` tuples of `columns` placeholders for a multi-row INSERT whose values are
/// all its parameters, bound row by row. SQLite gets `?`: its parser looks each `$n` up among those
/// before it, so a 30,000-value INSERT numbered `$1`… took seconds to prepare and bind.
fn values_tuples(db: &Db, rows: usize, columns: usize) -> String {
    let mut n = 0;
    let mut placeholder = || match db {
        Db::Sqlite(_) => "?".to_string(),
        Db::Postgres(_) => {
            n += 1;
            format!("${n}")
        }
    };
    let tuples: Vec<String> = (0..rows)
        .map(|_| {
            let row: Vec<String> = (0..columns).map(|_| placeholder()).collect();
            format!("({})", row.join(", "))
        })
        .collect();
    tuples.join(", ")
}

impl Store {
    pub async fn connect(url: &str) -> anyhow::Result<Store> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .with_context(|| "FLEETDECK_DATABASE_URL: not a valid sqlite URL")?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true);
            let path =
                std::path::absolute(options.get_filename()).unwrap_or_else(|_| options.get_filename().to_path_buf());
            let sqlite_path = (path.as_os_str() != ":memory:").then(|| path.clone());
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await
                .with_context(|| format!("cannot open the SQLite store {}", path.display()))?;
            Ok(Store::new(Db::Sqlite(pool), sqlite_path))
        } else {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(5))
                .connect(url)
                .await
                .context("cannot connect to the Postgres store")?;
            Ok(Store::new(Db::Postgres(pool), None))
        }
    }

    fn new(db: Db, sqlite_path: Option<PathBuf>) -> Store {
        Store {
            audit_writer: AuditWriter::spawn(db.clone()),
            db,
            sqlite_path,
            sample_writes: Arc::default(),
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        match &self.db {
            Db::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        self.hash_migrated_audit().await?;
        Ok(())
    }

    /// The folder the store lives in, for files kept beside it; the working directory for Postgres.
    pub fn data_dir(&self) -> PathBuf {
        self.sqlite_path
            .as_ref()
            .and_then(|p| p.parent().map(PathBuf::from))
            .unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")))
    }

    /// Whether the store answers (and, for SQLite, its file is still there).
    pub async fn check_ready(&self) -> Result<(), String> {
        if let Some(path) = &self.sqlite_path
            && !path.exists()
        {
            return Err(format!("the SQLite store {} is gone", path.display()));
        }
        let probe = with_pool!(self, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM settings").fetch_one(pool).await);
        probe.map(|_| ()).map_err(|e| {
            tracing::warn!(error = %e, "readiness probe failed");
            "the database does not answer".to_string()
        })
    }

    /// The change counter `name` (one of the `*_COUNTER`s).
    pub async fn change_counter(&self, name: &str) -> sqlx::Result<i64> {
        let sql = "SELECT version FROM change_counters WHERE name = $1";
        with_pool!(self, pool => sqlx::query_scalar(sql).bind(name).fetch_one(pool).await)
    }

    pub fn pool_stats(&self) -> PoolStats {
        with_pool!(self, pool => PoolStats {
            size: pool.size(),
            idle: pool.num_idle() as u32,
            max: pool.options().get_max_connections(),
        })
    }

    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_tuples_are_positional_on_sqlite_and_numbered_on_postgres() {
        let sqlite = Db::Sqlite(SqlitePool::connect_lazy("sqlite::memory:").unwrap());
        let postgres = Db::Postgres(PgPool::connect_lazy("postgres://127.0.0.1/none").unwrap());
        assert_eq!(values_tuples(&sqlite, 2, 3), "(?, ?, ?), (?, ?, ?)");
        assert_eq!(values_tuples(&postgres, 2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
