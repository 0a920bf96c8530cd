//! `POST /api/risk-guard/analyze`: the risk guard's findings on manifests before they are
//! applied (any signed-in role). A read, but a POST: like every POST it leaves an audit row
//! (`risk_analyze`, with the counts, never the manifest). The target Kubernetes version is the
//! one given, else the cluster's as its apiserver tells the caller; without either the
//! removed-API check is skipped and the answer says why. The environment is the one given, else
//! the cluster's.

use axum::Json;
use axum::extract::State;
use axum::http::Method;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::risk_guard::{self, Analysis, Check, KubeVersion, Options, Policy};
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role};
use crate::clusters::scope::ClusterScope;
use crate::error::{ApiError, ApiJson, ApiResult, ErrorBody};

const AUDITED: &[AuditedRoute] = &[AuditedRoute::new(
    Method::POST,
    "/api/risk-guard/analyze",
    "risk_analyze",
    "manifest",
)];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new().routes(routes!(analyze)),
        audited: AUDITED,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AnalyzeRequest {
    /// The manifests: YAML or JSON, several documents separated by `---`.
    pub manifest: String,
    /// The Kubernetes version the manifests are for, e.g. `1.33` or `v1.33.2`; without it, the
    /// cluster's; without either the removed-API check is skipped.
    pub kubernetes_version: Option<String>,
    /// The cluster the manifests go to: its environment and version are used when none is given.
    pub cluster: Option<String>,
    /// The environment, e.g. `prod`: `prod` or `production` turns on the single-replica check
    /// for every namespace (else only in namespaces named so).
    pub environment: Option<String>,
    /// The namespace of namespaced objects that name none (default `default`), as on apply.
    pub namespace: Option<String>,
}

/// The analysis and the policy applies run under.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RiskGuardReport {
    /// FLEETDECK_RISK_GUARD: under `block`, an apply with blocking findings is refused.
    pub policy: Policy,
    #[serde(flatten)]
    pub analysis: Analysis,
}

/// Analyses manifests for risks: each finding with its check, severity, whether it blocks, the
/// object, container and field, and how to fix it; a 0–100 score (docs/api.md#risk-guard).
#[utoipa::path(post, path = "/api/risk-guard/analyze", tag = "risk guard",
    request_body = AnalyzeRequest,
    responses((status = 200, body = RiskGuardReport),
        (status = 404, description = "no such cluster", body = ErrorBody),
        (status = 422, description = "`empty_manifest`, `invalid_kubernetes_version`, `invalid_environment`, `invalid_namespace`", body = ErrorBody)))]
async fn analyze(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<AnalyzeRequest>,
) -> ApiResult<(AuditNote, Json<RiskGuardReport>)> {
    principal.require(Role::Viewer)?;
    if body.manifest.trim().is_empty() {
        return Err(ApiError::unprocessable("empty_manifest", "manifest is empty"));
    }
    let kubernetes_version = body
        .kubernetes_version
        .as_deref()
        .map(|v| {
            KubeVersion::parse(v).ok_or_else(|| {
                ApiError::unprocessable(
                    "invalid_kubernetes_version",
                    format!("kubernetesVersion {v:?} is not a version such as 1.33 or v1.33.2"),
                )
            })
        })
        .transpose()?;
    if let Some(env) = body.environment.as_deref().filter(|e| !crate::names::is_dns_label(e)) {
        return Err(ApiError::unprocessable(
            "invalid_environment",
            format!("environment {env:?} is not a lowercase DNS label such as prod"),
        ));
    }
    let default_namespace = body.namespace.clone().unwrap_or_else(|| "default".into());
    if !crate::names::is_dns_label(&default_namespace) {
        return Err(ApiError::unprocessable(
            "invalid_namespace",
            format!("namespace {default_namespace:?} is not a namespace name"),
        ));
    }
    let cluster = match &body.cluster {
        None => None,
        Some(name) => Some(
            state
                .store
                .cluster(name)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("no cluster named {name}")))?,
        ),
    };
    // The cluster's version, read as the caller; when it cannot be read the check says why.
    let (kubernetes_version, version_problem) = match (kubernetes_version, &cluster) {
        (None, Some(c)) => match cluster_version(&state, &principal, &c.name).await {
            Ok(version) => (Some(version), None),
            Err(problem) => (None, Some(problem)),
        },
        (version, _) => (version, None),
    };
    let options = Options {
        kubernetes_version,
        environment: body
            .environment
            .or_else(|| cluster.as_ref().map(|c| c.environment.clone())),
        image_allowlist: state
            .store
            .risk_guard_allowlist(&state.settings.risk_guard.image_allowlist)
            .await?,
        default_namespace,
    };
    let manifest = body.manifest;
    let mut analysis = tokio::task::spawn_blocking(move || risk_guard::analyze(&manifest, &options))
        .await
        .map_err(ApiError::internal)?;
    if analysis.documents == 0 && analysis.errors.is_empty() {
        return Err(ApiError::unprocessable(
            "empty_manifest",
            "the manifest holds no document",
        ));
    }
    if let (Some(c), Some(problem)) = (&cluster, version_problem) {
        for s in analysis.skipped.iter_mut().filter(|s| s.check == Check::RemovedApi) {
            s.reason = format!(
                "the Kubernetes version of cluster {} could not be read ({problem}): give kubernetesVersion",
                c.name
            );
        }
    }
    let note = AuditNote {
        cluster: cluster.map(|c| c.name),
        reason: Some(format!(
            "documents={} findings={} blocking={} score={}",
            analysis.documents,
            analysis.findings.len(),
            analysis.blocking,
            analysis.score
        )),
        ..AuditNote::default()
    };
    let report = RiskGuardReport {
        policy: state.settings.risk_guard.policy,
        analysis,
    };
    Ok((note, Json(report)))
}

/// The Kubernetes version of cluster `name`, as its apiserver tells the caller; else why not.
async fn cluster_version(state: &AppState, principal: &Principal, name: &str) -> Result<KubeVersion, String> {
    let scope = ClusterScope::open(state, principal, name)
        .await
        .map_err(|e| e.message)?;
    let version = scope
        .reader_client()
        .apiserver_version()
        .await
        .map_err(|e| crate::kube::errors::api_error(name, &e).message)?;
    KubeVersion::parse(&version.git_version)
        .ok_or_else(|| format!("its version {:?} is not one Fleetdeck reads", version.git_version))
}
