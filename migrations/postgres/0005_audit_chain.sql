-- The audit hash chain (docs/api.md#the-chain): each row's place (seq), the previous row's hash
-- and its own. audit_chain's one row is the head every insert locks, and the anchor retention
-- leaves. Keep in step with migrations/sqlite/0005_audit_chain.sql.
-- SQL cannot compute the hashes, so rows already here get their place here (in time order) and
-- their hashes from Store::migrate right after (the head's last_hash is '' until then).
ALTER TABLE audit_events
    ADD COLUMN seq BIGINT,
    ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '',
    ADD COLUMN hash TEXT NOT NULL DEFAULT '';

UPDATE audit_events SET seq = ordered.seq
FROM (SELECT id, row_number() OVER (ORDER BY at, id) AS seq FROM audit_events) AS ordered
WHERE audit_events.id = ordered.id;

ALTER TABLE audit_events
    ALTER COLUMN seq SET NOT NULL,
    ALTER COLUMN prev_hash DROP DEFAULT,
    ALTER COLUMN hash DROP DEFAULT;

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
