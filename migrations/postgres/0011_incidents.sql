-- Incidents: findings gathered under one title, worked through a runbook's steps, with notes, a
-- record of what happened to them (incident_events: the timeline and the replay read it) and a
-- postmortem once done.
-- Keep in step with migrations/sqlite/0011_incidents.sql (tests/migrations.rs compares them).

CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    -- info, warning or critical.
    severity TEXT NOT NULL,
    -- open or resolved.
    state TEXT NOT NULL,
    summary TEXT NOT NULL,
    -- Cleared when the runbook is deleted; the steps taken from it stay.
    runbook_id TEXT REFERENCES runbooks (id) ON DELETE SET NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    resolved_by TEXT,
    resolved_at TIMESTAMPTZ,
    resolution TEXT
);

CREATE INDEX incidents_created_at ON incidents (created_at, id);

-- The findings an incident was opened from. finding_id is not a reference: findings are pruned
-- once resolved long enough, so the finding as it was when linked is kept (body).
CREATE TABLE incident_findings (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    finding_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    cluster TEXT NOT NULL,
    -- '' for cluster-scoped objects.
    namespace TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    class TEXT NOT NULL,
    body JSONB NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (incident_id, finding_id)
);

CREATE INDEX incident_findings_cluster ON incident_findings (cluster);

-- Steps are numbered from 1 (position); the API names them by it.
CREATE TABLE incident_steps (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    detail TEXT NOT NULL,
    -- pending, done or skipped.
    state TEXT NOT NULL,
    note TEXT,
    updated_by TEXT,
    updated_at TIMESTAMPTZ,
    PRIMARY KEY (incident_id, position)
);

CREATE TABLE incident_notes (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    -- Markdown.
    body TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);

CREATE INDEX incident_notes_incident ON incident_notes (incident_id, at);

-- What happened to the incident itself: opened, finding_linked, step_changed, note_added,
-- resolved, postmortem_written, and the remediation_* kinds the remediation work records.
CREATE TABLE incident_events (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at TIMESTAMPTZ NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    detail JSONB NOT NULL
);

CREATE INDEX incident_events_incident ON incident_events (incident_id, at);

-- One per incident; written again, it is replaced (created_* stay).
CREATE TABLE postmortems (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL UNIQUE REFERENCES incidents (id) ON DELETE CASCADE,
    summary TEXT NOT NULL,
    impact_start_at TIMESTAMPTZ NOT NULL,
    impact_end_at TIMESTAMPTZ NOT NULL,
    root_cause TEXT NOT NULL,
    -- JSON list of {title, owner, done}.
    actions JSONB NOT NULL,
    -- JSON list of remediation ids.
    remediation_ids JSONB NOT NULL,
    -- The incident's timeline when the postmortem was written.
    timeline JSONB NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX postmortems_created_at ON postmortems (created_at, id);
