//! Where clusters' connections come from: kubeconfig files read at start, and connections
//! registered through the API (inline credentials only, sealed at rest, checked before storing).

use std::path::Path;

use serde_json::json;

use super::record::{AuthzMode, ClusterMeta, IN_CLUSTER, KUBECONFIG, METADATA_ONLY, REGISTERED};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::kube::kubeconfig::{self, Connection, check_connection};
use crate::kube::{client, secret_box};
use crate::names::is_dns_label;
use crate::store::Store;
use crate::store::clusters::ConnectionWrite;

/// The connection fields of a create or update body.
#[derive(Debug, Default)]
pub struct ConnectionInput {
    pub kubeconfig: Option<String>,
    pub server: Option<String>,
    pub certificate_authority_data: Option<String>,
    pub token: Option<String>,
    pub insecure_skip_tls_verify: Option<bool>,
}

impl ConnectionInput {
    pub fn is_empty(&self) -> bool {
        self.kubeconfig.is_none()
            && self.server.is_none()
            && self.certificate_authority_data.is_none()
            && self.token.is_none()
            && self.insecure_skip_tls_verify.is_none()
    }

    /// The connection these fields describe; `None` when they describe none.
    pub fn connection(self) -> ApiResult<Option<Connection>> {
        if self.is_empty() {
            return Ok(None);
        }
        let connection = match self.kubeconfig {
            Some(doc) => {
                if self.server.is_some() || self.token.is_some() || self.certificate_authority_data.is_some() {
                    return Err(ApiError::unprocessable(
                        "invalid_connection",
                        "send either kubeconfig, or server and token (with certificateAuthorityData when the CA is private)",
                    ));
                }
                let parsed = kubeconfig::parse(&doc).map_err(|m| ApiError::unprocessable("invalid_kubeconfig", m))?;
                parsed
                    .registered_connection()
                    .map_err(|m| ApiError::unprocessable("invalid_kubeconfig", m))?
                    .1
            }
            None => Connection {
                server: self.server.unwrap_or_default(),
                certificate_authority_data: self.certificate_authority_data,
                insecure_skip_tls_verify: self.insecure_skip_tls_verify.unwrap_or(false),
                token: self.token,
                client_certificate_data: None,
                client_key_data: None,
            },
        };
        check_connection(&connection).map_err(|m| ApiError::unprocessable("invalid_connection", m))?;
        Ok(Some(connection))
    }
}

/// Checks a connection (unless `skip_verify`) and seals it for the cluster `name`.
pub async fn register(
    state: &AppState,
    name: &str,
    connection: &Connection,
    authz_mode: AuthzMode,
    skip_verify: bool,
) -> ApiResult<ConnectionWrite> {
    let Some(key) = &state.settings.secret_key else {
        return Err(ApiError::unprocessable(
            "secret_key_required",
            "this server has no FLEETDECK_SECRET_KEY, so it will not store cluster credentials",
        ));
    };
    if !skip_verify && let Err(f) = client::check(connection).await {
        return Err(ApiError::unprocessable("connection_failed", f.message).with_details(json!({"reason": f.reason})));
    }
    let plain = serde_json::to_vec(connection).map_err(ApiError::internal)?;
    Ok(ConnectionWrite {
        cluster: name.to_string(),
        source: REGISTERED.into(),
        server_url: Some(connection.server.clone()),
        authz_mode: authz_mode.as_str().into(),
        credentials: Some(secret_box::seal(key, name, &plain)),
    })
}

/// The stored connection of a registered cluster, unchanged (to change only its authz mode).
pub async fn authz_only(state: &AppState, name: &str) -> ApiResult<ConnectionWrite> {
    let record = state
        .store
        .cluster(name)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no cluster named {name}")))?;
    Ok(ConnectionWrite {
        cluster: name.to_string(),
        source: record.source,
        server_url: record.server_url,
        authz_mode: record.authz_mode,
        credentials: state.store.cluster_credentials(name).await?,
    })
}

