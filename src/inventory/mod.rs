//! Inventory: every cluster's status and resources.

pub mod fleet;
pub mod summary;
