//! Registration's settings and rate limits.

use std::net::IpAddr;
use std::time::Duration;

use crate::auth::Role;
use crate::auth::rate_limit::RateLimiter;
use crate::mail::Mailer;

/// Self-service registration (FLEETDECK_REGISTRATION=on): the role new users get and how their codes are mailed.
#[derive(Debug, Clone)]
pub struct RegistrationSettings {
    pub role: Role,
    pub mailer: Mailer,
}

/// Verification codes mailed to one address per hour: enough to retry, too few to flood a mailbox.
const CODES_PER_ADDRESS_PER_HOUR: u32 = 3;

/// Registration's rate limits: attempts per client IP (the login budget, counted apart) and
/// codes per email address.
pub struct RegistrationLimits {
    pub per_ip: RateLimiter<IpAddr>,
    pub per_email: RateLimiter<String>,
}

impl RegistrationLimits {
    pub fn new(per_ip_per_minute: u32) -> RegistrationLimits {
        RegistrationLimits {
            per_ip: RateLimiter::new(per_ip_per_minute),
            per_email: RateLimiter::per_window(CODES_PER_ADDRESS_PER_HOUR, Duration::from_secs(3600)),
        }
    }
}
