//! The join token handlers. Admins create, list and revoke tokens; `GET /join` and
//! `POST /api/join/register` take no session, only the token, and are rate-limited per client
//! address with the login budget (FLEETDECK_LOGIN_RATE_LIMIT).
//!
//! What a refused token tells: a token that is malformed, unknown or does not match its row is
//! 401 `join_token_invalid`, one answer for all. A token that matches its row was once given to
//! the caller, so saying that it is used, expired or revoked (410) tells them nothing they could
//! not know, and tells whoever runs the command what to do next.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};

use super::lifecycle::{self, JoinTokenState};
use super::manifest::{self, JoinManifest};
use super::model::*;
use crate::AppState;
use crate::audit::AuditNote;
use crate::auth::{Principal, Role, secret};
use crate::clusters::model::Cluster;
use crate::clusters::record::{self, AuthzMode, ClusterError, ClusterMeta, Clusters};
use crate::clusters::registry;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::kube::kubeconfig::{Connection, check_connection};
use crate::request::RequestContext;
use crate::store::join_tokens::JoinTokenRow;
use crate::store::now;

/// What the cluster registers with, as the token says.
fn meta_of(t: &JoinTokenRow) -> ClusterMeta {
    ClusterMeta {
        name: t.cluster.clone(),
        display_name: t.display_name.clone(),
        dns: None,
        environment: t.environment.clone(),
        labels: t.labels.0.clone(),
        source: record::REGISTERED.into(),
    }
}

/// Adds the cluster to `clusters`; a taken name has a code of its own.
fn add_cluster(clusters: &mut Clusters, meta: ClusterMeta, environments: &[String]) -> ApiResult<()> {
    record::create(clusters, meta, environments).map_err(|e| match e {
        ClusterError::Duplicate(m) => ApiError::conflict("cluster_name_taken", m),
        e => e.into(),
    })
}

/// Fleetdeck's base URL for the cluster to call: FLEETDECK_PUBLIC_URL, else this request's origin.
fn public_base(state: &AppState, ctx: &RequestContext, headers: &HeaderMap) -> String {
    state
        .settings
        .public_url
        .clone()
        .unwrap_or_else(|| ctx.own_origin(headers))
}

fn invalid_token() -> ApiError {
    ApiError::unauthenticated("join_token_invalid", "the join token is not valid")
}

/// The token's row if `token` is its token and it is still active at `now`.
fn check_usable(row: &JoinTokenRow, token: &str, now: DateTime<Utc>) -> ApiResult<()> {
    if !secret::digests_match(&row.digest, &secret::digest(token)) {
        return Err(invalid_token());
    }
    let (code, what) = match lifecycle::state(row.used_at, row.revoked_at, row.expires_at, now) {
        JoinTokenState::Active => return Ok(()),
        JoinTokenState::Used => ("join_token_used", "has been used; create a new one"),
        JoinTokenState::Expired => ("join_token_expired", "has expired; create a new one"),
        JoinTokenState::Revoked => ("join_token_revoked", "was revoked; create a new one"),
    };
    Err(ApiError::new(StatusCode::GONE, code, format!("the join token {what}")))
}

/// The audit note of a token's use: the token as the actor, the cluster it is for.
fn token_note(row: &JoinTokenRow) -> AuditNote {
    AuditNote {
        cluster: Some(row.cluster.clone()),
        ..AuditNote::named(&row.cluster).actor(format!("join-token:{}", row.id), "join_token")
    }
}

/// The client's budget, then the token: its row when it may still be used.
async fn admit(state: &AppState, ctx: &RequestContext, token: &str) -> ApiResult<JoinTokenRow> {
    state
        .join_limiter
        .check(ctx.client_ip)
        .map_err(ApiError::too_many_requests)?;
    let id = lifecycle::token_id(token).ok_or_else(invalid_token)?;
    let row = state.store.join_token(id).await?.ok_or_else(invalid_token)?;
    check_usable(&row, token, now()).map_err(|e| e.with_audit(token_note(&row)))?;
    Ok(row)
}

/// Creates a single-use join token for the cluster to be registered as `name` (admin). The answer
/// holds the token and the command to run against the cluster: shown once, never again.
#[utoipa::path(post, path = "/api/clusters/{name}/join-token", tag = "clusters", params(("name" = String, Path)),
    request_body = CreateJoinToken, responses(
    (status = 201, body = CreatedJoinToken),
    (status = 409, body = ErrorBody, description = "cluster_name_taken: a cluster has this name"),
    (status = 422, body = ErrorBody, description = "invalid_name, invalid_environment, invalid_labels, invalid_field, invalid_server, invalid_ttl or secret_key_required")))]
