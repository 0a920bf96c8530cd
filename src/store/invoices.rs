//! Rate cards (as JSON), issued invoices (as JSON, never changed) and their credit notes.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::{BeginWrite, Store, unique_violation, with_pool};

/// An issued invoice as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvoiceRow {
    pub tenant_id: String,
    pub month: String,
    pub number: String,
    pub body: Json<serde_json::Value>,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CreditNoteRow {
    pub id: String,
    pub tenant_id: String,
    pub month: String,
    /// An exact decimal.
    pub amount: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// The rate card of `tenant_id` ('' for the defaults), when one was set.
    pub async fn rate_card(&self, tenant_id: &str) -> sqlx::Result<Option<Json<serde_json::Value>>> {
        let sql = "SELECT body FROM rate_cards WHERE tenant_id = $1";
        with_pool!(self, pool => sqlx::query_scalar(sql).bind(tenant_id).fetch_optional(pool).await)
    }

    pub async fn set_rate_card(
        &self,
        tenant_id: &str,
        body: &serde_json::Value,
        by: &str,
        at: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        let sql = "INSERT INTO rate_cards (tenant_id, body, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (tenant_id) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by, \
                   updated_at = excluded.updated_at";
        with_pool!(self, pool => sqlx::query(sql).bind(tenant_id).bind(Json(body)).bind(by).bind(at)
            .execute(pool).await.map(|_| ()))
    }

    pub async fn invoice(&self, tenant_id: &str, month: &str) -> sqlx::Result<Option<InvoiceRow>> {
        let sql = "SELECT tenant_id, month, number, body, issued_by, issued_at FROM invoices \
                   WHERE tenant_id = $1 AND month = $2";
        with_pool!(self, pool => sqlx::query_as(sql).bind(tenant_id).bind(month).fetch_optional(pool).await)
    }

    /// Issues an invoice; false when the tenant's month (or the number) was issued already.
    pub async fn insert_invoice(&self, r: &InvoiceRow) -> sqlx::Result<bool> {
        let sql = "INSERT INTO invoices (tenant_id, month, number, body, issued_by, issued_at) \
                   VALUES ($1, $2, $3, $4, $5, $6)";
        let done = with_pool!(self, pool => sqlx::query(sql).bind(&r.tenant_id).bind(&r.month).bind(&r.number)
            .bind(&r.body).bind(&r.issued_by).bind(r.issued_at).execute(pool).await.map(|_| ()));
        match done {
            Ok(_) => Ok(true),
            Err(e) if unique_violation(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn credit_notes(&self, tenant_id: &str, month: &str) -> sqlx::Result<Vec<CreditNoteRow>> {
        let sql = "SELECT id, tenant_id, month, amount, reason, created_by, created_at FROM credit_notes \
                   WHERE tenant_id = $1 AND month = $2 ORDER BY created_at, id";
        with_pool!(self, pool => sqlx::query_as(sql).bind(tenant_id).bind(month).fetch_all(pool).await)
    }

    /// Adds a credit note when `allowed` accepts the notes already against the invoice (read in
    /// the same transaction, so two notes cannot both fit the same remainder). Whether it did.
    pub async fn insert_credit_note(
        &self,
        r: &CreditNoteRow,
        allowed: impl Fn(&[CreditNoteRow]) -> bool,
    ) -> sqlx::Result<bool> {
        let select = "SELECT id, tenant_id, month, amount, reason, created_by, created_at FROM credit_notes \
                      WHERE tenant_id = $1 AND month = $2";
        let insert = "INSERT INTO credit_notes (id, tenant_id, month, amount, reason, created_by, created_at) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7)";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let notes: Vec<CreditNoteRow> = sqlx::query_as(select).bind(&r.tenant_id).bind(&r.month)
                .fetch_all(&mut *tx).await?;
            if !allowed(&notes) {
                return Ok(false);
            }
            sqlx::query(insert).bind(&r.id).bind(&r.tenant_id).bind(&r.month).bind(&r.amount).bind(&r.reason)
                .bind(&r.created_by).bind(r.created_at).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(true)
        })
    }
}
