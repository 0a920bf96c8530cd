//! Orders (`/api/orders`): a tenant buys a plan. An order is paid through Stripe Checkout — the
//! signed webhook (`POST /api/stripe/webhook`) marks it paid — or by an admin (a bank transfer);
//! pending and paid orders can be canceled. A paid order entitles its tenant to the plan's quota
//! for the plan's period; `GET /api/billing/entitlement` adds those up, and when the platform
//! policy says quota is sold they bound the tenant's projects (`gate`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::types::Json as SqlJson;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::{Access, Kind, Owned, allowed, refuse_write, signed_in};
use super::entitlement::{self, Gate, Refusal};
use super::model::{Quota, quota_of};
use super::plans::Plan;
use super::policy;
use super::stripe::{self, CheckoutRequest, Outcome, SignatureError, Stripe};
use crate::AppState;
use crate::audit::model::Outcome as AuditOutcome;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role, TenancyScope};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::store::now;
use crate::store::orders::{OrderRow, Payment};

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(Method::POST, "/api/orders", "create", "order"),
    AuditedRoute::new(Method::POST, "/api/orders/{id}/checkout", "checkout", "order"),
    AuditedRoute::new(Method::POST, "/api/orders/{id}/pay", "pay", "order"),
    AuditedRoute::new(Method::POST, "/api/orders/{id}/cancel", "cancel", "order"),
    AuditedRoute::new(Method::POST, "/api/stripe/webhook", "payment_event", "order"),
];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new()
            .routes(routes!(list_orders, create_order))
            .routes(routes!(get_order))
            .routes(routes!(checkout))
            .routes(routes!(pay))
            .routes(routes!(cancel))
            .routes(routes!(stripe_webhook))
            .routes(routes!(get_entitlement)),
        audited: AUDITED,
    }
}

/// The plan as it was ordered.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderedPlan {
    pub name: String,
    pub display_name: String,
    pub price: String,
    pub currency: String,
    pub period_days: u32,
    pub quota: Quota,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    /// Placed, not paid.
    Pending,
    /// Paid: it entitles its tenant until `endsAt`.
    Paid,
    Canceled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PaidVia {
    /// Through Stripe Checkout; `paymentRef` is Stripe's payment.
    Stripe,
    /// Marked paid by an admin; `paymentRef` names them.
    Manual,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    pub tenant_id: String,
    pub plan_id: String,
    pub plan: OrderedPlan,
    /// An exact decimal, in `currency`.
    pub amount: String,
    pub currency: String,
    pub status: OrderStatus,
    /// The open Stripe Checkout page of a pending order.
    pub checkout_url: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub paid_via: Option<PaidVia>,
    pub payment_ref: Option<String>,
    /// When a paid order stops entitling its tenant.
    pub ends_at: Option<DateTime<Utc>>,
    pub canceled_at: Option<DateTime<Utc>>,
    pub canceled_by: Option<String>,
    /// Paid, not canceled, and not ended: it entitles its tenant now.
    pub in_force: bool,
}

fn status_of(s: &str) -> OrderStatus {
    match s {
        "paid" => OrderStatus::Paid,
        "canceled" => OrderStatus::Canceled,
        _ => OrderStatus::Pending,
    }
}

