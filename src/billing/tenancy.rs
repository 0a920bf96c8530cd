//! `/api/tenants`, `/api/projects` and `/api/apps`: who owns what. Each read and write is
//! checked by `access::may`; what a caller may not read does not exist for them (404).

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use sqlx::types::Json as SqlJson;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::{Access, Kind, Owned, allowed, refuse_write, signed_in};
use super::entitlement::{Gate, Refusal};
use super::model::*;
use super::project_objects::{self, AppObjects};
use super::{orders, policy, project_sync};
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::incidents::risk_guard::{self, Analysis, Policy};
use crate::store::now;
use crate::store::tenancy::{AppRow, ProjectRow, TenancyConflict, TenantRow};

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(Method::POST, "/api/tenants", "create", "tenant"),
    AuditedRoute::new(Method::PATCH, "/api/tenants/{id}", "update", "tenant"),
    AuditedRoute::new(Method::DELETE, "/api/tenants/{id}", "delete", "tenant"),
    AuditedRoute::new(Method::POST, "/api/projects", "create", "project"),
    AuditedRoute::new(Method::PATCH, "/api/projects/{id}", "update", "project"),
    AuditedRoute::new(Method::DELETE, "/api/projects/{id}", "delete", "project"),
    AuditedRoute::new(Method::POST, "/api/apps", "create", "app"),
    AuditedRoute::new(Method::PUT, "/api/apps/{id}", "update", "app"),
    AuditedRoute::new(Method::DELETE, "/api/apps/{id}", "delete", "app"),
];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new()
            .routes(routes!(list_tenants, create_tenant))
            .routes(routes!(get_tenant, update_tenant, delete_tenant))
            .routes(routes!(list_projects, create_project))
            .routes(routes!(get_project, update_project, delete_project))
            .routes(routes!(list_apps, create_app))
            .routes(routes!(get_app, update_app, delete_app)),
        audited: AUDITED,
    }
}

fn not_found(code: &'static str, what: &str, id: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, code, format!("no {what} {id:?}"))
}

fn invalid(code: &'static str) -> impl Fn(String) -> ApiError {
    move |m| ApiError::unprocessable(code, m)
}

/// The tenant `id`, when the caller may read it.
pub(super) async fn readable_tenant(state: &AppState, principal: &Principal, id: &str) -> ApiResult<TenantRow> {
    let owned = Owned {
        tenant_id: id,
        project_id: None,
    };
    match state.store.tenant(id).await? {
        Some(t) if allowed(principal, Access::Read, Kind::Tenant, owned) => Ok(t),
        _ => Err(not_found("tenant_not_found", "tenant", id)),
    }
}

/// The project `id`, when the caller may read it.
pub(super) async fn readable_project(state: &AppState, principal: &Principal, id: &str) -> ApiResult<ProjectRow> {
    match state.store.project(id).await? {
        Some(p) if allowed(principal, Access::Read, Kind::Project, owned_project(&p)) => Ok(p),
        _ => Err(not_found("project_not_found", "project", id)),
    }
}

fn owned_project(p: &ProjectRow) -> Owned<'_> {
    Owned {
        tenant_id: &p.tenant_id,
        project_id: Some(&p.id),
    }
}

/// The app `id` and its project, when the caller may read it.
async fn readable_app(state: &AppState, principal: &Principal, id: &str) -> ApiResult<(AppRow, ProjectRow)> {
    let missing = || not_found("app_not_found", "app", id);
    let app = state.store.app(id).await?.ok_or_else(missing)?;
    let project = state.store.project(&app.project_id).await?.ok_or_else(missing)?;
    match allowed(principal, Access::Read, Kind::App, owned_project(&project)) {
        true => Ok((app, project)),
        false => Err(missing()),
    }
}

