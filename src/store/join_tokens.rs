//! Cluster join tokens: single-use onboarding credentials, kept as SHA-256 digests. Using one
//! registers its cluster in the registry's transaction, so a token registers at most one cluster.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::clusters::{ConnectionWrite, MetaRow, load_clusters, lock_clusters, select_meta, write_clusters_diff};
use super::{Store, WriteError, now, with_pool};
use crate::clusters::record::{ClusterMeta, Clusters};

/// A join token as stored: what the cluster registers with, and its lifecycle.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JoinTokenRow {
    pub id: String,
    /// SHA-256 of the whole token; compared, never returned.
    pub digest: String,
    pub cluster: String,
    pub display_name: String,
    pub environment: String,
    pub labels: Json<BTreeMap<String, String>>,
    pub server_url: String,
    pub authz_mode: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub used_by: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
}

/// `SELECT … FROM join_tokens`, for `concat!` with a condition.
macro_rules! select_tokens {
    () => {
        "SELECT id, digest, cluster, display_name, environment, labels, server_url, authz_mode, created_by, \
         created_at, expires_at, used_at, used_by, revoked_at, revoked_by FROM join_tokens"
    };
}

impl Store {
    pub async fn insert_join_token(&self, t: &JoinTokenRow) -> sqlx::Result<()> {
        let sql = "INSERT INTO join_tokens (id, digest, cluster, display_name, environment, labels, server_url, \
                   authz_mode, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
        with_pool!(self, pool => sqlx::query(sql)
            .bind(&t.id).bind(&t.digest).bind(&t.cluster).bind(&t.display_name).bind(&t.environment)
            .bind(&t.labels).bind(&t.server_url).bind(&t.authz_mode).bind(&t.created_by)
            .bind(t.created_at).bind(t.expires_at)
            .execute(pool).await.map(|_| ()))
    }

    pub async fn join_token(&self, id: &str) -> sqlx::Result<Option<JoinTokenRow>> {
        let sql = concat!(select_tokens!(), " WHERE id = $1");
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
    }

    /// The tokens issued for a cluster name, newest first.
    pub async fn join_tokens_for(&self, cluster: &str) -> sqlx::Result<Vec<JoinTokenRow>> {
        let sql = concat!(select_tokens!(), " WHERE cluster = $1 ORDER BY created_at DESC, id");
        with_pool!(self, pool => sqlx::query_as(sql).bind(cluster).fetch_all(pool).await)
    }

    /// Revokes the token if it is still active; returns it as it now is (`None`: no such token).
    /// Takes the registry's lock, so a revoke and a join of the same token never interleave.
    pub async fn revoke_join_token(&self, id: &str, by: &str) -> sqlx::Result<Option<JoinTokenRow>> {
        let at = now();
        let select = concat!(select_tokens!(), " WHERE id = $1");
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            lock_clusters!(tx, 0);
            sqlx::query("UPDATE join_tokens SET revoked_at = $1, revoked_by = $2 \
                         WHERE id = $3 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1")
                .bind(at).bind(by).bind(id).execute(&mut *tx).await?;
            let row = sqlx::query_as(select).bind(id).fetch_optional(&mut *tx).await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    /// Uses the token `id` to register its cluster, in the registry's transaction: `change` gets
    /// the token as read under the registry's lock (it checks the token still works) and the
    /// clusters (it adds the new one); then the token is marked used by that cluster and
    /// `connections` are written. A rejected change writes nothing.
    pub async fn use_join_token<T, E>(
        &self,
        id: &str,
        connections: &[ConnectionWrite],
        change: impl FnOnce(&JoinTokenRow, &mut Clusters) -> Result<T, E>,
    ) -> Result<T, WriteError<E>> {
        let select = concat!(select_tokens!(), " WHERE id = $1");
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            lock_clusters!(tx, 1);
            let token: JoinTokenRow = sqlx::query_as(select).bind(id).fetch_one(&mut *tx).await?;
            let old = load_clusters!(tx);
            let mut new = old.clone();
            let value = change(&token, &mut new).map_err(WriteError::Rejected)?;
            write_clusters_diff!(tx, old, new, connections);
            let used = sqlx::query("UPDATE join_tokens SET used_at = $1, used_by = $2 WHERE id = $3 AND used_at IS NULL")
                .bind(now()).bind(&token.cluster).bind(id).execute(&mut *tx).await?;
            if used.rows_affected() != 1 {
                // Cannot happen under the lock; refuse rather than register twice.
                return Err(WriteError::Store(anyhow::anyhow!("join token {id} was used meanwhile")));
            }
            tx.commit().await?;
            Ok(value)
        })
    }
}
