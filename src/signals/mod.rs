//! Signals: what Fleetdeck reads out of the fleet and its own records beyond single findings:
//! samples, predictions, SLOs, rightsizing, alerts and the assistant, each a module of its own.

pub mod assistant;
