//! The audit log: one row for every mutating request and every sensitive read, written by the
//! `record` middleware from the route's `AuditedRoute` entry, the principal, the outcome and
//! whatever the handler added in an `AuditNote`.

use std::sync::{Arc, Mutex};

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponseParts, Response, ResponseParts};
use tokio::sync::oneshot;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ErrorCode};
use crate::request::RequestContext;
use model::{AuditEvent, Outcome};

pub mod chain;
pub mod model;
pub mod retention;
pub mod routes;

/// A route that is audited, and the verb and resource type its rows carry.
#[derive(Debug, Clone)]
pub struct AuditedRoute {
    pub method: Method,
    /// The route template as registered, e.g. `/api/users/{username}`.
    pub route: &'static str,
    /// snake_case action: `create`, `login`, `api_key_create`, …
    pub verb: &'static str,
    pub resource_type: &'static str,
}

impl AuditedRoute {
    pub const fn new(
        method: Method,
        route: &'static str,
        verb: &'static str,
        resource_type: &'static str,
    ) -> AuditedRoute {
        AuditedRoute {
            method,
            route,
            verb,
            resource_type,
        }
    }
}

/// A router with the audit entries of its routes: each domain hands both to where it is mounted,
/// so adding a domain changes nothing here.
pub struct AuditedRouter {
    pub routes: OpenApiRouter<AppState>,
    pub audited: &'static [AuditedRoute],
}

/// A router none of whose routes is audited.
impl From<OpenApiRouter<AppState>> for AuditedRouter {
    fn from(routes: OpenApiRouter<AppState>) -> AuditedRouter {
        AuditedRouter { routes, audited: &[] }
    }
}

/// What a handler knows that the route does not: the target's name, the actor of a login, a reason.
#[derive(Debug, Clone, Default)]
pub struct AuditNote {
    pub actor: Option<String>,
    pub actor_method: Option<&'static str>,
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub reason: Option<String>,
    /// How it went, when the status does not say (a kubectl run answers 200 whatever its exit).
    pub outcome: Option<Outcome>,
}

impl AuditNote {
    pub fn named(name: impl Into<String>) -> AuditNote {
        AuditNote {
            name: Some(name.into()),
            ..AuditNote::default()
        }
    }
    pub fn actor(mut self, actor: impl Into<String>, method: &'static str) -> AuditNote {
        self.actor = Some(actor.into());
        self.actor_method = Some(method);
        self
    }
    pub fn reason(mut self, reason: impl Into<String>) -> AuditNote {
        self.reason = Some(reason.into());
        self
    }
}

impl ApiError {
    /// What the audit row of this failed request should say beyond the route (actor, name, reason).
    pub fn with_audit(self, note: AuditNote) -> ApiError {
        self.with_extension(note)
    }
}

/// The outcome of a response that is known only later: a drain streams its progress, and its row
/// says how it ended. Sent once through [`AuditLater`].
#[derive(Debug)]
pub struct Finished {
    pub outcome: Outcome,
    pub reason: String,
}

/// Put in a response's extensions, it holds its audit row back until the handler's task sends
/// how it [`Finished`]; a task that ends without saying is recorded as a failure.
#[derive(Clone)]
pub struct AuditLater(Arc<Mutex<Option<oneshot::Receiver<Finished>>>>);

impl AuditLater {
    pub fn new() -> (AuditLater, oneshot::Sender<Finished>) {
        let (tx, rx) = oneshot::channel();
        (AuditLater(Arc::new(Mutex::new(Some(rx)))), tx)
    }

    fn take(&self) -> Option<oneshot::Receiver<Finished>> {
        self.0.lock().expect("not poisoned").take()
    }
}

impl IntoResponseParts for AuditNote {
    type Error = std::convert::Infallible;
    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        res.extensions_mut().insert(self);
        Ok(res)
    }
}

/// `success` for 2xx/3xx and 101 (a WebSocket session opened), `denied` for 403, `failure` otherwise.
pub fn outcome(status: StatusCode) -> Outcome {
    if status.is_success() || status.is_redirection() || status == StatusCode::SWITCHING_PROTOCOLS {
        Outcome::Success
    } else if status == StatusCode::FORBIDDEN {
        Outcome::Denied
    } else {
        Outcome::Failure
    }
}

/// The entry for a request, if its route is audited: every write, and reads listed as sensitive.
pub fn lookup<'a>(table: &'a [AuditedRoute], method: &Method, route: &str) -> Option<&'a AuditedRoute> {
    table.iter().find(|r| r.method == *method && r.route == route)
}