/// Makes the registry match the kubeconfig files: each context is a cluster (a context name
/// that is not a DNS label becomes a slug, with the original as display name); clusters that
/// left the files keep their metadata and lose the connection. Registered clusters win a clash.
pub async fn sync_kubeconfig(
    store: &Store,
    files: &[impl AsRef<Path>],
    default_environment: &str,
) -> anyhow::Result<()> {
    let mut contexts = Vec::new();
    for file in files {
        let path = file.as_ref();
        let parsed = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| kubeconfig::parse(&t));
        match parsed {
            Ok(k) => contexts.extend(k.contexts()),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = e, "skipping a kubeconfig file that cannot be read")
            }
        }
    }
    let sources: std::collections::BTreeMap<String, String> = store
        .list_clusters()
        .await?
        .into_iter()
        .map(|c| (c.name, c.source))
        .collect();
    let mut new = Vec::new();
    let mut connections = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (context, server) in contexts {
        let name = if is_dns_label(&context) {
            context.clone()
        } else {
            kubeconfig::slug(&context)
        };
        if !seen.insert(name.clone()) {
            continue; // the first file that names a context wins, as kubectl merges them
        }
        if sources.get(&name).is_some_and(|s| s == REGISTERED) {
            tracing::warn!(
                cluster = name,
                "a registered cluster has the name of a kubeconfig context; keeping the registered one"
            );
            continue;
        }
        if !sources.contains_key(&name) {
            new.push(ClusterMeta {
                name: name.clone(),
                display_name: context.clone(),
                dns: None,
                environment: default_environment.to_string(),
                labels: Default::default(),
                source: KUBECONFIG.into(),
            });
        }
        connections.push(ConnectionWrite {
            cluster: name,
            source: KUBECONFIG.into(),
            server_url: Some(server),
            authz_mode: AuthzMode::Shared.as_str().into(),
            credentials: None,
        });
    }
    for (name, source) in &sources {
        if source == KUBECONFIG && !seen.contains(name) {
            connections.push(ConnectionWrite {
                cluster: name.clone(),
                source: METADATA_ONLY.into(),
                server_url: None,
                authz_mode: AuthzMode::Shared.as_str().into(),
                credentials: None,
            });
        }
    }
    let count = connections.len();
    store
        .write_clusters(&connections, move |c| {
            for meta in new {
                c.insert(meta.name.clone(), meta);
            }
            Ok::<_, ()>(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    tracing::info!(clusters = count, "kubeconfig clusters are in the registry");
    Ok(())
}

/// The cluster Fleetdeck runs in, when it runs in a pod: `server` is the in-cluster apiserver URL
/// (from the service account environment). It is kept as the cluster `in-cluster`.
pub async fn sync_in_cluster(store: &Store, server: Option<String>, default_environment: &str) -> anyhow::Result<()> {
    const NAME: &str = IN_CLUSTER;
    let Some(server) = server else { return Ok(()) };
    let existing = store.cluster(NAME).await?;
    if existing.as_ref().is_some_and(|c| c.source == REGISTERED) {
        tracing::warn!("a registered cluster is named in-cluster; not replacing its connection");
        return Ok(());
    }
    let meta = ClusterMeta {
        name: NAME.into(),
        display_name: "This cluster".into(),
        dns: None,
        environment: default_environment.to_string(),
        labels: Default::default(),
        source: IN_CLUSTER.into(),
    };
    let connection = ConnectionWrite {
        cluster: NAME.into(),
        source: IN_CLUSTER.into(),
        server_url: Some(server),
        authz_mode: existing.map_or_else(|| AuthzMode::Shared.as_str().to_string(), |c| c.authz_mode),
        credentials: None,
    };
    store
        .write_clusters(&[connection], move |c| {
            c.entry(meta.name.clone()).or_insert(meta);
            Ok::<_, ()>(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok(())
}
