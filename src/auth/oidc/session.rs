//! OIDC sessions: the principal of a session row, renewed with the refresh token shortly before
//! the ID token expires. One request renews (it claims the row); others wait for it briefly.
//! A failed renewal ends the session: 401 `reauth_required`.

use std::time::Duration;

use chrono::TimeDelta;

use super::Signed;
use super::claims::Identity;
use crate::AppState;
use crate::auth::{AuthMethod, Owner, Principal, Role, SessionRef, TenancyScope};
use crate::error::ApiError;
use crate::store::now;
use crate::store::oidc_sessions::OidcIdentity;
use crate::store::sessions::SessionRow;

/// Renew when the ID token has less than this left.
pub const RENEW_BEFORE: TimeDelta = TimeDelta::seconds(30);
/// How long one request may hold the renewal.
const CLAIM_FOR: TimeDelta = TimeDelta::seconds(20);
/// How long a request waits for another's renewal of an expired token.
const WAIT_FOR_RENEWAL: Duration = Duration::from_secs(10);

pub fn reauth_required() -> ApiError {
    ApiError::unauthenticated(
        "reauth_required",
        "your sign-in with the identity provider ended; sign in again",
    )
}

/// The principal of an OIDC session row, renewing its tokens first when they are about to expire.
pub async fn principal(state: &AppState, row: SessionRow) -> Result<Option<Principal>, ApiError> {
    let Some(expires) = row.oidc_token_expires_at else {
        return Ok(of_row(&row));
    };
    if expires - now() > RENEW_BEFORE {
        return Ok(of_row(&row));
    }
    if state.store.claim_oidc_refresh(&row.id, now() + CLAIM_FOR).await? {
        return renew(state, row).await.map(Some);
    }
    // Another request is renewing: its result serves us too.
    let deadline = tokio::time::Instant::now() + WAIT_FOR_RENEWAL;
    let mut current = row;
    while current.oidc_token_expires_at.is_some_and(|e| e <= now()) {
        if tokio::time::Instant::now() >= deadline {
            return Err(reauth_required());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        current = state
            .store
            .live_session(&current.id)
            .await?
            .ok_or_else(reauth_required)?;
    }
    Ok(of_row(&current))
}

async fn renew(state: &AppState, row: SessionRow) -> Result<Principal, ApiError> {
    let provider = row.oidc_provider.clone().unwrap_or_default();
    let sealed = state.store.oidc_tokens(&row.id).await?;
    let refresh_token = sealed
        .and_then(|t| t.oidc_refresh_token)
        .and_then(|t| state.oidc.open(&row.id, &t));
    let renewed = match refresh_token {
        Some(t) => state.oidc.refresh(&provider, &t).await,
        None => Err(ApiError::unauthenticated(
            "no_refresh_token",
            "the provider gave no refresh token",
        )),
    };
    let signed = match renewed {
        Ok(s)
            if s.identity
                .as_ref()
                .is_none_or(|i| Some(&i.subject) == row.oidc_subject.as_ref()) =>
        {
            s
        }
        outcome => {
            let why = outcome
                .err()
                .map_or("the subject changed".to_string(), |e| e.code.to_string());
            tracing::info!(provider, reason = why, "OIDC session renewal failed; the session ends");
            state.store.delete_session(&row.id).await?;
            return Err(reauth_required());
        }
    };
    let identity = signed.identity.clone().unwrap_or_else(|| Identity {
        subject: row.oidc_subject.clone().unwrap_or_default(),
        email: row.oidc_email.clone(),
        display_name: row.oidc_name.clone().unwrap_or_default(),
        groups: groups_of(&row),
        role: row
            .oidc_role
            .as_deref()
            .and_then(|r| r.parse().ok())
            .unwrap_or(Role::Viewer),
        scope: scope_of(&row),
    });
    // A scope whose tenant or project is gone ends the session; signing in again says why.
    if !scope_exists(state, identity.scope.as_ref()).await? {
        state.store.delete_session(&row.id).await?;
        return Err(reauth_required());
    }
    store_identity(state, &row.id, &provider, &identity, &signed, None).await?;
    Ok(Principal {
        subject: identity.subject,
        display_name: identity.display_name,
        role: identity.role,
        email: identity.email,
        groups: identity.groups,
        scope: identity.scope,
        ..of_row(&row).ok_or_else(reauth_required)?
    })
}

/// Whether the tenant or project `scope` names exists (no scope: true).
pub async fn scope_exists(state: &AppState, scope: Option<&TenancyScope>) -> Result<bool, ApiError> {
    match scope {
        Some(s) => Ok(state.store.tenancy_scope_exists(s).await?),
        None => Ok(true),
    }
}

/// Writes a login's (`new`) or a renewal's identity and sealed tokens to the session `id`.
pub async fn store_identity(
    state: &AppState,
    id: &str,
    provider: &str,
    identity: &Identity,
    signed: &Signed,
    new: Option<&crate::store::sessions::NewSession<'_>>,
) -> Result<(), ApiError> {
    let refresh_token = signed.tokens.refresh_token.as_ref().map(|t| state.oidc.seal(id, t));
    let id_token = signed.tokens.id_token.as_ref().map(|t| state.oidc.seal(id, t));
    let groups = serde_json::to_string(&identity.groups).expect("serializes");
    let scope = identity.scope.as_ref().map(ToString::to_string);
    let o = OidcIdentity {
        provider,
        subject: &identity.subject,
        email: identity.email.as_deref(),
        name: &identity.display_name,
        groups: &groups,
        role: identity.role.as_str(),
        scope: scope.as_deref(),
        refresh_token: refresh_token.as_deref(),
        id_token: id_token.as_deref(),
        token_expires_at: signed.tokens.expires_at,
    };
    match new {
        Some(session) => state.store.insert_oidc_session(session, &o).await?,
        None => state.store.renew_oidc_session(id, &o).await?,
    }
    Ok(())
}

fn groups_of(row: &SessionRow) -> Vec<String> {
    row.oidc_groups
        .as_deref()
        .and_then(|g| serde_json::from_str(g).ok())
        .unwrap_or_default()
}

/// A row's scope; a tenancy role without one is refused by the tenancy checks.
fn scope_of(row: &SessionRow) -> Option<TenancyScope> {
    row.oidc_scope.as_deref().and_then(|s| s.parse().ok())
}

/// The principal a row describes as it is; `None` for a row with an unknown role.
fn of_row(row: &SessionRow) -> Option<Principal> {
    let role: Role = row.oidc_role.as_deref()?.parse().ok()?;
    let provider = row.oidc_provider.clone()?;
    let subject = row.oidc_subject.clone()?;
    Some(Principal {
        session: Some(SessionRef {
            id: row.id.clone(),
            expires_at: row.expires_at,
        }),
        expires_at: Some(row.expires_at),
        email: row.oidc_email.clone(),
        groups: groups_of(row),
        scope: scope_of(row),
        ..Principal::new(
            subject.clone(),
            row.oidc_name.clone().unwrap_or_else(|| subject.clone()),
            role,
            AuthMethod::Oidc,
            Owner::Provider(format!("{provider}:{subject}")),
        )
    })
}
