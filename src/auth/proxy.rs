//! Trusted reverse-proxy authentication (oauth2-proxy and the like): a proxy in front of Fleetdeck
//! signs users in and names them, and their groups, in request headers. The headers count only on
//! requests whose peer is a trusted proxy (`FLEETDECK_TRUSTED_PROXIES`); from anyone else they are
//! ignored, since any client can send them.

use axum::http::{HeaderMap, HeaderName};

use super::{AuthMethod, Owner, Principal, Role};
use crate::error::ApiError;

/// The longest user name a proxy may assert.
const MAX_USER_LEN: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyAuth {
    pub user_header: HeaderName,
    pub groups_header: Option<HeaderName>,
    /// group → role; a user gets the highest role any of their groups maps to.
    pub roles: Vec<(String, Role)>,
    /// The role of users none of whose groups is mapped; `None` denies them.
    pub default_role: Option<Role>,
}

/// A setting that is wrong: the variable and why.
pub type SettingError = (&'static str, String);

impl ProxyAuth {
    /// The settings as given; `None` when the user header is empty (proxy auth is off).
    pub fn parse(
        user_header: &str,
        groups_header: &str,
        roles: &str,
        default_role: &str,
    ) -> Result<Option<ProxyAuth>, SettingError> {
        let header = |env: &'static str, name: &str| {
            HeaderName::try_from(name.trim()).map_err(|_| (env, format!("{name:?} is not a header name")))
        };
        if user_header.trim().is_empty() {
            return Ok(None);
        }
        let user_header = header("FLEETDECK_PROXY_AUTH_USER_HEADER", user_header)?;
        let groups_header = match groups_header.trim() {
            "" => None,
            name => Some(header("FLEETDECK_PROXY_AUTH_GROUPS_HEADER", name)?),
        };
        let human = |env: &'static str, role: &str| match role.trim().parse::<Role>() {
            Ok(r) if Role::Admin.satisfies(r) => Ok(r),
            Ok(r) => Err((env, format!("users are viewer, operator or admin, not {r}"))),
            Err(m) => Err((env, m)),
        };
        let roles = roles
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|entry| {
                let (group, role) = entry
                    .split_once('=')
                    .filter(|(g, _)| !g.trim().is_empty())
                    .ok_or(("FLEETDECK_PROXY_AUTH_ROLES", format!("{entry:?} is not group=role")))?;
                Ok((group.trim().to_string(), human("FLEETDECK_PROXY_AUTH_ROLES", role)?))
            })
            .collect::<Result<_, SettingError>>()?;
        let default_role = match default_role.trim() {
            "" => None,
            role => Some(human("FLEETDECK_PROXY_AUTH_DEFAULT_ROLE", role)?),
        };
        Ok(Some(ProxyAuth {
            user_header,
            groups_header,
            roles,
            default_role,
        }))
    }

    /// The highest role the groups map to, else the default role.
    pub fn role_for(&self, groups: &[String]) -> Option<Role> {
        self.roles
            .iter()
            .filter(|(g, _)| groups.contains(g))
            .map(|(_, r)| *r)
            .reduce(|best, r| if r.satisfies(best) { r } else { best })
            .or(self.default_role)
    }

    /// The principal the proxy's headers name; `None` when the user header is absent. The caller
    /// checks that the peer is a trusted proxy.
    pub fn principal(&self, headers: &HeaderMap) -> Result<Option<Principal>, ApiError> {
        let Some(value) = headers.get(&self.user_header) else {
            return Ok(None);
        };
        let user = value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|u| !u.is_empty() && u.len() <= MAX_USER_LEN && !u.chars().any(char::is_control))
            .ok_or_else(|| {
                ApiError::unauthenticated(
                    "invalid_proxy_identity",
                    format!("the proxy's {} header is not a user name", self.user_header),
                )
            })?;
        let groups = self
            .groups_header
            .as_ref()
            .map(|h| groups(headers, h))
            .unwrap_or_default();
        let role = self.role_for(&groups).ok_or_else(|| {
            ApiError::forbidden(
                "no_role_mapped",
                format!("none of {user}'s groups is given a Fleetdeck role"),
            )
        })?;
        Ok(Some(Principal {
            groups,
            ..Principal::new(
                user.to_string(),
                user.to_string(),
                role,
                AuthMethod::Proxy,
                Owner::Proxy(user.to_string()),
            )
        }))
    }
}

/// The comma-separated groups of every `name` header.
fn groups(headers: &HeaderMap, name: &HeaderName) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy(roles: &str, default_role: &str) -> ProxyAuth {
        ProxyAuth::parse("X-Forwarded-User", "X-Forwarded-Groups", roles, default_role)
            .unwrap()
            .unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn settings_parse_and_name_the_variable() {
        assert_eq!(ProxyAuth::parse("", "x", "a=admin", "viewer"), Ok(None), "off");
        let p = proxy(" admins = admin , sre=operator", "viewer");
        assert_eq!(p.user_header, "x-forwarded-user");
        assert_eq!(
            p.roles,
            [("admins".to_string(), Role::Admin), ("sre".to_string(), Role::Operator)]
        );
        assert_eq!(p.default_role, Some(Role::Viewer));
        let err = |roles: &str, default: &str| ProxyAuth::parse("u", "", roles, default).unwrap_err().0;
        assert_eq!(err("admins", ""), "FLEETDECK_PROXY_AUTH_ROLES");
        assert_eq!(err("=admin", ""), "FLEETDECK_PROXY_AUTH_ROLES");
        assert_eq!(err("x=root", ""), "FLEETDECK_PROXY_AUTH_ROLES");
        assert_eq!(err("x=flux-reader", ""), "FLEETDECK_PROXY_AUTH_ROLES");
        assert_eq!(err("", "wizard"), "FLEETDECK_PROXY_AUTH_DEFAULT_ROLE");
        assert_eq!(
            ProxyAuth::parse("bad header", "", "", "").unwrap_err().0,
            "FLEETDECK_PROXY_AUTH_USER_HEADER"
        );
    }

    #[test]
    fn the_highest_mapped_role_wins_else_the_default() {
        let p = proxy("dev=viewer,admins=admin,sre=operator", "");
        let groups = |g: &[&str]| g.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(p.role_for(&groups(&["dev", "sre"])), Some(Role::Operator));
        assert_eq!(p.role_for(&groups(&["admins", "dev"])), Some(Role::Admin));
        assert_eq!(p.role_for(&groups(&["other"])), None, "no default: denied");
        assert_eq!(proxy("sre=operator", "viewer").role_for(&[]), Some(Role::Viewer));
    }

    #[test]
    fn principals_from_headers() {
        let p = proxy("sre=operator", "");
        assert!(
            p.principal(&HeaderMap::new()).unwrap().is_none(),
            "no header: not a proxy request"
        );
        let h = headers(&[
            ("x-forwarded-user", " alice@example.com "),
            ("x-forwarded-groups", "dev, sre"),
            ("x-forwarded-groups", "ops"),
        ]);
        let alice = p.principal(&h).unwrap().unwrap();
        assert_eq!(alice.subject, "alice@example.com");
        assert_eq!(alice.role, Role::Operator);
        assert_eq!(alice.method, AuthMethod::Proxy);
        assert_eq!(alice.groups, ["dev", "sre", "ops"]);
        let denied = p.principal(&headers(&[("x-forwarded-user", "bob")])).unwrap_err();
        assert_eq!(denied.code, "no_role_mapped");
        let blank = p.principal(&headers(&[("x-forwarded-user", " ")])).unwrap_err();
        assert_eq!(blank.code, "invalid_proxy_identity");
    }
}
