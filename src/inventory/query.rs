//! Server-side filtering, sorting and paging of cached rows. Pure.
//!
//! Paging is by key, not by offset: a `continue` token carries the sort value, namespace and name
//! of the last row served, and the next page starts after it. So paging through a list that
//! changes between pages repeats no row and loses none that existed throughout, as long as the
//! rows' sort values do not change meanwhile (names, namespaces and ages never do; a row whose
//! status or restarts change can move across a page boundary).

use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::rows::{CachedRow, Row};
use super::selector::LabelSelector;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortKey {
    #[default]
    Name,
    Namespace,
    Age,
    Status,
    Restarts,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    #[default]
    Asc,
    Desc,
}

/// Where the previous page ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "s")]
    sort: SortKey,
    #[serde(rename = "o")]
    order: Order,
    #[serde(rename = "v")]
    value: SortValue,
    #[serde(rename = "n")]
    namespace: String,
    #[serde(rename = "m")]
    name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
enum SortValue {
    Number(i64),
    Text(String),
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("cursors serialize"))
    }

    pub fn decode(token: &str) -> Result<Cursor, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| "the continue token is not one this server issued".to_string())?;
        serde_json::from_slice(&bytes).map_err(|_| "the continue token is not one this server issued".to_string())
    }
}

/// `name` in lower case. Object names are lower case but for a few kinds: only those pay for a
/// lower-cased copy.
pub fn lower(name: &str) -> std::borrow::Cow<'_, str> {
    match name.bytes().any(|b| b.is_ascii_uppercase()) || !name.is_ascii() {
        true => std::borrow::Cow::Owned(name.to_lowercase()),
        false => std::borrow::Cow::Borrowed(name),
    }
}

/// What a list asks for, parsed.
#[derive(Debug, Default)]
pub struct Query {
    /// Rows of these namespaces only (None: every namespace).
    pub namespaces: Option<HashSet<String>>,
    pub labels: LabelSelector,
    /// A substring of the name, lower-cased (matched case-insensitively).
    pub name_contains: Option<String>,
    pub sort: SortKey,
    pub order: Order,
    pub limit: Option<usize>,
    pub after: Option<Cursor>,
}

pub struct Page {
    pub items: Vec<Arc<CachedRow>>,
    /// Rows matching the filters, over every page.
    pub total: usize,
    /// Empty on the last page.
    pub next: String,
}

/// A sort value borrowed from a row, so sorting copies nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SortRef<'a> {
    Number(i64),
    Text(&'a str),
}

impl SortValue {
    fn as_ref(&self) -> SortRef<'_> {
        match self {
            SortValue::Number(n) => SortRef::Number(*n),
            SortValue::Text(t) => SortRef::Text(t),
        }
    }
}

impl SortRef<'_> {
    fn to_owned(self) -> SortValue {
        match self {
            SortRef::Number(n) => SortValue::Number(n),
            SortRef::Text(t) => SortValue::Text(t.to_string()),
        }
    }
}

/// Where a row sits in a sort: its value, then namespace and name (so ties never reorder).
type Key<'a> = (SortRef<'a>, &'a str, &'a str);

fn key(row: &Row, sort: SortKey) -> Key<'_> {
    let namespace = row.namespace.as_deref().unwrap_or_default();
    let value = match sort {
        SortKey::Name => SortRef::Text(&row.name),
        SortKey::Namespace => SortRef::Text(namespace),
        SortKey::Age => SortRef::Number(row.created_at.map_or(i64::MIN, |t| t.timestamp_micros())),
        SortKey::Status => SortRef::Text(&row.status),
        SortKey::Restarts => SortRef::Number(i64::from(row.restarts)),
    };
    (value, namespace, &row.name)
}

/// The order of two keys: by value in the asked direction, ties by namespace and name ascending.
fn compare(a: &Key, b: &Key, order: Order) -> Ordering {
    let by_value = match order {
        Order::Asc => a.0.cmp(&b.0),
        Order::Desc => b.0.cmp(&a.0),
    };
    by_value.then_with(|| (a.1, a.2).cmp(&(b.1, b.2)))
}

impl Query {
    /// Whether a row passes the namespace, label and name filters.
    pub fn keeps(&self, row: &Row) -> bool {
        let ns_ok = self
            .namespaces
            .as_ref()
            .is_none_or(|n| row.namespace.as_ref().is_some_and(|ns| n.contains(ns)));
        let name_ok = self
            .name_contains
            .as_ref()
            .is_none_or(|q| lower(&row.name).contains(q.as_str()));
        ns_ok && name_ok && self.labels.matches(&row.labels)
    }

