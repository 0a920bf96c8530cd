//! Password reset links and pending self-service registrations: only digests of their secrets.

use chrono::{DateTime, Utc};

use super::{BeginWrite, Store, now, with_pool};

/// Why a reset link was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetRefused {
    /// No such link (never issued, or replaced by a newer one).
    Unknown,
    Used,
    Expired,
}

/// A reset link with its user: (user id, expires_at, used_at, username).
type ResetLinkRow = (String, DateTime<Utc>, Option<DateTime<Utc>>, String);

/// A pending registration, as the verification step needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegistrationRow {
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub code_digest: String,
    pub attempts: i32,
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Stores a new reset link for the user, deleting the links issued before it.
    pub async fn insert_password_reset(
        &self,
        digest: &str,
        user_id: &str,
        expires_at: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM password_resets WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO password_resets (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(digest).bind(user_id).bind(now()).bind(expires_at)
                .execute(&mut *tx).await?;
            tx.commit().await
        })
    }

    /// Consumes the link with this digest: marks it used, sets the user's password and ends all
    /// their sessions, in one transaction. Returns the user's (id, username).
    pub async fn consume_password_reset(
        &self,
        digest: &str,
        password_hash: &str,
    ) -> sqlx::Result<Result<(String, String), ResetRefused>> {
        let select = "SELECT r.user_id, r.expires_at, r.used_at, u.username \
                      FROM password_resets r JOIN users u ON u.id = r.user_id WHERE r.id = $1";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<ResetLinkRow> =
                sqlx::query_as(select).bind(digest).fetch_optional(&mut *tx).await?;
            let at = now();
            let (user_id, username) = match row {
                None => return Ok(Err(ResetRefused::Unknown)),
                Some((_, _, Some(_), _)) => return Ok(Err(ResetRefused::Used)),
                Some((_, expires_at, None, _)) if expires_at <= at => return Ok(Err(ResetRefused::Expired)),
                Some((user_id, _, None, username)) => (user_id, username),
            };
            sqlx::query("UPDATE password_resets SET used_at = $1 WHERE id = $2").bind(at).bind(digest).execute(&mut *tx).await?;
            sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(password_hash).bind(at).bind(&user_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(&user_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Ok((user_id, username)))
        })
    }

    /// Stores a pending registration, replacing any earlier one for the same username.
    pub async fn upsert_registration(&self, r: &RegistrationRow) -> sqlx::Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM registrations WHERE username = $1").bind(&r.username).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO registrations (username, email, password_hash, code_digest, attempts, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&r.username).bind(&r.email).bind(&r.password_hash).bind(&r.code_digest)
            .bind(r.attempts).bind(now()).bind(r.expires_at)
            .execute(&mut *tx).await?;
            tx.commit().await
        })
    }

    pub async fn registration(&self, username: &str) -> sqlx::Result<Option<RegistrationRow>> {
        let sql = "SELECT username, email, password_hash, code_digest, attempts, expires_at FROM registrations WHERE username = $1";
        with_pool!(self, pool => sqlx::query_as(sql).bind(username).fetch_optional(pool).await)
    }

    /// Spends one of the registration's `max` verification attempts; false when none is left.
    /// Counted before the code is compared, so concurrent guesses cannot exceed `max`.
    pub async fn spend_registration_attempt(&self, username: &str, max: i32) -> sqlx::Result<bool> {
        with_pool!(self, pool => sqlx::query("UPDATE registrations SET attempts = attempts + 1 WHERE username = $1 AND attempts < $2")
            .bind(username).bind(max).execute(pool).await.map(|r| r.rows_affected() == 1))
    }

    pub async fn delete_registration(&self, username: &str) -> sqlx::Result<()> {
        with_pool!(self, pool => sqlx::query("DELETE FROM registrations WHERE username = $1")
            .bind(username).execute(pool).await.map(|_| ()))
    }

    /// Drops reset links and registrations past their expiry.
    pub async fn prune_account_tokens(&self) -> sqlx::Result<u64> {
        let at = now();
        with_pool!(self, pool => {
            let resets = sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1").bind(at).execute(pool).await?;
            let registrations = sqlx::query("DELETE FROM registrations WHERE expires_at <= $1").bind(at).execute(pool).await?;
            Ok(resets.rows_affected() + registrations.rows_affected())
        })
    }
}
