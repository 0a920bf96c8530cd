//! Audit events: append, query with filters, prune by age.

use chrono::{DateTime, SubsecRound, Utc};
use futures::TryStreamExt;

use super::audit_writer::event_columns;
use super::{Db, Store, with_pool};
use crate::audit::chain::{self, ChainedEvent, Walk};
use crate::audit::model::{AuditEvent, AuditVerification, ChainLink};

/// Exact-match filters; `None` matches everything.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub verb: Option<String>,
    pub outcome: Option<String>,
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub request_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

enum Arg {
    Text(String),
    Time(DateTime<Utc>),
}

/// ` WHERE …` with `$n` placeholders for the filters that are set, and their values in order.
fn where_clause(f: &AuditFilter) -> (String, Vec<Arg>) {
    let mut terms = Vec::new();
    let mut args = Vec::new();
    let texts = [
        ("actor", &f.actor),
        ("verb", &f.verb),
        ("outcome", &f.outcome),
        ("cluster", &f.cluster),
        ("namespace", &f.namespace),
        ("name", &f.name),
        ("request_id", &f.request_id),
    ];
    for (column, value) in texts {
        if let Some(v) = value {
            args.push(Arg::Text(v.clone()));
            terms.push(format!("{column} = ${}", args.len()));
        }
    }
    for (op, value) in [(">=", f.from), ("<=", f.to)] {
        if let Some(t) = value {
            args.push(Arg::Time(t));
            terms.push(format!("at {op} ${}", args.len()));
        }
    }
    let sql = if terms.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", terms.join(" AND "))
    };
    (sql, args)
}

/// Binds `args` in order onto a query of either backend.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::Time(t) => q.bind(*t),
            };
        }
        q
    }};
}

impl Store {
    /// Appends `e` to the chain and returns once its row is committed. The store's audit writer
    /// writes it, with the rows other callers are appending meanwhile (store/audit_writer.rs). The
    /// time is kept at microseconds, what both stores hold, so the hash covers what is read back.
    pub async fn insert_audit(&self, e: &AuditEvent) -> sqlx::Result<()> {
        let mut e = e.clone();
        e.at = e.at.trunc_subsecs(6);
        self.audit_writer.append(e).await
    }

