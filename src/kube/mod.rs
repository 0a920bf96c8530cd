//! Kubernetes: kubeconfig sources, credentials at rest, and clients for each cluster.

pub mod client;
pub mod errors;
pub mod kubeconfig;
pub mod pool;
pub mod secret_box;
