//! Local users.

use chrono::{DateTime, Utc};

use super::{BeginWrite, Store, now, with_pool};
use crate::auth::identity::Role;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// A user to insert.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    pub email: Option<&'a str>,
}

/// Changes to a user; `None` keeps the value.
#[derive(Debug, Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    /// `Some(None)` removes the address.
    pub email: Option<Option<String>>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
}

#[derive(Debug)]
pub enum UserWrite {
    Done(UserRow),
    NotFound,
    /// The change would leave no enabled admin.
    LastAdmin,
}

/// `SELECT … FROM users`, for `concat!` with a condition.
macro_rules! select_users {
    () => {
        "SELECT id, username, display_name, email, role, password_hash, disabled, created_at, updated_at, last_login_at FROM users"
    };
}

impl Store {
    pub async fn count_users(&self) -> sqlx::Result<i64> {
        with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await)
    }

    /// Inserts a user; a taken username is `Ok(None)`.
    pub async fn insert_user(&self, new: &NewUser<'_>) -> sqlx::Result<Option<UserRow>> {
        let at = now();
        let row = UserRow {
            id: uuid::Uuid::new_v4().to_string(),
            username: new.username.to_string(),
            display_name: new.display_name.to_string(),
            email: new.email.map(str::to_string),
            role: new.role,
            password_hash: new.password_hash.to_string(),
            disabled: false,
            created_at: at,
            updated_at: at,
            last_login_at: None,
        };
        let sql = "INSERT INTO users (id, username, display_name, email, role, password_hash, disabled, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, $7)";
        let result = with_pool!(self, pool => sqlx::query(sql)
            .bind(&row.id).bind(&row.username).bind(&row.display_name).bind(&row.email).bind(row.role.as_str())
            .bind(&row.password_hash).bind(at)
            .execute(pool).await.map(|_| ()));
        match result {
            Ok(_) => Ok(Some(row)),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn user_by_username(&self, username: &str) -> sqlx::Result<Option<UserRow>> {
        with_pool!(self, pool => sqlx::query_as(concat!(select_users!(), " WHERE username = $1")).bind(username).fetch_optional(pool).await)
    }

    pub async fn user_by_id(&self, id: &str) -> sqlx::Result<Option<UserRow>> {
        with_pool!(self, pool => sqlx::query_as(concat!(select_users!(), " WHERE id = $1")).bind(id).fetch_optional(pool).await)
    }

    pub async fn list_users(&self) -> sqlx::Result<Vec<UserRow>> {
        with_pool!(self, pool => sqlx::query_as(concat!(select_users!(), " ORDER BY username")).fetch_all(pool).await)
    }

    /// Applies `changes` in one transaction, refusing to demote or disable the last enabled admin.
    /// A disabled user or a new password also ends the user's sessions.
    pub async fn update_user(&self, username: &str, changes: UserChanges) -> sqlx::Result<UserWrite> {
        let select = concat!(select_users!(), " WHERE username = $1");
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let Some(mut user) = sqlx::query_as::<_, UserRow>(select).bind(username).fetch_optional(&mut *tx).await? else {
                return Ok(UserWrite::NotFound);
            };
            let was_admin = user.role == Role::Admin && !user.disabled;
            if let Some(v) = changes.display_name { user.display_name = v; }
            if let Some(v) = changes.email { user.email = v; }
            if let Some(v) = changes.role { user.role = v; }
            if let Some(v) = changes.disabled { user.disabled = v; }
            let new_password = changes.password_hash.is_some();
            if let Some(v) = changes.password_hash { user.password_hash = v; }
            let still_admin = user.role == Role::Admin && !user.disabled;
            if was_admin && !still_admin {
                let others: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = FALSE AND id <> $1",
                ).bind(&user.id).fetch_one(&mut *tx).await?;
                if others == 0 {
                    return Ok(UserWrite::LastAdmin);
                }
            }
            user.updated_at = now();
            sqlx::query("UPDATE users SET display_name = $1, email = $2, role = $3, disabled = $4, password_hash = $5, updated_at = $6 WHERE id = $7")
                .bind(&user.display_name).bind(&user.email).bind(user.role.as_str()).bind(user.disabled)
                .bind(&user.password_hash).bind(user.updated_at).bind(&user.id)
                .execute(&mut *tx).await?;
            if user.disabled || new_password {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(&user.id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(UserWrite::Done(user))
        })
    }

    /// Deletes a user (their sessions and API keys go with them), never the last enabled admin.
    pub async fn delete_user(&self, username: &str) -> sqlx::Result<UserWrite> {
        let select = concat!(select_users!(), " WHERE username = $1");
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let Some(user) = sqlx::query_as::<_, UserRow>(select).bind(username).fetch_optional(&mut *tx).await? else {
                return Ok(UserWrite::NotFound);
            };
            if user.role == Role::Admin && !user.disabled {
                let others: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = FALSE AND id <> $1",
                ).bind(&user.id).fetch_one(&mut *tx).await?;
                if others == 0 {
                    return Ok(UserWrite::LastAdmin);
                }
            }
            sqlx::query("DELETE FROM users WHERE id = $1").bind(&user.id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(UserWrite::Done(user))
        })
    }

    /// Sets a user's own new password and ends their other sessions.
    pub async fn change_password(
        &self,
        user_id: &str,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> sqlx::Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(password_hash).bind(now()).bind(user_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
                .bind(user_id).bind(keep_session.unwrap_or("")).execute(&mut *tx).await?;
            tx.commit().await
        })
    }

    pub async fn set_last_login(&self, user_id: &str) -> sqlx::Result<()> {
        with_pool!(self, pool => sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
            .bind(now()).bind(user_id).execute(pool).await.map(|_| ()))
    }
}
