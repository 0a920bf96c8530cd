-- The assistant: what it searches (assistant_documents, a mirror of runbooks, incidents, their
-- notes, findings and Fleetdeck's docs, kept by triggers in the transactions that write them),
-- the questions asked (scrubbed) and the feedback on the references it cited.
-- Keep in step with migrations/postgres/0014_assistant.sql (tests/migrations.rs compares them).
-- SQLite searches an FTS5 index of the mirror (assistant_fts, bm25); Postgres a GIN index over
-- its tsvector (ts_rank).

-- One row per searchable text. source names what it mirrors ('runbook:<id>', 'incident:<id>',
-- 'note:<id>', 'finding:<id>', 'doc:<file>#<n>'); kind and ref_id are the reference a citation
-- names (a note cites its incident).
CREATE TABLE assistant_documents (
    -- The FTS5 rowid; an INTEGER PRIMARY KEY survives VACUUM.
    seq INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    -- runbook, incident, finding or doc.
    kind TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    -- Where a finding is ('' for everything else, and for cluster-scoped objects' namespace),
    -- for the visibility check.
    cluster TEXT NOT NULL,
    namespace TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL
);

CREATE UNIQUE INDEX assistant_documents_source ON assistant_documents (source);
CREATE INDEX assistant_documents_ref ON assistant_documents (kind, ref_id);

CREATE VIRTUAL TABLE assistant_fts USING fts5(
    title, body, content = 'assistant_documents', content_rowid = 'seq', tokenize = 'porter unicode61'
);

CREATE TRIGGER assistant_fts_insert AFTER INSERT ON assistant_documents BEGIN
    INSERT INTO assistant_fts (rowid, title, body) VALUES (NEW.seq, NEW.title, NEW.body);
END;
CREATE TRIGGER assistant_fts_delete AFTER DELETE ON assistant_documents BEGIN
    INSERT INTO assistant_fts (assistant_fts, rowid, title, body) VALUES ('delete', OLD.seq, OLD.title, OLD.body);
END;
CREATE TRIGGER assistant_fts_update AFTER UPDATE ON assistant_documents BEGIN
    INSERT INTO assistant_fts (assistant_fts, rowid, title, body) VALUES ('delete', OLD.seq, OLD.title, OLD.body);
    INSERT INTO assistant_fts (rowid, title, body) VALUES (NEW.seq, NEW.title, NEW.body);
END;

-- The mirror, written by the transactions that write the sources.
CREATE TRIGGER assistant_runbook_insert AFTER INSERT ON runbooks BEGIN
    INSERT INTO assistant_documents (source, kind, ref_id, cluster, namespace, title, body)
    VALUES ('runbook:' || NEW.id, 'runbook', NEW.id, '', '', NEW.title, NEW.body);
END;
CREATE TRIGGER assistant_runbook_update AFTER UPDATE OF title, body ON runbooks BEGIN
    UPDATE assistant_documents SET title = NEW.title, body = NEW.body WHERE source = 'runbook:' || NEW.id;
END;
CREATE TRIGGER assistant_runbook_delete AFTER DELETE ON runbooks BEGIN
    DELETE FROM assistant_documents WHERE source = 'runbook:' || OLD.id;
END;

CREATE TRIGGER assistant_incident_insert AFTER INSERT ON incidents BEGIN
    INSERT INTO assistant_documents (source, kind, ref_id, cluster, namespace, title, body)
    VALUES ('incident:' || NEW.id, 'incident', NEW.id, '', '', NEW.title,
            NEW.summary || char(10) || COALESCE(NEW.resolution, ''));
END;
CREATE TRIGGER assistant_incident_update AFTER UPDATE OF title, summary, resolution ON incidents BEGIN
    UPDATE assistant_documents SET title = NEW.title, body = NEW.summary || char(10) || COALESCE(NEW.resolution, '')
    WHERE source = 'incident:' || NEW.id;
END;
CREATE TRIGGER assistant_incident_delete AFTER DELETE ON incidents BEGIN
    DELETE FROM assistant_documents WHERE source = 'incident:' || OLD.id;
END;

CREATE TRIGGER assistant_note_insert AFTER INSERT ON incident_notes BEGIN
    INSERT INTO assistant_documents (source, kind, ref_id, cluster, namespace, title, body)
    VALUES ('note:' || NEW.id, 'incident', NEW.incident_id, '', '',
            COALESCE((SELECT title FROM incidents WHERE id = NEW.incident_id), ''), NEW.body);
END;
CREATE TRIGGER assistant_note_delete AFTER DELETE ON incident_notes BEGIN
    DELETE FROM assistant_documents WHERE source = 'note:' || OLD.id;
END;

CREATE TRIGGER assistant_finding_insert AFTER INSERT ON findings BEGIN
    INSERT INTO assistant_documents (source, kind, ref_id, cluster, namespace, title, body)
    VALUES ('finding:' || NEW.id, 'finding', NEW.id, NEW.cluster, NEW.namespace,
            COALESCE(json_extract(NEW.body, '$.title'), NEW.name),
            NEW.class || ' ' || NEW.kind || ' ' || NEW.namespace || ' ' || NEW.name || char(10) ||
            COALESCE(json_extract(NEW.body, '$.explanation'), ''));
END;
-- The monitor rewrites findings every pass; only a changed body changes the mirror.
CREATE TRIGGER assistant_finding_update AFTER UPDATE OF body ON findings WHEN OLD.body IS NOT NEW.body BEGIN
    UPDATE assistant_documents SET title = COALESCE(json_extract(NEW.body, '$.title'), NEW.name),
        body = NEW.class || ' ' || NEW.kind || ' ' || NEW.namespace || ' ' || NEW.name || char(10) ||
               COALESCE(json_extract(NEW.body, '$.explanation'), '')
    WHERE source = 'finding:' || NEW.id;
END;
CREATE TRIGGER assistant_finding_delete AFTER DELETE ON findings BEGIN
    DELETE FROM assistant_documents WHERE source = 'finding:' || OLD.id;
END;

-- What was there before this migration.
INSERT INTO assistant_documents (source, kind, ref_id, cluster, namespace, title, body)
SELECT 'runbook:' || id, 'runbook', id, '', '', title, body FROM runbooks;
INSERT INTO assistant_documents (source, kind, ref_id, cluster, namespace, title, body)
SELECT 'incident:' || id, 'incident', id, '', '', title, summary || char(10) || COALESCE(resolution, '') FROM incidents;
INSERT INTO assistant_documents (source, kind, ref_id, cluster, namespace, title, body)
SELECT 'note:' || n.id, 'incident', n.incident_id, '', '', i.title, n.body
FROM incident_notes n JOIN incidents i ON i.id = n.incident_id;
INSERT INTO assistant_documents (source, kind, ref_id, cluster, namespace, title, body)
SELECT 'finding:' || id, 'finding', id, cluster, namespace, COALESCE(json_extract(body, '$.title'), name),
       class || ' ' || kind || ' ' || namespace || ' ' || name || char(10) || COALESCE(json_extract(body, '$.explanation'), '')
FROM findings;

-- One row per question: the question scrubbed of secrets (never the raw one), how it was
-- answered and what it cited.
CREATE TABLE assistant_queries (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    question TEXT NOT NULL,
    cluster TEXT,
    -- extractive or model.
    mode TEXT NOT NULL,
    -- The model was asked and failed (or timed out): the extractive answer was served instead.
    model_fallback BOOLEAN NOT NULL,
    -- JSON list of {kind, id}, in citation order.
    citations JSON NOT NULL,
    latency_ms INTEGER NOT NULL,
    at TEXT NOT NULL
);

CREATE INDEX assistant_queries_at ON assistant_queries (at);

-- A caller's verdict on one reference an answer of theirs cited; given again, it is replaced.
CREATE TABLE assistant_feedback (
    query_id TEXT NOT NULL REFERENCES assistant_queries (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    helpful BOOLEAN NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (query_id, kind, ref_id, subject)
);

CREATE INDEX assistant_feedback_ref ON assistant_feedback (kind, ref_id);
