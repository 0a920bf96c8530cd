//! Audit insert benchmark (`cargo bench --bench audit`): what the hash chain costs. On SQLite and,
//! when FLEETDECK_TEST_DATABASE_URL names a Postgres server, on a database of its own there: rows
//! appended by `Store::insert_audit` (through the store's audit writer) against plain
//! inserts of the same rows into `audit_events_plain`, a copy of the table as it was before the
//! chain (same columns and indexes), through the same pool. Rounds alternate so drift hits both
//! alike; one writer, then 8 at once. See docs/benchmarks.md.

use std::time::{Duration, Instant};

use fleetdeck::audit::model::{AuditEvent, Outcome};
use fleetdeck::store::{Db, Store};

const ROUNDS: usize = 5;
const ROWS_PER_ROUND: usize = 2_000;
const WRITERS: usize = 8;

/// The audit table before the chain (migrations/*/0001_foundation.sql), under another name.
const PLAIN_TABLE: [&str; 4] = [
    "CREATE TABLE audit_events_plain (id TEXT PRIMARY KEY, at TIMESTAMP_TYPE NOT NULL, actor TEXT NOT NULL, \
     actor_method TEXT NOT NULL, verb TEXT NOT NULL, resource_type TEXT NOT NULL, cluster TEXT, namespace TEXT, \
     name TEXT, outcome TEXT NOT NULL, http_status INTEGER NOT NULL, request_id TEXT NOT NULL, \
     client_ip TEXT NOT NULL, reason TEXT)",
    "CREATE INDEX audit_events_plain_at ON audit_events_plain (at)",
    "CREATE INDEX audit_events_plain_actor_at ON audit_events_plain (actor, at)",
    "CREATE INDEX audit_events_plain_request_id ON audit_events_plain (request_id)",
];

/// The statement `insert_audit` ran before the chain.
const PLAIN_INSERT: &str = "INSERT INTO audit_events_plain (id, at, actor, actor_method, verb, resource_type, \
     cluster, namespace, name, outcome, http_status, request_id, client_ip, reason) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

/// A row like the middleware writes for a scale action.
fn event() -> AuditEvent {
    AuditEvent {
        id: uuid::Uuid::now_v7().to_string(),
        at: fleetdeck::store::now(),
        actor: "alice".into(),
        actor_method: "password".into(),
        verb: "scale".into(),
        resource_type: "deployment".into(),
        cluster: Some("prod-eu-1".into()),
        namespace: Some("shop".into()),
        name: Some("checkout".into()),
        outcome: Outcome::Success,
        http_status: 200,
        request_id: uuid::Uuid::new_v4().simple().to_string(),
        client_ip: "10.1.2.3".into(),
        reason: None,
    }
}

async fn insert_plain(store: &Store, e: &AuditEvent) -> sqlx::Result<()> {
    macro_rules! run {
        ($pool:expr) => {
            sqlx::query(PLAIN_INSERT)
                .bind(&e.id)
                .bind(e.at)
                .bind(&e.actor)
                .bind(&e.actor_method)
                .bind(&e.verb)
                .bind(&e.resource_type)
                .bind(&e.cluster)
                .bind(&e.namespace)
                .bind(&e.name)
                .bind(e.outcome.as_str())
                .bind(e.http_status)
                .bind(&e.request_id)
                .bind(&e.client_ip)
                .bind(&e.reason)
                .execute($pool)
                .await
                .map(|_| ())
        };
    }
    match &store.db {
        Db::Sqlite(pool) => run!(pool),
        Db::Postgres(pool) => run!(pool),
    }
}

async fn create_plain_table(store: &Store) -> anyhow::Result<()> {
    for ddl in PLAIN_TABLE {
        match &store.db {
            Db::Sqlite(pool) => {
                let sql = ddl.replace("TIMESTAMP_TYPE", "TEXT");
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
            }
            Db::Postgres(pool) => {
                let sql = ddl.replace("TIMESTAMP_TYPE", "TIMESTAMPTZ");
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
            }
        }
    }
    Ok(())
}

/// `rows` inserts split over `writers` concurrent tasks; the elapsed time.
async fn timed(store: &Store, chained: bool, writers: usize, rows: usize) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let mut tasks: Vec<tokio::task::JoinHandle<sqlx::Result<()>>> = Vec::new();
    for _ in 0..writers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..rows / writers {
                let e = event();
                if chained {
                    store.insert_audit(&e).await?;
                } else {
                    insert_plain(&store, &e).await?;
                }
            }
            Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(start.elapsed())
}

async fn measure(backend: &str, store: &Store) -> anyhow::Result<()> {
    create_plain_table(store).await?;
    for writers in [1, WRITERS] {
        let (mut plain, mut chained) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..ROUNDS {
            plain += timed(store, false, writers, ROWS_PER_ROUND).await?;
            chained += timed(store, true, writers, ROWS_PER_ROUND).await?;
        }
        let rows = (ROUNDS * ROWS_PER_ROUND) as f64;
        let (plain_rate, chained_rate) = (rows / plain.as_secs_f64(), rows / chained.as_secs_f64());
        println!(
            "{backend:<8} writers={writers}  plain {plain_rate:>8.0} rows/s  chained {chained_rate:>8.0} rows/s  \
             ratio {:.2}  chain cost {:.1} %",
            chained_rate / plain_rate,
            100.0 * (1.0 - chained_rate / plain_rate)
        );
    }
    let v = store.verify_audit(None, None).await?;
    anyhow::ensure!(v.ok, "the chain does not verify after the benchmark: {v:?}");
    println!("{backend:<8} verify of {} rows: ok", v.checked);
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("bench.db").display())).await?;
    store.migrate().await?;
    measure("sqlite", &store).await?;
    store.close().await;

    let Ok(admin) = std::env::var("FLEETDECK_TEST_DATABASE_URL") else {
        println!("FLEETDECK_TEST_DATABASE_URL is not set: no Postgres run");
        return Ok(());
    };
    let name = format!("fleetdeck_bench_{}", uuid::Uuid::new_v4().simple());
    let server = sqlx::PgPool::connect(&admin).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&server)
        .await?;
    let (base, _) = admin.rsplit_once('/').expect("a URL with a database name");
    let store = Store::connect(&format!("{base}/{name}")).await?;
    store.migrate().await?;
    let result = measure("postgres", &store).await;
    store.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
        .execute(&server)
        .await?;
    result
}
