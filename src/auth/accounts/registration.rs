//! Self-service registration (off unless FLEETDECK_REGISTRATION=on): a sign-up mails a 6-digit
//! code; the user is created, with the registration role, once the code comes back.
//!
//! What it tells about existing accounts: a taken username is said (409 `username_taken`), since
//! choosing a name needs it and admins' user lists are no secret to the team; the email address is
//! never looked up, so answers never depend on it (the user keeps it once the code is verified). A new sign-up for a username
//! that is still pending replaces the earlier one.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use rand::Rng;

use super::model::{Registration, RegistrationPending, RegistrationVerification};
use super::settings::RegistrationSettings;
use crate::AppState;
use crate::audit::AuditNote;
use crate::auth::model::User;
use crate::auth::{check_username, password, secret};
use crate::error::{ApiError, ApiJson, ApiResult, ErrorBody};
use crate::request::RequestContext;
use crate::store::account_tokens::RegistrationRow;
use crate::store::now;
use crate::store::users::NewUser;

/// How long a mailed code works.
const CODE_TTL: chrono::TimeDelta = chrono::TimeDelta::minutes(15);
/// Wrong codes allowed before the registration is dropped.
const MAX_ATTEMPTS: i32 = 5;

/// Six random digits.
fn new_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000))
}

/// The stored digest binds the code to the username, so equal codes of two sign-ups differ.
fn code_digest(username: &str, code: &str) -> String {
    secret::digest(&format!("{username}:{code}"))
}

fn mail_body(code: &str) -> String {
    format!(
        "Your Fleetdeck verification code is {code}\n\n\
         It works for {} minutes. If you did not sign up for Fleetdeck, ignore this mail.\n",
        CODE_TTL.num_minutes()
    )
}

/// The audit note of both steps: the username asked for, also as the actor.
fn note(username: &str) -> AuditNote {
    AuditNote::named(username).actor(username, "none")
}

/// What both steps check first: registration is on (else 404 `registration_disabled`), and the
/// client is within its budget.
fn admit(state: &AppState, ctx: &RequestContext, username: &str) -> ApiResult<RegistrationSettings> {
    let settings = state.settings.registration.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "registration_disabled",
            "self-service registration is off; ask an admin for an account",
        )
        .with_audit(note(username))
    })?;
    state
        .registration_limits
        .per_ip
        .check(ctx.client_ip)
        .map_err(|wait| ApiError::too_many_requests(wait).with_audit(note(username)))?;
    Ok(settings)
}

/// Starts a self-service registration: mails a verification code to `email`.
#[utoipa::path(
    post,
    path = "/api/auth/register",
    tag = "auth",
    security(()),
    request_body = Registration,
    responses(
        (status = 202, body = RegistrationPending),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "registration_disabled"),
        (status = 409, body = ErrorBody, description = "username_taken"),
        (status = 422, body = ErrorBody, description = "invalid_username, invalid_email or weak_password"),
        (status = 429, body = ErrorBody, headers(("Retry-After" = u64))),
        (status = 502, body = ErrorBody, description = "mail_failed: the mail server did not take the mail"),
    )
)]
pub(super) async fn register(
    State(state): State<AppState>,
    ctx: RequestContext,
    ApiJson(body): ApiJson<Registration>,
) -> ApiResult<impl IntoResponse> {
    let settings = admit(&state, &ctx, &body.username)?;
    let fail = |e: ApiError| e.with_audit(note(&body.username));
    check_username(&body.username).map_err(fail)?;
    let email = crate::mail::parse_address(&body.email).map_err(fail)?;
    password::check_strength(&body.password).map_err(|m| fail(ApiError::unprocessable("weak_password", m)))?;
    if state.store.user_by_username(&body.username).await?.is_some() {
        return Err(fail(ApiError::conflict(
            "username_taken",
            format!("the username {} is taken", body.username),
        )));
    }
    state
        .registration_limits
        .per_email
        .check(email.clone())
        .map_err(|wait| fail(ApiError::too_many_requests(wait)))?;
    let code = new_code();
    let expires_at = now() + CODE_TTL;
    state
        .store
        .upsert_registration(&RegistrationRow {
            username: body.username.clone(),
            email: email.clone(),
            password_hash: password::hash_blocking(body.password.clone()).await,
            code_digest: code_digest(&body.username, &code),
            attempts: 0,
            expires_at,
        })
        .await?;
    if let Err(e) = settings
        .mailer
        .send(&email, "Your Fleetdeck verification code", mail_body(&code))
        .await
    {
        tracing::warn!(error = %e, "the verification mail was not sent");
        state.store.delete_registration(&body.username).await?;
        return Err(fail(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "mail_failed",
            "the verification mail could not be sent; try again later",
        )));
    }
    let pending = RegistrationPending {
        username: body.username.clone(),
        expires_at,
    };
    Ok((StatusCode::ACCEPTED, note(&body.username), Json(pending)))
}

