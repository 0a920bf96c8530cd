//! Key/value settings the server keeps for itself.

use super::{Store, now, with_pool};

impl Store {
    pub async fn setting(&self, key: &str) -> sqlx::Result<Option<String>> {
        with_pool!(self, pool => sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(pool).await)
    }

    pub async fn put_setting(&self, key: &str, value: &str) -> sqlx::Result<()> {
        let sql = "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";
        with_pool!(self, pool => sqlx::query(sql).bind(key).bind(value).bind(now()).execute(pool).await.map(|_| ()))
    }

    pub async fn delete_setting(&self, key: &str) -> sqlx::Result<()> {
        with_pool!(self, pool => sqlx::query("DELETE FROM settings WHERE key = $1").bind(key).execute(pool).await.map(|_| ()))
    }
}
