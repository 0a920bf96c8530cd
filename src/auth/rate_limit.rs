//! Per-client-IP (or other key, such as an email address) limit on credential attempts: a token
//! bucket of `capacity` tokens refilled evenly over a window (a minute, unless said otherwise).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter<K = IpAddr> {
    capacity: u32,
    window: Duration,
    buckets: Mutex<HashMap<K, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Above this many tracked addresses, full buckets are forgotten.
const MAX_TRACKED: usize = 10_000;

impl<K: Hash + Eq> RateLimiter<K> {
    pub fn new(per_minute: u32) -> RateLimiter<K> {
        RateLimiter::per_window(per_minute, Duration::from_secs(60))
    }

    /// `capacity` attempts, refilled evenly over `window`.
    pub fn per_window(capacity: u32, window: Duration) -> RateLimiter<K> {
        RateLimiter {
            capacity,
            window,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one attempt for `ip`, or says how many seconds until the next is allowed.
    pub fn check(&self, ip: K) -> Result<(), u64> {
        self.check_at(ip, Instant::now())
    }

    fn check_at(&self, ip: K, now: Instant) -> Result<(), u64> {
        let capacity = f64::from(self.capacity);
        let per_sec = capacity / self.window.as_secs_f64();
        let mut buckets = self.buckets.lock().expect("rate limiter lock");
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * per_sec < capacity);
        }
        let b = buckets.entry(ip).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * per_sec).min(capacity);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = Duration::from_secs_f64((1.0 - b.tokens) / per_sec);
            Err(wait.as_secs_f64().ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_other_than_a_minute_and_other_keys() {
        let l = RateLimiter::per_window(2, Duration::from_secs(3600));
        let t0 = Instant::now();
        assert!(l.check_at("a@example.com", t0).is_ok());
        assert!(l.check_at("a@example.com", t0).is_ok());
        assert_eq!(l.check_at("a@example.com", t0), Err(1800), "one every 30 min");
        assert!(l.check_at("b@example.com", t0).is_ok());
    }

    #[test]
    fn allows_the_budget_then_refuses_with_a_wait() {
        let l = RateLimiter::new(10);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(l.check_at(ip, t0).is_ok());
        }
        assert_eq!(l.check_at(ip, t0), Err(6), "one token every 6 s");
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(l.check_at(other, t0).is_ok(), "buckets are per address");
        assert!(l.check_at(ip, t0 + Duration::from_secs(6)).is_ok());
        assert!(l.check_at(ip, t0 + Duration::from_secs(6)).is_err());
        for _ in 0..10 {
            assert!(
                l.check_at(ip, t0 + Duration::from_secs(600)).is_ok(),
                "refills to capacity"
            );
        }
    }
}
