-- A project's sync into its cluster: every change to the project, its apps or the platform
-- policy raises its generation; the project sync records the generation it applied, when, and
-- the last failure (cleared by a success). Synced when the two generations meet.
-- Keep in step with migrations/sqlite/0023_project_sync.sql (tests/migrations.rs compares them).

ALTER TABLE projects ADD COLUMN generation BIGINT NOT NULL DEFAULT 1;
ALTER TABLE projects ADD COLUMN synced_generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN synced_at TIMESTAMPTZ;
ALTER TABLE projects ADD COLUMN sync_error TEXT;
