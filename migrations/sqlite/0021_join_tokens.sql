-- Cluster onboarding (join) tokens: single-use, short-lived, kept as SHA-256 digests only.
-- A token carries what the cluster will be registered with (name, metadata, apiserver URL);
-- the cluster row is created only when the join completes, so `cluster` is no foreign key.
-- Keep in step with migrations/postgres/0021_join_tokens.sql (tests/migrations.rs compares them).

CREATE TABLE join_tokens (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    cluster TEXT NOT NULL,
    display_name TEXT NOT NULL,
    environment TEXT NOT NULL,
    labels JSON NOT NULL,
    server_url TEXT NOT NULL,
    authz_mode TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    -- Set once, by the join that used it: the cluster it registered.
    used_at TEXT,
    used_by TEXT,
    revoked_at TEXT,
    revoked_by TEXT
);

CREATE INDEX join_tokens_cluster ON join_tokens (cluster, created_at);
