//! Access to a project beyond the API's objects: `POST /api/projects/{id}/kubeconfig`, a
//! kubeconfig for its namespace acting as the project's ServiceAccount
//! (`project_objects::access`) with a TokenRequest token of bounded life — whoever may change the
//! project's apps may have one, and a caller signed in with a password gives it again
//! (KubeBYON's rule: a stolen browser session is not enough); and `POST /api/tokens/project`, a
//! short-lived `project` role token for scripts (`auth::project_token`).

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::ServiceAccount;
use kube::api::{Api, PostParams};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::{self, Access, Kind, Owned, signed_in};
use super::project_objects::ACCESS_NAME;
use super::project_sync;
use crate::AppState;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::identity::AuthMethod;
use crate::auth::{Principal, password, project_token};
use crate::clusters::clients::config_for;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::kube::pool::NoClient;
use crate::request::RequestContext;

/// A token's life: the apiserver's least (10 minutes) to a day; an hour by default.
const TTL_MIN_SECONDS: u32 = 600;
const TTL_MAX_SECONDS: u32 = 86_400;
const TTL_DEFAULT_SECONDS: u32 = 3_600;

/// A project token's life, in minutes: up to a day; an hour by default.
const TOKEN_MINUTES_MAX: u32 = 1_440;
const TOKEN_MINUTES_DEFAULT: u32 = 60;

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(
        Method::POST,
        "/api/projects/{id}/kubeconfig",
        "kubeconfig_issue",
        "project",
    ),
    AuditedRoute::new(Method::POST, "/api/tokens/project", "create", "project_token"),
];

