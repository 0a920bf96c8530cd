//! Helm releases (read only), decoded from Helm's release Secrets read live from the apiserver
//! as the caller: the shared watch caches redact Secret values, so they cannot serve this. On
//! `impersonate` clusters Kubernetes RBAC decides (list, and get, on secrets); in `shared` mode a
//! release's values — which may hold secrets — are for operators and above. Reading a release
//! whole or a diff of two revisions is audited; lists and histories show no values.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ListParams};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::helm_diff::{self, ManifestDiff, ValuesDiff};
use super::helm_release::{self, OWNER_SELECTOR, RELEASE_KEY, Release, ReleaseDetail, ReleaseSummary, SECRET_TYPE};
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::kube::discovery::ResourceInfo;
use crate::kube::errors::api_error;

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(
        Method::GET,
        "/api/clusters/{cluster}/helm/releases/{namespace}/{name}",
        "helm_release_read",
        "helm_release",
    ),
    AuditedRoute::new(
        Method::GET,
        "/api/clusters/{cluster}/helm/releases/{namespace}/{name}/diff",
        "helm_release_diff",
        "helm_release",
    ),
];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new()
            .routes(routes!(list_releases))
            .routes(routes!(release_detail))
            .routes(routes!(release_history))
            .routes(routes!(release_diff)),
        audited: AUDITED,
    }
}

/// Releases in one list answer at most; `truncated` says there were more.
pub const MAX_RELEASES: usize = 200;
/// Revisions in a history unless `max` says otherwise (Helm's own default).
const DEFAULT_HISTORY: u32 = 256;
/// Secrets asked for per page of a list.
const PAGE: u32 = 100;
/// Namespaces listed at once when the caller may list secrets only in some.
const NAMESPACES_AT_ONCE: usize = 8;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only the releases of this namespace.
    pub namespace: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RevisionQuery {
    /// The revision; the latest when absent.
    #[param(minimum = 1)]
    pub revision: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// At most this many revisions, the newest (default 256).
    #[param(minimum = 1)]
    pub max: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The older side; the revision before `to` when absent.
    #[param(minimum = 1)]
    pub from: Option<u32>,
    /// The newer side; the latest revision when absent.
    #[param(minimum = 1)]
    pub to: Option<u32>,
}

/// A release Secret that could not be read: its release is left out, never the whole answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SkippedSecret {
    pub namespace: String,
    /// The Secret's name.
    pub secret: String,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReleaseList {
    /// Each release's latest revision, by namespace and name.
    pub items: Vec<ReleaseSummary>,
    /// Releases found, before the cap of 200.
    pub total: usize,
    pub truncated: bool,
    pub skipped: Vec<SkippedSecret>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReleaseHistory {
    /// Newest first.
    pub items: Vec<ReleaseSummary>,
    /// There are more (older) revisions than `max`.
    pub truncated: bool,
    pub skipped: Vec<SkippedSecret>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseDiff {
    pub from: ReleaseSummary,
    pub to: ReleaseSummary,
    /// The computed values (the user's over the chart's defaults), path by path.
    pub values: ValuesDiff,
    /// The values the user supplied, path by path.
    pub user_values: ValuesDiff,
    pub manifest: ManifestDiff,
}

/// core/v1 secrets.
fn secrets_resource() -> ResourceInfo {
    ResourceInfo::builtin("", "v1", "secrets", "Secret", true)
}

fn release_not_found(namespace: &str, name: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "release_not_found",
        format!("no Helm release {name} in namespace {namespace}"),
    )
}

fn revision_not_found(name: &str, revision: u32) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "revision_not_found",
        format!("release {name} has no revision {revision}"),
    )
}

fn invalid_revision(message: String) -> ApiError {
    ApiError::unprocessable("invalid_revision", message)
}

/// The release Secret's revision, from Helm's `version` label.
fn labelled_revision(secret: &Secret) -> Option<u32> {
    secret.metadata.labels.as_ref()?.get("version")?.parse().ok()
}

