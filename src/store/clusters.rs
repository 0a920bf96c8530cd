//! The cluster registry: each cluster's metadata and connection. Writes load every cluster, let
//! the caller change the set in memory, and store the difference in one transaction that bumps
//! the `clusters` change counter (whose row serializes the writers).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::{Store, WriteError, with_pool};
use crate::clusters::record::{ClusterMeta, Clusters};

/// A cluster as stored, connection included (but not its sealed credentials).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClusterRow {
    pub name: String,
    pub display_name: String,
    pub dns: Option<String>,
    pub environment: String,
    pub labels: Json<BTreeMap<String, String>>,
    pub source: String,
    pub server_url: Option<String>,
    pub authz_mode: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A cluster's connection, written with a change of the registry in the same transaction.
#[derive(Debug, Clone)]
pub struct ConnectionWrite {
    pub cluster: String,
    /// One of `clusters::record`'s sources.
    pub source: String,
    pub server_url: Option<String>,
    pub authz_mode: String,
    /// Sealed credentials (registered clusters only).
    pub credentials: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(super) struct MetaRow {
    name: String,
    display_name: String,
    dns: Option<String>,
    environment: String,
    labels: Json<BTreeMap<String, String>>,
    source: String,
}

impl From<MetaRow> for ClusterMeta {
    fn from(r: MetaRow) -> ClusterMeta {
        ClusterMeta {
            name: r.name,
            display_name: r.display_name,
            dns: r.dns,
            environment: r.environment,
            labels: r.labels.0,
            source: r.source,
        }
    }
}

/// `SELECT <metadata> FROM clusters`, for `concat!` with a condition.
macro_rules! select_meta {
    () => {
        "SELECT name, display_name, dns, environment, labels, source FROM clusters"
    };
}
pub(super) use select_meta;

/// `SELECT <row> FROM clusters`, for `concat!` with a condition.
macro_rules! select_rows {
    () => {
        "SELECT name, display_name, dns, environment, labels, source, server_url, authz_mode, created_at, updated_at \
         FROM clusters"
    };
}

/// Locks the `clusters` counter's row through `$tx` (bumping it by `$by`), serializing every
/// writer of the registry.
macro_rules! lock_clusters {
    ($tx:expr, $by:expr) => {
        sqlx::query("UPDATE change_counters SET version = version + $1 WHERE name = $2")
            .bind($by as i64)
            .bind($crate::store::CLUSTERS_COUNTER)
            .execute(&mut *$tx)
            .await?
    };
}
pub(super) use lock_clusters;

/// Loads every cluster's metadata through `$tx`.
macro_rules! load_clusters {
    ($tx:expr) => {{
        let rows: Vec<MetaRow> = sqlx::query_as(concat!(select_meta!(), " ORDER BY name"))
            .fetch_all(&mut *$tx)
            .await?;
        rows.into_iter()
            .map(|r| {
                let meta = ClusterMeta::from(r);
                (meta.name.clone(), meta)
            })
            .collect::<Clusters>()
    }};
}
pub(super) use load_clusters;

/// Writes what differs between `$old` and `$new` and the `$connections` through `$tx`; a removed
/// cluster takes what other tables keep of it (ON DELETE CASCADE).
macro_rules! write_clusters_diff {
    ($tx:expr, $old:expr, $new:expr, $connections:expr) => {{
        let at = $crate::store::now();
        for meta in $new.values().filter(|m| $old.get(&m.name) != Some(*m)) {
            sqlx::query(
                "INSERT INTO clusters (name, display_name, dns, environment, labels, source, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (name) DO UPDATE SET \
                 display_name = excluded.display_name, dns = excluded.dns, environment = excluded.environment, \
                 labels = excluded.labels, updated_at = excluded.updated_at",
            )
            .bind(&meta.name)
            .bind(&meta.display_name)
            .bind(&meta.dns)
            .bind(&meta.environment)
            .bind(sqlx::types::Json(&meta.labels))
            .bind(&meta.source)
            .bind(at)
            .execute(&mut *$tx)
            .await?;
        }
        for c in $connections {
            sqlx::query(
                "UPDATE clusters SET source = $1, server_url = $2, authz_mode = $3, credentials = $4, updated_at = $5 \
                 WHERE name = $6",
            )
            .bind(&c.source)
            .bind(&c.server_url)
            .bind(&c.authz_mode)
            .bind(&c.credentials)
            .bind(at)
            .bind(&c.cluster)
            .execute(&mut *$tx)
            .await?;
        }
        for name in $old.keys().filter(|n| !$new.contains_key(*n)) {
            sqlx::query("DELETE FROM clusters WHERE name = $1")
                .bind(name)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
pub(super) use write_clusters_diff;

impl Store {
    pub async fn list_clusters(&self) -> sqlx::Result<Vec<ClusterRow>> {
        let sql = concat!(select_rows!(), " ORDER BY name");
        with_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await)
    }

    pub async fn cluster(&self, name: &str) -> sqlx::Result<Option<ClusterRow>> {
        let sql = concat!(select_rows!(), " WHERE name = $1");
        with_pool!(self, pool => sqlx::query_as(sql).bind(name).fetch_optional(pool).await)
    }

    /// Every cluster's metadata.
    pub async fn load_clusters(&self) -> sqlx::Result<Clusters> {
        with_pool!(self, pool => {
            let mut conn = pool.acquire().await?;
            Ok(load_clusters!(conn))
        })
    }

    /// The sealed credentials of a registered cluster.
    pub async fn cluster_credentials(&self, name: &str) -> sqlx::Result<Option<String>> {
        let sql = "SELECT credentials FROM clusters WHERE name = $1";
        with_pool!(self, pool => sqlx::query_scalar::<_, Option<String>>(sql).bind(name).fetch_optional(pool).await)
            .map(Option::flatten)
    }

    /// Loads every cluster, applies `change`, and writes what differs with `connections` — in
    /// one transaction, which a rejected change rolls back.
    pub async fn write_clusters<T, E>(
        &self,
        connections: &[ConnectionWrite],
        change: impl FnOnce(&mut Clusters) -> Result<T, E>,
    ) -> Result<T, WriteError<E>> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            lock_clusters!(tx, 1);
            let old = load_clusters!(tx);
            let mut new = old.clone();
            let value = change(&mut new).map_err(WriteError::Rejected)?;
            write_clusters_diff!(tx, old, new, connections);
            tx.commit().await?;
            Ok(value)
        })
    }
}
