//! The Flux catalog and cluster metadata as one `Catalog` value: loaded whole (or for one
//! cluster), changed in memory by `flux::catalog`, and written back as the difference, in one
//! transaction that also bumps the `flux` change counter.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::types::Json;

use super::{Store, now, with_pool};
use crate::flux::catalog::{COMPONENT, Catalog, CatalogError, ClusterMeta, NAMESPACE, ROLEBINDING};
use crate::flux::model::{ClusterAssignments, ComponentAssignment};

/// Which part of the catalog to load.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Everything.
    All,
    /// Every entry, and only the cluster with this dns with its assignments.
    ClusterByDns(&'a str),
    /// Every entry, and only the cluster with this name with its assignments.
    ClusterByName(&'a str),
    /// Cluster metadata only.
    Clusters,
    /// Catalog entries only.
    Entries,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    kind: String,
    id: String,
    spec: Json<Value>,
}

#[derive(sqlx::FromRow)]
struct ClusterRow {
    name: String,
    display_name: String,
    dns: Option<String>,
    environment: String,
    labels: Json<BTreeMap<String, String>>,
    source: String,
}

#[derive(sqlx::FromRow)]
struct AssignmentRow {
    cluster: String,
    kind: String,
    entry_id: String,
    spec: Json<Value>,
}

/// A cluster's metadata with its timestamps, for the clusters API.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClusterRecord {
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

/// A cluster's connection, written with a catalog change in the same transaction.
#[derive(Debug, Clone)]
pub struct ConnectionWrite {
    pub cluster: String,
    /// `kubeconfig`, `in-cluster`, `registered` or `metadata-only`.
    pub source: String,
    pub server_url: Option<String>,
    pub authz_mode: String,
    /// Sealed credentials (registered clusters only).
    pub credentials: Option<String>,
}

/// A rejected change, or a store failure.
#[derive(Debug)]
pub enum CatalogWriteError {
    Rejected(CatalogError),
    Store(anyhow::Error),
}

impl From<sqlx::Error> for CatalogWriteError {
    fn from(e: sqlx::Error) -> Self {
        CatalogWriteError::Store(e.into())
    }
}

/// A committed (or, for a dry run, rolled back) change.
pub struct CatalogWrite<T> {
    pub old: Catalog,
    pub new: Catalog,
    pub value: T,
}

fn assemble(
    entries: Vec<EntryRow>,
    clusters: Vec<ClusterRow>,
    assignments: Vec<AssignmentRow>,
) -> anyhow::Result<Catalog> {
    let mut c = Catalog::default();
    for e in entries {
        match e.kind.as_str() {
            COMPONENT => {
                c.components.insert(e.id, serde_json::from_value(e.spec.0)?);
            }
            NAMESPACE => {
                c.namespaces.insert(e.id, serde_json::from_value(e.spec.0)?);
            }
            ROLEBINDING => {
                c.rolebindings.insert(e.id, serde_json::from_value(e.spec.0)?);
            }
            other => anyhow::bail!("unknown catalog kind {other:?} in the store"),
        }
    }
    for r in clusters {
        c.clusters.insert(
            r.name.clone(),
            ClusterMeta {
                name: r.name,
                display_name: r.display_name,
                dns: r.dns,
                environment: r.environment,
                labels: r.labels.0,
                source: r.source,
            },
        );
    }
    // Rows come ordered by cluster, kind and id, so the lists are already sorted.
    for r in assignments {
        let a = c
            .assignments
            .entry(r.cluster)
            .or_insert_with(ClusterAssignments::default);
        match r.kind.as_str() {
            COMPONENT => {
                let mut spec = r.spec.0;
                if let Some(patch) = spec.as_object_mut().and_then(|o| o.remove("patches"))
                    && patch.as_object().is_some_and(|p| !p.is_empty())
                {
                    a.patches.insert(r.entry_id.clone(), serde_json::from_value(patch)?);
                }
                spec["id"] = Value::String(r.entry_id);
                a.platform_components
                    .push(serde_json::from_value::<ComponentAssignment>(spec)?);
            }
            NAMESPACE => a.namespaces.push(r.entry_id),
            _ => a.rolebindings.push(r.entry_id),
        }
    }
    Ok(c)
}

/// The stored rows of a cluster's assignments: (kind, entry id, spec).
fn assignment_rows(a: &ClusterAssignments) -> Vec<(&'static str, &str, Value)> {
    let mut rows = Vec::new();
    for c in &a.platform_components {
        let patches = a.patches.get(&c.id).map_or(json!({}), |p| json!(p));
        let spec =
            json!({"enabled": c.enabled, "oci_tag": c.oci_tag, "component_path": c.component_path, "patches": patches});
        rows.push((COMPONENT, c.id.as_str(), spec));
    }
    rows.extend(a.namespaces.iter().map(|n| (NAMESPACE, n.as_str(), json!({}))));
    rows.extend(a.rolebindings.iter().map(|r| (ROLEBINDING, r.as_str(), json!({}))));
    rows
}

/// Entries of one kind that were added or changed, and the ids removed.
fn entry_changes<E: serde::Serialize + PartialEq>(
    kind: &'static str,
    old: &BTreeMap<String, E>,
    new: &BTreeMap<String, E>,
    upserts: &mut Vec<(&'static str, String, Value)>,
    deletes: &mut Vec<(&'static str, String)>,
) {
    for (id, e) in new {
        if old.get(id) != Some(e) {
            upserts.push((kind, id.clone(), serde_json::to_value(e).expect("entries serialize")));
        }
    }
    deletes.extend(
        old.keys()
            .filter(|id| !new.contains_key(*id))
            .map(|id| (kind, id.clone())),
    );
}

const SELECT_ENTRIES: &str = "SELECT kind, id, spec FROM flux_catalog ORDER BY kind, id";
const SELECT_CLUSTERS: &str = "SELECT name, display_name, dns, environment, labels, source FROM clusters ORDER BY name";
const SELECT_ASSIGNMENTS: &str =
    "SELECT cluster, kind, entry_id, spec FROM flux_assignments ORDER BY cluster, kind, entry_id";
const SELECT_CLUSTER_BY_DNS: &str =
    "SELECT name, display_name, dns, environment, labels, source FROM clusters WHERE dns = $1";
const SELECT_ASSIGNMENTS_BY_DNS: &str = "SELECT a.cluster, a.kind, a.entry_id, a.spec FROM flux_assignments a \
     JOIN clusters c ON c.name = a.cluster WHERE c.dns = $1 ORDER BY a.cluster, a.kind, a.entry_id";
const SELECT_CLUSTER_BY_NAME: &str =
    "SELECT name, display_name, dns, environment, labels, source FROM clusters WHERE name = $1";
const SELECT_ASSIGNMENTS_BY_NAME: &str =
    "SELECT cluster, kind, entry_id, spec FROM flux_assignments WHERE cluster = $1 ORDER BY cluster, kind, entry_id";

/// Loads `$scope` of the catalog through `$conn` (a pool or `&mut *tx`).
macro_rules! load {
    ($conn:expr, $scope:expr) => {{
        let (entries, clusters, assignments) = match $scope {
            Scope::All => (
                sqlx::query_as(SELECT_ENTRIES).fetch_all(&mut *$conn).await?,
                sqlx::query_as(SELECT_CLUSTERS).fetch_all(&mut *$conn).await?,
                sqlx::query_as(SELECT_ASSIGNMENTS).fetch_all(&mut *$conn).await?,
            ),
            Scope::ClusterByDns(dns) => (
                sqlx::query_as(SELECT_ENTRIES).fetch_all(&mut *$conn).await?,
                sqlx::query_as(SELECT_CLUSTER_BY_DNS)
                    .bind(dns)
                    .fetch_all(&mut *$conn)
                    .await?,
                sqlx::query_as(SELECT_ASSIGNMENTS_BY_DNS)
                    .bind(dns)
                    .fetch_all(&mut *$conn)
                    .await?,
            ),
            Scope::ClusterByName(name) => (
                sqlx::query_as(SELECT_ENTRIES).fetch_all(&mut *$conn).await?,
                sqlx::query_as(SELECT_CLUSTER_BY_NAME)
                    .bind(name)
                    .fetch_all(&mut *$conn)
                    .await?,
                sqlx::query_as(SELECT_ASSIGNMENTS_BY_NAME)
                    .bind(name)
                    .fetch_all(&mut *$conn)
                    .await?,
            ),
            Scope::Clusters => (
                vec![],
                sqlx::query_as(SELECT_CLUSTERS).fetch_all(&mut *$conn).await?,
                vec![],
            ),
            Scope::Entries => (
                sqlx::query_as(SELECT_ENTRIES).fetch_all(&mut *$conn).await?,
                vec![],
                vec![],
            ),
        };
        assemble(entries, clusters, assignments)
    }};
}

impl Store {
    /// The catalog as it is now (one read transaction).
    pub async fn load_catalog(&self, scope: Scope<'_>) -> anyhow::Result<Catalog> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let catalog = load!(tx, scope)?;
            tx.commit().await?;
            Ok(catalog)
        })
    }

    /// The `flux` change counter, which every catalog write bumps.
    pub async fn flux_version(&self) -> sqlx::Result<i64> {
        with_pool!(self, pool => sqlx::query_scalar("SELECT version FROM change_counters WHERE name = 'flux'").fetch_one(pool).await)
    }

    /// Loads the whole catalog, applies `change`, writes what differs and bumps the `flux`
    /// counter — all in one transaction, which a dry run rolls back. Writers are serialized by
    /// the counter's row, which each locks first.
    pub async fn write_catalog<T>(
        &self,
        dry_run: bool,
        connections: &[ConnectionWrite],
        change: impl FnOnce(&mut Catalog) -> Result<T, CatalogError>,
    ) -> Result<CatalogWrite<T>, CatalogWriteError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE change_counters SET version = version + 1 WHERE name = 'flux'").execute(&mut *tx).await?;
            let old = load!(tx, Scope::All).map_err(CatalogWriteError::Store)?;
            let mut new = old.clone();
            let value = change(&mut new).map_err(CatalogWriteError::Rejected)?;
            let at = now();
            let mut upserts = Vec::new();
            let mut deletes = Vec::new();
            entry_changes(COMPONENT, &old.components, &new.components, &mut upserts, &mut deletes);
            entry_changes(NAMESPACE, &old.namespaces, &new.namespaces, &mut upserts, &mut deletes);
            entry_changes(ROLEBINDING, &old.rolebindings, &new.rolebindings, &mut upserts, &mut deletes);
            for (kind, id, spec) in &upserts {
                sqlx::query("INSERT INTO flux_catalog (kind, id, spec, updated_at) VALUES ($1, $2, $3, $4) \
                             ON CONFLICT (kind, id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at")
                    .bind(*kind).bind(id).bind(Json(spec)).bind(at).execute(&mut *tx).await?;
            }
            for meta in new.clusters.values().filter(|m| old.clusters.get(&m.name) != Some(*m)) {
                sqlx::query("INSERT INTO clusters (name, display_name, dns, environment, labels, source, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (name) DO UPDATE SET \
                             display_name = excluded.display_name, dns = excluded.dns, environment = excluded.environment, \
                             labels = excluded.labels, updated_at = excluded.updated_at")
                    .bind(&meta.name).bind(&meta.display_name).bind(&meta.dns).bind(&meta.environment)
                    .bind(Json(&meta.labels)).bind(&meta.source).bind(at).execute(&mut *tx).await?;
            }
            for c in connections {
                sqlx::query("UPDATE clusters SET source = $1, server_url = $2, authz_mode = $3, credentials = $4, updated_at = $5 WHERE name = $6")
                    .bind(&c.source).bind(&c.server_url).bind(&c.authz_mode).bind(&c.credentials).bind(at).bind(&c.cluster)
                    .execute(&mut *tx).await?;
            }
            let empty = ClusterAssignments::default();
            let changed_clusters = old.assignments.keys().chain(new.assignments.keys()).filter(|c| {
                old.assignments.get(*c) != new.assignments.get(*c) && new.clusters.contains_key(*c)
            });
            for cluster in changed_clusters.collect::<std::collections::BTreeSet<_>>() {
                sqlx::query("DELETE FROM flux_assignments WHERE cluster = $1").bind(cluster).execute(&mut *tx).await?;
                for (kind, id, spec) in assignment_rows(new.assignments.get(cluster).unwrap_or(&empty)) {
                    sqlx::query("INSERT INTO flux_assignments (cluster, kind, entry_id, spec) VALUES ($1, $2, $3, $4)")
                        .bind(cluster).bind(kind).bind(id).bind(Json(spec)).execute(&mut *tx).await?;
                }
            }
            for (kind, id) in &deletes {
                sqlx::query("DELETE FROM flux_catalog WHERE kind = $1 AND id = $2").bind(*kind).bind(id).execute(&mut *tx).await?;
            }
            for name in old.clusters.keys().filter(|n| !new.clusters.contains_key(*n)) {
                sqlx::query("DELETE FROM clusters WHERE name = $1").bind(name).execute(&mut *tx).await?;
            }
            if dry_run {
                tx.rollback().await?;
            } else {
                tx.commit().await?;
            }
            Ok(CatalogWrite { old, new, value })
        })
    }

    pub async fn list_clusters(&self) -> sqlx::Result<Vec<ClusterRecord>> {
        let sql = "SELECT name, display_name, dns, environment, labels, source, server_url, authz_mode, created_at, updated_at \
                   FROM clusters ORDER BY name";
        with_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await)
    }

    pub async fn cluster(&self, name: &str) -> sqlx::Result<Option<ClusterRecord>> {
        let sql = "SELECT name, display_name, dns, environment, labels, source, server_url, authz_mode, created_at, updated_at \
                   FROM clusters WHERE name = $1";
        with_pool!(self, pool => sqlx::query_as(sql).bind(name).fetch_optional(pool).await)
    }

    /// The sealed credentials of a registered cluster.
    pub async fn cluster_credentials(&self, name: &str) -> sqlx::Result<Option<String>> {
        let sql = "SELECT credentials FROM clusters WHERE name = $1";
        with_pool!(self, pool => sqlx::query_scalar::<_, Option<String>>(sql).bind(name).fetch_optional(pool).await)
            .map(Option::flatten)
    }
}