fn is_release(secret: &Secret) -> bool {
    secret.type_.as_deref() == Some(SECRET_TYPE)
}

fn decode(secret: &Secret) -> Result<Release, SkippedSecret> {
    let skipped = |reason: String| SkippedSecret {
        namespace: secret.metadata.namespace.clone().unwrap_or_default(),
        secret: secret.metadata.name.clone().unwrap_or_default(),
        reason,
    };
    let stored = secret
        .data
        .as_ref()
        .and_then(|d| d.get(RELEASE_KEY))
        .ok_or_else(|| skipped(helm_release::DecodeError::Missing.to_string()))?;
    helm_release::decode(&stored.0).map_err(|e| skipped(e.to_string()))
}

/// Every Secret `params` selects through `api`, page by page.
async fn list_all(cluster: &str, api: Api<Secret>, params: ListParams) -> ApiResult<Vec<Secret>> {
    let mut params = params.limit(PAGE);
    let mut out = Vec::new();
    loop {
        let page = api.list(&params).await.map_err(|e| api_error(cluster, &e))?;
        out.extend(page.items.into_iter().filter(is_release));
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => return Ok(out),
        }
    }
}

/// Opens the cluster for a read of release values: on `impersonate` clusters RBAC decides when
/// the Secrets are read as the caller; in `shared` mode, where Fleetdeck reads them as itself,
/// operators and above.
async fn open_sensitive(state: &AppState, principal: &Principal, cluster: &str) -> ApiResult<ClusterScope> {
    principal.require(Role::Viewer)?;
    let scope = ClusterScope::open(state, principal, cluster).await?;
    if !scope.acts_as_caller() {
        principal.require(Role::Operator)?;
    }
    Ok(scope)
}

async fn open(state: &AppState, principal: &Principal, cluster: &str) -> ApiResult<ClusterScope> {
    principal.require(Role::Viewer)?;
    ClusterScope::open(state, principal, cluster).await
}

/// The Secrets API of `namespace` as the caller, once the release name is one Helm could have
/// made (anything else cannot exist, and must not reach a label selector).
fn releases_api(scope: &ClusterScope, namespace: &str, name: &str) -> ApiResult<Api<Secret>> {
    if !crate::names::is_dns_label(namespace) || !helm_release::is_release_name(name) {
        return Err(release_not_found(namespace, name));
    }
    Ok(Api::namespaced(scope.reader_client(), namespace))
}

/// Every revision of the release, unordered; 404 when there is none.
async fn revisions(scope: &ClusterScope, api: &Api<Secret>, namespace: &str, name: &str) -> ApiResult<Vec<Secret>> {
    let params = ListParams::default().labels(&helm_release::release_selector(name));
    let secrets = list_all(&scope.name, api.clone(), params).await?;
    if secrets.is_empty() {
        return Err(release_not_found(namespace, name));
    }
    Ok(secrets)
}

/// Revision `revision` of the release, or its latest.
async fn revision(
    scope: &ClusterScope,
    api: &Api<Secret>,
    namespace: &str,
    name: &str,
    revision: Option<u32>,
) -> ApiResult<Release> {
    let secret = match revision {
        Some(0) => return Err(invalid_revision("revisions start at 1".into())),
        Some(r) => api
            .get_opt(&helm_release::secret_name(name, r))
            .await
            .map_err(|e| api_error(&scope.name, &e))?
            .filter(is_release)
            .ok_or_else(|| revision_not_found(name, r))?,
        None => revisions(scope, api, namespace, name)
            .await?
            .into_iter()
            .max_by_key(labelled_revision)
            .expect("revisions answers at least one"),
    };
    decode(&secret).map_err(|s| {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "release_undecodable",
            format!("Secret {} cannot be read as a Helm release: {}", s.secret, s.reason),
        )
    })
}

fn note(cluster: &str, namespace: &str, name: &str, reason: String) -> AuditNote {
    AuditNote {
        cluster: Some(cluster.into()),
        namespace: Some(namespace.into()),
        name: Some(name.into()),
        reason: Some(reason),
        ..AuditNote::default()
    }
}

