//! OIDC login, backend-for-frontend: Fleetdeck is the OAuth client (Authorization Code + PKCE),
//! the browser only ever holds the session cookie. Providers are discovered in the background
//! (retried while unreachable); their JWKS is refetched when a token names an unknown key.

use std::str::FromStr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreJsonWebKeySet, CoreTokenResponse};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl,
    ProviderMetadataWithLogout, RedirectUrl, RefreshToken, RequestTokenError, Scope, SignatureVerificationError,
    TokenResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::kube::secret_box::{self, SecretKey};

pub mod claims;
pub mod config;
pub mod routes;
pub mod session;

use claims::Identity;
use config::ProviderConfig;

type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// The cookie holding a login in progress, scoped to the callback.
pub const LOGIN_COOKIE: &str = "fleetdeck_oidc";
pub const CALLBACK_PATH: &str = "/api/auth/callback";
/// How long a login may take at the provider.
pub const LOGIN_TTL: chrono::TimeDelta = chrono::TimeDelta::minutes(10);
/// What sealed login cookies are bound to, so no other sealed value opens as one.
const LOGIN_BINDING: &str = "oidc-login";
/// A token naming an unknown key refetches the JWKS at most this often per provider.
const JWKS_REFETCH_GAP: Duration = Duration::from_secs(10);
/// Discovery retries back off up to this.
const DISCOVERY_MAX_WAIT: Duration = Duration::from_secs(60);

/// One configured provider and what discovery found.
pub struct Provider {
    pub config: ProviderConfig,
    metadata: RwLock<Option<Arc<ProviderMetadataWithLogout>>>,
    /// When an unknown key last made us refetch the JWKS.
    jwks_refetched: Mutex<Option<Instant>>,
}

impl Provider {
    pub fn available(&self) -> bool {
        self.metadata.read().expect("not poisoned").is_some()
    }

    fn metadata(&self) -> Result<Arc<ProviderMetadataWithLogout>, ApiError> {
        self.metadata.read().expect("not poisoned").clone().ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "oidc_provider_unavailable",
                format!("{} cannot be reached yet; try again shortly", self.config.name),
            )
        })
    }
}

/// Every provider, the HTTP client that talks to them, and what logins need from the settings.
pub struct Oidc {
    providers: Vec<Arc<Provider>>,
    http: openidconnect::reqwest::Client,
    /// `{public_url}/api/auth/callback`; set whenever providers are.
    redirect_uri: Option<RedirectUrl>,
    public_url: Option<String>,
    key: Option<SecretKey>,
}

/// A login in progress, sealed into the login cookie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginAttempt {
    pub provider: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub redirect: String,
    pub expires_at: DateTime<Utc>,
}

/// Who a refused login was, when the ID token told (for the login history and the audit row).
#[derive(Debug, Clone)]
pub struct AttemptedSubject(pub String);

/// Tokens from the provider, as a session keeps them.
#[derive(Debug)]
pub struct Tokens {
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    /// When the ID token (else the access token) expires.
    pub expires_at: DateTime<Utc>,
}

/// A completed login or refresh: who, and their tokens. `identity` is `None` after a refresh
/// that brought no new ID token.
#[derive(Debug)]
pub struct Signed {
    pub identity: Option<Identity>,
    pub tokens: Tokens,
}

fn refused(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::from_u16(status).expect("a valid status"),
        code,
        message,
    )
}

impl Oidc {
    pub fn new(providers: Vec<ProviderConfig>, public_url: Option<String>, key: Option<SecretKey>) -> Oidc {
        let http = openidconnect::reqwest::ClientBuilder::new()
            // The token endpoint must not redirect us elsewhere (the spec's SSRF warning).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("the HTTP client builds");
        let redirect_uri = public_url
            .as_ref()
            .map(|u| RedirectUrl::new(format!("{u}{CALLBACK_PATH}")).expect("the public URL was validated"));
        Oidc {
            providers: providers
                .into_iter()
                .map(|config| {
                    Arc::new(Provider {
                        config,
                        metadata: RwLock::default(),
                        jwks_refetched: Mutex::default(),
                    })
                })
                .collect(),
            http,
            redirect_uri,
            public_url,
            key,
        }
    }

    pub fn providers(&self) -> &[Arc<Provider>] {
        &self.providers
    }

    /// Discovers each provider in the background, retrying with backoff while it cannot be reached.
    pub fn spawn_discovery(self: &Arc<Self>) -> Vec<tokio::task::JoinHandle<()>> {
        self.providers
            .iter()
            .map(|p| {
                let (oidc, provider) = (self.clone(), p.clone());
                tokio::spawn(async move { oidc.discover_until_found(&provider).await })
            })
            .collect()
    }

