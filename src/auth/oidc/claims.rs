//! Pure parts of the login: an ID token's claims → who the user is, their role and tenancy scope,
//! and which redirect targets are safe.

use serde_json::{Map, Value};

use super::config::{ProviderConfig, UsernameClaim};
use crate::auth::identity::{Role, TenancyScope};

/// Who a provider says the user is, and the role Fleetdeck gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The `sub` or `email` claim, as `usernameClaim` says.
    pub subject: String,
    pub email: Option<String>,
    pub display_name: String,
    pub groups: Vec<String>,
    pub role: Role,
    /// For the `tenant` and `project` roles: the tenant or project.
    pub scope: Option<TenancyScope>,
}

/// Why claims do not make a principal: a stable code and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub code: &'static str,
    pub message: String,
    /// Who it was, when the claims told.
    pub subject: Option<String>,
}

/// Maps the (verified) claims of an ID token.
pub fn identity(provider: &ProviderConfig, claims: &Map<String, Value>) -> Result<Identity, Refused> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str).filter(|s| !s.is_empty());
    let email = text("email").map(str::to_string);
    let claim = match provider.username_claim {
        UsernameClaim::Sub => "sub",
        UsernameClaim::Email => "email",
    };
    let subject = text(claim).ok_or_else(|| Refused {
        code: "oidc_claim_missing",
        message: format!("the ID token has no {claim} claim, which names the user"),
        subject: None,
    })?;
    let groups = groups(claims.get(&provider.groups_claim));
    let refused = |code, message| Refused {
        code,
        message,
        subject: Some(subject.to_string()),
    };
    let (role, scope) = match (role(provider, &groups), scopes(provider, &groups).as_slice()) {
        (Some(role), _) => (role, None),
        (None, [scope]) => (scope.role(), Some(scope.clone())),
        (None, []) => match provider.default_role {
            Some(role) => (role, None),
            None => {
                let message = format!("none of your groups at {} gives a Fleetdeck role", provider.name);
                return Err(refused("no_role_mapped", message));
            }
        },
        (None, many) => {
            let names: Vec<String> = many.iter().map(ToString::to_string).collect();
            let message = format!(
                "your groups at {} map to several tenancy scopes ({}); a sign-in holds one",
                provider.name,
                names.join(", ")
            );
            return Err(refused("ambiguous_tenancy_scope", message));
        }
    };
    let display_name = text("name")
        .or_else(|| text("preferred_username"))
        .unwrap_or(subject)
        .to_string();
    Ok(Identity {
        subject: subject.to_string(),
        email,
        display_name,
        groups,
        role,
        scope,
    })
}

/// A groups claim: a list of strings, or one string.
fn groups(claim: Option<&Value>) -> Vec<String> {
    match claim {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(Value::String(one)) => vec![one.clone()],
        _ => vec![],
    }
}

/// The highest role any group maps to.
fn role(provider: &ProviderConfig, groups: &[String]) -> Option<Role> {
    groups
        .iter()
        .filter_map(|g| provider.roles.get(g).copied())
        .max_by_key(|r| [Role::Viewer, Role::Operator, Role::Admin].iter().position(|h| h == r))
}

/// The distinct tenancy scopes the groups map to, in order.
fn scopes(provider: &ProviderConfig, groups: &[String]) -> Vec<TenancyScope> {
    let mut scopes: Vec<TenancyScope> = groups
        .iter()
        .filter_map(|g| provider.tenancy_scopes.get(g).cloned())
        .collect();
    scopes.sort_by_key(ToString::to_string);
    scopes.dedup();
    scopes
}