/// The latest revision of each release, by namespace and name.
fn latest_per_release(secrets: Vec<Secret>) -> Vec<Secret> {
    let mut latest: HashMap<(String, String), Secret> = HashMap::new();
    for secret in secrets {
        let label = |k: &str| secret.metadata.labels.as_ref().and_then(|l| l.get(k)).cloned();
        let key = (
            secret.metadata.namespace.clone().unwrap_or_default(),
            label("name").unwrap_or_else(|| secret.metadata.name.clone().unwrap_or_default()),
        );
        let newer = latest
            .get(&key)
            .is_none_or(|kept| labelled_revision(&secret) > labelled_revision(kept));
        if newer {
            latest.insert(key, secret);
        }
    }
    let mut out: Vec<((String, String), Secret)> = latest.into_iter().collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|(_, s)| s).collect()
}

/// Every Helm release's latest revision (viewer; as the caller, who needs `list` on secrets).
#[utoipa::path(get, path = "/api/clusters/{cluster}/helm/releases", tag = "helm",
    params(("cluster" = String, Path), ListQuery),
    responses((status = 200, body = ReleaseList), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn list_releases(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(cluster): ApiPath<String>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<ReleaseList>> {
    let scope = open(&state, &principal, &cluster).await?;
    if let Some(ns) = query.namespace.as_deref().filter(|ns| !crate::names::is_dns_label(ns)) {
        return Err(ApiError::unprocessable(
            "invalid_namespace",
            format!("{ns:?} is not a namespace name"),
        ));
    }
    let allowed = scope
        .namespaces(&state, &secrets_resource(), query.namespace.as_deref())
        .await?;
    let params = ListParams::default().labels(OWNER_SELECTOR);
    let client = scope.reader_client();
    let secrets = match allowed {
        None => list_all(&cluster, Api::all(client), params).await?,
        Some(namespaces) => {
            futures::stream::iter(namespaces)
                .map(|ns| list_all(&cluster, Api::namespaced(client.clone(), &ns), params.clone()))
                .buffer_unordered(NAMESPACES_AT_ONCE)
                .try_concat()
                .await?
        }
    };
    let latest = latest_per_release(secrets);
    let total = latest.len();
    let (mut items, mut skipped) = (Vec::new(), Vec::new());
    for secret in latest.iter().take(MAX_RELEASES) {
        match decode(secret) {
            Ok(release) => items.push(release.summary()),
            Err(s) => skipped.push(s),
        }
    }
    Ok(Json(ReleaseList {
        items,
        total,
        truncated: total > MAX_RELEASES,
        skipped,
    }))
}

/// One revision of a release whole: values, manifest and its objects, chart, notes (audited;
/// as the caller, who needs `get` on secrets; operator in `shared` mode).
#[utoipa::path(get, path = "/api/clusters/{cluster}/helm/releases/{namespace}/{name}", tag = "helm",
    params(("cluster" = String, Path), ("namespace" = String, Path), ("name" = String, Path), RevisionQuery),
    responses((status = 200, body = ReleaseDetail),
        (status = 404, description = "`release_not_found`, `revision_not_found`, or no such cluster", body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, description = "`invalid_revision`", body = ErrorBody),
        (status = 502, description = "`release_undecodable`, or the apiserver cannot be reached", body = ErrorBody)))]
async fn release_detail(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((cluster, namespace, name)): ApiPath<(String, String, String)>,
    ApiQuery(query): ApiQuery<RevisionQuery>,
) -> ApiResult<(AuditNote, Json<ReleaseDetail>)> {
    let asked = match query.revision {
        Some(r) => format!("revision={r}"),
        None => "revision=latest".into(),
    };
    let read = async {
        let scope = open_sensitive(&state, &principal, &cluster).await?;
        let api = releases_api(&scope, &namespace, &name)?;
        revision(&scope, &api, &namespace, &name, query.revision).await
    };
    let release = read
        .await
        .map_err(|e| e.with_audit(note(&cluster, &namespace, &name, asked)))?;
    let reason = format!("revision={}", release.version);
    Ok((note(&cluster, &namespace, &name, reason), Json(release.detail())))
}

