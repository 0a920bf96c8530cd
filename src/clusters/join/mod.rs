//! Cluster onboarding with join tokens (KubeBYON's join tokens): an admin creates a single-use,
//! short-lived token for a cluster name; `GET /join?token=` serves a manifest that, applied on
//! that cluster, runs a Job posting the cluster's CA and an agent token back to
//! `POST /api/join/register`, which registers the cluster through the registry and uses the token
//! up. `lifecycle` and `manifest` are pure; `routes` has the handlers; docs/api.md the contract.

use axum::http::Method;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit::{AuditedRoute, AuditedRouter};

pub mod lifecycle;
pub mod manifest;
pub mod model;
mod routes;

pub fn router() -> AuditedRouter {
    let routes = OpenApiRouter::new()
        .routes(routes!(routes::create_token))
        .routes(routes!(routes::list_tokens))
        .routes(routes!(routes::revoke_token))
        .routes(routes!(routes::join_manifest))
        .routes(routes!(routes::register));
    AuditedRouter {
        routes,
        audited: AUDITED,
    }
}

const AUDITED: &[AuditedRoute] = &[
    AuditedRoute::new(
        Method::POST,
        "/api/clusters/{name}/join-token",
        "join_token_create",
        "join_token",
    ),
    AuditedRoute::new(Method::DELETE, "/api/tokens/{id}", "join_token_revoke", "join_token"),
    // The manifest carries the token: who fetched it, and when, is worth a row.
    AuditedRoute::new(Method::GET, "/join", "join_manifest", "join_token"),
    AuditedRoute::new(Method::POST, "/api/join/register", "cluster_join", "cluster"),
];
