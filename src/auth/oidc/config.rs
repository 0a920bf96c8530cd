//! The OIDC providers file (`FLEETDECK_OIDC_CONFIG`): parsed strictly, every error naming the
//! provider and the field, client secrets read from their file or variable and never shown.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use openidconnect::ClientSecret;
use serde::Deserialize;

use crate::auth::identity::{Role, TenancyScope};

/// Which claim names the principal (its subject, and the user impersonated on clusters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UsernameClaim {
    Sub,
    Email,
}

/// One provider, validated; `client_secret` prints as `[redacted]`.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub id: String,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: ClientSecret,
    pub scopes: Vec<String>,
    pub groups_claim: String,
    pub username_claim: UsernameClaim,
    /// Group → role; the highest role of the user's groups wins.
    pub roles: BTreeMap<String, Role>,
    /// Group → tenancy scope, for users none of whose groups maps to a role: they get the
    /// `tenant` or `project` role of the one scope their groups map to.
    pub tenancy_scopes: BTreeMap<String, TenancyScope>,
    /// The role of users none of whose groups is mapped; `None` denies them.
    pub default_role: Option<Role>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    providers: Vec<RawProvider>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawProvider {
    id: String,
    name: String,
    issuer: String,
    client_id: String,
    client_secret_file: Option<PathBuf>,
    client_secret_env: Option<String>,
    scopes: Option<Vec<String>>,
    groups_claim: Option<String>,
    username_claim: Option<UsernameClaim>,
    #[serde(default)]
    roles: BTreeMap<String, Role>,
    #[serde(default)]
    tenancy_scopes: BTreeMap<String, String>,
    default_role: Option<Role>,
}

const DEFAULT_SCOPES: [&str; 4] = ["openid", "email", "profile", "offline_access"];

/// Reads and validates the providers file; `env` looks up `clientSecretEnv` variables.
pub fn load(path: &Path, env: impl Fn(&str) -> Option<String>) -> Result<Vec<ProviderConfig>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text, |p| std::fs::read_to_string(p).map_err(|e| e.to_string()), env)
}

