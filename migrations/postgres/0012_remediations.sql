-- Remediations: changes proposed from findings, decided by a second person (the two-person rule),
-- executed through the same action cores as the console's buttons, each with the exact change it
-- holds and how its execution went.
-- Keep in step with migrations/sqlite/0012_remediations.sql (tests/migrations.rs compares them).

CREATE TABLE remediations (
    id TEXT PRIMARY KEY,
    -- No foreign key: incidents are optional and may be pruned before their remediations.
    incident_id TEXT,
    -- Kept as text: findings are pruned once resolved long enough.
    finding_id TEXT NOT NULL,
    -- The finding's class, for the fix an execution records.
    finding_class TEXT NOT NULL,
    -- restart, rollback, scale, cordon, drain, patch_memory_limit, delete_pod.
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
    params JSONB NOT NULL,
    -- The exact change: the patch sent (absent for a pod delete or a drain), the object before
    -- and after it as YAML, and their unified diff.
    patch JSONB,
    before_yaml TEXT NOT NULL,
    after_yaml TEXT NOT NULL,
    diff TEXT NOT NULL,
    -- The object's resourceVersion the change was computed from.
    resource_version TEXT NOT NULL,
    -- The risk guard's analysis of the object after the change (workloads only).
    risk JSONB,
    -- proposed, approved, rejected, executed or failed.
    state TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TIMESTAMPTZ NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMPTZ,
    decision_note TEXT,
    executed_by TEXT,
    executed_at TIMESTAMPTZ,
    -- What the action answered, or why it failed.
    result JSONB,
    error TEXT
);

CREATE INDEX remediations_proposed_at ON remediations (proposed_at);
CREATE INDEX remediations_state ON remediations (state);
CREATE INDEX remediations_incident_id ON remediations (incident_id);
CREATE INDEX remediations_finding_id ON remediations (finding_id);
