//! The authentication middleware: turns a Bearer credential, a trusted proxy's identity headers or
//! the session cookie into a `Principal` in the request's extensions, and applies the CSRF check to
//! cookie and proxy writes (a browser sends the proxy's cookie along on a cross-site form post too)
//! and the scope gate to the tenancy roles.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, Utc};

use super::secret::{API_KEY_PREFIX, digest};
use super::{AuthMethod, BootstrapToken, Owner, Principal, SessionRef, csrf, project_token, scope_gate};
use crate::AppState;
use crate::error::ApiError;
use crate::request::RequestContext;
use crate::store::now;

pub const SESSION_COOKIE: &str = "fleetdeck_session";

/// The `Set-Cookie` value of a session (`max_age` 0 clears it); Secure when the client came over https.
pub fn session_cookie(secret: &str, max_age: u64, https: bool) -> String {
    let secure = if https { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// last_used_at is written at most this often per key.
const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let ctx = req.extensions().get::<RequestContext>().cloned().unwrap_or_default();
    let principal = match resolve(&state, req.method(), req.headers(), ctx.peer_trusted).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if let Some(p) = &principal
        && (p.session.is_some() || p.method == AuthMethod::Proxy)
        && csrf::is_write(req.method())
        && let Err(reason) = csrf::check(
            req.headers(),
            &ctx.own_origin(req.headers()),
            &state.settings.trusted_origins,
        )
    {
        let mut response = ApiError::forbidden("csrf_rejected", reason).into_response();
        response.extensions_mut().insert(p.clone());
        return response;
    }
    if let Some(p) = &principal
        && let Err(e) = scope_gate::check(p.role, req.uri().path())
    {
        let mut response = e.into_response();
        response.extensions_mut().insert(p.clone());
        return response;
    }
    if let Some(p) = &principal {
        req.extensions_mut().insert(p.clone());
    }
    let mut response = next.run(req).await;
    if let Some(p) = principal {
        response.extensions_mut().insert(p);
    }
    response
}

/// The Authorization header wins; then a trusted proxy's identity headers; then the session cookie.
async fn resolve(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
    peer_trusted: bool,
) -> Result<Option<Principal>, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let Some(token) = value.to_str().ok().and_then(|v| credential(v, method)) else {
            state.metrics.auth_rejected("malformed_authorization");
            return Err(ApiError::unauthenticated(
                "invalid_credentials",
                "expected Authorization: Bearer <token or API key> (or, for reads, Basic with the token or key as password)",
            ));
        };
        return match bearer(state, &token).await? {
            Some(p) => Ok(Some(p)),
            None => {
                state.metrics.auth_rejected("invalid_bearer");
                Err(ApiError::unauthenticated(
                    "invalid_credentials",
                    "the token or API key is not valid",
                ))
            }
        };
    }
    if let Some(proxy) = &state.settings.proxy_auth
        && peer_trusted
        && let Some(p) = proxy.principal(headers)?
    {
        return Ok(Some(p));
    }
    match session_secret(headers) {
        Some(secret) => session(state, secret).await,
        None => Ok(None),
    }
}

/// What authenticated a request (its Authorization header and cookies), kept by a long-lived
/// stream to check later that it still works.
#[derive(Clone)]
pub struct Credentials {
    headers: HeaderMap,
    /// Named by a trusted proxy: asserted afresh on each request, nothing of ours ends it.
    proxy: bool,
}

impl Credentials {
    pub fn of(headers: &HeaderMap, principal: &Principal) -> Credentials {
        let mut kept = HeaderMap::new();
        for name in [header::AUTHORIZATION, header::COOKIE] {
            for value in headers.get_all(&name) {
                kept.append(name.clone(), value.clone());
            }
        }
        Credentials {
            headers: kept,
            proxy: principal.method == AuthMethod::Proxy,
        }
    }

    /// Whether they still authenticate `subject`: false once the session ended or expired, the
    /// key was revoked, the user disabled, or the store cannot tell (fail closed).
    pub async fn still_valid(&self, state: &AppState, subject: &str) -> bool {
        self.proxy
            || matches!(resolve(state, &Method::GET, &self.headers, false).await, Ok(Some(p)) if p.subject == subject)
    }
}

fn token_principal(t: &BootstrapToken) -> Principal {
    Principal::new(
        format!("token:{}", t.name),
        t.name.clone(),
        t.role,
        AuthMethod::Token,
        Owner::Token(t.name.clone()),
    )
}

