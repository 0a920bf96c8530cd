//! What a request may see of a cluster: the cluster's caches (read under Fleetdeck's own
//! identity) and, on `impersonate` clusters, the namespaces the caller may list, asked of the
//! apiserver with SelfSubjectAccessReviews under the caller's identity. In `shared` mode our
//! role alone decides.

use std::collections::HashSet;
use std::sync::Arc;

use futures::StreamExt;

use super::clients::{client_for, client_reading, identity, own_access};
use crate::AppState;
use crate::auth::Principal;
use crate::clusters::record::AuthzMode;
use crate::error::{ApiError, ApiResult};
use crate::kube::access::Attributes;
use crate::kube::cache::{Caches, Derive, ResourceCache, Source};
use crate::kube::discovery::ResourceInfo;
use crate::kube::pool::{Impersonation, NoClient, Reads};
use crate::store::clusters::ClusterRow;

/// Access reviews sent at once when a user's namespaces are checked one by one.
const REVIEWS_AT_ONCE: usize = 16;

/// The caller's impersonated client and a key naming their identity.
struct User {
    client: kube::Client,
    identity: String,
    impersonation: Impersonation,
}

pub struct ClusterScope {
    pub name: String,
    connection: String,
    client: kube::Client,
    /// None in `shared` mode.
    user: Option<User>,
    cluster: ClusterRow,
}

/// The error for a cluster Fleetdeck cannot reach.
pub fn no_client(name: &str, e: NoClient) -> ApiError {
    match e {
        NoClient::NoConnection => ApiError::conflict(
            "no_connection",
            format!("Fleetdeck has no connection to {name}; register one first"),
        ),
        NoClient::Broken(m) => ApiError::internal(anyhow::anyhow!("cluster {name}: {m}")),
    }
}

impl ClusterScope {
    /// The cluster `name` as `principal` reaches it; 404 when there is no such cluster.
    pub async fn open(state: &AppState, principal: &Principal, name: &str) -> ApiResult<ClusterScope> {
        let cluster: ClusterRow = state
            .store
            .cluster(name)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no cluster named {name}")))?;
        let (connection, client) = own_access(state, &cluster).await.map_err(|e| no_client(name, e))?;
        let user = match cluster.authz_mode == AuthzMode::Impersonate.as_str() {
            false => None,
            true => {
                let identity = identity(&cluster, principal, &state.settings.impersonate_groups)
                    .expect("impersonate mode has an identity");
                let key = format!("{}|{}", identity.user, identity.groups.join(","));
                let client = client_for(state, &cluster, Some(&identity))
                    .await
                    .map_err(|e| no_client(name, e))?;
                Some(User {
                    client,
                    identity: key,
                    impersonation: identity,
                })
            }
        };
        Ok(ClusterScope {
            name: name.to_string(),
            connection,
            client,
            user,
            cluster,
        })
    }

