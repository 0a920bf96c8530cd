//! Incidents: what is wrong in the clusters and what to do about it. `diagnostics` turns the
//! shared watch caches' objects into findings (pure); `monitor` runs it continuously on the
//! leader and keeps the findings in the store; `risk_guard` checks manifests (pure, a model the
//! inventory's apply calls); `routes` serves them; `memory` keeps runbooks and the fixes recorded
//! against findings; `remediation` proposes changes from findings, has a second person approve
//! them and runs them through the shared action cores.

pub mod diagnostics;
pub mod findings;
pub mod memory;
pub mod monitor;
pub mod remediation;
pub mod risk_guard;
pub mod routes;
