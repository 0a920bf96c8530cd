//! What OIDC sessions keep beyond a session: the identity the provider asserted, its tokens
//! (sealed by the caller) and the claim that lets one request at a time renew them.

use chrono::{DateTime, Utc};

use super::sessions::NewSession;
use super::{Store, now, with_pool};

/// The provider's side of a session; the tokens arrive sealed.
#[derive(Debug)]
pub struct OidcIdentity<'a> {
    pub provider: &'a str,
    pub subject: &'a str,
    pub email: Option<&'a str>,
    pub name: &'a str,
    /// JSON array.
    pub groups: &'a str,
    pub role: &'a str,
    /// `tenant:<id>` or `project:<id>`.
    pub scope: Option<&'a str>,
    pub refresh_token: Option<&'a str>,
    pub id_token: Option<&'a str>,
    pub token_expires_at: DateTime<Utc>,
}

/// The sealed tokens of a session.
#[derive(Debug, sqlx::FromRow)]
pub struct SealedTokens {
    pub oidc_refresh_token: Option<String>,
    pub oidc_id_token: Option<String>,
}

impl Store {
    pub async fn insert_oidc_session(&self, s: &NewSession<'_>, o: &OidcIdentity<'_>) -> sqlx::Result<()> {
        let sql = "INSERT INTO sessions (id, method, created_at, expires_at, client_ip, user_agent, \
                   oidc_provider, oidc_subject, oidc_email, oidc_name, oidc_groups, oidc_role, oidc_scope, \
                   oidc_refresh_token, oidc_id_token, oidc_token_expires_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";
        with_pool!(self, pool => sqlx::query(sql)
            .bind(s.id).bind(s.method).bind(now()).bind(s.expires_at).bind(s.client_ip).bind(s.user_agent)
            .bind(o.provider).bind(o.subject).bind(o.email).bind(o.name).bind(o.groups).bind(o.role).bind(o.scope)
            .bind(o.refresh_token).bind(o.id_token).bind(o.token_expires_at)
            .execute(pool).await.map(|_| ()))
    }

    /// Claims the renewal of a session until `until`; false when another request holds it.
    pub async fn claim_oidc_refresh(&self, id: &str, until: DateTime<Utc>) -> sqlx::Result<bool> {
        let sql = "UPDATE sessions SET oidc_refresh_claim_ends_at = $1 \
                   WHERE id = $2 AND (oidc_refresh_claim_ends_at IS NULL OR oidc_refresh_claim_ends_at <= $3)";
        with_pool!(self, pool => sqlx::query(sql).bind(until).bind(id).bind(now())
            .execute(pool).await.map(|r| r.rows_affected() == 1))
    }

    pub async fn oidc_tokens(&self, id: &str) -> sqlx::Result<Option<SealedTokens>> {
        let sql = "SELECT oidc_refresh_token, oidc_id_token FROM sessions WHERE id = $1";
        with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)
    }

    /// Writes a renewal's identity and tokens and releases the claim.
    pub async fn renew_oidc_session(&self, id: &str, o: &OidcIdentity<'_>) -> sqlx::Result<()> {
        let sql = "UPDATE sessions SET oidc_email = $1, oidc_name = $2, oidc_groups = $3, oidc_role = $4, oidc_scope = $5, \
                   oidc_refresh_token = $6, oidc_id_token = $7, oidc_token_expires_at = $8, oidc_refresh_claim_ends_at = NULL \
                   WHERE id = $9";
        with_pool!(self, pool => sqlx::query(sql)
            .bind(o.email).bind(o.name).bind(o.groups).bind(o.role).bind(o.scope)
            .bind(o.refresh_token).bind(o.id_token).bind(o.token_expires_at).bind(id)
            .execute(pool).await.map(|_| ()))
    }

    /// Ends every session of a provider's subject; returns how many.
    pub async fn delete_oidc_sessions(&self, provider: &str, subject: &str) -> sqlx::Result<u64> {
        with_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE oidc_provider = $1 AND oidc_subject = $2")
            .bind(provider).bind(subject).execute(pool).await.map(|r| r.rows_affected()))
    }

    /// Ends every session of a local user or of a bootstrap token; returns how many.
    pub async fn delete_sessions_of(&self, user_id: Option<&str>, token_name: Option<&str>) -> sqlx::Result<u64> {
        with_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE user_id = $1 OR token_name = $2")
            .bind(user_id).bind(token_name).execute(pool).await.map(|r| r.rows_affected()))
    }
}