/// A release's revisions, newest first (viewer; as the caller, who needs `list` on secrets).
#[utoipa::path(get, path = "/api/clusters/{cluster}/helm/releases/{namespace}/{name}/history", tag = "helm",
    params(("cluster" = String, Path), ("namespace" = String, Path), ("name" = String, Path), HistoryQuery),
    responses((status = 200, body = ReleaseHistory),
        (status = 404, description = "`release_not_found`, or no such cluster", body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, description = "`invalid_max`", body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn release_history(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((cluster, namespace, name)): ApiPath<(String, String, String)>,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<ReleaseHistory>> {
    let max = query.max.unwrap_or(DEFAULT_HISTORY);
    if max == 0 {
        return Err(ApiError::unprocessable("invalid_max", "max is at least 1"));
    }
    let scope = open(&state, &principal, &cluster).await?;
    let api = releases_api(&scope, &namespace, &name)?;
    let mut secrets = revisions(&scope, &api, &namespace, &name).await?;
    secrets.sort_by_key(|s| std::cmp::Reverse(labelled_revision(s)));
    let truncated = secrets.len() > max as usize;
    let (mut items, mut skipped) = (Vec::new(), Vec::new());
    for secret in secrets.iter().take(max as usize) {
        match decode(secret) {
            Ok(release) => items.push(release.summary()),
            Err(s) => skipped.push(s),
        }
    }
    Ok(Json(ReleaseHistory {
        items,
        truncated,
        skipped,
    }))
}

/// What changed between two revisions: values path by path, manifest object by object with a
/// unified diff of each changed object (audited; as for reading a release whole).
#[utoipa::path(get, path = "/api/clusters/{cluster}/helm/releases/{namespace}/{name}/diff", tag = "helm",
    params(("cluster" = String, Path), ("namespace" = String, Path), ("name" = String, Path), DiffQuery),
    responses((status = 200, body = ReleaseDiff),
        (status = 404, description = "`release_not_found`, `revision_not_found`, or no such cluster", body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, description = "`invalid_revision`", body = ErrorBody),
        (status = 502, description = "`release_undecodable`, or the apiserver cannot be reached", body = ErrorBody)))]
async fn release_diff(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((cluster, namespace, name)): ApiPath<(String, String, String)>,
    ApiQuery(query): ApiQuery<DiffQuery>,
) -> ApiResult<(AuditNote, Json<ReleaseDiff>)> {
    let side = |r: Option<u32>| r.map_or_else(|| "latest".to_string(), |r| r.to_string());
    let asked = format!("from={} to={}", side(query.from), side(query.to));
    let read = async {
        let scope = open_sensitive(&state, &principal, &cluster).await?;
        let api = releases_api(&scope, &namespace, &name)?;
        let to = revision(&scope, &api, &namespace, &name, query.to).await?;
        let from = match query.from {
            Some(from) => from,
            None if to.version > 1 => to.version - 1,
            None => {
                return Err(invalid_revision(format!(
                    "revision {} is the first; name the revision to compare with in `from`",
                    to.version
                )));
            }
        };
        let from = revision(&scope, &api, &namespace, &name, Some(from)).await?;
        Ok((from, to))
    };
    let (from, to) = read
        .await
        .map_err(|e| e.with_audit(note(&cluster, &namespace, &name, asked)))?;
    let reason = format!("from={} to={}", from.version, to.version);
    let (old, new) = (from.values(), to.values());
    let label = |r: &Release| format!("revision {}", r.version);
    let answer = ReleaseDiff {
        values: helm_diff::values(&old.computed, &new.computed),
        user_values: helm_diff::values(&old.user, &new.user),
        manifest: helm_diff::manifests(&from.manifest, &to.manifest, &label(&from), &label(&to)),
        from: from.summary(),
        to: to.summary(),
    };
    Ok((note(&cluster, &namespace, &name, reason), Json(answer)))
}
