//! The store's one audit writer: a task that appends the rows callers queue, so concurrent
//! callers share one commit. It takes every row waiting (up to `MAX_BATCH`), chains them in order
//! after the head it keeps, writes the rows and the moved head in one transaction, then tells
//! each caller. The head moves only if it is still where the writer last saw it; when another
//! replica moved it, the writer reads it again and chains the rows again (docs/api.md#the-chain).

use std::sync::LazyLock;

use sqlx::error::ErrorKind;
use sqlx::{PgPool, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use super::db::Db;
use crate::audit::chain;
use crate::audit::model::{AuditEvent, ChainLink};

/// The columns of an `AuditEvent`, in `FromRow` order.
macro_rules! event_columns {
    () => {
        "id, at, actor, actor_method, verb, resource_type, cluster, namespace, name, outcome, http_status, \
         request_id, client_ip, reason"
    };
}
pub(super) use event_columns;

/// The most rows one write carries: 17 parameters each stays far below SQLite's 32,766
/// (Postgres gets one array per column).
const MAX_BATCH: usize = 256;
const COLUMNS: usize = 17;
const _: () = assert!(4 + MAX_BATCH * COLUMNS <= 32_766);

/// A row waiting, and where to say whether it was committed.
struct Queued {
    event: AuditEvent,
    committed: oneshot::Sender<sqlx::Result<()>>,
}

/// The queue to the store's writer. The writer ends when the pool is closed or every clone of
/// this is dropped.
#[derive(Clone, Debug)]
pub(super) struct AuditWriter(mpsc::Sender<Queued>);

impl AuditWriter {
    pub(super) fn spawn(db: Db) -> AuditWriter {
        let (queue, rows) = mpsc::channel(MAX_BATCH * 4);
        tokio::spawn(run(db, rows));
        AuditWriter(queue)
    }

    /// Appends `event` and returns once its row is committed.
    pub(super) async fn append(&self, event: AuditEvent) -> sqlx::Result<()> {
        let (committed, answer) = oneshot::channel();
        let queued = Queued { event, committed };
        self.0.send(queued).await.map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.unwrap_or(Err(sqlx::Error::PoolClosed))
    }
}

async fn run(db: Db, mut rows: mpsc::Receiver<Queued>) {
    let closed = match &db {
        Db::Sqlite(pool) => pool.close_event(),
        Db::Postgres(pool) => pool.close_event(),
    };
    let mut closed = std::pin::pin!(closed);
    let mut head = None;
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        tokio::select! {
            biased;
            () = &mut closed => return,
            n = rows.recv_many(&mut batch, MAX_BATCH) => if n == 0 { return },
        }
        // The first row woke the writer; callers answered a moment ago are often about to queue
        // theirs: let them run first, so they share this write instead of waiting for the next.
        tokio::task::yield_now().await;
        while batch.len() < MAX_BATCH
            && let Ok(queued) = rows.try_recv()
        {
            batch.push(queued);
        }
        let (events, callers): (Vec<AuditEvent>, Vec<_>) = batch.drain(..).map(|q| (q.event, q.committed)).unzip();
        match append(&db, &mut head, &events).await {
            Ok(()) => callers.into_iter().for_each(|c| drop(c.send(Ok(())))),
            // A row the store refuses (an id already there, say) must not take the others down:
            // each is written on its own and its caller gets its own answer.
            Err(e) if refused(&e) && events.len() > 1 => {
                for (event, caller) in events.iter().zip(callers) {
                    let _ = caller.send(append(&db, &mut head, std::slice::from_ref(event)).await);
                }
            }
            Err(e) => callers.into_iter().for_each(|c| drop(c.send(Err(copy(&e))))),
        }
    }
}

/// Appends `events` after the head in one write; reads the head again and chains them again when
/// another writer moved it. The head is forgotten on any failure (the write may have committed).
async fn append(db: &Db, head: &mut Option<ChainLink>, events: &[AuditEvent]) -> sqlx::Result<()> {
    loop {
        let prev = match head.take() {
            Some(prev) => prev,
            None => read_head(db).await?,
        };
        let mut links = chain::extend(&prev, events);
        let written = match db {
            Db::Sqlite(pool) => write_sqlite(pool, &prev, events, &links).await?,
            Db::Postgres(pool) => write_postgres(pool, &prev, events, &links).await?,
        };
        if written {
            *head = links.pop();
            return Ok(());
        }
    }
}

