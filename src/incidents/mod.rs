//! Incidents: what is wrong in the clusters and what to do about it. `diagnostics` turns the
//! shared watch caches' objects into findings (pure); `monitor` runs it continuously on the
//! leader and keeps the findings in the store; `risk_guard` checks manifests (pure, a model the
//! inventory's apply calls); `routes` serves them; `memory` keeps runbooks and the fixes recorded
//! against findings; `incidents` opens incidents from findings and works them (steps, notes, the
//! timeline, replay, evidence); `postmortems` keeps what was learned; `remediation` proposes
//! changes from findings, has a second person approve them and runs them through the shared
//! action cores.

pub mod diagnostics;
pub mod evidence_bundle;
pub mod findings;
pub mod incident_model;
mod incident_read;
#[allow(clippy::module_inception)] // the domain is incidents; this is its incident routes
pub mod incidents;
pub mod memory;
pub mod monitor;
pub mod postmortems;
pub mod remediation;
pub mod risk_guard;
pub mod routes;
pub mod runbook_steps;
pub mod timeline;