    /// Sorts the (already filtered) rows and cuts the page.
    pub fn page(&self, mut rows: Vec<Arc<CachedRow>>) -> Result<Page, String> {
        if let Some(c) = &self.after
            && (c.sort != self.sort || c.order != self.order)
        {
            return Err("the continue token belongs to a list with another sort or order".into());
        }
        let total = rows.len();
        let (sort, order) = (self.sort, self.order);
        rows.sort_unstable_by(|a, b| compare(&key(&a.row, sort), &key(&b.row, sort), order));
        let start = match &self.after {
            None => 0,
            Some(c) => {
                // The cursor's key stands for the last row served, which may have changed or gone.
                let last = (c.value.as_ref(), c.namespace.as_str(), c.name.as_str());
                rows.partition_point(|r| compare(&key(&r.row, sort), &last, order) != Ordering::Greater)
            }
        };
        let end = self
            .limit
            .map_or(rows.len(), |l| start.saturating_add(l).min(rows.len()));
        let next = match rows.get(end.wrapping_sub(1)) {
            Some(last) if end < rows.len() && end > start => Cursor {
                sort,
                order: self.order,
                value: key(&last.row, sort).0.to_owned(),
                namespace: last.row.namespace.clone().unwrap_or_default(),
                name: last.row.name.clone(),
            }
            .encode(),
            _ => String::new(),
        };
        rows.truncate(end);
        rows.drain(..start.min(rows.len()));
        Ok(Page {
            items: rows,
            total,
            next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::rows::Summary;
    use serde_json::value::to_raw_value;

    fn row(ns: &str, name: &str, restarts: u32) -> Arc<CachedRow> {
        let row = Row {
            name: name.into(),
            namespace: Some(ns.into()),
            uid: format!("{ns}/{name}"),
            created_at: None,
            labels: [("app".to_string(), if restarts > 0 { "bad" } else { "ok" }.to_string())].into(),
            status: "Running".into(),
            restarts,
            summary: Summary::Other,
        };
        let json = to_raw_value(&row).unwrap();
        Arc::new(CachedRow { row, json })
    }

    fn names(p: &Page) -> Vec<String> {
        p.items
            .iter()
            .map(|r| format!("{}/{}", r.row.namespace.as_deref().unwrap_or(""), r.row.name))
            .collect()
    }

    #[test]
    fn sorts_by_each_key_with_ties_broken_by_namespace_and_name() {
        let rows = vec![row("b", "x", 3), row("a", "y", 0), row("a", "x", 3)];
        let q = |sort, order| Query {
            sort,
            order,
            ..Default::default()
        };
        assert_eq!(
            names(&q(SortKey::Name, Order::Asc).page(rows.clone()).unwrap()),
            ["a/x", "b/x", "a/y"]
        );
        assert_eq!(
            names(&q(SortKey::Namespace, Order::Desc).page(rows.clone()).unwrap()),
            ["b/x", "a/x", "a/y"]
        );
        assert_eq!(
            names(&q(SortKey::Restarts, Order::Desc).page(rows.clone()).unwrap()),
            ["a/x", "b/x", "a/y"]
        );
    }

    #[test]
    fn filters_by_namespace_label_and_name() {
        let q = Query {
            namespaces: Some(["a".to_string()].into()),
            labels: LabelSelector::parse("app=bad").unwrap(),
            ..Default::default()
        };
        assert!(q.keeps(&row("a", "x", 3).row));
        assert!(!q.keeps(&row("b", "x", 3).row));
        assert!(!q.keeps(&row("a", "x", 0).row));
        let q = Query {
            name_contains: Some("eb-".into()),
            ..Default::default()
        };
        assert!(q.keeps(&row("a", "web-1", 0).row) && !q.keeps(&row("a", "db-1", 0).row));
        assert!(
            q.keeps(&row("a", "WEB-1", 0).row),
            "names are matched case-insensitively"
        );
    }

    #[test]
    fn pages_of_a_changing_list_repeat_nothing_and_lose_nothing() {
        let mut rows: Vec<_> = (0..10).map(|i| row("ns", &format!("p{i:02}"), i)).collect();
        for sort in [SortKey::Name, SortKey::Restarts] {
            for order in [Order::Asc, Order::Desc] {
                let mut seen = Vec::new();
                let mut after = None;
                let mut current = rows.clone();
                loop {
                    let q = Query {
                        sort,
                        order,
                        limit: Some(3),
                        after: after.clone(),
                        ..Default::default()
                    };
                    let page = q.page(current.clone()).unwrap();
                    assert_eq!(page.total, current.len());
                    seen.extend(names(&page));
                    if page.next.is_empty() {
                        break;
                    }
                    after = Some(Cursor::decode(&page.next).unwrap());
                    // Between pages a row is added and one already served is deleted.
                    current.push(row("ns", &format!("q{}", seen.len()), 100));
                    current.retain(|r| format!("ns/{}", r.row.name) != seen[0]);
                }
                let unique: HashSet<_> = seen.iter().collect();
                assert_eq!(unique.len(), seen.len(), "{sort:?} {order:?}: {seen:?}");
                for r in &rows {
                    assert!(
                        seen.contains(&format!("ns/{}", r.row.name)),
                        "{sort:?} {order:?} lost {}",
                        r.row.name
                    );
                }
            }
        }
        rows.truncate(2);
        let whole = Query::default().page(rows).unwrap();
        assert_eq!((whole.items.len(), whole.next.as_str()), (2, ""));
    }

    #[test]
    fn foreign_or_mismatched_tokens_are_refused() {
        assert!(Cursor::decode("not-a-token").is_err());
        let c = Cursor {
            sort: SortKey::Name,
            order: Order::Asc,
            value: SortValue::Text("a".into()),
            namespace: String::new(),
            name: "a".into(),
        };
        let q = Query {
            sort: SortKey::Age,
            after: Some(Cursor::decode(&c.encode()).unwrap()),
            ..Default::default()
        };
        assert!(q.page(vec![]).is_err());
    }
}