async fn read_head(db: &Db) -> sqlx::Result<ChainLink> {
    let sql = "SELECT last_seq, last_hash FROM audit_chain WHERE id = 1";
    let (seq, hash) = match db {
        Db::Sqlite(pool) => sqlx::query_as(sql).fetch_one(pool).await?,
        Db::Postgres(pool) => sqlx::query_as(sql).fetch_one(pool).await?,
    };
    Ok(ChainLink { seq, hash })
}

/// Moves the head from `$3`, `$4` to `$1`, `$2` (seq, hash), or changes nothing when it is not at
/// `$3`, `$4`. On Postgres a concurrent move holds the row lock until it commits, and this
/// statement then checks the row as committed, so of two writers starting from one head, one
/// wins and the other changes nothing.
macro_rules! move_head {
    () => {
        "UPDATE audit_chain SET last_seq = $1, last_hash = $2 WHERE id = 1 AND last_seq = $3 AND last_hash = $4"
    };
}

/// The head move and the rows, in one statement run on its own (one round trip, one commit): the
/// rows come from one array per column and are inserted only when the head moved.
const POSTGRES_APPEND: &str = concat!(
    "WITH head AS (",
    move_head!(),
    " RETURNING 1) INSERT INTO audit_events (",
    event_columns!(),
    ", seq, prev_hash, hash) SELECT rows.* FROM head, UNNEST($5::text[], $6::timestamptz[], $7::text[], \
     $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::int4[], \
     $16::text[], $17::text[], $18::text[], $19::int8[], $20::text[], $21::text[]) AS rows"
);

/// Binds each row's `COLUMNS` values, row after row, in `values_rows`' order.
macro_rules! bind_rows {
    ($query:expr, $prev:expr, $events:expr, $links:expr) => {{
        let mut query = $query;
        for ((e, link), prev_hash) in $events.iter().zip($links).zip(prev_hashes($prev, $links)) {
            query = query
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
                .bind(link.seq)
                .bind(prev_hash)
                .bind(&link.hash);
        }
        query
    }};
}

/// `POSTGRES_APPEND` for one row, its values as plain parameters: most writes carry one row when
/// requests come one at a time, and 17 one-element arrays cost more to send and unpack.
static POSTGRES_APPEND_ONE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH head AS ({} RETURNING 1) INSERT INTO audit_events ({}, seq, prev_hash, hash) SELECT rows.* FROM head, ({}) AS rows",
        move_head!(),
        event_columns!(),
        values_rows(1)
    )
});

/// Whether the rows were written (false: the head was not at `prev`).
async fn write_postgres(
    pool: &PgPool,
    prev: &ChainLink,
    events: &[AuditEvent],
    links: &[ChainLink],
) -> sqlx::Result<bool> {
    let new_head = links.last().expect("a batch has rows");
    if let [_] = events {
        let append = sqlx::query(sqlx::AssertSqlSafe(POSTGRES_APPEND_ONE.as_str()))
            .bind(new_head.seq)
            .bind(&new_head.hash)
            .bind(prev.seq)
            .bind(&prev.hash);
        let inserted = bind_rows!(append, prev, events, links)
            .execute(pool)
            .await?
            .rows_affected();
        return Ok(inserted > 0);
    }
    let column = |f: fn(&AuditEvent) -> &str| events.iter().map(f).collect::<Vec<_>>();
    let optional = |f: fn(&AuditEvent) -> Option<&str>| events.iter().map(f).collect::<Vec<_>>();
    let inserted = sqlx::query(POSTGRES_APPEND)
        .bind(new_head.seq)
        .bind(&new_head.hash)
        .bind(prev.seq)
        .bind(&prev.hash)
        .bind(column(|e| &e.id))
        .bind(events.iter().map(|e| e.at).collect::<Vec<_>>())
        .bind(column(|e| &e.actor))
        .bind(column(|e| &e.actor_method))
        .bind(column(|e| &e.verb))
        .bind(column(|e| &e.resource_type))
        .bind(optional(|e| e.cluster.as_deref()))
        .bind(optional(|e| e.namespace.as_deref()))
        .bind(optional(|e| e.name.as_deref()))
        .bind(column(|e| e.outcome.as_str()))
        .bind(events.iter().map(|e| e.http_status).collect::<Vec<_>>())
        .bind(column(|e| &e.request_id))
        .bind(column(|e| &e.client_ip))
        .bind(optional(|e| e.reason.as_deref()))
        .bind(links.iter().map(|l| l.seq).collect::<Vec<_>>())
        .bind(prev_hashes(prev, links).collect::<Vec<_>>())
        .bind(links.iter().map(|l| l.hash.as_str()).collect::<Vec<_>>())
        .execute(pool)
        .await?
        .rows_affected();
    Ok(inserted > 0)
}

