//! Kubernetes RBAC under a user's identity: SelfSubjectAccessReviews sent with the user's
//! impersonated client, cached 30 s per identity × cluster × attributes. Anything but a clear
//! "allowed" (an apiserver error, a timeout) is a refusal, and refusals by error are not cached.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use kube::api::{Api, PostParams};
use prometheus::IntCounter;

const CACHE_FOR: Duration = Duration::from_secs(30);
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// What is asked: may the user `verb` the `resource` of `group` in `namespace` (empty: every
/// namespace, or a cluster-scoped resource)?
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Attributes {
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub subresource: String,
    pub namespace: String,
    pub name: String,
}

impl Attributes {
    pub fn list(group: &str, resource: &str, namespace: &str) -> Attributes {
        Attributes {
            verb: "list".into(),
            group: group.into(),
            resource: resource.into(),
            subresource: String::new(),
            namespace: namespace.into(),
            name: String::new(),
        }
    }
}

type Key = (String, String, Attributes);

pub struct AccessReviews {
    answers: Mutex<HashMap<Key, (Instant, bool)>>,
    /// Reviews sent to an apiserver.
    pub calls: IntCounter,
    /// Questions answered from the cache.
    pub hits: IntCounter,
}

impl Default for AccessReviews {
    fn default() -> AccessReviews {
        AccessReviews {
            answers: Mutex::default(),
            calls: IntCounter::new(
                "fleetdeck_access_reviews_total",
                "SelfSubjectAccessReviews sent to apiservers.",
            )
            .expect("valid metric"),
            hits: IntCounter::new(
                "fleetdeck_access_review_cache_hits_total",
                "Access questions answered from the 30 s cache.",
            )
            .expect("valid metric"),
        }
    }
}

impl AccessReviews {
    /// Whether `identity` (a stable key of the impersonated user and groups) may do `what` on
    /// `cluster`, asked with `client` (the user's impersonated client).
    pub async fn allowed(&self, client: &kube::Client, identity: &str, cluster: &str, what: &Attributes) -> bool {
        let key = (identity.to_string(), cluster.to_string(), what.clone());
        if let Some((at, allowed)) = self.answers.lock().expect("access lock").get(&key)
            && at.elapsed() < CACHE_FOR
        {
            self.hits.inc();
            return *allowed;
        }
        self.calls.inc();
        let none_if_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(what.verb.clone()),
                    group: Some(what.group.clone()),
                    resource: Some(what.resource.clone()),
                    subresource: none_if_empty(&what.subresource),
                    namespace: none_if_empty(&what.namespace),
                    name: none_if_empty(&what.name),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
        let answer = tokio::time::timeout(ANSWER_WITHIN, api.create(&PostParams::default(), &review)).await;
        match answer {
            Ok(Ok(r)) => {
                let allowed = r.status.is_some_and(|s| s.allowed && !s.denied.unwrap_or(false));
                let mut answers = self.answers.lock().expect("access lock");
                answers.retain(|_, (at, _)| at.elapsed() < CACHE_FOR);
                answers.insert(key, (Instant::now(), allowed));
                allowed
            }
            Ok(Err(e)) => {
                tracing::warn!(cluster, error = %e, "access review failed; refusing");
                false
            }
            Err(_) => {
                tracing::warn!(cluster, "access review timed out; refusing");
                false
            }
        }
    }
}
