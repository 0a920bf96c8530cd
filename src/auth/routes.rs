//! /api/auth/* (login, sessions, API keys, own password) and /api/users (admin).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::*;
use super::resolve::session_cookie;
use super::{AuthMethod, Owner, Principal, Role, TenancyScope, bootstrap, check_username, password, secret};
use crate::AppState;
use crate::audit::model::Outcome;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody, ErrorCode};
use crate::request::RequestContext;
use crate::store::api_keys::NewApiKey;
use crate::store::logins::NewLogin;
use crate::store::now;
use crate::store::sessions::NewSession;
use crate::store::users::{NewUser, UserChanges, UserWrite};

pub fn router() -> AuditedRouter {
    let routes = OpenApiRouter::new()
        .routes(routes!(auth_config))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(whoami))
        .routes(routes!(change_password))
        .routes(routes!(list_api_keys, create_api_key))
        .routes(routes!(delete_api_key))
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user, delete_user));
    AuditedRouter {
        routes,
        audited: AUDITED,
    }
}

/// Every write of this router, for the audit log.
const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(Method::POST, "/api/auth/login", "login", "session"),
    AuditedRoute::new(Method::POST, "/api/auth/logout", "logout", "session"),
    AuditedRoute::new(Method::PUT, "/api/auth/password", "password_change", "user"),
    AuditedRoute::new(Method::POST, "/api/auth/api-keys", "api_key_create", "api_key"),
    AuditedRoute::new(Method::DELETE, "/api/auth/api-keys/{id}", "api_key_delete", "api_key"),
    AuditedRoute::new(Method::POST, "/api/users", "create", "user"),
    AuditedRoute::new(Method::PUT, "/api/users/{username}", "update", "user"),
    AuditedRoute::new(Method::DELETE, "/api/users/{username}", "delete", "user"),
];

/// How to sign in: the methods the login page should offer.
#[utoipa::path(get, path = "/api/auth/config", tag = "auth", security(()), responses((status = 200, body = AuthConfig)))]
async fn auth_config(State(state): State<AppState>) -> Json<AuthConfig> {
    let mut methods = Vec::new();
    if !state.tokens.is_empty() {
        methods.push("token".to_string());
    }
    methods.push("password".to_string());
    let providers = state
        .oidc
        .providers()
        .iter()
        .map(|p| AuthProvider {
            id: p.config.id.clone(),
            name: p.config.name.clone(),
            available: p.available(),
        })
        .collect();
    Json(AuthConfig {
        methods,
        providers,
        registration: state.settings.registration.is_some(),
        proxy: state.settings.proxy_auth.is_some(),
    })
}

fn invalid_login(actor: &str, reason: &str) -> ApiError {
    ApiError::unauthenticated("invalid_credentials", "wrong token, or wrong username or password")
        .with_audit(AuditNote::default().actor(actor, "none").reason(reason))
}

