//! Background pruning: audit events past the retention period, expired sessions, and expired reset links and registrations.

use std::time::Duration;

use crate::kube::leader::Leadership;
use crate::store::Store;

const EVERY: Duration = Duration::from_secs(3600);

/// Prunes now and then every hour until the runtime stops, on the leading replica only.
pub fn spawn(store: Store, retention: Duration, mut leadership: Leadership) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            // A replica elected between two ticks prunes when elected, not an hour later.
            if !leadership.leading().await {
                return;
            }
            prune_once(&store, retention).await;
        }
    })
}

pub async fn prune_once(store: &Store, retention: Duration) {
    let cutoff = crate::store::now() - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
    match store.prune_audit(cutoff).await {
        Ok(n) if n > 0 => tracing::info!(deleted = n, "pruned audit events past retention"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "audit pruning failed"),
    }
    if let Err(e) = store.prune_sessions().await {
        tracing::warn!(error = %e, "session pruning failed");
    }
    if let Err(e) = store.prune_account_tokens().await {
        tracing::warn!(error = %e, "pruning reset links and registrations failed");
    }
}
