-- Remediations proposed for a workload rather than a finding (set_resources, from a rightsizing
-- recommendation): finding_id and finding_class may be NULL.
-- Keep in step with migrations/sqlite/0019_remediations_for_workloads.sql (tests/migrations.rs compares them).
ALTER TABLE remediations ALTER COLUMN finding_id DROP NOT NULL;
ALTER TABLE remediations ALTER COLUMN finding_class DROP NOT NULL;
