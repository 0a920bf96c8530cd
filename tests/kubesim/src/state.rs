//! Everything a running simulator shares between its connections.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{broadcast, watch};

use crate::auth::{Rule, TokenEntry};
use crate::kubelet::VolumeUsage;
use crate::logs::{LogBook, LogLine};
use crate::metrics::Overrides;
use crate::store::Store;
use crate::tokens::IssuedToken;

/// One request as the simulator saw it, for tests to assert on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: String,
    /// The token's own user; None when unauthenticated.
    pub authenticated_user: Option<String>,
    /// The identity that was authorized (the impersonated one, if any).
    pub user: Option<String>,
    pub groups: Vec<String>,
    pub impersonate_user: Option<String>,
    pub impersonate_groups: Vec<String>,
    pub status: u16,
}

/// A resource made to fail with a given status.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub group: String,
    pub resource: String,
    pub code: u16,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub latency: Duration,
    pub failures: Vec<Failure>,
}

pub struct AppState {
    pub store: Mutex<Store>,
    pub git_version: String,
    pub server_address: Mutex<String>,
    pub tokens: Mutex<Vec<TokenEntry>>,
    pub rules: Mutex<Vec<Rule>>,
    pub requests: Mutex<Vec<RequestRecord>>,
    pub faults: Mutex<Faults>,
    pub bookmark_interval: Duration,
    /// True while the simulator plays dead: connections are dropped.
    pub unreachable: watch::Sender<bool>,
    /// Bumped to end every open watch stream.
    pub watch_epoch: watch::Sender<u64>,
    /// Lines appended with `Sim::append_log`.
    pub logs: Mutex<LogBook>,
    /// Every appended line, for `follow=true` streams.
    pub log_feed: broadcast::Sender<Arc<LogLine>>,
    /// Tokens issued by TokenRequests; they expire, unlike the configured ones.
    pub issued_tokens: Mutex<Vec<IssuedToken>>,
    /// Usage set with `Sim::set_usage`, for metrics.k8s.io.
    pub usage: Mutex<Overrides>,
    /// Volume usage set with `Sim::set_volume_usage`, for the kubelets' stats/summary.
    pub volumes: Mutex<VolumeUsage>,
}

/// Locks a mutex, recovering from poisoning: a panicking handler must not take the sim down.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