fn conflict(c: TenancyConflict, kind: Kind, name: &str) -> ApiError {
    let what = kind.word();
    match (c, kind) {
        (TenancyConflict::NameTaken, _) => ApiError::conflict("name_taken", format!("a {what} named {name:?} exists")),
        (TenancyConflict::NamespaceTaken, _) => ApiError::conflict(
            "namespace_taken",
            format!("another project has namespace {name:?} in that cluster"),
        ),
        (TenancyConflict::NotEmpty, Kind::Tenant) => ApiError::conflict(
            "tenant_not_empty",
            format!("the tenant {name:?} still has projects; delete them first"),
        ),
        (TenancyConflict::NotEmpty, _) => ApiError::conflict(
            "project_not_empty",
            format!("the project {name:?} still has apps; delete them first"),
        ),
        (TenancyConflict::NotFound, Kind::Tenant) => not_found("tenant_not_found", what, name),
        (TenancyConflict::NotFound, Kind::Project) => not_found("project_not_found", what, name),
        (TenancyConflict::NotFound, Kind::App) => not_found("app_not_found", what, name),
        (TenancyConflict::NotFound, Kind::Order) => not_found("order_not_found", what, name),
        // Writes given a check map its refusal themselves; this is the fallback.
        (TenancyConflict::Refused, _) => ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "entitlement_exceeded",
            format!("the {what} {name:?} does not fit the tenant's entitlement"),
        ),
    }
}

/// Tenants the caller may read, by name.
#[utoipa::path(get, path = "/api/tenants", tag = "tenancy",
    responses((status = 200, body = TenantList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_tenants(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<TenantList>> {
    signed_in(&principal)?;
    let items = state.store.tenants().await?.into_iter().filter(|t| {
        allowed(
            &principal,
            Access::Read,
            Kind::Tenant,
            Owned {
                tenant_id: &t.id,
                project_id: None,
            },
        )
    });
    Ok(Json(TenantList {
        items: items.map(Tenant::from).collect(),
    }))
}

/// Creates a tenant (admin).
#[utoipa::path(post, path = "/api/tenants", tag = "tenancy", request_body = CreateTenant,
    responses((status = 201, body = Tenant), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, description = "`name_taken`", body = ErrorBody),
        (status = 422, description = "`invalid_name`, `invalid_display_name`", body = ErrorBody)))]
async fn create_tenant(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<CreateTenant>,
) -> ApiResult<(StatusCode, AuditNote, Json<Tenant>)> {
    principal.require(Role::Admin)?;
    check_short_name("tenant", &body.name).map_err(invalid("invalid_name"))?;
    let display_name = body.display_name.unwrap_or_else(|| body.name.clone());
    check_display_name(&display_name).map_err(invalid("invalid_display_name"))?;
    let at = now();
    let row = TenantRow {
        id: uuid::Uuid::now_v7().to_string(),
        name: body.name,
        display_name: display_name.trim().to_string(),
        created_by: principal.subject.clone(),
        created_at: at,
        updated_at: at,
    };
    state
        .store
        .insert_tenant(&row)
        .await?
        .map_err(|c| conflict(c, Kind::Tenant, &row.name))?;
    Ok((StatusCode::CREATED, AuditNote::named(&row.name), Json(row.into())))
}

#[utoipa::path(get, path = "/api/tenants/{id}", tag = "tenancy", params(("id" = String, Path)),
    responses((status = 200, body = Tenant), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`tenant_not_found` (or not the caller's)", body = ErrorBody)))]
async fn get_tenant(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Tenant>> {
    signed_in(&principal)?;
    Ok(Json(readable_tenant(&state, &principal, &id).await?.into()))
}

/// Renames a tenant for display (admin).
#[utoipa::path(patch, path = "/api/tenants/{id}", tag = "tenancy", params(("id" = String, Path)), request_body = UpdateTenant,
    responses((status = 200, body = Tenant), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "`tenant_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_display_name`", body = ErrorBody)))]
async fn update_tenant(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateTenant>,
) -> ApiResult<(AuditNote, Json<Tenant>)> {
    signed_in(&principal)?;
    let tenant = readable_tenant(&state, &principal, &id).await?;
    refuse_write(
        &principal,
        Kind::Tenant,
        Owned {
            tenant_id: &id,
            project_id: None,
        },
    )?;
    check_display_name(&body.display_name).map_err(invalid("invalid_display_name"))?;
    let row = state.store.update_tenant(&id, body.display_name.trim(), now()).await?;
    let row = row.ok_or_else(|| not_found("tenant_not_found", "tenant", &id))?;
    Ok((AuditNote::named(tenant.name), Json(row.into())))
}

/// Deletes a tenant without projects (admin).
#[utoipa::path(delete, path = "/api/tenants/{id}", tag = "tenancy", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`tenant_not_found`", body = ErrorBody),
        (status = 409, description = "`tenant_not_empty`: it has projects", body = ErrorBody)))]
