//! The catalog API: /api/flux/{platform-components,namespaces,rolebindings}, cluster
//! assignments, import/export. Operators write, viewers read; every write is audited.

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::catalog::{CatalogError, Entry, counts};
use super::merge;
use super::model::*;
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::store::catalog::Scope;

pub fn router() -> AuditedRouter {
    let routes = OpenApiRouter::new()
        .merge(platform_components::router())
        .merge(namespaces::router())
        .merge(rolebindings::router())
        .routes(routes!(get_assignments, put_assignments))
        .routes(routes!(import))
        .routes(routes!(export))
        .routes(routes!(environments));
    AuditedRouter {
        routes,
        audited: AUDITED,
    }
}

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(
        Method::POST,
        "/api/flux/platform-components",
        "create",
        "platform_component",
    ),
    AuditedRoute::new(
        Method::PUT,
        "/api/flux/platform-components/{id}",
        "update",
        "platform_component",
    ),
    AuditedRoute::new(
        Method::DELETE,
        "/api/flux/platform-components/{id}",
        "delete",
        "platform_component",
    ),
    AuditedRoute::new(Method::POST, "/api/flux/namespaces", "create", "flux_namespace"),
    AuditedRoute::new(Method::PUT, "/api/flux/namespaces/{id}", "update", "flux_namespace"),
    AuditedRoute::new(Method::DELETE, "/api/flux/namespaces/{id}", "delete", "flux_namespace"),
    AuditedRoute::new(Method::POST, "/api/flux/rolebindings", "create", "flux_rolebinding"),
    AuditedRoute::new(Method::PUT, "/api/flux/rolebindings/{id}", "update", "flux_rolebinding"),
    AuditedRoute::new(
        Method::DELETE,
        "/api/flux/rolebindings/{id}",
        "delete",
        "flux_rolebinding",
    ),
    AuditedRoute::new(Method::PUT, "/api/flux/clusters/{name}", "update", "flux_assignments"),
    AuditedRoute::new(Method::POST, "/api/flux/import", "import", "flux_catalog"),
];

/// Applies `change` to the catalog in one transaction, drops the caches fed by what changed,
/// and says which clusters' inputs would now be too large.
async fn write_catalog<T: Send + 'static>(
    state: &AppState,
    dry_run: bool,
    change: impl FnOnce(&mut Catalog) -> Result<T, CatalogError>,
) -> ApiResult<(Catalog, Catalog, T, Vec<Warning>)> {
    let w = state.store.write_catalog(dry_run, change).await?;
    if !dry_run {
        if w.old.clusters == w.new.clusters {
            state.inputs_cache.invalidate();
        } else {
            state.clusters_changed();
        }
    }
    let (new, warnings) = tokio::task::spawn_blocking(move || {
        let warnings = merge::oversized(&w.new);
        (w.new, warnings)
    })
    .await
    .map_err(ApiError::internal)?;
    Ok((w.old, new, w.value, warnings))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// Also remove the entry from every cluster (and every depends_on) that uses it.
    #[serde(default)]
    pub force: bool,
}

async fn list_entries<E: Entry>(state: &AppState, principal: &Principal) -> ApiResult<Json<Items<E>>> {
    principal.require(Role::Viewer)?;
    let catalog = state
        .store
        .load_catalog(Scope::Entries)
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(Items {
        items: E::entries(&catalog).values().cloned().collect(),
    }))
}

async fn get_entry<E: Entry>(state: &AppState, principal: &Principal, id: &str) -> ApiResult<Json<E>> {
    principal.require(Role::Viewer)?;
    let catalog = state
        .store
        .load_catalog(Scope::Entries)
        .await
        .map_err(ApiError::internal)?;
    E::entries(&catalog)
        .get(id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no {} with id {id}", E::WHAT)))
}

async fn create_entry<E: Entry + Send + 'static>(
    state: &AppState,
    principal: &Principal,
    entry: E,
) -> ApiResult<impl IntoResponse + use<E>> {
    principal.require(Role::Operator)?;
    let note = AuditNote::named(entry.id());
    let stored = entry.clone();
    let (_, _, (), warnings) = write_catalog(state, false, move |c| c.create(entry)).await?;
    Ok((
        StatusCode::CREATED,
        note,
        Json(Written {
            entry: stored,
            warnings,
        }),
    ))
}

