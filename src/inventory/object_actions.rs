//! Writes on any object: delete (with a propagation policy) and apply YAML by server-side apply
//! under the field manager `fleetdeck` — one object on its own path, or many documents at once —
//! with `dryRun` and `force`. Each passes the write gate, the operator role and Kubernetes RBAC
//! as the caller, and leaves one audit row with its outcome. A many-document apply is checked
//! whole first (parsed, each kind resolved, then a server dry run of every document), so a bad
//! document changes nothing. Before any of that the risk guard (`incidents::risk_guard`) reads the
//! manifests under FLEETDECK_RISK_GUARD: `warn` answers its findings with the apply, `block`
//! refuses an apply with blocking findings (422 `risk_guard_blocked`) before anything is sent.

use axum::Json;
use axum::extract::State;
use axum::http::Method;
use kube::api::{DeleteParams, DynamicObject, Patch, PropagationPolicy};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::manifests::{self, Manifest};
use super::model::KubeObject;
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::Principal;
use crate::auth::write_gate::WriteActionsEnabled;
use crate::clusters::actions::{self as action, kube_error, note};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::incidents::risk_guard::{self, Analysis, KubeVersion, Policy};
use crate::kube::discovery::ResourceInfo;

const OBJECT: &str = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}";
const CLUSTER_OBJECT: &str = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}";

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(Method::DELETE, OBJECT, "delete", "object"),
    AuditedRoute::new(Method::DELETE, CLUSTER_OBJECT, "delete", "object"),
    AuditedRoute::new(Method::POST, "/api/clusters/{cluster}/apply", "apply", "object"),
    AuditedRoute::new(
        Method::PUT,
        "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/yaml",
        "apply",
        "object",
    ),
    AuditedRoute::new(
        Method::PUT,
        "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}/yaml",
        "apply",
        "object",
    ),
];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new()
            .routes(routes!(delete_object))
            .routes(routes!(delete_cluster_object))
            .routes(routes!(apply))
            .routes(routes!(apply_object))
            .routes(routes!(apply_cluster_object)),
        audited: AUDITED,
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// `Background` (the apiserver's default for most kinds), `Foreground` or `Orphan`.
    pub propagation_policy: Option<String>,
    /// Check the delete without doing it.
    pub dry_run: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteResult {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub dry_run: bool,
    /// The object is still there, waiting for its finalizers (or its dependents, in the
    /// foreground); it goes when they are done.
    pub finalizing: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyRequest {
    /// The manifest: YAML or JSON; several documents separated by `---` on `/apply`.
    pub yaml: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ApplyQuery {
    /// Answer what the apiserver would make of it, changing nothing.
    pub dry_run: Option<bool>,
    /// Take over the fields other managers own instead of answering their conflicts (409).
    pub force: Option<bool>,
    /// On `/apply`: the namespace of namespaced documents that name none (default `default`).
    pub namespace: Option<String>,
    /// A stricter risk guard policy than FLEETDECK_RISK_GUARD for this apply (a laxer one is
    /// ignored: a request may not lower the policy).
    pub risk_guard: Option<Policy>,
}

/// What an apply did to one document.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Applied {
    Created,
    Configured,
    /// Applying changed nothing (no new resourceVersion; never said of a dry run).
    Unchanged,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppliedObject {
    /// 1-based, counting the non-empty documents.
    pub document: usize,
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub action: Applied,
    /// The object as the apiserver now has it (or would, on a dry run).
    #[schema(value_type = KubeObject)]
    pub object: DynamicObject,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplyResult {
    pub dry_run: bool,
    pub items: Vec<AppliedObject>,
    /// The risk guard's findings (absent when its policy is `off`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_guard: Option<Analysis>,
}

type NamespacedPath = (String, String, String, String, String, String);
type ClusterPath = (String, String, String, String, String);

/// The kind at `group/version/resource`, as an action sees it: 404 when the cluster does not
/// serve it, 400 `namespace_required` when the path's scope is not the kind's.
async fn kind_at(
    state: &AppState,
    scope: &ClusterScope,
    (group, version, resource): (&str, &str, &str),
    namespaced_path: bool,
) -> ApiResult<ResourceInfo> {
    let info = scope.resource(state, group, version, resource).await?;
    match (info.namespaced, namespaced_path) {
        (true, false) => Err(ApiError::bad_request(
            "namespace_required",
            format!(
                "{} are namespaced: use …/{}/{{namespace}}/{{name}}",
                info.path(),
                info.resource
            ),
        )),
        (false, true) => Err(ApiError::bad_request(
            "cluster_scoped",
            format!("{} are cluster-scoped: use …/{}/{{name}}", info.path(), info.resource),
        )),
        _ => Ok(info),
    }
}

fn propagation(q: &DeleteQuery) -> ApiResult<Option<PropagationPolicy>> {
    match q.propagation_policy.as_deref() {
        None => Ok(None),
        Some("Background") => Ok(Some(PropagationPolicy::Background)),
        Some("Foreground") => Ok(Some(PropagationPolicy::Foreground)),
        Some("Orphan") => Ok(Some(PropagationPolicy::Orphan)),
        Some(other) => Err(ApiError::bad_request(
            "invalid_query",
            format!("propagationPolicy must be Background, Foreground or Orphan, not {other:?}"),
        )),
    }
}

async fn delete(
    state: &AppState,
    principal: &Principal,
    (cluster, group, version, resource): (&str, &str, &str, &str),
    namespace: Option<&str>,
    name: &str,
    q: DeleteQuery,
) -> ApiResult<(AuditNote, Json<DeleteResult>)> {
    let policy = propagation(&q)?;
    let dry_run = q.dry_run.unwrap_or(false);
    let audit = note(cluster, namespace, name, "");
    let scope = action::open(state, principal, cluster)
        .await
        .map_err(|e| e.with_audit(audit.clone()))?;
    let info = kind_at(state, &scope, (group, version, resource), namespace.is_some()).await?;
    let params = DeleteParams {
        propagation_policy: policy.clone(),
        dry_run,
        ..DeleteParams::default()
    };
    let reason = format!(
        "kind={}{}{}",
        info.kind,
        policy
            .as_ref()
            .map(|p| format!(" propagationPolicy={p:?}"))
            .unwrap_or_default(),
        if dry_run { " dryRun" } else { "" }
    );
    let finalizing = action::delete(&scope, &info, namespace, name, &params)
        .await
        .map_err(|e| e.with_audit(note(cluster, namespace, name, reason.clone())))?;
    Ok((
        note(cluster, namespace, name, reason),
        Json(DeleteResult {
            kind: info.kind,
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
            dry_run,
            finalizing,
        }),
    ))
}

/// Deletes a namespaced object (operator; write gate).
#[utoipa::path(delete, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}", tag = "operations",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
        ("namespace" = String, Path), ("name" = String, Path), DeleteQuery),
    responses((status = 200, body = DeleteResult),
        (status = 400, description = "`cluster_scoped`: the kind has no namespace; `invalid_query`", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn delete_object(
    State(state): State<AppState>,
    _writes: WriteActionsEnabled,
    principal: Principal,
    ApiPath(p): ApiPath<NamespacedPath>,
    ApiQuery(q): ApiQuery<DeleteQuery>,
) -> ApiResult<(AuditNote, Json<DeleteResult>)> {
    delete(&state, &principal, (&p.0, &p.1, &p.2, &p.3), Some(&p.4), &p.5, q).await
}

/// Deletes a cluster-scoped object (operator; write gate).
#[utoipa::path(delete, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}", tag = "operations",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
        ("name" = String, Path), DeleteQuery),
    responses((status = 200, body = DeleteResult),
        (status = 400, description = "`namespace_required`: the kind is namespaced; `invalid_query`", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn delete_cluster_object(
    State(state): State<AppState>,
    _writes: WriteActionsEnabled,
    principal: Principal,
    ApiPath(p): ApiPath<ClusterPath>,
    ApiQuery(q): ApiQuery<DeleteQuery>,
) -> ApiResult<(AuditNote, Json<DeleteResult>)> {
    delete(&state, &principal, (&p.0, &p.1, &p.2, &p.3), None, &p.4, q).await
}

/// A document's kind as the cluster serves it; 422 `unknown_kind` naming the document.
fn resolve(all: &[ResourceInfo], m: &Manifest) -> ApiResult<ResourceInfo> {
    all.iter()
        .filter(|r| r.group == m.group && r.version == m.version && r.kind == m.kind)
        .find(|r| !r.resource.contains('/'))
        .filter(|r| r.can("patch"))
        .cloned()
        .ok_or_else(|| {
            ApiError::unprocessable(
                "unknown_kind",
                format!(
                    "document {}: the cluster serves no {} {} that can be applied",
                    m.document,
                    m.object["apiVersion"].as_str().unwrap_or_default(),
                    m.kind
                ),
            )
            .with_details(json!({"document": m.document}))
        })
}

/// The error of document `document`, its number added to the details.
fn in_document(mut e: ApiError, document: usize) -> ApiError {
    let mut details = e.details.take().unwrap_or_else(|| json!({}));
    details["document"] = json!(document);
    e.message = format!("document {document}: {}", e.message);
    e.details = Some(details);
    e
}

/// One manifest ready to send: its kind and the namespace it goes to.
struct Planned {
    manifest: Manifest,
    info: ResourceInfo,
    namespace: Option<String>,
}

/// Server-side applies each planned object as the caller, in order.
async fn apply_all(
    scope: &ClusterScope,
    cluster: &str,
    planned: &[Planned],
    dry_run: bool,
    force: bool,
) -> ApiResult<Vec<AppliedObject>> {
    let mut params = action::as_fleetdeck();
    params.dry_run = dry_run;
    params.force = force;
    let mut out = Vec::with_capacity(planned.len());
    for p in planned {
        let m = &p.manifest;
        let api = action::api(scope, &p.info, p.namespace.as_deref());
        let fail = |e: kube::Error| in_document(kube_error(cluster)(e), m.document);
        let before = api.get_opt(&m.name).await.map_err(fail)?;
        let mut object = m.object.clone();
        if let Some(ns) = &p.namespace {
            object["metadata"]["namespace"] = json!(ns);
        }
        let after = api
            .patch(&m.name, &params, &Patch::Apply(&object))
            .await
            .map_err(fail)?;
        let action = match &before {
            None => Applied::Created,
            Some(b) if !dry_run && b.metadata.resource_version == after.metadata.resource_version => Applied::Unchanged,
            Some(_) => Applied::Configured,
        };
        out.push(AppliedObject {
            document: m.document,
            api_version: m.object["apiVersion"].as_str().unwrap_or_default().to_string(),
            kind: m.kind.clone(),
            namespace: p.namespace.clone(),
            name: m.name.clone(),
            action,
            object: after,
        });
    }
    Ok(out)
}

/// Checks every document, then (unless a dry run was asked) applies them all.
async fn apply_checked(
    scope: &ClusterScope,
    cluster: &str,
    planned: &[Planned],
    q: &ApplyQuery,
) -> ApiResult<ApplyResult> {
    let dry_run = q.dry_run.unwrap_or(false);
    let force = q.force.unwrap_or(false);
    let checked = apply_all(scope, cluster, planned, true, force).await?;
    let items = match dry_run {
        true => checked,
        false => apply_all(scope, cluster, planned, false, force).await?,
    };
    Ok(ApplyResult {
        dry_run,
        items,
        risk_guard: None,
    })
}

/// The risk guard on `manifests` going to `scope`'s cluster, under the stricter of
/// FLEETDECK_RISK_GUARD and the request's `asked`: nothing when `off`; 422 `risk_guard_blocked`
/// with the blocking findings under `block`. The target version is the cluster's, asked of its
/// apiserver; when it cannot be had the removed-API check is skipped (the analysis says so).
async fn risk_guard(
    state: &AppState,
    scope: &ClusterScope,
    manifests: &[Manifest],
    default_namespace: &str,
    asked: Option<Policy>,
) -> ApiResult<Option<Analysis>> {
    let settings = &state.settings.risk_guard;
    let policy = settings.policy.max(asked.unwrap_or(Policy::Off));
    if policy == Policy::Off {
        return Ok(None);
    }
    let version = scope.reader_client().apiserver_version().await.ok();
    let options = risk_guard::Options {
        kubernetes_version: version.and_then(|v| KubeVersion::parse(&v.git_version)),
        environment: Some(scope.environment().to_string()),
        image_allowlist: state.store.risk_guard_allowlist(&settings.image_allowlist).await?,
        default_namespace: default_namespace.to_string(),
    };
    let analysis = risk_guard::analyze_manifests(manifests, &options);
    match risk_guard::refusal(policy, &analysis, "this apply") {
        Some(e) => Err(e),
        None => Ok(Some(analysis)),
    }
}

fn parse(yaml: &str) -> ApiResult<Vec<Manifest>> {
    manifests::parse(yaml).map_err(|e| {
        ApiError::unprocessable("invalid_manifest", format!("document {}: {}", e.document, e.message))
            .with_details(json!({"document": e.document, "reason": e.code}))
    })
}

fn apply_reason(planned: &[Planned], q: &ApplyQuery) -> String {
    let names: Vec<String> = planned
        .iter()
        .take(20)
        .map(|p| format!("{}/{}", p.manifest.kind, p.manifest.name))
        .collect();
    let more = planned.len().saturating_sub(names.len());
    format!(
        "{}{}{}{}",
        names.join(","),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        },
        if q.dry_run == Some(true) { " dryRun" } else { "" },
        if q.force == Some(true) { " force" } else { "" },
    )
}

/// Applies one or more documents by server-side apply as field manager `fleetdeck` (operator;
/// write gate). Every document is checked by a server dry run before any is applied.
#[utoipa::path(post, path = "/api/clusters/{cluster}/apply", tag = "operations",
    params(("cluster" = String, Path), ApplyQuery),
    request_body = ApplyRequest,
    responses((status = 200, body = ApplyResult),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "an apply conflict: the apiserver's Status under `details.kubeStatus` (its `details.causes` name each field and its manager); `document` names the document", body = ErrorBody),
        (status = 422, description = "`invalid_manifest`, `unknown_kind` (with `details.document`), `risk_guard_blocked` (the blocking findings under `details.findings`), or the apiserver's `kube_invalid`", body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn apply(
    State(state): State<AppState>,
    _writes: WriteActionsEnabled,
    principal: Principal,
    ApiPath(cluster): ApiPath<String>,
    ApiQuery(q): ApiQuery<ApplyQuery>,
    ApiJson(body): ApiJson<ApplyRequest>,
) -> ApiResult<(AuditNote, Json<ApplyResult>)> {
    let audit = AuditNote {
        cluster: Some(cluster.clone()),
        ..AuditNote::default()
    };
    let manifests = parse(&body.yaml).map_err(|e| e.with_audit(audit.clone()))?;
    let scope = action::open(&state, &principal, &cluster)
        .await
        .map_err(|e| e.with_audit(audit.clone()))?;
    let default_ns = q.namespace.clone().unwrap_or_else(|| "default".into());
    let guarded = risk_guard(&state, &scope, &manifests, &default_ns, q.risk_guard)
        .await
        .map_err(|e| e.with_audit(audit.clone()))?;
    let all = scope.discovery(&state).await?;
    let planned = manifests
        .into_iter()
        .map(|m| {
            let info = resolve(&all, &m)?;
            let namespace = info
                .namespaced
                .then(|| m.namespace.clone().unwrap_or_else(|| default_ns.clone()));
            Ok(Planned {
                manifest: m,
                info,
                namespace,
            })
        })
        .collect::<ApiResult<Vec<Planned>>>()
        .map_err(|e| e.with_audit(audit.clone()))?;
    let audit = AuditNote {
        reason: Some(apply_reason(&planned, &q)),
        ..audit
    };
    let mut result = apply_checked(&scope, &cluster, &planned, &q)
        .await
        .map_err(|e| e.with_audit(audit.clone()))?;
    result.risk_guard = guarded;
    Ok((audit, Json(result)))
}

/// Applies the manifest of the object at this path (it must name the same kind, namespace and
/// name).
async fn apply_one(
    state: &AppState,
    principal: &Principal,
    (cluster, group, version, resource): (&str, &str, &str, &str),
    namespace: Option<&str>,
    name: &str,
    q: ApplyQuery,
    yaml: &str,
) -> ApiResult<(AuditNote, Json<DynamicObject>)> {
    let audit = note(cluster, namespace, name, "");
    let fail = |e: ApiError| e.with_audit(audit.clone());
    if q.namespace.is_some() {
        return Err(fail(ApiError::bad_request(
            "invalid_query",
            "namespace is given by the path here",
        )));
    }
    let mut manifests = parse(yaml).map_err(fail)?;
    if manifests.len() != 1 {
        return Err(fail(ApiError::unprocessable(
            "invalid_manifest",
            "one document here; apply several with POST /api/clusters/{cluster}/apply",
        )));
    }
    let manifest = manifests.remove(0);
    let scope = action::open(state, principal, cluster).await.map_err(fail)?;
    let info = kind_at(state, &scope, (group, version, resource), namespace.is_some())
        .await
        .map_err(fail)?;
    let mismatch = |what: &str, given: &str, path: &str| {
        fail(ApiError::unprocessable(
            "manifest_mismatch",
            format!("the manifest's {what} is {given:?}, the path's {path:?}"),
        ))
    };
    if (
        manifest.group.as_str(),
        manifest.version.as_str(),
        manifest.kind.as_str(),
    ) != (info.group.as_str(), info.version.as_str(), info.kind.as_str())
    {
        let given = manifest.object["apiVersion"].as_str().unwrap_or_default().to_string() + " " + &manifest.kind;
        return Err(mismatch("kind", &given, &info.path()));
    }
    if manifest.name != name {
        return Err(mismatch("name", &manifest.name, name));
    }
    if let (Some(given), Some(path)) = (manifest.namespace.as_deref(), namespace)
        && given != path
    {
        return Err(mismatch("namespace", given, path));
    }
    // Its findings under `warn` have no place in this answer (the object): the console asks
    // POST /api/risk-guard/analyze for them; `block` holds here as on /apply.
    risk_guard(
        state,
        &scope,
        std::slice::from_ref(&manifest),
        namespace.unwrap_or("default"),
        q.risk_guard,
    )
    .await
    .map_err(fail)?;
    let planned = [Planned {
        manifest,
        info,
        namespace: namespace.map(str::to_string),
    }];
    let audit = note(cluster, namespace, name, apply_reason(&planned, &q));
    let mut result = apply_checked(&scope, cluster, &planned, &q)
        .await
        .map_err(|e| e.with_audit(audit.clone()))?;
    let applied = result.items.remove(0).object;
    Ok((audit, Json(applied)))
}

/// Applies YAML to a namespaced object by server-side apply as `fleetdeck` (operator; write gate).
#[utoipa::path(put, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/yaml", tag = "operations",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
        ("namespace" = String, Path), ("name" = String, Path), ApplyQuery),
    request_body = ApplyRequest,
    responses((status = 200, description = "the object as applied (or as it would be, on a dry run)", body = KubeObject),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "an apply conflict: the apiserver's Status under `details.kubeStatus`", body = ErrorBody),
        (status = 422, description = "`invalid_manifest`, `manifest_mismatch`, `risk_guard_blocked`, or the apiserver's `kube_invalid`", body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn apply_object(
    State(state): State<AppState>,
    _writes: WriteActionsEnabled,
    principal: Principal,
    ApiPath(p): ApiPath<NamespacedPath>,
    ApiQuery(q): ApiQuery<ApplyQuery>,
    ApiJson(body): ApiJson<ApplyRequest>,
) -> ApiResult<(AuditNote, Json<DynamicObject>)> {
    apply_one(
        &state,
        &principal,
        (&p.0, &p.1, &p.2, &p.3),
        Some(&p.4),
        &p.5,
        q,
        &body.yaml,
    )
    .await
}

/// Applies YAML to a cluster-scoped object by server-side apply as `fleetdeck` (operator; write gate).
#[utoipa::path(put, path = "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}/yaml", tag = "operations",
    params(("cluster" = String, Path), ("group" = String, Path), ("version" = String, Path), ("resource" = String, Path),
        ("name" = String, Path), ApplyQuery),
    request_body = ApplyRequest,
    responses((status = 200, description = "the object as applied (or as it would be, on a dry run)", body = KubeObject),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "an apply conflict: the apiserver's Status under `details.kubeStatus`", body = ErrorBody),
        (status = 422, description = "`invalid_manifest`, `manifest_mismatch`, `risk_guard_blocked`, or the apiserver's `kube_invalid`", body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn apply_cluster_object(
    State(state): State<AppState>,
    _writes: WriteActionsEnabled,
    principal: Principal,
    ApiPath(p): ApiPath<ClusterPath>,
    ApiQuery(q): ApiQuery<ApplyQuery>,
    ApiJson(body): ApiJson<ApplyRequest>,
) -> ApiResult<(AuditNote, Json<DynamicObject>)> {
    apply_one(&state, &principal, (&p.0, &p.1, &p.2, &p.3), None, &p.4, q, &body.yaml).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn propagation_policies_are_the_apiservers_three() {
        let q = |p: &str| DeleteQuery {
            propagation_policy: Some(p.into()),
            dry_run: None,
        };
        assert!(matches!(propagation(&q("Orphan")), Ok(Some(PropagationPolicy::Orphan))));
        assert!(matches!(propagation(&DeleteQuery::default()), Ok(None)));
        assert_eq!(propagation(&q("orphan")).unwrap_err().code, "invalid_query");
    }

    #[test]
    fn a_documents_error_names_it() {
        let e = in_document(
            ApiError::conflict("kube_conflict", "Apply failed").with_details(json!({"cluster": "c"})),
            3,
        );
        assert_eq!(e.message, "document 3: Apply failed");
        assert_eq!(e.details.unwrap(), json!({"cluster": "c", "document": 3}));
    }
}
