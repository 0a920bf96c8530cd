//! OIDC routes: start a login, the provider's callback, logout everywhere; and the login history.
//! The callback answers a browser (Accept: text/html) that failed with a redirect to the login
//! page (`/login?error=CODE`), and any other client with the JSON error.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{AttemptedSubject, CALLBACK_PATH, LOGIN_COOKIE, claims, session};
use crate::AppState;
use crate::audit::model::Outcome;
use crate::audit::{AuditNote, AuditedRoute, AuditedRouter};
use crate::auth::model::{LoggedOutEverywhere, LoginList, LoginsQuery, OidcCallbackQuery, OidcLoginQuery};
use crate::auth::resolve::{cookie, session_cookie};
use crate::auth::{AuthMethod, Owner, Principal, Role, csrf, secret};
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::request::RequestContext;
use crate::store::logins::NewLogin;
use crate::store::now;
use crate::store::sessions::NewSession;

pub fn router() -> AuditedRouter {
    let routes = OpenApiRouter::new()
        .routes(routes!(oidc_login))
        .routes(routes!(oidc_callback))
        .routes(routes!(logout_everywhere))
        .routes(routes!(user_logins));
    AuditedRouter {
        routes,
        audited: AUDITED,
    }
}

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(Method::GET, "/api/auth/callback", "login", "session"),
    AuditedRoute::new(
        Method::GET,
        "/api/auth/logout/everywhere",
        "logout_everywhere",
        "session",
    ),
];

/// Starts an OIDC login: a redirect to the provider with state, nonce and PKCE (S256), the
/// login kept in a sealed, HttpOnly cookie scoped to the callback for 10 minutes.
#[utoipa::path(
    get,
    path = "/api/auth/login",
    tag = "auth",
    security(()),
    params(OidcLoginQuery),
    responses(
        (status = 302, description = "to the provider's authorization endpoint (or, for a browser, to /login?error=CODE on an error)", headers(("Location" = String), ("Set-Cookie" = String, description = "fleetdeck_oidc, HttpOnly, SameSite=Lax, Path=/api/auth/callback"))),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "oidc_provider_unknown"),
        (status = 503, body = ErrorBody, description = "oidc_provider_unavailable: discovery has not succeeded yet"),
    )
)]
async fn oidc_login(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    query: Result<ApiQuery<OidcLoginQuery>, ApiError>,
) -> Response {
    let begun = query.and_then(|ApiQuery(q)| {
        state
            .oidc
            .begin(&q.provider, claims::safe_redirect(q.redirect.as_deref()))
    });
    match begun {
        Ok((url, sealed)) => {
            let cookie = login_cookie(&sealed, LOGIN_TTL_SECS, ctx.https);
            (
                StatusCode::FOUND,
                AppendHeaders([(header::LOCATION, url), (header::SET_COOKIE, cookie)]),
            )
                .into_response()
        }
        Err(e) => failure_response(e, &headers),
    }
}

const LOGIN_TTL_SECS: i64 = super::LOGIN_TTL.num_seconds();