/// Where to go after the login: a same-origin path (one leading `/`, not `//` or `/\`, no
/// control characters), else `/`.
pub fn safe_redirect(redirect: Option<&str>) -> String {
    match redirect {
        Some(r)
            if r.starts_with('/')
                && !r.starts_with("//")
                && !r.starts_with("/\\")
                && !r.chars().any(|c| c.is_control() || c == '\\') =>
        {
            r.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openidconnect::ClientSecret;
    use serde_json::json;

    fn provider(username_claim: UsernameClaim, default_role: Option<Role>) -> ProviderConfig {
        ProviderConfig {
            id: "dex".into(),
            name: "Dex".into(),
            issuer: "https://dex.example.com".into(),
            client_id: "fleetdeck".into(),
            client_secret: ClientSecret::new("s".into()),
            scopes: vec!["openid".into()],
            groups_claim: "groups".into(),
            username_claim,
            roles: [("admins", Role::Admin), ("sre", Role::Operator), ("dev", Role::Viewer)]
                .into_iter()
                .map(|(g, r)| (g.to_string(), r))
                .collect(),
            tenancy_scopes: [
                ("acme", "tenant:t1"),
                ("acme-web", "project:p1"),
                ("acme-also", "tenant:t1"),
            ]
            .into_iter()
            .map(|(g, s)| (g.to_string(), s.parse().unwrap()))
            .collect(),
            default_role,
        }
    }

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn the_highest_mapped_role_wins() {
        let p = provider(UsernameClaim::Sub, None);
        let c = claims(json!({"sub": "u1", "email": "a@x", "name": "Alice", "groups": ["dev", "sre", "other"]}));
        let id = identity(&p, &c).unwrap();
        assert_eq!(id.subject, "u1");
        assert_eq!(id.email.as_deref(), Some("a@x"));
        assert_eq!(id.display_name, "Alice");
        assert_eq!(id.groups, ["dev", "sre", "other"]);
        assert_eq!(id.role, Role::Operator);
        let c = claims(json!({"sub": "u1", "groups": ["sre", "admins"]}));
        assert_eq!(identity(&p, &c).unwrap().role, Role::Admin);
        let c = claims(json!({"sub": "u1", "groups": "dev"}));
        assert_eq!(identity(&p, &c).unwrap().role, Role::Viewer);
    }

    #[test]
    fn unmapped_users_get_the_default_role_or_are_denied() {
        let c = claims(json!({"sub": "u1", "groups": ["other"]}));
        let denied = identity(&provider(UsernameClaim::Sub, None), &c).unwrap_err();
        assert_eq!((denied.code, denied.subject.as_deref()), ("no_role_mapped", Some("u1")));
        let id = identity(&provider(UsernameClaim::Sub, Some(Role::Viewer)), &c).unwrap();
        assert_eq!((id.role, id.display_name.as_str()), (Role::Viewer, "u1"));
        let c = claims(json!({"sub": "u1"}));
        assert_eq!(
            identity(&provider(UsernameClaim::Sub, None), &c).unwrap_err().code,
            "no_role_mapped"
        );
    }

    #[test]
    fn groups_without_a_role_give_the_one_tenancy_scope_they_map_to() {
        // The scope wins over the default role, which is for users no group maps.
        let p = provider(UsernameClaim::Sub, Some(Role::Viewer));
        let id = identity(&p, &claims(json!({"sub": "u1", "groups": ["acme", "other"]}))).unwrap();
        assert_eq!(
            (id.role, id.scope),
            (Role::Tenant, Some(TenancyScope::Tenant("t1".into())))
        );
        let id = identity(&p, &claims(json!({"sub": "u1", "groups": ["acme-web"]}))).unwrap();
        assert_eq!(
            (id.role, id.scope),
            (Role::Project, Some(TenancyScope::Project("p1".into())))
        );
        // Two groups of the same scope are one scope.
        let id = identity(&p, &claims(json!({"sub": "u1", "groups": ["acme", "acme-also"]}))).unwrap();
        assert_eq!(id.scope, Some(TenancyScope::Tenant("t1".into())));
        // A role wins over a scope: staff are not tenants.
        let id = identity(&p, &claims(json!({"sub": "u1", "groups": ["acme", "sre"]}))).unwrap();
        assert_eq!((id.role, id.scope), (Role::Operator, None));
        let id = identity(&p, &claims(json!({"sub": "u1", "groups": ["other"]}))).unwrap();
        assert_eq!((id.role, id.scope), (Role::Viewer, None));
        let refused = identity(&p, &claims(json!({"sub": "u1", "groups": ["acme", "acme-web"]}))).unwrap_err();
        assert_eq!(refused.code, "ambiguous_tenancy_scope");
        assert!(refused.message.contains("project:p1, tenant:t1"), "{}", refused.message);
    }

    #[test]
    fn the_username_claim_names_the_subject() {
        let p = provider(UsernameClaim::Email, Some(Role::Viewer));
        let c = claims(json!({"sub": "u1", "email": "alice@example.com", "preferred_username": "alice"}));
        let id = identity(&p, &c).unwrap();
        assert_eq!(
            (id.subject.as_str(), id.display_name.as_str()),
            ("alice@example.com", "alice")
        );
        let missing = identity(&p, &claims(json!({"sub": "u1"}))).unwrap_err();
        assert_eq!(missing.code, "oidc_claim_missing");
    }

    #[test]
    fn only_same_origin_paths_are_redirect_targets() {
        assert_eq!(
            safe_redirect(Some("/clusters/prod?tab=pods")),
            "/clusters/prod?tab=pods"
        );
        for bad in [
            "https://evil.example.com",
            "//evil.example.com",
            "/\\evil.example.com",
            "evil",
            "javascript:alert(1)",
            "/a\r\nSet-Cookie: x=1",
            "/a\\b",
            "",
        ] {
            assert_eq!(safe_redirect(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_redirect(None), "/");
    }
}
