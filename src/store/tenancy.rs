//! Tenancy: tenants, their projects (a namespace in a cluster, with a quota) and the projects'
//! apps; the platform policy (one row of JSON).

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::{BeginWrite, Store, unique_violation, with_pool};
use crate::auth::identity::TenancyScope;
use crate::incidents::risk_guard::images;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TenantRow {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProjectRow {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub cluster: String,
    pub namespace: String,
    /// The ResourceQuota's hard limits, by resource name.
    pub quota: Json<serde_json::Value>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Raised by every change to the project, its apps or the platform policy.
    pub generation: i64,
    /// The generation last applied to the cluster, when, and the last failure since.
    pub synced_generation: i64,
    pub synced_at: Option<DateTime<Utc>>,
    pub sync_error: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppRow {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub image: String,
    pub replicas: i32,
    pub port: Option<i32>,
    pub host: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Why a tenancy write was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenancyConflict {
    /// The name is taken (a tenant's; a project's within its tenant; an app's within its project).
    NameTaken,
    /// Another project has the namespace in that cluster.
    NamespaceTaken,
    /// A tenant with projects, or a project with apps.
    NotEmpty,
    NotFound,
    /// The check given to the write refused the tenant's projects as they would be.
    Refused,
}

/// A write's outcome: done, or refused for a reason.
pub type TenancyWrite<T> = sqlx::Result<Result<T, TenancyConflict>>;

/// `SELECT … FROM tenants` (and projects, apps), for `concat!` with a condition.
macro_rules! select_tenants {
    () => {
        "SELECT id, name, display_name, created_by, created_at, updated_at FROM tenants"
    };
}
macro_rules! select_projects {
    () => {
        "SELECT id, tenant_id, name, cluster, namespace, quota, created_by, created_at, updated_at, \
         generation, synced_generation, synced_at, sync_error FROM projects"
    };
}
macro_rules! select_apps {
    () => {
        "SELECT id, project_id, name, image, replicas, port, host, created_by, created_at, updated_at FROM apps"
    };
}

/// Marks a project (`$1`) as changed: the project sync applies it again.
const RAISE_GENERATION: &str = "UPDATE projects SET generation = generation + 1 WHERE id = $1";

/// A refusal for a UNIQUE violation, else the error.
fn taken<T>(e: sqlx::Error, conflict: TenancyConflict) -> TenancyWrite<T> {
    if unique_violation(&e) {
        Ok(Err(conflict))
    } else {
        Err(e)
    }
}

impl Store {
    /// Whether the tenant or project a scope names exists.
    pub async fn tenancy_scope_exists(&self, scope: &TenancyScope) -> sqlx::Result<bool> {
        let (sql, id) = match scope {
            TenancyScope::Tenant(id) => ("SELECT COUNT(*) FROM tenants WHERE id = $1", id),
            TenancyScope::Project(id) => ("SELECT COUNT(*) FROM projects WHERE id = $1", id),
        };
        let n: i64 = with_pool!(self, pool => sqlx::query_scalar(sql).bind(id).fetch_one(pool).await)?;
        Ok(n > 0)
    }

    pub async fn insert_tenant(&self, t: &TenantRow) -> TenancyWrite<()> {
        let sql = "INSERT INTO tenants (id, name, display_name, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)";
        let done = with_pool!(self, pool => sqlx::query(sql).bind(&t.id).bind(&t.name).bind(&t.display_name)
            .bind(&t.created_by).bind(t.created_at).bind(t.updated_at).execute(pool).await.map(|_| ()));
        match done {
            Ok(_) => Ok(Ok(())),
            Err(e) => taken(e, TenancyConflict::NameTaken),
        }
    }

    /// Every tenant, by name.
    pub async fn tenants(&self) -> sqlx::Result<Vec<TenantRow>> {
        let sql = concat!(select_tenants!(), " ORDER BY name");
        with_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await)
    }

    pub async fn tenant(&self, id: &str) -> sqlx::Result<Option<TenantRow>> {
        let sql = concat!(select_tenants!(), " WHERE id = $1");
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
    }

    pub async fn update_tenant(
        &self,
        id: &str,
        display_name: &str,
        at: DateTime<Utc>,
    ) -> sqlx::Result<Option<TenantRow>> {
        let sql = "UPDATE tenants SET display_name = $1, updated_at = $2 WHERE id = $3";
        let n = with_pool!(self, pool => sqlx::query(sql).bind(display_name).bind(at).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        match n {
            0 => Ok(None),
            _ => self.tenant(id).await,
        }
    }

    /// Deletes a tenant without projects.
    pub async fn delete_tenant(&self, id: &str) -> TenancyWrite<TenantRow> {
        let select = concat!(select_tenants!(), " WHERE id = $1");
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let Some(row): Option<TenantRow> = sqlx::query_as(select).bind(id).fetch_optional(&mut *tx).await? else {
                return Ok(Err(TenancyConflict::NotFound));
            };
            let projects: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE tenant_id = $1").bind(id).fetch_one(&mut *tx).await?;
            if projects > 0 {
                return Ok(Err(TenancyConflict::NotEmpty));
            }
            sqlx::query("DELETE FROM tenants WHERE id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Ok(row))
        })
    }

    /// Adds a project when `fits` accepts its tenant's projects with it (read in the write's
    /// transaction, so two projects cannot both fit the same remainder).
    pub async fn insert_project(&self, p: &ProjectRow, fits: impl FnOnce(&[ProjectRow]) -> bool) -> TenancyWrite<()> {
        let select = concat!(select_projects!(), " WHERE tenant_id = $1");
        let sql = "INSERT INTO projects (id, tenant_id, name, cluster, namespace, quota, created_by, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        let done = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut projects: Vec<ProjectRow> = sqlx::query_as(select).bind(&p.tenant_id).fetch_all(&mut *tx).await?;
            projects.push(p.clone());
            if !fits(&projects) {
                return Ok(Err(TenancyConflict::Refused));
            }
            let inserted = sqlx::query(sql).bind(&p.id).bind(&p.tenant_id).bind(&p.name).bind(&p.cluster)
                .bind(&p.namespace).bind(&p.quota).bind(&p.created_by).bind(p.created_at).bind(p.updated_at)
                .execute(&mut *tx).await;
            match inserted {
                Ok(_) => tx.commit().await,
                Err(e) => Err(e),
            }
        });
        match done {
            Ok(_) => Ok(Ok(())),
            Err(e) => {
                // Which UNIQUE it broke: the namespace when another project holds it.
                let namespace_taken = self.project_in(&p.cluster, &p.namespace).await?.is_some();
                taken(
                    e,
                    if namespace_taken {
                        TenancyConflict::NamespaceTaken
                    } else {
                        TenancyConflict::NameTaken
                    },
                )
            }
        }
    }

    /// The projects whose namespaces are in `cluster`.
    pub async fn projects_in_cluster(&self, cluster: &str) -> sqlx::Result<Vec<ProjectRow>> {
        let sql = concat!(select_projects!(), " WHERE cluster = $1");
        with_pool!(self, pool => sqlx::query_as(sql).bind(cluster).fetch_all(pool).await)
    }

    async fn project_in(&self, cluster: &str, namespace: &str) -> sqlx::Result<Option<ProjectRow>> {
        let sql = concat!(select_projects!(), " WHERE cluster = $1 AND namespace = $2");
        with_pool!(self, pool => sqlx::query_as(sql).bind(cluster).bind(namespace).fetch_optional(pool).await)
    }

    /// Projects by tenant and name; of one tenant when `tenant_id` is given.
    pub async fn projects(&self, tenant_id: Option<&str>) -> sqlx::Result<Vec<ProjectRow>> {
        let sql = concat!(
            select_projects!(),
            " WHERE ($1 IS NULL OR tenant_id = $1) ORDER BY tenant_id, name"
        );
        with_pool!(self, pool => sqlx::query_as(sql).bind(tenant_id).fetch_all(pool).await)
    }

    pub async fn project(&self, id: &str) -> sqlx::Result<Option<ProjectRow>> {
        let sql = concat!(select_projects!(), " WHERE id = $1");
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
    }

    /// Replaces a project's quota when `fits` accepts its tenant's projects with the new quota
    /// (read in the write's transaction).
    pub async fn update_project_quota(
        &self,
        id: &str,
        quota: &serde_json::Value,
        at: DateTime<Utc>,
        fits: impl FnOnce(&[ProjectRow]) -> bool,
    ) -> TenancyWrite<ProjectRow> {
        let select = concat!(
            select_projects!(),
            " WHERE tenant_id = (SELECT tenant_id FROM projects WHERE id = $1)"
        );
        let sql = "UPDATE projects SET quota = $1, updated_at = $2, generation = generation + 1 WHERE id = $3";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut projects: Vec<ProjectRow> = sqlx::query_as(select).bind(id).fetch_all(&mut *tx).await?;
            let Some(project) = projects.iter_mut().find(|p| p.id == id) else {
                return Ok(Err(TenancyConflict::NotFound));
            };
            project.quota = Json(quota.clone());
            if !fits(&projects) {
                return Ok(Err(TenancyConflict::Refused));
            }
            sqlx::query(sql).bind(Json(quota)).bind(at).bind(id).execute(&mut *tx).await?;
            let row = sqlx::query_as(concat!(select_projects!(), " WHERE id = $1")).bind(id).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(Ok(row))
        })
    }

    /// Deletes a project without apps.
    pub async fn delete_project(&self, id: &str) -> TenancyWrite<ProjectRow> {
        let select = concat!(select_projects!(), " WHERE id = $1");
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let Some(row): Option<ProjectRow> = sqlx::query_as(select).bind(id).fetch_optional(&mut *tx).await? else {
                return Ok(Err(TenancyConflict::NotFound));
            };
            let apps: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM apps WHERE project_id = $1").bind(id).fetch_one(&mut *tx).await?;
            if apps > 0 {
                return Ok(Err(TenancyConflict::NotEmpty));
            }
            sqlx::query("DELETE FROM projects WHERE id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Ok(row))
        })
    }

    /// Adds an app; its project is to be synced again.
    pub async fn insert_app(&self, a: &AppRow) -> TenancyWrite<()> {
        let sql = "INSERT INTO apps (id, project_id, name, image, replicas, port, host, created_by, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let inserted = sqlx::query(sql).bind(&a.id).bind(&a.project_id).bind(&a.name).bind(&a.image)
                .bind(a.replicas).bind(a.port).bind(&a.host).bind(&a.created_by).bind(a.created_at).bind(a.updated_at)
                .execute(&mut *tx).await;
            if let Err(e) = inserted {
                return taken(e, TenancyConflict::NameTaken);
            }
            sqlx::query(RAISE_GENERATION).bind(&a.project_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Ok(()))
        })
    }

    /// Apps by project and name; of one project when `project_id` is given.
    pub async fn apps(&self, project_id: Option<&str>) -> sqlx::Result<Vec<AppRow>> {
        let sql = concat!(
            select_apps!(),
            " WHERE ($1 IS NULL OR project_id = $1) ORDER BY project_id, name"
        );
        with_pool!(self, pool => sqlx::query_as(sql).bind(project_id).fetch_all(pool).await)
    }

    pub async fn app(&self, id: &str) -> sqlx::Result<Option<AppRow>> {
        let sql = concat!(select_apps!(), " WHERE id = $1");
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
    }

    /// Replaces an app's image, replicas, port and host; its project is to be synced again.
    pub async fn update_app(&self, a: &AppRow) -> sqlx::Result<Option<AppRow>> {
        let sql = "UPDATE apps SET image = $1, replicas = $2, port = $3, host = $4, updated_at = $5 WHERE id = $6";
        let n = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(sql).bind(&a.image).bind(a.replicas).bind(a.port).bind(&a.host)
                .bind(a.updated_at).bind(&a.id).execute(&mut *tx).await?.rows_affected();
            sqlx::query(RAISE_GENERATION).bind(&a.project_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        })?;
        match n {
            0 => Ok(None),
            _ => self.app(&a.id).await,
        }
    }

    /// Deletes an app; its project is to be synced again (which prunes the app's objects).
    pub async fn delete_app(&self, id: &str) -> sqlx::Result<Option<AppRow>> {
        let select = concat!(select_apps!(), " WHERE id = $1");
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let Some(app): Option<AppRow> = sqlx::query_as(select).bind(id).fetch_optional(&mut *tx).await? else {
                return Ok(None);
            };
            sqlx::query("DELETE FROM apps WHERE id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query(RAISE_GENERATION).bind(&app.project_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Some(app))
        })
    }

    /// Records that generation `generation` of project `id` is in its cluster.
    pub async fn project_synced(&self, id: &str, generation: i64, at: DateTime<Utc>) -> sqlx::Result<()> {
        let sql = "UPDATE projects SET synced_generation = $1, synced_at = $2, sync_error = NULL WHERE id = $3";
        with_pool!(self, pool => sqlx::query(sql).bind(generation).bind(at).bind(id).execute(pool).await.map(|_| ()))
    }

    /// Records why project `id` could not be synced.
    pub async fn project_sync_failed(&self, id: &str, error: &str) -> sqlx::Result<()> {
        let sql = "UPDATE projects SET sync_error = $1 WHERE id = $2";
        with_pool!(self, pool => sqlx::query(sql).bind(error).bind(id).execute(pool).await.map(|_| ()))
    }

    /// The platform policy's JSON and who set it when; none before it was first set.
    pub async fn platform_policy(&self) -> sqlx::Result<Option<(Json<serde_json::Value>, String, DateTime<Utc>)>> {
        let sql = "SELECT body, updated_by, updated_at FROM platform_policy WHERE id = 1";
        with_pool!(self, pool => sqlx::query_as(sql).fetch_optional(pool).await)
    }

    /// The image allowlist the risk guard holds manifests to: the platform policy's when it
    /// names any, else the server's (`server`).
    pub async fn risk_guard_allowlist(&self, server: &[String]) -> sqlx::Result<Vec<String>> {
        let body = self.platform_policy().await?.map(|(body, _, _)| body.0);
        let policy: Vec<String> = body
            .and_then(|b| serde_json::from_value(b["imageAllowlist"].clone()).ok())
            .unwrap_or_default();
        Ok(images::in_force(&policy, server).to_vec())
    }

    /// Sets the policy; every project is to be synced again (its baseline egress may change).
    pub async fn set_platform_policy(&self, body: &serde_json::Value, by: &str, at: DateTime<Utc>) -> sqlx::Result<()> {
        let sql = "INSERT INTO platform_policy (id, body, updated_by, updated_at) VALUES (1, $1, $2, $3) \
                   ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by, updated_at = excluded.updated_at";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(sql).bind(Json(body)).bind(by).bind(at).execute(&mut *tx).await?;
            sqlx::query("UPDATE projects SET generation = generation + 1").execute(&mut *tx).await?;
            tx.commit().await
        })
    }
}
