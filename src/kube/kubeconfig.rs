//! Kubeconfig documents: parsing, the contexts of a file, and the rules for a kubeconfig
//! registered through the API (inline data only — an exec plugin, an auth provider or a file
//! path would let any admin run commands or read files on the server).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Kubeconfig {
    #[serde(default)]
    pub clusters: Vec<NamedCluster>,
    #[serde(default)]
    pub users: Vec<NamedUser>,
    #[serde(default)]
    pub contexts: Vec<NamedContext>,
    pub current_context: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct NamedCluster {
    pub name: String,
    pub cluster: ClusterEntry,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ClusterEntry {
    pub server: String,
    pub certificate_authority_data: Option<String>,
    pub certificate_authority: Option<String>,
    #[serde(default)]
    pub insecure_skip_tls_verify: bool,
}

#[derive(Debug, Deserialize)]
pub struct NamedUser {
    pub name: String,
    #[serde(default)]
    pub user: UserEntry,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct UserEntry {
    pub token: Option<String>,
    #[serde(rename = "tokenFile")]
    pub token_file: Option<String>,
    pub client_certificate_data: Option<String>,
    pub client_key_data: Option<String>,
    pub client_certificate: Option<String>,
    pub client_key: Option<String>,
    pub exec: Option<Value>,
    pub auth_provider: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct NamedContext {
    pub name: String,
    pub context: ContextEntry,
}

#[derive(Debug, Deserialize)]
pub struct ContextEntry {
    pub cluster: String,
    #[serde(default)]
    pub user: String,
}

/// How to reach one cluster with inline credentials: what is sealed in the store.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub server: String,
    /// Base64 PEM of the CA bundle.
    pub certificate_authority_data: Option<String>,
    #[serde(default)]
    pub insecure_skip_tls_verify: bool,
    pub token: Option<String>,
    /// Base64 PEM client certificate and key.
    pub client_certificate_data: Option<String>,
    pub client_key_data: Option<String>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

pub fn parse(yaml: &str) -> Result<Kubeconfig, String> {
    // The message names the place, never the content: the document holds credentials.
    yaml_serde::from_str(yaml).map_err(|e| match e.location() {
        Some(l) => format!("the kubeconfig is not valid (line {}, column {})", l.line(), l.column()),
        None => "the kubeconfig is not valid".to_string(),
    })
}

impl Kubeconfig {
    fn cluster(&self, name: &str) -> Option<&ClusterEntry> {
        self.clusters.iter().find(|c| c.name == name).map(|c| &c.cluster)
    }

    fn user(&self, name: &str) -> Option<&UserEntry> {
        self.users.iter().find(|u| u.name == name).map(|u| &u.user)
    }

    /// Every context with the server it points at (contexts naming no cluster are left out).
    pub fn contexts(&self) -> Vec<(String, String)> {
        self.contexts
            .iter()
            .filter_map(|c| Some((c.name.clone(), self.cluster(&c.context.cluster)?.server.clone())))
            .collect()
    }

    /// The one context of a registered kubeconfig, as a connection; refuses anything that is
    /// not inline data.
    pub fn registered_connection(&self) -> Result<(String, Connection), String> {
        let [context] = self.contexts.as_slice() else {
            return Err(format!(
                "a registered kubeconfig must have exactly one context, not {}",
                self.contexts.len()
            ));
        };
        let cluster = self
            .cluster(&context.context.cluster)
            .ok_or_else(|| format!("context {:?} names no cluster of the file", context.name))?;
        let user = match context.context.user.as_str() {
            "" => &UserEntry::default(),
            name => self
                .user(name)
                .ok_or_else(|| format!("context {:?} names no user of the file", context.name))?,
        };
        let refused: Vec<&str> = [
            ("exec", user.exec.is_some()),
            ("auth-provider", user.auth_provider.is_some()),
            ("tokenFile", user.token_file.is_some()),
            ("client-certificate", user.client_certificate.is_some()),
            ("client-key", user.client_key.is_some()),
            ("certificate-authority", cluster.certificate_authority.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, present)| present.then_some(field))
        .collect();
        if !refused.is_empty() {
            return Err(format!(
                "a registered kubeconfig may carry inline data only; remove {} (use token, client-certificate-data, \
                 client-key-data, certificate-authority-data)",
                refused.join(", ")
            ));
        }
        let connection = Connection {
            server: cluster.server.clone(),
            certificate_authority_data: cluster.certificate_authority_data.clone(),
            insecure_skip_tls_verify: cluster.insecure_skip_tls_verify,
            token: user.token.clone(),
            client_certificate_data: user.client_certificate_data.clone(),
            client_key_data: user.client_key_data.clone(),
        };
        check_connection(&connection)?;
        Ok((context.name.clone(), connection))
    }
}

/// A connection needs an https (or http) server URL and a credential.
pub fn check_connection(c: &Connection) -> Result<(), String> {
    if !(c.server.starts_with("https://") || c.server.starts_with("http://")) {
        return Err(format!("server {:?} is not an http(s) URL", c.server));
    }
    let has_cert = c.client_certificate_data.is_some() && c.client_key_data.is_some();
    if c.token.as_deref().is_none_or(str::is_empty) && !has_cert {
        return Err("a connection needs a token or a client certificate and key".to_string());
    }
    Ok(())
}

/// A DNS-1123 name for a context that is not one (an EKS ARN, `user@cluster`…): lowercase,
/// other characters as '-', and a short hash when it had to be cut to 63.
pub fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars().map(|c| c.to_ascii_lowercase()) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '-'
        };
        if !(c == '-' && (s.is_empty() || s.ends_with('-'))) {
            s.push(c);
        }
    }
    let s = s.trim_end_matches('-').to_string();
    if s.len() <= 63 && !s.is_empty() {
        return s;
    }
    let hash = &crate::auth::secret::digest(name)[..8];
    let keep = s.get(..54).unwrap_or(&s).trim_end_matches('-');
    if keep.is_empty() {
        format!("cluster-{hash}")
    } else {
        format!("{keep}-{hash}")
    }
}

