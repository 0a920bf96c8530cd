-- Foundation: users, sessions, API keys, audit events, settings.
-- Keep in step with migrations/sqlite/0001_foundation.sql (tests/migrations.rs compares them).

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    last_login_at TIMESTAMPTZ
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    token_name TEXT,
    method TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    client_ip TEXT NOT NULL,
    user_agent TEXT NOT NULL
);

CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    token_name TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ
);

CREATE INDEX api_keys_user_id ON api_keys (user_id);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    actor_method TEXT NOT NULL,
    verb TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    cluster TEXT,
    namespace TEXT,
    name TEXT,
    outcome TEXT NOT NULL,
    http_status INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    reason TEXT
);

CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_actor_at ON audit_events (actor, at);
CREATE INDEX audit_events_request_id ON audit_events (request_id);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
