//! `serviceaccounts/token`: TokenRequests issue short-lived bearer tokens that then
//! authenticate as the service account, as the apiserver's bound tokens do.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::auth::Identity;

/// The apiserver's default when a TokenRequest leaves `expirationSeconds` out.
pub const DEFAULT_EXPIRATION_SECONDS: i64 = 3600;

#[derive(Debug, Clone, PartialEq)]
pub struct IssuedToken {
    pub token: String,
    /// Without `system:authenticated`, which authentication adds to everyone.
    pub identity: Identity,
    pub expires: DateTime<Utc>,
}

/// The user and groups a service account's tokens authenticate as.
pub fn service_account_identity(namespace: &str, name: &str) -> Identity {
    Identity {
        user: format!("system:serviceaccount:{namespace}:{name}"),
        groups: vec![
            "system:serviceaccounts".into(),
            format!("system:serviceaccounts:{namespace}"),
        ],
    }
}

/// `spec.expirationSeconds`, or the default when absent or not positive.
pub fn expiration_seconds(request: &Value) -> i64 {
    request["spec"]["expirationSeconds"]
        .as_i64()
        .filter(|s| *s > 0)
        .unwrap_or(DEFAULT_EXPIRATION_SECONDS)
}

/// A fresh token for the service account, valid for the requested time from `now`.
pub fn issue(namespace: &str, name: &str, request: &Value, now: DateTime<Utc>) -> IssuedToken {
    IssuedToken {
        token: format!("kubesim-sa-{}", uuid::Uuid::new_v4().simple()),
        identity: service_account_identity(namespace, name),
        expires: now + chrono::Duration::seconds(expiration_seconds(request)),
    }
}

/// The TokenRequest echoed back with its status filled in.
pub fn response(namespace: &str, name: &str, request: &Value, issued: &IssuedToken) -> Value {
    let mut spec = request["spec"].clone();
    if !spec.is_object() {
        spec = json!({});
    }
    spec["expirationSeconds"] = json!(expiration_seconds(request));
    if !spec["audiences"].is_array() {
        spec["audiences"] = json!(["https://kubernetes.default.svc"]);
    }
    json!({
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": null},
        "spec": spec,
        "status": {
            "token": issued.token,
            "expirationTimestamp": issued.expires.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_the_service_account_and_expire() {
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let t = issue("shop", "builder", &json!({}), now);
        assert_eq!(t.identity.user, "system:serviceaccount:shop:builder");
        assert_eq!(
            t.identity.groups,
            ["system:serviceaccounts", "system:serviceaccounts:shop"]
        );
        assert_eq!(t.expires, now + chrono::Duration::seconds(3600));
        let short = issue("shop", "builder", &json!({"spec": {"expirationSeconds": 600}}), now);
        assert_ne!(short.token, t.token);
        let r = response("shop", "builder", &json!({"spec": {"expirationSeconds": 600}}), &short);
        assert_eq!(r["status"]["expirationTimestamp"], "2026-01-01T00:10:00Z");
        assert_eq!(r["spec"]["expirationSeconds"], 600);
        assert_eq!(r["status"]["token"], short.token);
    }
}