pub(super) async fn create_token(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    headers: HeaderMap,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<CreateJoinToken>,
) -> ApiResult<impl IntoResponse> {
    principal.require(Role::Admin)?;
    if state.settings.secret_key.is_none() {
        return Err(ApiError::unprocessable(
            "secret_key_required",
            "this server has no FLEETDECK_SECRET_KEY, so it will not store the joining cluster's credentials",
        ));
    }
    let ttl = lifecycle::ttl(body.ttl_seconds).map_err(|m| ApiError::unprocessable("invalid_ttl", m))?;
    let server = body.server.trim_end_matches('/').to_string();
    if !(server.starts_with("https://") || server.starts_with("http://")) || server.contains(char::is_whitespace) {
        return Err(ApiError::unprocessable(
            "invalid_server",
            format!("server {server:?} is not an http(s) URL"),
        ));
    }
    let at = now();
    let (id, key) = (uuid::Uuid::new_v4().to_string(), secret::generate(""));
    let value = lifecycle::compose(&id, &key);
    let row = JoinTokenRow {
        digest: secret::digest(&value),
        cluster: name.clone(),
        display_name: body
            .display_name
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| name.clone()),
        environment: body.environment,
        labels: sqlx::types::Json(body.labels),
        server_url: server,
        authz_mode: body.authz_mode.unwrap_or_default().as_str().into(),
        created_by: principal.subject.clone(),
        created_at: at,
        expires_at: at + ttl,
        used_at: None,
        used_by: None,
        revoked_at: None,
        revoked_by: None,
        id,
    };
    // The name must be free and the metadata valid now; the join checks again, as it may be
    // taken meanwhile.
    add_cluster(
        &mut state.store.load_clusters().await?,
        meta_of(&row),
        &state.settings.flux_environments,
    )?;
    state.store.insert_join_token(&row).await?;
    let note = AuditNote {
        cluster: Some(name),
        ..AuditNote::named(&row.id)
    };
    let command = manifest::command(&public_base(&state, &ctx, &headers), &value);
    let token = JoinToken::of(row, at);
    Ok((
        StatusCode::CREATED,
        note,
        Json(CreatedJoinToken { token, value, command }),
    ))
}

/// The join tokens created for the cluster name, newest first, with their state (admin).
#[utoipa::path(get, path = "/api/clusters/{name}/join-tokens", tag = "clusters", params(("name" = String, Path)),
    responses((status = 200, body = JoinTokenList)))]
pub(super) async fn list_tokens(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<JoinTokenList>> {
    principal.require(Role::Admin)?;
    let at = now();
    let items = state
        .store
        .join_tokens_for(&name)
        .await?
        .into_iter()
        .map(|r| JoinToken::of(r, at))
        .collect();
    Ok(Json(JoinTokenList { items }))
}

/// Revokes a join token (admin). Idempotent: a token that is already used, expired or revoked
/// stays so, and the answer is the token as it now is.
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "clusters", params(("id" = String, Path)),
    responses((status = 200, body = JoinToken), (status = 404, body = ErrorBody)))]
pub(super) async fn revoke_token(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    principal.require(Role::Admin)?;
    let row = state
        .store
        .revoke_join_token(&id, &principal.subject)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no join token {id}")))?;
    let note = AuditNote {
        cluster: Some(row.cluster.clone()),
        ..AuditNote::named(&row.id)
    };
    Ok((note, Json(JoinToken::of(row, now()))))
}

/// The manifest to apply on the joining cluster (`curl -sfL '…/join?token=…' | kubectl apply -f -`).
/// It carries the token, which stays usable until the cluster's Job registers with it.
#[utoipa::path(get, path = "/join", tag = "clusters", security(()), params(JoinQuery), responses(
    (status = 200, body = String, content_type = "application/yaml"),
    (status = 401, body = ErrorBody, description = "join_token_invalid: malformed, unknown or wrong"),
    (status = 409, body = ErrorBody, description = "cluster_name_taken: a cluster got the token's name meanwhile"),
    (status = 410, body = ErrorBody, description = "join_token_used, join_token_expired or join_token_revoked"),
    (status = 429, body = ErrorBody, headers(("Retry-After" = u64)))))]
