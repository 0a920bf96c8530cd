-- Local accounts: admin-issued password reset links and self-service registrations awaiting their
-- emailed code. Only SHA-256 digests of the link tokens and codes are kept.
-- Keep in step with migrations/postgres/0007_account_tokens.sql.

-- One live link per user: issuing a new one deletes the older ones. used_at marks a consumed link.
CREATE TABLE password_resets (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);

CREATE INDEX password_resets_user_id ON password_resets (user_id);

-- One pending registration per username; the user is created when the code is verified.
CREATE TABLE registrations (
    username TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    code_digest TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
