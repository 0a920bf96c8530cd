//! `kube::Client`s for clusters with inline credentials, and the check run when one is registered.

use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};

use super::kubeconfig::Connection;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const READ_TIMEOUT: Duration = Duration::from_secs(15);
/// The whole registration check: connect, authenticate, list one namespace.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// A client for one connection, with connect and read timeouts.
pub async fn client(c: &Connection) -> Result<kube::Client, String> {
    kube::Client::try_from(config(c).await?).map_err(|e| format!("cannot build a client: {e}"))
}

/// The kube configuration of one connection, with connect and read timeouts.
pub async fn config(c: &Connection) -> Result<kube::Config, String> {
    // kube builds clients from kubeconfig documents; this one never touches the disk.
    let doc = serde_json::json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "fleetdeck",
        "clusters": [{"name": "c", "cluster": {
            "server": c.server, "certificate-authority-data": c.certificate_authority_data,
            "insecure-skip-tls-verify": c.insecure_skip_tls_verify}}],
        "users": [{"name": "u", "user": {
            "token": c.token, "client-certificate-data": c.client_certificate_data, "client-key-data": c.client_key_data}}],
        "contexts": [{"name": "fleetdeck", "context": {"cluster": "c", "user": "u"}}],
    });
    let kubeconfig: Kubeconfig =
        serde_json::from_value(doc).map_err(|_| "the connection cannot form a kubeconfig".to_string())?;
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .map_err(|e| format!("the connection is not usable: {e}"))?;
    answer_promptly(&mut config);
    Ok(config)
}

/// Connect and read timeouts, and no retries: kube retries 429/503/504 up to 15 times
/// with growing backoff, as a controller wants; an operator's request is answered at once
/// with the apiserver's Status instead. Every cluster's client is built with this.
pub fn answer_promptly(config: &mut kube::Config) {
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    config.read_timeout = Some(READ_TIMEOUT);
    config.default_retry = false;
}

/// Why a cluster could not be reached as registered.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckFailure {
    /// `tls`, `unauthorized`, `forbidden`, `unreachable`, `timeout` or `invalid`.
    pub reason: &'static str,
    pub message: String,
}

/// Proves the connection works with an authenticated call (listing one namespace); `/version`
/// would prove nothing, being anonymous.
pub async fn check(c: &Connection) -> Result<(), CheckFailure> {
    let client = client(c).await.map_err(|message| CheckFailure {
        reason: "invalid",
        message,
    })?;
    let namespaces: Api<Namespace> = Api::all(client);
    match tokio::time::timeout(CHECK_TIMEOUT, namespaces.list(&ListParams::default().limit(1))).await {
        Err(_) => Err(CheckFailure {
            reason: "timeout",
            message: format!("no answer from {} within {CHECK_TIMEOUT:?}", c.server),
        }),
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(classify(&c.server, &e)),
    }
}

fn classify(server: &str, e: &kube::Error) -> CheckFailure {
    if let kube::Error::Api(status) = e {
        let reason = match status.code {
            401 => "unauthorized",
            403 => "forbidden",
            _ => "invalid",
        };
        return CheckFailure {
            reason,
            message: format!("the apiserver at {server} answered {}: {}", status.code, status.message),
        };
    }
    // The transport's error chain says what failed; TLS problems name certificates or TLS.
    let causes = super::errors::causes(e);
    let detail = causes.last().cloned().unwrap_or_default();
    let lower = causes.join(" ").to_ascii_lowercase();
    let tls = [
        "certificate",
        "tls",
        "handshake",
        "invalidcontenttype",
        "corrupt message",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if tls {
        CheckFailure {
            reason: "tls",
            message: format!("TLS with {server} failed: {detail}"),
        }
    } else {
        CheckFailure {
            reason: "unreachable",
            message: format!("cannot reach {server}: {detail}"),
        }
    }
}