async fn delete_tenant(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(StatusCode, AuditNote, ())> {
    signed_in(&principal)?;
    let tenant = readable_tenant(&state, &principal, &id).await?;
    refuse_write(
        &principal,
        Kind::Tenant,
        Owned {
            tenant_id: &id,
            project_id: None,
        },
    )?;
    state
        .store
        .delete_tenant(&id)
        .await?
        .map_err(|c| conflict(c, Kind::Tenant, &tenant.name))?;
    Ok((StatusCode::NO_CONTENT, AuditNote::named(tenant.name), ()))
}

/// Projects the caller may read, by tenant and name.
#[utoipa::path(get, path = "/api/projects", tag = "tenancy", params(ProjectsQuery),
    responses((status = 200, body = ProjectList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn list_projects(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<ProjectsQuery>,
) -> ApiResult<Json<ProjectList>> {
    signed_in(&principal)?;
    let rows = state.store.projects(q.tenant_id.as_deref()).await?;
    let items = rows
        .into_iter()
        .filter(|p| allowed(&principal, Access::Read, Kind::Project, owned_project(p)));
    Ok(Json(ProjectList {
        items: items.map(Project::from).collect(),
    }))
}

/// Creates a project in a tenant (admin, or a key of that tenant): its namespace in a registered
/// cluster and its quota within the platform's ceilings (which fill in what it leaves out).
#[utoipa::path(post, path = "/api/projects", tag = "tenancy", request_body = CreateProject,
    responses((status = 201, body = Project), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "`name_taken` in the tenant; `namespace_taken` in the cluster", body = ErrorBody),
        (status = 402, description = "`entitlement_required`, `entitlement_exceeded`: quota is sold (the platform policy) and the tenant's orders in force do not cover it", body = ErrorBody),
        (status = 422, description = "`invalid_name`, `invalid_namespace`, `invalid_quota`, `quota_above_ceiling`, `unknown_tenant`, `unknown_cluster`", body = ErrorBody)))]
async fn create_project(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<CreateProject>,
) -> ApiResult<(StatusCode, AuditNote, Json<Project>)> {
    signed_in(&principal)?;
    let owned = Owned {
        tenant_id: &body.tenant_id,
        project_id: None,
    };
    let tenant = match state.store.tenant(&body.tenant_id).await? {
        Some(t)
            if allowed(&principal, Access::Read, Kind::Tenant, owned)
                || allowed(&principal, Access::Write, Kind::Project, owned) =>
        {
            t
        }
        _ => {
            return Err(ApiError::unprocessable(
                "unknown_tenant",
                format!("no tenant {:?}", body.tenant_id),
            ));
        }
    };
    refuse_write(&principal, Kind::Project, owned)?;
    check_short_name("project", &body.name).map_err(invalid("invalid_name"))?;
    let namespace = body
        .namespace
        .clone()
        .unwrap_or_else(|| format!("{}-{}", tenant.name, body.name));
    if !crate::names::is_dns_label(&namespace) {
        return Err(ApiError::unprocessable(
            "invalid_namespace",
            format!("namespace {namespace:?} is not a DNS-1123 label"),
        ));
    }
    if state.store.cluster(&body.cluster).await?.is_none() {
        return Err(ApiError::unprocessable(
            "unknown_cluster",
            format!("no cluster {:?}", body.cluster),
        ));
    }
    let quota = checked_quota(&state, &body.quota).await?;
    let at = now();
    let row = ProjectRow {
        id: uuid::Uuid::now_v7().to_string(),
        tenant_id: tenant.id,
        name: body.name,
        cluster: body.cluster,
        namespace,
        quota: SqlJson(serde_json::to_value(&quota).map_err(ApiError::internal)?),
        created_by: principal.subject.clone(),
        created_at: at,
        updated_at: at,
        generation: 1,
        synced_generation: 0,
        synced_at: None,
        sync_error: None,
    };
    let gate = orders::gate(&state, &row.tenant_id).await?;
    let mut refusal = None;
    let written = state
        .store
        .insert_project(&row, |projects| fits(&gate, projects, None, &quota, &mut refusal))
        .await?;
    written.map_err(|c| match (c, refusal.take()) {
        (_, Some(r)) => orders::refused(r),
        (TenancyConflict::NamespaceTaken, _) => conflict(c, Kind::Project, &row.namespace),
        _ => conflict(c, Kind::Project, &row.name),
    })?;
    state.projects_changed.notify_one();
    let note = AuditNote {
        cluster: Some(row.cluster.clone()),
        namespace: Some(row.namespace.clone()),
        ..AuditNote::named(&row.name)
    };
    Ok((StatusCode::CREATED, note, Json(row.into())))
}