/// Middleware: writes the audit row of an audited route once its response is known.
/// Plain 401s (no credentials) are only counted in metrics; a failed login is audited.
pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(route) = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()) else {
        return next.run(req).await;
    };
    let method = req.method().clone();
    let Some(entry) = lookup(&state.audited_routes, &method, &route).cloned() else {
        return next.run(req).await;
    };
    let ctx = req.extensions().get::<RequestContext>().cloned().unwrap_or_default();
    let (mut parts, body) = req.into_parts();
    // What the path names, for rows whose handler said nothing (a refusal before it ran).
    let params: Vec<(String, String)> = RawPathParams::from_request_parts(&mut parts, &state)
        .await
        .map(|p| p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
        .unwrap_or_default();
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let (path_cluster, path_namespace) = (param("cluster"), param("namespace"));
    let last_param = params.last().map(|(_, v)| v.clone());
    let response = next.run(Request::from_parts(parts, body)).await;

    let status = response.status();
    if status == StatusCode::UNAUTHORIZED && entry.verb != "login" {
        return response;
    }
    let principal = response.extensions().get::<Principal>();
    let note = response.extensions().get::<AuditNote>().cloned().unwrap_or_default();
    let outcome = note.outcome.unwrap_or_else(|| outcome(status));
    let reason = note.reason.filter(|r| !r.is_empty()).or_else(|| {
        (outcome != Outcome::Success)
            .then(|| response.extensions().get::<ErrorCode>().map(|c| c.0.to_string()))
            .flatten()
    });
    let mut row = AuditEvent {
        id: uuid::Uuid::now_v7().to_string(),
        at: crate::store::now(),
        actor: note
            .actor
            .or_else(|| principal.map(|p| p.subject.clone()))
            .unwrap_or_else(|| "anonymous".into()),
        actor_method: note
            .actor_method
            .or_else(|| principal.map(|p| p.method.as_str()))
            .unwrap_or("none")
            .to_string(),
        verb: entry.verb.to_string(),
        resource_type: entry.resource_type.to_string(),
        cluster: note.cluster.or(path_cluster),
        namespace: note.namespace.or(path_namespace),
        name: note.name.or(last_param),
        outcome,
        http_status: i32::from(status.as_u16()),
        request_id: ctx.request_id.clone(),
        client_ip: ctx.client_ip.to_string(),
        reason,
    };
    match response.extensions().get::<AuditLater>().and_then(AuditLater::take) {
        None => write(&state, &row).await,
        Some(finished) => {
            let state = state.clone();
            tokio::spawn(async move {
                let end = finished.await.unwrap_or(Finished {
                    outcome: Outcome::Failure,
                    reason: "interrupted".into(),
                });
                row.outcome = end.outcome;
                row.reason = Some(end.reason);
                write(&state, &row).await;
            });
        }
    }
    response
}

/// Writes one audit row and counts it; a row that cannot be written is logged and counted.
/// For rows no request's response carries, such as the end of a long-lived session.
pub async fn write(state: &AppState, row: &AuditEvent) {
    state.metrics.audit_event(row.outcome.as_str());
    if let Err(e) = state.store.insert_audit(row).await {
        state.metrics.audit_write_failed();
        tracing::error!(error = %e, verb = row.verb, "could not write the audit row");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes() {
        assert_eq!(outcome(StatusCode::OK), Outcome::Success);
        assert_eq!(outcome(StatusCode::NO_CONTENT), Outcome::Success);
        assert_eq!(outcome(StatusCode::SWITCHING_PROTOCOLS), Outcome::Success);
        assert_eq!(outcome(StatusCode::FORBIDDEN), Outcome::Denied);
        assert_eq!(outcome(StatusCode::UNAUTHORIZED), Outcome::Failure);
        assert_eq!(outcome(StatusCode::CONFLICT), Outcome::Failure);
    }

    #[test]
    fn lookup_matches_method_and_template() {
        let table = [AuditedRoute::new(
            Method::DELETE,
            "/api/users/{username}",
            "delete",
            "user",
        )];
        assert!(lookup(&table, &Method::DELETE, "/api/users/{username}").is_some());
        assert!(lookup(&table, &Method::GET, "/api/users/{username}").is_none());
        assert!(lookup(&table, &Method::DELETE, "/api/users").is_none());
    }
}