/// [`load`] on the file's text, with the secret file reader given (for tests).
pub fn parse(
    text: &str,
    read: impl Fn(&Path) -> Result<String, String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<ProviderConfig>, String> {
    let de = yaml_serde::Deserializer::from_str(text);
    let file: File = serde_path_to_error::deserialize(de).map_err(|e| format!("{}: {}", e.path(), e.inner()))?;
    if file.providers.is_empty() {
        return Err("providers: name at least one provider".into());
    }
    let mut seen = std::collections::HashSet::new();
    file.providers
        .into_iter()
        .enumerate()
        .map(|(i, raw)| {
            let at = format!("providers[{i}] ({})", raw.id);
            if !seen.insert(raw.id.clone()) {
                return Err(format!("{at}: id is used twice"));
            }
            provider(raw, &read, &env).map_err(|m| format!("{at}: {m}"))
        })
        .collect()
}

fn provider(
    raw: RawProvider,
    read: &impl Fn(&Path) -> Result<String, String>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<ProviderConfig, String> {
    if !crate::names::is_dns_label(&raw.id) {
        return Err("id: must be a lowercase DNS label (it is part of the login URL)".into());
    }
    if raw.name.trim().is_empty() {
        return Err("name: must not be empty".into());
    }
    if !issuer_allowed(&raw.issuer) {
        return Err(format!(
            "issuer: {:?} must be an https:// URL (http:// only on localhost)",
            raw.issuer
        ));
    }
    if raw.client_id.is_empty() {
        return Err("clientId: must not be empty".into());
    }
    let secret = match (&raw.client_secret_file, &raw.client_secret_env) {
        (Some(path), None) => read(path)
            .map_err(|e| format!("clientSecretFile: cannot read {}: {e}", path.display()))?
            .trim_end_matches(['\r', '\n'])
            .to_string(),
        (None, Some(name)) => env(name).ok_or_else(|| format!("clientSecretEnv: the variable {name} is not set"))?,
        _ => return Err("set one of clientSecretFile or clientSecretEnv".into()),
    };
    if secret.is_empty() {
        return Err("the client secret is empty".into());
    }
    let scopes = raw.scopes.unwrap_or_else(|| DEFAULT_SCOPES.map(String::from).to_vec());
    if !scopes.iter().any(|s| s == "openid") {
        return Err("scopes: must include openid".into());
    }
    let human = |r: &Role| Role::Admin.satisfies(*r);
    if let Some((group, role)) = raw.roles.iter().find(|(_, r)| !human(r)) {
        return Err(format!("roles: {group}: {role} is not viewer, operator or admin"));
    }
    if let Some(role) = raw.default_role.filter(|r| !human(r)) {
        return Err(format!("defaultRole: {role} is not viewer, operator or admin"));
    }
    let mut tenancy_scopes = BTreeMap::new();
    for (group, scope) in raw.tenancy_scopes {
        if raw.roles.contains_key(&group) {
            return Err(format!("tenancyScopes: {group}: the group is mapped in roles too"));
        }
        let scope = scope.parse().map_err(|e| format!("tenancyScopes: {group}: {e}"))?;
        tenancy_scopes.insert(group, scope);
    }
    Ok(ProviderConfig {
        id: raw.id,
        name: raw.name,
        issuer: raw.issuer,
        client_id: raw.client_id,
        client_secret: ClientSecret::new(secret),
        scopes,
        groups_claim: raw.groups_claim.unwrap_or_else(|| "groups".into()),
        username_claim: raw.username_claim.unwrap_or(UsernameClaim::Sub),
        roles: raw.roles,
        tenancy_scopes,
        default_role: raw.default_role,
    })
}

fn issuer_allowed(issuer: &str) -> bool {
    let Ok(url) = openidconnect::url::Url::parse(issuer) else {
        return false;
    };
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    url.scheme() == "https" || (url.scheme() == "http" && loopback)
}

/// `FLEETDECK_PUBLIC_URL`: `http(s)://host[:port]`, kept without a trailing slash.
pub fn parse_public_url(s: &str) -> Result<String, String> {
    let url = openidconnect::url::Url::parse(s.trim()).map_err(|_| format!("{s:?} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "{s:?} must be an http(s) URL such as https://fleetdeck.example.com"
        ));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{s:?} must be an origin: Fleetdeck is served at the root"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEX: &str = "
providers:
  - id: dex
    name: Dex
    issuer: https://dex.example.com/
    clientId: fleetdeck
    clientSecretFile: /etc/fleetdeck/oidc/dex
    scopes: [openid, email, profile, groups, offline_access]
    groupsClaim: groups
    usernameClaim: email
    roles: {admins: admin, sre: operator, dev: viewer}
    tenancyScopes: {acme: tenant:t-acme, acme-web: project:p-web}
    defaultRole: viewer
  - id: okta
    name: Okta
    issuer: http://127.0.0.1:9000
    clientId: fd
    clientSecretEnv: OKTA_SECRET
";

    fn read(p: &Path) -> Result<String, String> {
        match p.to_str() {
            Some("/etc/fleetdeck/oidc/dex") => Ok("dex-secret\n".into()),
            _ => Err("no such file".into()),
        }
    }

    fn env(name: &str) -> Option<String> {
        (name == "OKTA_SECRET").then(|| "okta-secret".into())
    }

    #[test]
    fn the_contract_example_parses_with_defaults() {
        let p = parse(DEX, read, env).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[0].issuer, "https://dex.example.com/",
            "kept exactly: discovery compares it"
        );
        assert_eq!(p[0].client_secret.secret(), "dex-secret");
        assert_eq!(p[0].username_claim, UsernameClaim::Email);
        assert_eq!(p[0].roles.get("sre"), Some(&Role::Operator));
        assert_eq!(p[0].default_role, Some(Role::Viewer));
        assert_eq!(
            p[0].tenancy_scopes.get("acme-web"),
            Some(&TenancyScope::Project("p-web".into()))
        );
        assert!(p[1].tenancy_scopes.is_empty());
        assert_eq!(p[1].client_secret.secret(), "okta-secret");
        assert_eq!(p[1].scopes, ["openid", "email", "profile", "offline_access"]);
        assert_eq!(p[1].groups_claim, "groups");
        assert_eq!(p[1].username_claim, UsernameClaim::Sub);
        assert_eq!(p[1].default_role, None);
        assert!(!format!("{p:?}").contains("dex-secret"), "secrets never print");
    }

    #[test]
    fn errors_name_the_provider_and_field() {
        let one = |body: &str| {
            let text = format!("providers:\n  - id: dex\n    name: Dex\n    issuer: https://dex.example.com\n{body}");
            parse(&text, read, env).unwrap_err()
        };
        let cases = [
            (
                "    clientId: a\n    clientSecretEnv: OKTA_SECRET\n    colour: blue\n",
                "unknown field `colour`",
            ),
            ("    clientSecretEnv: OKTA_SECRET\n", "missing field `clientId`"),
            ("    clientId: a\n", "providers[0] (dex): set one of clientSecretFile"),
            (
                "    clientId: a\n    clientSecretEnv: NOPE\n",
                "clientSecretEnv: the variable NOPE is not set",
            ),
            (
                "    clientId: a\n    clientSecretFile: /x\n",
                "clientSecretFile: cannot read /x",
            ),
            (
                "    clientId: a\n    clientSecretEnv: OKTA_SECRET\n    scopes: [email]\n",
                "scopes: must include openid",
            ),
            (
                "    clientId: a\n    clientSecretEnv: OKTA_SECRET\n    roles: {x: root}\n",
                "providers[0].roles.x",
            ),
            (
                "    clientId: a\n    clientSecretEnv: OKTA_SECRET\n    roles: {x: flux-reader}\n",
                "roles: x: flux-reader is not",
            ),
            (
                "    clientId: a\n    clientSecretEnv: OKTA_SECRET\n    usernameClaim: upn\n",
                "providers[0].usernameClaim",
            ),
            (
                "    clientId: a\n    clientSecretEnv: OKTA_SECRET\n    tenancyScopes: {acme: customer:1}\n",
                "tenancyScopes: acme: ",
            ),
            (
                "    clientId: a\n    clientSecretEnv: OKTA_SECRET\n    roles: {acme: viewer}\n    tenancyScopes: {acme: tenant:t1}\n",
                "tenancyScopes: acme: the group is mapped in roles too",
            ),
        ];
        for (body, want) in cases {
            let err = one(body);
            assert!(err.contains(want), "{body}: {err}");
        }
        let http = "providers:\n  - {id: a, name: A, issuer: 'http://idp.example.com', clientId: a, clientSecretEnv: OKTA_SECRET}\n";
        assert!(parse(http, read, env).unwrap_err().contains("issuer"));
        let bad_id =
            "providers:\n  - {id: A_B, name: A, issuer: 'https://x', clientId: a, clientSecretEnv: OKTA_SECRET}\n";
        assert!(
            parse(bad_id, read, env)
                .unwrap_err()
                .contains("id: must be a lowercase DNS label")
        );
        let twice = "providers:\n  - {id: a, name: A, issuer: 'https://x', clientId: a, clientSecretEnv: OKTA_SECRET}\n  - {id: a, name: A, issuer: 'https://x', clientId: a, clientSecretEnv: OKTA_SECRET}\n";
        assert!(
            parse(twice, read, env)
                .unwrap_err()
                .contains("providers[1] (a): id is used twice")
        );
        assert!(parse("providers: []", read, env).unwrap_err().contains("at least one"));
    }

    #[test]
    fn public_urls_are_origins() {
        assert_eq!(
            parse_public_url("https://fd.example.com/").unwrap(),
            "https://fd.example.com"
        );
        assert_eq!(
            parse_public_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(parse_public_url("fd.example.com").is_err());
        assert!(parse_public_url("https://fd.example.com/console").is_err());
        assert!(parse_public_url("ftp://fd.example.com").is_err());
    }
}
