//! /api/clusters/{cluster}/…: every resource of a cluster, one pattern for every kind, answered
//! from the shared watch caches and filtered to what the caller may see.
//!
//! Paths: `resources/{group}/{version}/{resource}` lists (core group written `core`);
//! `…/{resource}/{namespace}/{name}` is a namespaced object, `…/{resource}/{name}` a
//! cluster-scoped one; `/yaml`, `/events` and (pods) `/containers` after either are its views.
//! A `…/{resource}/{x}/yaml` or `/events` of a namespaced kind is the object named `yaml` or
//! `events` in namespace `x`, so no name is unreachable.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use kube::api::{Api, DynamicObject};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use super::model::*;
use super::query::{Cursor, Query};
use super::selector::{FieldSelector, LabelSelector};
use crate::AppState;
use crate::audit::AuditedRouter;
use crate::auth::{Principal, Role};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::kube::cache;
use crate::kube::discovery::ResourceInfo;

pub fn router() -> AuditedRouter {
    let routes = OpenApiRouter::new()
        .routes(routes!(features))
        .routes(routes!(api_resources))
        .routes(routes!(crds))
        .routes(routes!(namespaces))
        .routes(routes!(pods))
        .routes(routes!(nodes))
        .routes(routes!(events))
        .routes(routes!(node_pods));
    let routes = [
        routes!(list),
        routes!(cluster_object),
        routes!(cluster_object_yaml),
        routes!(cluster_object_events),
        routes!(object),
        routes!(object_yaml),
        routes!(object_events),
        routes!(containers),
    ]
    .into_iter()
    .fold(routes, with_alias);
    // The node actions' paths (`…/{resource}/{name}/cordon`, POST) are also those of namespaced
    // objects named `cordon`, `uncordon` or `drain`: their GET answers the object, so no name is
    // unreachable.
    let routes = routes
        .routes(routes!(object_named_cordon))
        .routes(routes!(object_named_uncordon))
        .routes(routes!(object_named_drain));
    AuditedRouter { routes, audited: &[] }
}

/// Mounts a `resources/…` route and its `customresources/…` alias (Periscope's path for custom
/// resources): one handler, documented under both paths.
fn with_alias(router: OpenApiRouter<AppState>, route: UtoipaMethodRouter<AppState>) -> OpenApiRouter<AppState> {
    let (schemas, paths, method) = route;
    let mut alias = paths.clone();
    alias.paths = paths
        .paths
        .iter()
        .map(|(path, item)| {
            let mut item = item.clone();
            if let Some(op) = item.get.as_mut() {
                op.operation_id = op.operation_id.take().map(|id| format!("{id}_customresources"));
                op.description = Some(format!("An alias of `GET {path}`."));
            }
            (path.replacen("/resources/", "/customresources/", 1), item)
        })
        .collect();
    router
        .routes((schemas.clone(), paths, method.clone()))
        .routes((schemas, alias, method))
}

/// The kinds whose lists the console can stream.
pub const WATCH_STREAMS: &[&str] = &[
    "core/v1/pods",
    "core/v1/events",
    "core/v1/nodes",
    "core/v1/namespaces",
    "core/v1/services",
    "core/v1/configmaps",
    "core/v1/secrets",
    "core/v1/persistentvolumeclaims",
    "apps/v1/deployments",
    "apps/v1/statefulsets",
    "apps/v1/daemonsets",
    "apps/v1/replicasets",
    "batch/v1/jobs",
    "batch/v1/cronjobs",
    "networking.k8s.io/v1/ingresses",
];

/// What the console may turn on.
#[utoipa::path(get, path = "/api/features", tag = "inventory", responses((status = 200, body = Features)))]
async fn features(principal: Principal) -> ApiResult<Json<Features>> {
    principal.require(Role::Viewer)?;
    Ok(Json(Features {
        watch_streams: WATCH_STREAMS.iter().map(|s| s.to_string()).collect(),
    }))
}

async fn open(state: &AppState, principal: &Principal, cluster: &str) -> ApiResult<ClusterScope> {
    principal.require(Role::Viewer)?;
    ClusterScope::open(state, principal, cluster).await
}

