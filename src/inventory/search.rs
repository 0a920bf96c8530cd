//! Search by name across kinds, in one cluster or every cluster the caller can see, answered
//! from the shared caches and filtered per user like lists; ranked exact, prefix, substring.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::routes::WATCH_STREAMS;
use super::rows::Row;
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult, ErrorBody};

/// Each cluster × kind gets this long (a cold cache may be loading); late ones are reported.
const BUDGET: Duration = Duration::from_secs(3);
const DEFAULT_LIMIT: usize = 20;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_cluster))
        .routes(routes!(search_fleet))
}

/// How a name matched; the order is the ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    Exact,
    Prefix,
    Substring,
}

/// How `name` matches `q` (lower-cased), case-insensitively.
pub fn matches(name: &str, q: &str) -> Option<Match> {
    let name = super::query::lower(name);
    if name == q {
        Some(Match::Exact)
    } else if name.starts_with(q) {
        Some(Match::Prefix)
    } else if name.contains(q) {
        Some(Match::Substring)
    } else {
        None
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub cluster: String,
    pub group: String,
    pub version: String,
    pub resource: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    #[serde(rename = "match")]
    pub match_: Match,
}

/// A cluster (or one of its kinds) that could not be searched.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchError {
    pub cluster: String,
    /// `group/version/resource`, when one kind failed.
    pub kind: Option<String>,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub items: Vec<SearchHit>,
    pub errors: Vec<SearchError>,
}

/// `?q=&kinds=&limit=`
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// A part of the name (case-insensitive).
    pub q: String,
    /// Comma separated `group/version/resource` (core written `core`); default: the kinds of
    /// `/api/features`' `watchStreams` but events.
    pub kinds: Option<String>,
    /// Hits at most (1–200, default 20), best first.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

struct Asked {
    q: String,
    kinds: Vec<(String, String, String)>,
    limit: usize,
}

fn parse(p: SearchParams) -> ApiResult<Asked> {
    let q = p.q.trim().to_lowercase();
    if q.is_empty() {
        return Err(ApiError::bad_request("invalid_query", "q must name a part of a name"));
    }
    let limit = match p.limit {
        None => DEFAULT_LIMIT,
        Some(l @ 1..=200) => l as usize,
        Some(l) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("limit must be 1–200, not {l}"),
            ));
        }
    };
    // Events are named after what they are about, so by default they would only repeat hits.
    let list = p.kinds.unwrap_or_else(|| {
        WATCH_STREAMS
            .iter()
            .filter(|k| !k.ends_with("/events"))
            .copied()
            .collect::<Vec<_>>()
            .join(",")
    });
    let mut kinds = Vec::new();
    for k in list.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        let parts: Vec<&str> = k.split('/').collect();
        let [g, v, r] = parts[..] else {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("kind {k:?} is not group/version/resource"),
            ));
        };
        kinds.push((g.to_string(), v.to_string(), r.to_string()));
    }
    Ok(Asked { q, kinds, limit })
}

/// The best `limit` hits: by match, then name, cluster, namespace and kind.
pub fn best(mut hits: Vec<SearchHit>, limit: usize) -> Vec<SearchHit> {
    hits.sort_by(|a, b| {
        (a.match_, &a.name, &a.cluster, &a.namespace, &a.resource).cmp(&(
            b.match_,
            &b.name,
            &b.cluster,
            &b.namespace,
            &b.resource,
        ))
    });
    hits.truncate(limit);
    hits
}

fn failure(cluster: &str, kind: Option<String>, e: &ApiError) -> SearchError {
    SearchError {
        cluster: cluster.to_string(),
        kind,
        code: e.code.to_string(),
        message: e.message.clone(),
    }
}

/// One kind of one cluster: its hits, or why it could not be searched (kinds the cluster does
/// not serve, or the caller may not list anywhere, are skipped).
async fn search_kind(
    state: &AppState,
    scope: &ClusterScope,
    (group, version, resource): &(String, String, String),
    q: &str,
    limit: usize,
) -> Result<Vec<SearchHit>, ApiError> {
    let info = match scope.resource(state, group, version, resource).await {
        Err(e) if e.code == "resource_not_found" || e.code == "not_listable" => return Ok(vec![]),
        other => other?,
    };
    let namespaces = match scope.namespaces(state, &info, None).await {
        Err(e) if e.code == "kube_forbidden" => return Ok(vec![]),
        other => other?,
    };
    let cache = scope.cache(&state.caches, &info).await?;
    let snapshot = cache.snapshot();
    let mut found: Vec<(Match, &Row)> = snapshot
        .rows
        .iter()
        .map(|r| &r.row)
        .filter(|r| {
            namespaces
                .as_ref()
                .is_none_or(|n| r.namespace.as_ref().is_some_and(|ns| n.contains(ns)))
        })
        .filter_map(|r| Some((matches(&r.name, q)?, r)))
        .collect();
    // Only this kind's best `limit` can be among the best overall (`best` orders the same way).
    found.sort_unstable_by(|(ma, a), (mb, b)| (ma, &a.name, &a.namespace).cmp(&(mb, &b.name, &b.namespace)));
    found.truncate(limit);
    Ok(found
        .into_iter()
        .map(|(match_, r)| SearchHit {
            match_,
            cluster: scope.name.clone(),
            group: info.group.clone(),
            version: info.version.clone(),
            resource: info.resource.clone(),
            kind: info.kind.clone(),
            namespace: r.namespace.clone(),
            name: r.name.clone(),
        })
        .collect())
}

