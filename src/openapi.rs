//! The OpenAPI document's assembly: `ApiDoc` (info, tags, security schemes), and `Contract`, which
//! documents what the shared layers answer on every operation and links creates to their items,
//! so that no route lists those by hand and none can forget one.

use utoipa::OpenApi;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{HttpMethod, Operation, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, Ref, RefOr};

#[derive(OpenApi)]
#[openapi(
    info(title = "Fleetdeck API", description = "Control plane console for fleets of Kubernetes clusters."),
    modifiers(&SecuritySchemes),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "system", description = "Health, readiness, version, metrics and this document"),
        (name = "auth", description = "Sign-in, sessions and API keys"),
        (name = "users", description = "Local users (admin)"),
        (name = "audit", description = "The audit log"),
        (name = "clusters", description = "The cluster registry"),
        (name = "inventory", description = "Every cluster's resources from the shared watch caches: lists, objects, search, logs, streams, permission pre-checks"),
        (name = "operations", description = "Actions on cluster objects: write gate, operator role and Kubernetes RBAC; each audited"),
        (name = "helm", description = "Helm releases (read only), decoded from Helm's release Secrets read as the caller"),
        (name = "flux", description = "The Flux platform catalog and cluster assignments (snake_case, like the Flux inputs)"),
        (name = "flux inputs", description = "ExternalService inputs polled by Flux Operator's ResourceSetInputProvider"),
        (name = "diagnostics", description = "What is wrong in the clusters: findings with evidence, kept current by the analyzers"),
        (name = "memory", description = "Runbooks for classes of findings and the fixes recorded, ranked by past success"),
        (name = "incidents", description = "Incidents opened from findings: steps from the matched runbook, notes, timeline, replay, evidence bundle"),
        (name = "postmortems", description = "What was learned from an incident: impact, root cause, actions, with its timeline"),
        (name = "remediation", description = "Changes proposed from findings, approved by a second person, executed through the operations pipeline, and their GitOps artifacts"),
        (name = "risk guard", description = "Risks in manifests before they are applied: findings, blocking ones, a score"),
        (name = "signals", description = "What Fleetdeck learns from sampling the fleet over time: node history, SLOs, rightsizing, predictions, alerts"),
        (name = "alerts", description = "Alert channels (secrets write-only), rules over findings and SLO results, the alerts' lifecycle, tests, ad-hoc dispatch and the delivery log"),
        (name = "assistant", description = "Questions answered from the runbooks, incidents, findings and docs the caller may see, with citations; feedback and telemetry"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A bootstrap token or an API key"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("fleetdeck_session"))),
        );
    }
}

/// Operations that answer any signed-in principal without a role check; every other secured
/// operation can answer 403 (a role too low, a flux-reader key, a cookie write from another origin).
const ANY_PRINCIPAL: &[&str] = &["whoami"];

/// Stateful links: the create operation at `from` answers an entry whose field `pointer` names the
/// `param` of every operation at `to`.
const LINKS: &[(&str, &str, &str, &str)] = &[
    (
        "/api/flux/platform-components",
        "/api/flux/platform-components/{id}",
        "id",
        "/id",
    ),
    ("/api/flux/namespaces", "/api/flux/namespaces/{id}", "id", "/id"),
    ("/api/flux/rolebindings", "/api/flux/rolebindings/{id}", "id", "/id"),
    ("/api/users", "/api/users/{username}", "username", "/username"),
    ("/api/auth/api-keys", "/api/auth/api-keys/{id}", "id", "/id"),
    ("/api/clusters", "/api/clusters/{name}", "name", "/name"),
    ("/api/clusters", "/api/flux/clusters/{name}", "name", "/name"),
    ("/api/clusters", "/api/clusters/{name}/dashboard", "name", "/name"),
];

/// Documents the answers of the layers every route shares: the extractors (ApiJson, ApiQuery,
/// ApiPath), the body limit, the authentication middleware, and for a cluster's routes the
/// apiserver's own refusals passed on (`kube::errors`); then adds `LINKS`.
pub struct Contract;

