//! The assistant's store: the searchable mirror (`assistant_documents`, kept by triggers on the
//! sources; the docs' sections written here), the questions asked and the feedback on what their
//! answers cited. Search is the one query that differs by backend: FTS5's bm25 on SQLite,
//! `ts_rank` over the GIN-indexed tsvector on Postgres.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::{BeginWrite, Db, Store, with_pool};

/// A mirrored text that matched a search; `score` is higher for better matches (its scale is
/// the backend's own).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentHit {
    pub kind: String,
    pub ref_id: String,
    /// Where a finding is; '' for everything else.
    pub cluster: String,
    pub namespace: String,
    pub title: String,
    pub body: String,
    pub score: f64,
}

/// A reference an answer cited: (kind, id).
pub type CitedRef = (String, String);

/// One question as kept: scrubbed, never the raw text.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssistantQueryRow {
    pub id: String,
    pub subject: String,
    pub question: String,
    pub cluster: Option<String>,
    pub mode: String,
    pub model_fallback: bool,
    pub citations: Json<Vec<CitedRef>>,
    pub latency_ms: i32,
    pub at: DateTime<Utc>,
}

/// Net feedback on one reference: helpful votes minus unhelpful ones.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FeedbackNetRow {
    pub kind: String,
    pub ref_id: String,
    pub net: i64,
}

/// A reference's place, for the visibility check: (cluster, namespace) of each mirrored text.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentPlaceRow {
    pub cluster: String,
    pub namespace: String,
    pub title: String,
}

/// The setting holding the fingerprint of the docs' sections last written to the mirror.
const DOCS_FINGERPRINT: &str = "assistant_docs_fingerprint";

const SEARCH_SQLITE: &str = "SELECT d.kind, d.ref_id, d.cluster, d.namespace, d.title, d.body, \
     -bm25(assistant_fts, 2.0, 1.0) AS score \
     FROM assistant_fts JOIN assistant_documents d ON d.seq = assistant_fts.rowid \
     WHERE assistant_fts MATCH $1 ORDER BY score DESC, d.source LIMIT $2";

/// The tsvector expression is the GIN index's (migrations/postgres/0014_assistant.sql); the
/// rank is divided by 1 + the log of the text's length (normalization 1), so long doc sections
/// do not outrank short texts for holding more words.
const SEARCH_POSTGRES: &str = "SELECT kind, ref_id, cluster, namespace, title, body, \
     ts_rank(setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B'), \
             to_tsquery('english', $1), 1)::float8 AS score \
     FROM assistant_documents \
     WHERE (setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')) \
           @@ to_tsquery('english', $1) \
     ORDER BY score DESC, source LIMIT $2";

impl Store {
    /// The best `limit` mirrored texts holding any of `terms` (plain words of letters and digits,
    /// which the caller made sure of; each is quoted for FTS5 all the same).
    pub async fn search_documents(&self, terms: &[String], limit: u32) -> sqlx::Result<Vec<DocumentHit>> {
        if terms.is_empty() {
            return Ok(vec![]);
        }
        let limit = i64::from(limit);
        match &self.db {
            Db::Sqlite(pool) => {
                let query = terms
                    .iter()
                    .map(|t| format!("\"{}\"", t.replace('"', "")))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                sqlx::query_as(SEARCH_SQLITE)
                    .bind(query)
                    .bind(limit)
                    .fetch_all(pool)
                    .await
            }
            Db::Postgres(pool) => {
                let query = terms
                    .iter()
                    .map(|t| t.chars().filter(|c| c.is_alphanumeric()).collect::<String>())
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
                    .join(" | ");
                sqlx::query_as(SEARCH_POSTGRES)
                    .bind(query)
                    .bind(limit)
                    .fetch_all(pool)
                    .await
            }
        }
    }

    /// Where the texts mirrored for a reference are (a finding has one; runbooks, incidents and
    /// docs are nowhere in particular).
    pub async fn document_places(&self, kind: &str, ref_id: &str) -> sqlx::Result<Vec<DocumentPlaceRow>> {
        let sql = "SELECT cluster, namespace, title FROM assistant_documents WHERE kind = $1 AND ref_id = $2 \
                   ORDER BY source";
        with_pool!(self, pool => sqlx::query_as(sql).bind(kind).bind(ref_id).fetch_all(pool).await)
    }