/// Whether the tenant's projects as they would be (`projects`, read in the write's transaction)
/// pass `gate`; why not goes to `refusal`.
fn fits(gate: &Gate, projects: &[ProjectRow], old: Option<&Quota>, new: &Quota, refusal: &mut Option<Refusal>) -> bool {
    let quotas: Vec<Quota> = projects.iter().map(quota_of).collect();
    *refusal = gate.check(&quotas, old, new).err();
    refusal.is_none()
}

/// A quota checked, defaulted from the platform's ceilings and within them.
async fn checked_quota(state: &AppState, quota: &Quota) -> ApiResult<Quota> {
    quota.check().map_err(invalid("invalid_quota"))?;
    let ceiling = policy::current(state).await?.policy.quota_max;
    let quota = quota.defaulted(&ceiling);
    match quota.above(&ceiling) {
        Some((field, value, max)) => Err(ApiError::unprocessable(
            "quota_above_ceiling",
            format!("{field} {value} is above the platform's ceiling {max}"),
        )),
        None => Ok(quota),
    }
}

#[utoipa::path(get, path = "/api/projects/{id}", tag = "tenancy", params(("id" = String, Path)),
    responses((status = 200, body = Project), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`project_not_found` (or not the caller's)", body = ErrorBody)))]
async fn get_project(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Project>> {
    signed_in(&principal)?;
    Ok(Json(readable_project(&state, &principal, &id).await?.into()))
}

/// Replaces a project's quota (admin, or a key of its tenant).
#[utoipa::path(patch, path = "/api/projects/{id}", tag = "tenancy", params(("id" = String, Path)), request_body = UpdateProject,
    responses((status = 200, body = Project), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "`project_not_found`", body = ErrorBody),
        (status = 402, description = "`entitlement_required`, `entitlement_exceeded`: a raise the tenant's orders in force do not cover (lowering is always allowed)", body = ErrorBody),
        (status = 422, description = "`invalid_quota`, `quota_above_ceiling`", body = ErrorBody)))]
async fn update_project(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateProject>,
) -> ApiResult<(AuditNote, Json<Project>)> {
    signed_in(&principal)?;
    let project = readable_project(&state, &principal, &id).await?;
    refuse_write(&principal, Kind::Project, owned_project(&project))?;
    let quota = checked_quota(&state, &body.quota).await?;
    let json = serde_json::to_value(&quota).map_err(ApiError::internal)?;
    let gate = orders::gate(&state, &project.tenant_id).await?;
    let old = quota_of(&project);
    let mut refusal = None;
    let written = state
        .store
        .update_project_quota(&id, &json, now(), |projects| {
            fits(&gate, projects, Some(&old), &quota, &mut refusal)
        })
        .await?;
    let row = written.map_err(|c| match refusal.take() {
        Some(r) => orders::refused(r),
        None => conflict(c, Kind::Project, &id),
    })?;
    state.projects_changed.notify_one();
    Ok((AuditNote::named(project.name), Json(row.into())))
}

/// Deletes a project without apps (admin, or a key of its tenant), and its namespace in the
/// cluster with all it holds unless `cascade=false`.
#[utoipa::path(delete, path = "/api/projects/{id}", tag = "tenancy", params(("id" = String, Path), DeleteProjectQuery),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
        (status = 409, description = "`project_not_empty`: it has apps", body = ErrorBody),
        (status = 502, description = "`namespace_not_deleted`: the cluster did not delete the namespace; the project stays", body = ErrorBody)))]
