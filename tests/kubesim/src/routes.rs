//! Parsing request paths into what they address, and methods into RBAC verbs.

/// A path under `/api/v1` or `/apis/{group}/{version}` that names resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePath {
    pub group: String,
    pub version: String,
    pub namespace: Option<String>,
    pub resource: String,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Version,
    Health,
    CoreVersions,
    GroupList,
    GroupVersion {
        group: String,
        version: String,
    },
    /// `/openapi/v2` (and its old name `/swagger-2.0.0.pb-v1`)
    OpenApiV2,
    /// `/openapi/v3`
    OpenApiRoot,
    /// `/openapi/v3/apis/apps/v1`: the group/version part (`apis/apps/v1`).
    OpenApiGroupVersion(String),
    Resource(ResourcePath),
    /// `/api/v1/nodes/{node}/proxy/{path}`: the apiserver's proxy to a node's kubelet.
    NodeProxy {
        node: String,
        path: String,
    },
    NotFound,
}

pub fn parse(path: &str) -> Route {
    let segs: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let (group, version, rest) = match segs.as_slice() {
        ["version"] => return Route::Version,
        ["healthz" | "livez" | "readyz", ..] => return Route::Health,
        ["api"] => return Route::CoreVersions,
        ["apis"] => return Route::GroupList,
        ["openapi", "v2"] | ["swagger-2.0.0.pb-v1"] => return Route::OpenApiV2,
        ["openapi", "v3"] => return Route::OpenApiRoot,
        ["openapi", "v3", gv @ ..] => return Route::OpenApiGroupVersion(gv.join("/")),
        ["api", "v1", "nodes", node, "proxy", path @ ..] => {
            return Route::NodeProxy {
                node: node.to_string(),
                path: path.join("/"),
            };
        }
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return Route::NotFound,
    };
    let own = |s: &str| s.to_string();
    let rp = |namespace: Option<&str>, r: &[&str]| {
        Route::Resource(ResourcePath {
            group: own(group),
            version: own(version),
            namespace: namespace.map(own),
            resource: own(r[0]),
            name: r.get(1).map(|s| own(s)),
            subresource: r.get(2).map(|s| own(s)),
        })
    };
    match rest {
        [] => Route::GroupVersion {
            group: own(group),
            version: own(version),
        },
        // /namespaces/{ns}/status and /finalize are the namespace's own subresources.
        ["namespaces", ns, r @ ..] if !r.is_empty() && !matches!(r[0], "status" | "finalize") => {
            if r.len() > 3 {
                Route::NotFound
            } else {
                rp(Some(ns), r)
            }
        }
        r if r.len() <= 3 => rp(None, r),
        _ => Route::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(group: &str, ns: Option<&str>, resource: &str, name: Option<&str>, sub: Option<&str>) -> Route {
        Route::Resource(ResourcePath {
            group: group.into(),
            version: "v1".into(),
            namespace: ns.map(str::to_string),
            resource: resource.into(),
            name: name.map(str::to_string),
            subresource: sub.map(str::to_string),
        })
    }

    #[test]
    fn paths() {
        assert_eq!(parse("/version"), Route::Version);
        assert_eq!(parse("/api"), Route::CoreVersions);
        assert_eq!(parse("/apis"), Route::GroupList);
        assert_eq!(
            parse("/api/v1"),
            Route::GroupVersion {
                group: "".into(),
                version: "v1".into()
            }
        );
        assert_eq!(parse("/api/v1/pods"), res("", None, "pods", None, None));
        assert_eq!(parse("/api/v1/namespaces"), res("", None, "namespaces", None, None));
        assert_eq!(
            parse("/api/v1/namespaces/a"),
            res("", None, "namespaces", Some("a"), None)
        );
        assert_eq!(
            parse("/api/v1/namespaces/a/status"),
            res("", None, "namespaces", Some("a"), Some("status"))
        );
        assert_eq!(
            parse("/api/v1/namespaces/a/pods"),
            res("", Some("a"), "pods", None, None)
        );
        assert_eq!(
            parse("/apis/apps/v1/namespaces/a/deployments/web/scale"),
            res("apps", Some("a"), "deployments", Some("web"), Some("scale"))
        );
        assert_eq!(
            parse("/apis/apps/v1/namespaces/a/deployments/web/scale/x"),
            Route::NotFound
        );
        assert_eq!(parse("/foo"), Route::NotFound);
        assert_eq!(
            parse("/api/v1/nodes/node-a/proxy/stats/summary"),
            Route::NodeProxy {
                node: "node-a".into(),
                path: "stats/summary".into()
            }
        );
        assert_eq!(parse("/openapi/v3"), Route::OpenApiRoot);
        assert_eq!(
            parse("/openapi/v3/apis/apps/v1"),
            Route::OpenApiGroupVersion("apis/apps/v1".into())
        );
    }
}
