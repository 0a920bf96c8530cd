//! A join token's wire form, its time to live and its lifecycle (pure).
//!
//! The token is `fdj_<id>.<secret>`: the id finds the row, and the SHA-256 digest of the whole
//! token is compared with the stored one in constant time, so lookups never depend on the secret.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// Join tokens start with this, so scanners and people can tell them from API keys (`fdk_`).
pub const PREFIX: &str = "fdj_";

/// How long a token works unless the admin says otherwise.
pub const DEFAULT_TTL: TimeDelta = TimeDelta::minutes(15);
/// The shortest and longest lives a token may be given: long enough to paste a command, short
/// enough that a command left in a shell history or a ticket is soon worthless.
pub const MIN_TTL: TimeDelta = TimeDelta::minutes(1);
pub const MAX_TTL: TimeDelta = TimeDelta::hours(24);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JoinTokenState {
    /// Not used, revoked or expired: a join may use it.
    Active,
    /// A cluster joined with it (final).
    Used,
    Expired,
    Revoked,
}

/// The state at `now`. Used and revoked are final; a token past its expiry that was neither is
/// expired.
pub fn state(
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> JoinTokenState {
    if used_at.is_some() {
        JoinTokenState::Used
    } else if revoked_at.is_some() {
        JoinTokenState::Revoked
    } else if expires_at <= now {
        JoinTokenState::Expired
    } else {
        JoinTokenState::Active
    }
}

/// The time to live of `ttl_seconds` (the default when absent), or why it is out of bounds.
pub fn ttl(ttl_seconds: Option<i64>) -> Result<TimeDelta, String> {
    let Some(seconds) = ttl_seconds else {
        return Ok(DEFAULT_TTL);
    };
    let (min, max) = (MIN_TTL.num_seconds(), MAX_TTL.num_seconds());
    if (min..=max).contains(&seconds) {
        Ok(TimeDelta::seconds(seconds))
    } else {
        Err(format!("ttlSeconds must be between {min} and {max}, got {seconds}"))
    }
}

/// The token the admin is given.
pub fn compose(id: &str, secret: &str) -> String {
    format!("{PREFIX}{id}.{secret}")
}

/// The id part of a token, when it has the token's shape.
pub fn token_id(token: &str) -> Option<&str> {
    let (id, secret) = token.strip_prefix(PREFIX)?.split_once('.')?;
    let well_formed = |s: &str, extra: &[u8]| {
        !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
    };
    (well_formed(id, b"-") && well_formed(secret, b"-_")).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_says_used_and_revoked_before_expired() {
        let t0 = Utc::now();
        let later = t0 + TimeDelta::minutes(20);
        let expires = t0 + TimeDelta::minutes(15);
        assert_eq!(state(None, None, expires, t0), JoinTokenState::Active);
        assert_eq!(
            state(None, None, expires, expires),
            JoinTokenState::Expired,
            "expiry is exclusive"
        );
        assert_eq!(state(None, None, expires, later), JoinTokenState::Expired);
        assert_eq!(state(Some(t0), None, expires, later), JoinTokenState::Used);
        assert_eq!(state(None, Some(t0), expires, later), JoinTokenState::Revoked);
        assert_eq!(state(None, Some(t0), expires, t0), JoinTokenState::Revoked);
        assert_eq!(serde_json::to_value(JoinTokenState::Active).unwrap(), "active");
    }

    #[test]
    fn ttl_defaults_to_15_minutes_within_bounds() {
        assert_eq!(ttl(None), Ok(TimeDelta::minutes(15)));
        assert_eq!(ttl(Some(60)), Ok(TimeDelta::minutes(1)));
        assert_eq!(ttl(Some(86_400)), Ok(TimeDelta::hours(24)));
        assert!(ttl(Some(59)).unwrap_err().contains("between 60 and 86400"));
        assert!(ttl(Some(86_401)).is_err());
        assert!(ttl(Some(-5)).is_err());
    }

    #[test]
    fn tokens_carry_their_id() {
        let t = compose("0b6e1c2a-7d4f-4c1e-9a57-1f0c2d3e4f50", "AbC_d-9");
        assert_eq!(t, "fdj_0b6e1c2a-7d4f-4c1e-9a57-1f0c2d3e4f50.AbC_d-9");
        assert_eq!(token_id(&t), Some("0b6e1c2a-7d4f-4c1e-9a57-1f0c2d3e4f50"));
        for bad in [
            "",
            "fdj_",
            "fdj_abc",
            "fdj_.secret",
            "fdj_abc.",
            "fdk_abc.secret",
            "fdj_a'b.secret",
            "fdj_ab.c d",
        ] {
            assert_eq!(token_id(bad), None, "{bad:?}");
        }
    }
}