impl Order {
    fn of(r: OrderRow, at: DateTime<Utc>) -> ApiResult<Order> {
        let status = status_of(&r.status);
        Ok(Order {
            // Written from an `OrderedPlan`; one of another shape is refused rather than guessed.
            plan: serde_json::from_value(r.plan.0).map_err(ApiError::internal)?,
            in_force: status == OrderStatus::Paid && r.ends_at.is_some_and(|e| e > at),
            checkout_url: r.checkout_url.filter(|_| status == OrderStatus::Pending),
            paid_via: match r.paid_via.as_deref() {
                Some("stripe") => Some(PaidVia::Stripe),
                Some(_) => Some(PaidVia::Manual),
                None => None,
            },
            id: r.id,
            tenant_id: r.tenant_id,
            plan_id: r.plan_id,
            amount: r.amount,
            currency: r.currency,
            status,
            created_by: r.created_by,
            created_at: r.created_at,
            paid_at: r.paid_at,
            payment_ref: r.payment_ref,
            ends_at: r.ends_at,
            canceled_at: r.canceled_at,
            canceled_by: r.canceled_by,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderList {
    pub items: Vec<Order>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrdersQuery {
    /// Only this tenant's.
    pub tenant: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateOrder {
    pub tenant_id: String,
    /// A plan on sale.
    pub plan_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutStarted {
    /// Stripe's page to pay the order on.
    pub checkout_url: String,
    pub order: Order,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookReceived {
    pub received: bool,
}

/// A quota field of a tenant's entitlement.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EntitlementField {
    /// `requestsCpu`, `requestsMemory`, `limitsCpu`, `limitsMemory` or `pods`.
    pub field: String,
    /// What the orders in force add up to; none: not limited.
    pub entitled: Option<String>,
    /// What the tenant's projects ask in all; none: a project sets no limit.
    pub used: Option<String>,
    pub over: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Entitlement {
    pub tenant_id: String,
    /// Whether the platform sells quota (its policy's `requireEntitlement`): then the tenant's
    /// projects must fit the entitlement, and without an order in force get no more.
    pub required: bool,
    /// The paid orders that entitle the tenant now.
    pub orders: Vec<Order>,
    pub fields: Vec<EntitlementField>,
    /// Whether the projects fit (always, when not required).
    pub within: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EntitlementQuery {
    /// The tenant; a tenant key's own by default.
    pub tenant: Option<String>,
}

fn owned(tenant_id: &str) -> Owned<'_> {
    Owned {
        tenant_id,
        project_id: None,
    }
}

fn order_not_found(id: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "order_not_found", format!("no order {id:?}"))
}

fn not_pending(o: &OrderRow) -> ApiError {
    ApiError::conflict("order_not_pending", format!("the order is {}, not pending", o.status))
}

/// The order `id`, when the caller may read it.
async fn readable_order(state: &AppState, principal: &Principal, id: &str) -> ApiResult<OrderRow> {
    match state.store.order(id).await? {
        Some(o) if allowed(principal, Access::Read, Kind::Order, owned(&o.tenant_id)) => Ok(o),
        _ => Err(order_not_found(id)),
    }
}

/// The order `id`, when the caller may change it (403 when they may only read it).
async fn writable_order(state: &AppState, principal: &Principal, id: &str) -> ApiResult<OrderRow> {
    let order = readable_order(state, principal, id).await?;
    refuse_write(principal, Kind::Order, owned(&order.tenant_id))?;
    Ok(order)
}

fn note(o: &OrderRow) -> AuditNote {
    AuditNote::named(&o.id)
}

/// Orders the caller may read, newest first.
#[utoipa::path(get, path = "/api/orders", tag = "billing", params(OrdersQuery),
    responses((status = 200, body = OrderList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn list_orders(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<OrdersQuery>,
) -> ApiResult<Json<OrderList>> {
    signed_in(&principal)?;
    let at = now();
    let items = state
        .store
        .orders(q.tenant.as_deref())
        .await?
        .into_iter()
        .filter(|o| allowed(&principal, Access::Read, Kind::Order, owned(&o.tenant_id)))
        .map(|o| Order::of(o, at))
        .collect::<ApiResult<_>>()?;
    Ok(Json(OrderList { items }))
}

/// Places an order of a plan on sale for a tenant (admin, or a key of that tenant), pending
/// until paid.
#[utoipa::path(post, path = "/api/orders", tag = "billing", request_body = CreateOrder,
    responses((status = 201, body = Order), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, description = "`unknown_tenant`, `unknown_plan` (none, or not on sale)", body = ErrorBody)))]
async fn create_order(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<CreateOrder>,
) -> ApiResult<(StatusCode, AuditNote, Json<Order>)> {
    signed_in(&principal)?;
    let tenant = match state.store.tenant(&body.tenant_id).await? {
        Some(t) if allowed(&principal, Access::Read, Kind::Order, owned(&t.id)) => t,
        _ => {
            return Err(ApiError::unprocessable(
                "unknown_tenant",
                format!("no tenant {:?}", body.tenant_id),
            ));
        }
    };
    refuse_write(&principal, Kind::Order, owned(&tenant.id))?;
    let plan = match state.store.plan(&body.plan_id).await? {
        Some(p) if p.active => Plan::of(p),
        _ => {
            return Err(ApiError::unprocessable(
                "unknown_plan",
                format!("no plan {:?} on sale", body.plan_id),
            ));
        }
    };
    let ordered = OrderedPlan {
        name: plan.name,
        display_name: plan.display_name,
        price: plan.price.clone(),
        currency: plan.currency.clone(),
        period_days: plan.period_days,
        quota: plan.quota,
    };
    let row = OrderRow {
        id: uuid::Uuid::now_v7().to_string(),
        tenant_id: tenant.id,
        plan_id: plan.id,
        plan: SqlJson(serde_json::to_value(&ordered).map_err(ApiError::internal)?),
        amount: plan.price,
        currency: plan.currency,
        status: "pending".into(),
        checkout_session: None,
        checkout_url: None,
        created_by: principal.subject.clone(),
        created_at: now(),
        paid_at: None,
        paid_via: None,
        payment_ref: None,
        ends_at: None,
        canceled_at: None,
        canceled_by: None,
    };
    state.store.insert_order(&row).await?;
    let note = note(&row).reason(format!("{} for {}", ordered.name, tenant.name));
    Ok((StatusCode::CREATED, note, Json(Order::of(row, now())?)))
}

#[utoipa::path(get, path = "/api/orders/{id}", tag = "billing", params(("id" = String, Path)),
    responses((status = 200, body = Order), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`order_not_found` (or not the caller's)", body = ErrorBody)))]
async fn get_order(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Order>> {
    signed_in(&principal)?;
    Ok(Json(Order::of(readable_order(&state, &principal, &id).await?, now())?))
}

/// Stripe's API, when this server pays orders through it.
fn stripe_api(state: &AppState) -> Option<Stripe<'_>> {
    state.settings.stripe.as_ref().map(|s| Stripe {
        api_url: &s.api_url,
        secret_key: &s.secret_key.0,
    })
}

fn stripe_not_configured() -> ApiError {
    // Like write_actions_disabled: the server does not do this, not a fault of the moment.
    ApiError::forbidden(
        "stripe_not_configured",
        "payments through Stripe are not configured on this server (FLEETDECK_STRIPE_SECRET_KEY)",
    )
}

/// Opens (or returns the open) Stripe Checkout page of a pending order (admin, or a key of its
/// tenant). The order is paid when Stripe's webhook says so.
#[utoipa::path(post, path = "/api/orders/{id}/checkout", tag = "billing", params(("id" = String, Path)),
    responses((status = 200, body = CheckoutStarted), (status = 401, body = ErrorBody),
        (status = 403, description = "`forbidden`; `stripe_not_configured`: this server pays orders by hand only", body = ErrorBody),
        (status = 404, description = "`order_not_found`", body = ErrorBody),
        (status = 409, description = "`order_not_pending`", body = ErrorBody),
        (status = 502, description = "`stripe_failed`: Stripe did not make the session (its message)", body = ErrorBody)))]
async fn checkout(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(AuditNote, Json<CheckoutStarted>)> {
    signed_in(&principal)?;
    let order = writable_order(&state, &principal, &id).await?;
    if order.status != "pending" {
        return Err(not_pending(&order).with_audit(note(&order)));
    }
    let settings = state.settings.stripe.as_ref().ok_or_else(stripe_not_configured)?;
    if let Some(url) = order.checkout_url.clone() {
        return Ok((
            note(&order),
            Json(CheckoutStarted {
                checkout_url: url,
                order: Order::of(order, now())?,
            }),
        ));
    }
    let plan: OrderedPlan = serde_json::from_value(order.plan.0.clone()).map_err(ApiError::internal)?;
    let amount = Decimal::from_str_exact(&order.amount).map_err(ApiError::internal)?;
    let unit_amount = stripe::minor_units(amount, &order.currency)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("order {} has an amount Stripe cannot take", order.id)))?;
    let back = |outcome: &str| format!("{}/billing?order={}&checkout={outcome}", settings.public_url, order.id);
    let (success_url, cancel_url) = (back("success"), back("canceled"));
    let form = stripe::checkout_form(&CheckoutRequest {
        order_id: &order.id,
        tenant_id: &order.tenant_id,
        product: &plan.display_name,
        unit_amount,
        currency: &order.currency,
        success_url: &success_url,
        cancel_url: &cancel_url,
    });
    // The same key for the same attempt: a retried call gets the session the first one made.
    let attempt = order.checkout_session.as_deref().unwrap_or("first");
    let key = format!("fleetdeck-order-{}-{attempt}", order.id);
    let stripe = stripe_api(&state).ok_or_else(stripe_not_configured)?;
    let session = stripe
        .create_session(&form, &key)
        .await
        .map_err(|m| ApiError::new(StatusCode::BAD_GATEWAY, "stripe_failed", m).with_audit(note(&order)))?;
    if !state.store.set_checkout(&order.id, &session.id, &session.url).await? {
        return Err(
            ApiError::conflict("order_not_pending", "the order was paid or canceled meanwhile")
                .with_audit(note(&order)),
        );
    }
    let order = readable_order(&state, &principal, &id).await?;
    Ok((
        note(&order),
        Json(CheckoutStarted {
            checkout_url: session.url,
            order: Order::of(order, now())?,
        }),
    ))
}

/// Marks a pending order paid outside Stripe, such as by bank transfer (admin).
#[utoipa::path(post, path = "/api/orders/{id}/pay", tag = "billing", params(("id" = String, Path)),
    responses((status = 200, body = Order), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`order_not_found`", body = ErrorBody),
        (status = 409, description = "`order_not_pending`", body = ErrorBody)))]
async fn pay(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(AuditNote, Json<Order>)> {
    principal.require(Role::Admin)?;
    let order = readable_order(&state, &principal, &id).await?;
    let plan: OrderedPlan = serde_json::from_value(order.plan.0.clone()).map_err(ApiError::internal)?;
    let at = now();
    let payment = Payment {
        via: "manual",
        reference: &principal.subject,
        at,
        ends_at: at + chrono::Duration::days(plan.period_days.into()),
        checkout_session: None,
    };
    if !state.store.mark_paid(&order.id, &payment).await? {
        return Err(not_pending(&order).with_audit(note(&order)));
    }
    let paid = readable_order(&state, &principal, &id).await?;
    Ok((note(&paid), Json(Order::of(paid, now())?)))
}

/// Cancels an order: a pending one (admin, or a key of its tenant; its open Checkout page is
/// expired), or a paid one, which then entitles no more (admin; refunds are made in Stripe).
#[utoipa::path(post, path = "/api/orders/{id}/cancel", tag = "billing", params(("id" = String, Path)),
    responses((status = 200, body = Order), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`order_not_found`", body = ErrorBody),
        (status = 409, description = "`order_not_cancelable`: canceled already, or paid and the caller is not an admin", body = ErrorBody)))]
async fn cancel(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(AuditNote, Json<Order>)> {
    signed_in(&principal)?;
    let order = writable_order(&state, &principal, &id).await?;
    let admin = principal.role == Role::Admin;
    if !state
        .store
        .cancel_order(&order.id, admin, &principal.subject, now())
        .await?
    {
        let why = match admin {
            true => format!("the order is {} already", order.status),
            false => format!(
                "the order is {}: only pending orders can be canceled by the tenant",
                order.status
            ),
        };
        return Err(ApiError::conflict("order_not_cancelable", why).with_audit(note(&order)));
    }
    if let (Some(stripe), Some(session), Some(_)) = (
        stripe_api(&state),
        order.checkout_session.as_deref(),
        order.checkout_url.as_deref(),
    ) {
        // So the canceled order cannot be paid; a payment that lands anyway is audited for a refund.
        if let Err(e) = stripe.expire_session(session).await {
            tracing::warn!(order = %order.id, error = %e, "could not expire the canceled order's checkout session");
        }
    }
    let canceled = readable_order(&state, &principal, &id).await?;
    Ok((note(&canceled), Json(Order::of(canceled, now())?)))
}

/// Stripe's events (no credential: the `Stripe-Signature` HMAC of the body under the webhook's
/// secret, signed within the tolerance, is the proof). A paid Checkout session marks its order
/// paid once, when the amount and currency are the order's; an expired one lets the order check
/// out again; other events are acknowledged and ignored.
#[utoipa::path(post, path = "/api/stripe/webhook", tag = "billing", security(()),
    request_body(content = String, content_type = "application/json", description = "A Stripe event"),
    params(("Stripe-Signature" = String, Header, description = "t=<unix seconds>,v1=<hex HMAC-SHA256>")),
    responses((status = 200, body = WebhookReceived), (status = 400, description = "`invalid_signature`, `signature_expired`, `invalid_event`", body = ErrorBody),
        (status = 403, description = "`stripe_not_configured`", body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(AuditNote, Json<WebhookReceived>)> {
    let stripe = AuditNote::default().actor("stripe", "webhook");
    let settings = state.settings.stripe.as_ref().ok_or_else(stripe_not_configured)?;
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let checked = stripe::verify(
        signature,
        &body,
        &settings.webhook_secret.0,
        now().timestamp(),
        settings.webhook_tolerance,
    );
    match checked {
        Ok(()) => {}
        Err(SignatureError::Expired) => {
            return Err(ApiError::bad_request(
                "signature_expired",
                "the event was signed longer ago than the tolerance allows",
            )
            .with_audit(stripe));
        }
        Err(_) => {
            return Err(ApiError::bad_request(
                "invalid_signature",
                "the Stripe-Signature header does not sign this body with the webhook's secret",
            )
            .with_audit(stripe));
        }
    }
    let event: stripe::Event = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request("invalid_event", format!("not a Stripe event: {e}")).with_audit(stripe.clone())
    })?;
    let received = Json(WebhookReceived { received: true });
    let note = match stripe::outcome(&event) {
        Outcome::Paid {
            order_id,
            session,
            amount,
            currency,
            reference,
        } => paid(&state, &order_id, &session, amount, currency.as_deref(), &reference).await?,
        Outcome::Expired { session } => {
            state.store.expire_checkout(&session).await?;
            AuditNote::named(&event.id).reason(format!("{}: checkout session {session} expired", event.kind))
        }
        Outcome::Ignored => AuditNote::named(&event.id).reason(format!("{}: nothing to do", event.kind)),
    };
    Ok((note.actor("stripe", "webhook"), received))
}

/// Marks the order of a paid session paid; what happened, for the audit log. A payment that does
/// not match its order (another amount or currency, an unknown, canceled or differently checked
/// out order) pays nothing and is audited as a failure, for an admin to refund.
async fn paid(
    state: &AppState,
    order_id: &str,
    session: &str,
    amount: Option<i64>,
    currency: Option<&str>,
    reference: &str,
) -> ApiResult<AuditNote> {
    let failed = |why: String| AuditNote {
        outcome: Some(AuditOutcome::Failure),
        ..AuditNote::named(order_id).reason(format!("payment {reference} not applied: {why}"))
    };
    let Some(order) = state.store.order(order_id).await? else {
        return Ok(failed("no such order".into()));
    };
    let expected = Decimal::from_str_exact(&order.amount)
        .ok()
        .and_then(|a| stripe::minor_units(a, &order.currency));
    if amount.is_none() || amount != expected || !currency.is_some_and(|c| c.eq_ignore_ascii_case(&order.currency)) {
        return Ok(failed(format!(
            "paid {} {} for an order of {} {}",
            amount.map_or("?".into(), |a| a.to_string()),
            currency.unwrap_or("?"),
            order.amount,
            order.currency
        )));
    }
    let plan: OrderedPlan = serde_json::from_value(order.plan.0.clone()).map_err(ApiError::internal)?;
    let at = now();
    let payment = Payment {
        via: "stripe",
        reference,
        at,
        ends_at: at + chrono::Duration::days(plan.period_days.into()),
        checkout_session: Some(session),
    };
    if state.store.mark_paid(&order.id, &payment).await? {
        return Ok(AuditNote::named(order_id).reason(format!("paid: {reference}")));
    }
    // Stripe sends an event again until it is acknowledged: a second delivery finds it paid.
    match order.status.as_str() {
        "paid" if order.payment_ref.as_deref() == Some(reference) => {
            Ok(AuditNote::named(order_id).reason(format!("paid already: {reference}")))
        }
        status => Ok(failed(format!("the order is {status} (checkout session {session})"))),
    }
}

/// What bounds the tenant's projects' quotas now.
pub(super) async fn gate(state: &AppState, tenant_id: &str) -> ApiResult<Gate> {
    if !policy::current(state).await?.policy.require_entitlement {
        return Ok(Gate::Open);
    }
    let plans = entitling_plans(state, tenant_id, now()).await?;
    Ok(match plans.is_empty() {
        true => Gate::Unpaid,
        false => Gate::Limits(Box::new(entitlement::entitled(&quotas(&plans)))),
    })
}

fn quotas(plans: &[(OrderRow, OrderedPlan)]) -> Vec<Quota> {
    plans.iter().map(|(_, p)| p.quota.clone()).collect()
}

async fn entitling_plans(
    state: &AppState,
    tenant_id: &str,
    at: DateTime<Utc>,
) -> ApiResult<Vec<(OrderRow, OrderedPlan)>> {
    state
        .store
        .entitling_orders(tenant_id, at)
        .await?
        .into_iter()
        .map(|o| {
            let plan = serde_json::from_value(o.plan.0.clone()).map_err(ApiError::internal)?;
            Ok((o, plan))
        })
        .collect()
}

/// The error of a refused project write.
pub(super) fn refused(r: Refusal) -> ApiError {
    match r {
        Refusal::Unpaid => ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "entitlement_required",
            "the tenant has no paid order in force: order a plan (POST /api/orders) first",
        ),
        Refusal::Exceeds(e) => ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "entitlement_exceeded",
            entitlement::explain(&e),
        ),
    }
}

/// A tenant's entitlement: the paid orders in force, what they add up to and what its projects
/// use of it (admin, staff, the tenant's own keys).
#[utoipa::path(get, path = "/api/billing/entitlement", tag = "billing", params(EntitlementQuery),
    responses((status = 200, body = Entitlement), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "`tenant_not_found`", body = ErrorBody),
        (status = 422, description = "`tenant_required`: the caller has no tenant of its own", body = ErrorBody)))]
