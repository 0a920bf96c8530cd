-- OIDC: sessions carry the identity a provider asserted and its tokens; the login history.
-- Keep in step with migrations/postgres/0006_oidc.sql (tests/migrations.rs compares them).

-- An OIDC session has neither user_id nor token_name: who it is lives in these columns.
ALTER TABLE sessions ADD COLUMN oidc_provider TEXT;
ALTER TABLE sessions ADD COLUMN oidc_subject TEXT;
ALTER TABLE sessions ADD COLUMN oidc_email TEXT;
ALTER TABLE sessions ADD COLUMN oidc_name TEXT;
-- JSON array of the provider's groups.
ALTER TABLE sessions ADD COLUMN oidc_groups TEXT;
ALTER TABLE sessions ADD COLUMN oidc_role TEXT;
-- Sealed with FLEETDECK_SECRET_KEY, bound to the session id.
ALTER TABLE sessions ADD COLUMN oidc_refresh_token TEXT;
-- Sealed likewise: the id_token_hint of RP-initiated logout.
ALTER TABLE sessions ADD COLUMN oidc_id_token TEXT;
-- When the ID token expires; the session is renewed with the refresh token before.
ALTER TABLE sessions ADD COLUMN oidc_token_expires_at TEXT;
-- One request renews at a time: it claims the session until then.
ALTER TABLE sessions ADD COLUMN oidc_refresh_claim_ends_at TEXT;

CREATE INDEX sessions_oidc_subject ON sessions (oidc_provider, oidc_subject);

-- Every sign-in attempt (password, token, OIDC), kept for the user and admins to review.
CREATE TABLE logins (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    at TEXT NOT NULL,
    method TEXT NOT NULL,
    provider TEXT,
    client_ip TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT
);

CREATE INDEX logins_subject_at ON logins (subject, at);
