//! The review kinds, answered from the caller's identity and the rule table:
//! SelfSubjectReview (`kubectl auth whoami`), SelfSubjectAccessReview and
//! SubjectAccessReview (`kubectl auth can-i`), SelfSubjectRulesReview (`can-i --list`).

use serde_json::{Value, json};

use crate::auth::{self, Attributes, Identity, Rule};
use crate::discovery::ResourceInfo;
use crate::status::{ApiError, ApiResult};

/// The review with the server's kind, apiVersion and metadata.
fn answered(r: &ResourceInfo, mut review: Value) -> Value {
    review["apiVersion"] = json!(r.api_version());
    review["kind"] = json!(r.kind);
    if !review["metadata"].is_object() {
        review["metadata"] = json!({});
    }
    review["metadata"]["creationTimestamp"] = Value::Null;
    review
}

pub fn self_subject(r: &ResourceInfo, who: &Identity) -> Value {
    answered(
        r,
        json!({"status": {"userInfo": {"username": who.user, "groups": who.groups}}}),
    )
}

/// The user and groups a SubjectAccessReview asks about.
pub fn subject(review: &Value) -> Identity {
    let groups = review["spec"]["groups"]
        .as_array()
        .map(|a| a.iter().filter_map(|g| g.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    Identity {
        user: review["spec"]["user"].as_str().unwrap_or_default().to_string(),
        groups,
    }
}

/// Whether `who` may do what the review's `resourceAttributes` describe.
pub fn access(r: &ResourceInfo, review: Value, rules: &[Rule], who: &Identity) -> Value {
    let ra = &review["spec"]["resourceAttributes"];
    let allowed = if ra.is_object() {
        let st = |k: &str| ra[k].as_str().unwrap_or_default().to_string();
        let resource = match st("subresource").as_str() {
            "" => st("resource"),
            sub => format!("{}/{sub}", st("resource")),
        };
        let attrs = Attributes {
            verb: st("verb"),
            group: st("group"),
            resource,
            namespace: st("namespace"),
            name: st("name"),
        };
        auth::allowed(rules, who, &attrs)
    } else {
        // Non-resource URLs (discovery, /version) are open to every authenticated user.
        true
    };
    let mut review = answered(r, review);
    review["status"] = if allowed {
        json!({"allowed": true, "reason": "allowed by kubesim rule table"})
    } else {
        json!({"allowed": false})
    };
    review
}

/// The caller's rules in the review's namespace.
pub fn rules(r: &ResourceInfo, review: Value, rules: &[Rule], who: &Identity) -> ApiResult<Value> {
    let namespace = review["spec"]["namespace"].as_str().unwrap_or_default().to_string();
    if namespace.is_empty() {
        return Err(ApiError::bad_request("no namespace on request"));
    }
    let mut review = answered(r, review);
    review["status"] = auth::rules_review_status(rules, who, &namespace);
    Ok(review)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::find;

    fn viewer() -> Identity {
        Identity {
            user: "v".into(),
            groups: vec!["viewers".into()],
        }
    }

    #[test]
    fn access_reviews_answer_from_the_rule_table() {
        let r = find("authorization.k8s.io", "v1", "selfsubjectaccessreviews").unwrap();
        let rules = [Rule::group("viewers", &["get", "list"], &[""], &["pods"], &["shop"])];
        let ask = |verb: &str, ns: &str| json!({"spec": {"resourceAttributes": {"verb": verb, "resource": "pods", "namespace": ns}}});
        let yes = access(r, ask("list", "shop"), &rules, &viewer());
        assert_eq!(yes["status"]["allowed"], true);
        assert_eq!(
            (yes["kind"].as_str(), yes["apiVersion"].as_str()),
            (Some("SelfSubjectAccessReview"), Some("authorization.k8s.io/v1"))
        );
        assert_eq!(
            access(r, ask("delete", "shop"), &rules, &viewer())["status"]["allowed"],
            false
        );
        assert_eq!(
            access(r, ask("list", "other"), &rules, &viewer())["status"]["allowed"],
            false
        );
        let non_resource = json!({"spec": {"nonResourceAttributes": {"verb": "get", "path": "/version"}}});
        assert_eq!(access(r, non_resource, &rules, &viewer())["status"]["allowed"], true);
    }

    #[test]
    fn a_subject_is_read_from_the_spec() {
        let who = subject(&json!({"spec": {"user": "alice", "groups": ["a", "b"]}}));
        assert_eq!((who.user.as_str(), who.groups.len()), ("alice", 2));
    }

    #[test]
    fn a_rules_review_needs_a_namespace() {
        let r = find("authorization.k8s.io", "v1", "selfsubjectrulesreviews").unwrap();
        let err = rules(r, json!({"spec": {}}), &[], &viewer()).unwrap_err();
        assert_eq!((err.code, err.message.as_str()), (400, "no namespace on request"));
    }
}
