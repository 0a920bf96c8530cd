//! Plans (`/api/plans`): what tenants may buy — a price for a period, and the quota it entitles
//! a tenant to. Admins make and change them; everyone signed in reads the ones on sale.

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json as SqlJson;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::signed_in;
use super::model::{Quota, check_display_name};
use super::{invoice, stripe};
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::store::now;
use crate::store::orders::PlanRow;

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(Method::POST, "/api/plans", "create", "plan"),
    AuditedRoute::new(Method::PUT, "/api/plans/{id}", "update", "plan"),
    AuditedRoute::new(Method::DELETE, "/api/plans/{id}", "delete", "plan"),
];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new()
            .routes(routes!(list_plans, create_plan))
            .routes(routes!(get_plan, update_plan, delete_plan)),
        audited: AUDITED,
    }
}

const DESCRIPTION_MAX_CHARS: usize = 1000;
const PERIOD_DAYS_MAX: u32 = 366;
const DEFAULT_PERIOD_DAYS: u32 = 30;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub id: String,
    /// A DNS-1123 label, unique.
    pub name: String,
    pub display_name: String,
    pub description: String,
    /// An exact decimal of at most 2 places (none for currencies without cents), above 0.
    pub price: String,
    /// ISO 4217.
    pub currency: String,
    /// How long a paid order of it entitles its tenant.
    pub period_days: u32,
    /// What it entitles a tenant's projects to in all; fields left out are not limited by it.
    pub quota: Quota,
    /// Whether it can be ordered.
    pub active: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Plan {
    pub fn of(r: PlanRow) -> Plan {
        Plan {
            id: r.id,
            name: r.name,
            display_name: r.display_name,
            description: r.description,
            price: r.price,
            currency: r.currency,
            period_days: u32::try_from(r.period_days).unwrap_or_default(),
            // Written from a checked `Quota`.
            quota: serde_json::from_value(r.quota.0).unwrap_or_default(),
            active: r.active,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanList {
    pub items: Vec<Plan>,
}

/// What a plan says; a PUT replaces all of it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PlanTerms {
    /// A DNS-1123 label, unique.
    pub name: String,
    /// At most 100 characters; defaults to the name.
    pub display_name: Option<String>,
    /// At most 1,000 characters.
    #[serde(default)]
    pub description: String,
    /// Above 0, at most 2 places (none for currencies without cents, such as JPY).
    pub price: String,
    /// ISO 4217: three capital letters.
    pub currency: String,
    /// 1 to 366; default 30.
    #[schema(minimum = 1, maximum = 366)]
    pub period_days: Option<u32>,
    #[serde(default, deserialize_with = "super::model::object")]
    pub quota: Quota,
    /// Default true.
    pub active: Option<bool>,
}

/// The plan `terms` make, checked; the rest (`id`, who made it and when) as given.
fn row_of(t: PlanTerms, id: String, created_by: String, created_at: DateTime<Utc>) -> ApiResult<PlanRow> {
    if !crate::names::is_dns_label(&t.name) {
        return Err(ApiError::unprocessable(
            "invalid_name",
            format!("plan name {:?} must be a DNS-1123 label", t.name),
        ));
    }
    let display_name = t.display_name.clone().unwrap_or_else(|| t.name.clone());
    check_display_name(&display_name).map_err(|m| ApiError::unprocessable("invalid_display_name", m))?;
    if t.description.chars().count() > DESCRIPTION_MAX_CHARS {
        return Err(ApiError::unprocessable(
            "invalid_description",
            format!("at most {DESCRIPTION_MAX_CHARS} characters"),
        ));
    }
    if t.currency.len() != 3 || !t.currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(ApiError::unprocessable(
            "invalid_currency",
            format!("{:?} is not an ISO 4217 code", t.currency),
        ));
    }
    let price = invoice::money(&t.price).map_err(|m| ApiError::unprocessable("invalid_price", m))?;
    if stripe::minor_units(price, &t.currency).is_none() {
        return Err(ApiError::unprocessable(
            "invalid_price",
            format!("{} has places {} does not have", t.price, t.currency),
        ));
    }
    let period = t.period_days.unwrap_or(DEFAULT_PERIOD_DAYS);
    if !(1..=PERIOD_DAYS_MAX).contains(&period) {
        return Err(ApiError::unprocessable(
            "invalid_period",
            format!("periodDays must be 1 to {PERIOD_DAYS_MAX}"),
        ));
    }
    t.quota
        .check()
        .map_err(|m| ApiError::unprocessable("invalid_quota", m))?;
    Ok(PlanRow {
        id,
        name: t.name,
        display_name,
        description: t.description,
        price: invoice::written(price),
        currency: t.currency,
        period_days: period as i32,
        quota: SqlJson(serde_json::to_value(&t.quota).map_err(ApiError::internal)?),
        active: t.active.unwrap_or(true),
        created_by,
        created_at,
        updated_at: now(),
    })
}

/// Plans: all of them for admins, those on sale for everyone else.
#[utoipa::path(get, path = "/api/plans", tag = "billing",
    responses((status = 200, body = PlanList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_plans(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<PlanList>> {
    signed_in(&principal)?;
    let admin = principal.role == Role::Admin;
    let items = state.store.plans().await?;
    Ok(Json(PlanList {
        items: items.into_iter().filter(|p| admin || p.active).map(Plan::of).collect(),
    }))
}

/// Adds a plan (admin).
#[utoipa::path(post, path = "/api/plans", tag = "billing", request_body = PlanTerms,
    responses((status = 201, body = Plan), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, description = "`name_taken`", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "`invalid_name`, `invalid_display_name`, `invalid_description`, `invalid_price`, `invalid_currency`, `invalid_period`, `invalid_quota`", body = ErrorBody)))]
async fn create_plan(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(terms): ApiJson<PlanTerms>,
) -> ApiResult<(StatusCode, AuditNote, Json<Plan>)> {
    principal.require(Role::Admin)?;
    let row = row_of(terms, uuid::Uuid::now_v7().to_string(), principal.subject, now())?;
    if !state.store.insert_plan(&row).await? {
        return Err(name_taken(&row.name));
    }
    Ok((StatusCode::CREATED, AuditNote::named(&row.name), Json(Plan::of(row))))
}

fn name_taken(name: &str) -> ApiError {
    ApiError::conflict("name_taken", format!("a plan named {name:?} exists"))
}

fn plan_not_found(id: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "plan_not_found", format!("no plan {id:?}"))
}