/// Every resource the cluster serves (aggregated discovery, refreshed when a CRD changes).
#[utoipa::path(get, path = "/api/clusters/{cluster}/api-resources", tag = "inventory", params(("cluster" = String, Path)),
    responses((status = 200, body = ApiResourceList), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn api_resources(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(cluster): ApiPath<String>,
) -> ApiResult<Json<ApiResourceList>> {
    let scope = open(&state, &principal, &cluster).await?;
    let items = scope.discovery(&state).await?.to_vec();
    Ok(Json(ApiResourceList { items }))
}

fn bad_selector(e: String) -> ApiError {
    ApiError::bad_request("invalid_selector", e)
}

/// The list answer for `info` on `scope`, with `extra_fields` added to the field selector;
/// rendered once per change of the cache for everyone who asks the same (see `rendered`).
async fn rows(
    state: &AppState,
    scope: &ClusterScope,
    info: &ResourceInfo,
    p: ListParams,
    extra_fields: Option<String>,
) -> ApiResult<Response> {
    let namespaces = scope.namespaces(state, info, p.namespace.as_deref()).await?;
    let mut visible: Vec<&String> = namespaces.iter().flatten().collect();
    visible.sort();
    let key = format!("{}|{p:?}|{extra_fields:?}|{visible:?}", info.path());
    let fields = [p.field_selector.clone(), extra_fields]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(",");
    let fields = FieldSelector::parse(&fields).map_err(bad_selector)?;
    let query = Query {
        namespaces,
        labels: LabelSelector::parse(p.label_selector.as_deref().unwrap_or_default()).map_err(bad_selector)?,
        name_contains: p.q.as_deref().filter(|q| !q.is_empty()).map(str::to_lowercase),
        sort: p.sort.unwrap_or_default(),
        order: p.order.unwrap_or_default(),
        limit: p.limit.map(|l| l as usize),
        after: match p.continue_.as_deref() {
            None | Some("") => None,
            Some(t) => Some(Cursor::decode(t).map_err(|e| ApiError::bad_request("invalid_continue", e))?),
        },
    };
    let full = p.full == Some(true);
    let cache = scope.cache(&state.caches, info).await?;
    let version = (cache.epoch, cache.seq());
    let body = state
        .rendered
        .get_or_render(key, version, || async { render(&cache, &query, &fields, full) })
        .await?;
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}

/// One list answer from the cache as it is now.
fn render(
    cache: &cache::ResourceCache<super::rows::CachedRow>,
    query: &Query,
    fields: &FieldSelector,
    full: bool,
) -> ApiResult<axum::body::Bytes> {
    let snapshot = cache.snapshot();
    let kept = snapshot
        .rows
        .into_iter()
        .filter(|r| query.keeps(&r.row))
        .filter(|r| {
            fields.is_empty()
                || cache
                    .object(r.row.namespace.as_deref(), &r.row.name)
                    .is_some_and(|o| fields.matches(&o.metadata, &o.data))
        })
        .collect();
    let page = query
        .page(kept)
        .map_err(|e| ApiError::bad_request("invalid_continue", e))?;
    let items = page
        .items
        .into_iter()
        .filter_map(|r| match full {
            true => cache
                .object(r.row.namespace.as_deref(), &r.row.name)
                .map(ListItem::Object),
            false => Some(ListItem::Row(RowJson(r))),
        })
        .collect();
    let list = ResourceList {
        items,
        continue_: page.next,
        total: page.total,
        resource_version: snapshot.resource_version,
    };
    Ok(serde_json::to_vec(&list).map_err(ApiError::internal)?.into())
}

/// Rows of any resource the cluster serves, filtered, sorted and paged on the server.
#[utoipa::path(get, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}", tag = "inventory",
    params(("cluster" = String, Path), ("group" = String, Path, description = "API group; `core` for the core group"),
        ("version" = String, Path), ("resource" = String, Path, description = "plural name, e.g. `pods`"), ListParams),
    responses((status = 200, body = ResourceList), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((cluster, group, version, resource)): ApiPath<(String, String, String, String)>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Response> {
    let scope = open(&state, &principal, &cluster).await?;
    let info = scope.resource(&state, &group, &version, &resource).await?;
    rows(&state, &scope, &info, p, None).await
}

/// An alias of a core list (`/namespaces`, `/pods`, …) with the same rows and parameters.
async fn core_rows(
    state: &AppState,
    principal: &Principal,
    cluster: &str,
    resource: &str,
    p: ListParams,
    extra_fields: Option<String>,
) -> ApiResult<Response> {
    let scope = open(state, principal, cluster).await?;
    let info = scope.resource(state, "core", "v1", resource).await?;
    rows(state, &scope, &info, p, extra_fields).await
}

macro_rules! core_alias {
    ($name:ident, $resource:literal, $path:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(get, path = $path, tag = "inventory", params(("cluster" = String, Path), ListParams),
            responses((status = 200, body = ResourceList), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
                (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
        async fn $name(
            State(state): State<AppState>,
            principal: Principal,
            ApiPath(cluster): ApiPath<String>,
            ApiQuery(p): ApiQuery<ListParams>,
        ) -> ApiResult<Response> {
            core_rows(&state, &principal, &cluster, $resource, p, None).await
        }
    };
}

core_alias!(
    namespaces,
    "namespaces",
    "/api/clusters/{cluster}/namespaces",
    "The cluster's namespaces (an alias of `resources/core/v1/namespaces`)."
);
core_alias!(
    pods,
    "pods",
    "/api/clusters/{cluster}/pods",
    "The cluster's pods (an alias of `resources/core/v1/pods`)."
);
core_alias!(
    nodes,
    "nodes",
    "/api/clusters/{cluster}/nodes",
    "The cluster's nodes (an alias of `resources/core/v1/nodes`)."
);
core_alias!(
    events,
    "events",
    "/api/clusters/{cluster}/events",
    "The cluster's events (an alias of `resources/core/v1/events`)."
);

/// The pods scheduled on one node.
#[utoipa::path(get, path = "/api/clusters/{cluster}/nodes/{name}/pods", tag = "inventory",
    params(("cluster" = String, Path), ("name" = String, Path), ListParams),
    responses((status = 200, body = ResourceList), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn node_pods(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((cluster, node)): ApiPath<(String, String)>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Response> {
    core_rows(
        &state,
        &principal,
        &cluster,
        "pods",
        p,
        Some(format!("spec.nodeName={node}")),
    )
    .await
}

/// The cluster's CustomResourceDefinitions.
#[utoipa::path(get, path = "/api/clusters/{cluster}/crds", tag = "inventory", params(("cluster" = String, Path), ListParams),
    responses((status = 200, body = ResourceList), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn crds(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(cluster): ApiPath<String>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Response> {
    let scope = open(&state, &principal, &cluster).await?;
    rows(&state, &scope, &crate::kube::discovery::crds(), p, None).await
}

/// A path's object: its resource, whether the caller may see it, and the cached object.
struct Found {
    scope: ClusterScope,
    info: ResourceInfo,
    object: Arc<DynamicObject>,
}

fn no_object(info: &ResourceInfo, namespace: Option<&str>, name: &str) -> ApiError {
    let place = namespace.map(|n| format!(" in namespace {n}")).unwrap_or_default();
    ApiError::not_found(format!("no {} named {name}{place}", info.path()))
}

async fn find(
    state: &AppState,
    principal: &Principal,
    (cluster, group, version, resource): (&str, &str, &str, &str),
    namespace: Option<&str>,
    name: &str,
) -> ApiResult<Found> {
    let scope = open(state, principal, cluster).await?;
    let info = scope.resource(state, group, version, resource).await?;
    // The live read puts the name in a URL; no object can have a name that is not a segment.
    if !crate::names::is_object_name(name) {
        return Err(no_object(&info, namespace, name));
    }
    if info.namespaced != namespace.is_some() {
        let want = if info.namespaced {
            "namespaced: use …/{namespace}/{name}"
        } else {
            "cluster-scoped: use …/{name}"
        };
        return Err(ApiError::not_found(format!("{} is {want}", info.path())));
    }
    scope
        .namespaces(state, &info, Some(namespace.unwrap_or_default()))
        .await?;
    let object = scope
        .cache(&state.caches, &info)
        .await?
        .object(namespace, name)
        .ok_or_else(|| no_object(&info, namespace, name))?;
    Ok(Found { scope, info, object })
}

/// The object from the apiserver with its managedFields (Secret values still redacted).
async fn live(f: &Found) -> ApiResult<Arc<DynamicObject>> {
    let ar = f.info.api_resource();
    let client = f.scope.reader_client();
    let api: Api<DynamicObject> = match &f.object.metadata.namespace {
        Some(ns) => Api::namespaced_with(client, ns, &ar),
        None => Api::all_with(client, &ar),
    };
    let name = f.object.metadata.name.clone().unwrap_or_default();
    let mut object = api
        .get(&name)
        .await
        .map_err(|e| crate::kube::errors::api_error(&f.scope.name, &e))?;
    let managed = object.metadata.managed_fields.take();
    cache::strip(&mut object);
    object.metadata.managed_fields = managed;
    Ok(Arc::new(object))
}

async fn detail(f: Found, p: ObjectParams) -> ApiResult<Json<Arc<DynamicObject>>> {
    match p.managed_fields {
        Some(true) => Ok(Json(live(&f).await?)),
        _ => Ok(Json(f.object)),
    }
}

fn yaml(f: &Found) -> ApiResult<Response> {
    let text = yaml_serde::to_string(&*f.object).map_err(ApiError::internal)?;
    Ok(([(CONTENT_TYPE, "application/yaml")], text).into_response())
}

/// The rows of the events about the object (from the shared events cache).
async fn events_about(state: &AppState, f: &Found) -> ApiResult<Json<EventList>> {
    let info = ResourceInfo::builtin("", "v1", "events", "Event", true);
    let namespace = f.object.metadata.namespace.as_deref();
    let allowed = f.scope.namespaces(state, &info, namespace).await?;
    let cache = f.scope.cache(&state.caches, &info).await?;
    let meta = &f.object.metadata;
    let kind = f.info.kind.as_str();
    // An event names its object by uid, or (from older reporters) by kind, namespace and name.
    let about = |e: &DynamicObject| {
        let field = |k: &str| e.data.pointer(&format!("/involvedObject/{k}")).and_then(|v| v.as_str());
        match field("uid") {
            Some(uid) if !uid.is_empty() => meta.uid.as_deref() == Some(uid),
            _ => {
                field("kind") == Some(kind)
                    && field("name") == meta.name.as_deref()
                    && field("namespace") == meta.namespace.as_deref()
            }
        }
    };
    let mut items: Vec<RowJson> = cache
        .snapshot()
        .rows
        .into_iter()
        .filter(|r| {
            allowed
                .as_ref()
                .is_none_or(|a| r.row.namespace.as_ref().is_some_and(|n| a.contains(n)))
        })
        .filter(|r| {
            cache
                .object(r.row.namespace.as_deref(), &r.row.name)
                .is_some_and(|e| about(&e))
        })
        .map(RowJson)
        .collect();
    items.sort_by(|a, b| {
        let seen = |r: &RowJson| match &r.0.row.summary {
            super::rows::Summary::Event { last_seen, .. } => last_seen.clone(),
            _ => None,
        };
        seen(b).cmp(&seen(a))
    });
    Ok(Json(EventList { items }))
}

type ClusterPath = (String, String, String, String, String);
type NamespacedPath = (String, String, String, String, String, String);

fn parts(p: &ClusterPath) -> (&str, &str, &str, &str) {
    (&p.0, &p.1, &p.2, &p.3)
}

/// A cluster-scoped object (a namespaced one has a namespace segment).
#[utoipa::path(get, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}", tag = "inventory",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
        ("name" = String, Path), ObjectParams),
    responses((status = 200, body = KubeObject), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn cluster_object(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(path): ApiPath<ClusterPath>,
    ApiQuery(p): ApiQuery<ObjectParams>,
) -> ApiResult<Json<Arc<DynamicObject>>> {
    let f = find(&state, &principal, parts(&path), None, &path.4).await?;
    detail(f, p).await
}

/// Finds the object of `…/{resource}/{a}/{view}`: cluster-scoped `a`, or the namespaced object
/// named `view` in namespace `a`.
async fn find_either(
    state: &AppState,
    principal: &Principal,
    path: &ClusterPath,
    view: &str,
) -> ApiResult<(Found, bool)> {
    let scope = open(state, principal, &path.0).await?;
    let info = scope.resource(state, &path.1, &path.2, &path.3).await?;
    drop(scope);
    match info.namespaced {
        false => Ok((find(state, principal, parts(path), None, &path.4).await?, true)),
        true => Ok((find(state, principal, parts(path), Some(&path.4), view).await?, false)),
    }
}

/// `GET …/{resource}/{namespace}/<name>`, where the path is a node action's: the namespaced
/// object of that name.
async fn object_named(
    state: &AppState,
    principal: &Principal,
    path: &ClusterPath,
    name: &str,
    p: ObjectParams,
) -> ApiResult<Json<Arc<DynamicObject>>> {
    let f = find(state, principal, parts(path), Some(&path.4), name).await?;
    detail(f, p).await
}

macro_rules! object_named_like_an_action {
    ($handler:ident, $name:literal) => {
        #[doc = concat!("The namespaced object named `", $name, "` in namespace `{name}` (the path is also the node action's).")]
        #[utoipa::path(get, path = concat!("/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}/", $name), tag = "inventory",
            params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
                ("name" = String, Path, description = "the namespace"), ObjectParams),
            responses((status = 200, body = KubeObject), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
                (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
        async fn $handler(
            State(state): State<AppState>,
            principal: Principal,
            ApiPath(path): ApiPath<ClusterPath>,
            ApiQuery(p): ApiQuery<ObjectParams>,
        ) -> ApiResult<Json<Arc<DynamicObject>>> {
            object_named(&state, &principal, &path, $name, p).await
        }
    };
}

object_named_like_an_action!(object_named_cordon, "cordon");
object_named_like_an_action!(object_named_uncordon, "uncordon");
object_named_like_an_action!(object_named_drain, "drain");

/// A cluster-scoped object as YAML.
#[utoipa::path(get, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}/yaml", tag = "inventory",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path), ("name" = String, Path)),
    responses((status = 200, description = "the object as YAML; for a namespaced kind, the object named `yaml` in namespace `{name}`",
            content((String = "application/yaml"), (KubeObject = "application/json"))),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn cluster_object_yaml(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(path): ApiPath<ClusterPath>,
) -> ApiResult<Response> {
    match find_either(&state, &principal, &path, "yaml").await? {
        (f, true) => yaml(&f),
        (f, false) => Ok(Json(f.object).into_response()),
    }
}

/// The events about a cluster-scoped object, newest first.
#[utoipa::path(get, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}/events", tag = "inventory",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path), ("name" = String, Path)),
    responses((status = 200, description = "the events; for a namespaced kind, the object named `events` in namespace `{name}`",
            content((EventList = "application/json"), (KubeObject = "application/json"))),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn cluster_object_events(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(path): ApiPath<ClusterPath>,
) -> ApiResult<Response> {
    match find_either(&state, &principal, &path, "events").await? {
        (f, true) => Ok(events_about(&state, &f).await?.into_response()),
        (f, false) => Ok(Json(f.object).into_response()),
    }
}

fn namespaced(p: &NamespacedPath) -> ((&str, &str, &str, &str), &str, &str) {
    ((&p.0, &p.1, &p.2, &p.3), &p.4, &p.5)
}

/// A namespaced object.
#[utoipa::path(get, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}", tag = "inventory",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
        ("namespace" = String, Path), ("name" = String, Path), ObjectParams),
    responses((status = 200, body = KubeObject), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn object(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(path): ApiPath<NamespacedPath>,
    ApiQuery(p): ApiQuery<ObjectParams>,
) -> ApiResult<Json<Arc<DynamicObject>>> {
    let (r, ns, name) = namespaced(&path);
    let f = find(&state, &principal, r, Some(ns), name).await?;
    detail(f, p).await
}

/// A namespaced object as YAML.
#[utoipa::path(get, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/yaml", tag = "inventory",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
        ("namespace" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = String, content_type = "application/yaml"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn object_yaml(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(path): ApiPath<NamespacedPath>,
) -> ApiResult<Response> {
    let (r, ns, name) = namespaced(&path);
    yaml(&find(&state, &principal, r, Some(ns), name).await?)
}

/// The events about a namespaced object, newest first.
#[utoipa::path(get, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/events", tag = "inventory",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
        ("namespace" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = EventList), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn object_events(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(path): ApiPath<NamespacedPath>,
) -> ApiResult<Json<EventList>> {
    let (r, ns, name) = namespaced(&path);
    let f = find(&state, &principal, r, Some(ns), name).await?;
    events_about(&state, &f).await
}

/// A pod's containers: state, last termination, restarts, image, requests and limits.
#[utoipa::path(get, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/containers", tag = "inventory",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
        ("namespace" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = ContainerList), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn containers(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(path): ApiPath<NamespacedPath>,
) -> ApiResult<Json<ContainerList>> {
    let (r, ns, name) = namespaced(&path);
    let f = find(&state, &principal, r, Some(ns), name).await?;
    if (f.info.group.as_str(), f.info.resource.as_str()) != ("", "pods") {
        return Err(ApiError::not_found(format!(
            "{} have no containers view",
            f.info.path()
        )));
    }
    Ok(Json(ContainerList {
        items: super::pods::containers(&f.object.data),
    }))
}