async fn get_entitlement(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<EntitlementQuery>,
) -> ApiResult<Json<Entitlement>> {
    signed_in(&principal)?;
    let own = match &principal.scope {
        Some(TenancyScope::Tenant(t)) => Some(t.clone()),
        _ => None,
    };
    let Some(tenant_id) = q.tenant.or(own) else {
        return Err(ApiError::unprocessable(
            "tenant_required",
            "name the tenant: ?tenant=<id>",
        ));
    };
    if state.store.tenant(&tenant_id).await?.is_none()
        || !allowed(&principal, Access::Read, Kind::Order, owned(&tenant_id))
    {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "tenant_not_found",
            format!("no tenant {tenant_id:?}"),
        ));
    }
    let required = policy::current(&state).await?.policy.require_entitlement;
    let at = now();
    let plans = entitling_plans(&state, &tenant_id, at).await?;
    let entitled = entitlement::entitled(&quotas(&plans));
    let projects: Vec<Quota> = state
        .store
        .projects(Some(&tenant_id))
        .await?
        .into_iter()
        .map(|p| quota_of(&p))
        .collect();
    let used = entitlement::used(&projects);
    let over: Vec<&str> = entitlement::excess(&entitled, &used).iter().map(|x| x.field).collect();
    let fields = entitled
        .iter()
        .zip(&used)
        .map(|(&(field, e), &(_, u))| EntitlementField {
            field: field.to_string(),
            entitled: e.map(|n| entitlement::written(field, n)),
            used: u.map(|n| entitlement::written(field, n)),
            over: required && over.contains(&field),
        })
        .collect::<Vec<_>>();
    // Without an order in force, a tenant that sells nothing fits only with no projects.
    let within = !required
        || if plans.is_empty() {
            projects.is_empty()
        } else {
            over.is_empty()
        };
    Ok(Json(Entitlement {
        tenant_id,
        required,
        orders: plans
            .into_iter()
            .map(|(o, _)| Order::of(o, at))
            .collect::<ApiResult<_>>()?,
        fields,
        within,
    }))
}
