//! Console sessions, kept in the store so restarts and replicas keep them.

use chrono::{DateTime, Utc};

use super::{Store, now, with_pool};
use crate::auth::identity::Role;

/// A new session; `id` is the SHA-256 digest of the cookie's secret.
#[derive(Debug)]
pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: Option<&'a str>,
    pub token_name: Option<&'a str>,
    pub method: &'a str,
    pub expires_at: DateTime<Utc>,
    pub client_ip: &'a str,
    pub user_agent: &'a str,
}

/// A session with its user, as authentication needs it.
#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub user_id: Option<String>,
    pub token_name: Option<String>,
    pub method: String,
    pub expires_at: DateTime<Utc>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub disabled: Option<bool>,
    /// Set on OIDC sessions (see store/oidc_sessions.rs).
    pub oidc_provider: Option<String>,
    pub oidc_subject: Option<String>,
    pub oidc_email: Option<String>,
    pub oidc_name: Option<String>,
    /// JSON array.
    pub oidc_groups: Option<String>,
    pub oidc_role: Option<String>,
    pub oidc_scope: Option<String>,
    pub oidc_token_expires_at: Option<DateTime<Utc>>,
}

impl Store {
    pub async fn insert_session(&self, s: &NewSession<'_>) -> sqlx::Result<()> {
        let sql = "INSERT INTO sessions (id, user_id, token_name, method, created_at, expires_at, client_ip, user_agent) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        with_pool!(self, pool => sqlx::query(sql)
            .bind(s.id).bind(s.user_id).bind(s.token_name).bind(s.method).bind(now())
            .bind(s.expires_at).bind(s.client_ip).bind(s.user_agent)
            .execute(pool).await.map(|_| ()))
    }

    /// The live (unexpired) session with this id.
    pub async fn live_session(&self, id: &str) -> sqlx::Result<Option<SessionRow>> {
        let sql = "SELECT s.id, s.user_id, s.token_name, s.method, s.expires_at, \
                          u.username, u.display_name, u.role, u.disabled, \
                          s.oidc_provider, s.oidc_subject, s.oidc_email, s.oidc_name, s.oidc_groups, s.oidc_role, \
                          s.oidc_scope, s.oidc_token_expires_at \
                   FROM sessions s LEFT JOIN users u ON u.id = s.user_id \
                   WHERE s.id = $1 AND s.expires_at > $2";
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).bind(now()).fetch_optional(pool).await)
    }

    pub async fn delete_session(&self, id: &str) -> sqlx::Result<()> {
        with_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(pool).await.map(|_| ()))
    }

    pub async fn prune_sessions(&self) -> sqlx::Result<u64> {
        with_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now()).execute(pool).await.map(|r| r.rows_affected()))
    }
}

impl SessionRow {
    pub fn user_role(&self) -> Option<Role> {
        self.role.as_deref().and_then(|r| r.parse().ok())
    }
}
