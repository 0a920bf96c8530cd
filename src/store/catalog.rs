//! The Flux catalog as one `Catalog` value (entries and assignments, with the clusters they are
//! checked against): loaded whole (or for one cluster), changed in memory by the caller, and
//! written back as the difference, in one transaction that bumps the `flux` change counter.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sqlx::types::Json;

use super::clusters::{ConnectionWrite, MetaRow, lock_clusters, select_meta, write_clusters_diff};
use super::{FLUX_COUNTER, Store, WriteError, now, with_pool};
use crate::clusters::record::ClusterMeta;
use crate::flux::model::{COMPONENT, Catalog, ClusterAssignments, ComponentAssignment, NAMESPACE, ROLEBINDING};

/// Which part of the catalog to load.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Everything.
    All,
    /// Every entry, and only the cluster with this dns with its assignments.
    ClusterByDns(&'a str),
    /// Every entry, and only the cluster with this name with its assignments.
    ClusterByName(&'a str),
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
struct AssignmentRow {
    cluster: String,
    kind: String,
    entry_id: String,
    spec: Json<Value>,
}

/// A committed (or, for a dry run, rolled back) change.
pub struct CatalogWrite<T> {
    pub old: Catalog,
    pub new: Catalog,
    pub value: T,
}

fn assemble(
    entries: Vec<EntryRow>,
    clusters: Vec<MetaRow>,
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
        let meta = ClusterMeta::from(r);
        c.clusters.insert(meta.name.clone(), meta);
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
const SELECT_ASSIGNMENTS: &str =
    "SELECT cluster, kind, entry_id, spec FROM flux_assignments ORDER BY cluster, kind, entry_id";
const SELECT_ASSIGNMENTS_BY_DNS: &str = "SELECT a.cluster, a.kind, a.entry_id, a.spec FROM flux_assignments a \
     JOIN clusters c ON c.name = a.cluster WHERE c.dns = $1 ORDER BY a.cluster, a.kind, a.entry_id";
const SELECT_ASSIGNMENTS_BY_NAME: &str =
    "SELECT cluster, kind, entry_id, spec FROM flux_assignments WHERE cluster = $1 ORDER BY cluster, kind, entry_id";

/// Loads `$scope` of the catalog through `$conn` (a pool or `&mut *tx`).
macro_rules! load {
    ($conn:expr, $scope:expr) => {{
        let (entries, clusters, assignments) = match $scope {
            Scope::All => (
                sqlx::query_as(SELECT_ENTRIES).fetch_all(&mut *$conn).await?,
                sqlx::query_as(concat!(select_meta!(), " ORDER BY name"))
                    .fetch_all(&mut *$conn)
                    .await?,
                sqlx::query_as(SELECT_ASSIGNMENTS).fetch_all(&mut *$conn).await?,
            ),
            Scope::ClusterByDns(dns) => (
                sqlx::query_as(SELECT_ENTRIES).fetch_all(&mut *$conn).await?,
                sqlx::query_as(concat!(select_meta!(), " WHERE dns = $1"))
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
                sqlx::query_as(concat!(select_meta!(), " WHERE name = $1"))
                    .bind(name)
                    .fetch_all(&mut *$conn)
                    .await?,
                sqlx::query_as(SELECT_ASSIGNMENTS_BY_NAME)
                    .bind(name)
                    .fetch_all(&mut *$conn)
                    .await?,
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

    /// Loads the whole catalog, applies `change`, writes what differs and bumps the `flux`
    /// counter (and `clusters`, when the change touched them) — all in one transaction, which a
    /// dry run or a rejected change rolls back. Writers are serialized by the counters' rows,
    /// which each locks first, `clusters` before `flux` as every registry writer does.
    pub async fn write_catalog<T, E>(
        &self,
        dry_run: bool,
        change: impl FnOnce(&mut Catalog) -> Result<T, E>,
    ) -> Result<CatalogWrite<T>, WriteError<E>> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            lock_clusters!(tx, 0);
            sqlx::query("UPDATE change_counters SET version = version + 1 WHERE name = $1")
                .bind(FLUX_COUNTER).execute(&mut *tx).await?;
            let old = load!(tx, Scope::All).map_err(WriteError::Store)?;
            let mut new = old.clone();
            let value = change(&mut new).map_err(WriteError::Rejected)?;
            if old.clusters != new.clusters {
                lock_clusters!(tx, 1);
                write_clusters_diff!(tx, old.clusters, new.clusters, &[] as &[ConnectionWrite]);
            }
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
            if dry_run {
                tx.rollback().await?;
            } else {
                tx.commit().await?;
            }
            Ok(CatalogWrite { old, new, value })
        })
    }
}
