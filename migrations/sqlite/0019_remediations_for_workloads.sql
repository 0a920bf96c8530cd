-- Remediations proposed for a workload rather than a finding (set_resources, from a rightsizing
-- recommendation): finding_id and finding_class may be NULL. SQLite cannot drop NOT NULL, so the
-- table is rebuilt as it was with that one change.
-- Keep in step with migrations/postgres/0019_remediations_for_workloads.sql (tests/migrations.rs compares them).
CREATE TABLE remediations_new (
    id TEXT PRIMARY KEY,
    -- No foreign key: incidents are optional and may be pruned before their remediations.
    incident_id TEXT,
    -- Kept as text: findings are pruned once resolved long enough. None for a proposal made for
    -- a workload (set_resources from rightsizing).
    finding_id TEXT,
    -- The finding's class, for the fix an execution records.
    finding_class TEXT,
    -- restart, rollback, scale, cordon, drain, patch_memory_limit, delete_pod, set_resources.
    kind TEXT NOT NULL,
    cluster TEXT NOT NULL,
    -- The object the change is made to ('' namespace for cluster-scoped objects; '' group for core).
    target_group TEXT NOT NULL,
    target_version TEXT NOT NULL,
    target_resource TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_namespace TEXT NOT NULL,
    target_name TEXT NOT NULL,
    -- The parameters the change was computed with (replicas, revision, memory).
    params JSON NOT NULL,
    -- The exact change: the patch sent (absent for a pod delete or a drain), the object before
    -- and after it as YAML, and their unified diff.
    patch JSON,
    before_yaml TEXT NOT NULL,
    after_yaml TEXT NOT NULL,
    diff TEXT NOT NULL,
    -- The object's resourceVersion the change was computed from.
    resource_version TEXT NOT NULL,
    -- The risk guard's analysis of the object after the change (workloads only).
    risk JSON,
    -- proposed, approved, rejected, executed or failed.
    state TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decision_note TEXT,
    executed_by TEXT,
    executed_at TEXT,
    -- What the action answered, or why it failed.
    result JSON,
    error TEXT
);

INSERT INTO remediations_new SELECT * FROM remediations;
DROP TABLE remediations;
ALTER TABLE remediations_new RENAME TO remediations;

CREATE INDEX remediations_proposed_at ON remediations (proposed_at);
CREATE INDEX remediations_state ON remediations (state);
CREATE INDEX remediations_incident_id ON remediations (incident_id);
CREATE INDEX remediations_finding_id ON remediations (finding_id);
