//! Verified API keys, kept for a few seconds so that clients polling many times a second (Flux)
//! do not read the store on every request. A revocation, or a change to the owning user, empties
//! the cache at once on this replica; other replicas notice within `TTL`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Principal;

pub const TTL: Duration = Duration::from_secs(10);

/// Above this many keys the cache starts again.
const MAX_KEYS: usize = 10_000;

#[derive(Default)]
pub struct KeyCache {
    keys: Mutex<HashMap<String, (Principal, Instant)>>,
}

impl KeyCache {
    /// The principal of the key with this digest, if verified less than `TTL` ago and not expired.
    pub fn get(&self, digest: &str) -> Option<Principal> {
        self.get_at(digest, Instant::now(), crate::store::now())
    }

    fn get_at(&self, digest: &str, now: Instant, wall: chrono::DateTime<chrono::Utc>) -> Option<Principal> {
        let keys = self.keys.lock().expect("key cache lock");
        let (p, at) = keys.get(digest)?;
        let fresh = now.duration_since(*at) < TTL && p.expires_at.is_none_or(|e| e > wall);
        fresh.then(|| p.clone())
    }

    pub fn insert(&self, digest: String, principal: Principal) {
        let mut keys = self.keys.lock().expect("key cache lock");
        if keys.len() >= MAX_KEYS {
            keys.clear();
        }
        keys.insert(digest, (principal, Instant::now()));
    }

    /// Forgets every key: after a revocation or a change to users.
    pub fn clear(&self) {
        self.keys.lock().expect("key cache lock").clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{AuthMethod, Owner, Role};

    fn principal(expires_at: Option<chrono::DateTime<chrono::Utc>>) -> Principal {
        Principal {
            expires_at,
            ..Principal::new(
                "alice".into(),
                "Alice".into(),
                Role::Viewer,
                AuthMethod::ApiKey,
                Owner::User("u1".into()),
            )
        }
    }

    #[test]
    fn entries_last_ttl_and_never_past_the_key_expiry() {
        let c = KeyCache::default();
        let wall = crate::store::now();
        c.insert("d".into(), principal(None));
        let now = Instant::now();
        assert!(c.get_at("d", now, wall).is_some());
        assert!(c.get_at("d", now + TTL, wall).is_none());
        assert!(c.get_at("other", now, wall).is_none());
        c.insert("e".into(), principal(Some(wall + chrono::Duration::seconds(1))));
        assert!(c.get_at("e", now, wall).is_some());
        assert!(c.get_at("e", now, wall + chrono::Duration::seconds(2)).is_none());
        c.clear();
        assert!(c.get_at("d", now, wall).is_none());
    }
}
