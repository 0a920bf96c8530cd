//! Signals: what Fleetdeck watches and tells people about (samples, predictions, SLOs,
//! rightsizing, alerts). `outbound` delivers alerts to the channels people read, behind the
//! SSRF guard.

pub mod outbound;
