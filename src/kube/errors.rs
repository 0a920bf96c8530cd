//! Apiserver failures in the one error envelope: `code` = `kube_<reason>` with the apiserver's
//! `metav1.Status` under `details.kubeStatus` and its HTTP status; Fleetdeck's own credentials
//! refused → 502 `cluster_auth_failed` (so the console never takes it for its session ending);
//! no connection → 502 `apiserver_unreachable`; too slow → 504 `apiserver_timeout`.

use axum::http::StatusCode;
use serde_json::json;

use crate::error::ApiError;

/// The stable code of a `metav1.Status` reason.
fn code(reason: &str) -> &'static str {
    match reason {
        "BadRequest" => "kube_bad_request",
        "Unauthorized" => "kube_unauthorized",
        "Forbidden" => "kube_forbidden",
        "NotFound" => "kube_not_found",
        "AlreadyExists" => "kube_already_exists",
        "Conflict" => "kube_conflict",
        "Gone" => "kube_gone",
        "Expired" => "kube_expired",
        "Invalid" => "kube_invalid",
        "TooManyRequests" => "kube_too_many_requests",
        "MethodNotAllowed" => "kube_method_not_allowed",
        "Timeout" => "kube_timeout",
        "ServerTimeout" => "kube_server_timeout",
        "ServiceUnavailable" => "kube_service_unavailable",
        "InternalError" => "kube_internal_error",
        _ => "kube_unknown",
    }
}

/// The error and its causes, outermost first.
pub fn causes(e: &kube::Error) -> Vec<String> {
    let mut out = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        out.push(cause.to_string());
        source = cause.source();
    }
    out
}

/// What went wrong, from the deepest cause of the error's chain (the transport's own words,
/// e.g. "Connection refused"), rather than the outermost wrapper.
pub fn describe(e: &kube::Error) -> String {
    causes(e).pop().unwrap_or_default()
}

/// The error for an apiserver failure while acting on `cluster`.
pub fn api_error(cluster: &str, e: &kube::Error) -> ApiError {
    match e {
        kube::Error::Api(status) if status.code == 401 => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "cluster_auth_failed",
            format!("cluster {cluster} refused Fleetdeck's credentials"),
        )
        .with_details(json!({"cluster": cluster, "kubeStatus": status})),
        kube::Error::Api(status) => {
            let http = match status.code {
                400 | 403 | 404 | 409 | 410 | 422 | 429 => StatusCode::from_u16(status.code).expect("valid"),
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            ApiError::new(http, code(&status.reason), status.message.clone())
                .with_details(json!({"cluster": cluster, "kubeStatus": status}))
        }
        _ => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "apiserver_unreachable",
            format!("cannot reach the apiserver of cluster {cluster}"),
        )
        .with_details(json!({"cluster": cluster})),
    }
}

/// The error for an apiserver that did not answer in time.
pub fn timeout(cluster: &str) -> ApiError {
    ApiError::new(
        StatusCode::GATEWAY_TIMEOUT,
        "apiserver_timeout",
        format!("the apiserver of cluster {cluster} did not answer in time"),
    )
    .with_details(json!({"cluster": cluster}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16, reason: &str) -> kube::Error {
        let status = serde_json::from_value(json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!("it is {reason}"), "reason": reason, "code": code
        }))
        .unwrap();
        kube::Error::Api(status)
    }

    #[test]
    fn statuses_keep_their_code_and_status() {
        for (code_in, reason, want_status, want_code) in [
            (404, "NotFound", 404, "kube_not_found"),
            (409, "Conflict", 409, "kube_conflict"),
            (403, "Forbidden", 403, "kube_forbidden"),
            (422, "Invalid", 422, "kube_invalid"),
            (410, "Expired", 410, "kube_expired"),
            (429, "TooManyRequests", 429, "kube_too_many_requests"),
            (400, "BadRequest", 400, "kube_bad_request"),
            (500, "InternalError", 500, "kube_internal_error"),
            (503, "Weird", 500, "kube_unknown"),
        ] {
            let e = api_error("prod", &api(code_in, reason));
            assert_eq!((e.status.as_u16(), e.code), (want_status, want_code), "{reason}");
            assert_eq!(e.details.as_ref().unwrap()["kubeStatus"]["reason"], reason);
        }
    }

    #[test]
    fn our_own_credentials_refused_is_a_bad_gateway() {
        let e = api_error("prod", &api(401, "Unauthorized"));
        assert_eq!((e.status.as_u16(), e.code), (502, "cluster_auth_failed"));
        let e = timeout("prod");
        assert_eq!((e.status.as_u16(), e.code), (504, "apiserver_timeout"));
    }
}
