//! Memory: runbooks (Markdown on how to handle classes of findings) and fixes (what was done about
//! a finding, and whether it worked).

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::{BeginWrite, Store, with_pool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunbookRow {
    pub id: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub tags: Json<Vec<String>>,
    /// The finding classes it is for, by their JSON names.
    pub classes: Json<Vec<String>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// A runbook's new content (a whole replacement).
#[derive(Debug)]
pub struct RunbookContent {
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub classes: Vec<String>,
}

/// How a runbook's fixes went.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunbookStatsRow {
    pub runbook_id: String,
    pub successes: i64,
    pub failures: i64,
    pub last_used_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FixRow {
    pub id: String,
    /// None once the runbook was deleted, or when the fix followed none.
    pub runbook_id: Option<String>,
    pub finding_id: Option<String>,
    pub class: String,
    pub cluster: String,
    pub object_kind: String,
    /// Empty for cluster-scoped objects.
    pub object_namespace: String,
    pub object_name: String,
    pub action: String,
    pub success: bool,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// Which fixes a list wants; `None` matches everything.
#[derive(Debug, Default)]
pub struct FixFilter<'a> {
    pub class: Option<&'a str>,
    pub finding_id: Option<&'a str>,
    pub runbook_id: Option<&'a str>,
    pub limit: u32,
}

/// Inserts the fix `$row` on `$executor` (a transaction of either backend): remediations record
/// their fix in the transaction that records their outcome.
macro_rules! insert_fix {
    ($row:expr, $executor:expr) => {
        sqlx::query(
            "INSERT INTO fixes (id, runbook_id, finding_id, class, cluster, object_kind, object_namespace, \
             object_name, action, success, note, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&$row.id)
        .bind(&$row.runbook_id)
        .bind(&$row.finding_id)
        .bind(&$row.class)
        .bind(&$row.cluster)
        .bind(&$row.object_kind)
        .bind(&$row.object_namespace)
        .bind(&$row.object_name)
        .bind(&$row.action)
        .bind($row.success)
        .bind(&$row.note)
        .bind(&$row.recorded_by)
        .bind($row.recorded_at)
        .execute($executor)
        .await
    };
}
pub(super) use insert_fix;

/// `SELECT … FROM runbooks`, for `concat!` with a condition.
macro_rules! select_runbooks {
    () => {
        "SELECT id, title, body, tags, classes, created_by, created_at, updated_by, updated_at FROM runbooks"
    };
}

/// `SELECT … FROM fixes`, for `concat!` with a condition.
macro_rules! select_fixes {
    () => {
        "SELECT id, runbook_id, finding_id, class, cluster, object_kind, object_namespace, object_name, action, \
         success, note, recorded_by, recorded_at FROM fixes"
    };
}

impl Store {
    pub async fn insert_runbook(&self, row: &RunbookRow) -> sqlx::Result<()> {
        let sql = "INSERT INTO runbooks (id, title, body, tags, classes, created_by, created_at, updated_by, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        with_pool!(self, pool => sqlx::query(sql)
            .bind(&row.id).bind(&row.title).bind(&row.body).bind(&row.tags).bind(&row.classes)
            .bind(&row.created_by).bind(row.created_at).bind(&row.updated_by).bind(row.updated_at)
            .execute(pool).await.map(|_| ()))
    }

    pub async fn runbook(&self, id: &str) -> sqlx::Result<Option<RunbookRow>> {
        let sql = concat!(select_runbooks!(), " WHERE id = $1");
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
    }

    /// Every runbook, by title.
    pub async fn runbooks(&self) -> sqlx::Result<Vec<RunbookRow>> {
        let sql = concat!(select_runbooks!(), " ORDER BY title, id");
        with_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await)
    }

    /// Replaces a runbook's content; `None` when there is no such runbook.
    pub async fn update_runbook(
        &self,
        id: &str,
        content: RunbookContent,
        by: &str,
        at: DateTime<Utc>,
    ) -> sqlx::Result<Option<RunbookRow>> {
        let select = concat!(select_runbooks!(), " WHERE id = $1");
        let update = "UPDATE runbooks SET title = $1, body = $2, tags = $3, classes = $4, updated_by = $5, updated_at = $6 \
                      WHERE id = $7";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let Some(mut row) = sqlx::query_as::<_, RunbookRow>(select).bind(id).fetch_optional(&mut *tx).await? else {
                return Ok(None);
            };
            row.title = content.title;
            row.body = content.body;
            row.tags = Json(content.tags);
            row.classes = Json(content.classes);
            row.updated_by = by.to_string();
            row.updated_at = at;
            sqlx::query(update)
                .bind(&row.title).bind(&row.body).bind(&row.tags).bind(&row.classes)
                .bind(&row.updated_by).bind(row.updated_at).bind(&row.id)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Some(row))
        })
    }

    /// Deletes a runbook (its fixes stay, without it); whether there was one.
    pub async fn delete_runbook(&self, id: &str) -> sqlx::Result<bool> {
        let sql = "DELETE FROM runbooks WHERE id = $1";
        with_pool!(self, pool => sqlx::query(sql).bind(id).execute(pool).await.map(|r| r.rows_affected() > 0))
    }

    /// How the fixes that followed each runbook went: those of `class`, or all of them.
    pub async fn runbook_stats(&self, class: Option<&str>) -> sqlx::Result<Vec<RunbookStatsRow>> {
        let sql = "SELECT runbook_id, SUM(CASE WHEN success THEN 1 ELSE 0 END) AS successes, \
                   COUNT(*) - SUM(CASE WHEN success THEN 1 ELSE 0 END) AS failures, MAX(recorded_at) AS last_used_at \
                   FROM fixes WHERE runbook_id IS NOT NULL AND ($1 IS NULL OR class = $1) GROUP BY runbook_id";
        with_pool!(self, pool => sqlx::query_as(sql).bind(class).fetch_all(pool).await)
    }

    /// Records a fix; `false` (nothing written) when it names a runbook that does not exist.
    pub async fn insert_fix(&self, row: &FixRow) -> sqlx::Result<bool> {
        let exists = "SELECT COUNT(*) FROM runbooks WHERE id = $1";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if let Some(runbook) = &row.runbook_id {
                let n: i64 = sqlx::query_scalar(exists).bind(runbook).fetch_one(&mut *tx).await?;
                if n == 0 {
                    return Ok(false);
                }
            }
            insert_fix!(row, &mut *tx)?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Fixes, newest first.
    pub async fn fixes(&self, f: &FixFilter<'_>) -> sqlx::Result<Vec<FixRow>> {
        let sql = concat!(
            select_fixes!(),
            " WHERE ($1 IS NULL OR class = $1) AND ($2 IS NULL OR finding_id = $2) AND ($3 IS NULL OR runbook_id = $3) \
             ORDER BY recorded_at DESC, id DESC LIMIT $4"
        );
        with_pool!(self, pool => sqlx::query_as(sql)
            .bind(f.class).bind(f.finding_id).bind(f.runbook_id).bind(i64::from(f.limit))
            .fetch_all(pool).await)
    }
}
