//! Inventory: every cluster's status and resources, from the shared watch caches.

pub mod can_i;
pub mod exec;
pub mod exec_frames;
pub mod exec_sessions;
pub mod fleet;
pub mod log_fanout;
pub mod log_frames;
pub mod logs;
pub mod model;
pub mod pods;
pub mod query;
pub mod rendered;
pub mod routes;
pub mod rows;
pub mod scope;
pub mod search;
pub mod selector;
pub mod streams;
pub mod summary;
pub mod usage;
pub mod watch_frames;
pub mod workload_actions;
