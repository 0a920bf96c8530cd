//! Shared by the test binaries; each uses its own part.
#![allow(dead_code)]

pub mod client;
pub mod kubectl;