/// SQLite has no data-modifying `WITH`: one call runs a transaction that takes the write lock
/// first, moves the head (returning a row only if it moved), and inserts the rows only if the
/// head is now theirs. Whether the head moved is whether a row came back.
async fn write_sqlite(
    pool: &SqlitePool,
    prev: &ChainLink,
    events: &[AuditEvent],
    links: &[ChainLink],
) -> sqlx::Result<bool> {
    let new_head = links.last().expect("a batch has rows");
    // Built from constant fragments only; the values are bound.
    let append = sqlx::query(sqlx::AssertSqlSafe(sqlite_append(events.len())))
        .bind(new_head.seq)
        .bind(&new_head.hash)
        .bind(prev.seq)
        .bind(&prev.hash);
    let append = bind_rows!(append, prev, events, links);
    let mut conn = pool.acquire().await?;
    match append.fetch_all(&mut *conn).await {
        Ok(moved) => Ok(!moved.is_empty()),
        Err(e) => {
            // It stopped before its COMMIT: closing the connection rolls the transaction back.
            let _ = conn.close().await;
            Err(e)
        }
    }
}

/// The transaction `write_sqlite` runs, for `rows` rows: the head's values are `$1` to `$4`
/// (as in `move_head!`), each row's `COLUMNS` values follow.
fn sqlite_append(rows: usize) -> String {
    format!(
        "BEGIN IMMEDIATE; {} RETURNING 1; INSERT INTO audit_events ({}, seq, prev_hash, hash) SELECT * FROM ({}) \
         WHERE (SELECT last_seq = $1 AND last_hash = $2 FROM audit_chain WHERE id = 1); COMMIT",
        move_head!(),
        event_columns!(),
        values_rows(rows)
    )
}

/// `VALUES ($5, …, $21), ($22, …)`: `rows` rows of `COLUMNS` placeholders after the head's four.
fn values_rows(rows: usize) -> String {
    let row = |r: usize| {
        let placeholders: Vec<String> = (1..=COLUMNS).map(|c| format!("${}", 4 + r * COLUMNS + c)).collect();
        format!("({})", placeholders.join(", "))
    };
    let values: Vec<String> = (0..rows).map(row).collect();
    format!("VALUES {}", values.join(", "))
}

/// Each row's previous hash: `prev`'s for the first, then the link before it.
fn prev_hashes<'a>(prev: &'a ChainLink, links: &'a [ChainLink]) -> impl Iterator<Item = &'a str> {
    std::iter::once(prev)
        .chain(links)
        .map(|l| l.hash.as_str())
        .take(links.len())
}

/// Whether the store refused the rows themselves (a constraint), rather than failed to answer.
fn refused(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.kind() != ErrorKind::Other)
}

/// The failure of a batch, for each of its callers (`sqlx::Error` is not `Clone`).
fn copy(e: &sqlx::Error) -> sqlx::Error {
    match e {
        sqlx::Error::PoolClosed => sqlx::Error::PoolClosed,
        sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
        e => sqlx::Error::Io(std::io::Error::other(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sqlite_append_numbers_every_row_after_the_head() {
        let sql = sqlite_append(2);
        let values = "(VALUES ($5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21), \
                      ($22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38))";
        assert!(sql.contains(values), "{sql}");
        assert!(sql.contains("reason, seq, prev_hash, hash)"), "{sql}");
        assert!(
            sql.starts_with("BEGIN IMMEDIATE; UPDATE audit_chain") && sql.ends_with("; COMMIT"),
            "{sql}"
        );
    }

    #[test]
    fn each_row_follows_the_one_before() {
        let link = |seq: i64| ChainLink {
            seq,
            hash: format!("h{seq}"),
        };
        let links = [link(5), link(6), link(7)];
        assert_eq!(prev_hashes(&link(4), &links).collect::<Vec<_>>(), ["h4", "h5", "h6"]);
    }
}
