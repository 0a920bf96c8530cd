//! Rates (`/api/rates`, `/api/tenants/{id}/rates`) and invoices (`/api/invoices/{tenant}`):
//! a month's usage of a tenant at its prices, as a draft until an admin issues it; issued
//! invoices never change, and credit notes are set against them.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode, header};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::types::Json as SqlJson;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::signed_in;
use super::invoice::{self, InvoiceLine, Line, Quantity, Rate};
use super::tenancy::readable_tenant;
use super::usage;
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::store::invoices::{CreditNoteRow, InvoiceRow};
use crate::store::now;
use crate::store::usage::{Grouping, UsageFilter};

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(Method::PUT, "/api/rates", "update", "rates"),
    AuditedRoute::new(Method::PUT, "/api/tenants/{id}/rates", "update", "rates"),
    AuditedRoute::new(Method::POST, "/api/invoices/{tenant}/finalize", "issue", "invoice"),
    AuditedRoute::new(
        Method::POST,
        "/api/invoices/{tenant}/credit-notes",
        "create",
        "credit_note",
    ),
];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new()
            .routes(routes!(get_rates, put_rates))
            .routes(routes!(get_tenant_rates, put_tenant_rates))
            .routes(routes!(get_invoice))
            .routes(routes!(invoice_csv))
            .routes(routes!(finalize))
            .routes(routes!(credit)),
        audited: AUDITED,
    }
}

/// The default prices, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RateCard {
    /// An ISO 4217 code: three capital letters.
    pub currency: String,
    #[schema(max_items = 200)]
    pub rates: Vec<Rate>,
}

/// The currency of invoices before a rate card is set.
const DEFAULT_CURRENCY: &str = "USD";
const RATES_MAX: usize = 200;

/// A tenant's own prices, over the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TenantRateOverrides {
    #[schema(max_items = 200)]
    pub rates: Vec<Rate>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantRates {
    pub currency: String,
    /// The tenant's own prices.
    pub overrides: Vec<Rate>,
    /// What the tenant pays: its overrides, then the defaults for what they leave out.
    pub effective: Vec<Rate>,
}

async fn rate_card(state: &AppState) -> ApiResult<RateCard> {
    Ok(match state.store.rate_card("").await? {
        // Written from a checked card; one of another shape is refused rather than ignored.
        Some(body) => serde_json::from_value(body.0).map_err(ApiError::internal)?,
        None => RateCard {
            currency: DEFAULT_CURRENCY.into(),
            rates: Vec::new(),
        },
    })
}

async fn overrides(state: &AppState, tenant_id: &str) -> ApiResult<Vec<Rate>> {
    Ok(match state.store.rate_card(tenant_id).await? {
        Some(body) => {
            serde_json::from_value::<TenantRateOverrides>(body.0)
                .map_err(ApiError::internal)?
                .rates
        }
        None => Vec::new(),
    })
}

fn check(rates: &[Rate]) -> ApiResult<()> {
    if rates.len() > RATES_MAX {
        return Err(ApiError::unprocessable(
            "invalid_rates",
            format!("at most {RATES_MAX} rates"),
        ));
    }
    invoice::check_rates(rates).map_err(|m| ApiError::unprocessable("invalid_rates", m))
}

/// The default rate card (staff).
#[utoipa::path(get, path = "/api/rates", tag = "billing",
    responses((status = 200, body = RateCard), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn get_rates(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<RateCard>> {
    principal.require(Role::Viewer)?;
    Ok(Json(rate_card(&state).await?))
}

/// Replaces the default rate card (admin). Drafts price at it at once; issued invoices keep
/// their prices.
#[utoipa::path(put, path = "/api/rates", tag = "billing", request_body = RateCard,
    responses((status = 200, body = RateCard), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, description = "`invalid_currency`, `invalid_rates` (naming the rate and field)", body = ErrorBody)))]
async fn put_rates(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(card): ApiJson<RateCard>,
) -> ApiResult<(AuditNote, Json<RateCard>)> {
    principal.require(Role::Admin)?;
    if card.currency.len() != 3 || !card.currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(ApiError::unprocessable(
            "invalid_currency",
            format!("{:?} is not an ISO 4217 code", card.currency),
        ));
    }
    check(&card.rates)?;
    let body = serde_json::to_value(&card).map_err(ApiError::internal)?;
    state.store.set_rate_card("", &body, &principal.subject, now()).await?;
    Ok((AuditNote::named("defaults"), Json(card)))
}

