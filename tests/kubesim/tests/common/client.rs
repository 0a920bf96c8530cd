//! kube::Client, as Fleetdeck builds it, for an in-process simulator.

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use kubesim::Sim;

/// A client authenticating with `token`, optionally impersonating (user, group).
pub async fn client_for(sim: &Sim, token: &str, impersonate: Option<(&str, &str)>) -> Client {
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_for_token(token)).unwrap();
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap();
    if let Some((user, group)) = impersonate {
        config.auth_info.impersonate = Some(user.into());
        config.auth_info.impersonate_groups = Some(vec![group.into()]);
    }
    Client::try_from(config).unwrap()
}