fn login_cookie(value: &str, max_age: i64, https: bool) -> String {
    let secure = if https { "; Secure" } else { "" };
    format!("{LOGIN_COOKIE}={value}; Path={CALLBACK_PATH}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// The provider sends the browser back here: the state, the code (exchanged with the PKCE
/// verifier) and the ID token are checked, the same session as a password login is created, and
/// the browser goes to the page the login started from.
#[utoipa::path(
    get,
    path = "/api/auth/callback",
    tag = "auth",
    security(()),
    params(OidcCallbackQuery),
    responses(
        (status = 302, description = "signed in: to the login's redirect path with the session cookie; or a browser's failure: to /login?error=CODE", headers(("Location" = String), ("Set-Cookie" = String, description = "fleetdeck_session, HttpOnly, SameSite=Lax"))),
        (status = 400, body = ErrorBody, description = "oidc_state_mismatch, oidc_login_expired, oidc_access_denied, oidc_login_required, oidc_provider_error, invalid_callback"),
        (status = 401, body = ErrorBody, description = "oidc_token_invalid, oidc_code_rejected (a wrong PKCE verifier, a used code), oidc_claim_missing"),
        (status = 403, body = ErrorBody, description = "no_role_mapped, ambiguous_tenancy_scope, tenancy_scope_not_found"),
        (status = 404, body = ErrorBody, description = "oidc_provider_unknown"),
        (status = 429, body = ErrorBody, headers(("Retry-After" = u64))),
        (status = 502, body = ErrorBody, description = "oidc_provider_unreachable"),
        (status = 503, body = ErrorBody, description = "oidc_provider_unavailable"),
    )
)]
async fn oidc_callback(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    query: Result<ApiQuery<OidcCallbackQuery>, ApiError>,
) -> Response {
    let mut provider = None;
    let result = match query {
        Ok(ApiQuery(q)) => sign_in(&state, &ctx, &headers, q, &mut provider).await,
        Err(e) => Err(e),
    };
    let client_ip = ctx.client_ip.to_string();
    let login = |subject, outcome: Outcome, reason| NewLogin {
        subject,
        method: AuthMethod::Oidc.as_str(),
        provider: provider.as_deref(),
        client_ip: &client_ip,
        outcome: outcome.as_str(),
        reason,
    };
    match result {
        Ok((response, subject)) => {
            if let Err(e) = state.store.record_login(&login(&subject, Outcome::Success, None)).await {
                return ApiError::from(e).into_response();
            }
            response
        }
        Err(e) => {
            let outcome = crate::audit::outcome(e.status);
            let code = e.code;
            let mut response = failure_response(e, &headers);
            let subject = response
                .extensions()
                .get::<AttemptedSubject>()
                .map_or("anonymous".to_string(), |s| s.0.clone());
            if let Err(e) = state.store.record_login(&login(&subject, outcome, Some(code))).await {
                tracing::error!(error = %e, "could not record the login");
            }
            let note = AuditNote {
                outcome: Some(outcome),
                ..AuditNote::default()
                    .actor(&subject, AuthMethod::Oidc.as_str())
                    .reason(code)
            };
            response.extensions_mut().insert(note);
            let clear = login_cookie("", 0, ctx.https);
            if let Ok(v) = HeaderValue::from_str(&clear) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            response
        }
    }
}

/// The callback's work; the answer and who signed in.
async fn sign_in(
    state: &AppState,
    ctx: &RequestContext,
    headers: &HeaderMap,
    q: OidcCallbackQuery,
    provider: &mut Option<String>,
) -> Result<(Response, String), ApiError> {
    state
        .login_limiter
        .check(ctx.client_ip)
        .map_err(ApiError::too_many_requests)?;
    let cookie = cookie(headers, LOGIN_COOKIE);
    let attempt = state.oidc.attempt(cookie, q.state.as_deref().unwrap_or_default())?;
    *provider = Some(attempt.provider.clone());
    if let Some(error) = &q.error {
        return Err(super::provider_error(error, q.error_description.as_deref()));
    }
    let Some(code) = q.code.as_deref().filter(|c| !c.is_empty()) else {
        return Err(ApiError::bad_request("invalid_callback", "the callback has no code"));
    };
    let signed = state.oidc.complete(&attempt, code).await?;
    let identity = signed.identity.clone().expect("a login's tokens carry an ID token");
    if !session::scope_exists(state, identity.scope.as_ref()).await? {
        let scope = identity.scope.as_ref().map(ToString::to_string).unwrap_or_default();
        let message = format!("your groups map to {scope}, which does not exist");
        return Err(ApiError::forbidden("tenancy_scope_not_found", message)
            .with_extension(super::AttemptedSubject(identity.subject.clone())));
    }
    let ttl = state.settings.session_ttl;
    let expires_at = now() + chrono::Duration::from_std(ttl).expect("session TTL fits");
    let cookie_secret = secret::generate("");
    let id = secret::digest(&cookie_secret);
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let new = NewSession {
        id: &id,
        user_id: None,
        token_name: None,
        method: AuthMethod::Oidc.as_str(),
        expires_at,
        client_ip: &ctx.client_ip.to_string(),
        user_agent: &user_agent.chars().take(256).collect::<String>(),
    };
    session::store_identity(state, &id, &attempt.provider, &identity, &signed, Some(&new)).await?;
    let note = AuditNote::named(&identity.subject).actor(&identity.subject, AuthMethod::Oidc.as_str());
    let response = (
        StatusCode::FOUND,
        note,
        AppendHeaders([
            (header::LOCATION, attempt.redirect.clone()),
            (
                header::SET_COOKIE,
                session_cookie(&cookie_secret, ttl.as_secs(), ctx.https),
            ),
            (header::SET_COOKIE, login_cookie("", 0, ctx.https)),
        ]),
    )
        .into_response();
    Ok((response, identity.subject))
}

