//! The platform policy (`/api/platform/policy`, admin): the image registries apps may pull from,
//! the egress CIDRs every project's baseline NetworkPolicy allows, the ceilings of projects'
//! quotas, and whether tenants' quotas are bought (plans and orders).

use axum::Json;
use axum::extract::State;
use axum::http::Method;
use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::Quota;
use crate::AppState;
use crate::audit::{AuditedRoute, AuditedRouter};
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiJson, ApiResult, ErrorBody};
use crate::incidents::risk_guard::images;
use crate::store::now;

const ENTRIES_MAX: usize = 100;
const ENTRY_MAX_CHARS: usize = 253;

const AUDITED: &[AuditedRoute] = &[AuditedRoute::new(
    Method::PUT,
    "/api/platform/policy",
    "update",
    "platform_policy",
)];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new().routes(routes!(get_policy, put_policy)),
        audited: AUDITED,
    }
}

/// What the platform allows tenants; a PUT replaces all of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PlatformPolicy {
    /// Image prefixes apps may use (`docker.io`, `ghcr.io/acme`; whole path segments); empty:
    /// the server's `FLEETDECK_IMAGE_ALLOWLIST`, and when that is empty too, any image.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub image_allowlist: Vec<String>,
    /// CIDRs every project's baseline NetworkPolicy lets pods reach (beyond their namespace and
    /// DNS).
    #[serde(default)]
    #[schema(max_items = 100)]
    pub egress_baseline: Vec<String>,
    /// The most a project's quota may ask; also the default of what it leaves out.
    #[serde(default, deserialize_with = "super::model::object")]
    pub quota_max: Quota,
    /// Quota is sold: a tenant's projects' quotas must fit what its paid orders entitle it to
    /// (`GET /api/billing/entitlement`); a tenant without one in force gets no more.
    #[serde(default)]
    pub require_entitlement: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlatformPolicyView {
    pub policy: PlatformPolicy,
    /// Who last set it, when; none before it was first set.
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl PlatformPolicy {
    /// Refuses an entry that is not one: an empty or over-long image prefix, a CIDR that does
    /// not parse, a quota ceiling that is not a quantity.
    pub fn check(&self) -> Result<(), String> {
        if self.image_allowlist.len() > ENTRIES_MAX || self.egress_baseline.len() > ENTRIES_MAX {
            return Err(format!("at most {ENTRIES_MAX} entries in each list"));
        }
        for prefix in &self.image_allowlist {
            if prefix.is_empty()
                || prefix.len() > ENTRY_MAX_CHARS
                || prefix.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(format!("imageAllowlist: {prefix:?} is not an image prefix"));
            }
        }
        for cidr in &self.egress_baseline {
            cidr.parse::<IpNet>()
                .map_err(|_| format!("egressBaseline: {cidr:?} is not a CIDR"))?;
        }
        self.quota_max.check().map_err(|e| format!("quotaMax: {e}"))
    }
}

/// The policy in force: the stored one, or the default (nothing set).
pub async fn current(state: &AppState) -> ApiResult<PlatformPolicyView> {
    Ok(match state.store.platform_policy().await? {
        Some((body, by, at)) => PlatformPolicyView {
            // Written from a checked policy; one of another shape is refused rather than ignored.
            policy: serde_json::from_value(body.0).map_err(ApiError::internal)?,
            updated_by: Some(by),
            updated_at: Some(at),
        },
        None => PlatformPolicyView {
            policy: PlatformPolicy::default(),
            updated_by: None,
            updated_at: None,
        },
    })
}

/// Whether `image` may run as an app: the policy's allowlist, else the server's.
pub fn image_allowed(image: &str, policy: &PlatformPolicy, server_allowlist: &[String]) -> bool {
    let allowlist = images::in_force(&policy.image_allowlist, server_allowlist);
    allowlist.is_empty() || images::allowed(image, allowlist)
}

/// The platform policy (any signed-in principal but flux-reader keys: tenants see what binds them).
#[utoipa::path(get, path = "/api/platform/policy", tag = "tenancy",
    responses((status = 200, body = PlatformPolicyView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn get_policy(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<PlatformPolicyView>> {
    if principal.role == Role::FluxReader {
        principal.require(Role::Viewer)?;
    }
    Ok(Json(current(&state).await?))
}

/// Replaces the platform policy (admin). Projects and apps made before keep what they have until
/// they are next changed.
#[utoipa::path(put, path = "/api/platform/policy", tag = "tenancy", request_body = PlatformPolicy,
    responses((status = 200, body = PlatformPolicyView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, description = "`invalid_policy`", body = ErrorBody)))]
async fn put_policy(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(policy): ApiJson<PlatformPolicy>,
) -> ApiResult<Json<PlatformPolicyView>> {
    principal.require(Role::Admin)?;
    policy
        .check()
        .map_err(|e| ApiError::unprocessable("invalid_policy", e))?;
    let body = serde_json::to_value(&policy).map_err(ApiError::internal)?;
    let at = now();
    state.store.set_platform_policy(&body, &principal.subject, at).await?;
    state.projects_changed.notify_one();
    Ok(Json(PlatformPolicyView {
        policy,
        updated_by: Some(principal.subject),
        updated_at: Some(at),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_with_a_bad_entry_is_refused() {
        let ok = PlatformPolicy {
            image_allowlist: vec!["docker.io".into(), "ghcr.io/acme".into()],
            egress_baseline: vec!["10.0.0.0/8".into(), "fd00::/8".into()],
            quota_max: Quota {
                requests_cpu: Some("4".into()),
                ..Quota::default()
            },
            require_entitlement: true,
        };
        assert!(ok.check().is_ok());
        let bad_cidr = PlatformPolicy {
            egress_baseline: vec!["10.0.0.0/33".into()],
            ..ok.clone()
        };
        assert!(bad_cidr.check().unwrap_err().contains("egressBaseline"));
        let bad_image = PlatformPolicy {
            image_allowlist: vec!["a b".into()],
            ..ok.clone()
        };
        assert!(bad_image.check().unwrap_err().contains("imageAllowlist"));
        let bad_quota = PlatformPolicy {
            quota_max: Quota {
                limits_memory: Some("much".into()),
                ..Quota::default()
            },
            ..ok
        };
        assert!(bad_quota.check().unwrap_err().contains("quotaMax"));
    }

    #[test]
    fn the_policys_allowlist_wins_over_the_servers_and_none_allows_all() {
        let policy = PlatformPolicy {
            image_allowlist: vec!["ghcr.io/acme".into()],
            ..PlatformPolicy::default()
        };
        let server = vec!["docker.io".to_string()];
        assert!(image_allowed("ghcr.io/acme/web:1", &policy, &server));
        assert!(!image_allowed("nginx:1.27", &policy, &server));
        assert!(image_allowed("nginx:1.27", &PlatformPolicy::default(), &server));
        assert!(!image_allowed(
            "ghcr.io/acme/web:1",
            &PlatformPolicy::default(),
            &server
        ));
        assert!(image_allowed("anything/at:all", &PlatformPolicy::default(), &[]));
    }
}
