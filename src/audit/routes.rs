//! GET /api/audit and GET /api/audit/verify.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderName;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::{AuditPage, AuditQuery, AuditVerification, VerifyQuery};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiQuery, ApiResult, ErrorBody};
use crate::store::audit::AuditFilter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_audit))
        .routes(routes!(verify_audit))
}

const SCOPE: HeaderName = HeaderName::from_static("x-audit-scope");

/// Audit events, newest first. Admins see every event (`X-Audit-Scope: all`), others only their own (`self`).
#[utoipa::path(
    get,
    path = "/api/audit",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, body = AuditPage, headers(("X-Audit-Scope" = String, description = "self or all"))),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn list_audit(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<([(HeaderName, &'static str); 1], Json<AuditPage>)> {
    principal.require(Role::Viewer)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "limit must be between 1 and 500",
        ));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::bad_request("invalid_query", "offset must be 0 or more"));
    }
    let all = principal.role.satisfies(Role::Admin);
    let scope = if all { "all" } else { "self" };
    let mut filter = AuditFilter {
        actor: q.actor,
        verb: q.verb,
        outcome: q.outcome.map(|o| o.as_str().to_string()),
        cluster: q.cluster,
        namespace: q.namespace,
        name: q.name,
        request_id: q.request_id,
        from: q.from,
        to: q.to,
    };
    if !all {
        if filter.actor.as_ref().is_some_and(|a| *a != principal.subject) {
            let empty = AuditPage {
                items: vec![],
                total: 0,
                limit,
                offset,
            };
            return Ok(([(SCOPE, scope)], Json(empty)));
        }
        filter.actor = Some(principal.subject.clone());
    }
    let (rows, total) = state.store.query_audit(&filter, limit, offset).await?;
    let page = AuditPage {
        items: rows,
        total,
        limit,
        offset,
    };
    Ok(([(SCOPE, scope)], Json(page)))
}

/// Recomputes the hash chain over a range (admin) and reports the first broken link in chain
/// order: an edited, deleted or inserted row, or a missing end (docs/api.md#the-chain).
#[utoipa::path(
    get,
    path = "/api/audit/verify",
    tag = "audit",
    params(VerifyQuery),
    responses(
        (status = 200, body = AuditVerification),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn verify_audit(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<VerifyQuery>,
) -> ApiResult<Json<AuditVerification>> {
    principal.require(Role::Admin)?;
    if let (Some(from), Some(to)) = (q.from, q.to)
        && from > to
    {
        return Err(ApiError::bad_request("invalid_query", "from must not be after to"));
    }
    Ok(Json(state.store.verify_audit(q.from, q.to).await?))
}
