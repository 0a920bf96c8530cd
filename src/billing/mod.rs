//! Billing and tenancy: tenants, their projects and apps with who may reach them (`access`), the
//! platform policy that bounds them (`policy`), and their routes (`tenancy`).

pub mod access;
pub mod model;
pub mod policy;
pub mod tenancy;