/// Every asked kind of one cluster, in parallel.
async fn search_in(state: &AppState, scope: &ClusterScope, asked: &Asked) -> (Vec<SearchHit>, Vec<SearchError>) {
    let cluster = scope.name.as_str();
    let searches = asked.kinds.iter().map(|k| async {
        let kind = format!("{}/{}/{}", k.0, k.1, k.2);
        match tokio::time::timeout(BUDGET, search_kind(state, scope, k, &asked.q, asked.limit)).await {
            Ok(r) => r.map_err(|e| failure(cluster, Some(kind), &e)),
            Err(_) => Err(SearchError {
                cluster: cluster.to_string(),
                kind: Some(kind),
                code: "timeout".into(),
                message: format!("no answer within {BUDGET:?}"),
            }),
        }
    });
    let (mut hits, mut errors) = (Vec::new(), Vec::new());
    for r in futures::future::join_all(searches).await {
        match r {
            Ok(h) => hits.extend(h),
            Err(e) => errors.push(e),
        }
    }
    (hits, errors)
}

/// Names across kinds in one cluster (the console's Cmd+K palette), best first.
#[utoipa::path(get, path = "/api/clusters/{cluster}/search", tag = "inventory", params(("cluster" = String, Path), SearchParams),
    responses((status = 200, body = SearchResults), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn search_cluster(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(cluster): ApiPath<String>,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> ApiResult<Json<SearchResults>> {
    principal.require(Role::Viewer)?;
    let asked = parse(p)?;
    let scope = ClusterScope::open(&state, &principal, &cluster).await?;
    let (hits, errors) = search_in(&state, &scope, &asked).await;
    Ok(Json(SearchResults {
        items: best(hits, asked.limit),
        errors,
    }))
}

/// Names across kinds in every cluster the caller can see, best first; clusters that could not
/// be searched are listed in `errors`.
#[utoipa::path(get, path = "/api/search", tag = "inventory", params(SearchParams),
    responses((status = 200, body = SearchResults)))]
async fn search_fleet(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> ApiResult<Json<SearchResults>> {
    principal.require(Role::Viewer)?;
    let asked = Arc::new(parse(p)?);
    let clusters = state.store.list_clusters().await?;
    let reachable = clusters
        .into_iter()
        .filter(|c| c.source != crate::clusters::record::METADATA_ONLY);
    // One task per cluster, so that scanning their caches uses every core.
    let mut searches = tokio::task::JoinSet::new();
    for c in reachable {
        let (state, principal, asked) = (state.clone(), principal.clone(), asked.clone());
        searches.spawn(async move {
            match ClusterScope::open(&state, &principal, &c.name).await {
                Ok(scope) => search_in(&state, &scope, &asked).await,
                Err(e) => (vec![], vec![failure(&c.name, None, &e)]),
            }
        });
    }
    let (mut hits, mut errors) = (Vec::new(), Vec::new());
    while let Some(done) = searches.join_next().await {
        let (h, e) = done.map_err(ApiError::internal)?;
        hits.extend(h);
        errors.extend(e);
    }
    errors.sort_by(|a, b| (&a.cluster, &a.kind).cmp(&(&b.cluster, &b.kind)));
    Ok(Json(SearchResults {
        items: best(hits, asked.limit),
        errors,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(cluster: &str, name: &str, q: &str) -> SearchHit {
        SearchHit {
            cluster: cluster.into(),
            group: String::new(),
            version: "v1".into(),
            resource: "pods".into(),
            kind: "Pod".into(),
            namespace: Some("ns".into()),
            name: name.into(),
            match_: matches(name, q).unwrap(),
        }
    }

    #[test]
    fn exact_then_prefix_then_substring() {
        assert_eq!(matches("Web", "web"), Some(Match::Exact));
        assert_eq!(matches("web-1", "web"), Some(Match::Prefix));
        assert_eq!(matches("my-web", "web"), Some(Match::Substring));
        assert_eq!(matches("db", "web"), None);
        let ranked = best(
            vec![
                hit("b", "my-web", "web"),
                hit("a", "web-2", "web"),
                hit("b", "web", "web"),
                hit("a", "web-1", "web"),
            ],
            3,
        );
        let names: Vec<_> = ranked.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["web", "web-1", "web-2"]);
    }

    #[test]
    fn queries_are_checked() {
        let p = |q: &str, kinds: Option<&str>, limit| SearchParams {
            q: q.into(),
            kinds: kinds.map(String::from),
            limit,
        };
        assert!(parse(p(" ", None, None)).is_err());
        assert!(parse(p("a", None, Some(0))).is_err());
        assert!(parse(p("a", Some("pods"), None)).is_err());
        let asked = parse(p(" Web ", Some("core/v1/pods, apps/v1/deployments"), Some(5))).unwrap();
        assert_eq!((asked.q.as_str(), asked.kinds.len(), asked.limit), ("web", 2, 5));
        assert_eq!(parse(p("a", None, None)).unwrap().kinds.len(), WATCH_STREAMS.len() - 1);
    }
}