async fn update_entry<E: Entry + Send + 'static>(
    state: &AppState,
    principal: &Principal,
    id: String,
    entry: E,
) -> ApiResult<Json<Written<E>>> {
    principal.require(Role::Operator)?;
    let stored = entry.clone();
    let (_, _, (), warnings) = write_catalog(state, false, move |c| c.update(&id, entry)).await?;
    Ok(Json(Written {
        entry: stored,
        warnings,
    }))
}

async fn delete_entry<E: Entry>(
    state: &AppState,
    principal: &Principal,
    id: String,
    force: bool,
) -> ApiResult<StatusCode> {
    principal.require(Role::Operator)?;
    write_catalog(state, false, move |c| c.delete::<E>(&id, force)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The five routes of one catalog kind, documented for OpenAPI.
macro_rules! catalog_kind {
    ($module:ident, $path:literal, $item_path:literal, $entry:ty, $what:literal) => {
        pub mod $module {
            use super::*;

            pub fn router() -> OpenApiRouter<AppState> {
                OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(get, update, delete))
            }

            #[doc = concat!("Every ", $what, " of the catalog, by id.")]
            #[utoipa::path(get, path = $path, operation_id = concat!("list_", stringify!($module)), tag = "flux", responses(
                (status = 200, body = Items<$entry>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
            async fn list(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<Items<$entry>>> {
                list_entries(&state, &principal).await
            }

            #[doc = concat!("Adds a ", $what, " (operator).")]
            #[utoipa::path(post, path = $path, operation_id = concat!("create_", stringify!($module)), tag = "flux", request_body = $entry, responses(
                (status = 201, body = Written<$entry>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
                (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
            async fn create(
                State(state): State<AppState>,
                principal: Principal,
                ApiJson(entry): ApiJson<$entry>,
            ) -> ApiResult<impl IntoResponse> {
                create_entry(&state, &principal, entry).await
            }

            #[doc = concat!("One ", $what, ".")]
            #[utoipa::path(get, path = $item_path, operation_id = concat!("get_", stringify!($module)), tag = "flux", params(("id" = String, Path)), responses(
                (status = 200, body = $entry), (status = 404, body = ErrorBody)))]
            async fn get(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<Json<$entry>> {
                get_entry(&state, &principal, &id).await
            }

            #[doc = concat!("Replaces a ", $what, " (operator); the body has the same shape as GET's answer.")]
            #[utoipa::path(put, path = $item_path, operation_id = concat!("update_", stringify!($module)), tag = "flux", params(("id" = String, Path)), request_body = $entry, responses(
                (status = 200, body = Written<$entry>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
                (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
            async fn update(
                State(state): State<AppState>,
                principal: Principal,
                ApiPath(id): ApiPath<String>,
                ApiJson(entry): ApiJson<$entry>,
            ) -> ApiResult<Json<Written<$entry>>> {
                update_entry(&state, &principal, id, entry).await
            }

            #[doc = concat!("Deletes a ", $what, " (operator); 409 `in_use` lists the clusters that still use it unless `force`.")]
            #[utoipa::path(delete, path = $item_path, operation_id = concat!("delete_", stringify!($module)), tag = "flux", params(("id" = String, Path), DeleteQuery), responses(
                (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
            async fn delete(
                State(state): State<AppState>,
                principal: Principal,
                ApiPath(id): ApiPath<String>,
                ApiQuery(q): ApiQuery<DeleteQuery>,
            ) -> ApiResult<StatusCode> {
                delete_entry::<$entry>(&state, &principal, id, q.force).await
            }
        }
    };
}

catalog_kind!(
    platform_components,
    "/api/flux/platform-components",
    "/api/flux/platform-components/{id}",
    PlatformComponent,
    "platform component"
);
catalog_kind!(
    namespaces,
    "/api/flux/namespaces",
    "/api/flux/namespaces/{id}",
    FluxNamespace,
    "namespace definition"
);
catalog_kind!(
    rolebindings,
    "/api/flux/rolebindings",
    "/api/flux/rolebindings/{id}",
    FluxRoleBinding,
    "role binding definition"
);

/// What the catalog assigns to a cluster.
#[utoipa::path(get, path = "/api/flux/clusters/{name}", tag = "flux", params(("name" = String, Path)), responses(
    (status = 200, body = ClusterAssignments), (status = 404, body = ErrorBody)))]
async fn get_assignments(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<ClusterAssignments>> {
    principal.require(Role::Viewer)?;
    let catalog = state
        .store
        .load_catalog(Scope::ClusterByName(&name))
        .await
        .map_err(ApiError::internal)?;
    if !catalog.clusters.contains_key(&name) {
        return Err(ApiError::not_found(format!("no cluster named {name}")));
    }
    Ok(Json(catalog.assignments_of(&name)))
}

/// Replaces what the catalog assigns to a cluster (operator).
#[utoipa::path(put, path = "/api/flux/clusters/{name}", tag = "flux", params(("name" = String, Path)),
    request_body = ClusterAssignments, responses(
    (status = 200, body = Written<ClusterAssignments>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_assignments(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<ClusterAssignments>,
) -> ApiResult<Json<Written<ClusterAssignments>>> {
    principal.require(Role::Operator)?;
    let cluster = name.clone();
    let (_, new, (), warnings) = write_catalog(&state, false, move |c| c.set_assignments(&cluster, body)).await?;
    Ok(Json(Written {
        entry: new.assignments_of(&name),
        warnings,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Also delete catalog entries, and the assignments of clusters, that the document does not name.
    #[serde(default)]
    pub prune: bool,
    /// Report what would change without writing it.
    #[serde(default)]
    pub dry_run: bool,
}

/// Upserts the whole catalog from one document, all or nothing (operator).
#[utoipa::path(post, path = "/api/flux/import", tag = "flux", params(ImportQuery), request_body = CatalogDocument, responses(
    (status = 200, body = ImportReport), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
    (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<ImportQuery>,
    ApiJson(doc): ApiJson<CatalogDocument>,
) -> ApiResult<impl IntoResponse> {
    principal.require(Role::Operator)?;
    let environments = state.settings.flux_environments.clone();
    let (old, new, (), warnings) =
        write_catalog(&state, q.dry_run, move |c| c.import(doc, q.prune, &environments)).await?;
    let [platform_components, namespaces, rolebindings, clusters] = counts(&old, &new);
    let note = AuditNote::default().reason(if q.dry_run { "dry_run" } else { "applied" });
    let report = ImportReport {
        dry_run: q.dry_run,
        platform_components,
        namespaces,
        rolebindings,
        clusters,
        warnings,
    };
    Ok((note, Json(report)))
}

/// The whole catalog as one document, the shape import takes.
#[utoipa::path(get, path = "/api/flux/export", tag = "flux", responses((status = 200, body = CatalogDocument), (status = 403, body = ErrorBody)))]
async fn export(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<CatalogDocument>> {
    principal.require(Role::Viewer)?;
    let catalog = state.store.load_catalog(Scope::All).await.map_err(ApiError::internal)?;
    Ok(Json(catalog.export()))
}

/// The environments a cluster may be in (FLEETDECK_FLUX_ENVIRONMENTS).
#[utoipa::path(get, path = "/api/flux/environments", tag = "flux", responses((status = 200, body = Items<String>)))]
async fn environments(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<Items<String>>> {
    principal.require(Role::Viewer)?;
    Ok(Json(Items {
        items: state.settings.flux_environments.clone(),
    }))
}
