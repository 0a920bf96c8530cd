//! Local accounts beyond what an admin creates: admin-issued password reset links and
//! self-service registration with an emailed verification code.

use axum::http::Method;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit::{AuditedRoute, AuditedRouter};

pub mod model;
mod password_reset;
mod registration;
mod settings;

pub use settings::{RegistrationLimits, RegistrationSettings};

pub fn router() -> AuditedRouter {
    let routes = OpenApiRouter::new()
        .routes(routes!(password_reset::issue))
        .routes(routes!(password_reset::consume))
        .routes(routes!(registration::register))
        .routes(routes!(registration::verify));
    AuditedRouter {
        routes,
        audited: AUDITED,
    }
}

/// Every write of this router, for the audit log.
const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(
        Method::POST,
        "/api/users/{username}/password-reset",
        "password_reset_link",
        "user",
    ),
    AuditedRoute::new(Method::POST, "/api/auth/password-reset", "password_reset", "user"),
    AuditedRoute::new(Method::POST, "/api/auth/register", "register", "user"),
    AuditedRoute::new(Method::POST, "/api/auth/register/verify", "register_verify", "user"),
];