    /// Replaces the docs' sections in the mirror, in one transaction, unless the ones with this
    /// fingerprint are already there; each is (source, id, title, body). Whether it wrote.
    pub async fn sync_doc_sections(
        &self,
        fingerprint: &str,
        sections: &[(String, String, String, String)],
    ) -> sqlx::Result<bool> {
        let read = "SELECT value FROM settings WHERE key = $1";
        let delete = "DELETE FROM assistant_documents WHERE kind = 'doc'";
        let insert = "INSERT INTO assistant_documents (source, kind, ref_id, cluster, namespace, title, body) \
                      VALUES ($1, 'doc', $2, '', '', $3, $4)";
        let mark = "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";
        with_pool!(self, pool => {
            let current: Option<String> = sqlx::query_scalar(read).bind(DOCS_FINGERPRINT).fetch_optional(pool).await?;
            if current.as_deref() == Some(fingerprint) {
                return Ok(false);
            }
            let mut tx = pool.begin_write().await?;
            // Another replica (or request) may have written them while this one waited.
            let current: Option<String> = sqlx::query_scalar(read).bind(DOCS_FINGERPRINT).fetch_optional(&mut *tx).await?;
            if current.as_deref() == Some(fingerprint) {
                return Ok(false);
            }
            sqlx::query(delete).execute(&mut *tx).await?;
            for (source, id, title, body) in sections {
                sqlx::query(insert).bind(source).bind(id).bind(title).bind(body).execute(&mut *tx).await?;
            }
            sqlx::query(mark).bind(DOCS_FINGERPRINT).bind(fingerprint).bind(super::now()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    pub async fn insert_assistant_query(&self, row: &AssistantQueryRow) -> sqlx::Result<()> {
        let sql = "INSERT INTO assistant_queries (id, subject, question, cluster, mode, model_fallback, citations, \
                   latency_ms, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        with_pool!(self, pool => sqlx::query(sql)
            .bind(&row.id).bind(&row.subject).bind(&row.question).bind(&row.cluster).bind(&row.mode)
            .bind(row.model_fallback).bind(&row.citations).bind(row.latency_ms).bind(row.at)
            .execute(pool).await.map(|_| ()))
    }

    pub async fn assistant_query(&self, id: &str) -> sqlx::Result<Option<AssistantQueryRow>> {
        let sql = "SELECT id, subject, question, cluster, mode, model_fallback, citations, latency_ms, at \
                   FROM assistant_queries WHERE id = $1";
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
    }

    /// The questions asked since `since`, oldest first.
    pub async fn assistant_queries_since(&self, since: DateTime<Utc>) -> sqlx::Result<Vec<AssistantQueryRow>> {
        let sql = "SELECT id, subject, question, cluster, mode, model_fallback, citations, latency_ms, at \
                   FROM assistant_queries WHERE at >= $1 ORDER BY at, id";
        with_pool!(self, pool => sqlx::query_as(sql).bind(since).fetch_all(pool).await)
    }

    /// Records (or replaces) `subject`'s verdict on one reference a query cited.
    pub async fn put_assistant_feedback(
        &self,
        query_id: &str,
        (kind, ref_id): (&str, &str),
        subject: &str,
        helpful: bool,
        at: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        let sql = "INSERT INTO assistant_feedback (query_id, kind, ref_id, subject, helpful, at) \
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (query_id, kind, ref_id, subject) \
                   DO UPDATE SET helpful = excluded.helpful, at = excluded.at";
        with_pool!(self, pool => sqlx::query(sql)
            .bind(query_id).bind(kind).bind(ref_id).bind(subject).bind(helpful).bind(at)
            .execute(pool).await.map(|_| ()))
    }

    /// Net feedback on every reference that has any.
    pub async fn assistant_feedback_net(&self) -> sqlx::Result<Vec<FeedbackNetRow>> {
        let sql = "SELECT kind, ref_id, SUM(CASE WHEN helpful THEN 1 ELSE -1 END) AS net \
                   FROM assistant_feedback GROUP BY kind, ref_id";
        with_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await)
    }

    /// Verdicts given since `since`: (helpful, unhelpful).
    pub async fn assistant_feedback_counts(&self, since: DateTime<Utc>) -> sqlx::Result<(i64, i64)> {
        let sql = "SELECT COALESCE(SUM(CASE WHEN helpful THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN helpful THEN 0 ELSE 1 END), 0) FROM assistant_feedback WHERE at >= $1";
        with_pool!(self, pool => sqlx::query_as(sql).bind(since).fetch_one(pool).await)
    }
}