/// Completes a registration with the mailed code: creates the user.
#[utoipa::path(
    post,
    path = "/api/auth/register/verify",
    tag = "auth",
    security(()),
    request_body = RegistrationVerification,
    responses(
        (status = 201, body = User),
        (status = 400, body = ErrorBody, description = "verification_invalid, verification_expired, wrong_code or too_many_attempts"),
        (status = 404, body = ErrorBody, description = "registration_disabled"),
        (status = 409, body = ErrorBody, description = "username_taken"),
        (status = 429, body = ErrorBody, headers(("Retry-After" = u64))),
    )
)]
pub(super) async fn verify(
    State(state): State<AppState>,
    ctx: RequestContext,
    ApiJson(body): ApiJson<RegistrationVerification>,
) -> ApiResult<impl IntoResponse> {
    let settings = admit(&state, &ctx, &body.username)?;
    let fail = |e: ApiError| e.with_audit(note(&body.username));
    let invalid = || {
        fail(ApiError::bad_request(
            "verification_invalid",
            "no registration waits for a code under this username; sign up again",
        ))
    };
    let row = state.store.registration(&body.username).await?.ok_or_else(invalid)?;
    if row.expires_at <= now() {
        state.store.delete_registration(&row.username).await?;
        return Err(fail(ApiError::bad_request(
            "verification_expired",
            "the code has expired; sign up again",
        )));
    }
    if !state
        .store
        .spend_registration_attempt(&row.username, MAX_ATTEMPTS)
        .await?
    {
        state.store.delete_registration(&row.username).await?;
        return Err(fail(ApiError::bad_request(
            "too_many_attempts",
            "too many wrong codes; sign up again",
        )));
    }
    if code_digest(&row.username, body.code.trim()) != row.code_digest {
        let left = MAX_ATTEMPTS - row.attempts - 1;
        return Err(fail(
            ApiError::bad_request("wrong_code", format!("the code is wrong; {left} attempts left"))
                .with_details(serde_json::json!({"attemptsLeft": left})),
        ));
    }
    let created = state
        .store
        .insert_user(&NewUser {
            username: &row.username,
            display_name: &row.username,
            role: settings.role,
            password_hash: &row.password_hash,
            email: Some(&row.email),
        })
        .await?;
    state.store.delete_registration(&row.username).await?;
    match created {
        Some(user) => Ok((StatusCode::CREATED, note(&row.username), Json(User::from(user)))),
        None => Err(fail(ApiError::conflict(
            "username_taken",
            format!("the username {} was taken meanwhile", row.username),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_digests_bind_the_username() {
        for _ in 0..100 {
            let c = new_code();
            assert!(c.len() == 6 && c.chars().all(|d| d.is_ascii_digit()), "{c}");
        }
        assert_ne!(code_digest("ann", "123456"), code_digest("bob", "123456"));
        assert_eq!(code_digest("ann", "123456"), code_digest("ann", "123456"));
        assert!(mail_body("123456").contains("123456"));
    }
}