/// A plan (admins: any; everyone else: one on sale).
#[utoipa::path(get, path = "/api/plans/{id}", tag = "billing", params(("id" = String, Path)),
    responses((status = 200, body = Plan), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`plan_not_found`", body = ErrorBody)))]
async fn get_plan(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Plan>> {
    signed_in(&principal)?;
    match state.store.plan(&id).await? {
        Some(p) if p.active || principal.role == Role::Admin => Ok(Json(Plan::of(p))),
        _ => Err(plan_not_found(&id)),
    }
}

/// Replaces a plan (admin). Orders placed before keep the terms they were placed at.
#[utoipa::path(put, path = "/api/plans/{id}", tag = "billing", params(("id" = String, Path)), request_body = PlanTerms,
    responses((status = 200, body = Plan), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "`plan_not_found`", body = ErrorBody),
        (status = 409, description = "`name_taken`", body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, description = "`invalid_name`, `invalid_display_name`, `invalid_description`, `invalid_price`, `invalid_currency`, `invalid_period`, `invalid_quota`", body = ErrorBody)))]
async fn update_plan(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(terms): ApiJson<PlanTerms>,
) -> ApiResult<(AuditNote, Json<Plan>)> {
    principal.require(Role::Admin)?;
    let old = state.store.plan(&id).await?.ok_or_else(|| plan_not_found(&id))?;
    let row = row_of(terms, old.id, old.created_by, old.created_at)?;
    match state.store.update_plan(&row).await? {
        Some(true) => {}
        Some(false) => return Err(plan_not_found(&id)),
        None => return Err(name_taken(&row.name)),
    }
    Ok((AuditNote::named(&row.name), Json(Plan::of(row))))
}

/// Deletes a plan (admin); its orders keep the terms they were placed at.
#[utoipa::path(delete, path = "/api/plans/{id}", tag = "billing", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`plan_not_found`", body = ErrorBody)))]
async fn delete_plan(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(StatusCode, AuditNote, ())> {
    principal.require(Role::Admin)?;
    let plan = state.store.plan(&id).await?.ok_or_else(|| plan_not_found(&id))?;
    if !state.store.delete_plan(&id).await? {
        return Err(plan_not_found(&id));
    }
    Ok((StatusCode::NO_CONTENT, AuditNote::named(plan.name), ()))
}
