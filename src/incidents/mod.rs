//! Incidents: what is wrong in the clusters and what to do about it. `diagnostics` turns the
//! shared watch caches' objects into findings (pure).

pub mod diagnostics;
pub mod monitor;
