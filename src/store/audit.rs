//! Audit events: append, query with filters, prune by age.

use chrono::{DateTime, Utc};

use super::{Store, with_pool};
use crate::audit::model::AuditEvent;

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
    pub async fn insert_audit(&self, e: &AuditEvent) -> sqlx::Result<()> {
        let sql = "INSERT INTO audit_events (id, at, actor, actor_method, verb, resource_type, cluster, namespace, name, \
                   outcome, http_status, request_id, client_ip, reason) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
        with_pool!(self, pool => sqlx::query(sql)
            .bind(&e.id).bind(e.at).bind(&e.actor).bind(&e.actor_method).bind(&e.verb).bind(&e.resource_type)
            .bind(&e.cluster).bind(&e.namespace).bind(&e.name).bind(e.outcome.as_str()).bind(e.http_status)
            .bind(&e.request_id).bind(&e.client_ip).bind(&e.reason)
            .execute(pool).await.map(|_| ()))
    }

    /// One page of matching events, newest first, and how many match in all.
    pub async fn query_audit(&self, f: &AuditFilter, limit: i64, offset: i64) -> sqlx::Result<(Vec<AuditEvent>, i64)> {
        let (filter, args) = where_clause(f);
        let n = args.len();
        let page = format!(
            "SELECT id, at, actor, actor_method, verb, resource_type, cluster, namespace, name, outcome, http_status, \
             request_id, client_ip, reason FROM audit_events{filter} ORDER BY at DESC, id DESC LIMIT ${} OFFSET ${}",
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

    pub async fn prune_audit(&self, before: DateTime<Utc>) -> sqlx::Result<u64> {
        with_pool!(self, pool => sqlx::query("DELETE FROM audit_events WHERE at < $1")
            .bind(before).execute(pool).await.map(|r| r.rows_affected()))
    }
}

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
