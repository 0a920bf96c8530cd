//! The API: every router, each with the audit table of its routes, and the OpenAPI document
//! built from them (served at /api/openapi.yaml and /api/openapi.json).

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::audit::{AuditedRoute, AuditedRouter};
use crate::openapi::{ApiDoc, Contract};

/// Every router, each with the audit entries of its routes. A new domain adds one line.
fn routers() -> Vec<AuditedRouter> {
    vec![
        crate::system::router().into(),
        document_router().into(),
        crate::auth::routes::router(),
        crate::auth::accounts::router(),
        crate::auth::oidc::routes::router(),
        crate::audit::routes::router().into(),
        crate::clusters::routes::router(),
        crate::clusters::join::router(),
        crate::inventory::fleet::router().into(),
        crate::inventory::routes::router(),
        crate::inventory::search::router().into(),
        crate::inventory::usage::router().into(),
        crate::inventory::logs::router().into(),
        crate::inventory::streams::router().into(),
        crate::inventory::can_i::router(),
        crate::inventory::workload_actions::router(),
        crate::inventory::object_actions::router(),
        crate::inventory::node_actions::router(),
        crate::inventory::secrets::router(),
        crate::inventory::helm::router(),
        crate::inventory::exec::router(),
        crate::inventory::kubectl::router(),
        crate::inventory::openapi_proxy::router().into(),
        crate::flux::routes::router(),
        crate::flux::inputs::router().into(),
        crate::incidents::routes::router(),
        crate::incidents::findings::router().into(),
        crate::incidents::memory::router(),
        crate::incidents::incidents::router(),
        crate::incidents::remediation::router(),
        crate::signals::node_events::router().into(),
        crate::signals::reports::router().into(),
        crate::signals::assistant::routes::router(),
        crate::signals::predictions_api::router().into(),
        crate::signals::alerts::routes::router(),
        crate::billing::tenancy::router(),
        crate::billing::project_access::router(),
        crate::billing::policy::router(),
        crate::billing::usage::router(),
        crate::billing::invoices::router(),
        crate::billing::plans::router(),
        crate::billing::orders::router(),
    ]
}

/// Every documented route.
pub fn router() -> OpenApiRouter<AppState> {
    routers()
        .into_iter()
        .fold(OpenApiRouter::with_openapi(ApiDoc::openapi()), |api, r| {
            api.merge(r.routes)
        })
}

/// The audited routes of every router.
pub fn audited_routes() -> Vec<AuditedRoute> {
    routers().into_iter().flat_map(|r| r.audited.iter().cloned()).collect()
}

/// The OpenAPI document of every route.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = router().split_for_parts().1;
    utoipa::Modify::modify(&Contract, &mut doc);
    doc
}

fn document_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(openapi_yaml))
        .routes(routes!(openapi_json))
}

/// The document as JSON and YAML, built once.
fn served() -> &'static (String, String) {
    static SERVED: OnceLock<(String, String)> = OnceLock::new();
    SERVED.get_or_init(|| {
        let doc = document();
        (
            doc.to_pretty_json().expect("the document serializes"),
            doc.to_yaml().expect("the document serializes"),
        )
    })
}

/// This API's OpenAPI document (YAML).
#[utoipa::path(get, path = "/api/openapi.yaml", tag = "system", security(()), responses((status = 200, body = Object, content_type = "application/yaml")))]
async fn openapi_yaml() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/yaml")], served().1.as_str())
}

/// This API's OpenAPI document (JSON).
#[utoipa::path(get, path = "/api/openapi.json", tag = "system", security(()), responses((status = 200, body = Object)))]
async fn openapi_json() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], served().0.as_str())
}
