//! One `kube::Client` per cluster (and per impersonated identity), built on first use and
//! rebuilt when the cluster's connection changes.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use kube::config::{KubeConfigOptions, Kubeconfig};

use super::client::{self, answer_promptly};
use super::kubeconfig::{self, Connection};
use super::secret_box::{SecretKey, open};
use crate::clusters::record::{IN_CLUSTER, KUBECONFIG, REGISTERED};
use crate::names::is_dns_label;

/// Who requests are made as, on clusters in `impersonate` mode.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Impersonation {
    pub user: String,
    pub groups: Vec<String>,
}

/// How a client waits for the apiserver's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Requests and watches: a read timeout, so a stalled apiserver is an error at once.
    Prompt,
    /// Interactive sessions (exec): an idle terminal reads nothing for minutes, so no read
    /// timeout (the session has its own idle timeout).
    Session,
}

/// Why a cluster has no client.
#[derive(Debug, Clone, PartialEq)]
pub enum NoClient {
    /// Metadata only: Fleetdeck has never been given a way in.
    NoConnection,
    /// The connection is there but cannot be used (unreadable file, wrong key…).
    Broken(String),
}

/// What the pool needs to know of a cluster to reach it.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub name: &'a str,
    /// One of `clusters::record`'s sources.
    pub source: &'a str,
    pub server_url: Option<&'a str>,
    /// The sealed credentials of a registered cluster.
    pub sealed: Option<&'a str>,
}

/// Names the cluster's connection: it changes when the connection does (never holds a secret).
pub fn connection_id(cluster: Target<'_>) -> String {
    format!(
        "{}|{}|{}",
        cluster.source,
        cluster.server_url.unwrap_or(""),
        cluster.sealed.map(crate::auth::secret::digest).unwrap_or_default(),
    )
}

#[derive(Default)]
pub struct ClusterPool {
    clients: Mutex<HashMap<String, (String, kube::Client)>>,
}

impl ClusterPool {
    /// The client for `cluster` as `identity` (None: Fleetdeck's own), building it if the
    /// connection is new or changed.
    pub async fn client(
        &self,
        cluster: Target<'_>,
        kubeconfig_files: &[PathBuf],
        key: Option<&SecretKey>,
        identity: Option<&Impersonation>,
        reads: Reads,
    ) -> Result<kube::Client, NoClient> {
        let fingerprint = format!("{}|{identity:?}", connection_id(cluster));
        let mut slot = match identity {
            Some(i) => format!("{}|{}", cluster.name, i.user),
            None => cluster.name.to_string(),
        };
        if reads == Reads::Session {
            slot.push_str("|session");
        }
        if let Some((f, c)) = self.clients.lock().expect("pool lock").get(&slot)
            && *f == fingerprint
        {
            return Ok(c.clone());
        }
        let mut config = config(cluster, kubeconfig_files, key, identity).await?;
        if reads == Reads::Session {
            config.read_timeout = None;
        }
        let client = kube::Client::try_from(config).map_err(|e| NoClient::Broken(e.to_string()))?;
        self.clients
            .lock()
            .expect("pool lock")
            .insert(slot, (fingerprint, client.clone()));
        Ok(client)
    }
}

/// How the pool reaches `cluster` as `identity` (None: Fleetdeck's own): the same connection,
/// timeouts and impersonation its clients use, for whatever else must reach the cluster as they
/// do (the console's kubectl).
pub async fn config(
    cluster: Target<'_>,
    kubeconfig_files: &[PathBuf],
    key: Option<&SecretKey>,
    identity: Option<&Impersonation>,
) -> Result<kube::Config, NoClient> {
    let mut config = match (cluster.source, cluster.sealed) {
        (REGISTERED, Some(sealed)) => {
            let key = key.ok_or_else(|| NoClient::Broken("FLEETDECK_SECRET_KEY is not set".into()))?;
            let plain = open(key, cluster.name, sealed).map_err(NoClient::Broken)?;
            let connection: Connection = serde_json::from_slice(&plain).map_err(|e| NoClient::Broken(e.to_string()))?;
            client::config(&connection).await.map_err(NoClient::Broken)?
        }
        (KUBECONFIG, _) => kubeconfig_config(cluster.name, kubeconfig_files).await?,
        (IN_CLUSTER, _) => kube::Config::incluster().map_err(|e| NoClient::Broken(e.to_string()))?,
        _ => return Err(NoClient::NoConnection),
    };
    answer_promptly(&mut config);
    if let Some(i) = identity {
        config.auth_info.impersonate = Some(i.user.clone());
        config.auth_info.impersonate_groups = Some(i.groups.clone());
    }
    Ok(config)
}

/// The configuration of the kubeconfig context that the cluster `name` came from.
async fn kubeconfig_config(name: &str, files: &[PathBuf]) -> Result<kube::Config, NoClient> {
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let Ok(parsed) = kubeconfig::parse(&text) else { continue };
        let Some((context, _)) = parsed
            .contexts()
            .into_iter()
            .find(|(c, _)| c == name || (!is_dns_label(c) && kubeconfig::slug(c) == name))
        else {
            continue;
        };
        let kc = Kubeconfig::read_from(file).map_err(|e| NoClient::Broken(e.to_string()))?;
        let options = KubeConfigOptions {
            context: Some(context),
            ..Default::default()
        };
        return kube::Config::from_custom_kubeconfig(kc, &options)
            .await
            .map_err(|e| NoClient::Broken(e.to_string()));
    }
    Err(NoClient::Broken(format!(
        "no kubeconfig file has the context of cluster {name} any more"
    )))
}
