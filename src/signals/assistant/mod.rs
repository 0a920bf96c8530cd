//! The assistant: questions answered from the runbooks, incidents, findings and docs the caller
//! may see, with citations. The store keeps a searchable mirror of them current in the same
//! transactions as their writes (store/assistant.rs); `retrieval` turns a question into search
//! words and ranks what the search finds with the feedback boost; `answer` writes the extractive
//! answer and snippets; with an OpenAI-compatible model configured, `prompt` builds what it is
//! sent within a strict token budget, `scrub` removes secrets from it first, and `model_client`
//! asks it; `docs` splits Fleetdeck's embedded docs into sections; `telemetry` summarizes use;
//! `routes` serves all of it.

pub mod answer;
pub mod docs;
pub mod model_client;
pub mod prompt;
pub mod retrieval;
pub mod routes;
pub mod scrub;
pub mod telemetry;
