//! Accounts API types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A one-time password reset link: shown once, to be handed to the user.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasswordResetLink {
    /// `…/reset-password#token=…`; the token is in the fragment, which browsers do not send on.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// The token of the link.
    pub token: String,
    /// The new password, at least 12 characters.
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// 1–63 lowercase letters, digits, '-', '_' or '.'.
    pub username: String,
    /// Where the verification code is mailed.
    pub email: String,
    /// At least 12 characters.
    pub password: String,
}

/// A registration waiting for its code.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationPending {
    pub username: String,
    /// When the mailed code stops working.
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationVerification {
    pub username: String,
    /// The code from the mail.
    pub code: String,
}