async fn tenant_rates(state: &AppState, tenant_id: &str) -> ApiResult<TenantRates> {
    let card = rate_card(state).await?;
    let overrides = overrides(state, tenant_id).await?;
    let prices = invoice::prices(&card.rates, &overrides);
    Ok(TenantRates {
        currency: card.currency,
        effective: prices
            .into_iter()
            .map(|((resource, unit), price)| Rate {
                resource,
                unit,
                price: price.normalize().to_string(),
            })
            .collect(),
        overrides,
    })
}

/// A tenant's prices (admin, staff, the tenant's own callers).
#[utoipa::path(get, path = "/api/tenants/{id}/rates", tag = "billing", params(("id" = String, Path)),
    responses((status = 200, body = TenantRates), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`tenant_not_found`", body = ErrorBody)))]
async fn get_tenant_rates(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<TenantRates>> {
    signed_in(&principal)?;
    readable_tenant(&state, &principal, &id).await?;
    Ok(Json(tenant_rates(&state, &id).await?))
}

/// Replaces a tenant's own prices (admin); an empty list leaves it the defaults.
#[utoipa::path(put, path = "/api/tenants/{id}/rates", tag = "billing", params(("id" = String, Path)),
    request_body = TenantRateOverrides,
    responses((status = 200, body = TenantRates), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "`tenant_not_found`", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, description = "`invalid_rates`", body = ErrorBody)))]