/// A kubeconfig for the kubectl binary that reaches the cluster exactly as `config` does: its
/// server, CA bundle and TLS options, its credentials, its default namespace and the
/// impersonation (`as`, `as-groups`) of the caller. JSON, which kubectl reads as YAML. It holds
/// the credentials: write it only where no one else can read it, and never log it.
pub fn for_kubectl(config: &kube::Config) -> Result<String, String> {
    let user = serde_json::to_value(&config.auth_info).map_err(|e| format!("cannot write the user: {e}"))?;
    let mut cluster = serde_json::json!({
        "server": config.cluster_url.to_string().trim_end_matches('/'),
        "insecure-skip-tls-verify": config.accept_invalid_certs,
    });
    if let Some(ders) = &config.root_cert {
        cluster["certificate-authority-data"] = Value::String(base64_text(pem_certificates(ders)));
    }
    if let Some(name) = &config.tls_server_name {
        cluster["tls-server-name"] = Value::String(name.clone());
    }
    if let Some(proxy) = &config.proxy_url {
        cluster["proxy-url"] = Value::String(proxy.to_string());
    }
    let doc = serde_json::json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "fleetdeck",
        "clusters": [{"name": "cluster", "cluster": cluster}],
        "users": [{"name": "user", "user": user}],
        "contexts": [{"name": "fleetdeck", "context": {
            "cluster": "cluster", "user": "user", "namespace": config.default_namespace}}],
    });
    Ok(doc.to_string())
}

/// DER certificates as one PEM bundle.
fn pem_certificates(ders: &[Vec<u8>]) -> String {
    let mut pem = String::new();
    for der in ders {
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        let text = base64_text(der);
        for line in text.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
    }
    pem
}

fn base64_text(bytes: impl AsRef<[u8]>) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::is_dns_label;

    const TWO: &str = r#"
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev
  cluster: {server: "https://10.0.0.1:6443", certificate-authority-data: Q0E=}
- name: eks
  cluster: {server: "https://abc.eks.amazonaws.com", certificate-authority: /etc/ca.pem}
users:
- name: dev
  user: {token: t0ps3cret}
- name: eks
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws}
contexts:
- name: dev
  context: {cluster: dev, user: dev}
- name: arn:aws:eks:us-east-1:123456789012:cluster/prod
  context: {cluster: eks, user: eks}