    fn source(&self) -> Source<'_> {
        Source {
            cluster: &self.name,
            connection: &self.connection,
            client: self.client.clone(),
        }
    }

    /// The client reads on the caller's behalf go through: theirs on `impersonate` clusters.
    pub fn reader_client(&self) -> kube::Client {
        self.user
            .as_ref()
            .map_or_else(|| self.client.clone(), |u| u.client.clone())
    }

    /// The cluster's environment (`prod`, `dev`…), as registered.
    pub fn environment(&self) -> &str {
        &self.cluster.environment
    }

    /// Whether reads go to the apiserver as the caller (`impersonate` clusters), so Kubernetes
    /// RBAC decides what they may read; in `shared` mode Fleetdeck reads as itself.
    pub fn acts_as_caller(&self) -> bool {
        self.user.is_some()
    }

    /// [`reader_client`](Self::reader_client) for an interactive session: without the read
    /// timeout, which would end an idle terminal.
    pub async fn session_client(&self, state: &AppState) -> ApiResult<kube::Client> {
        let identity = self.user.as_ref().map(|u| &u.impersonation);
        client_reading(state, &self.cluster, identity, Reads::Session)
            .await
            .map_err(|e| no_client(&self.name, e))
    }

    /// What the cluster serves.
    pub async fn discovery(&self, state: &AppState) -> ApiResult<Arc<Vec<ResourceInfo>>> {
        state.caches.discovery(&self.source()).await
    }

    /// The resource at `group/version/resource` (`core` for the core group); 404 when the
    /// cluster does not serve it, 400 when it cannot be listed and watched.
    pub async fn resource(
        &self,
        state: &AppState,
        group: &str,
        version: &str,
        resource: &str,
    ) -> ApiResult<ResourceInfo> {
        let group = if group == "core" { "" } else { group };
        let all = self.discovery(state).await?;
        let info = all
            .iter()
            .find(|r| r.group == group && r.version == version && r.resource == resource)
            .ok_or_else(|| {
                ApiError::new(
                    axum::http::StatusCode::NOT_FOUND,
                    "resource_not_found",
                    format!(
                        "cluster {} serves no resource {}",
                        self.name,
                        path(group, version, resource)
                    ),
                )
            })?;
        if !(info.can("list") && info.can("watch")) {
            return Err(ApiError::bad_request(
                "not_listable",
                format!("{} cannot be listed and watched", info.path()),
            ));
        }
        Ok(info.clone())
    }

    /// The shared cache of `info` (`caches` is `state.caches`).
    pub async fn cache<R: Derive>(&self, caches: &Caches<R>, info: &ResourceInfo) -> ApiResult<Arc<ResourceCache<R>>> {
        caches.get(&self.source(), info).await
    }

    /// Whether the caller may do `what`: asked of the apiserver as them on `impersonate`
    /// clusters; in `shared` mode our role alone decides, so yes.
    pub async fn allows(&self, state: &AppState, what: &Attributes) -> bool {
        match &self.user {
            None => true,
            Some(user) => {
                state
                    .access
                    .allowed(&user.client, &user.identity, &self.name, what)
                    .await
            }
        }
    }

    /// Whether an action `what` would be allowed by Kubernetes: asked as the caller on
    /// `impersonate` clusters, and as Fleetdeck itself on `shared` ones (whom the action runs as).
    pub async fn may(&self, state: &AppState, what: &Attributes) -> bool {
        let (client, identity) = match &self.user {
            Some(u) => (&u.client, u.identity.clone()),
            None => (&self.client, format!("fleetdeck|{}", self.connection)),
        };
        state.access.allowed(client, &identity, &self.name, what).await
    }

    /// The namespaces whose `info` rows the caller may see (None: all of them), among
    /// `wanted` when given; 403 when none.
    pub async fn namespaces(
        &self,
        state: &AppState,
        info: &ResourceInfo,
        wanted: Option<&str>,
    ) -> ApiResult<Option<HashSet<String>>> {
        let only = |ns: Option<&str>| ns.map(|n| HashSet::from([n.to_string()]));
        if self.user.is_none() {
            return Ok(only(wanted));
        }
        let ask = |ns: String| {
            let what = Attributes::list(&info.group, &info.resource, &ns);
            async move { (self.allows(state, &what).await, ns) }
        };
        let denied = || {
            ApiError::forbidden(
                "kube_forbidden",
                format!("you may not list {} in cluster {}", info.path(), self.name),
            )
        };
        if ask(wanted.unwrap_or_default().to_string()).await.0 {
            return Ok(only(wanted));
        }
        if wanted.is_some() || !info.namespaced {
            return Err(denied());
        }
        let namespaces = self.cache(&state.caches, &namespaces_resource()).await?;
        let names: Vec<String> = namespaces.keys().into_iter().map(|(_, name)| name).collect();
        let allowed: HashSet<String> = futures::stream::iter(names.into_iter().map(ask))
            .buffer_unordered(REVIEWS_AT_ONCE)
            .filter_map(|(ok, ns)| async move { ok.then_some(ns) })
            .collect()
            .await;
        if allowed.is_empty() {
            return Err(denied());
        }
        Ok(Some(allowed))
    }
}

fn path(group: &str, version: &str, resource: &str) -> String {
    let group = if group.is_empty() { "core" } else { group };
    format!("{group}/{version}/{resource}")
}

/// core/v1 namespaces.
pub fn namespaces_resource() -> ResourceInfo {
    ResourceInfo::builtin("", "v1", "namespaces", "Namespace", false)
}
