//! Incidents: diagnostics, incidents, remediation and risk checks. Today: the risk guard of
//! manifests (`risk_guard`, pure, a model the inventory's apply calls) and its route.

pub mod risk_guard;
pub mod routes;