"#;

    #[test]
    fn contexts_of_a_file() {
        let k = parse(TWO).unwrap();
        let contexts = k.contexts();
        assert_eq!(contexts.len(), 2);
        assert_eq!(contexts[0], ("dev".to_string(), "https://10.0.0.1:6443".to_string()));
        assert!(k.registered_connection().unwrap_err().contains("exactly one context"));
    }

    #[test]
    fn registered_kubeconfigs_carry_inline_data_only() {
        let exec = TWO.replace("- name: dev\n  context: {cluster: dev, user: dev}\n", "");
        let err = parse(&exec).unwrap().registered_connection().unwrap_err();
        assert!(err.contains("exec") && err.contains("certificate-authority"), "{err}");
        let one = r#"
clusters: [{name: c, cluster: {server: "https://k.example.com", certificate-authority-data: Q0E=}}]
users: [{name: u, user: {token: abc, tokenFile: /var/run/token}}]
contexts: [{name: only, context: {cluster: c, user: u}}]
"#;
        let err = parse(one).unwrap().registered_connection().unwrap_err();
        assert!(err.contains("tokenFile") && !err.contains("abc"), "{err}");
        let ok = one.replace(", tokenFile: /var/run/token", "");
        let (name, c) = parse(&ok).unwrap().registered_connection().unwrap();
        assert_eq!(
            (name.as_str(), c.server.as_str(), c.token.as_deref()),
            ("only", "https://k.example.com", Some("abc"))
        );
        assert!(!format!("{c:?}").contains("abc"), "Debug hides credentials");
    }

    #[test]
    fn connections_need_a_url_and_a_credential() {
        let mut c = Connection {
            server: "https://k".into(),
            certificate_authority_data: None,
            insecure_skip_tls_verify: false,
            token: None,
            client_certificate_data: None,
            client_key_data: None,
        };
        assert!(check_connection(&c).is_err());
        c.token = Some("t".into());
        assert!(check_connection(&c).is_ok());
        c.server = "ftp://k".into();
        assert!(check_connection(&c).is_err());
    }

    #[test]
    fn parse_errors_do_not_echo_the_document() {
        let err = parse("clusters: [ {name: secret-token-value").unwrap_err();
        assert!(!err.contains("secret-token-value"), "{err}");
    }

    #[tokio::test]
    async fn kubectl_reaches_the_cluster_as_the_pool_does() {
        let der = vec![0x30u8; 100];
        let ca = base64_text(pem_certificates(std::slice::from_ref(&der)));
        let doc = format!(
            r#"{{"clusters": [{{"name": "c", "cluster": {{"server": "https://k.example.com:6443", "certificate-authority-data": "{ca}"}}}}],
              "users": [{{"name": "u", "user": {{"token": "t0ps3cret"}}}}],
              "contexts": [{{"name": "x", "context": {{"cluster": "c", "user": "u", "namespace": "shop"}}}}],
              "current-context": "x"}}"#
        );
        let kubeconfig = kube::config::Kubeconfig::from_yaml(&doc).unwrap();
        let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .unwrap();
        config.auth_info.impersonate = Some("ann".into());
        config.auth_info.impersonate_groups = Some(vec!["fleetdeck:viewers".into()]);
        let written: Value = serde_json::from_str(&for_kubectl(&config).unwrap()).unwrap();
        let cluster = &written["clusters"][0]["cluster"];
        assert_eq!(cluster["server"], "https://k.example.com:6443");
        assert_eq!(
            cluster["certificate-authority-data"],
            ca.as_str(),
            "the same CA, as PEM"
        );
        let user = &written["users"][0]["user"];
        assert_eq!(user["token"], "t0ps3cret");
        assert_eq!(
            (&user["as"], &user["as-groups"][0]),
            (&Value::from("ann"), &Value::from("fleetdeck:viewers"))
        );
        assert_eq!(written["contexts"][0]["context"]["namespace"], "shop");
        // And kubectl's parser (kube's, here) reads it back as the same connection.
        let back = kube::config::Kubeconfig::from_yaml(&written.to_string()).unwrap();
        let again = kube::Config::from_custom_kubeconfig(back, &Default::default())
            .await
            .unwrap();
        assert_eq!(again.root_cert, Some(vec![der]));
        assert_eq!(again.auth_info.impersonate.as_deref(), Some("ann"));
    }

    #[test]
    fn slugs_are_dns_labels() {
        assert_eq!(slug("dev"), "dev");
        assert_eq!(
            slug("arn:aws:eks:us-east-1:123456789012:cluster/prod"),
            "arn-aws-eks-us-east-1-123456789012-cluster-prod"
        );
        assert_eq!(slug("Admin@Kind-Kind"), "admin-kind-kind");
        let long = format!("gke_{}_europe-west1_cluster", "project".repeat(10));
        let s = slug(&long);
        assert!(is_dns_label(&s) && s.len() <= 63, "{s}");
        assert_ne!(
            slug(&format!("{long}-a")),
            slug(&format!("{long}-b")),
            "cut names stay distinct"
        );
        assert!(is_dns_label(&slug("@@@")));
    }
}
