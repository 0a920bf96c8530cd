//! Request body limits: FLEETDECK_BODY_LIMIT for every route but those that take whole documents
//! — the catalog import (the whole catalog), the YAML applies and the risk guard's analysis (a
//! manifest as large as the objects it holds) — which FLEETDECK_IMPORT_BODY_LIMIT bounds. A 413 names the setting to raise.

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tower::{Layer, ServiceExt};

use crate::AppState;

/// The routes that take whole documents.
pub const DOCUMENT_ROUTES: &[&str] = &[
    "/api/flux/import",
    "/api/clusters/{cluster}/apply",
    "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{namespace}/{name}/yaml",
    "/api/clusters/{cluster}/resources/{group}/{version}/{resource}/{name}/yaml",
    "/api/risk-guard/analyze",
];

tokio::task_local! {
    static SETTING: &'static str;
}

/// The setting that limits the body of the request being handled, for the 413's message.
pub fn setting() -> &'static str {
    SETTING.try_with(|s| *s).unwrap_or("FLEETDECK_BODY_LIMIT")
}

/// Holds each route's body to its limit.
pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let import = req
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|p| DOCUMENT_ROUTES.contains(&p.as_str()));
    let (max, setting) = if import {
        (state.settings.import_body_limit, "FLEETDECK_IMPORT_BODY_LIMIT")
    } else {
        (state.settings.body_limit, "FLEETDECK_BODY_LIMIT")
    };
    let limited = DefaultBodyLimit::max(max).layer(next);
    match SETTING.scope(setting, limited.oneshot(req)).await {
        Ok(response) => response,
        Err(infallible) => match infallible {},
    }
}
