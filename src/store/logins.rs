//! The login history: every sign-in attempt, by subject, newest first.

use chrono::{DateTime, Utc};

use super::{Store, now, with_pool};

/// One attempt to record.
#[derive(Debug)]
pub struct NewLogin<'a> {
    /// The username, `token:<name>`, or the OIDC subject; what was attempted when unknown.
    pub subject: &'a str,
    /// `password`, `token` or `oidc`.
    pub method: &'a str,
    pub provider: Option<&'a str>,
    pub client_ip: &'a str,
    /// `success`, `failure` or `denied`.
    pub outcome: &'a str,
    /// A failure's stable code.
    pub reason: Option<&'a str>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginRow {
    pub id: String,
    pub subject: String,
    pub at: DateTime<Utc>,
    pub method: String,
    pub provider: Option<String>,
    pub client_ip: String,
    pub outcome: String,
    pub reason: Option<String>,
}

impl Store {
    pub async fn record_login(&self, l: &NewLogin<'_>) -> sqlx::Result<()> {
        let sql = "INSERT INTO logins (id, subject, at, method, provider, client_ip, outcome, reason) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        // v7 ids sort by time, so they page the history.
        with_pool!(self, pool => sqlx::query(sql)
            .bind(uuid::Uuid::now_v7().to_string()).bind(l.subject).bind(now()).bind(l.method)
            .bind(l.provider).bind(l.client_ip).bind(l.outcome).bind(l.reason)
            .execute(pool).await.map(|_| ()))
    }

    /// A page of `subject`'s logins, newest first, older than the login `before` when given.
    pub async fn logins_of(&self, subject: &str, before: Option<&str>, limit: u32) -> sqlx::Result<Vec<LoginRow>> {
        let sql = "SELECT id, subject, at, method, provider, client_ip, outcome, reason FROM logins \
                   WHERE subject = $1 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3";
        with_pool!(self, pool => sqlx::query_as(sql).bind(subject).bind(before).bind(i64::from(limit)).fetch_all(pool).await)
    }
}
