//! Auth API types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AuthMethod, Role};
use crate::store::api_keys::ApiKeyRow;
use crate::store::users::UserRow;

/// What the login page offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthConfig {
    /// `token` and/or `password`.
    pub methods: Vec<String>,
    /// OIDC providers: sign in at `GET /api/auth/login?provider={id}`.
    pub providers: Vec<AuthProvider>,
    /// Self-service registration is on (POST /api/auth/register).
    pub registration: bool,
    /// A trusted reverse proxy signs users in: the console has no login page to show.
    pub proxy: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthProvider {
    pub id: String,
    /// Display name for the login page.
    pub name: String,
    /// False until the provider's discovery succeeded (it is retried while unreachable).
    pub available: bool,
}

/// Either `token`, or `username` and `password`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub token: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WhoAmI {
    /// The username, or `token:<name>` for a bootstrap token.
    pub subject: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub method: AuthMethod,
    /// When this session or API key stops working; `null` for none.
    pub expires_at: Option<DateTime<Utc>>,
    /// A key bound to one cluster: that cluster's dns (the only Flux inputs it reads).
    pub cluster_dns: Option<String>,
    /// A `tenant` or `project` key's scope: `tenant:<id>` or `project:<id>`.
    pub scope: Option<String>,
    /// From an OIDC provider: the user's email and groups.
    pub email: Option<String>,
    pub groups: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateApiKey {
    pub name: String,
    /// No higher than the creator's own role.
    pub role: Role,
    /// RFC 3339, in the future; absent for a key that does not expire.
    pub expires_at: Option<DateTime<Utc>>,
    /// For `flux-reader` keys: the one cluster (by dns) whose Flux inputs the key may read.
    pub cluster_dns: Option<String>,
    /// For `tenant` and `project` keys (required): `tenant:<id>` or `project:<id>`, an existing
    /// tenant or project of the key's role.
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The cluster a `flux-reader` key is bound to.
    pub cluster_dns: Option<String>,
    /// The tenant or project a `tenant` or `project` key reaches: `tenant:<id>`, `project:<id>`.
    pub scope: Option<String>,
}

/// A new key: the only response that ever shows `secret`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKey,
    /// The key itself; send it as `Authorization: Bearer <secret>`. Shown once.
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyList {
    pub items: Vec<ApiKey>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub username: String,
    pub display_name: String,
    /// The user's mail address: set by an admin or verified at self-service registration.
    pub email: Option<String>,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<User>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateUser {
    /// 1–63 lowercase letters, digits, '-', '_' or '.'.
    pub username: String,
    /// Defaults to the username.
    pub display_name: Option<String>,
    /// viewer, operator or admin.
    pub role: Role,
    /// At least 12 characters.
    pub password: String,
    /// The user's mail address.
    pub email: Option<String>,
}

/// Absent fields are left as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateUser {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// A new password (an admin reset); ends the user's sessions.
    pub password: Option<String>,
    /// A new mail address; an empty string removes it.
    pub email: Option<String>,
}

impl From<ApiKeyRow> for ApiKey {
    fn from(r: ApiKeyRow) -> ApiKey {
        ApiKey {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            role: r.role,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            expires_at: r.expires_at,
            cluster_dns: r.cluster_dns,
            scope: r.scope.map(|s| s.to_string()),
        }
    }
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> User {
        User {
            username: r.username,
            display_name: r.display_name,
            email: r.email,
            role: r.role,
            disabled: r.disabled,
            created_at: r.created_at,
            updated_at: r.updated_at,
            last_login_at: r.last_login_at,
        }
    }
}

/// `GET /api/auth/login`: start an OIDC login.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OidcLoginQuery {
    /// The provider's id from `/api/auth/config`.
    pub provider: String,
    /// Where to go once signed in: a path on this site (anything else is ignored: `/`).
    pub redirect: Option<String>,
}

/// `GET /api/auth/callback`: what the provider sends the browser back with. Unknown parameters
/// (`iss`, `session_state`…) are ignored.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OidcCallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    /// The provider's error instead of a code (`access_denied`…).
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Logout of an OIDC session.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OidcLogout {
    /// The provider's RP-initiated logout URL, for the browser to follow; `null` when the
    /// provider advertises no end-session endpoint.
    pub end_session_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoggedOutEverywhere {
    /// How many sessions ended, this one included.
    pub sessions_ended: u64,
}

/// One sign-in attempt.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Login {
    pub id: String,
    pub at: DateTime<Utc>,
    /// `password`, `token` or `oidc`.
    pub method: String,
    /// The OIDC provider's id.
    pub provider: Option<String>,
    pub client_ip: String,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    /// A failure's code (`wrong_password`, `no_role_mapped`, `oidc_state_mismatch`…).
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginList {
    /// Newest first.
    pub items: Vec<Login>,
    /// Pass as `before` for the next (older) page; `null` on the last.
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LoginsQuery {
    /// 1 to 200; default 50.
    pub limit: Option<u32>,
    /// The `next` of the previous page.
    pub before: Option<String>,
}

impl From<crate::store::logins::LoginRow> for Login {
    fn from(r: crate::store::logins::LoginRow) -> Login {
        Login {
            id: r.id,
            at: r.at,
            method: r.method,
            provider: r.provider,
            client_ip: r.client_ip,
            outcome: r.outcome,
            reason: r.reason,
        }
    }
}
