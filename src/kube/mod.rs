//! Kubernetes: kubeconfig sources, credentials at rest, and clients for each cluster.

pub mod client;
pub mod kubeconfig;
pub mod secret_box;
