//! Bearer-token authentication, a simple RBAC rule table, and impersonation.

use serde::{Deserialize, Serialize};

use crate::status::ApiError;

/// A bearer token and the identity it authenticates.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenEntry {
    pub token: String,
    pub user: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// Who a rule applies to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub enum Subject {
    User(String),
    Group(String),
}

/// Allows `verbs` on `resources` (e.g. "pods", "pods/log", "*") of `api_groups` in
/// `namespaces` (empty = every namespace and cluster scope). "*" matches anything.
/// Impersonation is the verb "impersonate" on "users"/"groups" in group "", as in RBAC.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub subject: Subject,
    pub verbs: Vec<String>,
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    #[serde(default)]
    pub namespaces: Vec<String>,
}

impl Rule {
    pub fn user(name: &str, verbs: &[&str], api_groups: &[&str], resources: &[&str], namespaces: &[&str]) -> Self {
        Self::new(Subject::User(name.into()), verbs, api_groups, resources, namespaces)
    }

    pub fn group(name: &str, verbs: &[&str], api_groups: &[&str], resources: &[&str], namespaces: &[&str]) -> Self {
        Self::new(Subject::Group(name.into()), verbs, api_groups, resources, namespaces)
    }

    fn new(subject: Subject, verbs: &[&str], api_groups: &[&str], resources: &[&str], namespaces: &[&str]) -> Self {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Self {
            subject,
            verbs: own(verbs),
            api_groups: own(api_groups),
            resources: own(resources),
            namespaces: own(namespaces),
        }
    }

    fn applies_to(&self, who: &Identity) -> bool {
        match &self.subject {
            Subject::User(u) => *u == who.user,
            Subject::Group(g) => who.groups.contains(g),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub user: String,
    pub groups: Vec<String>,
}

/// What a request wants to do, in RBAC terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    pub verb: String,
    pub group: String,
    /// Resource, with "/subresource" appended when there is one.
    pub resource: String,
    pub namespace: String,
    pub name: String,
}

pub const ADMIN_USER: &str = "kubesim-admin";
pub const MASTERS_GROUP: &str = "system:masters";

fn any_or(list: &[String], value: &str) -> bool {
    list.iter().any(|v| v == "*" || v == value)
}

pub fn allowed(rules: &[Rule], who: &Identity, attrs: &Attributes) -> bool {
    if who.groups.iter().any(|g| g == MASTERS_GROUP) {
        return true;
    }
    rules.iter().any(|r| {
        let applies = r.applies_to(who);
        let resource_ok = any_or(&r.resources, &attrs.resource)
            || attrs.resource.split_once('/').is_some_and(|(base, sub)| {
                r.resources
                    .iter()
                    .any(|x| *x == format!("{base}/*") || *x == format!("*/{sub}"))
            });
        applies
            && any_or(&r.verbs, &attrs.verb)
            && any_or(&r.api_groups, &attrs.group)
            && resource_ok
            && (r.namespaces.is_empty() || (!attrs.namespace.is_empty() && any_or(&r.namespaces, &attrs.namespace)))
    })
}

/// What every authenticated user may do, as the apiserver's `system:basic-user`,
/// `system:discovery` and `system:public-info-viewer` roles grant it (kubesim answers
/// these reviews and non-resource URLs for everyone).
const SELF_REVIEWS: &[(&str, &str)] = &[
    ("authentication.k8s.io", "selfsubjectreviews"),
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
];
const DISCOVERY_URLS: &[&str] = &[
    "/api",
    "/api/*",
    "/apis",
    "/apis/*",
    "/healthz",
    "/livez",
    "/openapi",
    "/openapi/*",
    "/readyz",
    "/version",
    "/version/",
];

/// The status of a SelfSubjectRulesReview: the rules that let `who` act in `namespace`
/// (those for every namespace, and those naming it), then what everyone may do.
pub fn rules_review_status(rules: &[Rule], who: &Identity, namespace: &str) -> serde_json::Value {
    use serde_json::json;
    let mut resource_rules = Vec::new();
    let mut non_resource_rules = Vec::new();
    if who.groups.iter().any(|g| g == MASTERS_GROUP) {
        resource_rules.push(json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}));
        non_resource_rules.push(json!({"verbs": ["*"], "nonResourceURLs": ["*"]}));
    }
    for r in rules.iter().filter(|r| r.applies_to(who)) {
        if r.namespaces.is_empty() || any_or(&r.namespaces, namespace) {
            resource_rules.push(json!({"verbs": r.verbs, "apiGroups": r.api_groups, "resources": r.resources}));
        }
    }
    for (group, resource) in SELF_REVIEWS {
        resource_rules.push(json!({"verbs": ["create"], "apiGroups": [group], "resources": [resource]}));
    }
    non_resource_rules.push(json!({"verbs": ["get"], "nonResourceURLs": DISCOVERY_URLS}));
    json!({"resourceRules": resource_rules, "nonResourceRules": non_resource_rules, "incomplete": false})
}

/// The apiserver's 403, word for word.
pub fn forbidden(who: &Identity, attrs: &Attributes) -> ApiError {
    // The subject names the parent resource; the sentence names resource/subresource.
    let resource = attrs
        .resource
        .split_once('/')
        .map_or(attrs.resource.as_str(), |(r, _)| r)
        .to_string();
    let qualified = ApiError::qualified(&attrs.group, &resource);
    let target = if attrs.name.is_empty() {
        format!("{qualified} is forbidden")
    } else {
        format!("{qualified} \"{}\" is forbidden", attrs.name)
    };
    let scope = if attrs.namespace.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace \"{}\"", attrs.namespace)
    };
    let message = format!(
        "{target}: User \"{}\" cannot {} resource \"{}\" in API group \"{}\" {scope}",
        who.user, attrs.verb, attrs.resource, attrs.group
    );
    let mut details = serde_json::json!({"name": attrs.name, "kind": resource});
    if !attrs.group.is_empty() {
        details["group"] = attrs.group.clone().into();
    }
    ApiError::new(403, "Forbidden", message).with_details(details)
}