    /// One page of matching events, newest first, and how many match in all.
    pub async fn query_audit(&self, f: &AuditFilter, limit: i64, offset: i64) -> sqlx::Result<(Vec<AuditEvent>, i64)> {
        let (filter, args) = where_clause(f);
        let n = args.len();
        let page = format!(
            "SELECT {} FROM audit_events{filter} ORDER BY at DESC, id DESC LIMIT ${} OFFSET ${}",
            event_columns!(),
            n + 1,
            n + 2
        );
        let count = format!("SELECT COUNT(*) FROM audit_events{filter}");
        // Built from constant fragments only; the filter values are bound.
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let rows = bind_args!(sqlx::query_as::<_, AuditEvent>(sqlx::AssertSqlSafe(page.clone())), &args).bind(limit).bind(offset).fetch_all(&mut *tx).await?;
            let total: i64 = bind_args!(sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone())), &args).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok((rows, total))
        })
    }

    /// Deletes the rows written before `before`: the start of the chain up to the first row at or
    /// after it (a row written late with an older time waits for the rows before it). The last
    /// deleted row becomes the anchor verification starts from.
    pub async fn prune_audit(&self, before: DateTime<Utc>) -> sqlx::Result<u64> {
        let (begin, head) = self.chain_head();
        with_pool!(self, pool => {
            let mut tx = pool.begin_with(begin).await?;
            sqlx::query(head).execute(&mut *tx).await?;
            let keep_from: Option<i64> = sqlx::query_scalar("SELECT MIN(seq) FROM audit_events WHERE at >= $1")
                .bind(before).fetch_one(&mut *tx).await?;
            let last: Option<(i64, String)> = sqlx::query_as("SELECT seq, hash FROM audit_events WHERE seq < $1 ORDER BY seq DESC LIMIT 1")
                .bind(keep_from.unwrap_or(i64::MAX)).fetch_optional(&mut *tx).await?;
            let Some((seq, hash)) = last else { return Ok(0) };
            let deleted = sqlx::query("DELETE FROM audit_events WHERE seq <= $1").bind(seq).execute(&mut *tx).await?.rows_affected();
            sqlx::query("UPDATE audit_chain SET anchor_seq = $1, anchor_hash = $2 WHERE id = 1")
                .bind(seq).bind(&hash).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(deleted)
        })
    }

    /// Gives the rows a migration placed in the chain their hashes, once (until then the head's
    /// `last_hash` is empty); `migrate` calls it, so no row is appended before.
    pub(super) async fn hash_migrated_audit(&self) -> sqlx::Result<()> {
        let (begin, head) = self.chain_head();
        with_pool!(self, pool => {
            let mut tx = pool.begin_with(begin).await?;
            let (_, last_hash): (i64, String) = sqlx::query_as(head).fetch_one(&mut *tx).await?;
            if !last_hash.is_empty() {
                return Ok(());
            }
            let rows: Vec<ChainedEvent> = sqlx::query_as(CHAINED_ROWS).bind(0i64).bind(i64::MAX).fetch_all(&mut *tx).await?;
            let mut prev = chain::genesis();
            for row in rows {
                let link = chain::follow(&prev, &row.event);
                sqlx::query("UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE seq = $3")
                    .bind(&prev.hash).bind(&link.hash).bind(row.seq).execute(&mut *tx).await?;
                prev = ChainLink { seq: row.seq, hash: link.hash };
            }
            sqlx::query(SET_HEAD).bind(prev.seq).bind(&prev.hash).execute(&mut *tx).await?;
            tx.commit().await
        })
    }

    /// Recomputes the chain over the rows from the first at or after `from` to the last at or
    /// before `to` (or to the head, which is then checked too), in one snapshot.
    pub async fn verify_audit(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> sqlx::Result<AuditVerification> {
        let begin = match self.db {
            Db::Sqlite(_) => "BEGIN",
            Db::Postgres(_) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_with(begin).await?;
            let (last_seq, last_hash, anchor_seq, anchor_hash): (i64, String, i64, String) =
                sqlx::query_as("SELECT last_seq, last_hash, anchor_seq, anchor_hash FROM audit_chain WHERE id = 1")
                    .fetch_one(&mut *tx).await?;
            let anchor = ChainLink { seq: anchor_seq, hash: anchor_hash };
            let head = ChainLink { seq: last_seq, hash: last_hash };
            let start = match from {
                None => None,
                Some(t) => sqlx::query_scalar("SELECT MIN(seq) FROM audit_events WHERE at >= $1").bind(t).fetch_one(&mut *tx).await?,
            };
            let start = start.unwrap_or(if from.is_some() { last_seq + 1 } else { 0 }).max(anchor_seq + 1);
            let end = match to {
                None => Some(i64::MAX),
                Some(t) => sqlx::query_scalar("SELECT MAX(seq) FROM audit_events WHERE at <= $1").bind(t).fetch_one(&mut *tx).await?,
            };
            let before: Option<(i64, String)> = sqlx::query_as("SELECT seq, hash FROM audit_events WHERE seq < $1 AND seq > $2 ORDER BY seq DESC LIMIT 1")
                .bind(start).bind(anchor_seq).fetch_optional(&mut *tx).await?;
            let mut walk = Walk::after(before.map_or_else(|| anchor.clone(), |(seq, hash)| ChainLink { seq, hash }));
            if let Some(end) = end {
                let mut rows = sqlx::query_as::<_, ChainedEvent>(CHAINED_ROWS).bind(start).bind(end).fetch(&mut *tx);
                while let Some(row) = rows.try_next().await? {
                    if !walk.step(&row) {
                        break;
                    }
                }
            }
            Ok(walk.finish(anchor, head, to.is_none()))
        })
    }

    /// How pruning and the upgrade's hashing begin and lock the head: SQLite's `BEGIN IMMEDIATE`
    /// takes the write lock before anything is read; on Postgres the head row is locked until the
    /// transaction ends, so the audit writer's head move waits for it.
    fn chain_head(&self) -> (&'static str, &'static str) {
        match self.db {
            Db::Sqlite(_) => (
                "BEGIN IMMEDIATE",
                "SELECT last_seq, last_hash FROM audit_chain WHERE id = 1",
            ),
            Db::Postgres(_) => (
                "BEGIN",
                "SELECT last_seq, last_hash FROM audit_chain WHERE id = 1 FOR UPDATE",
            ),
        }
    }
}

/// The rows with `seq` between `$1` and `$2`, in chain order.
const CHAINED_ROWS: &str = concat!(
    "SELECT seq, prev_hash, hash, ",
    event_columns!(),
    " FROM audit_events WHERE seq >= $1 AND seq <= $2 ORDER BY seq"
);

/// Moves the head to `$1`, `$2` (seq, hash).
const SET_HEAD: &str = "UPDATE audit_chain SET last_seq = $1, last_hash = $2 WHERE id = 1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_clause_numbers_only_the_filters_set() {
        let (sql, args) = where_clause(&AuditFilter::default());
        assert_eq!(sql, "");
        assert!(args.is_empty());
        let f = AuditFilter {
            actor: Some("alice".into()),
            outcome: Some("denied".into()),
            to: Some(Utc::now()),
            ..Default::default()
        };
        let (sql, args) = where_clause(&f);
        assert_eq!(sql, " WHERE actor = $1 AND outcome = $2 AND at <= $3");
        assert_eq!(args.len(), 3);
    }
}
