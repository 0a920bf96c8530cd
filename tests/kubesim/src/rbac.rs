//! Authorization from the RBAC objects stored in the simulator — Roles, ClusterRoles and their
//! bindings — added to the configured rule table, as the apiserver's RBAC authorizer reads
//! them: what lets a ServiceAccount's TokenRequest token act where a RoleBinding says.

use serde_json::Value;

use crate::auth::{Rule, Subject};
use crate::discovery::{self, ResourceInfo};
use crate::selectors::{FieldSelector, LabelSelector};
use crate::store::Store;

const GROUP: &str = "rbac.authorization.k8s.io";

fn info(resource: &str) -> &'static ResourceInfo {
    discovery::find(GROUP, "v1", resource).expect("RBAC kinds are built in")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// A binding's subjects as the rule table names them: a ServiceAccount is the user its tokens
/// authenticate as.
fn subjects(binding: &Value) -> Vec<Subject> {
    binding["subjects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| {
            let name = s["name"].as_str()?;
            match s["kind"].as_str()? {
                "User" => Some(Subject::User(name.into())),
                "Group" => Some(Subject::Group(name.into())),
                "ServiceAccount" => {
                    let namespace = s["namespace"].as_str().or(binding["metadata"]["namespace"].as_str())?;
                    Some(Subject::User(format!("system:serviceaccount:{namespace}:{name}")))
                }
                _ => None,
            }
        })
        .collect()
}

/// The rules of a role as table rows for `subject` in `namespaces` (empty: everywhere). Rules
/// naming `resourceNames` or only `nonResourceURLs` are left out: the table cannot say them, and
/// leaving them out refuses rather than grants too much.
fn rows(role: &Value, subject: &Subject, namespaces: &[String]) -> Vec<Rule> {
    role["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| strings(&r["resourceNames"]).is_empty() && !strings(&r["resources"]).is_empty())
        .map(|r| Rule {
            subject: subject.clone(),
            verbs: strings(&r["verbs"]),
            api_groups: strings(&r["apiGroups"]),
            resources: strings(&r["resources"]),
            namespaces: namespaces.to_vec(),
        })
        .collect()
}

/// Every stored binding's grants as rule-table rows: a RoleBinding's in its namespace (of a
/// Role there or a ClusterRole), a ClusterRoleBinding's everywhere. A binding to a role that
/// does not exist grants nothing.
pub fn stored_rules(store: &Store) -> Vec<Rule> {
    let (labels, fields) = (LabelSelector::default(), FieldSelector::default());
    let role = |kind: &str, namespace: &str, name: &str| match kind {
        "Role" => store.get(info("roles"), namespace, name).ok(),
        "ClusterRole" => store.get(info("clusterroles"), "", name).ok(),
        _ => None,
    };
    let mut rules = Vec::new();
    for (resource, namespaced) in [("rolebindings", true), ("clusterrolebindings", false)] {
        for (_, binding) in store.select(info(resource), None, &labels, &fields) {
            let namespace = binding["metadata"]["namespace"].as_str().unwrap_or_default();
            let reference = &binding["roleRef"];
            let (Some(kind), Some(name)) = (reference["kind"].as_str(), reference["name"].as_str()) else {
                continue;
            };
            // A ClusterRoleBinding may only name a ClusterRole.
            if !namespaced && kind != "ClusterRole" {
                continue;
            }
            let Some(role) = role(kind, namespace, name) else {
                continue;
            };
            let scope: Vec<String> = if namespaced {
                vec![namespace.to_string()]
            } else {
                Vec::new()
            };
            for subject in subjects(binding) {
                rules.extend(rows(&role, &subject, &scope));
            }
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::auth::{Attributes, Identity, allowed};
    use crate::tokens::service_account_identity;

    fn attrs(verb: &str, group: &str, resource: &str, namespace: &str) -> Attributes {
        Attributes {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            namespace: namespace.into(),
            name: String::new(),
        }
    }

    #[test]
    fn role_bindings_grant_their_roles_rules_in_their_namespace_only() {
        let mut store = Store::new(100);
        let ns = discovery::find("", "v1", "namespaces").unwrap();
        for name in ["team-a", "team-b"] {
            store.create(ns, "", json!({"metadata": {"name": name}})).unwrap();
        }
        store
            .create(
                info("roles"),
                "team-a",
                json!({"metadata": {"name": "deployer", "namespace": "team-a"},
                "rules": [
                    {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "patch"]},
                    {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["one"], "verbs": ["get"]},
                ]}),
            )
            .unwrap();
        store
            .create(
                info("clusterroles"),
                "",
                json!({"metadata": {"name": "pod-reader"},
                "rules": [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]}]}),
            )
            .unwrap();
        store
            .create(
                info("rolebindings"),
                "team-a",
                json!({"metadata": {"name": "ci", "namespace": "team-a"},
                "roleRef": {"apiGroup": GROUP, "kind": "Role", "name": "deployer"},
                "subjects": [{"kind": "ServiceAccount", "name": "ci"}]}),
            )
            .unwrap();
        store
            .create(info("rolebindings"), "team-a", json!({"metadata": {"name": "readers", "namespace": "team-a"},
                "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": "pod-reader"},
                "subjects": [{"kind": "Group", "name": "auditors"}, {"kind": "ServiceAccount", "name": "ci", "namespace": "team-a"}]}))
            .unwrap();
        store
            .create(
                info("clusterrolebindings"),
                "",
                json!({"metadata": {"name": "nobody"},
                "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": "missing"},
                "subjects": [{"kind": "User", "name": "eve"}]}),
            )
            .unwrap();
        let rules = stored_rules(&store);
        let ci = service_account_identity("team-a", "ci");
        assert!(allowed(&rules, &ci, &attrs("patch", "apps", "deployments", "team-a")));
        assert!(allowed(&rules, &ci, &attrs("get", "", "pods/log", "team-a")));
        // Not in another namespace, not a verb the role lacks, not a rule with resourceNames.
        assert!(!allowed(&rules, &ci, &attrs("patch", "apps", "deployments", "team-b")));
        assert!(!allowed(&rules, &ci, &attrs("delete", "apps", "deployments", "team-a")));
        assert!(!allowed(&rules, &ci, &attrs("get", "", "secrets", "team-a")));
        let auditor = Identity {
            user: "ann".into(),
            groups: vec!["auditors".into()],
        };
        assert!(allowed(&rules, &auditor, &attrs("list", "", "pods", "team-a")));
        assert!(!allowed(&rules, &auditor, &attrs("list", "", "pods", "")));
        let eve = Identity {
            user: "eve".into(),
            groups: Vec::new(),
        };
        assert!(!allowed(&rules, &eve, &attrs("get", "", "pods", "team-a")));
    }
}