async fn delete_project(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<DeleteProjectQuery>,
) -> ApiResult<(StatusCode, AuditNote, ())> {
    signed_in(&principal)?;
    let project = readable_project(&state, &principal, &id).await?;
    refuse_write(&principal, Kind::Project, owned_project(&project))?;
    // Emptiness is checked again in the deletion's transaction; this spares the namespace.
    if !state.store.apps(Some(&id)).await?.is_empty() {
        return Err(conflict(TenancyConflict::NotEmpty, Kind::Project, &project.name));
    }
    if q.cascade != Some(false) {
        project_sync::delete_namespace(&state, &project)
            .await
            .map_err(|m| ApiError::new(StatusCode::BAD_GATEWAY, "namespace_not_deleted", m))?;
    }
    state
        .store
        .delete_project(&id)
        .await?
        .map_err(|c| conflict(c, Kind::Project, &project.name))?;
    let note = AuditNote {
        cluster: Some(project.cluster),
        namespace: Some(project.namespace),
        reason: (q.cascade == Some(false)).then(|| "the namespace was kept".to_string()),
        ..AuditNote::named(project.name)
    };
    Ok((StatusCode::NO_CONTENT, note, ()))
}

/// Apps the caller may read, by project and name.
#[utoipa::path(get, path = "/api/apps", tag = "tenancy", params(AppsQuery),
    responses((status = 200, body = AppList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn list_apps(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<AppsQuery>,
) -> ApiResult<Json<AppList>> {
    signed_in(&principal)?;
    let projects: HashMap<String, ProjectRow> = (state.store.projects(None).await?)
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let mut items = Vec::new();
    for app in state.store.apps(q.project_id.as_deref()).await? {
        let Some(project) = projects.get(&app.project_id) else {
            continue;
        };
        if allowed(&principal, Access::Read, Kind::App, owned_project(project)) {
            items.push(App::from_row(app, project.tenant_id.clone()));
        }
    }
    Ok(Json(AppList { items }))
}

/// The app's spec checked, its image against the platform's allowlist, and the objects the
/// project sync will apply for it through the risk guard, as every apply is
/// (FLEETDECK_RISK_GUARD): its analysis under `warn`, 422 `risk_guard_blocked` under `block`.
async fn checked_app(
    state: &AppState,
    project: &ProjectRow,
    name: &str,
    spec: &AppSpec,
) -> ApiResult<Option<Analysis>> {
    check_app_spec(spec).map_err(|(code, m)| ApiError::unprocessable(code, m))?;
    let policy = policy::current(state).await?.policy;
    let settings = &state.settings.risk_guard;
    if !policy::image_allowed(&spec.image, &policy, &settings.image_allowlist) {
        return Err(ApiError::unprocessable(
            "image_not_allowed",
            format!("image {:?} is from no registry the platform allows", spec.image),
        ));
    }
    if settings.policy == Policy::Off {
        return Ok(None);
    }
    let objects = project_objects::app(&project.namespace, &AppObjects { name, spec });
    let manifests: Vec<String> = objects.iter().map(serde_json::Value::to_string).collect();
    let options = risk_guard::Options {
        // The objects are Fleetdeck's own, of APIs every supported version serves.
        kubernetes_version: None,
        environment: state.store.cluster(&project.cluster).await?.map(|c| c.environment),
        image_allowlist: state.store.risk_guard_allowlist(&settings.image_allowlist).await?,
        default_namespace: project.namespace.clone(),
    };
    let analysis = risk_guard::analyze(&manifests.join("\n---\n"), &options);
    match risk_guard::refusal(settings.policy, &analysis, "this app") {
        Some(e) => Err(e),
        None => Ok(Some(analysis)),
    }
}

/// Creates an app in a project (admin, a key of its tenant, or of the project).
#[utoipa::path(post, path = "/api/apps", tag = "tenancy", request_body = CreateApp,
    responses((status = 201, body = App), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, description = "`name_taken` in the project", body = ErrorBody),
        (status = 422, description = "`invalid_name`, `invalid_image`, `image_not_allowed`, `invalid_replicas`, `invalid_port`, `invalid_host`, `unknown_project`", body = ErrorBody)))]
