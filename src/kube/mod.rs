//! Kubernetes: kubeconfig sources, credentials at rest, clients for each cluster, the shared
//! watch caches and discovery, access reviews under a user's identity, and metrics.k8s.io.

pub mod access;
pub mod cache;
pub mod client;
pub mod discovery;
pub mod errors;
pub mod kubeconfig;
pub mod leader;
pub mod metrics;
pub mod pool;
pub mod quantity;
pub mod secret_box;