/// A bootstrap token or an API key.
async fn bearer(state: &AppState, token: &str) -> Result<Option<Principal>, ApiError> {
    let digest = digest(token);
    if let Some(t) = state.tokens.get(&digest) {
        return Ok(Some(token_principal(t)));
    }
    if token.starts_with(project_token::PREFIX) {
        let claims = (state.settings.secret_key.as_ref()).and_then(|key| project_token::verify(key, token, now()));
        return Ok(claims.map(|c| project_token::principal(&c)));
    }
    if !token.starts_with(API_KEY_PREFIX) {
        return Ok(None);
    }
    if let Some(p) = state.key_cache.get(&digest) {
        return Ok(Some(p));
    }
    let Some(key) = state.store.api_key_by_digest(&digest).await? else {
        return Ok(None);
    };
    let at = now();
    if key.expires_at.is_some_and(|e| e <= at) {
        return Ok(None);
    }
    let principal = match (&key.user_id, &key.token_name) {
        (Some(user_id), _) => {
            let role = key.user_role.as_deref().and_then(|r| r.parse().ok());
            match (role, key.disabled, &key.username) {
                (Some(role), Some(false), Some(username)) if super::Role::may_grant(role, key.role) => Principal {
                    expires_at: key.expires_at,
                    cluster_dns: key.cluster_dns.clone(),
                    scope: key.scope.clone(),
                    ..Principal::new(
                        username.clone(),
                        key.display_name.clone().unwrap_or_default(),
                        key.role,
                        AuthMethod::ApiKey,
                        Owner::User(user_id.clone()),
                    )
                },
                _ => return Ok(None),
            }
        }
        (None, Some(name)) => match state.token_named(name) {
            Some(t) if t.role.may_grant(key.role) => Principal {
                role: key.role,
                method: AuthMethod::ApiKey,
                expires_at: key.expires_at,
                cluster_dns: key.cluster_dns.clone(),
                scope: key.scope.clone(),
                ..token_principal(t)
            },
            _ => return Ok(None),
        },
        (None, None) => return Ok(None),
    };
    if key.last_used_at.is_none_or(|t: DateTime<Utc>| at - t >= TOUCH_EVERY) {
        state.store.touch_api_key(&key.id, at).await?;
    }
    state.key_cache.insert(digest, principal.clone());
    Ok(Some(principal))
}

/// The session cookie's principal; an unknown or expired session is no principal at all.
async fn session(state: &AppState, secret: &str) -> Result<Option<Principal>, ApiError> {
    let Some(row) = state.store.live_session(&digest(secret)).await? else {
        return Ok(None);
    };
    let session = Some(SessionRef {
        id: row.id.clone(),
        expires_at: row.expires_at,
    });
    let principal = match (&row.user_id, &row.token_name) {
        (Some(user_id), _) => match (row.user_role(), row.disabled, &row.username) {
            (Some(role), Some(false), Some(username)) => Principal {
                session,
                expires_at: Some(row.expires_at),
                ..Principal::new(
                    username.clone(),
                    row.display_name.clone().unwrap_or_default(),
                    role,
                    AuthMethod::Password,
                    Owner::User(user_id.clone()),
                )
            },
            _ => return Ok(None),
        },
        (None, Some(name)) => match state.token_named(name) {
            Some(t) => Principal {
                session,
                expires_at: Some(row.expires_at),
                ..token_principal(t)
            },
            None => return Ok(None),
        },
        (None, None) if row.oidc_provider.is_some() => return super::oidc::session::principal(state, row).await,
        (None, None) => return Ok(None),
    };
    Ok(Some(principal))
}

/// The token or API key of an Authorization header: `Bearer <secret>`, or — for reads only, since
/// browsers resend Basic credentials on their own — `Basic` with the secret as the password.
fn credential(value: &str, method: &Method) -> Option<String> {
    let (scheme, rest) = value.split_once(' ')?;
    let rest = rest.trim();
    let secret = if scheme.eq_ignore_ascii_case("bearer") {
        rest.to_string()
    } else if scheme.eq_ignore_ascii_case("basic") && matches!(*method, Method::GET | Method::HEAD) {
        let decoded = base64::engine::general_purpose::STANDARD.decode(rest).ok()?;
        let (_, password) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
        password.to_string()
    } else {
        return None;
    };
    (!secret.is_empty()).then_some(secret)
}

/// The value of the `fleetdeck_session` cookie.
pub fn session_secret(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, SESSION_COOKIE)
}

/// The value of the cookie `name`, when set and not empty.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_from_bearer_and_basic_reads() {
        assert_eq!(credential("Bearer abc", &Method::POST).as_deref(), Some("abc"));
        assert_eq!(credential("bearer  abc ", &Method::GET).as_deref(), Some("abc"));
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("flux:fdk_secret")
        );
        assert_eq!(credential(&basic, &Method::GET).as_deref(), Some("fdk_secret"));
        assert_eq!(credential(&basic, &Method::POST), None, "Basic is for reads only");
        assert_eq!(credential("Basic !!!", &Method::GET), None);
        assert_eq!(credential("Bearer ", &Method::GET), None);
        assert_eq!(credential("Digest x", &Method::GET), None);
    }

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            "theme=dark; fleetdeck_session=abc123; other=1".parse().unwrap(),
        );
        assert_eq!(session_secret(&h), Some("abc123"));
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, "a=1".parse().unwrap());
        h.append(header::COOKIE, "fleetdeck_session=xyz".parse().unwrap());
        assert_eq!(session_secret(&h), Some("xyz"));
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, "fleetdeck_session=; x=1".parse().unwrap());
        assert_eq!(session_secret(&h), None);
    }
}
