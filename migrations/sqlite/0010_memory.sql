-- Memory: runbooks (how to handle a class of findings) and fixes (what was done about a finding,
-- and whether it worked), so the runbooks that fixed a class before are suggested first.
-- Keep in step with migrations/postgres/0010_memory.sql (tests/migrations.rs compares them).

CREATE TABLE runbooks (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    -- Markdown.
    body TEXT NOT NULL,
    -- JSON arrays of strings: the tags, and the finding classes the runbook is for.
    tags JSON NOT NULL,
    classes JSON NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A fix outlives its runbook (runbook_id is cleared) and its finding (finding_id is kept as text:
-- findings are pruned once resolved long enough).
CREATE TABLE fixes (
    id TEXT PRIMARY KEY,
    runbook_id TEXT REFERENCES runbooks (id) ON DELETE SET NULL,
    finding_id TEXT,
    class TEXT NOT NULL,
    cluster TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    -- '' for cluster-scoped objects.
    object_namespace TEXT NOT NULL,
    object_name TEXT NOT NULL,
    -- Free text or a remediation kind (restart, rollback, …).
    action TEXT NOT NULL,
    success BOOLEAN NOT NULL,
    note TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);

CREATE INDEX fixes_class_recorded_at ON fixes (class, recorded_at);
CREATE INDEX fixes_runbook_id ON fixes (runbook_id);
CREATE INDEX fixes_finding_id ON fixes (finding_id);
CREATE INDEX fixes_recorded_at ON fixes (recorded_at);
