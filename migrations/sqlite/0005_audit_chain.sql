-- The audit hash chain (docs/api.md#the-chain): each row's place (seq), the previous row's hash
-- and its own. audit_chain's one row is the head every insert locks, and the anchor retention
-- leaves. Keep in step with migrations/postgres/0005_audit_chain.sql.
-- SQL cannot compute the hashes, so rows already here get their place here (in time order) and
-- their hashes from Store::migrate right after (the head's last_hash is '' until then).
-- SQLite cannot add a NOT NULL column without a default: the table is rebuilt.
CREATE TABLE audit_events_chained (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
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
    reason TEXT,
    seq BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

INSERT INTO audit_events_chained
SELECT id, at, actor, actor_method, verb, resource_type, cluster, namespace, name, outcome, http_status,
       request_id, client_ip, reason, row_number() OVER (ORDER BY at, id), '', ''
FROM audit_events;

DROP TABLE audit_events;
ALTER TABLE audit_events_chained RENAME TO audit_events;

CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_actor_at ON audit_events (actor, at);
CREATE INDEX audit_events_request_id ON audit_events (request_id);
CREATE UNIQUE INDEX audit_events_seq ON audit_events (seq);

CREATE TABLE audit_chain (
    id INTEGER PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    anchor_seq BIGINT NOT NULL,
    anchor_hash TEXT NOT NULL
);

INSERT INTO audit_chain (id, last_seq, last_hash, anchor_seq, anchor_hash)
SELECT 1, COUNT(*), '', 0, '0000000000000000000000000000000000000000000000000000000000000000' FROM audit_events;