/// Applies `Impersonate-User`/`Impersonate-Group` after checking the caller may use them.
pub fn impersonate(
    rules: &[Rule],
    caller: &Identity,
    user: Option<&str>,
    groups: &[String],
) -> Result<Identity, ApiError> {
    let Some(user) = user else {
        if groups.is_empty() {
            return Ok(caller.clone());
        }
        return Err(ApiError::new(
            500,
            "InternalError",
            format!("Internal error occurred: requested groups {groups:?} without impersonating a user"),
        ));
    };
    let check = |resource: &str, name: &str| {
        let attrs = Attributes {
            verb: "impersonate".into(),
            group: String::new(),
            resource: resource.into(),
            namespace: String::new(),
            name: name.into(),
        };
        if allowed(rules, caller, &attrs) {
            Ok(())
        } else {
            Err(forbidden(caller, &attrs))
        }
    };
    check("users", user)?;
    for g in groups {
        check("groups", g)?;
    }
    let mut all_groups = groups.to_vec();
    // The apiserver adds system:authenticated to every impersonated non-anonymous user.
    if !all_groups.iter().any(|g| g == "system:authenticated") {
        all_groups.push("system:authenticated".into());
    }
    Ok(Identity {
        user: user.to_string(),
        groups: all_groups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Identity {
        Identity {
            user: "alice".into(),
            groups: vec!["dev".into()],
        }
    }

    fn attrs(verb: &str, group: &str, resource: &str, ns: &str, name: &str) -> Attributes {
        Attributes {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            namespace: ns.into(),
            name: name.into(),
        }
    }

    #[test]
    fn rules_match_by_user_group_and_namespace() {
        let rules = vec![
            Rule::group("dev", &["get", "list"], &[""], &["pods"], &["team-a"]),
            Rule::user("alice", &["*"], &["apps"], &["deployments", "deployments/scale"], &[]),
        ];
        assert!(allowed(&rules, &alice(), &attrs("list", "", "pods", "team-a", "")));
        assert!(!allowed(&rules, &alice(), &attrs("list", "", "pods", "team-b", "")));
        assert!(!allowed(&rules, &alice(), &attrs("list", "", "pods", "", "")));
        assert!(allowed(
            &rules,
            &alice(),
            &attrs("patch", "apps", "deployments/scale", "x", "web")
        ));
        assert!(!allowed(&rules, &alice(), &attrs("delete", "", "pods", "team-a", "p")));
        let admin = Identity {
            user: "root".into(),
            groups: vec![MASTERS_GROUP.into()],
        };
        assert!(allowed(&[], &admin, &attrs("delete", "", "nodes", "", "n1")));
    }

    #[test]
    fn forbidden_messages_match_the_apiserver() {
        let e = forbidden(&alice(), &attrs("list", "", "pods", "y", ""));
        assert_eq!(
            e.message,
            "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"y\""
        );
        let e = forbidden(&alice(), &attrs("get", "apps", "deployments", "", "web"));
        assert_eq!(
            e.message,
            "deployments.apps \"web\" is forbidden: User \"alice\" cannot get resource \"deployments\" in API group \"apps\" at the cluster scope"
        );
        assert_eq!(e.code, 403);
    }

    #[test]
    fn rules_reviews_list_the_rules_for_the_namespace() {
        let rules = vec![
            Rule::group("dev", &["get", "list"], &[""], &["pods"], &["team-a"]),
            Rule::user("alice", &["get"], &["apps"], &["deployments"], &[]),
            Rule::user("bob", &["*"], &["*"], &["*"], &[]),
        ];
        let status = rules_review_status(&rules, &alice(), "team-a");
        let resources = status["resourceRules"].as_array().unwrap();
        assert_eq!(
            resources[..2],
            [
                serde_json::json!({"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}),
                serde_json::json!({"verbs": ["get"], "apiGroups": ["apps"], "resources": ["deployments"]}),
            ]
        );
        assert_eq!(resources.len(), 2 + SELF_REVIEWS.len());
        assert_eq!(status["incomplete"], false);
        let elsewhere = rules_review_status(&rules, &alice(), "team-b");
        assert_eq!(
            elsewhere["resourceRules"][0]["resources"],
            serde_json::json!(["deployments"])
        );
        let admin = Identity {
            user: ADMIN_USER.into(),
            groups: vec![MASTERS_GROUP.into()],
        };
        let all = rules_review_status(&[], &admin, "default");
        assert_eq!(all["resourceRules"][0]["verbs"], serde_json::json!(["*"]));
        assert_eq!(all["nonResourceRules"][0]["nonResourceURLs"], serde_json::json!(["*"]));
    }

    #[test]
    fn impersonation_needs_permission() {
        let rules = vec![Rule::user("alice", &["impersonate"], &[""], &["users", "groups"], &[])];
        let who = impersonate(&rules, &alice(), Some("bob"), &["ops".into()]).unwrap();
        assert_eq!(who.user, "bob");
        assert_eq!(who.groups, ["ops", "system:authenticated"]);
        let bob = Identity {
            user: "bob".into(),
            groups: vec![],
        };
        let err = impersonate(&rules, &bob, Some("alice"), &[]).unwrap_err();
        assert_eq!(
            err.message,
            "users \"alice\" is forbidden: User \"bob\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
        );
    }
}