async fn create_app(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<CreateApp>,
) -> ApiResult<(StatusCode, AuditNote, Json<App>)> {
    signed_in(&principal)?;
    let project = match state.store.project(&body.project_id).await? {
        Some(p) if allowed(&principal, Access::Read, Kind::App, owned_project(&p)) => p,
        _ => {
            return Err(ApiError::unprocessable(
                "unknown_project",
                format!("no project {:?}", body.project_id),
            ));
        }
    };
    refuse_write(&principal, Kind::App, owned_project(&project))?;
    if !crate::names::is_dns_label(&body.name) {
        return Err(ApiError::unprocessable(
            "invalid_name",
            format!("app name {:?} is not a DNS-1123 label", body.name),
        ));
    }
    let analysis = checked_app(&state, &project, &body.name, &body.spec).await?;
    let at = now();
    let row = AppRow {
        id: uuid::Uuid::now_v7().to_string(),
        project_id: project.id.clone(),
        name: body.name,
        image: body.spec.image,
        replicas: body.spec.replicas as i32,
        port: body.spec.port.map(i32::from),
        host: body.spec.host,
        created_by: principal.subject.clone(),
        created_at: at,
        updated_at: at,
    };
    state
        .store
        .insert_app(&row)
        .await?
        .map_err(|c| conflict(c, Kind::App, &row.name))?;
    state.projects_changed.notify_one();
    let note = AuditNote {
        cluster: Some(project.cluster),
        namespace: Some(project.namespace),
        ..AuditNote::named(&row.name)
    };
    let app = App {
        risk_guard: analysis,
        ..App::from_row(row, project.tenant_id)
    };
    Ok((StatusCode::CREATED, note, Json(app)))
}

#[utoipa::path(get, path = "/api/apps/{id}", tag = "tenancy", params(("id" = String, Path)),
    responses((status = 200, body = App), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`app_not_found` (or not the caller's)", body = ErrorBody)))]
async fn get_app(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<App>> {
    signed_in(&principal)?;
    let (app, project) = readable_app(&state, &principal, &id).await?;
    Ok(Json(App::from_row(app, project.tenant_id)))
}

/// Replaces an app's spec (admin, a key of its tenant, or of its project).
#[utoipa::path(put, path = "/api/apps/{id}", tag = "tenancy", params(("id" = String, Path)), request_body = AppSpec,
    responses((status = 200, body = App), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "`app_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_image`, `image_not_allowed`, `invalid_replicas`, `invalid_port`, `invalid_host`", body = ErrorBody)))]
async fn update_app(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(spec): ApiJson<AppSpec>,
) -> ApiResult<(AuditNote, Json<App>)> {
    signed_in(&principal)?;
    let (app, project) = readable_app(&state, &principal, &id).await?;
    refuse_write(&principal, Kind::App, owned_project(&project))?;
    let analysis = checked_app(&state, &project, &app.name, &spec).await?;
    let changed = AppRow {
        image: spec.image,
        replicas: spec.replicas as i32,
        port: spec.port.map(i32::from),
        host: spec.host,
        updated_at: now(),
        ..app
    };
    let row = state
        .store
        .update_app(&changed)
        .await?
        .ok_or_else(|| not_found("app_not_found", "app", &id))?;
    state.projects_changed.notify_one();
    let note = AuditNote {
        cluster: Some(project.cluster),
        namespace: Some(project.namespace),
        ..AuditNote::named(&row.name)
    };
    let app = App {
        risk_guard: analysis,
        ..App::from_row(row, project.tenant_id)
    };
    Ok((note, Json(app)))
}

/// Deletes an app (admin, a key of its tenant, or of its project).
#[utoipa::path(delete, path = "/api/apps/{id}", tag = "tenancy", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`app_not_found`", body = ErrorBody)))]
async fn delete_app(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(StatusCode, AuditNote, ())> {
    signed_in(&principal)?;
    let (app, project) = readable_app(&state, &principal, &id).await?;
    refuse_write(&principal, Kind::App, owned_project(&project))?;
    state.store.delete_app(&id).await?;
    state.projects_changed.notify_one();
    let note = AuditNote {
        cluster: Some(project.cluster),
        namespace: Some(project.namespace),
        ..AuditNote::named(app.name)
    };
    Ok((StatusCode::NO_CONTENT, note, ()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_have_stable_codes() {
        assert_eq!(
            conflict(TenancyConflict::NameTaken, Kind::Tenant, "acme").code,
            "name_taken"
        );
        assert_eq!(
            conflict(TenancyConflict::NamespaceTaken, Kind::Project, "acme-web").code,
            "namespace_taken"
        );
        assert_eq!(
            conflict(TenancyConflict::NotEmpty, Kind::Tenant, "acme").code,
            "tenant_not_empty"
        );
        assert_eq!(
            conflict(TenancyConflict::NotEmpty, Kind::Project, "web").code,
            "project_not_empty"
        );
        assert_eq!(
            conflict(TenancyConflict::NotFound, Kind::Project, "p1").code,
            "project_not_found"
        );
    }
}
