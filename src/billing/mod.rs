//! Billing and tenancy: tenants, their projects and apps with who may reach them (`access`), the
//! platform policy that bounds them (`policy`), their routes (`tenancy`), and what they are in
//! their clusters (`project_objects`, pure), kept there by the leader (`project_sync`).

pub mod access;
pub mod model;
pub mod policy;
pub mod project_access;
pub mod project_objects;
pub mod project_sync;
pub mod tenancy;