/// Signs in with a token or a username and password; sets the `fleetdeck_session` cookie.
#[utoipa::path(
    post,
    path = "/api/auth/login",
    tag = "auth",
    security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, body = WhoAmI, headers(("Set-Cookie" = String, description = "fleetdeck_session, HttpOnly, SameSite=Lax"))),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody, headers(("Retry-After" = u64))),
    )
)]
async fn login(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Response {
    let method = if body.token.is_some() {
        AuthMethod::Token
    } else {
        AuthMethod::Password
    };
    let response = open_session(&state, &ctx, &headers, body).await.into_response();
    // The history says what the audit row says: who, and why it failed.
    let note = response.extensions().get::<AuditNote>().cloned().unwrap_or_default();
    let outcome = crate::audit::outcome(response.status());
    let reason = note
        .reason
        .or_else(|| response.extensions().get::<ErrorCode>().map(|c| c.0.to_string()))
        .filter(|_| outcome != Outcome::Success);
    let login = NewLogin {
        subject: note.actor.as_deref().unwrap_or("anonymous"),
        method: method.as_str(),
        provider: None,
        client_ip: &ctx.client_ip.to_string(),
        outcome: outcome.as_str(),
        reason: reason.as_deref(),
    };
    if let Err(e) = state.store.record_login(&login).await {
        return ApiError::from(e).into_response();
    }
    response
}

type OpenedSession = (
    AuditNote,
    AppendHeaders<[(header::HeaderName, String); 1]>,
    Json<WhoAmI>,
);

async fn open_session(
    state: &AppState,
    ctx: &RequestContext,
    headers: &HeaderMap,
    body: LoginRequest,
) -> ApiResult<OpenedSession> {
    let attempted = body.username.clone().unwrap_or_else(|| "anonymous".into());
    if let Err(wait) = state.login_limiter.check(ctx.client_ip) {
        return Err(ApiError::too_many_requests(wait).with_audit(AuditNote::default().actor(&attempted, "none")));
    }
    let (user_id, token_name, principal) = match (body.token, body.username, body.password) {
        (Some(token), None, None) => {
            let Some(t) = state.tokens.get(&secret::digest(&token)) else {
                return Err(invalid_login("anonymous", "unknown_token"));
            };
            let p = WhoAmI {
                subject: format!("token:{}", t.name),
                display_name: t.name.clone(),
                roles: vec![t.role],
                method: AuthMethod::Token,
                expires_at: None,
                cluster_dns: None,
                scope: None,
                email: None,
                groups: vec![],
            };
            (None, Some(t.name.clone()), p)
        }
        (None, Some(username), Some(pw)) => {
            let user = state.store.user_by_username(&username).await?;
            let ok = password::verify_blocking(user.as_ref().map(|u| u.password_hash.clone()), pw).await;
            let user = match user {
                None => return Err(invalid_login(&username, "unknown_user")),
                Some(_) if !ok => return Err(invalid_login(&username, "wrong_password")),
                Some(u) if u.disabled => return Err(invalid_login(&username, "user_disabled")),
                Some(u) => u,
            };
            state.store.set_last_login(&user.id).await?;
            let p = WhoAmI {
                subject: user.username.clone(),
                display_name: user.display_name.clone(),
                roles: vec![user.role],
                method: AuthMethod::Password,
                expires_at: None,
                cluster_dns: None,
                scope: None,
                email: None,
                groups: vec![],
            };
            (Some(user.id), None, p)
        }
        _ => {
            return Err(
                ApiError::unprocessable("invalid_login", "send either token, or username and password")
                    .with_audit(AuditNote::default().actor(&attempted, "none")),
            );
        }
    };
    let ttl = state.settings.session_ttl;
    let expires_at = now() + chrono::Duration::from_std(ttl).expect("session TTL fits");
    let cookie_secret = secret::generate("");
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    state
        .store
        .insert_session(&NewSession {
            id: &secret::digest(&cookie_secret),
            user_id: user_id.as_deref(),
            token_name: token_name.as_deref(),
            method: principal.method.as_str(),
            expires_at,
            client_ip: &ctx.client_ip.to_string(),
            user_agent: &user_agent.chars().take(256).collect::<String>(),
        })
        .await?;
    let cookie = session_cookie(&cookie_secret, ttl.as_secs(), ctx.https);
    let note = AuditNote::named(&principal.subject).actor(&principal.subject, principal.method.as_str());
    let body = WhoAmI {
        expires_at: Some(expires_at),
        ..principal
    };
    Ok((note, AppendHeaders([(header::SET_COOKIE, cookie)]), Json(body)))
}

/// Ends the current console session and clears its cookie. An OIDC session answers 200 with
/// the provider's end-session URL (RP-initiated logout) for the browser to follow.
#[utoipa::path(
    post,
    path = "/api/auth/logout",
    tag = "auth",
    responses((status = 200, body = OidcLogout, description = "an OIDC session"), (status = 204), (status = 401, body = ErrorBody))
)]
async fn logout(State(state): State<AppState>, principal: Principal) -> ApiResult<Response> {
    let mut end_session_url = None;
    if let Some(session) = &principal.session {
        if let Owner::Provider(key) = &principal.owner {
            let id_token = state
                .store
                .oidc_tokens(&session.id)
                .await?
                .and_then(|t| t.oidc_id_token);
            let id_token = id_token.and_then(|t| state.oidc.open(&session.id, &t));
            let provider = key.split_once(':').map_or(key.as_str(), |(p, _)| p);
            end_session_url = Some(state.oidc.end_session_url(provider, id_token.as_deref()));
        }
        state.store.delete_session(&session.id).await?;
    }
    let clear = HeaderValue::from_static("fleetdeck_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    let cleared = AppendHeaders([(header::SET_COOKIE, clear)]);
    Ok(match end_session_url {
        Some(end_session_url) => (cleared, Json(OidcLogout { end_session_url })).into_response(),
        None => (StatusCode::NO_CONTENT, cleared).into_response(),
    })
}

/// Who the credential of this request belongs to.
#[utoipa::path(get, path = "/api/auth/whoami", tag = "auth", responses((status = 200, body = WhoAmI), (status = 401, body = ErrorBody)))]
async fn whoami(principal: Principal) -> Json<WhoAmI> {
    Json(WhoAmI {
        subject: principal.subject,
        display_name: principal.display_name,
        roles: vec![principal.role],
        method: principal.method,
        expires_at: principal.expires_at,
        cluster_dns: principal.cluster_dns,
        scope: principal.scope.map(|s| s.to_string()),
        email: principal.email,
        groups: principal.groups,
    })
}

/// Changes the signed-in user's own password; their other sessions end.
#[utoipa::path(
    put,
    path = "/api/auth/password",
    tag = "auth",
    request_body = PasswordChange,
    responses(
        (status = 204),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "wrong current password, or not a local user"),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody),
    )
)]
async fn change_password(
    State(state): State<AppState>,
    ctx: RequestContext,
    principal: Principal,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<impl IntoResponse> {
    let note = AuditNote::named(&principal.subject);
    let Some(user_id) = principal.user_id() else {
        return Err(ApiError::forbidden(
            "not_a_user",
            "bootstrap tokens have no password to change",
        ));
    };
    if principal.method == AuthMethod::ApiKey {
        return Err(ApiError::forbidden(
            "session_required",
            "sign in with your password to change it",
        ));
    }
    state
        .login_limiter
        .check(ctx.client_ip)
        .map_err(ApiError::too_many_requests)?;
    let user = state
        .store
        .user_by_id(user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such user"))?;
    if !password::verify_blocking(Some(user.password_hash), body.current_password).await {
        return Err(ApiError::forbidden("wrong_password", "the current password is wrong")
            .with_audit(note.reason("wrong_password")));
    }
    password::check_strength(&body.new_password).map_err(|m| ApiError::unprocessable("weak_password", m))?;
    let hash = password::hash_blocking(body.new_password).await;
    let keep = principal.session.as_ref().map(|s| s.id.as_str());
    state.store.change_password(user_id, &hash, keep).await?;
    state.key_cache.clear();
    bootstrap::password_changed(&state.store, user_id)
        .await
        .map_err(ApiError::internal)?;
    Ok((note, StatusCode::NO_CONTENT))
}

/// The caller's own API keys (never their secrets).
#[utoipa::path(get, path = "/api/auth/api-keys", tag = "auth", responses((status = 200, body = ApiKeyList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_api_keys(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<ApiKeyList>> {
    principal.require(Role::Viewer)?;
    let rows = state.store.api_keys_of(&principal.owner).await?;
    Ok(Json(ApiKeyList {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

/// Creates an API key for the caller; the response is the only time its secret is shown.
#[utoipa::path(
    post,
    path = "/api/auth/api-keys",
    tag = "auth",
    request_body = CreateApiKey,
    responses(
        (status = 201, body = CreatedApiKey),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn create_api_key(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<CreateApiKey>,
) -> ApiResult<impl IntoResponse> {
    principal.require(Role::Viewer)?;
    if principal.method == AuthMethod::ApiKey {
        return Err(ApiError::forbidden(
            "api_key_cannot_create_keys",
            "an API key cannot create API keys; sign in instead",
        ));
    }
    if matches!(principal.owner, Owner::Proxy(_) | Owner::Provider(_)) {
        return Err(ApiError::forbidden(
            "local_account_required",
            "API keys belong to local users and bootstrap tokens, not to users an OIDC provider or a proxy names",
        ));
    }
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::unprocessable(
            "invalid_name",
            "name must be 1 to 100 characters",
        ));
    }
    if !principal.role.may_grant(body.role) {
        return Err(ApiError::forbidden(
            "role_too_high",
            format!("you cannot create a key with the {} role", body.role),
        ));
    }
    if body.expires_at.is_some_and(|e| e <= now()) {
        return Err(ApiError::unprocessable(
            "invalid_expiry",
            "expiresAt must be in the future",
        ));
    }
    if let Some(dns) = &body.cluster_dns {
        if body.role != Role::FluxReader {
            return Err(ApiError::unprocessable(
                "invalid_cluster_binding",
                "only flux-reader keys can be bound to a cluster",
            ));
        }
        if !crate::names::is_fqdn(dns) {
            return Err(ApiError::unprocessable(
                "invalid_dns",
                format!("clusterDns {dns:?} is not a fully qualified domain name"),
            ));
        }
    }
    let scope = match (&body.scope, body.role) {
        (Some(scope), Role::Tenant | Role::Project) => {
            let scope: TenancyScope = scope
                .parse()
                .map_err(|e: String| ApiError::unprocessable("invalid_scope", e))?;
            if scope.role() != body.role {
                return Err(ApiError::unprocessable(
                    "invalid_scope",
                    format!("a {} key's scope is {}:<id>", body.role, body.role),
                ));
            }
            if !state.store.tenancy_scope_exists(&scope).await? {
                return Err(ApiError::unprocessable(
                    "unknown_scope",
                    format!("{scope} names no existing tenant or project"),
                ));
            }
            Some(scope)
        }
        (None, Role::Tenant | Role::Project) => {
            return Err(ApiError::unprocessable(
                "invalid_scope",
                format!("a {} key needs scope {}:<id>", body.role, body.role),
            ));
        }
        (Some(_), _) => {
            return Err(ApiError::unprocessable(
                "invalid_scope",
                "only tenant and project keys have a scope",
            ));
        }
        (None, _) => None,
    };
    let secret = secret::generate(secret::API_KEY_PREFIX);
    let row = state
        .store
        .insert_api_key(&NewApiKey {
            digest: &secret::digest(&secret),
            prefix: &secret::display_prefix(&secret),
            name,
            role: body.role,
            owner: &principal.owner,
            expires_at: body.expires_at,
            cluster_dns: body.cluster_dns.as_deref(),
            scope: scope.as_ref(),
        })
        .await?;
    let note = AuditNote::named(name);
    Ok((
        StatusCode::CREATED,
        note,
        Json(CreatedApiKey {
            key: row.into(),
            secret,
        }),
    ))
}

/// Revokes one of the caller's API keys.
#[utoipa::path(
    delete,
    path = "/api/auth/api-keys/{id}",
    tag = "auth",
    params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn delete_api_key(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    principal.require(Role::Viewer)?;
    let deleted = state.store.delete_api_key(&id, &principal.owner).await?;
    state.key_cache.clear();
    match deleted {
        Some(row) => Ok((AuditNote::named(row.name), StatusCode::NO_CONTENT)),
        None => Err(ApiError::not_found("you have no API key with this id")),
    }
}

/// Local users (admin).
#[utoipa::path(get, path = "/api/users", tag = "users", responses((status = 200, body = UserList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_users(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<UserList>> {
    principal.require(Role::Admin)?;
    let rows = state.store.list_users().await?;
    Ok(Json(UserList {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

fn human_role(role: Role) -> ApiResult<Role> {
    if Role::Admin.satisfies(role) {
        Ok(role)
    } else {
        Err(ApiError::unprocessable(
            "invalid_role",
            format!("users are viewer, operator or admin, not {role}"),
        ))
    }
}

/// Creates a local user (admin).
#[utoipa::path(
    post,
    path = "/api/users",
    tag = "users",
    request_body = CreateUser,
    responses(
        (status = 201, body = User),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn create_user(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult<impl IntoResponse> {
    principal.require(Role::Admin)?;
    check_username(&body.username)?;
    let role = human_role(body.role)?;
    let email = body.email.as_deref().map(crate::mail::parse_address).transpose()?;
    password::check_strength(&body.password).map_err(|m| ApiError::unprocessable("weak_password", m))?;
    let display_name = body
        .display_name
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| body.username.clone());
    let hash = password::hash_blocking(body.password).await;
    match state
        .store
        .insert_user(&NewUser {
            username: &body.username,
            display_name: display_name.trim(),
            role,
            password_hash: &hash,
            email: email.as_deref(),
        })
        .await?
    {
        Some(user) => Ok((StatusCode::CREATED, Json(User::from(user)))),
        None => Err(ApiError::conflict(
            "conflict",
            format!("a user named {} exists", body.username),
        )),
    }
}

/// One local user (admin).
#[utoipa::path(
    get,
    path = "/api/users/{username}",
    tag = "users",
    params(("username" = String, Path)),
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn get_user(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(username): ApiPath<String>,
) -> ApiResult<Json<User>> {
    principal.require(Role::Admin)?;
    let user = state
        .store
        .user_by_username(&username)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no user named {username}")))?;
    Ok(Json(user.into()))
}

fn last_admin() -> ApiError {
    ApiError::conflict("last_admin", "this would leave no enabled admin")
}

/// Changes a user's display name, role, disabled flag or password (admin).
#[utoipa::path(
    put,
    path = "/api/users/{username}",
    tag = "users",
    params(("username" = String, Path)),
    request_body = UpdateUser,
    responses(
        (status = 200, body = User),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "last_admin"),
        (status = 422, body = ErrorBody),
    )
)]
async fn update_user(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(username): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> ApiResult<Json<User>> {
    principal.require(Role::Admin)?;
    let role = body.role.map(human_role).transpose()?;
    let display_name = match body.display_name {
        Some(d) if d.trim().is_empty() => {
            return Err(ApiError::unprocessable(
                "invalid_display_name",
                "displayName cannot be empty",
            ));
        }
        d => d.map(|d| d.trim().to_string()),
    };
    let password_hash = match body.password {
        Some(p) => {
            password::check_strength(&p).map_err(|m| ApiError::unprocessable("weak_password", m))?;
            Some(password::hash_blocking(p).await)
        }
        None => None,
    };
    // An empty string removes the address.
    let email = match body.email.as_deref().map(str::trim) {
        Some("") => Some(None),
        Some(e) => Some(Some(crate::mail::parse_address(e)?)),
        None => None,
    };
    let new_password = password_hash.is_some();
    let changes = UserChanges {
        display_name,
        email,
        role,
        disabled: body.disabled,
        password_hash,
    };
    let written = state.store.update_user(&username, changes).await?;
    state.key_cache.clear();
    match written {
        UserWrite::Done(user) => {
            if new_password {
                bootstrap::password_changed(&state.store, &user.id)
                    .await
                    .map_err(ApiError::internal)?;
            }
            Ok(Json(user.into()))
        }
        UserWrite::NotFound => Err(ApiError::not_found(format!("no user named {username}"))),
        UserWrite::LastAdmin => Err(last_admin()),
    }
}

/// Deletes a user with their sessions and API keys (admin).
#[utoipa::path(
    delete,
    path = "/api/users/{username}",
    tag = "users",
    params(("username" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
async fn delete_user(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(username): ApiPath<String>,
) -> ApiResult<StatusCode> {
    principal.require(Role::Admin)?;
    let deleted = state.store.delete_user(&username).await?;
    state.key_cache.clear();
    match deleted {
        UserWrite::Done(_) => Ok(StatusCode::NO_CONTENT),
        UserWrite::NotFound => Err(ApiError::not_found(format!("no user named {username}"))),
        UserWrite::LastAdmin => Err(last_admin()),
    }
}
