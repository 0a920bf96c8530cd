//! Inventory: the cluster registry (and, later, every cluster's resources).

pub mod fleet;
pub mod model;
pub mod registry;
pub mod routes;
pub mod summary;
