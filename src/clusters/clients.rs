//! The clients of a cluster: Fleetdeck's own, or the caller's on `impersonate` clusters, built
//! by the pool from where the cluster's connection comes from.

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::clusters::record::{self, AuthzMode};
use crate::kube::pool::{Impersonation, NoClient, Reads, Target};
use crate::store::clusters::ClusterRow;

/// Who the caller is on a cluster: Fleetdeck itself in `shared` mode, the caller impersonated
/// otherwise, with the groups of their role and those their identity provider or proxy named.
pub fn identity(cluster: &ClusterRow, principal: &Principal, groups: &[(Role, String)]) -> Option<Impersonation> {
    (cluster.authz_mode == AuthzMode::Impersonate.as_str()).then(|| Impersonation {
        user: principal.subject.clone(),
        groups: groups
            .iter()
            .filter(|(r, _)| *r == principal.role)
            .map(|(_, g)| g.clone())
            .chain(principal.groups.iter().cloned())
            .collect(),
    })
}

/// The client of `cluster` as `identity` (None: Fleetdeck's own).
pub async fn client_for(
    state: &AppState,
    cluster: &ClusterRow,
    identity: Option<&Impersonation>,
) -> Result<kube::Client, NoClient> {
    client_reading(state, cluster, identity, Reads::Prompt).await
}

/// [`client_for`], reading as `reads` says.
pub async fn client_reading(
    state: &AppState,
    cluster: &ClusterRow,
    identity: Option<&Impersonation>,
    reads: Reads,
) -> Result<kube::Client, NoClient> {
    let sealed = sealed(state, cluster).await?;
    let s = &state.settings;
    state
        .pool
        .client(
            target(cluster, sealed.as_deref()),
            &s.kubeconfig,
            s.secret_key.as_ref(),
            identity,
            reads,
        )
        .await
}

/// How the pool reaches `cluster` as `identity`: what its clients are built from.
pub async fn config_for(
    state: &AppState,
    cluster: &ClusterRow,
    identity: Option<&Impersonation>,
) -> Result<kube::Config, NoClient> {
    let sealed = sealed(state, cluster).await?;
    let s = &state.settings;
    crate::kube::pool::config(
        target(cluster, sealed.as_deref()),
        &s.kubeconfig,
        s.secret_key.as_ref(),
        identity,
    )
    .await
}

/// The cluster's connection and Fleetdeck's own client of it: what a `kube::cache::Source` for a
/// background task (no caller to act as) is made of.
pub async fn own_access(state: &AppState, cluster: &ClusterRow) -> Result<(String, kube::Client), NoClient> {
    Ok((
        connection(state, cluster).await?,
        client_for(state, cluster, None).await?,
    ))
}

/// Names the cluster's connection: it changes when the connection does, so caches keyed by it
/// are started anew.
pub async fn connection(state: &AppState, cluster: &ClusterRow) -> Result<String, NoClient> {
    let sealed = sealed(state, cluster).await?;
    Ok(crate::kube::pool::connection_id(target(cluster, sealed.as_deref())))
}

/// The sealed credentials of a registered cluster.
async fn sealed(state: &AppState, cluster: &ClusterRow) -> Result<Option<String>, NoClient> {
    match cluster.source.as_str() {
        record::REGISTERED => state
            .store
            .cluster_credentials(&cluster.name)
            .await
            .map_err(|e| NoClient::Broken(e.to_string())),
        _ => Ok(None),
    }
}

fn target<'a>(cluster: &'a ClusterRow, sealed: Option<&'a str>) -> Target<'a> {
    Target {
        name: &cluster.name,
        source: &cluster.source,
        server_url: cluster.server_url.as_deref(),
        sealed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{AuthMethod, Owner};

    #[test]
    fn impersonation_carries_the_role_groups_and_an_oidc_users_own() {
        let at = chrono::Utc::now();
        let cluster = |authz: AuthzMode| ClusterRow {
            name: "prod".into(),
            display_name: "prod".into(),
            dns: None,
            environment: "prod".into(),
            labels: sqlx::types::Json(Default::default()),
            source: "registered".into(),
            server_url: None,
            authz_mode: authz.as_str().into(),
            created_at: at,
            updated_at: at,
        };
        let principal = Principal {
            email: Some("alice@example.com".into()),
            groups: vec!["sre".into()],
            ..Principal::new(
                "alice@example.com".into(),
                "Alice".into(),
                Role::Operator,
                AuthMethod::Oidc,
                Owner::Provider("dex:alice@example.com".into()),
            )
        };
        let groups = [
            (Role::Viewer, "fd:viewers".to_string()),
            (Role::Operator, "fd:operators".to_string()),
        ];
        let who = identity(&cluster(AuthzMode::Impersonate), &principal, &groups).unwrap();
        assert_eq!(who.user, "alice@example.com");
        assert_eq!(who.groups, ["fd:operators", "sre"]);
        assert!(identity(&cluster(AuthzMode::Shared), &principal, &groups).is_none());
    }
}
