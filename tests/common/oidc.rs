//! The test OpenID Provider (tests/oidc/op.mjs, the `oidc-provider` package) and a browser's
//! steps at it; shared by tests/oidc.rs and benches/oidc.rs.

use std::process::Stdio;
use std::time::Duration;

use fleetdeck::auth::oidc::config::ProviderConfig;
use reqwest::header::LOCATION;
use reqwest::{Client, redirect};
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

/// The test provider, killed when dropped.
pub struct Op {
    pub issuer: String,
    _child: tokio::process::Child,
}

impl Op {
    pub async fn start(fleetdeck: &str, ttl: u64) -> Op {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc");
        assert!(
            std::path::Path::new(dir).join("node_modules/oidc-provider").is_dir(),
            "the test OpenID Provider is not installed: run `npm ci --prefix tests/oidc` (scripts/test does)"
        );
        let config = json!({
            "ttl": ttl,
            "clients": [{
                "client_id": "fleetdeck", "client_secret": "fleetdeck-test-secret",
                "redirect_uris": [format!("{fleetdeck}/api/auth/callback")],
                "post_logout_redirect_uris": [format!("{fleetdeck}/")],
                "grant_types": ["authorization_code", "refresh_token"],
            }],
            "users": {
                "alice": {"groups": ["sre"], "name": "Alice A."},
                "bob": {"groups": ["dev", "admins"]},
                "carol": {"groups": ["interns"]},
                "dave": {"groups": []},
            },
        });
        let mut child = tokio::process::Command::new("node")
            .arg(format!("{dir}/op.mjs"))
            .arg(config.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("the provider starts")
            .unwrap()
            .expect("the provider prints its issuer");
        let issuer = serde_json::from_str::<Value>(&line).unwrap()["issuer"]
            .as_str()
            .unwrap()
            .to_string();
        Op { issuer, _child: child }
    }

    pub async fn admin(&self, path: &str, body: Option<Value>) -> Value {
        let mut r = Client::new().post(format!("{}{path}", self.issuer));
        if let Some(b) = body {
            r = r.body(b.to_string());
        }
        r.send().await.unwrap().json().await.unwrap()
    }
}

impl Op {
    /// Signs `user` in at the provider (its login page is skipped with `login_hint`), following
    /// its redirects until it sends the browser back to `fleetdeck`: that URL.
    pub async fn authorize(&self, auth_url: &str, user: &str, fleetdeck: &str) -> String {
        let op = Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .build()
            .unwrap();
        let mut url = format!("{auth_url}&login_hint={user}");
        for _ in 0..10 {
            if url.starts_with(fleetdeck) {
                return url;
            }
            let r = op.get(&url).send().await.unwrap();
            assert!(
                r.status().is_redirection(),
                "{url}: {} {}",
                r.status(),
                r.text().await.unwrap()
            );
            let next = r.headers()[LOCATION].to_str().unwrap();
            url = if next.starts_with('/') {
                format!("{}{next}", self.issuer)
            } else {
                next.to_string()
            };
        }
        panic!("the provider never sent the browser back");
    }
}

/// A port nobody listens on now, for a server whose URL must be known before it starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The provider `test` at `issuer` (groups admins/sre/dev → admin/operator/viewer, no default
/// role), followed by `more` YAML entries.
pub fn providers(issuer: &str, more: &str) -> Vec<ProviderConfig> {
    let yaml = format!(
        "providers:
  - {{id: test, name: Test OP, issuer: '{issuer}', clientId: fleetdeck, clientSecretEnv: SECRET,
      scopes: [openid, email, profile, groups, offline_access], roles: {{admins: admin, sre: operator, dev: viewer}}}}
{more}"
    );
    fleetdeck::auth::oidc::config::parse(
        &yaml,
        |_| Err("no files".into()),
        |_| Some("fleetdeck-test-secret".into()),
    )
    .unwrap()
}