    async fn discover_until_found(&self, provider: &Provider) {
        let mut wait = Duration::from_secs(1);
        loop {
            match self.discover(&provider.config.issuer).await {
                Ok(metadata) => {
                    tracing::info!(provider = provider.config.id, "OIDC provider discovered");
                    *provider.metadata.write().expect("not poisoned") = Some(Arc::new(metadata));
                    return;
                }
                Err(e) => {
                    tracing::warn!(
                        provider = provider.config.id,
                        issuer = provider.config.issuer,
                        error = e,
                        retry_in_s = wait.as_secs(),
                        "OIDC provider discovery failed; its login is unavailable until it succeeds"
                    );
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(DISCOVERY_MAX_WAIT);
                }
            }
        }
    }

    async fn discover(&self, issuer: &str) -> Result<ProviderMetadataWithLogout, String> {
        let issuer = IssuerUrl::new(issuer.to_string()).map_err(|e| e.to_string())?;
        ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| error_chain(&e))
    }

    pub fn provider(&self, id: &str) -> Result<&Arc<Provider>, ApiError> {
        self.providers.iter().find(|p| p.config.id == id).ok_or_else(|| {
            refused(
                404,
                "oidc_provider_unknown",
                format!("no OIDC provider {id:?} is configured"),
            )
        })
    }

    fn client(&self, provider: &Provider, metadata: &Arc<ProviderMetadataWithLogout>) -> Client {
        let c = &provider.config;
        let client = CoreClient::from_provider_metadata(
            (**metadata).clone(),
            ClientId::new(c.client_id.clone()),
            Some(c.client_secret.clone()),
        );
        match &self.redirect_uri {
            Some(uri) => client.set_redirect_uri(uri.clone()),
            None => client,
        }
    }

    fn key(&self) -> &SecretKey {
        self.key
            .as_ref()
            .expect("settings require the secret key with OIDC providers")
    }

    /// Starts a login: the provider's authorization URL and the sealed login cookie's value.
    pub fn begin(&self, provider_id: &str, redirect: String) -> Result<(String, String), ApiError> {
        let provider = self.provider(provider_id)?;
        let client = self.client(provider, &provider.metadata()?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let scopes = provider.config.scopes.iter().filter(|s| *s != "openid");
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scopes(scopes.map(|s| Scope::new(s.clone())))
            .set_pkce_challenge(challenge)
            .url();
        let attempt = LoginAttempt {
            provider: provider_id.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
            redirect,
            expires_at: crate::store::now() + LOGIN_TTL,
        };
        let json = serde_json::to_vec(&attempt).expect("serializes");
        Ok((url.to_string(), secret_box::seal(self.key(), LOGIN_BINDING, &json)))
    }

    /// The login a callback belongs to: its cookie opened, its state compared, its age checked.
    pub fn attempt(&self, cookie: Option<&str>, state: &str) -> Result<LoginAttempt, ApiError> {
        let expired = || {
            refused(
                400,
                "oidc_login_expired",
                "no login is in progress in this browser (it took over 10 minutes, or started elsewhere); sign in again",
            )
        };
        let sealed = cookie.ok_or_else(expired)?;
        let attempt: LoginAttempt = secret_box::open(self.key(), LOGIN_BINDING, sealed)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or_else(expired)?;
        check_attempt(&attempt, state, crate::store::now())?;
        Ok(attempt)
    }

    /// Exchanges the callback's code (with the login's PKCE verifier) and validates the ID token.
    pub async fn complete(&self, attempt: &LoginAttempt, code: &str) -> Result<Signed, ApiError> {
        let provider = self.provider(&attempt.provider)?;
        let client = self.client(provider, &provider.metadata()?);
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(ApiError::internal)?
            .set_pkce_verifier(PkceCodeVerifier::new(attempt.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| token_request_failed(provider, e))?;
        let nonce = Nonce::new(attempt.nonce.clone());
        self.signed(provider, response, None, Some(&nonce)).await
    }

    /// Renews tokens with a refresh token; an error says why (for the log), the session ends.
    pub async fn refresh(&self, provider_id: &str, refresh_token: &str) -> Result<Signed, ApiError> {
        let provider = self.provider(provider_id)?;
        let client = self.client(provider, &provider.metadata()?);
        let token = RefreshToken::new(refresh_token.to_string());
        let response = client
            .exchange_refresh_token(&token)
            .map_err(ApiError::internal)?
            .request_async(&self.http)
            .await
            .map_err(|e| token_request_failed(provider, e))?;
        self.signed(provider, response, Some(refresh_token), None).await
    }

    async fn signed(
        &self,
        provider: &Provider,
        response: CoreTokenResponse,
        old_refresh_token: Option<&str>,
        nonce: Option<&Nonce>,
    ) -> Result<Signed, ApiError> {
        let refresh_token = response
            .refresh_token()
            .map(|t| t.secret().clone())
            .or_else(|| old_refresh_token.map(str::to_string));
        let Some(id_token) = response.id_token() else {
            if nonce.is_some() {
                return Err(token_invalid("the provider sent no ID token"));
            }
            let lifetime = response.expires_in().unwrap_or(Duration::from_secs(300));
            let tokens = Tokens {
                refresh_token,
                id_token: None,
                expires_at: crate::store::now() + chrono::Duration::from_std(lifetime).unwrap_or_default(),
            };
            return Ok(Signed { identity: None, tokens });
        };
        let (claims, expires_at) = self.verify(provider, id_token, nonce).await?;
        let identity = claims::identity(&provider.config, &claims).map_err(|r| {
            let status = match r.code {
                "no_role_mapped" | "ambiguous_tenancy_scope" => 403,
                _ => 401,
            };
            let error = refused(status, r.code, r.message);
            match r.subject {
                Some(s) => error.with_extension(AttemptedSubject(s)),
                None => error,
            }
        })?;
        Ok(Signed {
            identity: Some(identity),
            tokens: Tokens {
                refresh_token,
                id_token: Some(id_token.to_string()),
                expires_at,
            },
        })
    }

    /// Validates an ID token (signature through the JWKS, issuer, audience, expiry and, at login,
    /// the nonce), refetching the JWKS once when it names an unknown key. Returns its claims.
    async fn verify(
        &self,
        provider: &Provider,
        id_token: &CoreIdToken,
        nonce: Option<&Nonce>,
    ) -> Result<(Map<String, Value>, DateTime<Utc>), ApiError> {
        let mut refetched = false;
        loop {
            let metadata = provider.metadata()?;
            let client = self.client(provider, &metadata);
            let verifier = client.id_token_verifier();
            let verified = match nonce {
                Some(n) => id_token.claims(&verifier, n).map(|c| c.expiration()),
                // A refreshed ID token carries no new nonce to compare.
                None => id_token
                    .claims(&verifier, |_: Option<&Nonce>| Ok(()))
                    .map(|c| c.expiration()),
            };
            match verified {
                Ok(expires_at) => {
                    let claims = payload(&id_token.to_string()).ok_or_else(|| token_invalid("unreadable claims"))?;
                    return Ok((claims, expires_at));
                }
                Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey))
                    if !refetched && self.may_refetch_jwks(provider) =>
                {
                    refetched = true;
                    let jwks = CoreJsonWebKeySet::fetch_async(metadata.jwks_uri(), &self.http)
                        .await
                        .map_err(|e| provider_unreachable(provider, &error_chain(&e)))?;
                    tracing::info!(
                        provider = provider.config.id,
                        "refetched the provider's JWKS (key rotation)"
                    );
                    let updated = (*metadata).clone().set_jwks(jwks);
                    *provider.metadata.write().expect("not poisoned") = Some(Arc::new(updated));
                }
                Err(e) => return Err(token_invalid(&e.to_string())),
            }
        }
    }

    fn may_refetch_jwks(&self, provider: &Provider) -> bool {
        let mut last = provider.jwks_refetched.lock().expect("not poisoned");
        let now = Instant::now();
        if last.is_some_and(|t| now.duration_since(t) < JWKS_REFETCH_GAP) {
            return false;
        }
        *last = Some(now);
        true
    }

    /// The provider's RP-initiated logout URL, when it advertises an end-session endpoint.
    pub fn end_session_url(&self, provider_id: &str, id_token: Option<&str>) -> Option<String> {
        let provider = self.provider(provider_id).ok()?;
        let metadata = provider.metadata().ok()?;
        let endpoint = metadata.additional_metadata().end_session_endpoint.clone()?;
        let back = PostLogoutRedirectUrl::new(format!("{}/", self.public_url.as_deref()?)).ok()?;
        let mut request = LogoutRequest::from(endpoint)
            .set_client_id(ClientId::new(provider.config.client_id.clone()))
            .set_post_logout_redirect_uri(back);
        if let Some(token) = id_token.and_then(|t| CoreIdToken::from_str(t).ok()) {
            request = request.set_id_token_hint(&token);
        }
        Some(request.http_get_url().to_string())
    }

    /// Seals a token for the session `session_id` (only that session's row opens it).
    pub fn seal(&self, session_id: &str, token: &str) -> String {
        secret_box::seal(self.key(), &format!("oidc-session:{session_id}"), token.as_bytes())
    }

    pub fn open(&self, session_id: &str, sealed: &str) -> Option<String> {
        let bytes = secret_box::open(self.key(), &format!("oidc-session:{session_id}"), sealed).ok()?;
        String::from_utf8(bytes).ok()
    }
}

