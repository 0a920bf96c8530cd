//! Inventory: the cluster registry (and, later, every cluster's resources).

pub mod model;
pub mod registry;
pub mod routes;
