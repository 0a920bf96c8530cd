//! Admin-issued password reset: a one-time link with a short life; only its digest is stored.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;

use super::model::{PasswordReset, PasswordResetLink};
use crate::AppState;
use crate::audit::AuditNote;
use crate::auth::{Principal, Role, bootstrap, password, secret};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::request::RequestContext;
use crate::store::account_tokens::ResetRefused;
use crate::store::now;

/// The console page a link opens, with the token in the fragment (never sent to a server).
fn link(origin: &str, token: &str) -> String {
    format!("{origin}/reset-password#token={token}")
}

/// Issues a one-time password reset link for a user (admin); older links of the user stop working.
#[utoipa::path(
    post,
    path = "/api/users/{username}/password-reset",
    tag = "users",
    params(("username" = String, Path)),
    responses(
        (status = 201, body = PasswordResetLink),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub(super) async fn issue(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    principal: Principal,
    ApiPath(username): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    principal.require(Role::Admin)?;
    let user = state
        .store
        .user_by_username(&username)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no user named {username}")))?;
    let token = secret::generate("");
    let ttl = chrono::Duration::from_std(state.settings.password_reset_ttl).expect("reset TTL fits");
    let expires_at = now() + ttl;
    state
        .store
        .insert_password_reset(&secret::digest(&token), &user.id, expires_at)
        .await?;
    // Behind a proxy the admin may reach Fleetdeck by another name than users do.
    let origin = state
        .settings
        .public_url
        .clone()
        .unwrap_or_else(|| ctx.own_origin(&headers));
    let body = PasswordResetLink {
        url: link(&origin, &token),
        expires_at,
    };
    Ok((StatusCode::CREATED, AuditNote::named(&username), Json(body)))
}

fn refused(why: ResetRefused) -> ApiError {
    let (code, message) = match why {
        ResetRefused::Unknown => (
            "reset_link_invalid",
            "this reset link is not valid; a newer one may have replaced it",
        ),
        ResetRefused::Used => ("reset_link_used", "this reset link was used already"),
        ResetRefused::Expired => ("reset_link_expired", "this reset link has expired"),
    };
    ApiError::bad_request(code, format!("{message}; ask an admin for a new one"))
}

/// Sets a new password with a reset link's token; the link then stops working and all the user's
/// sessions end.
#[utoipa::path(
    post,
    path = "/api/auth/password-reset",
    tag = "auth",
    security(()),
    request_body = PasswordReset,
    responses(
        (status = 204),
        (status = 400, body = ErrorBody, description = "reset_link_invalid, reset_link_used or reset_link_expired"),
        (status = 422, body = ErrorBody, description = "weak_password"),
        (status = 429, body = ErrorBody, headers(("Retry-After" = u64))),
    )
)]
pub(super) async fn consume(
    State(state): State<AppState>,
    ctx: RequestContext,
    ApiJson(body): ApiJson<PasswordReset>,
) -> ApiResult<impl IntoResponse> {
    let anonymous = || AuditNote::default().actor("anonymous", "none");
    state
        .login_limiter
        .check(ctx.client_ip)
        .map_err(|wait| ApiError::too_many_requests(wait).with_audit(anonymous()))?;
    password::check_strength(&body.password)
        .map_err(|m| ApiError::unprocessable("weak_password", m).with_audit(anonymous()))?;
    let hash = password::hash_blocking(body.password).await;
    let (user_id, username) = state
        .store
        .consume_password_reset(&secret::digest(&body.token), &hash)
        .await?
        .map_err(|why| refused(why).with_audit(anonymous()))?;
    bootstrap::password_changed(&state.store, &user_id)
        .await
        .map_err(ApiError::internal)?;
    let note = AuditNote::named(&username).actor(&username, "reset_link");
    Ok((note, StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_travels_in_the_fragment() {
        assert_eq!(
            link("https://fleet.example.com", "abc"),
            "https://fleet.example.com/reset-password#token=abc"
        );
    }
}
