//! When a delivery is tried again (pure): exponential backoff with jitter, capped, for a bounded
//! number of attempts; only failures that may pass (no connection, a timeout, 429, 5xx) are
//! retried, never a refusal by the guard or a receiver's other 4xx.

use std::time::Duration;

/// How an attempt ended, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// The guard refused the destination or the URL.
    Refused,
    /// No connection (including a name that did not resolve).
    Connect,
    Timeout,
    /// The receiver answered with a status other than 2xx.
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// A receiver's answer that says trying again will not help (e.g. a permanent SMTP reply).
    Permanent,
    /// A receiver's answer that says trying again may help (e.g. a transient SMTP reply).
    Transient,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Done,
    RetryIn(Duration),
    GiveUp,
}

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The wait before the first retry; each later one doubles it.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The longest Retry-After honoured; a receiver asking for more is not retried.
    pub max_retry_after: Duration,
    /// A sample in [0, 1): how much of each wait's upper half is kept (spreads retries of many
    /// deliveries); injectable so tests know the waits.
    pub jitter: fn() -> f64,
}

fn random_jitter() -> f64 {
    rand::random::<f64>()
}

impl Default for RetryPolicy {
    /// 5 attempts: waits of about 1, 2, 4 and 8 s; Retry-After honoured up to 2 minutes.
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(120),
            jitter: random_jitter,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 = the second attempt), given a jitter sample:
    /// base × 2^(retry-1), capped, then between half of it (sample 0) and all of it (sample → 1).
    pub fn backoff(&self, retry: u32, jitter: f64) -> Duration {
        let doubled = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        let capped = doubled.min(self.max_delay);
        capped.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }

    /// What follows attempt number `attempt` (1-based) that ended with `outcome`.
    pub fn next(&self, attempt: u32, outcome: Outcome) -> Next {
        let retry_after = match outcome {
            Outcome::Delivered => return Next::Done,
            Outcome::Refused | Outcome::Permanent => return Next::GiveUp,
            Outcome::Status { status, .. } if status != 429 && !(500..600).contains(&status) => {
                return Next::GiveUp;
            }
            Outcome::Status { retry_after, .. } => retry_after,
            Outcome::Connect | Outcome::Timeout | Outcome::Transient => None,
        };
        if attempt >= self.max_attempts {
            return Next::GiveUp;
        }
        match retry_after {
            Some(asked) if asked > self.max_retry_after => Next::GiveUp,
            Some(asked) => Next::RetryIn(asked.max(self.backoff(attempt, (self.jitter)()))),
            None => Next::RetryIn(self.backoff(attempt, (self.jitter)())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            jitter: || 1.0,
            ..RetryPolicy::default()
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let p = RetryPolicy {
            max_delay: Duration::from_secs(5),
            ..policy()
        };
        let secs = |retry, jitter| p.backoff(retry, jitter).as_secs_f64();
        assert_eq!(secs(1, 1.0), 1.0);
        assert_eq!(secs(2, 1.0), 2.0);
        assert_eq!(secs(3, 1.0), 4.0);
        assert_eq!(secs(4, 1.0), 5.0);
        assert_eq!(secs(40, 1.0), 5.0);
        assert_eq!(secs(1, 0.0), 0.5);
        assert_eq!(secs(3, 0.5), 3.0);
    }

    #[test]
    fn what_is_retried() {
        let p = policy();
        let status = |status| Outcome::Status {
            status,
            retry_after: None,
        };
        assert_eq!(p.next(1, Outcome::Delivered), Next::Done);
        assert_eq!(p.next(1, Outcome::Refused), Next::GiveUp);
        assert_eq!(p.next(1, Outcome::Permanent), Next::GiveUp);
        for code in [400, 401, 403, 404, 413, 422, 301, 302] {
            assert_eq!(p.next(1, status(code)), Next::GiveUp, "{code}");
        }
        for code in [429, 500, 502, 503, 504] {
            assert_eq!(p.next(1, status(code)), Next::RetryIn(Duration::from_secs(1)), "{code}");
        }
        assert_eq!(p.next(2, Outcome::Connect), Next::RetryIn(Duration::from_secs(2)));
        assert_eq!(p.next(3, Outcome::Timeout), Next::RetryIn(Duration::from_secs(4)));
        assert_eq!(p.next(1, Outcome::Transient), Next::RetryIn(Duration::from_secs(1)));
        // The last attempt is the last.
        assert_eq!(p.next(4, status(503)), Next::GiveUp);
    }

    #[test]
    fn retry_after_is_honoured_within_its_cap() {
        let p = policy();
        let limited = |secs| Outcome::Status {
            status: 429,
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(p.next(1, limited(7)), Next::RetryIn(Duration::from_secs(7)));
        // Never sooner than the backoff.
        assert_eq!(p.next(3, limited(0)), Next::RetryIn(Duration::from_secs(4)));
        assert_eq!(p.next(1, limited(121)), Next::GiveUp);
        let unavailable = Outcome::Status {
            status: 503,
            retry_after: Some(Duration::from_secs(3)),
        };
        assert_eq!(p.next(1, unavailable), Next::RetryIn(Duration::from_secs(3)));
    }
}