pub(super) async fn join_manifest(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<JoinQuery>,
) -> ApiResult<impl IntoResponse> {
    let row = admit(&state, &ctx, &q.token).await?;
    if state.store.cluster(&row.cluster).await?.is_some() {
        return Err(ApiError::conflict(
            "cluster_name_taken",
            format!("a cluster named {} was registered meanwhile", row.cluster),
        )
        .with_audit(token_note(&row)));
    }
    let yaml = manifest::render(&JoinManifest {
        fleetdeck_url: &public_base(&state, &ctx, &headers),
        cluster: &row.cluster,
        token_id: &row.id,
        token: &q.token,
    });
    Ok((
        token_note(&row),
        [
            (header::CONTENT_TYPE, "application/yaml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        yaml,
    ))
}

/// What the joining cluster's Job posts: registers the cluster under the token's name with the
/// token's apiserver URL and metadata, the posted CA and agent token; the token is then used up.
#[utoipa::path(post, path = "/api/join/register", tag = "clusters", security(()), request_body = JoinRegistration, responses(
    (status = 201, body = Cluster),
    (status = 401, body = ErrorBody, description = "join_token_invalid: malformed, unknown or wrong"),
    (status = 403, body = ErrorBody, description = "join_token_wrong_cluster: the token is for another cluster name"),
    (status = 409, body = ErrorBody, description = "cluster_name_taken: a cluster got the token's name meanwhile"),
    (status = 410, body = ErrorBody, description = "join_token_used, join_token_expired or join_token_revoked"),
    (status = 422, body = ErrorBody, description = "invalid_connection, connection_failed (details.reason) or secret_key_required"),
    (status = 429, body = ErrorBody, headers(("Retry-After" = u64)))))]
pub(super) async fn register(
    State(state): State<AppState>,
    ctx: RequestContext,
    ApiJson(body): ApiJson<JoinRegistration>,
) -> ApiResult<impl IntoResponse> {
    let row = admit(&state, &ctx, &body.join_token).await?;
    let fail = |e: ApiError| e.with_audit(token_note(&row));
    if body.cluster != row.cluster {
        return Err(fail(ApiError::forbidden(
            "join_token_wrong_cluster",
            format!(
                "the join token is for the cluster {}, not {}",
                row.cluster, body.cluster
            ),
        )));
    }
    let connection = Connection {
        server: row.server_url.clone(),
        certificate_authority_data: Some(body.certificate_authority_data),
        insecure_skip_tls_verify: false,
        token: Some(body.token),
        client_certificate_data: None,
        client_key_data: None,
    };
    check_connection(&connection).map_err(|m| fail(ApiError::unprocessable("invalid_connection", m)))?;
    let authz_mode = AuthzMode::from_stored(&row.authz_mode);
    let write = registry::register(&state, &row.cluster, &connection, authz_mode, false)
        .await
        .map_err(fail)?;
    let environments = state.settings.flux_environments.clone();
    // Checked again under the registry's lock: of two racing joins, one registers.
    state
        .store
        .use_join_token(&row.id, &[write], |token, clusters| {
            check_usable(token, &body.join_token, now())?;
            add_cluster(clusters, meta_of(token), &environments)
        })
        .await
        .map_err(|e| fail(e.into()))?;
    state.clusters_changed();
    let cluster = state
        .store
        .cluster(&row.cluster)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the joined cluster is not in the registry")))?;
    Ok((StatusCode::CREATED, token_note(&row), Json(Cluster::from(cluster))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(token: &str) -> JoinTokenRow {
        let at = now();
        JoinTokenRow {
            id: "id".into(),
            digest: secret::digest(token),
            cluster: "edge".into(),
            display_name: "edge".into(),
            environment: "dev".into(),
            labels: Default::default(),
            server_url: "https://edge.example.com".into(),
            authz_mode: "shared".into(),
            created_by: "admin".into(),
            created_at: at,
            expires_at: at + chrono::TimeDelta::minutes(15),
            used_at: None,
            used_by: None,
            revoked_at: None,
            revoked_by: None,
        }
    }

    #[test]
    fn a_token_is_usable_while_active_and_only_with_its_secret() {
        let t = "fdj_id.secret";
        let mut r = row(t);
        assert!(check_usable(&r, t, now()).is_ok());
        let code = |r: &JoinTokenRow, t: &str| check_usable(r, t, now()).unwrap_err().code;
        assert_eq!(code(&r, "fdj_id.other"), "join_token_invalid");
        assert_eq!(
            check_usable(&r, t, r.expires_at).unwrap_err().code,
            "join_token_expired"
        );
        r.revoked_at = Some(now());
        assert_eq!(code(&r, t), "join_token_revoked");
        assert_eq!(
            code(&r, "fdj_id.other"),
            "join_token_invalid",
            "the state is told only to the token's holder"
        );
        r.used_at = Some(now());
        assert_eq!(code(&r, t), "join_token_used");
        assert_eq!(check_usable(&r, t, now()).unwrap_err().status, StatusCode::GONE);
    }
}
