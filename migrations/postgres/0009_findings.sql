-- Diagnostics: what the analyzers found wrong in each cluster, kept while the condition holds and
-- after it clears (resolved_at), so the history survives restarts.
-- Keep in step with migrations/sqlite/0009_findings.sql (tests/migrations.rs compares them).

-- One row per finding id (stable for the same condition on the same object); a condition that
-- comes back reopens its row with a new first_seen_at.
CREATE TABLE findings (
    id TEXT PRIMARY KEY,
    cluster TEXT NOT NULL,
    -- '' for cluster-scoped objects.
    namespace TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    class TEXT NOT NULL,
    severity TEXT NOT NULL,
    -- The finding as the API serves it, without the times.
    body JSONB NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ
);

CREATE INDEX findings_cluster_object ON findings (cluster, kind, namespace, name);
CREATE INDEX findings_resolved_at ON findings (resolved_at);