impl utoipa::Modify for Contract {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let secured_by_default = doc.security.as_ref().is_some_and(|s| !s.is_empty());
        // axum's catch-all `{*rest}` is a plain `{rest}` parameter to OpenAPI.
        doc.paths.paths = std::mem::take(&mut doc.paths.paths)
            .into_iter()
            .map(|(path, item)| (path.replace("{*", "{"), item))
            .collect();
        for (route, item) in doc.paths.paths.iter_mut() {
            let of_a_cluster = route.starts_with("/api/clusters/{cluster}/");
            for (method, op) in operations(item) {
                let in_params = |place: ParameterIn| {
                    op.parameters
                        .iter()
                        .flatten()
                        .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
                };
                let (path, query) = (in_params(ParameterIn::Path), in_params(ParameterIn::Query));
                let secured = match &op.security {
                    None => secured_by_default,
                    Some(reqs) => !reqs.iter().any(|r| *r == SecurityRequirement::default()),
                };
                let any_principal = method == HttpMethod::Get
                    && op.operation_id.as_deref().is_some_and(|id| ANY_PRINCIPAL.contains(&id));
                let json_body = op.request_body.as_ref().is_some_and(takes_json);
                let mut add = |status: &str, description: &str| {
                    let response = ResponseBuilder::new()
                        .description(description)
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("ErrorBody")))
                                .build(),
                        )
                        .build();
                    op.responses.responses.entry(status.into()).or_insert(response.into());
                };
                if json_body {
                    add(
                        "400",
                        "The body cannot be parsed: malformed JSON, an unknown field or a wrong type",
                    );
                    add(
                        "413",
                        "The body is larger than the limit (FLEETDECK_BODY_LIMIT; FLEETDECK_IMPORT_BODY_LIMIT for the import and the applies)",
                    );
                    add("415", "The body is not sent as Content-Type: application/json");
                }
                if query {
                    add(
                        "400",
                        "The query cannot be parsed: an unknown parameter or a wrong type",
                    );
                }
                if path {
                    add("400", "A path parameter cannot be parsed");
                }
                if of_a_cluster {
                    add("429", "The apiserver throttled the request (`kube_too_many_requests`)");
                    add(
                        "500",
                        "The apiserver failed (`kube_internal_error` and other `kube_*` codes)",
                    );
                }
                // The authentication middleware refuses a bad Authorization header on every route.
                add("401", "No credentials, or ones that are not valid");
                if secured && !any_principal {
                    add(
                        "403",
                        "Not allowed: the role is too low, or a cookie write came from another origin",
                    );
                }
            }
        }
        add_links(doc);
    }
}

fn takes_json(body: &RefOr<RequestBody>) -> bool {
    matches!(body, RefOr::T(b) if b.content.contains_key("application/json"))
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = (HttpMethod, &mut Operation)> {
    [
        (HttpMethod::Get, &mut item.get),
        (HttpMethod::Put, &mut item.put),
        (HttpMethod::Post, &mut item.post),
        (HttpMethod::Delete, &mut item.delete),
        (HttpMethod::Patch, &mut item.patch),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.as_mut().map(|op| (method, op)))
}

/// Adds each of `LINKS` to the success answers of its create operation (POST `from`).
fn add_links(doc: &mut utoipa::openapi::OpenApi) {
    for (from, to, param, pointer) in LINKS {
        let targets: Vec<String> = doc
            .paths
            .paths
            .get_mut(*to)
            .into_iter()
            .flat_map(|item| operations(item).filter_map(|(_, op)| op.operation_id.clone()))
            .collect();
        assert!(!targets.is_empty(), "LINKS names {to}, which has no operations");
        let create = doc
            .paths
            .paths
            .get_mut(*from)
            .and_then(|item| item.post.as_mut())
            .unwrap_or_else(|| panic!("LINKS names POST {from}, which is not a route"));
        for (status, response) in create.responses.responses.iter_mut() {
            let RefOr::T(response) = response else { continue };
            if !status.starts_with('2') {
                continue;
            }
            for target in &targets {
                let link = LinkBuilder::new()
                    .operation_id(target)
                    .parameter(*param, format!("$response.body#{pointer}"))
                    .build();
                response.links.insert(target.clone(), link.into());
            }
        }
    }
}