pub fn router() -> AuditedRouter {
    AuditedRouter {
        routes: OpenApiRouter::new()
            .routes(routes!(issue_kubeconfig))
            .routes(routes!(issue_project_token)),
        audited: AUDITED,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IssueKubeconfig {
    /// The caller's password: required when signed in with one.
    #[serde(default)]
    pub password: Option<String>,
    /// The token's life, 600 to 86400 seconds; default 3600.
    #[serde(default)]
    #[schema(minimum = 600, maximum = 86400)]
    pub ttl_seconds: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedKubeconfig {
    /// The kubeconfig (YAML): the cluster's server and CA as Fleetdeck reaches it, the token, the
    /// namespace as the context's default. Shown once; Fleetdeck keeps no copy.
    pub kubeconfig: String,
    pub cluster: String,
    pub namespace: String,
    pub service_account: String,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
}

/// A life asked for in `field`, or `default`, within `min..=max` (422 `invalid_ttl`).
fn life(field: &str, asked: Option<u32>, default: u32, min: u32, max: u32) -> ApiResult<u32> {
    match asked.unwrap_or(default) {
        v if (min..=max).contains(&v) => Ok(v),
        v => Err(ApiError::unprocessable(
            "invalid_ttl",
            format!("{field} {v} must be {min} to {max}"),
        )),
    }
}

/// A kubeconfig token's life, in seconds.
fn ttl(asked: Option<u32>) -> ApiResult<u32> {
    life(
        "ttlSeconds",
        asked,
        TTL_DEFAULT_SECONDS,
        TTL_MIN_SECONDS,
        TTL_MAX_SECONDS,
    )
}

/// A caller signed in with a password gives it again; one signed in through an identity
/// provider or a proxy has none to give and uses an API key; keys and tokens are credentials
/// of their own.
async fn reauthenticate(
    state: &AppState,
    ctx: &RequestContext,
    principal: &Principal,
    given: Option<String>,
) -> ApiResult<()> {
    match principal.method {
        AuthMethod::Token | AuthMethod::ApiKey | AuthMethod::ProjectToken => Ok(()),
        AuthMethod::Oidc | AuthMethod::Proxy => Err(ApiError::forbidden(
            "password_unavailable",
            "a kubeconfig needs your password, and this sign-in has none: use an API key",
        )),
        AuthMethod::Password => {
            let given = given
                .ok_or_else(|| ApiError::bad_request("password_required", "give your password to have a kubeconfig"))?;
            state
                .login_limiter
                .check(ctx.client_ip)
                .map_err(ApiError::too_many_requests)?;
            let user = match principal.user_id() {
                Some(id) => state.store.user_by_id(id).await?,
                None => None,
            };
            match password::verify_blocking(user.map(|u| u.password_hash), given).await {
                true => Ok(()),
                false => Err(ApiError::forbidden("wrong_password", "the password is wrong")),
            }
        }
    }
}

/// Issues a kubeconfig for the project's namespace (admin, a key of its tenant or of the
/// project). The project is applied first, so its ServiceAccount and binding are in place.
#[utoipa::path(post, path = "/api/projects/{id}/kubeconfig", tag = "tenancy", params(("id" = String, Path)),
    request_body = IssueKubeconfig,
    responses((status = 200, body = IssuedKubeconfig),
        (status = 400, description = "`password_required` (signed in with a password)", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_password`, `password_unavailable` (signed in through OIDC or a proxy)", body = ErrorBody),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
        (status = 409, description = "`no_connection`: the project's cluster is registered without one", body = ErrorBody),
        (status = 422, description = "`invalid_ttl`", body = ErrorBody),
        (status = 429, body = ErrorBody),
        (status = 502, description = "`project_not_synced`, `token_not_issued`: the cluster refused", body = ErrorBody)))]
async fn issue_kubeconfig(
    State(state): State<AppState>,
    ctx: RequestContext,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<IssueKubeconfig>,
) -> ApiResult<(AuditNote, Json<IssuedKubeconfig>)> {
    signed_in(&principal)?;
    let missing = || ApiError::new(StatusCode::NOT_FOUND, "project_not_found", format!("no project {id:?}"));
    let project = state.store.project(&id).await?.ok_or_else(missing)?;
    let owned = Owned {
        tenant_id: &project.tenant_id,
        project_id: Some(&project.id),
    };
    let may = |a| access::allowed(&principal, a, Kind::App, owned);
    if !may(Access::Read) {
        return Err(missing());
    }
    let note = AuditNote {
        cluster: Some(project.cluster.clone()),
        namespace: Some(project.namespace.clone()),
        ..AuditNote::named(&project.name)
    };
    if !may(Access::Write) {
        return Err(ApiError::forbidden(
            "forbidden",
            format!("the {} role cannot have a kubeconfig for this project", principal.role),
        ));
    }
    let seconds = ttl(body.ttl_seconds)?;
    reauthenticate(&state, &ctx, &principal, body.password)
        .await
        .map_err(|e| {
            let reason = e.code;
            e.with_audit(note.clone().reason(reason))
        })?;
    let cluster = state.store.cluster(&project.cluster).await?.ok_or_else(missing)?;
    let mut config = match config_for(&state, &cluster, None).await {
        Ok(c) => c,
        Err(NoClient::NoConnection) => {
            return Err(ApiError::conflict(
                "no_connection",
                format!("cluster {:?} is registered without a connection", cluster.name),
            ));
        }
        Err(NoClient::Broken(why)) => return Err(ApiError::internal(anyhow::anyhow!(why))),
    };
    let refused = |code: &'static str| move |m: String| ApiError::new(StatusCode::BAD_GATEWAY, code, m);
    project_sync::sync_one(&state, &project)
        .await
        .map_err(ApiError::internal)?
        .map_err(refused("project_not_synced"))?;
    let client = kube::Client::try_from(config.clone()).map_err(ApiError::internal)?;
    let request = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
        "spec": {"expirationSeconds": seconds}});
    let issued: serde_json::Value = Api::<ServiceAccount>::namespaced(client, &project.namespace)
        .create_subresource("token", ACCESS_NAME, &PostParams::default(), &request)
        .await
        .map_err(|e| {
            let why = crate::kube::errors::describe(&e);
            refused("token_not_issued")(format!("the cluster issued no token: {why}"))
        })?;
    let status = &issued["status"];
    let expires_at = status["expirationTimestamp"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
    let (Some(token), Some(expires_at)) = (status["token"].as_str(), expires_at) else {
        return Err(refused("token_not_issued")("the cluster's answer has no token".into()));
    };
    config.auth_info = kube::config::AuthInfo {
        token: Some(token.to_string().into()),
        ..kube::config::AuthInfo::default()
    };
    config.default_namespace = project.namespace.clone();
    let document = crate::kube::kubeconfig::for_kubectl(&config).map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
    let value: serde_json::Value = serde_json::from_str(&document).map_err(ApiError::internal)?;
    let kubeconfig = yaml_serde::to_string(&value).map_err(ApiError::internal)?;
    Ok((
        note,
        Json(IssuedKubeconfig {
            kubeconfig,
            cluster: project.cluster,
            namespace: project.namespace,
            service_account: ACCESS_NAME.to_string(),
            expires_at: expires_at.with_timezone(&Utc),
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IssueProjectToken {
    pub project_id: String,
    /// The token's life, 1 to 1440 minutes; default 60.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1440)]
    pub ttl_minutes: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedProjectToken {
    /// The bearer token (`fdpt_…`): shown once, stored nowhere.
    pub token: String,
    /// Names the token in audit rows (`project-token:<id>`).
    pub id: String,
    /// `project:<id>`.
    pub scope: String,
    pub expires_at: DateTime<Utc>,
}

/// A project token's life, in minutes.
fn token_minutes(asked: Option<u32>) -> ApiResult<u32> {
    life("ttlMinutes", asked, TOKEN_MINUTES_DEFAULT, 1, TOKEN_MINUTES_MAX)
}

/// Issues a short-lived token of the `project` role for one project (admin, or a key of its
/// tenant): what a script or CI job uses instead of a long-lived key. It cannot be revoked
/// alone; it ends when it expires, its project is deleted or the secret key changes.
#[utoipa::path(post, path = "/api/tokens/project", tag = "tenancy", request_body = IssueProjectToken,
    responses((status = 201, body = IssuedProjectToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "`secret_key_required`: the server has no FLEETDECK_SECRET_KEY to seal tokens with", body = ErrorBody),
        (status = 422, description = "`unknown_project`, `invalid_ttl`", body = ErrorBody)))]
async fn issue_project_token(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<IssueProjectToken>,
) -> ApiResult<(StatusCode, AuditNote, Json<IssuedProjectToken>)> {
    signed_in(&principal)?;
    let unknown = || ApiError::unprocessable("unknown_project", format!("no project {:?}", body.project_id));
    let project = state.store.project(&body.project_id).await?.ok_or_else(unknown)?;
    let owned = Owned {
        tenant_id: &project.tenant_id,
        project_id: Some(&project.id),
    };
    let may = |a| access::allowed(&principal, a, Kind::Project, owned);
    if !may(Access::Read) {
        return Err(unknown());
    }
    // Writing the project, not only its apps: a project's own key may not extend its reach.
    if !may(Access::Write) {
        return Err(ApiError::forbidden(
            "forbidden",
            format!("the {} role cannot issue tokens for this project", principal.role),
        ));
    }
    let minutes = token_minutes(body.ttl_minutes)?;
    let key = state.settings.secret_key.as_ref().ok_or_else(|| {
        ApiError::conflict(
            "secret_key_required",
            "set FLEETDECK_SECRET_KEY to issue project tokens",
        )
    })?;
    let expires_at = crate::store::now() + chrono::Duration::minutes(minutes.into());
    let claims = project_token::Claims {
        id: uuid::Uuid::now_v7().to_string(),
        project: project.id.clone(),
        exp: expires_at.timestamp(),
    };
    let note = AuditNote {
        cluster: Some(project.cluster.clone()),
        namespace: Some(project.namespace.clone()),
        reason: Some(format!("project {}, {minutes} minutes", project.name)),
        ..AuditNote::named(&claims.id)
    };
    Ok((
        StatusCode::CREATED,
        note,
        Json(IssuedProjectToken {
            token: project_token::issue(key, &claims),
            scope: format!("project:{}", project.id),
            id: claims.id,
            expires_at: DateTime::from_timestamp(claims.exp, 0).unwrap_or(expires_at),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_token_lives_a_minute_to_a_day() {
        assert_eq!(token_minutes(None).unwrap(), 60);
        assert_eq!(token_minutes(Some(1_440)).unwrap(), 1_440);
        assert_eq!(token_minutes(Some(0)).unwrap_err().code, "invalid_ttl");
        assert_eq!(token_minutes(Some(1_441)).unwrap_err().code, "invalid_ttl");
    }

    #[test]
    fn a_token_lives_ten_minutes_to_a_day() {
        assert_eq!(ttl(None).unwrap(), 3_600);
        assert_eq!(ttl(Some(600)).unwrap(), 600);
        assert_eq!(ttl(Some(86_400)).unwrap(), 86_400);
        assert_eq!(ttl(Some(599)).unwrap_err().code, "invalid_ttl");
        assert_eq!(ttl(Some(86_401)).unwrap_err().code, "invalid_ttl");
    }
}