/// The state must match and the login must be recent.
fn check_attempt(attempt: &LoginAttempt, state: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    if attempt.state != state {
        return Err(refused(
            400,
            "oidc_state_mismatch",
            "the callback's state does not match this browser's login; sign in again",
        ));
    }
    if attempt.expires_at <= now {
        return Err(refused(
            400,
            "oidc_login_expired",
            "the login took over 10 minutes; sign in again",
        ));
    }
    Ok(())
}

/// A JWT's claims, read after its signature was verified.
fn payload(jwt: &str) -> Option<Map<String, Value>> {
    let part = jwt.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
}

fn token_invalid(why: &str) -> ApiError {
    refused(
        401,
        "oidc_token_invalid",
        format!("the provider's ID token is not valid: {why}"),
    )
}

fn provider_unreachable(provider: &Provider, why: &str) -> ApiError {
    tracing::warn!(
        provider = provider.config.id,
        error = why,
        "OIDC provider request failed"
    );
    refused(
        502,
        "oidc_provider_unreachable",
        format!("{} did not answer as expected; try again", provider.config.name),
    )
}

/// The provider refused the code or refresh token (`invalid_grant`: a wrong PKCE verifier, a
/// used or expired code, a revoked refresh token), or could not be reached.
fn token_request_failed<RE: std::error::Error + 'static, T: openidconnect::ErrorResponse + 'static>(
    provider: &Provider,
    e: RequestTokenError<RE, T>,
) -> ApiError {
    match e {
        RequestTokenError::ServerResponse(r) => refused(
            401,
            "oidc_code_rejected",
            format!("{} refused the request: {}", provider.config.name, r),
        ),
        other => provider_unreachable(provider, &error_chain(&other)),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The `error` a provider sent back instead of a code (`access_denied`…), as our code.
pub fn provider_error(error: &str, description: Option<&str>) -> ApiError {
    let code = match error {
        "access_denied" => "oidc_access_denied",
        "login_required" | "interaction_required" | "consent_required" => "oidc_login_required",
        _ => "oidc_provider_error",
    };
    let detail = description.map(|d| format!(": {d}")).unwrap_or_default();
    refused(400, code, format!("the provider answered {error}{detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(expires_at: DateTime<Utc>) -> LoginAttempt {
        LoginAttempt {
            provider: "dex".into(),
            state: "s1".into(),
            nonce: "n".into(),
            verifier: "v".into(),
            redirect: "/".into(),
            expires_at,
        }
    }

    #[test]
    fn a_callback_needs_the_same_state_within_ten_minutes() {
        let now = Utc::now();
        assert!(check_attempt(&attempt(now + LOGIN_TTL), "s1", now).is_ok());
        assert_eq!(
            check_attempt(&attempt(now + LOGIN_TTL), "s2", now).unwrap_err().code,
            "oidc_state_mismatch"
        );
        assert_eq!(
            check_attempt(&attempt(now), "s1", now).unwrap_err().code,
            "oidc_login_expired"
        );
    }

    #[test]
    fn login_cookies_open_only_with_the_key_and_unaltered() {
        let key = SecretKey::from_base64(&base64::engine::general_purpose::STANDARD.encode([7u8; 32])).unwrap();
        let oidc = Oidc::new(vec![], None, Some(key));
        let a = attempt(crate::store::now() + LOGIN_TTL);
        let sealed = secret_box::seal(oidc.key(), LOGIN_BINDING, &serde_json::to_vec(&a).unwrap());
        assert_eq!(oidc.attempt(Some(&sealed), "s1").unwrap(), a);
        let mut altered = sealed.clone();
        altered.pop();
        altered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(
            oidc.attempt(Some(&altered), "s1").unwrap_err().code,
            "oidc_login_expired"
        );
        assert_eq!(oidc.attempt(None, "s1").unwrap_err().code, "oidc_login_expired");
        assert_eq!(oidc.open("a", &oidc.seal("a", "t")).as_deref(), Some("t"));
        assert_eq!(oidc.open("b", &oidc.seal("a", "t")), None, "bound to its session");
    }

    #[test]
    fn provider_errors_have_codes() {
        assert_eq!(provider_error("access_denied", None).code, "oidc_access_denied");
        assert_eq!(provider_error("login_required", None).code, "oidc_login_required");
        assert_eq!(provider_error("server_error", Some("x")).code, "oidc_provider_error");
    }
}
