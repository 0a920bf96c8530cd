//! Plans and orders: what tenants may buy, and what they bought (with the plan as it was then).

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::{Store, unique_violation, with_pool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlanRow {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub description: String,
    /// An exact decimal, in `currency`.
    pub price: String,
    pub currency: String,
    pub period_days: i32,
    pub quota: Json<serde_json::Value>,
    pub active: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderRow {
    pub id: String,
    pub tenant_id: String,
    pub plan_id: String,
    /// The plan as it was ordered.
    pub plan: Json<serde_json::Value>,
    pub amount: String,
    pub currency: String,
    /// `pending`, `paid` or `canceled`.
    pub status: String,
    pub checkout_session: Option<String>,
    pub checkout_url: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    /// `stripe` or `manual`.
    pub paid_via: Option<String>,
    /// The Stripe payment (or the admin who marked it paid).
    pub payment_ref: Option<String>,
    pub ends_at: Option<DateTime<Utc>>,
    pub canceled_at: Option<DateTime<Utc>>,
    pub canceled_by: Option<String>,
}

/// How an order was paid.
#[derive(Debug, Clone)]
pub struct Payment<'a> {
    pub via: &'static str,
    pub reference: &'a str,
    pub at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Stripe's: the order's checkout session must be this one.
    pub checkout_session: Option<&'a str>,
}

/// `SELECT … FROM plans` (and orders), for `concat!` with a condition.
macro_rules! select_plans {
    () => {
        "SELECT id, name, display_name, description, price, currency, period_days, quota, active, created_by, \
         created_at, updated_at FROM plans"
    };
}
macro_rules! select_orders {
    () => {
        "SELECT id, tenant_id, plan_id, plan, amount, currency, status, checkout_session, checkout_url, created_by, \
         created_at, paid_at, paid_via, payment_ref, ends_at, canceled_at, canceled_by FROM orders"
    };
}

impl Store {
    /// Plans by name.
    pub async fn plans(&self) -> sqlx::Result<Vec<PlanRow>> {
        let sql = concat!(select_plans!(), " ORDER BY name");
        with_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await)
    }

    pub async fn plan(&self, id: &str) -> sqlx::Result<Option<PlanRow>> {
        let sql = concat!(select_plans!(), " WHERE id = $1");
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
    }

    /// Adds a plan; false when its name is taken.
    pub async fn insert_plan(&self, p: &PlanRow) -> sqlx::Result<bool> {
        let sql = "INSERT INTO plans (id, name, display_name, description, price, currency, period_days, quota, \
                   active, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
        let done = with_pool!(self, pool => sqlx::query(sql).bind(&p.id).bind(&p.name).bind(&p.display_name)
            .bind(&p.description).bind(&p.price).bind(&p.currency).bind(p.period_days).bind(&p.quota).bind(p.active)
            .bind(&p.created_by).bind(p.created_at).bind(p.updated_at).execute(pool).await.map(|_| ()));
        match done {
            Ok(()) => Ok(true),
            Err(e) if unique_violation(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Replaces what a plan says; whether it exists, None when the new name is taken.
    pub async fn update_plan(&self, p: &PlanRow) -> sqlx::Result<Option<bool>> {
        let sql = "UPDATE plans SET name = $1, display_name = $2, description = $3, price = $4, currency = $5, \
                   period_days = $6, quota = $7, active = $8, updated_at = $9 WHERE id = $10";
        let done = with_pool!(self, pool => sqlx::query(sql).bind(&p.name).bind(&p.display_name).bind(&p.description)
            .bind(&p.price).bind(&p.currency).bind(p.period_days).bind(&p.quota).bind(p.active).bind(p.updated_at)
            .bind(&p.id).execute(pool).await.map(|r| r.rows_affected() > 0));
        match done {
            Ok(found) => Ok(Some(found)),
            Err(e) if unique_violation(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes a plan (its orders keep what it was); whether it existed.
    pub async fn delete_plan(&self, id: &str) -> sqlx::Result<bool> {
        with_pool!(self, pool => sqlx::query("DELETE FROM plans WHERE id = $1").bind(id).execute(pool).await
            .map(|r| r.rows_affected() > 0))
    }

    /// Orders, newest first; of one tenant when `tenant_id` is given.
    pub async fn orders(&self, tenant_id: Option<&str>) -> sqlx::Result<Vec<OrderRow>> {
        let sql = concat!(
            select_orders!(),
            " WHERE ($1 IS NULL OR tenant_id = $1) ORDER BY created_at DESC, id DESC"
        );
        with_pool!(self, pool => sqlx::query_as(sql).bind(tenant_id).fetch_all(pool).await)
    }

    pub async fn order(&self, id: &str) -> sqlx::Result<Option<OrderRow>> {
        let sql = concat!(select_orders!(), " WHERE id = $1");
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
    }

    /// A tenant's paid orders whose entitlement lasts past `at`.
    pub async fn entitling_orders(&self, tenant_id: &str, at: DateTime<Utc>) -> sqlx::Result<Vec<OrderRow>> {
        let sql = concat!(
            select_orders!(),
            " WHERE tenant_id = $1 AND status = 'paid' AND ends_at > $2 ORDER BY paid_at, id"
        );
        with_pool!(self, pool => sqlx::query_as(sql).bind(tenant_id).bind(at).fetch_all(pool).await)
    }

    pub async fn insert_order(&self, o: &OrderRow) -> sqlx::Result<()> {
        let sql = "INSERT INTO orders (id, tenant_id, plan_id, plan, amount, currency, status, created_by, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        with_pool!(self, pool => sqlx::query(sql).bind(&o.id).bind(&o.tenant_id).bind(&o.plan_id).bind(&o.plan)
            .bind(&o.amount).bind(&o.currency).bind(&o.status).bind(&o.created_by).bind(o.created_at)
            .execute(pool).await.map(|_| ()))
    }

    /// Records a pending order's checkout session; false when the order is no longer pending.
    pub async fn set_checkout(&self, id: &str, session: &str, url: &str) -> sqlx::Result<bool> {
        let sql = "UPDATE orders SET checkout_session = $1, checkout_url = $2 WHERE id = $3 AND status = 'pending'";
        with_pool!(self, pool => sqlx::query(sql).bind(session).bind(url).bind(id).execute(pool).await
            .map(|r| r.rows_affected() > 0))
    }

    /// Forgets the page of a pending order's checkout session once Stripe has let it expire, so
    /// a new one can be made (the session's id stays: the next one's idempotency key names it).
    pub async fn expire_checkout(&self, session: &str) -> sqlx::Result<bool> {
        let sql = "UPDATE orders SET checkout_url = NULL WHERE checkout_session = $1 AND status = 'pending'";
        with_pool!(self, pool => sqlx::query(sql).bind(session).execute(pool).await.map(|r| r.rows_affected() > 0))
    }

    /// Marks a pending order paid; false when it is not pending (paid already, or canceled) or,
    /// paid through Stripe, when the session is not the order's.
    pub async fn mark_paid(&self, id: &str, p: &Payment<'_>) -> sqlx::Result<bool> {
        let sql = "UPDATE orders SET status = 'paid', paid_at = $1, paid_via = $2, payment_ref = $3, ends_at = $4 \
                   WHERE id = $5 AND status = 'pending' AND ($6 IS NULL OR checkout_session = $6)";
        with_pool!(self, pool => sqlx::query(sql).bind(p.at).bind(p.via).bind(p.reference).bind(p.ends_at).bind(id)
            .bind(p.checkout_session).execute(pool).await.map(|r| r.rows_affected() > 0))
    }

    /// Cancels a pending order, or a paid one too when `paid` is true; false when it is not one.
    pub async fn cancel_order(&self, id: &str, paid: bool, by: &str, at: DateTime<Utc>) -> sqlx::Result<bool> {
        let sql = "UPDATE orders SET status = 'canceled', canceled_at = $1, canceled_by = $2 \
                   WHERE id = $3 AND (status = 'pending' OR ($4 AND status = 'paid'))";
        with_pool!(self, pool => sqlx::query(sql).bind(at).bind(by).bind(id).bind(paid)
            .execute(pool).await.map(|r| r.rows_affected() > 0))
    }
}
