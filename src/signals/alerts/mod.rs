//! Alerting: rules over findings and SLO results raise alerts (one per rule and subject), which
//! the dispatcher sends to channels (Alertmanager, Slack, PagerDuty, signed webhooks, Telegram,
//! email) through `outbound`, repeats while firing and resolves when the condition clears.
//! `rules` (pure) decides what to open, repeat and resolve; `channels` checks, seals and builds
//! channels; `dispatch` runs evaluations on the leader; `routes` serves `/api/alerts/*`.

pub mod channels;
pub mod dispatch;
pub mod model;
pub mod routes;
pub mod rules;