async fn put_tenant_rates(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<TenantRateOverrides>,
) -> ApiResult<(AuditNote, Json<TenantRates>)> {
    principal.require(Role::Admin)?;
    let tenant = readable_tenant(&state, &principal, &id).await?;
    check(&body.rates)?;
    let json = serde_json::to_value(&body).map_err(ApiError::internal)?;
    state.store.set_rate_card(&id, &json, &principal.subject, now()).await?;
    Ok((AuditNote::named(tenant.name), Json(tenant_rates(&state, &id).await?)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InvoiceStatus {
    /// Computed from the usage and prices now; changes with them.
    Draft,
    /// Issued: never changes.
    Issued,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreditNote {
    pub id: String,
    /// An exact decimal, in the invoice's currency.
    pub amount: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<CreditNoteRow> for CreditNote {
    fn from(n: CreditNoteRow) -> CreditNote {
        CreditNote {
            id: n.id,
            amount: n.amount,
            reason: n.reason,
            created_by: n.created_by,
            created_at: n.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Invoice {
    pub tenant_id: String,
    /// `YYYY-MM`.
    pub month: String,
    pub currency: String,
    pub status: InvoiceStatus,
    /// Issued invoices only: `<tenant name>-<YYYY-MM>`.
    pub number: Option<String>,
    pub issued_at: Option<DateTime<Utc>>,
    pub lines: Vec<InvoiceLine>,
    /// The lines' amounts summed (each rounded to the cent first).
    pub subtotal: String,
    pub credit_notes: Vec<CreditNote>,
    /// The subtotal less the credit notes.
    pub total: String,
}

/// What an issued invoice keeps.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Issued {
    currency: String,
    lines: Vec<InvoiceLine>,
    subtotal: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM` (UTC); default: this month.
    pub month: Option<String>,
}

/// `[start, end)` of the month `YYYY-MM`.
fn month_span(month: &str) -> ApiResult<(DateTime<Utc>, DateTime<Utc>)> {
    let invalid = || ApiError::unprocessable("invalid_month", format!("{month:?} is not YYYY-MM"));
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| invalid())?;
    if month.len() != 7 {
        return Err(invalid());
    }
    let next = first.checked_add_months(chrono::Months::new(1)).ok_or_else(invalid)?;
    let at = |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default());
    Ok((at(first), at(next)))
}

fn this_month() -> String {
    let n = now();
    format!("{:04}-{:02}", n.year(), n.month())
}

/// The draft of a tenant's month: its usage by project and resource at its prices.
async fn draft(state: &AppState, tenant_id: &str, month: &str) -> ApiResult<Issued> {
    let (from, to) = month_span(month)?;
    let filter = UsageFilter {
        from,
        to,
        tenant_id: Some(tenant_id.to_string()),
        project_id: None,
    };
    let metered = state.store.metered_sums(&filter, Grouping::Project).await?;
    let ingested = state.store.ingested_sums(&filter, Grouping::Project).await?;
    let quantities: Vec<Quantity> = usage::sums(metered, ingested, false)
        .into_iter()
        .map(|s| Quantity {
            project_id: s.project_id,
            resource: s.resource,
            unit: s.unit,
            quantity: s.quantity,
        })
        .collect();
    let card = rate_card(state).await?;
    let prices = invoice::prices(&card.rates, &overrides(state, tenant_id).await?);
    let lines = invoice::lines(&quantities, &prices);
    let names: HashMap<String, String> = state
        .store
        .projects(Some(tenant_id))
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    Ok(Issued {
        currency: card.currency,
        subtotal: invoice::written(invoice::subtotal(&lines)),
        lines: lines.iter().map(|l| line_view(l, &names)).collect(),
    })
}

fn line_view(l: &Line, names: &HashMap<String, String>) -> InvoiceLine {
    InvoiceLine {
        project_name: l.project_id.as_ref().and_then(|p| names.get(p).cloned()),
        project_id: l.project_id.clone(),
        resource: l.resource.clone(),
        unit: l.unit.clone(),
        quantity: l.quantity.normalize().to_string(),
        price: l.price.map(|p| p.normalize().to_string()),
        amount: invoice::written(l.amount),
    }
}

/// The tenant's invoice of `month`: the issued one, else the draft.
async fn invoice_of(state: &AppState, tenant_id: &str, month: &str) -> ApiResult<Invoice> {
    month_span(month)?;
    let (status, number, issued_at, body) = match state.store.invoice(tenant_id, month).await? {
        Some(row) => {
            let body: Issued = serde_json::from_value(row.body.0).map_err(ApiError::internal)?;
            (InvoiceStatus::Issued, Some(row.number), Some(row.issued_at), body)
        }
        None => (InvoiceStatus::Draft, None, None, draft(state, tenant_id, month).await?),
    };
    let notes = state.store.credit_notes(tenant_id, month).await?;
    let subtotal = Decimal::from_str_exact(&body.subtotal).map_err(ApiError::internal)?;
    let credited: Decimal = notes
        .iter()
        .map(|n| Decimal::from_str_exact(&n.amount).unwrap_or_default())
        .sum();
    Ok(Invoice {
        tenant_id: tenant_id.to_string(),
        month: month.to_string(),
        currency: body.currency,
        status,
        number,
        issued_at,
        lines: body.lines,
        subtotal: body.subtotal,
        credit_notes: notes.into_iter().map(CreditNote::from).collect(),
        total: invoice::written(subtotal - credited),
    })
}

/// A tenant's invoice of a month (admin, staff, the tenant's own callers): issued, or the draft.
#[utoipa::path(get, path = "/api/invoices/{tenant}", tag = "billing", params(("tenant" = String, Path), MonthQuery),
    responses((status = 200, body = Invoice), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "`tenant_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_month`", body = ErrorBody)))]
async fn get_invoice(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(tenant): ApiPath<String>,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> ApiResult<Json<Invoice>> {
    signed_in(&principal)?;
    readable_tenant(&state, &principal, &tenant).await?;
    let month = q.month.unwrap_or_else(this_month);
    Ok(Json(invoice_of(&state, &tenant, &month).await?))
}

/// The same invoice as CSV: one row per line, then the subtotal, the credit notes and the total.
#[utoipa::path(get, path = "/api/invoices/{tenant}/csv", tag = "billing", params(("tenant" = String, Path), MonthQuery),
    responses((status = 200, content_type = "text/csv", body = String,
            headers(("Content-Disposition" = String, description = "attachment; filename=<tenant>-<month>.csv"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "`tenant_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_month`", body = ErrorBody)))]
async fn invoice_csv(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(tenant): ApiPath<String>,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> ApiResult<([(header::HeaderName, String); 2], String)> {
    signed_in(&principal)?;
    let t = readable_tenant(&state, &principal, &tenant).await?;
    let month = q.month.unwrap_or_else(this_month);
    let inv = invoice_of(&state, &tenant, &month).await?;
    let credits: Vec<(&str, &str)> = inv
        .credit_notes
        .iter()
        .map(|n| (n.reason.as_str(), n.amount.as_str()))
        .collect();
    let text = invoice::csv(&inv.lines, &inv.subtotal, &credits, &inv.total);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-{month}.csv\"", t.name),
            ),
        ],
        text,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinalizeBody {
    /// `YYYY-MM`: a month that has ended.
    pub month: String,
}

/// Issues a tenant's invoice of a month that has ended (admin): the draft as it is now, which
/// then never changes (usage ingested later for that month is not on it).
#[utoipa::path(post, path = "/api/invoices/{tenant}/finalize", tag = "billing", params(("tenant" = String, Path)),
    request_body = FinalizeBody,
    responses((status = 201, body = Invoice), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "`tenant_not_found`", body = ErrorBody),
        (status = 409, description = "`invoice_issued`: the month's invoice was issued already", body = ErrorBody),
        (status = 422, description = "`invalid_month`, `month_not_over`", body = ErrorBody)))]
async fn finalize(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(body): ApiJson<FinalizeBody>,
) -> ApiResult<(StatusCode, AuditNote, Json<Invoice>)> {
    principal.require(Role::Admin)?;
    let t = readable_tenant(&state, &principal, &tenant).await?;
    let (_, end) = month_span(&body.month)?;
    if end > now() {
        return Err(ApiError::unprocessable(
            "month_not_over",
            format!("{} has not ended", body.month),
        ));
    }
    let issued = draft(&state, &tenant, &body.month).await?;
    let number = format!("{}-{}", t.name, body.month);
    let row = InvoiceRow {
        tenant_id: tenant.clone(),
        month: body.month.clone(),
        number: number.clone(),
        body: SqlJson(serde_json::to_value(&issued).map_err(ApiError::internal)?),
        issued_by: principal.subject.clone(),
        issued_at: now(),
    };
    if !state.store.insert_invoice(&row).await? {
        return Err(ApiError::conflict(
            "invoice_issued",
            format!("{number} was issued already"),
        ));
    }
    let invoice = invoice_of(&state, &tenant, &body.month).await?;
    Ok((StatusCode::CREATED, AuditNote::named(number), Json(invoice)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditBody {
    /// `YYYY-MM`: an issued invoice's month.
    pub month: String,
    /// Above 0, at most 2 places, at most what the invoice's total still is.
    pub amount: String,
    /// 1 to 500 characters.
    pub reason: String,
}

/// Sets a credit note against an issued invoice (admin); the invoice's total drops by it.
#[utoipa::path(post, path = "/api/invoices/{tenant}/credit-notes", tag = "billing", params(("tenant" = String, Path)),
    request_body = CreditBody,
    responses((status = 201, body = CreditNote), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "`tenant_not_found`", body = ErrorBody),
        (status = 409, description = "`invoice_not_issued`", body = ErrorBody),
        (status = 422, description = "`invalid_month`, `invalid_amount`, `invalid_reason`, `credit_exceeds_total`", body = ErrorBody)))]
async fn credit(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(body): ApiJson<CreditBody>,
) -> ApiResult<(StatusCode, AuditNote, Json<CreditNote>)> {
    principal.require(Role::Admin)?;
    readable_tenant(&state, &principal, &tenant).await?;
    month_span(&body.month)?;
    let amount = invoice::money(&body.amount).map_err(|m| ApiError::unprocessable("invalid_amount", m))?;
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::unprocessable(
            "invalid_reason",
            "the reason is 1 to 500 characters",
        ));
    }
    let Some(issued) = state.store.invoice(&tenant, &body.month).await? else {
        return Err(ApiError::conflict(
            "invoice_not_issued",
            format!(
                "the invoice of {} is not issued; credit notes go against issued invoices",
                body.month
            ),
        ));
    };
    let issued: Issued = serde_json::from_value(issued.body.0).map_err(ApiError::internal)?;
    let subtotal = Decimal::from_str_exact(&issued.subtotal).map_err(ApiError::internal)?;
    let row = CreditNoteRow {
        id: uuid::Uuid::now_v7().to_string(),
        tenant_id: tenant.clone(),
        month: body.month.clone(),
        amount: invoice::written(amount),
        reason: reason.to_string(),
        created_by: principal.subject.clone(),
        created_at: now(),
    };
    let fits = |notes: &[CreditNoteRow]| {
        let credited: Decimal = notes
            .iter()
            .map(|n| Decimal::from_str_exact(&n.amount).unwrap_or_default())
            .sum();
        credited + amount <= subtotal
    };
    if !state.store.insert_credit_note(&row, fits).await? {
        return Err(ApiError::unprocessable(
            "credit_exceeds_total",
            format!("{} is more than the invoice's total still is", row.amount),
        ));
    }
    let note = AuditNote::named(format!("{}-{}", tenant, body.month)).reason(reason.to_string());
    Ok((StatusCode::CREATED, note, Json(CreditNote::from(row))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_spans() {
        let (from, to) = month_span("2026-12").unwrap();
        assert_eq!(from.to_rfc3339(), "2026-12-01T00:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2027-01-01T00:00:00+00:00");
        for bad in ["2026-13", "2026-1", "26-12", "2026-12-01", "december"] {
            assert!(month_span(bad).is_err(), "{bad}");
        }
    }
}
