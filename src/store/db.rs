//! The pool of either backend (its own file so that the audit writer, which `Store` holds, can
//! name it without importing the store's root).

use sqlx::{PgPool, SqlitePool};

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}
