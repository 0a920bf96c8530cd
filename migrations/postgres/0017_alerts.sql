-- Alerting: the channels alerts go to (secrets sealed with FLEETDECK_SECRET_KEY), the rules that
-- raise alerts from findings and SLO results, the alerts with their lifecycle (firing,
-- acknowledged, resolved) and the log of every delivery with its attempts (docs/signals.md).
-- Keep in step with migrations/sqlite/0017_alerts.sql (tests/migrations.rs compares them).

CREATE TABLE alert_channels (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- alertmanager, slack, pagerduty, webhook, telegram or email.
    kind TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    -- JSON: the settings that are not secret (URLs, chat id, SMTP server, addresses).
    settings TEXT NOT NULL,
    -- The secrets as JSON, sealed and bound to the channel's id; NULL when it has none.
    sealed_secrets TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE alert_rules (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- JSON: what the rule matches (a finding or an SLO source and its filters).
    source TEXT NOT NULL,
    -- JSON: the ids of the channels it notifies.
    channel_ids TEXT NOT NULL,
    repeat_seconds BIGINT NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- One alert per (rule, subject) while it is open; an ad-hoc dispatch has no rule.
CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    -- rule id and subject ('<rule>:finding:<id>', '<rule>:slo:<cluster>/<ns>/<kind>/<name>').
    fingerprint TEXT NOT NULL,
    rule_id TEXT,
    -- firing, acknowledged or resolved.
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    severity TEXT NOT NULL,
    cluster TEXT NOT NULL,
    -- '' for cluster-scoped subjects and ad-hoc alerts: the visibility check reads it.
    namespace TEXT NOT NULL,
    -- JSON objects: labels, and the channel ids told about it.
    labels TEXT NOT NULL,
    channel_ids TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    notified_at TIMESTAMPTZ,
    acknowledged_at TIMESTAMPTZ,
    acknowledged_by TEXT,
    resolved_at TIMESTAMPTZ,
    resolved_by TEXT,
    note TEXT
);

-- At most one open alert per fingerprint: the dedup.
CREATE UNIQUE INDEX alerts_open_fingerprint ON alerts (fingerprint) WHERE state <> 'resolved';
CREATE INDEX alerts_state ON alerts (state, started_at);

CREATE TABLE alert_deliveries (
    id TEXT PRIMARY KEY,
    alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    -- The channel as it was (a channel deleted later leaves its log).
    channel_id TEXT NOT NULL,
    channel_name TEXT NOT NULL,
    channel_kind TEXT NOT NULL,
    -- The state sent: firing or resolved.
    state TEXT NOT NULL,
    delivered BOOLEAN NOT NULL,
    -- JSON: every attempt (number, status, error code, scrubbed message, duration).
    attempts TEXT NOT NULL,
    sent_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id, sent_at);
CREATE INDEX alert_deliveries_channel ON alert_deliveries (channel_id, sent_at);
