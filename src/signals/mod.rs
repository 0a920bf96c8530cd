//! Signals: what Fleetdeck learns from watching the fleet over time and tells people about.
//! `sampler` records every cluster's workload readiness, container and node usage and node
//! history on the leader; `samples` (pure) turns cached objects and metrics into a pass's
//! samples; `node_history` (pure) tells node status changes; `node_events` serves that history;
//! `slo` and `rightsizing` (pure) compute SLOs and recommendations, `evaluator` runs them over
//! the samples (or `prometheus`'s series) into the store after the sampler's passes and
//! `reports` serves them;
//! `predictions` (pure) fits trends to samples, `predictor` asks an external model and
//! `predictions_api` serves them;
//! `outbound` delivers alerts to the channels people read, behind the SSRF guard; `assistant`
//! answers questions from the runbooks, incidents, findings and docs the caller may see;
//! `alerts` raises alerts from rules over findings and SLO results and sends them through `outbound`.

pub mod alerts;
pub mod assistant;
pub mod evaluator;
pub mod node_events;
pub mod node_history;
pub mod outbound;
pub mod predictions;
pub mod predictions_api;
pub mod predictor;
pub mod prometheus;
pub mod reports;
pub mod rightsizing;
pub mod sampler;
pub mod samples;
pub mod slo;
