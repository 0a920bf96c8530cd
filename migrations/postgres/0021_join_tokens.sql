-- Cluster onboarding (join) tokens: single-use, short-lived, kept as SHA-256 digests only.
-- A token carries what the cluster will be registered with (name, metadata, apiserver URL);
-- the cluster row is created only when the join completes, so `cluster` is no foreign key.
-- Keep in step with migrations/sqlite/0021_join_tokens.sql (tests/migrations.rs compares them).

CREATE TABLE join_tokens (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    cluster TEXT NOT NULL,
    display_name TEXT NOT NULL,
    environment TEXT NOT NULL,
    labels JSONB NOT NULL,
    server_url TEXT NOT NULL,
    authz_mode TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    -- Set once, by the join that used it: the cluster it registered.
    used_at TIMESTAMPTZ,
    used_by TEXT,
    revoked_at TIMESTAMPTZ,
    revoked_by TEXT
);

CREATE INDEX join_tokens_cluster ON join_tokens (cluster, created_at);