/// A browser navigation (it accepts HTML) lands on the login page showing the code; others get JSON.
fn failure_response(e: ApiError, headers: &HeaderMap) -> Response {
    let browser = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let mut response = e.into_response();
    if browser {
        let code = response
            .extensions()
            .get::<crate::error::ErrorCode>()
            .map_or("oidc_login_failed", |c| c.0);
        *response.status_mut() = StatusCode::FOUND;
        response.headers_mut().insert(
            header::LOCATION,
            HeaderValue::from_str(&format!("/login?error={code}")).expect("codes are header-safe"),
        );
    }
    response
}

/// Ends every session of the caller (all browsers), not only this one. A GET, as the issue names
/// it, yet it needs the session cookie and passes the same origin check as cookie writes
/// (a link from another site is refused), and answers JSON.
#[utoipa::path(
    get,
    path = "/api/auth/logout/everywhere",
    tag = "auth",
    responses(
        (status = 200, body = LoggedOutEverywhere, headers(("Set-Cookie" = String, description = "clears fleetdeck_session"))),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "session_required (a Bearer credential), csrf_rejected"),
    )
)]
async fn logout_everywhere(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    principal: Principal,
) -> ApiResult<impl IntoResponse> {
    if principal.session.is_none() {
        return Err(ApiError::forbidden(
            "session_required",
            "logout everywhere ends console sessions: call it with the session cookie",
        ));
    }
    csrf::check(&headers, &ctx.own_origin(&headers), &state.settings.trusted_origins)
        .map_err(|reason| ApiError::forbidden("csrf_rejected", reason))?;
    let ended = match &principal.owner {
        Owner::User(id) => state.store.delete_sessions_of(Some(id), None).await?,
        Owner::Token(name) => state.store.delete_sessions_of(None, Some(name)).await?,
        Owner::Provider(key) => {
            let (provider, subject) = key.split_once(':').expect("provider:subject");
            state.store.delete_oidc_sessions(provider, subject).await?
        }
        // A proxy names its users on each request: they hold no session (refused above).
        Owner::Proxy(_) => 0,
    };
    let clear = session_cookie("", 0, ctx.https);
    Ok((
        AuditNote::named(&principal.subject),
        AppendHeaders([(header::SET_COOKIE, clear)]),
        Json(LoggedOutEverywhere { sessions_ended: ended }),
    ))
}

/// A user's sign-in attempts, newest first (admin, or the user themselves). Any subject may be
/// asked for: OIDC users have no local account.
#[utoipa::path(
    get,
    path = "/api/users/{username}/logins",
    tag = "users",
    params(("username" = String, Path), LoginsQuery),
    responses(
        (status = 200, body = LoginList),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn user_logins(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(username): ApiPath<String>,
    ApiQuery(q): ApiQuery<LoginsQuery>,
) -> ApiResult<Json<LoginList>> {
    if principal.subject != username {
        principal.require(Role::Admin)?;
    }
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::unprocessable("invalid_limit", "limit must be 1 to 200"));
    }
    let rows = state.store.logins_of(&username, q.before.as_deref(), limit + 1).await?;
    let more = rows.len() > limit as usize;
    let items: Vec<_> = rows.into_iter().take(limit as usize).map(Into::into).collect();
    let next = more
        .then(|| items.last().map(|l: &crate::auth::model::Login| l.id.clone()))
        .flatten();
    Ok(Json(LoginList { items, next }))
}
