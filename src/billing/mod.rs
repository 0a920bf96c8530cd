//! Billing and tenancy: tenants, their projects and apps with who may reach them (`access`), the
//! platform policy that bounds them (`policy`), their routes (`tenancy`), what they are in
//! their clusters (`project_objects`, pure), kept there by the leader (`project_sync`), and what
//! they use (`metering`, pure; measured by the leader's `meter`; read through `usage`) and pay
//! (`invoice`, pure: prices, lines, CSV; `invoices`: rate cards, invoices, credit notes). Tenants
//! buy quota: `plans` are on sale, `orders` of them are paid through `stripe` (or by an admin),
//! and what paid orders add up to (`entitlement`, pure) bounds their projects.

pub mod access;
pub mod entitlement;
pub mod invoice;
pub mod invoices;
pub mod meter;
pub mod metering;
pub mod model;
pub mod orders;
pub mod plans;
pub mod policy;
pub mod project_access;
pub mod project_objects;
pub mod project_sync;
pub mod stripe;
pub mod tenancy;
pub mod usage;
