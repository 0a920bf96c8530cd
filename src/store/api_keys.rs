//! API keys: stored as SHA-256 digests, owned by a user or a bootstrap token.

use chrono::{DateTime, Utc};

use super::{BeginWrite, Store, now, with_pool};
use crate::auth::identity::{Owner, Role, TenancyScope};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: String,
    pub prefix: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub cluster_dns: Option<String>,
    #[sqlx(try_from = "OptionalScope")]
    pub scope: Option<TenancyScope>,
}

/// The `scope` column as read: NULL or a scope.
#[derive(sqlx::Type)]
#[sqlx(transparent)]
pub struct OptionalScope(Option<String>);

impl TryFrom<OptionalScope> for Option<TenancyScope> {
    type Error = String;
    fn try_from(s: OptionalScope) -> Result<Self, String> {
        s.0.map(|s| s.parse()).transpose()
    }
}

/// A key found by its digest, with what authentication needs of its owner.
#[derive(Debug, sqlx::FromRow)]
pub struct ApiKeyOwnerRow {
    pub id: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub user_id: Option<String>,
    pub token_name: Option<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub cluster_dns: Option<String>,
    #[sqlx(try_from = "OptionalScope")]
    pub scope: Option<TenancyScope>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub user_role: Option<String>,
    pub disabled: Option<bool>,
}

pub struct NewApiKey<'a> {
    pub digest: &'a str,
    pub prefix: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub owner: &'a Owner,
    pub expires_at: Option<DateTime<Utc>>,
    pub cluster_dns: Option<&'a str>,
    pub scope: Option<&'a TenancyScope>,
}

/// `SELECT … FROM api_keys`, for `concat!` with a condition.
macro_rules! select_keys {
    () => {
        "SELECT id, prefix, name, role, created_at, last_used_at, expires_at, cluster_dns, scope FROM api_keys"
    };
}

fn owner_columns(owner: &Owner) -> (Option<&str>, Option<&str>) {
    match owner {
        Owner::User(id) => (Some(id.as_str()), None),
        Owner::Token(name) => (None, Some(name.as_str())),
        // Matches no key (`= NULL` is never true): a proxy-named user has none.
        Owner::Proxy(_) => (None, None),
        Owner::Provider(_) => (None, None),
    }
}

impl Store {
    pub async fn insert_api_key(&self, k: &NewApiKey<'_>) -> sqlx::Result<ApiKeyRow> {
        let row = ApiKeyRow {
            id: uuid::Uuid::new_v4().to_string(),
            prefix: k.prefix.to_string(),
            name: k.name.to_string(),
            role: k.role,
            created_at: now(),
            last_used_at: None,
            expires_at: k.expires_at,
            cluster_dns: k.cluster_dns.map(str::to_string),
            scope: k.scope.cloned(),
        };
        let (user_id, token_name) = owner_columns(k.owner);
        let sql = "INSERT INTO api_keys (id, digest, prefix, name, role, user_id, token_name, created_at, expires_at, cluster_dns, scope) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
        with_pool!(self, pool => sqlx::query(sql)
            .bind(&row.id).bind(k.digest).bind(k.prefix).bind(k.name).bind(k.role.as_str())
            .bind(user_id).bind(token_name).bind(row.created_at).bind(k.expires_at).bind(k.cluster_dns)
            .bind(k.scope.map(ToString::to_string))
            .execute(pool).await.map(|_| ()))?;
        Ok(row)
    }

    pub async fn api_keys_of(&self, owner: &Owner) -> sqlx::Result<Vec<ApiKeyRow>> {
        let (user_id, token_name) = owner_columns(owner);
        let sql = concat!(
            select_keys!(),
            " WHERE user_id = $1 OR token_name = $2 ORDER BY created_at DESC, id"
        );
        with_pool!(self, pool => sqlx::query_as(sql).bind(user_id).bind(token_name).fetch_all(pool).await)
    }

    /// Revokes one of the owner's keys; `false` when the owner has no such key.
    pub async fn delete_api_key(&self, id: &str, owner: &Owner) -> sqlx::Result<Option<ApiKeyRow>> {
        let (user_id, token_name) = owner_columns(owner);
        let select = concat!(select_keys!(), " WHERE id = $1 AND (user_id = $2 OR token_name = $3)");
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<ApiKeyRow> = sqlx::query_as(select).bind(id).bind(user_id).bind(token_name).fetch_optional(&mut *tx).await?;
            if row.is_some() {
                sqlx::query("DELETE FROM api_keys WHERE id = $1").bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(row)
        })
    }

    pub async fn api_key_by_digest(&self, digest: &str) -> sqlx::Result<Option<ApiKeyOwnerRow>> {
        let sql = "SELECT k.id, k.name, k.role, k.user_id, k.token_name, k.last_used_at, k.expires_at, k.cluster_dns, \
                          k.scope, u.username, u.display_name, u.role AS user_role, u.disabled \
                   FROM api_keys k LEFT JOIN users u ON u.id = k.user_id WHERE k.digest = $1";
        with_pool!(self, pool => sqlx::query_as(sql).bind(digest).fetch_optional(pool).await)
    }

    pub async fn touch_api_key(&self, id: &str, at: DateTime<Utc>) -> sqlx::Result<()> {
        with_pool!(self, pool => sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
            .bind(at).bind(id).execute(pool).await.map(|_| ()))
    }
}
