//! The two migration folders describe the same logical schema.

mod common;

use std::collections::BTreeMap;

use common::TestDb;
use sqlx::Row;

/// table → [(column, portable type, not null)] as the database itself reports it.
type Schema = BTreeMap<String, Vec<(String, &'static str, bool)>>;

/// Maps each backend's type names onto one vocabulary; timestamps are TEXT on SQLite by design,
/// and named `at`, `hour` (the start of one) or `…_at`.
fn portable(backend: &str, column: &str, ty: &str) -> &'static str {
    match (backend, ty.to_ascii_lowercase().as_str()) {
        ("sqlite", "text") if column == "at" || column == "hour" || column.ends_with("_at") => "timestamp",
        ("postgres", "timestamp with time zone") => "timestamp",
        (_, "text") => "text",
        (_, "boolean") => "boolean",
        (_, "integer") => "integer",
        (_, "bigint") => "bigint",
        ("postgres", "jsonb") | ("sqlite", "json") => "json",
        (b, other) => panic!("{b}: column {column} has type {other}, which has no portable meaning yet"),
    }
}

async fn sqlite_schema(db: &TestDb) -> Schema {
    let fleetdeck::store::Db::Sqlite(pool) = db.store().await.db else {
        unreachable!()
    };
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' \
         AND name NOT LIKE 'assistant_fts%'", // SQLite's full-text index (and its shadow tables): no columns to compare
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for t in tables {
        let rows = sqlx::query("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid")
            .bind(&t)
            .fetch_all(&pool)
            .await
            .unwrap();
        let cols = rows
            .iter()
            .map(|r| {
                let name: String = r.get(0);
                let ty: String = r.get(1);
                let not_null = r.get::<i64, _>(2) == 1 || r.get::<i64, _>(3) == 1;
                (name.clone(), portable("sqlite", &name, &ty), not_null)
            })
            .collect();
        schema.insert(t, cols);
    }
    schema
}

async fn postgres_schema(db: &TestDb) -> Schema {
    let fleetdeck::store::Db::Postgres(pool) = db.store().await.db else {
        unreachable!()
    };
    let rows = sqlx::query(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for r in rows {
        let (t, c, ty, nullable): (String, String, String, String) = (r.get(0), r.get(1), r.get(2), r.get(3));
        let ty = portable("postgres", &c, &ty);
        schema.entry(t).or_default().push((c, ty, nullable == "NO"));
    }
    schema
}

#[test]
fn both_folders_have_the_same_migrations() {
    let names = |dir: &str| {
        let mut v: Vec<String> = std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"));
}

#[tokio::test]
async fn both_backends_build_the_same_schema() {
    let sqlite = TestDb::sqlite().await;
    let s = sqlite_schema(&sqlite).await;
    assert!(s.contains_key("users") && s.contains_key("audit_events"), "{s:?}");
    let Some(pg) = TestDb::postgres().await else { return };
    let p = postgres_schema(&pg).await;
    pg.cleanup().await;
    assert_eq!(s.keys().collect::<Vec<_>>(), p.keys().collect::<Vec<_>>(), "tables");
    for (table, cols) in &s {
        assert_eq!(cols, &p[table], "columns of {table} (name, type, not null)");
    }
}
