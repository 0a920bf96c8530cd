//! Signals: what Fleetdeck learns from watching the fleet over time. `sampler` records every
//! cluster's workload readiness, container and node usage and node history on the leader;
//! `samples` (pure) turns cached objects and metrics into a pass's samples; `node_history`
//! (pure) tells node status changes; `node_events` serves that history.

pub mod node_events;
pub mod node_history;
pub mod sampler;
pub mod samples;
